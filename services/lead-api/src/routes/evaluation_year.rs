//! The evaluation year through the API (V-03, X-02): the region's rounds listed for its
//! bureau and auditors, a draft recomputed after the bureau corrected the data and
//! completed by it, the scored items read back, and a school year's data imported from an
//! XLSX sheet all-or-none. The rules are the evaluation service's.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post};
use edu_contracts::evaluation::{Round, RoundRef, ScoredItems};
use edu_contracts::evaluation_year::{
    CompleteRound, GetScoredItems, ImportSchoolData, ImportedRow, ListRounds, RecomputeRound,
    RoundFilter, RoundQuery, RoundSummary, SCHOOL_COLUMN, SchoolDataImport, SchoolDataImported,
    ScoredItemsRef, rows_invalid,
};
use edu_contracts::membership::{ListSchools, School, SchoolQuery};
use edu_contracts::rotation::CsvRowError;
use edu_contracts::{Page, Paging};
use edu_domain::{GroupId, SchoolYear};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupNotVisible, InvalidQuery, KeyReused, NoToken, OnlyRegionBureau, OnlyRegionBureauOrAuditor,
    RoundNotInRegion, TooLarge, Unavailable,
};
use crate::routes::evaluation::round_of_region;
use crate::routes::evaluation_sheet;
use crate::routes::groups::visible_group;
use crate::routes::teachers::{fits_the_bus, upload_body};
use crate::{AppState, scope};

list_params! {
    /// A page of the region's rounds.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct RoundListQuery {
        /// Only rounds of this school year.
        #[param(value_type = Option<i32>, example = 2025)]
        #[serde(default)]
        pub school_year: Option<SchoolYear>,
        /// Only `draft` or `completed` rounds, or those `computing`, `computed` or `failed`.
        #[serde(default)]
        #[param(inline)]
        pub status: Option<RoundFilter>,
    }
}

/// The evaluation rounds of the caller's region, newest first (its bureau and auditors):
/// drafts and completed rounds, with `total` for paging.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "list_evaluation_rounds",
    params(RoundListQuery),
    responses(
        (status = 200, description = "The rounds", body = Page<RoundSummary>),
        InvalidQuery, NoToken, OnlyRegionBureauOrAuditor, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-rounds")]
pub async fn list_evaluation_rounds(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RoundListQuery>,
) -> Result<web::Json<Page<RoundSummary>>, ApiError> {
    scope::can_read_evaluation(&caller, &caller.0.region)?;
    let q = query.into_inner();
    let query = RoundQuery {
        region: caller.0.region.clone(),
        school_year: q.school_year,
        status: q.status,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListRounds>(&caller.actor(), None, query)
            .await?,
    ))
}

/// Recompute a draft round from the data as it stands now (after the bureau corrected it):
/// its scorecards are computed again, for the same groups and evaluation day; it answers at
/// once `computing` (poll `Location`). A completed round is final.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "recompute_evaluation_round",
    params(("round_id" = String, Path, description = "Round id"), IdempotencyKey),
    responses(
        (status = 202, description = "Recomputing; poll `Location` until `status` is `computed`", body = Round,
            headers(("Location" = String, description = "The round: /api/v1/evaluation-rounds/{round_id}"))),
        (status = 409, description = "`evaluation_round_state_invalid` (V-03: completed, or failed), `evaluation_round_computing`", body = ErrorBody),
        NoToken, OnlyRegionBureau, RoundNotInRegion, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/evaluation-rounds/{round_id}/recompute")]
pub async fn recompute_evaluation_round(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    scope::bureau_of(&caller, &caller.0.region)?;
    let round = round_of_region(&state, &caller, path.into_inner()).await?;
    let round = state
        .bus
        .call::<RecomputeRound>(&caller.actor(), key.0, RoundRef { round_id: round.id })
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/evaluation-rounds/{}", round.id),
        ))
        .json(round))
}

/// Complete a computed draft round: its grades become final, the school year's data of its
/// groups is locked (`evaluation_data_locked` afterwards, V-03), its consequences can be
/// confirmed, and each scorecard's `evaluation.completed` event is published.
#[utoipa::path(
    tag = "evaluation",
    operation_id = "complete_evaluation_round",
    params(("round_id" = String, Path, description = "Round id"), IdempotencyKey),
    responses(
        (status = 200, description = "Completed", body = Round),
        (status = 409, description = "`evaluation_round_state_invalid` (V-03: completed already, or failed), `evaluation_round_computing`", body = ErrorBody),
        NoToken, OnlyRegionBureau, RoundNotInRegion, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/evaluation-rounds/{round_id}/complete")]
pub async fn complete_evaluation_round(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<Uuid>,
) -> Result<web::Json<Round>, ApiError> {
    scope::bureau_of(&caller, &caller.0.region)?;
    let round = round_of_region(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(
        state
            .bus
            .call::<CompleteRound>(&caller.actor(), key.0, RoundRef { round_id: round.id })
            .await?,
    ))
}

/// The dimensions the bureau scored by hand for a group and school year, with evidence
/// (none yet: an empty list).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "get_scored_items",
    params(
        ("school_year" = i32, Path, description = "School year, e.g. 2025"),
        ("group_id" = GroupId, Path, description = "Group id"),
    ),
    responses(
        (status = 200, description = "The scored items", body = ScoredItems),
        NoToken, OnlyRegionBureauOrAuditor, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/evaluation-data/{school_year}/groups/{group_id}/scored-items")]
pub async fn get_scored_items(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i32, GroupId)>,
) -> Result<web::Json<ScoredItems>, ApiError> {
    let (year, group_id) = path.into_inner();
    let group = visible_group(&state, &caller, group_id).await?;
    scope::can_read_evaluation(&caller, &group.region)?;
    let q = ScoredItemsRef {
        group_id,
        school_year: SchoolYear(year),
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetScoredItems>(&caller.actor(), None, q)
            .await?,
    ))
}

