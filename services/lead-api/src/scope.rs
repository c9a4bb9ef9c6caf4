//! Who may see and do what (DESIGN.md, "Auth and tenancy"). These rules span services, so
//! they live here, in the one HTTP front; the data rules live in the owning service.
//! A refusal for scope is 404 when existence itself is private, 403 otherwise.

use edu_contracts::membership::{Group, School};
use edu_contracts::rotation::Posting;
use edu_domain::{ExitReason, GroupStatus, Problem, RegionCode, Role, SchoolId};

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
/// their region, F-04) and to the people of its active schools. A dissolved group has no
/// active school: its history stays readable to its bureau, the auditor and the office of
/// its former lead school.
pub fn can_see_group(caller: &Caller, group: &Group) -> bool {
    match caller.0.role {
        Role::Bureau | Role::Auditor => {
            group.region == caller.0.region || group.regions.contains(&caller.0.region)
        }
        Role::LeadAdmin
            if group.status == GroupStatus::Dissolved
                && caller.0.school_id == Some(group.lead_school_id) =>
        {
            true
        }
        Role::LeadAdmin | Role::MemberAdmin | Role::Teacher => caller
            .0
            .school_id
            .is_some_and(|s| group.active_school_ids.contains(&s)),
    }
}

/// X-02 (invariant 20): a dissolved group accepts no change. Asked before any scope check
/// (after the role table, permissions.rs), so that everyone whose role may make the change
/// and who may see the group learns the same reason (409, not 403 or 404).
pub fn open_for_changes(group: &Group) -> Result<(), Problem> {
    match group.status {
        GroupStatus::Active => Ok(()),
        GroupStatus::Dissolved => Err(Problem::group_dissolved()),
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
    school: SchoolId,
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

/// The school's own offices: its lead_admin or member_admin.
fn admin_of(caller: &Caller, school: SchoolId) -> bool {
    matches!(caller.0.role, Role::LeadAdmin | Role::MemberAdmin)
        && caller.0.school_id == Some(school)
}

/// The office of the group's lead school.
fn lead_office_of(caller: &Caller, group: &Group) -> bool {
    caller.0.role == Role::LeadAdmin && caller.0.school_id == Some(group.lead_school_id)
}

/// F-08/V-07: a school's quality records are read by its county's bureau and auditor and by
/// the school's own office; nobody else.
pub fn can_read_lead_quality(caller: &Caller, school: &School) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == school.region => Ok(()),
        _ if admin_of(caller, school.id) => Ok(()),
        _ => Err(forbidden(
            "only the county's bureau, its auditor and the school's own office read its quality records",
            "仅本县教育局、审计人员和该校办公室可查看其质量评估记录",
        )),
    }
}

/// Uploading a school's teacher roster: the bureau of the school's region, or the school's
/// own office. Another region's school is not known to exist (404).
pub fn can_import_teachers(caller: &Caller, school: &School) -> Result<(), Problem> {
    if admin_of(caller, school.id) {
        return Ok(());
    }
    if !can_see_school(caller, school) {
        return Err(Problem::not_found("school", "学校"));
    }
    match caller.0.role {
        Role::Bureau => Ok(()),
        _ => Err(forbidden(
            "only the school's own office or its bureau may upload its teachers",
            "仅本校或所属教育局可上传本校教师名册",
        )),
    }
}

/// Reading a school's teacher roster: the bureau and auditors of its region, the school's own
/// office, and the office of the lead school of the group the school is in now (`group`).
/// A school outside the caller's region and group is not known to exist (404).
pub fn can_read_teachers(
    caller: &Caller,
    school: &School,
    group: Option<&Group>,
) -> Result<(), Problem> {
    if admin_of(caller, school.id) || group.is_some_and(|g| lead_office_of(caller, g)) {
        return Ok(());
    }
    if !can_see_school(caller, school) {
        return Err(Problem::not_found("school", "学校"));
    }
    match caller.0.role {
        Role::Bureau | Role::Auditor => Ok(()),
        _ => Err(forbidden(
            "only the school's own office, its group's lead school or its bureau may read its teachers",
            "仅本校、所在集团龙头学校或所属教育局可查看本校教师名册",
        )),
    }
}

/// Proposing a posting in a group the caller sees: the group's bureau, the lead school's
/// office, or a member school's office (for its own staff; the rotation service checks the
/// direction and the sending school).
pub fn can_propose_posting(caller: &Caller, group: &Group) -> Result<(), Problem> {
    let member_office = caller.0.role == Role::MemberAdmin
        && caller
            .0
            .school_id
            .is_some_and(|s| group.active_school_ids.contains(&s));
    if lead_office_of(caller, group) || member_office {
        return Ok(());
    }
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the group's bureau or the office of one of its schools may propose postings",
            "仅该集团所属教育局或集团内学校可提出交流安排",
        )
    })
}

