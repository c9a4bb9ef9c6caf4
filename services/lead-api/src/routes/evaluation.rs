//! The bureau's annual evaluation (issue 7, RULES.md §6): the data it enters (quality
//! scores, Q-12 balance inputs, scored items), rounds (V-03), scorecards with drill-down to
//! the records behind each figure, the decision on rewards and warnings (X-02), and the
//! exports: CSV (UTF-8 with BOM, for Excel), XLSX, and a printable HTML report with
//! server-side SVG charts. The rules are the evaluation service's.

use std::fmt::Write as _;

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post, put};
use chrono::NaiveDate;
use edu_contracts::Paging;
use edu_contracts::evaluation::{
    BalanceInputs, Consequence, ConsequenceDecision, DecideConsequence, Figure, GetRound,
    GetSchoolData, GetScorecard, IndicatorCv, ListScorecards, NewRound, OpenRound, Round, RoundRef,
    SaveSchoolData, SaveScoredItems, SchoolData, SchoolDataInput, SchoolDataRef, Scorecard,
    ScorecardQuery, ScorecardRef, ScoredItem, ScoredItems, ScoredItemsInput,
};
use edu_contracts::membership::{GetSchool, School, SchoolRef};
use edu_domain::{ErrorCode, GroupId, Problem, Role, SchoolId, SchoolYear, Stage};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, scope};