/// Every school of the caller's region.
async fn region_schools(state: &AppState, caller: &Caller) -> Result<Vec<School>, ApiError> {
    let mut out = Vec::new();
    loop {
        let q = SchoolQuery {
            region: Some(caller.0.region.clone()),
            ids: Vec::new(),
            paging: Paging::largest_from(u32::try_from(out.len()).unwrap_or(u32::MAX)),
        };
        let page = state
            .bus
            .call::<ListSchools>(&caller.actor(), None, q)
            .await?;
        let done = page.items.is_empty();
        out.extend(page.items);
        if done || i64::try_from(out.len()).unwrap_or(i64::MAX) >= page.total {
            return Ok(out);
        }
    }
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Import the schools' data of a school year from an Excel workbook (the bureau of the
/// region). The first sheet: a header row, then one row per school.
///
/// Columns (the Chinese header, or the field name in brackets): `学校` (the school's name
/// as registered, or its id; required), `质量得分` (quality_score, 0–100), and the eight
/// Q-12 balance inputs, all eight or none: `在校生数` (enrolment, 1–100000),
/// `高于规定学历教师数` (teachers_above_degree), `县级及以上骨干教师数`
/// (backbone_teachers), `体育艺术专任教师数` (pe_art_teachers), `教学及辅助用房面积`
/// (teaching_area_m2, m²), `体育运动场馆面积` (sports_area_m2, m²), `教学仪器设备值`
/// (equipment_value_yuan, yuan), `网络多媒体教室数` (multimedia_rooms); counts are whole
/// numbers. Each row replaces the school's data of the year, as `PUT` does. Every row is
/// imported, or none: a refusal lists each bad cell in `details.rows` as
/// `{line, column, reason}` (line 1 is the header); a school whose group's evaluation of
/// the year is completed is refused (its data is final, V-03).
#[utoipa::path(
    tag = "evaluation",
    operation_id = "import_school_evaluation_data",
    params(("school_year" = i32, Path, description = "School year, e.g. 2025")),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The workbook (.xlsx)"),
    responses(
        (status = 200, description = "Imported: every school's data as stored", body = SchoolDataImported),
        (status = 400, description = "Invalid input or Content-Type", body = ErrorBody),
        (status = 422, description = "`xlsx_invalid`: nothing imported; `details.rows` lists `{line, column, reason}`", body = ErrorBody),
        NoToken, OnlyRegionBureau, TooLarge, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/evaluation-data/{school_year}/import")]
pub async fn import_school_evaluation_data(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<i32>,
    payload: web::Payload,
) -> Result<web::Json<SchoolDataImported>, ApiError> {
    scope::bureau_of(&caller, &caller.0.region)?;
    let school_year = SchoolYear(path.into_inner());
    let bytes = upload_body(
        &req,
        payload,
        &[XLSX_TYPE, "application/octet-stream"],
        (
            "Content-Type must be application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Type 必须为 Excel 工作簿(.xlsx)",
        ),
    )
    .await?;
    let rows = evaluation_sheet::read(&bytes).map_err(|e| rows_invalid(&e))?;
    let schools = region_schools(&state, &caller).await?;
    let mut errors = Vec::new();
    let mut imported = Vec::with_capacity(rows.len());
    for row in rows {
        let by_id = Uuid::parse_str(&row.school).ok();
        let named: Vec<&School> = schools
            .iter()
            .filter(|s| s.name == row.school || by_id == Some(s.id.0))
            .collect();
        let school = match named.as_slice() {
            [one] => *one,
            [] => {
                errors.push(CsvRowError {
                    line: row.line,
                    column: SCHOOL_COLUMN.to_owned(),
                    reason: format!(
                        "本地区没有学校“{}” / no such school in the region",
                        row.school
                    ),
                });
                continue;
            }
            _ => {
                errors.push(CsvRowError {
                    line: row.line,
                    column: SCHOOL_COLUMN.to_owned(),
                    reason: "校名对应多所学校,请填写学校编号 / the name matches several schools: give its id".to_owned(),
                });
                continue;
            }
        };
        imported.push(ImportedRow {
            line: row.line,
            data: edu_contracts::evaluation::SchoolDataInput {
                school_id: school.id,
                region: school.region.clone(),
                stage: school.stage,
                school_year,
                quality_score: row.quality_score,
                balance: row.balance,
            },
        });
    }
    if !errors.is_empty() {
        return Err(rows_invalid(&errors).into());
    }
    let import = SchoolDataImport {
        region: caller.0.region.clone(),
        school_year,
        rows: imported,
    };
    fits_the_bus(&state, &import)?;
    Ok(web::Json(
        state
            .bus
            .call::<ImportSchoolData>(&caller.actor(), None, import)
            .await?,
    ))
}
