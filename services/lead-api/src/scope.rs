//! Who may see and do what (DESIGN.md, "Auth and tenancy"). These rules span services, so
//! they live here, in the one HTTP front; the data rules live in the owning service.
//! A refusal for scope is 404 when existence itself is private, 403 otherwise.

use edu_contracts::membership::{Group, School};
use edu_domain::{ExitReason, Problem, RegionCode, Role};

use crate::auth::Caller;

fn forbidden(en: &str, zh: &str) -> Problem {
    Problem::forbidden(en, zh)
}

/// Bureau-only actions on the caller's own region.
pub fn bureau_of(caller: &Caller, region: &RegionCode) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau if caller.0.region == *region => Ok(()),
        Role::Bureau => Err(forbidden(
            "this belongs to another region's bureau",
            "该事项属于其他地区教育局",
        )),
        _ => Err(forbidden(
            "only the county education bureau may do this",
            "仅县教育局可执行此操作",
        )),
    }
}

/// A school is visible within its region (the region's school directory).
pub fn can_see_school(caller: &Caller, school: &School) -> bool {
    school.region == caller.0.region
}

/// A group is visible to its region's bureau and auditors (also when only a member is in
/// their region, F-04) and to the people of its active schools.
pub fn can_see_group(caller: &Caller, group: &Group) -> bool {
    match caller.0.role {
        Role::Bureau | Role::Auditor => {
            group.region == caller.0.region || group.regions.contains(&caller.0.region)
        }
        Role::LeadAdmin | Role::MemberAdmin | Role::Teacher => caller
            .0
            .school_id
            .is_some_and(|s| group.active_school_ids.contains(&s)),
    }
}

/// Admitting members: the group's bureau, or the lead school's office (§8.6: the lead office
/// proposes within the bureau's scale decision, which the service enforces).
pub fn can_admit(caller: &Caller, group: &Group) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau if caller.0.region == group.region => Ok(()),
        Role::LeadAdmin if caller.0.school_id == Some(group.lead_school_id) => Ok(()),
        _ => Err(forbidden(
            "only the group's bureau or its lead school's office may admit members",
            "仅该集团所属教育局或龙头学校集团办公室可吸收成员学校",
        )),
    }
}

/// Ending a membership: the bureau and the lead office for any reason; a member school may
/// only withdraw itself voluntarily.
pub fn can_exit(
    caller: &Caller,
    group: &Group,
    school: edu_domain::SchoolId,
    reason: ExitReason,
) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau if caller.0.region == group.region => Ok(()),
        Role::LeadAdmin if caller.0.school_id == Some(group.lead_school_id) => Ok(()),
        Role::MemberAdmin
            if caller.0.school_id == Some(school) && reason == ExitReason::Voluntary =>
        {
            Ok(())
        }
        _ => Err(forbidden(
            "you may not end this school's membership",
            "无权终止该校的成员资格",
        )),
    }
}
