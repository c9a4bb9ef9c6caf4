//! A county's schools and groups made over the bus as the bureau makes them, for the tests
//! of every service that learns of them from membership's events.

use chrono::NaiveDate;
use edu_bus::Bus;
use edu_contracts::Actor;
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, NewGroup, NewSchool,
};
use edu_domain::{GroupId, GroupModel, Problem, RegionCode, SchoolId, Stage};

/// Who makes the county's schools and groups, where.
pub struct County<'a> {
    pub bus: &'a Bus,
    pub actor: &'a Actor,
    pub region: RegionCode,
}

impl County<'_> {
    /// A school of `stage` in the county; its legal person is the school itself.
    pub async fn school(
        &self,
        name: &str,
        stage: Stage,
        principal: &str,
    ) -> Result<SchoolId, Problem> {
        let body = NewSchool {
            name: name.into(),
            stage,
            region: self.region.clone(),
            principal_name: principal.into(),
            legal_person: name.into(),
        };
        Ok(self
            .bus
            .call::<CreateSchool>(self.actor, None, body)
            .await?
            .id)
    }

    /// An alliance group (联盟型) named `name`, led by `lead`, plaqued on `plaque`.
    pub async fn alliance(
        &self,
        name: &str,
        lead: SchoolId,
        plaque: NaiveDate,
    ) -> Result<GroupId, Problem> {
        let body = NewGroup {
            name: name.into(),
            model: GroupModel::Alliance,
            lead_school_id: lead,
            plaque_date: plaque,
            scale_cap: None,
            cap_exception_reason: None,
        };
        Ok(self
            .bus
            .call::<CreateGroup>(self.actor, None, body)
            .await?
            .id)
    }

    /// Admits `school` into `group`.
    pub async fn admit(&self, group: GroupId, school: SchoolId) -> Result<(), Problem> {
        let admission = Admission {
            group_id: group,
            school_id: school,
        };
        self.bus
            .call::<AdmitMember>(self.actor, None, admission)
            .await
            .map(drop)
    }
}
