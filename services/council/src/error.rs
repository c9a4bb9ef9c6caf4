//! The refusals of the council service.

use edu_contracts::council::{DecisionId, MinutesStatus, MotionStatus, Quarter, Quorum, SeatId};
use edu_db::StoreError;
use edu_domain::{ErrorCode, Problem, SchoolId};
use serde_json::json;

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
        principal: String,
    },
    #[error("{0} holds two seats")]
    TwoSeats(String),
    #[error("the subject school is not a member school of the group")]
    SubjectNotMember(SchoolId),
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
            } => Problem::new(
                ErrorCode::SeatHolderNotInGroup,
                format!("{holder} is not the principal of that school (its principal is {principal})"),
                format!("{holder} 不是该校校长(该校校长为 {principal})"),
            )
            .rule("G-02")
            .details(json!({ "school_id": school })),
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
            E::MinutesPublished => Problem::new(
                ErrorCode::MinutesPublished,
                "published minutes never change; add a correction instead",
                "会议纪要已发布,不能修改;如需更正,请另行添加更正记录",
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
            E::Store(e) => e.into_problem("council"),
        }
    }
}
