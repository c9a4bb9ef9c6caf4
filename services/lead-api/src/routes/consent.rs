//! Consent across counties (F-04): the requests for schools of another county to join a
//! group, and the decision of the school's own county bureau.

use actix_web::{get, post};
use edu_contracts::consent::{
    ConsentDecision, ConsentQuery, ConsentRequest, ConsentStatus, ConsentVerdict, DecideConsent,
    ListConsents,
};
use edu_contracts::membership::{Page, Paging};
use edu_domain::{Problem, Role};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;

/// Listing filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsentListQuery {
    /// Only requests in this state (`pending` for those waiting).
    #[serde(default)]
    pub status: Option<ConsentStatus>,
    #[serde(default)]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u16>,
    #[serde(default)]
    #[param(minimum = 0, default = 0)]
    pub offset: Option<u32>,
}

/// The county's requests, newest first: those of its groups for schools elsewhere and those
/// for its own schools to join a group elsewhere (bureau and auditors of the county).
#[utoipa::path(
    tag = "members",
    operation_id = "list_consent_requests",
    params(ConsentListQuery),
    responses(
        (status = 200, description = "Requests", body = Page<ConsentRequest>),
        (status = 400, description = "Invalid query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only a county's bureau and auditors", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[get("/consent-requests")]
pub async fn list_consent_requests(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ConsentListQuery>,
) -> Result<web::Json<Page<ConsentRequest>>, ApiError> {
    if !matches!(caller.0.role, Role::Bureau | Role::Auditor) {
        return Err(Problem::forbidden(
            "only a county's bureau and auditors list consent requests",
            "仅县教育局及督导人员可查看跨县入集团申请",
        )
        .into());
    }
    let q = query.into_inner();
    let defaults = Paging::default();
    let query = ConsentQuery {
        region: Some(caller.0.region.clone()),
        group_id: None,
        status: q.status,
        paging: Paging {
            limit: q.limit.unwrap_or(defaults.limit),
            offset: q.offset.unwrap_or(defaults.offset),
        },
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListConsents>(&caller.actor(), None, query)
            .await?,
    ))
}

/// The school's county bureau decides.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentDecisionRequest {
    /// `approve` admits the school, under every admission rule as of now (cap, stage, one
    /// group at a time, …); `decline` ends the request.
    pub decision: ConsentVerdict,
    /// Why (1–500 characters); required to decline.
    #[serde(default)]
    #[schema(example = "该校已纳入本县集团化办学规划")]
    pub reason: Option<String>,
}

/// Approve or decline a request for a school of this county to join a group of another
/// (F-04; the bureau of the school's county only). A decision stands.
#[utoipa::path(
    tag = "members",
    operation_id = "decide_consent_request",
    params(("request_id" = Uuid, Path, description = "Request id"), IdempotencyKey),
    request_body = ConsentDecisionRequest,
    responses(
        (status = 200, description = "Decided; on approval `membership_id` is the admission", body = ConsentRequest),
        (status = 400, description = "Invalid input (declining without a reason)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not the bureau of the school's county", body = ErrorBody),
        (status = 404, description = "No such request", body = ErrorBody),
        (status = 409, description = "`consent_state_invalid` (decided already), or the admission's own refusal on approval: `group_cap_exceeded`, `stage_mismatch`, `school_already_in_group`, `group_dissolved`, `lead_quality_not_improving`", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`", body = ErrorBody),
        (status = 503, description = "Service unavailable; retry", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
#[post("/consent-requests/{request_id}/decision")]
pub async fn decide_consent_request(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<Uuid>,
    body: web::Json<ConsentDecisionRequest>,
) -> Result<web::Json<ConsentRequest>, ApiError> {
    let ConsentDecisionRequest { decision, reason } = body.into_inner();
    let decision = ConsentDecision {
        request_id: path.into_inner(),
        decision,
        reason,
    };
    let decided = state
        .bus
        .call::<DecideConsent>(&caller.actor(), key.0, decision)
        .await?;
    state.groups.forget(decided.group_id);
    Ok(web::Json(decided))
}
