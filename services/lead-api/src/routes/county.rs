//! The bureau's county view (S4 篇三): the share of its junior schools the groups cover
//! against the policy's line (F-16), and its rounds of weak-school designation, about a
//! third of the junior schools each with its own plan, three school years a round (F-17).
//! The figures and rules are the membership service's; here, who may read and act.

use actix_web::{HttpResponse, get, post};
use chrono::NaiveDate;
use edu_contracts::county::{
    Coverage, CoverageQuery, DesignateWeakSchool, DesignationId, DesignationLift, GetCoverage,
    LiftDesignation, ListWeakRounds, NewDesignation, NewWeakRound, OpenWeakRound, WeakDesignation,
    WeakRound, WeakRoundId,
};
use edu_contracts::policy::RegionRef;
use edu_domain::RegionCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{InvalidInput, KeyReused, NoToken, OnlyRegionBureau, Unavailable};
use crate::{AppState, scope};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageParams {
    /// The day to read (default today).
    #[param(example = "2026-06-30")]
    pub as_of: Option<NaiveDate>,
}

/// F-16: the county's junior schools (初中, 九年一贯制, 十二年一贯制) that a group covers
/// as lead or member, against the policy's line (default 80 %), the ones not covered, and
/// the weak-school round in force (F-17). The county's bureau and auditors.
#[utoipa::path(
    tag = "county",
    operation_id = "get_county_coverage",
    params(("region" = RegionCode, Path, description = "Six-digit county code"), CoverageParams),
    responses(
        (status = 200, description = "Coverage, the schools not covered, the round in force", body = Coverage),
        (status = 400, description = "Invalid region or query", body = ErrorBody),
        (status = 403, description = "Not the county's bureau or auditor", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/regions/{region}/coverage")]
pub async fn get_county_coverage(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RegionCode>,
    query: web::Query<CoverageParams>,
) -> Result<web::Json<Coverage>, ApiError> {
    let region = path.into_inner();
    scope::can_read_county_view(&caller, &region)?;
    let q = CoverageQuery {
        region,
        as_of: query.into_inner().as_of,
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetCoverage>(&caller.actor(), None, q)
            .await?,
    ))
}

/// F-17: every round of weak-school designation of the county, newest first, with each
/// designated school's assessments and plan. The county's bureau and auditors.
#[utoipa::path(
    tag = "county",
    operation_id = "list_weak_school_rounds",
    params(("region" = RegionCode, Path, description = "Six-digit county code")),
    responses(
        (status = 200, description = "The rounds with their designations", body = [WeakRound]),
        (status = 400, description = "Invalid region", body = ErrorBody),
        (status = 403, description = "Not the county's bureau or auditor", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/regions/{region}/weak-school-rounds")]
pub async fn list_weak_school_rounds(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RegionCode>,
) -> Result<web::Json<Vec<WeakRound>>, ApiError> {
    let region = path.into_inner();
    scope::can_read_county_view(&caller, &region)?;
    Ok(web::Json(
        state
            .bus
            .call::<ListWeakRounds>(&caller.actor(), None, RegionRef { region })
            .await?,
    ))
}

/// F-17: open a round of three school years (the bureau). Rounds of a county do not overlap
/// (`weak_round_overlaps`).
#[utoipa::path(
    tag = "county",
    operation_id = "create_weak_school_round",
    params(("region" = RegionCode, Path, description = "Six-digit county code"), IdempotencyKey),
    request_body = NewWeakRound,
    responses(
        (status = 201, description = "Opened", body = WeakRound),
        (status = 409, description = "`weak_round_overlaps` (F-17)", body = ErrorBody),
        InvalidInput, NoToken, OnlyRegionBureau, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/regions/{region}/weak-school-rounds")]
pub async fn create_weak_school_round(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<RegionCode>,
    body: web::Json<NewWeakRound>,
) -> Result<HttpResponse, ApiError> {
    let region = path.into_inner();
    scope::bureau_of(&caller, &region)?;
    let request = NewWeakRound {
        region: Some(region),
        ..body.into_inner()
    };
    let round = state
        .bus
        .call::<OpenWeakRound>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(round))
}

/// F-17: designate a junior school of the county relatively weak in a round, on its last
/// three years' assessments, with its own plan (一校一案). The bureau.
#[utoipa::path(
    tag = "county",
    operation_id = "create_weak_school_designation",
    params(
        ("region" = RegionCode, Path, description = "Six-digit county code"),
        ("round_id" = WeakRoundId, Path, description = "Round id"),
        IdempotencyKey,
    ),
    request_body = NewDesignation,
    responses(
        (status = 201, description = "Designated", body = WeakDesignation),
        (status = 404, description = "No such round or school in the county", body = ErrorBody),
        (status = 409, description = "`designation_state_invalid` (on the list already)", body = ErrorBody),
        InvalidInput, NoToken, OnlyRegionBureau, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/regions/{region}/weak-school-rounds/{round_id}/designations")]
pub async fn create_weak_school_designation(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(RegionCode, WeakRoundId)>,
    body: web::Json<NewDesignation>,
) -> Result<HttpResponse, ApiError> {
    let (region, round_id) = path.into_inner();
    scope::bureau_of(&caller, &region)?;
    let request = NewDesignation {
        region: Some(region),
        round_id,
        ..body.into_inner()
    };
    let designated = state
        .bus
        .call::<DesignateWeakSchool>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(designated))
}

/// F-17: a school leaves the round's list before it ends (managed dynamically), with the
/// reason. The bureau.
#[utoipa::path(
    tag = "county",
    operation_id = "lift_weak_school_designation",
    params(
        ("region" = RegionCode, Path, description = "Six-digit county code"),
        ("designation_id" = DesignationId, Path, description = "Designation id"),
        IdempotencyKey,
    ),
    request_body = DesignationLift,
    responses(
        (status = 200, description = "Lifted", body = WeakDesignation),
        (status = 404, description = "No such designation in the county", body = ErrorBody),
        (status = 409, description = "`designation_state_invalid` (lifted already)", body = ErrorBody),
        InvalidInput, NoToken, OnlyRegionBureau, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/regions/{region}/weak-school-designations/{designation_id}/lift")]
pub async fn lift_weak_school_designation(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(RegionCode, DesignationId)>,
    body: web::Json<DesignationLift>,
) -> Result<web::Json<WeakDesignation>, ApiError> {
    let (region, designation_id) = path.into_inner();
    scope::bureau_of(&caller, &region)?;
    let request = DesignationLift {
        region: Some(region),
        designation_id,
        ..body.into_inner()
    };
    Ok(web::Json(
        state
            .bus
            .call::<LiftDesignation>(&caller.actor(), key.0, request)
            .await?,
    ))
}
