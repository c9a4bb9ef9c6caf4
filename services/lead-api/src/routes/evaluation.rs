//! The bureau's annual evaluation (RULES.md §6): the data it enters (quality
//! scores, Q-12 balance inputs, scored items), rounds (V-03), scorecards with drill-down to
//! the records behind each figure and the decision on rewards and warnings; the
//! exports and the printable report are in `evaluation_export`. The rules are the
//! evaluation service's.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put};
use chrono::NaiveDate;
use edu_contracts::evaluation::{
    BalanceInputs, Consequence, ConsequenceDecision, DecideConsequence, Figure, GetRound,
    GetSchoolData, GetScorecard, NewRound, OpenRound, Round, RoundRef, SaveSchoolData,
    SaveScoredItems, SchoolData, SchoolDataInput, SchoolDataRef, Scorecard, ScorecardRef,
    ScoredItem, ScoredItems, ScoredItemsInput,
};
use edu_contracts::membership::{GetSchool, School, SchoolRef};
use edu_domain::{ErrorCode, GroupId, Problem, Role, SchoolId, SchoolYear};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupNotVisible, InvalidInput, KeyReused, NoToken, OnlyGroupBureau, OnlyRegionBureauOrAuditor,
    RoundComputing, RoundNotInRegion, SchoolNotInRegion, Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, scope};

/// A round for the caller's region.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundRequest {
    #[schema(value_type = i32, example = 2025)]
    pub school_year: SchoolYear,
    /// Only these groups (each must be eligible); default every group of the region.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub group_ids: Option<Vec<GroupId>>,
    /// The day figures are counted on (default the year's last day, or today).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

pub(crate) async fn round_of_region(
    state: &AppState,
    caller: &Caller,
    round_id: Uuid,
) -> Result<Round, ApiError> {
    let round = state
        .bus
        .call::<GetRound>(&caller.actor(), None, RoundRef { round_id })
        .await?;
    // A round of another region is private: 404.
    match caller.0.role {
        Role::Bureau | Role::Auditor if caller.0.region == round.region => Ok(round),
        _ => Err(Problem::not_found("evaluation round", "考核轮次").into()),
    }
}

/// Open an evaluation round (V-03) as a **draft**: every group of the caller's region a
/// year past its plaque date (or each named one) is claimed for the school year, and the
/// round answers at once `computing` with its URL in `Location`; poll it until it is
/// `computed` (its scorecards listed) or `failed` (with the refusal that stopped it; its
/// groups can then be evaluated again). Nothing is final until the bureau completes it
/// (`POST …/complete`); until then it recomputes it after correcting the data
/// (`POST …/recompute`). `evaluation_too_early` when no group (or a named one) is eligible;
/// `evaluation_draft_exists` (with `details.round_id`) when a draft of the year already
/// evaluates them; `evaluation_already_exists` when a completed round does.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "create_evaluation_round",
    params(IdempotencyKey),
    request_body = RoundRequest,
    responses(
        (status = 202, description = "Opened and computing; poll `Location` until `status` is `computed` or `failed`", body = Round,
            headers(("Location" = String, description = "The round: /api/v1/evaluation-rounds/{round_id}"))),
        (status = 403, description = "Only the bureau", body = ErrorBody),
        (status = 404, description = "A named group is not the region's", body = ErrorBody),
        (status = 409, description = "`evaluation_too_early`, `evaluation_draft_exists`, `evaluation_already_exists` (V-03)", body = ErrorBody),
        InvalidInput, NoToken, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/evaluation-rounds")]
pub async fn create_evaluation_round(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: web::Json<RoundRequest>,
) -> Result<HttpResponse, ApiError> {
    scope::bureau_of(&caller, &caller.0.region)?;
    let RoundRequest {
        school_year,
        group_ids,
        as_of,
    } = body.into_inner();
    let round = NewRound {
        region: caller.0.region.clone(),
        school_year,
        group_ids,
        as_of,
    };
    let opened = state
        .bus
        .call::<OpenRound>(&caller.actor(), key.0, round)
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/evaluation-rounds/{}", opened.id),
        ))
        .json(opened))
}

/// A round: its scorecards' totals and grades, and the groups left out (too early, or
/// evaluated already).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "get_evaluation_round",
    params(("round_id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The round", body = Round),
        NoToken, RoundNotInRegion, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}")]
