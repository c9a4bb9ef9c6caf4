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
    /// V-03: a draft round of the school year claims these groups already.
    #[error("a draft round exists")]
    DraftExists {
        round_id: Uuid,
        groups: Vec<GroupId>,
    },
    /// Only a computed draft is recomputed or completed.
    #[error("evaluation round state invalid: {why}")]
    RoundState {
        round_id: Uuid,
        state: String,
        status: String,
        why: &'static str,
    },
    /// a draft's consequences are not decided.
    #[error("evaluation round not completed")]
    NotCompleted(Uuid),
    /// V-03: the year's data of a group in a completed round is final.
    #[error("evaluation data locked")]
    DataLocked { school_year: i32, rounds: Vec<Uuid> },
    /// Rows of an imported sheet that cannot be stored: (line, column, reason).
    #[error("spreadsheet invalid")]
    Rows(Vec<edu_contracts::rotation::CsvRowError>),
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
            EvaluationError::DraftExists { round_id, groups } => Problem::new(
                ErrorCode::EvaluationDraftExists,
                "a draft round of this school year already evaluates the group: recompute it after correcting the data, or complete it",
                "该集团本学年已有考核草稿:请修正数据后重新计算,或确认完成该轮考核",
            )
            .rule("V-03")
            .details(json!({
                "round_id": round_id,
                "href": format!("/api/v1/evaluation-rounds/{round_id}"),
                "group_ids": groups,
            })),
            EvaluationError::RoundState {
                round_id,
                state,
                status,
                why,
            } => Problem::new(
                ErrorCode::EvaluationRoundStateInvalid,
                format!("the round cannot take this step: {why}"),
                match why {
                    "completed" => "该轮考核已完成,结果为最终结果,不能重新计算或再次完成",
                    _ => "该轮考核计算失败,不能重新计算或完成;请重新开启考核",
                },
            )
            .rule("V-03")
            .details(json!({
                "round_id": round_id,
                "state": state,
                "status": status,
                "reason": why,
            })),
            EvaluationError::NotCompleted(round_id) => Problem::new(
                ErrorCode::EvaluationRoundNotCompleted,
                "the round is a draft: its consequences are decided once the bureau completes it",
                "该轮考核仍为草稿:确认完成后方可决定考核结果运用事项",
            )
            .rule("X-02")
            .details(json!({ "round_id": round_id })),
            EvaluationError::DataLocked {
                school_year,
                rounds,
            } => Problem::new(
                ErrorCode::EvaluationDataLocked,
                "this school year's evaluation of the group is completed: its data is final",
                "该集团本学年考核已完成,考核数据已锁定,不能修改",
            )
            .rule("V-03")
            .details(json!({ "school_year": school_year, "round_ids": rounds })),
            EvaluationError::Rows(rows) => edu_contracts::evaluation_year::rows_invalid(&rows),
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
