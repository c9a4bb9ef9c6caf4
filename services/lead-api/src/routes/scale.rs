//! The group's scale (F-08): the bureau's decisions on a group's size and the lead school's
//! yearly quality, which gates admissions while it is not improving (V-07, §8.4).

use actix_web::{HttpResponse, get, post, put};
use edu_contracts::membership::{
    ChangeScale, GroupRef, LeadQuality, ListLeadQuality, ListScaleDecisions, NewLeadQuality,
    RecordLeadQuality, ScaleChange, ScaleDecision, SchoolRef,
};
use edu_domain::{GroupId, SchoolId};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupDissolved, GroupNotVisible, KeyReused, NoToken, OnlyGroupBureau, SchoolNotInRegion,
    Unavailable,
};
use crate::routes::evaluation::school_of_region;
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, scope};

/// The bureau's new scale decision for a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScaleChangeRequest {
    /// The new cap on member schools; `null` returns the group to its model's cap (F-09).
    /// Above the model's cap it is an exception whose reason is `reason` (§8.3). Below
    /// today's members it removes nobody and only stops admissions.
    #[schema(minimum = 1, maximum = 255, example = 3)]
    pub scale_cap: Option<u8>,
    /// Why (required, 1–500 characters): the quality evaluation or document it rests on.
    #[schema(example = "龙头学校2025学年质量评估未提升,规模暂定为3所")]
    pub reason: String,
}

/// Change a group's scale cap (F-08, bureau of the group's county). History is kept, the
/// decision cites the policy version in force.
#[utoipa::path(
    tag = "groups",
    operation_id = "change_group_scale",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = ScaleChangeRequest,
    responses(
        (status = 200, description = "Decided", body = ScaleDecision),
        (status = 400, description = "Invalid input (`reason` missing, a cap of 0)", body = ErrorBody),
        NoToken, OnlyGroupBureau, GroupNotVisible, GroupDissolved, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/groups/{group_id}/scale")]
pub async fn change_group_scale(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<ScaleChangeRequest>,
) -> Result<web::Json<ScaleDecision>, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::bureau_of(&caller, &group.region)?;
    let ScaleChangeRequest { scale_cap, reason } = body.into_inner();
    let change = ScaleChange {
        group_id: group.id,
        scale_cap,
        reason,
    };
    let decision = state
        .bus
        .call::<ChangeScale>(&caller.actor(), key.0, change)
        .await;
    state.groups.forget(group.id);
    Ok(web::Json(decision?))
}

/// A group's scale decisions, oldest first (F-08), to whoever may see the group.
#[utoipa::path(
    tag = "groups",
    operation_id = "list_group_scale_decisions",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "Decisions", body = Vec<ScaleDecision>),
        NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/scale-decisions")]
pub async fn list_group_scale_decisions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
) -> Result<web::Json<Vec<ScaleDecision>>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(
        state
            .bus
            .call::<ListScaleDecisions>(&caller.actor(), None, GroupRef { group_id: group.id })
            .await?,
    ))
}

/// A lead school's quality of one school year, as the bureau records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadQualityRequest {
    /// The school year evaluated, by its starting calendar year (2025 = 2025–2026).
    #[schema(minimum = 2000, maximum = 2100, example = 2025)]
    pub school_year: i32,
    /// The quality evaluation's result, 0–100.
    #[schema(minimum = 0, maximum = 100, example = 86.5)]
    pub score: f64,
    /// Whether quality improved on the year before; when absent it is derived from the
    /// score of the year before, which must then be on record.
    #[serde(default)]
    pub improving: Option<bool>,
    /// What the judgement rests on (up to 20 items of up to 300 characters).
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Record a school's quality of a school year (F-08, V-07; bureau of its county). While the
/// latest record of a group's lead school says it is not improving, the group admits no
/// member (`lead_quality_not_improving`), unless the region's policy switches the gate off
/// (`lead_quality_gate`). A second record of the same year corrects the first.
#[utoipa::path(
    tag = "groups",
    operation_id = "record_lead_quality",
    params(("school_id" = SchoolId, Path, description = "School id"), IdempotencyKey),
    request_body = LeadQualityRequest,
    responses(
        (status = 201, description = "Recorded", body = LeadQuality),
        (status = 400, description = "Invalid input (a score outside 0–100; `improving` missing with no score of the year before)", body = ErrorBody),
        (status = 403, description = "Only the school's bureau", body = ErrorBody),
        NoToken, SchoolNotInRegion, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/schools/{school_id}/lead-quality")]
pub async fn record_lead_quality(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<SchoolId>,
    body: web::Json<LeadQualityRequest>,
) -> Result<HttpResponse, ApiError> {
    let school = school_of_region(&state, &caller, path.into_inner()).await?;
    scope::bureau_of(&caller, &school.region)?;
    let LeadQualityRequest {
        school_year,
        score,
        improving,
        evidence,
        note,
    } = body.into_inner();
    let record = NewLeadQuality {
        school_id: school.id,
        school_year,
        score,
        improving,
        evidence,
        note,
    };
    let recorded = state
        .bus
        .call::<RecordLeadQuality>(&caller.actor(), key.0, record)
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// A school's quality records, the latest school year first; a corrected record is marked
/// `superseded` (bureau and auditor of its county, the school's own office).
#[utoipa::path(
    tag = "groups",
    operation_id = "list_lead_quality",
    params(("school_id" = SchoolId, Path, description = "School id")),
    responses(
        (status = 200, description = "Records", body = Vec<LeadQuality>),
        (status = 403, description = "Not the school's bureau, auditor or office", body = ErrorBody),
        NoToken, SchoolNotInRegion, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/schools/{school_id}/lead-quality")]
pub async fn list_lead_quality(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SchoolId>,
) -> Result<web::Json<Vec<LeadQuality>>, ApiError> {
    let school = school_of_region(&state, &caller, path.into_inner()).await?;
    scope::can_read_lead_quality(&caller, &school)?;
    Ok(web::Json(
        state
            .bus
            .call::<ListLeadQuality>(
                &caller.actor(),
                None,
                SchoolRef {
                    school_id: school.id,
                },
            )
            .await?,
    ))
}
