//! The refusals of the evaluation service.

use chrono::NaiveDate;
use edu_db::StoreError;
use edu_domain::{ErrorCode, GroupId, Problem};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    #[error("{0}")]
    Invalid(Problem),
    #[error("group not found")]
    GroupNotFound,
    #[error("evaluation round not found")]
    RoundNotFound,
    #[error("scorecard not found")]
    ScorecardNotFound,
    #[error("consequence not found")]
    ConsequenceNotFound,
    /// V-03: groups not yet a year past their plaque date, with the day each becomes eligible.
    #[error("evaluation too early")]
    TooEarly(Vec<(GroupId, NaiveDate)>),
    /// V-03: one evaluation per group and school year.
    #[error("evaluation already exists")]
    AlreadyExists(Vec<GroupId>),
    /// The round's scorecards are not computed yet: reading or exporting them now would
    /// show an empty round.
    #[error("evaluation round still computing")]
    RoundComputing(Uuid),
    /// the consequence cannot take this step.
    #[error("consequence state invalid: {0}")]
    ConsequenceState(&'static str),
    /// Another service's answer, passed on as it came.
    #[error("{0}")]
    Upstream(Problem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for EvaluationError {
    fn from(e: diesel::result::Error) -> Self {
        // V-03: the unique (group, school year) refused a second round's claim or
        // scorecard (a race).
        if let diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) = &e
            && matches!(
                info.constraint_name(),
                Some(
                    "scorecards_group_id_school_year_key" | "round_groups_group_id_school_year_key"
                )
            )
        {
            return Self::AlreadyExists(Vec::new());
        }
        Self::Store(e.into())
    }
}

impl From<edu_db::idempotency::ClaimError> for EvaluationError {
    fn from(e: edu_db::idempotency::ClaimError) -> Self {
        Self::Store(e.into())
    }
}

impl From<Problem> for EvaluationError {
    fn from(p: Problem) -> Self {
        Self::Invalid(p)
    }
}

impl From<EvaluationError> for Problem {
    fn from(e: EvaluationError) -> Self {
        match e {
            EvaluationError::Invalid(p) | EvaluationError::Upstream(p) => p,
            EvaluationError::GroupNotFound => Problem::not_found("group", "教育集团"),
            EvaluationError::RoundNotFound => Problem::not_found("evaluation round", "考核轮次"),
            EvaluationError::ScorecardNotFound => {
                Problem::not_found("scorecard of the group in this round", "该集团本轮考核结果")
            }
            EvaluationError::ConsequenceNotFound => {
                Problem::not_found("consequence", "考核结果运用事项")
            }
            EvaluationError::TooEarly(groups) => Problem::new(
                ErrorCode::EvaluationTooEarly,
                "a group is evaluated from one year after its plaque date",
                "教育集团挂牌成立满一年后方可考核评估",
            )
            .rule("V-03")
            .details(json!({
                "groups": groups
                    .iter()
                    .map(|(g, from)| json!({"group_id": g, "eligible_from": from}))
                    .collect::<Vec<_>>(),
            })),
            EvaluationError::AlreadyExists(groups) => Problem::new(
                ErrorCode::EvaluationAlreadyExists,
                "the group already has its evaluation for this school year",
                "该集团本学年已完成考核评估",
            )
            .rule("V-03")
            .details(json!({ "group_ids": groups })),
            EvaluationError::RoundComputing(round_id) => Problem::new(
                ErrorCode::EvaluationRoundComputing,
                "the round's scorecards are still being computed; poll the round until it is computed",
                "本轮考核评分仍在计算中,请待轮次状态为已完成后再查看或导出",
            )
            .details(json!({ "round_id": round_id })),
            EvaluationError::ConsequenceState(why) => Problem::new(
                ErrorCode::ConsequenceStateInvalid,
                format!("the consequence cannot take this step: {why}"),
                "该考核结果运用事项当前状态不允许此操作",
            )
            .rule("X-02")
            .details(json!({ "reason": why })),
            EvaluationError::Store(e) => e.into_problem("evaluation"),
        }
    }
}
