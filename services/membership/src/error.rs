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
            E::Upstream(p) => p,
            E::Store(e) => e.into_problem("membership"),
        }
    }
}