/// Scorecards fetched per page by the exports.
const EXPORT_PAGE: u16 = 200;

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
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the bureau", body = ErrorBody),
        (status = 404, description = "A named group is not the region's", body = ErrorBody),
        (status = 409, description = "`evaluation_too_early`, `evaluation_draft_exists`, `evaluation_already_exists` (V-03)", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such round in the caller's region", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
async fn scorecard(
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
/// proposed consequences (X-02).
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
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such scorecard visible to the caller", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such figure visible to the caller", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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

/// Confirm or reject a consequence a completed round proposes (X-02); a confirmed member
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
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the group's bureau", body = ErrorBody),
        (status = 404, description = "No such consequence", body = ErrorBody),
        (status = 409, description = "`consequence_state_invalid`, `evaluation_round_not_completed` (X-02)", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the school's bureau", body = ErrorBody),
        (status = 404, description = "No such school in the caller's region", body = ErrorBody),
        (status = 409, description = "`evaluation_data_locked` (V-03): the year's evaluation of its group is completed", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the region's bureau and auditors", body = ErrorBody),
        (status = 404, description = "No data for that school and year", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the group's bureau", body = ErrorBody),
        (status = 404, description = "No such group visible to the caller", body = ErrorBody),
        (status = 409, description = "`evaluation_data_locked` (V-03): the group's evaluation of the year is completed", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
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

/// Every scorecard of a round, a page at a time.
async fn all_scorecards(
    state: &AppState,
    caller: &Caller,
    round_id: Uuid,
) -> Result<Vec<Scorecard>, ApiError> {
    let mut out = Vec::new();
    loop {
        let offset = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let q = ScorecardQuery {
            round_id,
            paging: Paging {
                limit: EXPORT_PAGE,
                offset,
            },
        };
        let page = state
            .bus
            .call::<ListScorecards>(&caller.actor(), None, q)
            .await?;
        let done = page.items.is_empty();
        out.extend(page.items);
        if done || i64::try_from(out.len()).unwrap_or(i64::MAX) >= page.total {
            return Ok(out);
        }
    }
}

/// The export's columns: group, year, total, grade, then each dimension's score.
fn export_rows(cards: &[Scorecard]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec![
        "集团 group_id".to_owned(),
        "学年 school_year".to_owned(),
        "总分 total".to_owned(),
        "等级 grade".to_owned(),
    ];
    if let Some(first) = cards.first() {
        header.extend(
            first
                .dimensions
                .iter()
                .map(|d| format!("{} {} ({}%)", d.title_zh, d.dimension.as_str(), d.weight)),
        );
    }
    header.push("成员校增值 members' value added".to_owned());
    header.push("拟运用结果 proposed consequences".to_owned());
    let rows = cards
        .iter()
        .map(|c| {
            let mut row = vec![
                c.group_id.to_string(),
                c.school_year.0.to_string(),
                format!("{:.1}", c.total),
                c.grade.name_zh().to_owned(),
            ];
            row.extend(c.dimensions.iter().map(|d| format!("{:.1}", d.score)));
            row.push(
                c.members
                    .iter()
                    .map(|m| {
                        m.value_added
                            .map_or_else(|| "—".to_owned(), |v| format!("{v:+.1}"))
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            row.push(
                c.consequences
                    .iter()
                    .map(|k| format!("{}:{}", k.kind.as_str(), k.status.as_str()))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            // what people typed (names, titles) reaches a spreadsheet: no cell runs there
            row.into_iter()
                .map(|cell| edu_domain::text::spreadsheet_cell(&cell).into_owned())
                .collect()
        })
        .collect();
    (header, rows)
}

fn attachment(name: String) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(name)],
    }
}

fn export_failed(what: &str, e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "evaluation export: {what}");
    Problem::internal().into()
}

/// A round's scorecards as CSV, UTF-8 with a byte-order mark so that Excel shows the
/// Chinese correctly.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "export_evaluation_round_csv",
    params(("round_id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The scorecards", content_type = "text/csv", body = String),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such round in the caller's region", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/export.csv")]
pub async fn export_evaluation_round_csv(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let round = round_of_region(&state, &caller, path.into_inner()).await?;
    let cards = all_scorecards(&state, &caller, round.id).await?;
    let (header, rows) = export_rows(&cards);
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&header)
            .map_err(|e| export_failed("csv", e))?;
        for row in &rows {
            w.write_record(row).map_err(|e| export_failed("csv", e))?;
        }
        w.flush().map_err(|e| export_failed("csv", e))?;
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(format!(
            "evaluation-{}-{}.csv",
            round.region.as_str(),
            round.school_year.0
        )))
        .body(out))
}

/// A round's scorecards as an Excel workbook (a sheet of totals and dimension scores).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "export_evaluation_round_xlsx",
    params(("round_id" = String, Path, description = "Round id")),
    responses(
        (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such round in the caller's region", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/export.xlsx")]
pub async fn export_evaluation_round_xlsx(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let round = round_of_region(&state, &caller, path.into_inner()).await?;
    let cards = all_scorecards(&state, &caller, round.id).await?;
    let (header, rows) = export_rows(&cards);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let fail = |e: rust_xlsxwriter::XlsxError| export_failed("xlsx", e);
    sheet
        .set_name(format!("{}考核", round.school_year.0))
        .map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, title) in header.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet
            .write_string_with_format(0, col, title, &bold)
            .map_err(fail)?;
    }
    for (r, (row, card)) in rows.iter().zip(&cards).enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (col, cell) in row.iter().enumerate() {
            let col16 = u16::try_from(col).unwrap_or(u16::MAX);
            // numbers as numbers: the total and the dimension scores
            let number = match col {
                2 => Some(card.total),
                c if c >= 4 && c < 4 + card.dimensions.len() => {
                    card.dimensions.get(c - 4).map(|d| d.score)
                }
                _ => None,
            };
            match number {
                Some(n) => sheet.write_number(r, col16, n).map_err(fail)?,
                None => sheet.write_string(r, col16, cell).map_err(fail)?,
            };
        }
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(attachment(format!(
            "evaluation-{}-{}.xlsx",
            round.region.as_str(),
            round.school_year.0
        )))
        .body(bytes))
}

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A horizontal bar chart (0–100) of labelled values, as SVG; a value that is missing
/// shows as 无数据, with no bar.
fn bar_chart(bars: &[(String, Option<f64>)], marker: Option<(f64, &str)>) -> String {
    let (label_w, bar_w, row_h) = (150.0, 360.0, 26.0);
    let height = row_h * bars.len() as f64 + 20.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" role="img" font-size="12">"#,
        w = label_w + bar_w + 60.0
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let len = value.map_or(0.0, |v| bar_w * v.clamp(0.0, 100.0) / 100.0);
        let shown = value.map_or_else(|| "无数据".to_owned(), |v| format!("{v:.1}"));
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty}">{label}</text><rect x="{label_w}" y="{y}" width="{len:.1}" height="18" fill="#3b6ea5"/><text x="{tx:.1}" y="{ty}">{shown}</text>"##,
            ty = y + 14.0,
            label = esc(label),
            tx = label_w + len + 4.0,
        );
    }
    if let Some((at, text)) = marker {
        let x = label_w + bar_w * at.clamp(0.0, 100.0) / 100.0;
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{h:.1}" stroke="#c0392b" stroke-dasharray="4 2"/><text x="{x:.1}" y="{h2:.1}" fill="#c0392b">{t}</text>"##,
            h = height - 14.0,
            h2 = height - 2.0,
            t = esc(text),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn report_html(card: &Scorecard) -> String {
    let dims: Vec<(String, Option<f64>)> = card
        .dimensions
        .iter()
        .map(|d| (format!("{} ({}%)", d.title_zh, d.weight), Some(d.score)))
        .collect();
    let mut html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>教育集团年度考核评估报告</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:3px 8px;text-align:left}}@media print{{a{{color:inherit;text-decoration:none}}}}</style></head><body>
<h1>教育集团年度考核评估报告</h1>
<p>集团 {group} · 学年 {year} · 统计日 {as_of} · 政策版本 {policy}</p>
<h2>总分 {total:.1} · 等级 {grade}</h2>
<h3>各维度得分(V-01)</h3>{chart}
<table><tr><th>维度</th><th>权重</th><th>得分</th><th>指标</th></tr>"#,
        group = card.group_id,
        year = card.school_year.0,
        as_of = card.as_of,
        policy = card.policy_version,
        total = card.total,
        grade = card.grade.name_zh(),
        chart = bar_chart(&dims, None),
    );
    for d in &card.dimensions {
        let figures: Vec<String> = d
            .figures
            .iter()
            .map(|f| {
                let value = f
                    .value
                    .map_or_else(|| "无数据".to_owned(), |v| format!("{v:.1}{}", f.unit));
                format!(
                    "{} [{}]: {} → {:.1} 分 ({} 条记录)",
                    esc(&f.title_zh),
                    esc(&f.rule),
                    esc(&value),
                    f.score,
                    f.sources.len()
                )
            })
            .collect();
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}%</td><td>{:.1}</td><td>{}</td></tr>",
            esc(&d.title_zh),
            d.weight,
            d.score,
            figures.join("<br>")
        );
    }
    html.push_str("</table><h3>成员校增值(V-02、V-08)</h3><table><tr><th>学校</th><th>本年</th><th>上年</th><th>增值</th><th>均衡达标</th></tr>");
    for m in &card.members {
        let num = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"));
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            m.school_id,
            num(m.quality_score),
            num(m.last_year_score),
            num(m.value_added),
            match m.balance_passed {
                Some(true) => "达标",
                Some(false) => "未达标",
                None => "—",
            }
        );
    }
    html.push_str("</table>");
    // V-17, §8.12: the enrolment-weighted CVs of each stage the group spans, ×100 so that
    // the stage's limit (0.50 / 0.45) reads on the same axis.
    let mut stages: Vec<Stage> = card.balance.cv.iter().map(|c| c.stage).collect();
    stages.dedup();
    for stage in stages {
        let cvs: Vec<&IndicatorCv> = card
            .balance
            .cv
            .iter()
            .filter(|c| c.stage == stage)
            .collect();
        let limit = cvs.first().map_or(0.45, |c| c.limit);
        let bars: Vec<(String, Option<f64>)> = cvs
            .iter()
            .flat_map(|c| {
                [
                    (format!("{} 现状", c.number), c.group_cv.map(|v| v * 100.0)),
                    (
                        format!("{} 含轮岗", c.number),
                        c.group_cv_with_postings.map(|v| v * 100.0),
                    ),
                ]
            })
            .collect();
        let _ = write!(
            html,
            "<h3>校际加权差异系数 ×100({},V-17、§8.12,限值 {:.2})</h3>\
             <p>按在校生数 Pᵢ 加权:X̄ = ΣPᵢXᵢ / ΣPᵢ,S = √(Σ(Pᵢ/ΣP)(Xᵢ − X̄)²),CV = S / X̄</p>{}",
            stage.name_zh(),
            limit,
            bar_chart(&bars, Some((limit * 100.0, "限值")))
        );
    }
    html.push_str("<h3>考核结果运用(X-02)</h3><ul>");
    for c in &card.consequences {
        let _ = write!(
            html,
            "<li>{} {} — {}({})</li>",
            c.kind.as_str(),
            c.school_id.map(|s| s.to_string()).unwrap_or_default(),
            esc(&c.reason),
            c.status.as_str()
        );
    }
    html.push_str("</ul></body></html>");
    html
}

/// A group's report for print: scores per dimension and the enrolment-weighted CVs per
/// stage (V-17, §8.12) as SVG charts, the figures, the members' progress and the
/// consequences.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "print_scorecard",
    params(
        ("round_id" = String, Path, description = "Round id"),
        ("group_id" = GroupId, Path, description = "Group id"),
    ),
    responses(
        (status = 200, description = "The report, HTML for print", content_type = "text/html", body = String),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such scorecard visible to the caller", body = ErrorBody),
        (status = 409, description = "`evaluation_round_computing`: the round is still computing; poll it until `computed`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds/{round_id}/groups/{group_id}/report.html")]
pub async fn print_scorecard(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, GroupId)>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, group_id) = path.into_inner();
    let card = scorecard(&state, &caller, round_id, group_id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(report_html(&card)))
}
