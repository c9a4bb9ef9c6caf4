//! Policy per region (DESIGN.md "Policy as data"): the bureau reads its region's policy with
//! every version, and publishes a new one. The membership service keeps the versions.

use actix_web::{get, put};
use chrono::NaiveDate;
use edu_contracts::policy::{
    GetRegionPolicy, PolicyChange, PolicyVersion, PublishPolicy, RegionPolicy, RegionRef,
};
use edu_domain::{Policy, RegionCode};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{KeyReused, NoToken, Unavailable};
use crate::{AppState, scope};

/// Read the region's policy: the version in force and every version (anyone of the region).
#[utoipa::path(
    tag = "policy",
    operation_id = "get_region_policy",
    params(("region" = String, Path, description = "Six-digit county code")),
    responses(
        (status = 200, description = "The policy in force and its versions", body = RegionPolicy),
        (status = 400, description = "Invalid region code", body = ErrorBody),
        (status = 403, description = "Another region's policy", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/regions/{region}/policy")]
pub async fn get_region_policy(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RegionCode>,
) -> Result<web::Json<RegionPolicy>, ApiError> {
    let region = path.into_inner();
    scope::can_read_policy(&caller, &region)?;
    Ok(web::Json(
        state
            .bus
            .call::<GetRegionPolicy>(&caller.actor(), None, RegionRef { region })
            .await?,
    ))
}

/// A new version of the region's policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    /// The whole policy (missing fields take the documents' defaults; `version` is ignored).
    pub policy: Policy,
    /// Today (the default) or later.
    #[serde(default)]
    pub effective_from: Option<NaiveDate>,
    /// Why the bureau changes it.
    pub reason: String,
}

/// Publish a new version of the region's policy (bureau of the region). Every version is
/// kept; decisions record the version they were made under.
#[utoipa::path(
    tag = "policy",
    operation_id = "put_region_policy",
    params(
        ("region" = String, Path, description = "Six-digit county code"),
        IdempotencyKey,
    ),
    request_body = PolicyRequest,
    responses(
        (status = 200, description = "The new version", body = PolicyVersion),
        (status = 400, description = "Invalid policy (ranges, weights not summing to 100, a past effective date)", body = ErrorBody),
        (status = 403, description = "Not this region's bureau", body = ErrorBody),
        NoToken, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/regions/{region}/policy")]
pub async fn put_region_policy(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<RegionCode>,
    body: web::Json<PolicyRequest>,
) -> Result<web::Json<PolicyVersion>, ApiError> {
    let region = path.into_inner();
    scope::bureau_of(&caller, &region)?;
    let PolicyRequest {
        policy,
        effective_from,
        reason,
    } = body.into_inner();
    let change = PolicyChange {
        region,
        policy,
        effective_from,
        reason,
    };
    Ok(web::Json(
        state
            .bus
            .call::<PublishPolicy>(&caller.actor(), key.0, change)
            .await?,
    ))
}