pub async fn get_evaluation_round(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<web::Json<Round>, ApiError> {
    Ok(web::Json(
        round_of_region(&state, &caller, path.into_inner()).await?,
    ))
}

/// The scorecard, visible to the region's bureau and auditors and to the group's schools.
pub(crate) async fn scorecard(
    state: &AppState,
    caller: &Caller,
    round_id: Uuid,
    group_id: GroupId,
) -> Result<Scorecard, ApiError> {
    let group = visible_group(state, caller, group_id).await?;
    let card = state
        .bus
        .call::<GetScorecard>(&caller.actor(), None, ScorecardRef { round_id, group_id })
        .await?;
    if card.region != group.region && !group.regions.contains(&card.region) {
        return Err(Problem::not_found("scorecard", "考核结果").into());
    }
    Ok(card)
}

/// A group's scorecard: the V-01 indicator tree with weights, figures and the records
/// behind each, the members' progress (V-02), the balance (Q-12, V-17), the grade and the
/// proposed consequences.
///
/// Every balance coefficient (`balance.cv`) is the county method's enrolment-weighted
/// coefficient of variation (加权差异系数, V-17, §8.12), per stage: each school i with its
/// enrolment Pᵢ and its value Xᵢ of the indicator, X̄ = ΣPᵢXᵢ / ΣPᵢ,
/// S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²), CV = S / X̄, judged against 0.50 (primary) and 0.45
/// (junior). A school spanning stages counts in each with the share of its enrolment the
/// standard ratios give (九年一贯制 1 : 1.1; 十二年一贯制 1 : 1.1 : 1.32). A CV without
/// data is null and so is its verdict: missing data is never within the limit.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "get_scorecard",
    params(
        ("round_id" = String, Path, description = "Round id"),
        ("group_id" = GroupId, Path, description = "Group id"),
    ),
    responses(
        (status = 200, description = "The scorecard", body = Scorecard),
        (status = 404, description = "No such scorecard visible to the caller", body = ErrorBody),
        NoToken, RoundComputing, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/groups/{group_id}")]
pub async fn get_scorecard(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, GroupId)>,
) -> Result<web::Json<Scorecard>, ApiError> {
    let (round_id, group_id) = path.into_inner();
    Ok(web::Json(
        scorecard(&state, &caller, round_id, group_id).await?,
    ))
}

/// Drill down: one figure with the records it was computed from (for the rotation ratio,
/// the rotated teachers' postings).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "get_scorecard_figure",
    params(
        ("round_id" = String, Path, description = "Round id"),
        ("group_id" = GroupId, Path, description = "Group id"),
        ("key" = String, Path, description = "The figure's key, e.g. `teacher_team.rotation_ratio`"),
    ),
    responses(
        (status = 200, description = "The figure and its sources", body = Figure),
        (status = 404, description = "No such figure visible to the caller", body = ErrorBody),
        NoToken, RoundComputing, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/groups/{group_id}/figures/{key}")]
pub async fn get_scorecard_figure(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, GroupId, String)>,
) -> Result<web::Json<Figure>, ApiError> {
    let (round_id, group_id, key) = path.into_inner();
    let card = scorecard(&state, &caller, round_id, group_id).await?;
    card.figure(&key)
        .cloned()
        .map(web::Json)
        .ok_or_else(|| Problem::not_found("figure", "指标").into())
}

/// The bureau's decision on a proposed consequence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsequenceDecisionRequest {
    pub confirm: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// Confirm or reject a consequence a completed round proposes; a confirmed member
/// exit or dissolution takes effect at once. A draft round's consequences are not binding:
/// `evaluation_round_not_completed` until the bureau completes the round.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "decide_consequence",
    params(
        ("round_id" = String, Path, description = "Round id"),
        ("group_id" = GroupId, Path, description = "Group id"),
        ("consequence_id" = String, Path, description = "Consequence id"),
    ),
    request_body = ConsequenceDecisionRequest,
    responses(
        (status = 200, description = "Decided", body = Consequence),
        (status = 404, description = "No such consequence", body = ErrorBody),
        (status = 409, description = "`consequence_state_invalid`, `evaluation_round_not_completed` (X-02)", body = ErrorBody),
        InvalidInput, NoToken, OnlyGroupBureau, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/evaluation-rounds/{round_id}/groups/{group_id}/consequences/{consequence_id}/decision")]
pub async fn decide_consequence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, GroupId, Uuid)>,
    body: web::Json<ConsequenceDecisionRequest>,
) -> Result<web::Json<Consequence>, ApiError> {
    let (round_id, group_id, consequence_id) = path.into_inner();
    let group = visible_group(&state, &caller, group_id).await?;
    scope::bureau_of(&caller, &group.region)?;
    let ConsequenceDecisionRequest { confirm, note } = body.into_inner();
    let decision = ConsequenceDecision {
        round_id,
        group_id,
        consequence_id,
        confirm,
        note,
    };
    Ok(web::Json(
        state
            .bus
            .call::<DecideConsequence>(&caller.actor(), None, decision)
            .await?,
    ))
}

