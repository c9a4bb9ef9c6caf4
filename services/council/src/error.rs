//! The refusals of the council service.

use chrono::NaiveDate;
use edu_contracts::council::{
    DecisionCategory, DecisionId, MinutesStatus, MotionStatus, Quarter, Quorum, SeatId,
};
use edu_db::StoreError;
use edu_domain::{ErrorCode, GroupId, Problem, SchoolId};
use serde_json::json;

use crate::major_matters::rules::Missing;
use crate::motions::rules::Uncited;

#[derive(Debug, thiserror::Error)]
pub enum CouncilError {
    #[error("{0}")]
    Invalid(Problem),
    #[error("council not found")]
    CouncilNotFound,
    #[error("meeting not found")]
    MeetingNotFound,
    #[error("motion not found")]
    MotionNotFound,
    #[error("the group is dissolved; its council is frozen")]
    Frozen,
    #[error("the chair must be the lead school's principal")]
    Chair {
        school: Option<SchoolId>,
        principal: Option<String>,
    },
    #[error("vice-chairs must be the member schools' principals")]
    ViceChairs(Vec<SchoolId>),
    #[error("one secretary-general")]
    SecretaryGeneral,
    #[error("{holder} is not of an active school of the group")]
    NotInGroup { school: SchoolId, holder: String },
    #[error("{holder} is not the principal of the school")]
    NotPrincipal {
        school: SchoolId,
        holder: String,
        /// `None` while membership has not named the school's principal.
        principal: Option<String>,
    },
    #[error("{0} holds two seats")]
    TwoSeats(String),
    #[error("the subject school is not a member school of the group")]
    SubjectNotMember(SchoolId),
    #[error("the lead school's own matters are not member schools' major matters")]
    MatterOfLead(SchoolId),
    #[error("the school is not an active member school of the group")]
    MatterOfNonMember(SchoolId),
    #[error("a member school's major matter cites the council's decision about it: {missing:?}")]
    DecisionRequired {
        group: GroupId,
        school: SchoolId,
        effective_on: NaiveDate,
        missing: Missing,
    },
    #[error("quorum not met")]
    Quorum(Quorum),
    #[error("seat not present")]
    SeatNotPresent(SeatId),
    #[error("seat already voted")]
    AlreadyVoted(SeatId),
    #[error("motion closed")]
    MotionClosed(MotionStatus),
    #[error("meeting state: {0}")]
    MeetingState(&'static str, &'static str),
    /// Attendance is recorded, and a past meeting loaded, once the meeting's day has come.
    #[error("the meeting's day has not come")]
    NotYetHeld,
    /// A past meeting is held while the group exists: from its plaque date (挂牌).
    #[error("held on {held_on}, before the group's plaque date {plaque_date}")]
    BeforePlaque {
        held_on: NaiveDate,
        plaque_date: NaiveDate,
    },
    /// A school present at a past meeting was not in the group on that day.
    #[error("the school was not in the group on {on}")]
    NotInGroupOn { school: SchoolId, on: NaiveDate },
    /// A past meeting the bureau loads: the entry (0-based) and its day a live write would
    /// have refused, and why.
    #[error("past meeting entry {entry} on {on}: {cause}")]
    PastEntry {
        entry: usize,
        on: NaiveDate,
        cause: Box<CouncilError>,
    },
    #[error("minutes published")]
    MinutesPublished,
    #[error("minutes are {0:?}")]
    MinutesState(Option<MinutesStatus>, &'static str, &'static str),
    #[error("the report leaves out major decisions")]
    ReportMissing(Vec<DecisionId>),
    #[error("report already submitted")]
    ReportSubmitted,
    #[error("quarter not ended")]
    QuarterNotEnded(Quarter),
    /// The charter's and development plan's own refusals (G-14, G-07, G-01, M2).
    #[error(transparent)]
    Charter(crate::charter::refusals::Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Problem> for CouncilError {
    fn from(p: Problem) -> Self {
        Self::Invalid(p)
    }
}

impl From<diesel::result::Error> for CouncilError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<edu_db::idempotency::ClaimError> for CouncilError {
    fn from(e: edu_db::idempotency::ClaimError) -> Self {
        Self::Store(e.into())
    }
}

impl From<CouncilError> for Problem {
    fn from(e: CouncilError) -> Self {
        use CouncilError as E;
        match e {
            E::Invalid(p) => p,
            E::CouncilNotFound => Problem::not_found("council", "理事会"),
            E::MeetingNotFound => Problem::not_found("meeting", "会议"),
            E::MotionNotFound => Problem::not_found("motion", "议案"),
            E::Frozen => Problem::new(
                ErrorCode::GroupDissolved,
                "this group has been dissolved; its council keeps its records and takes no changes",
                "该教育集团已撤销,理事会记录保留,不再接受变更",
            )
            .rule("X-02"),
            E::Chair { school, principal } => Problem::new(
                ErrorCode::ChairMustBeLeadPrincipal,
                "the council's chair (会长) is the lead school's principal, and only one",
                "理事会会长由龙头学校校长兼任,且仅设一名",
            )
            .rule("G-03")
            .details(json!({ "lead_school_id": school, "lead_principal_name": principal })),
            E::ViceChairs(expected) => Problem::new(
                ErrorCode::ViceChairMustBeMemberPrincipal,
                "the vice-chairs (副会长) are exactly the principals of the active member schools",
                "副会长由各成员学校校长兼任,每所在册成员学校一名",
            )
            .rule("G-04")
            .details(json!({ "member_school_ids": expected })),
            E::SecretaryGeneral => Problem::new(
                ErrorCode::SecretaryGeneralRequired,
                "the council has exactly one secretary-general (秘书长)",
                "理事会须设秘书长一名",
            )
            .rule("G-05"),
            E::NotInGroup { school, holder } => Problem::new(
                ErrorCode::SeatHolderNotInGroup,
                format!("{holder} is not a leader of an active school of this group"),
                format!("{holder} 不是本集团在册学校的校级领导"),
            )
            .rule("G-02")
            .details(json!({ "school_id": school })),
            E::NotPrincipal {
                school,
                holder,
                principal,
            } => {
                let (en, zh) = match &principal {
                    Some(p) => (format!("its principal is {p}"), format!("该校校长为 {p}")),
                    None => (
                        "no principal of it is on record yet".to_owned(),
                        "该校校长尚未登记".to_owned(),
                    ),
                };
                Problem::new(
                    ErrorCode::SeatHolderNotInGroup,
                    format!("{holder} is not the principal of that school ({en})"),
                    format!("{holder} 不是该校校长({zh})"),
                )
                .rule("G-02")
                .details(json!({ "school_id": school }))
            }
            E::TwoSeats(holder) => Problem::validation(
                "seats",
                &format!("{holder} is given two seats; one person holds one seat"),
                &format!("{holder} 被安排了两个席位;每人只能担任一个席位"),
            ),
            E::SubjectNotMember(school) => Problem::new(
                ErrorCode::SchoolNotInGroup,
                "a member school's major matter concerns an active member school of the group",
                "成员学校重大事项须涉及本集团在册成员学校",
            )
            .rule("G-09")
            .details(json!({ "school_id": school })),
            E::MatterOfLead(school) => Problem::new(
                ErrorCode::NotAMember,
                "the lead school's own matters are not member schools' major matters; name a member school of the group",
                "龙头学校自身事项不属于成员学校重大事项,请选择本集团的成员学校",
            )
            .rule("G-09")
            .details(json!({ "school_id": school, "lead_school": true })),
            E::MatterOfNonMember(school) => Problem::new(
                ErrorCode::NotAMember,
                "a member school's major matter concerns an active member school of the group; this school is not one",
                "成员学校重大事项须涉及本集团在册成员学校,该校不是",
            )
            .rule("G-09")
            .details(json!({ "school_id": school, "lead_school": false })),
            E::DecisionRequired {
                group,
                school,
                effective_on,
                missing,
            } => decision_required(group, school, effective_on, missing),
            E::Quorum(q) => Problem::new(
                ErrorCode::QuorumNotMet,
                format!(
                    "no quorum: {} of {} seats present ({} needed), schools without a seat present: {}",
                    q.present,
                    q.seats,
                    q.needed,
                    q.schools_absent.len()
                ),
                format!(
                    "未达到法定人数:{} 个席位中出席 {} 个(需 {} 个),未到会学校 {} 所",
                    q.seats,
                    q.present,
                    q.needed,
                    q.schools_absent.len()
                ),
            )
            .rule("G-09")
            .details(json!({ "quorum": q })),
            E::SeatNotPresent(seat) => Problem::new(
                ErrorCode::SeatNotPresent,
                "this seat was not present at the meeting",
                "该席位未出席本次会议",
            )
            .details(json!({ "seat_id": seat })),
            E::AlreadyVoted(seat) => Problem::new(
                ErrorCode::AlreadyVoted,
                "this seat has already voted on the motion",
                "该席位已对本议案表决",
            )
            .details(json!({ "seat_id": seat })),
            E::MotionClosed(status) => Problem::new(
                ErrorCode::MotionClosed,
                format!("the motion is closed ({}); its result stands", status.as_str()),
                format!("该议案表决已结束({}),结果不再改变", status.as_str()),
            )
            .details(json!({ "status": status })),
            E::MeetingState(en, zh) => Problem::new(ErrorCode::MeetingStateInvalid, en, zh),
            E::NotYetHeld => Problem::new(
                ErrorCode::MeetingStateInvalid,
                "the meeting's day has not come; attendance is recorded when it is held",
                "会议尚未召开,召开后再登记出席情况",
            )
            .rule("G-06"),
            E::BeforePlaque {
                held_on,
                plaque_date,
            } => Problem::new(
                ErrorCode::MeetingStateInvalid,
                format!("the meeting of {held_on} is before the group's plaque date {plaque_date}: its council did not meet yet"),
                format!("会议日期 {held_on} 早于集团挂牌日期 {plaque_date},理事会尚未成立"),
            )
            .rule("G-06")
            .details(json!({ "plaque_date": plaque_date })),
            E::NotInGroupOn { school, on } => Problem::new(
                ErrorCode::SchoolNotInGroup,
                format!("the school was not in the group on {on}, so it had no seat on its council that day"),
                format!("该校 {on} 不在本集团,当日在理事会没有席位"),
            )
            .rule("G-02")
            .details(json!({ "school_id": school })),
            E::PastEntry { entry, on, cause } => {
                Problem::from(*cause).in_entry("entry", ("meeting entry", "会议记录"), entry, on)
            }
            E::MinutesPublished => Problem::new(
                ErrorCode::MinutesPublished,
                "published minutes never change; add a correction instead (in the console: Corrections, under the published minutes)",
                "会议纪要已发布,不能修改;如需更正,请添加更正记录(控制台:已发布纪要下的“更正记录”)",
            ),
            E::MinutesState(status, en, zh) => {
                Problem::new(ErrorCode::MinutesStateInvalid, en, zh)
                    .details(json!({ "status": status }))
            }
            E::ReportMissing(missing) => Problem::new(
                ErrorCode::ReportMissingMajorDecisions,
                format!(
                    "the report leaves out {} major decision(s) of the quarter; it must list every one",
                    missing.len()
                ),
                format!("书面汇报遗漏了本季度 {} 项重大决策,须全部列入", missing.len()),
            )
            .rule("G-08")
            .details(json!({ "missing_decision_ids": missing })),
            E::ReportSubmitted => Problem::new(
                ErrorCode::ReportAlreadySubmitted,
                "this quarter's report was already submitted",
                "本季度书面汇报已提交",
            )
            .rule("G-08"),
            E::QuarterNotEnded(q) => Problem::new(
                ErrorCode::QuarterNotEnded,
                format!("{q} has not ended; its report is written afterwards"),
                format!("{q} 尚未结束,季度结束后再提交书面汇报"),
            )
            .rule("G-08"),
            E::Charter(r) => r.into(),
            E::Store(e) => e.into_problem("council"),
        }
    }
}

/// G-09: what a member school's major matter needs and what its citation lacks. The details
/// name the decision needed (`needed`) and the part missing (`missing`); a decision of
/// another group is not described further, since the caller may not see that group.
fn decision_required(
    group: GroupId,
    school: SchoolId,
    effective_on: NaiveDate,
    missing: Missing,
) -> Problem {
    let needed = json!({
        "category": DecisionCategory::MemberMajorMatter,
        "group_id": group,
        "subject_school_id": school,
        "decided_on_or_before": effective_on,
    });
    let (what, en, zh, found) = match missing {
        Missing::Cited(Uncited::Citation) => (
            "decision_cited",
            "a member school's major matter is decided collectively by the council: cite the council's decision about it (a passed motion of category member_major_matter about this school)".to_owned(),
            "成员学校重大事项由集团理事会集体决策:须注明理事会就此作出的决定(关于该校、类别为「成员学校重大事项」、已表决通过的议案)".to_owned(),
            json!({}),
        ),
        Missing::Cited(Uncited::Decision(id)) => (
            "decision",
            "the cited decision is not a decision of the council (a motion becomes one when it passes); cite the council's decision about this school".to_owned(),
            "所注明的决定不是理事会的决定(议案表决通过后方成为决定),须注明理事会关于该校的决定".to_owned(),
            json!({ "decision_id": id }),
        ),
        Missing::Cited(Uncited::SameGroup(id)) => (
            "same_group",
            "the cited council decision is another group's; cite this group's council decision about the school".to_owned(),
            "所注明的决定属于其他集团的理事会,须注明本集团理事会关于该校的决定".to_owned(),
            json!({ "decision_id": id }),
        ),
        Missing::SameCategory(id, category) => (
            "same_category",
            format!(
                "the cited council decision is of category {}, not a member school's major matter (member_major_matter)",
                category.as_str()
            ),
            format!(
                "所注明的理事会决定类别为「{}」,不是「成员学校重大事项」",
                category.name_zh()
            ),
            json!({ "decision_id": id, "decision_category": category }),
        ),
        Missing::SameSchool(id, subject) => (
            "same_school",
            "the cited council decision is about another school; cite the council's decision about this school".to_owned(),
            "所注明的理事会决定涉及其他学校,须注明理事会关于该校的决定".to_owned(),
            json!({ "decision_id": id, "decision_subject_school_id": subject }),
        ),
        Missing::DecidedInTime {
            decision,
            decided_on,
            effective_on,
        } => (
            "decided_by_effective_date",
            format!(
                "the cited council decision was made on {decided_on}, after the matter takes effect on {effective_on}: the council decides a major matter before it takes effect"
            ),
            format!(
                "所注明的理事会决定作出于 {decided_on},晚于该事项生效日期 {effective_on};重大事项须先经理事会决策"
            ),
            json!({ "decision_id": decision, "decided_on": decided_on }),
        ),
    };
    let mut details = json!({ "missing": what, "needed": needed });
    if let (Some(d), Some(extra)) = (details.as_object_mut(), found.as_object()) {
        d.extend(extra.clone());
    }
    Problem::new(ErrorCode::CouncilDecisionRequired, en, zh)
        .rule("G-09")
        .details(details)
}