/// Loading a group's past postings (their real dates count in E-08): the group's bureau
/// only; a school's office proposes today's postings but does not write the past.
pub fn can_load_past_postings(caller: &Caller, group: &Group) -> Result<(), Problem> {
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the group's bureau may load its past postings",
            "仅该集团所属教育局可载入集团的历史交流记录",
        )
    })
}

/// Confirming a posting: the receiving school's office, or the group's bureau.
pub fn can_confirm_posting(
    caller: &Caller,
    group: &Group,
    posting: &Posting,
) -> Result<(), Problem> {
    if admin_of(caller, posting.to_school_id) {
        return Ok(());
    }
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the receiving school or the group's bureau may confirm a posting",
            "仅接收学校或该集团所属教育局可确认交流安排",
        )
    })
}

/// Cancelling or ending a posting early: the group's bureau, the lead school's office, or
/// the office of the sending or the receiving school.
pub fn can_close_posting(caller: &Caller, group: &Group, posting: &Posting) -> Result<(), Problem> {
    if lead_office_of(caller, group)
        || admin_of(caller, posting.from_school_id)
        || admin_of(caller, posting.to_school_id)
    {
        return Ok(());
    }
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the group's bureau, its lead school, or the sending or receiving school may close a posting",
            "仅该集团所属教育局、龙头学校、派出学校或接收学校可取消或终止交流安排",
        )
    })
}

/// Recording a training or showcase (E-05: the lead school delivers them to the group): the
/// lead school's office, or the group's bureau.
pub fn can_record_training(caller: &Caller, group: &Group) -> Result<(), Problem> {
    if lead_office_of(caller, group) {
        return Ok(());
    }
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the group's lead school or its bureau may record trainings",
            "仅该集团龙头学校或所属教育局可登记培训",
        )
    })
}

/// A region's policy: everyone of the region reads the rules it works under (the console
/// offers only the posting kinds the policy enables); only its bureau changes them.
pub fn can_read_policy(caller: &Caller, region: &RegionCode) -> Result<(), Problem> {
    if caller.0.region == *region {
        Ok(())
    } else {
        Err(forbidden(
            "this is another region's policy",
            "这是其他地区的政策",
        ))
    }
}

/// A county's rotation figures: its bureau and auditors.
/// The region's evaluation (rounds, scored items): its bureau and auditors.
pub fn can_read_evaluation(caller: &Caller, region: &RegionCode) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == *region => Ok(()),
        _ => Err(forbidden(
            "only the region's bureau and auditors may read its evaluation",
            "仅该地区教育局及督导人员可查看本地区考核评估",
        )),
    }
}

pub fn can_read_region(caller: &Caller, region: &RegionCode) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == *region => Ok(()),
        _ => Err(forbidden(
            "only the region's bureau and auditors may read its rotation figures",
            "仅该地区教育局及督导人员可查看本地区交流轮岗数据",
        )),
    }
}

/// F-16/F-17: a county's coverage and its weak-school rounds, with each school's plan: its
/// bureau and auditors.
pub fn can_read_county_view(caller: &Caller, region: &RegionCode) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == *region => Ok(()),
        _ => Err(forbidden(
            "only the county's bureau and auditors read its coverage and weak-school designations",
            "仅本县教育局及审计人员可查看本县集团化覆盖率和薄弱学校认定",
        )),
    }
}

/// A county's audit trail (its signed export): its bureau and auditors, who answer for its
/// records; nobody of a school reads the county's whole trail.
pub fn can_read_audit_trail(caller: &Caller, region: &RegionCode) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == *region => Ok(()),
        _ => Err(forbidden(
            "only the county's bureau and auditors may export its audit trail",
            "仅本县教育局及审计人员可导出本县审计记录",
        )),
    }
}

/// Running the council's business — composition (G-05: the chair appoints), meetings,
/// attendance, motions, votes, minutes and the quarterly report (G-08) — is the lead
/// school's office, which keeps the council's records (G-10).
pub fn can_run_council(caller: &Caller, group: &Group) -> Result<(), Problem> {
    if lead_office_of(caller, group) {
        return Ok(());
    }
    Err(forbidden(
        "only the group's lead school office runs its council's business",
        "理事会事务由龙头学校集团办公室办理",
    ))
}

/// Amending circulated minutes: the office of the school whose seat was present, or the
/// lead school's office.
pub fn can_amend_minutes(
    caller: &Caller,
    group: &Group,
    seat_school: SchoolId,
) -> Result<(), Problem> {
    if lead_office_of(caller, group) || admin_of(caller, seat_school) {
        return Ok(());
    }
    Err(forbidden(
        "only the attendee's own school office may amend the minutes for its seat",
        "仅出席席位所在学校可对纪要提出修改",
    ))
}

