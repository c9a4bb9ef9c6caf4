//! The refusals of the membership service, each with its stable code, bilingual message
//! and rule ID.

use edu_db::StoreError;
use edu_domain::{ErrorCode, GroupModel, Problem, Stage};
use serde_json::json;
use uuid::Uuid;

/// Why a persuade-out cannot be proposed: one is already waiting for the bureau.
pub const OPEN_PERSUADE_OUT_EXISTS: &str = "one is already waiting for the bureau's decision";
/// Why a persuade-out cannot be decided: none is waiting.
pub const NO_OPEN_PERSUADE_OUT: &str = "none is waiting for the bureau's decision";

/// Why an appointment cannot end: it ended already.
pub const APPOINTMENT_ENDED: &str = "it has ended already";
/// Why a cross-appointment cannot be recorded: the school's principal holds one already.
pub const CROSS_APPOINTMENT_OPEN: &str =
    "this school's principal is vice-principal of the lead school already";

/// Why a school cannot be designated: it is on the round's list already.
pub const DESIGNATED_ALREADY: &str = "the school is on this round's list already";
/// Why a designation cannot be lifted: it was lifted already.
pub const LIFTED_ALREADY: &str = "it was lifted already";

#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    #[error("{0}")]
    Invalid(Problem),
    #[error("school not found")]
    SchoolNotFound,
    #[error("group not found")]
    GroupNotFound,
    #[error("school name {0} is taken in its region")]
    SchoolNameTaken(String),
    #[error("group cap {cap} reached")]
    CapExceeded {
        cap: u8,
        active: u8,
        model: GroupModel,
        scale_cap: Option<u8>,
        policy_version: i32,
    },
    #[error("stage mismatch")]
    StageMismatch { lead: Stage, school: Stage },
    #[error("school already in a group")]
    AlreadyInGroup,
    #[error("a lead school cannot be a member")]
    LeadCannotBeMember,
    #[error("group dissolved")]
    GroupDissolved,
    #[error("the lead school's quality is not improving")]
    LeadQualityNotImproving {
        lead_school_id: edu_domain::SchoolId,
        school_year: i32,
        score: f64,
    },
    #[error("not an active member")]
    NotAMember,
    #[error("the lead school cannot exit")]
    LeadCannotExit,
    #[error("scale cap above the model cap needs a reason")]
    CapExceptionReasonRequired { scale_cap: u8, model_cap: u8 },
    #[error("a persuade-out needs an active warning or a failing evaluation")]
    WarningOrFailedEvaluationRequired,
    #[error("a persuade-out needs the council's decision about the school")]
    CouncilDecisionRequired { decision_id: Option<Uuid> },
    #[error("persuade-out: {0}")]
    PersuadeOutState(&'static str),
    #[error("dissolution needs a failing evaluation or an override reason")]
    FailedEvaluationRequired,
    #[error("a school of another county needs its bureau's consent")]
    CountyConsentRequired {
        school_region: edu_domain::RegionCode,
        group_region: edu_domain::RegionCode,
    },
    #[error("consent request not found")]
    ConsentNotFound,
    #[error("the consent request is {0} already")]
    ConsentDecided(&'static str),
    /// A group's past, as the bureau loads it: the entry (0-based) and the day a live write
    /// would have been refused, and why.
    #[error("history entry {row} on {on}: {cause}")]
    InHistory {
        row: usize,
        on: chrono::NaiveDate,
        cause: Box<MembershipError>,
    },
    #[error("the office has a director and two deputies in post")]
    OfficeFull,
    #[error("appointment not found")]
    AppointmentNotFound,
    #[error("appointment: {0}")]
    AppointmentState(&'static str),
    #[error("recommendation not found")]
    RecommendationNotFound,
    #[error("the recommendation is {0} already")]
    RecommendationDecided(&'static str),
    #[error("a round of {first}–{last} overlaps")]
    WeakRoundOverlaps { first: i32, last: i32 },
    #[error("weak-school round not found")]
    WeakRoundNotFound,
    #[error("designation not found")]
    DesignationNotFound,
    #[error("designation: {0}")]
    DesignationState(&'static str),
    #[error("agreement not found")]
    AgreementNotFound,
    #[error("the agreement was terminated already")]
    AgreementEnded,
    /// Another service's answer, passed on as it came (a refusal, or `service_unavailable`).
    #[error("{0}")]
    Upstream(Problem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for MembershipError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl From<Problem> for MembershipError {
    fn from(p: Problem) -> Self {
        Self::Invalid(p)
    }
}

impl From<edu_db::idempotency::ClaimError> for MembershipError {
    fn from(e: edu_db::idempotency::ClaimError) -> Self {
        Self::Store(e.into())
    }
}

impl From<MembershipError> for Problem {
    fn from(e: MembershipError) -> Self {
        use MembershipError as E;
        match e {
            E::Invalid(p) => p,
            E::SchoolNotFound => Problem::not_found("school", "学校"),
            E::GroupNotFound => Problem::not_found("group", "教育集团"),
            E::SchoolNameTaken(name) => Problem::new(
                ErrorCode::SchoolNameTaken,
                format!("a school named {name} already exists in this region"),
                format!("本地区已有名为「{name}」的学校"),
            )
            .details(json!({ "name": name })),
            E::CapExceeded { cap, active, model, scale_cap, policy_version } => Problem::new(
                ErrorCode::GroupCapExceeded,
                format!(
                    "this {} group already has {active} of at most {cap} member schools (policy version {policy_version})",
                    model.as_str()
                ),
                format!("该{}集团已有 {active} 所成员学校,上限为 {cap} 所(政策版本 {policy_version})", model.name_zh()),
            )
            // F-08 when the bureau's scale decision is what binds, F-09 otherwise.
            .rule(if scale_cap.is_some_and(|s| s == cap) { "F-08" } else { "F-09" })
            .details(json!({
                "cap": cap, "active_members": active, "model": model,
                "scale_cap": scale_cap, "policy_version": policy_version,
            })),
            E::StageMismatch { lead, school } => Problem::new(
                ErrorCode::StageMismatch,
                format!("members must be of the lead school's stage ({}); this school is {}", lead.as_str(), school.as_str()),
                format!("成员学校须与龙头学校同学段({});该校为{}", lead.name_zh(), school.name_zh()),
            )
            .rule("F-03")
            .details(json!({ "lead_stage": lead, "school_stage": school })),
            E::AlreadyInGroup => Problem::new(
                ErrorCode::SchoolAlreadyInGroup,
                "this school is already in an education group; a school belongs to one group at a time",
                "该校已加入教育集团;一所学校同一时间只能属于一个集团",
            )
            .rule("F-01"),
            E::LeadCannotBeMember => Problem::new(
                ErrorCode::LeadCannotBeMember,
                "a lead school cannot be a member school, of its own group or another",
                "龙头学校不能作为成员学校(本集团或其他集团均不可)",
            )
            .rule("F-01"),
            E::GroupDissolved => Problem::group_dissolved(),
            E::LeadQualityNotImproving { lead_school_id, school_year, score } => Problem::new(
                ErrorCode::LeadQualityNotImproving,
                format!(
                    "the lead school's quality did not improve in school year {school_year} (score {score}): the group admits no member until it does or the bureau switches the gate off"
                ),
                format!(
                    "龙头学校 {school_year} 学年教育教学质量未持续提升(得分 {score}):在质量提升前,集团不得吸收新成员学校"
                ),
            )
            .rule("V-07")
            .details(json!({
                "lead_school_id": lead_school_id, "school_year": school_year, "score": score,
                "related_rules": ["F-08"],
            })),
            E::NotAMember => Problem::new(
                ErrorCode::NotAMember,
                "this school is not an active member of the group",
                "该校不是本集团的在册成员学校",
            ),
            E::LeadCannotExit => Problem::new(
                ErrorCode::LeadCannotExit,
                "the lead school cannot leave its group; the bureau dissolves the group instead",
                "龙头学校不能退出本集团;如需终止请由教育局撤销集团",
            )
            .rule("F-01"),
            E::CapExceptionReasonRequired { scale_cap, model_cap } => Problem::new(
                ErrorCode::CapExceptionReasonRequired,
                format!("a scale cap of {scale_cap} is above the model's cap of {model_cap}; record the exception's reason"),
                format!("办学规模 {scale_cap} 超过该模式上限 {model_cap},须填写例外理由"),
            )
            .rule("F-09")
            .details(json!({ "scale_cap": scale_cap, "model_cap": model_cap })),
            E::WarningOrFailedEvaluationRequired => Problem::new(
                ErrorCode::WarningOrFailedEvaluationRequired,
                "a persuade-out needs at least one active warning to the school, or a failing evaluation",
                "劝退须以该校至少一次有效警告或考核评估不合格为前提",
            )
            .rule("X-01"),
            E::CouncilDecisionRequired { decision_id } => Problem::new(
                ErrorCode::CouncilDecisionRequired,
                "a member school's major matter is decided by the council: record its decision (category member_major_matter) about this school first",
                "成员学校重大事项由集团理事会集体决策:须先有理事会关于该校的「成员学校重大事项」决定",
            )
            .rule("G-09")
            .details(json!({ "decision_id": decision_id })),
            E::PersuadeOutState(why) => Problem::new(
                ErrorCode::PersuadeOutStateInvalid,
                format!("persuade-out: {why}"),
                match why {
                    OPEN_PERSUADE_OUT_EXISTS => "该校已有待教育局确认的劝退",
                    _ => "该校没有待教育局确认的劝退",
                },
            )
            .rule("X-01"),
            E::FailedEvaluationRequired => Problem::new(
                ErrorCode::FailedEvaluationRequired,
                "the group's latest evaluation does not fail it: dissolving it needs an override reason on record",
                "该集团最近一次考核评估并非不合格:撤销须填写并记录例外理由",
            )
            .rule("X-02"),
            E::CountyConsentRequired { school_region, group_region } => Problem::new(
                ErrorCode::CountyConsentRequired,
                format!("this school is in county {school_region}, the group in {group_region}: it joins only with its own county bureau's consent"),
                format!("该校属于 {school_region},集团属于 {group_region}:跨县入集团须经该校所在县教育局同意"),
            )
            .rule("F-04")
            .details(json!({ "school_region": school_region, "group_region": group_region })),
            E::ConsentNotFound => Problem::not_found("consent request", "跨县入集团申请"),
            E::ConsentDecided(status) => Problem::new(
                ErrorCode::ConsentStateInvalid,
                format!("this request is {status} already; a decision stands"),
                format!("该申请已{},决定不可更改", if status == "approved" { "同意" } else { "不同意" }),
            )
            .rule("F-04"),
            E::InHistory { row, on, cause } => {
                Problem::from(*cause).in_entry("history", ("member entry", "成员记录"), row, on)
            }
            E::OfficeFull => Problem::new(
                ErrorCode::OfficeFull,
                "the group's office has two deputy directors in post already: end one's appointment first",
                "集团管理办公室已有 2 名副主任在任:请先结束其中一人的任职",
            )
            .rule("G-11"),
            E::AppointmentNotFound => Problem::not_found("appointment", "任职记录"),
            E::AppointmentState(why) => Problem::new(
                ErrorCode::AppointmentStateInvalid,
                format!("appointment: {why}"),
                match why {
                    APPOINTMENT_ENDED => "该任职已结束",
                    _ => "该校校长已在龙头学校任副校长",
                },
            )
            .rule(if why == APPOINTMENT_ENDED { "G-10" } else { "G-13" }),
            E::RecommendationNotFound => Problem::not_found("recommendation", "任免建议"),
            E::RecommendationDecided(status) => Problem::new(
                ErrorCode::RecommendationStateInvalid,
                format!("this recommendation is {status} already; the bureau's decision stands"),
                format!(
                    "该任免建议已{},教育局的决定不可更改",
                    if status == "accepted" { "采纳" } else { "不予采纳" }
                ),
            )
            .rule("G-12"),
            E::WeakRoundOverlaps { first, last } => Problem::new(
                ErrorCode::WeakRoundOverlaps,
                format!("the county's round of school years {first}–{last} overlaps this one: a county runs one three-year round at a time"),
                format!("本县 {first}—{last} 学年的薄弱学校认定轮次与此重叠:每三年为一轮,同一时间只有一轮"),
            )
            .rule("F-17")
            .details(json!({ "first_school_year": first, "last_school_year": last })),
            E::WeakRoundNotFound => Problem::not_found("weak-school round", "薄弱学校认定轮次"),
            E::DesignationNotFound => Problem::not_found("designation", "薄弱学校认定"),
            E::DesignationState(why) => Problem::new(
                ErrorCode::DesignationStateInvalid,
                format!("designation: {why}"),
                match why {
                    DESIGNATED_ALREADY => "该校已在本轮薄弱学校名单中",
                    _ => "该校的薄弱学校认定已撤销",
                },
            )
            .rule("F-17"),
            E::AgreementNotFound => Problem::not_found("agreement", "共享协议"),
            E::AgreementEnded => Problem::new(
                ErrorCode::AgreementStateInvalid,
                "this agreement was terminated already",
                "该协议已终止",
            )
            .rule("R-10"),
            E::Upstream(p) => p,
            E::Store(e) => e.into_problem("membership"),
        }
    }
}