/// A school's data of a year: its quality score (0–100) and the Q-12 balance inputs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolDataRequest {
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100, example = 78.5)]
    pub quality_score: Option<f64>,
    #[serde(default)]
    pub balance: Option<BalanceInputs>,
}

pub(crate) async fn school_of_region(
    state: &AppState,
    caller: &Caller,
    school_id: SchoolId,
) -> Result<School, ApiError> {
    let school = state
        .bus
        .call::<GetSchool>(&caller.actor(), None, SchoolRef { school_id })
        .await
        .map_err(|p| match p.code {
            ErrorCode::NotFound => Problem::not_found("school", "学校"),
            _ => p,
        })?;
    if !scope::can_see_school(caller, &school) {
        return Err(Problem::not_found("school", "学校").into());
    }
    Ok(school)
}

/// Enter a school's data of a school year (the bureau of its region); the last entry counts.
/// Once a round of the year that evaluates the school's group is completed, the data is
/// final: `evaluation_data_locked` (V-03).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "put_school_evaluation_data",
    params(
        ("school_year" = i32, Path, description = "School year, e.g. 2025"),
        ("school_id" = SchoolId, Path, description = "School id"),
    ),
    request_body = SchoolDataRequest,
    responses(
        (status = 200, description = "Stored", body = SchoolData),
        (status = 403, description = "Only the school's bureau", body = ErrorBody),
        (status = 409, description = "`evaluation_data_locked` (V-03): the year's evaluation of its group is completed", body = ErrorBody),
        InvalidInput, NoToken, SchoolNotInRegion, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/evaluation-data/{school_year}/schools/{school_id}")]
pub async fn put_school_evaluation_data(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i32, SchoolId)>,
    body: web::Json<SchoolDataRequest>,
) -> Result<web::Json<SchoolData>, ApiError> {
    let (year, school_id) = path.into_inner();
    let school = school_of_region(&state, &caller, school_id).await?;
    scope::bureau_of(&caller, &school.region)?;
    let SchoolDataRequest {
        quality_score,
        balance,
    } = body.into_inner();
    let input = SchoolDataInput {
        school_id,
        region: school.region,
        stage: school.stage,
        school_year: SchoolYear(year),
        quality_score,
        balance,
    };
    Ok(web::Json(
        state
            .bus
            .call::<SaveSchoolData>(&caller.actor(), None, input)
            .await?,
    ))
}

/// A school's data of a school year, as the bureau entered it.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "get_school_evaluation_data",
    params(
        ("school_year" = i32, Path, description = "School year, e.g. 2025"),
        ("school_id" = SchoolId, Path, description = "School id"),
    ),
    responses(
        (status = 200, description = "The data", body = SchoolData),
        (status = 404, description = "No data for that school and year", body = ErrorBody),
        NoToken, OnlyRegionBureauOrAuditor, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-data/{school_year}/schools/{school_id}")]
pub async fn get_school_evaluation_data(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i32, SchoolId)>,
) -> Result<web::Json<SchoolData>, ApiError> {
    let (year, school_id) = path.into_inner();
    let school = school_of_region(&state, &caller, school_id).await?;
    scope::can_read_region(&caller, &school.region)?;
    let q = SchoolDataRef {
        school_id,
        school_year: SchoolYear(year),
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetSchoolData>(&caller.actor(), None, q)
            .await?,
    ))
}

/// The dimensions the bureau scores by hand, with evidence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoredItemsRequest {
    pub items: Vec<ScoredItem>,
}

/// Score a group's model, size, management innovation, research linkage and outcomes for a
/// school year (V-01), with evidence (the bureau of the group's region).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "put_scored_items",
    params(
        ("school_year" = i32, Path, description = "School year, e.g. 2025"),
        ("group_id" = GroupId, Path, description = "Group id"),
    ),
    request_body = ScoredItemsRequest,
    responses(
        (status = 200, description = "Stored", body = ScoredItems),
        (status = 409, description = "`evaluation_data_locked` (V-03): the group's evaluation of the year is completed", body = ErrorBody),
        InvalidInput, NoToken, OnlyGroupBureau, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/evaluation-data/{school_year}/groups/{group_id}/scored-items")]
pub async fn put_scored_items(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i32, GroupId)>,
    body: web::Json<ScoredItemsRequest>,
) -> Result<web::Json<ScoredItems>, ApiError> {
    let (year, group_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::bureau_of(&caller, &group.region)?;
    let input = ScoredItemsInput {
        group_id,
        school_year: SchoolYear(year),
        items: body.into_inner().items,
    };
    Ok(web::Json(
        state
            .bus
            .call::<SaveScoredItems>(&caller.actor(), None, input)
            .await?,
    ))
}