/// G-09: a member school's major matter goes on record by the group's lead office, which
/// keeps the council's records (G-10), or by the office of the member school it concerns.
/// The council service checks that the school is a member and that the council decided it.
pub fn can_record_major_matter(
    caller: &Caller,
    group: &Group,
    school: SchoolId,
) -> Result<(), Problem> {
    let own_school = caller.0.role == Role::MemberAdmin && caller.0.school_id == Some(school);
    if lead_office_of(caller, group) || own_school {
        return Ok(());
    }
    Err(forbidden(
        "only the group's lead school office, or the office of the member school concerned, records a member school's major matter",
        "成员学校重大事项由龙头学校集团办公室或该成员学校登记",
    ))
}

/// G-14/L4: the lead school writes the group's charter, and with it the development plan
/// (G-01): its office drafts and edits the versions and records the council's adoption. The
/// council service checks the decision that adopts a version.
pub fn can_write_charter(caller: &Caller, group: &Group) -> Result<(), Problem> {
    if lead_office_of(caller, group) {
        return Ok(());
    }
    Err(forbidden(
        "only the group's lead school office drafts its charter and development plan and records their adoption",
        "集团章程和发展规划由龙头学校集团办公室起草并登记理事会通过情况",
    )
    .rule("G-14"))
}

/// M2: a member school's office acknowledges the charter and the plan in force for its own
/// school (the lead school's acknowledgement is implied). Answers that school; the council
/// service checks that it is an active member of the version's group.
pub fn can_acknowledge_charter(caller: &Caller) -> Result<SchoolId, Problem> {
    match (caller.0.role, caller.0.school_id) {
        (Role::MemberAdmin, Some(school)) => Ok(school),
        _ => Err(forbidden(
            "only a member school's office acknowledges the charter and plan in force, for its own school",
            "仅成员学校可为本校确认遵守现行集团章程和发展规划",
        )
        .rule("M2")),
    }
}

/// A county's overdue council reports (G-08): its bureau and auditors.
pub fn can_read_region_reports(caller: &Caller, region: &RegionCode) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == *region => Ok(()),
        _ => Err(forbidden(
            "only the region's bureau and auditors may read its groups' overdue reports",
            "仅该地区教育局及督导人员可查看本地区集团逾期未报的书面汇报",
        )),
    }
}

/// X-01/L8: warnings and persuade-outs are the lead school's supervision duty: its office.
pub fn can_sanction(caller: &Caller, group: &Group) -> Result<(), Problem> {
    if lead_office_of(caller, group) {
        return Ok(());
    }
    Err(forbidden(
        "only the group's lead school office warns members and proposes persuade-outs",
        "警告和劝退由龙头学校集团办公室提出",
    ))
}

/// G-10/G-13: the group's office and the lead school's vice-principals are appointed by the
/// lead school; its office keeps the record.
pub fn can_run_office(caller: &Caller, group: &Group) -> Result<(), Problem> {
    if lead_office_of(caller, group) {
        return Ok(());
    }
    Err(forbidden(
        "only the group's lead school office appoints to the group's office and records its vice-principals",
        "集团管理办公室及龙头学校副校长的任职由龙头学校集团办公室登记",
    ))
}

/// R-10/M6: the group's sharing agreements are kept by the lead school's office (G-10).
pub fn can_record_agreement(caller: &Caller, group: &Group) -> Result<(), Problem> {
    if lead_office_of(caller, group) {
        return Ok(());
    }
    Err(forbidden(
        "only the group's lead school office records and terminates its sharing agreements",
        "集团共享协议由龙头学校集团办公室登记和终止",
    ))
}

/// G-12: the lead school recommends (its office); the group's bureau decides.
pub fn can_recommend_leader(caller: &Caller, group: &Group) -> Result<(), Problem> {
    if lead_office_of(caller, group) {
        return Ok(());
    }
    Err(forbidden(
        "only the group's lead school office recommends appointing or removing a member school's leaders",
        "成员学校领导任免建议由龙头学校集团办公室提出",
    ))
}

/// G-12: the bureau of the group's county decides on a recommendation.
pub fn can_decide_leader(caller: &Caller, group: &Group) -> Result<(), Problem> {
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the group's bureau decides on a leader recommendation",
            "任免建议由该集团所属教育局决定",
        )
    })
}

/// G-12: which leader recommendations a caller reads: personnel matters, so the lead
/// office, the county's bureau and auditors all of them, a member school's office those
/// about its own school, nobody else.
pub fn leader_recommendations_for(caller: &Caller, group: &Group) -> Option<Option<SchoolId>> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == group.region => Some(None),
        _ if lead_office_of(caller, group) => Some(None),
        Role::MemberAdmin => caller.0.school_id.map(Some),
        _ => None,
    }
}

