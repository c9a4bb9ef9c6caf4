//! 成员学校重大事项 (G-09, invariant 10): a member school's major matter on record, citing the
//! council decision that decided it. The council owns the decisions, so it keeps this record
//! and checks the citation in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{DecisionId, MajorMatterId};
use crate::{Page, Paging};

crate::operation!(Council, RecordMajorMatter, "major_matter.record", NewMajorMatter => MajorMatter);
crate::operation!(Council, ListMajorMatters, "major_matter.list", MajorMatterQuery => Page<MajorMatter>);

/// What kind of major matter of a member school it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum MajorMatterKind {
    /// 校长任免: the principal appointed or removed.
    PrincipalAppointmentOrRemoval,
    /// 年度预算/重大经费: the yearly budget or a major expenditure.
    Budget,
    /// 校区/校址调整: a campus opened, closed, merged or moved.
    CampusChange,
    /// 招生计划调整: a change of the enrolment plan.
    EnrolmentPlanChange,
    /// 加入其他办学共同体/项目: joining another schooling community, programme or partnership.
    Partnership,
    /// 重大建设项目: a major construction project.
    MajorConstruction,
    /// 其他: anything else; the description says what.
    Other,
}
edu_domain::spelled!(MajorMatterKind {
    PrincipalAppointmentOrRemoval => "principal_appointment_or_removal",
    Budget => "budget",
    CampusChange => "campus_change",
    EnrolmentPlanChange => "enrolment_plan_change",
    Partnership => "partnership",
    MajorConstruction => "major_construction",
    Other => "other",
});

impl MajorMatterKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::PrincipalAppointmentOrRemoval => "校长任免",
            Self::Budget => "年度预算/重大经费",
            Self::CampusChange => "校区/校址调整",
            Self::EnrolmentPlanChange => "招生计划调整",
            Self::Partnership => "加入其他办学共同体/项目",
            Self::MajorConstruction => "重大建设项目",
            Self::Other => "其他",
        }
    }
}

/// A member school's major matter to record. It cites the council's decision about it: a
/// passed motion of category `member_major_matter` about this school, of this group (G-09).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMajorMatter {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// The member school the matter concerns (not the lead school).
    pub school_id: SchoolId,
    pub kind: MajorMatterKind,
    #[schema(example = "任命李明为二中校长")]
    pub title: String,
    /// Up to 2000 characters; required for `other`.
    #[serde(default)]
    pub description: Option<String>,
    /// When the matter takes effect: on or after the day the council decided it.
    pub effective_on: NaiveDate,
    /// The council decision that decided the matter. Left out, the request is refused with
    /// `council_decision_required` (G-09), which says what kind of decision is needed.
    #[serde(default)]
    pub decision_id: Option<DecisionId>,
}

/// A member school's major matter on record, with the decision it cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MajorMatter {
    pub id: MajorMatterId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_name: String,
    pub kind: MajorMatterKind,
    pub title: String,
    pub description: Option<String>,
    pub effective_on: NaiveDate,
    pub decision_id: DecisionId,
    /// The cited decision's title and day, as the council recorded them.
    pub decision_title: String,
    pub decided_on: NaiveDate,
    /// Who recorded it (the token's `sub`).
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A group's major matters, or one school's: newest (by effective date) first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MajorMatterQuery {
    pub group_id: GroupId,
    pub school_id: Option<SchoolId>,
    #[serde(default)]
    pub paging: Paging,
}