/// §5c: the bureau that formed the group confirms or rejects a persuade-out.
pub fn can_decide_persuade_out(caller: &Caller, group: &Group) -> Result<(), Problem> {
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the group's bureau confirms or rejects a persuade-out",
            "劝退须由该集团所属教育局确认",
        )
    })
}

/// A group's past council meetings, loaded with their real dates: the bureau of the group's
/// county, which loads the group's past (F-11). A bureau that sees the group only through a
/// cross-region member (F-04) is not the group's bureau.
pub fn can_load_past_meetings(caller: &Caller, group: &Group) -> Result<(), Problem> {
    bureau_of(caller, &group.region).map_err(|_| {
        forbidden(
            "only the bureau of the group's county loads its past council meetings",
            "仅该集团所属县教育局可载入其历史理事会会议",
        )
    })
}

/// R-11 (invariant 17): a group's refused brand transfers are read by those who answer for
/// its brand: the bureau of the group's county, that county's auditors, and the lead school's
/// office. A bureau that sees the group only through a cross-region member (F-04) is not the
/// group's bureau; a member school learns of its own refusal from the answer it got.
pub fn can_read_brand_refusals(caller: &Caller, group: &Group) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == group.region => Ok(()),
        _ if lead_office_of(caller, group) => Ok(()),
        _ => Err(forbidden(
            "only the group's bureau, its county's auditors and the lead school's office read the group's refused brand transfers",
            "仅该集团所属教育局、本县督导人员及龙头学校集团办公室可查看品牌违规拦截记录",
        )
        .rule("R-11")),
    }
}

/// Whose obligations and sanctions a caller who sees the group may read: the bureau,
/// auditors and the lead office every school's (`requested`, or all); a member school's
/// office and teachers only their own school's (and the group's).
pub fn school_filter(
    caller: &Caller,
    group: &Group,
    requested: Option<SchoolId>,
) -> Result<Option<SchoolId>, Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor => Ok(requested),
        _ if lead_office_of(caller, group) => Ok(requested),
        _ => match (caller.0.school_id, requested) {
            (Some(own), None) => Ok(Some(own)),
            (Some(own), Some(r)) if own == r => Ok(Some(own)),
            _ => Err(forbidden(
                "a member school reads its own obligations and sanctions only",
                "成员学校只能查看本校的义务与处理记录",
            )),
        },
    }
}

/// A school's notification feed: its own office and teachers, and its region's bureau and
/// auditors. Another region's school is not known to exist (404).
pub fn can_read_feed(caller: &Caller, school: &School) -> Result<(), Problem> {
    if caller.0.school_id == Some(school.id) {
        return Ok(());
    }
    if !can_see_school(caller, school) {
        return Err(Problem::not_found("school", "学校"));
    }
    match caller.0.role {
        Role::Bureau | Role::Auditor => Ok(()),
        _ => Err(forbidden(
            "only the school itself and its bureau read its notifications",
            "仅本校及所属教育局可查看本校提醒",
        )),
    }
}

/// G-17: a school's group funds are budgeted and spent by its own office (the lead school's
/// for the lead, a member's for that member), in a group it is a school of. Answers the
/// school.
pub fn funds_office(caller: &Caller, group: &Group) -> Result<SchoolId, Problem> {
    match caller.0.school_id {
        Some(school)
            if matches!(caller.0.role, Role::LeadAdmin | Role::MemberAdmin)
                && group.active_school_ids.contains(&school) =>
        {
            Ok(school)
        }
        _ => Err(forbidden(
            "only the office of a school of the group keeps that school's group funds",
            "集团化办学经费由本集团各学校办公室登记本校的预算和支出",
        )
        .rule("G-17")),
    }
}

/// G-17: a spending is reversed by the office of the school that recorded it.
pub fn can_reverse_spending(
    caller: &Caller,
    group: &Group,
    spending: &edu_contracts::funds::Spending,
) -> Result<(), Problem> {
    if funds_office(caller, group)? == spending.school_id {
        return Ok(());
    }
    Err(forbidden(
        "only the office of the school that recorded a spending reverses it",
        "仅登记该笔支出的学校可以冲销",
    )
    .rule("G-17"))
}

/// G-17: a group's funds statement is read by the offices of its schools (each sees the
/// whole group's) and by the bureau and auditors of the group's county.
pub fn can_read_funds(caller: &Caller, group: &Group) -> Result<(), Problem> {
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == group.region => Ok(()),
        Role::LeadAdmin | Role::MemberAdmin if can_see_group(caller, group) => Ok(()),
        _ => Err(forbidden(
            "only the group's schools' offices and the bureau and auditors of its county read its funds",
            "仅本集团各学校办公室及所属县教育局、审计人员可查看集团经费",
        )
        .rule("G-17")),
    }
}
