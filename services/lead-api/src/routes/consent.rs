//! Consent across counties (F-04): the requests for schools of another county to join a
//! group, and the decision of the school's own county bureau; the postings that would take a
//! teacher into another county, and the decision of the teacher's own county bureau.

use actix_web::{get, post};
use edu_contracts::consent::{
    ConsentDecision, ConsentQuery, ConsentRequest, ConsentStatus, ConsentVerdict, DecideConsent,
    ListConsents,
};
use edu_contracts::membership::Page;
use edu_contracts::rotation::{
    DecidePostingConsent, ListPostingConsents, Posting, PostingConsentDecision, PostingConsentQuery,
};
use edu_domain::{PostingId, Problem, Role};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{InvalidQuery, KeyReused, NoToken, PostingNotVisible, Unavailable};
use crate::routes::rotation::visible_posting;
use crate::{AppState, scope};

list_params! {
    /// Listing filters.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    pub struct ConsentListQuery {
        /// Only requests in this state (`pending` for those waiting).
        #[serde(default)]
        pub status: Option<ConsentStatus>,
    }
}

/// What waits for a county's consent is read by its bureau and auditors.
fn county_reader(caller: &Caller) -> Result<(), Problem> {
    if matches!(caller.0.role, Role::Bureau | Role::Auditor) {
        return Ok(());
    }
    Err(Problem::forbidden(
        "only a county's bureau and auditors list what waits for the county's consent",
        "仅县教育局及督导人员可查看待本县同意的跨县事项",
    ))
}

/// The county's requests, newest first: those of its groups for schools elsewhere and those
/// for its own schools to join a group elsewhere (bureau and auditors of the county).
#[utoipa::path(
    tag = "members",
    operation_id = "list_consent_requests",
    params(ConsentListQuery),
    responses(
        (status = 200, description = "Requests", body = Page<ConsentRequest>),
        (status = 403, description = "Only a county's bureau and auditors", body = ErrorBody),
        InvalidQuery, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/consent-requests")]
pub async fn list_consent_requests(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ConsentListQuery>,
) -> Result<web::Json<Page<ConsentRequest>>, ApiError> {
    county_reader(&caller)?;
    let q = query.into_inner();
    let query = ConsentQuery {
        region: Some(caller.0.region.clone()),
        group_id: None,
        status: q.status,
        paging: q.paging(),
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
        (status = 403, description = "Not the bureau of the school's county", body = ErrorBody),
        (status = 404, description = "No such request", body = ErrorBody),
        (status = 409, description = "`consent_state_invalid` (decided already), or the admission's own refusal on approval: `group_cap_exceeded`, `stage_mismatch`, `school_already_in_group`, `group_dissolved`, `lead_quality_not_improving`", body = ErrorBody),
        NoToken, KeyReused, Unavailable,
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

/// The postings across counties whose teacher is of the caller's county, newest first: those
/// waiting for the county bureau's consent (`status=pending`) and those it decided (F-04;
/// bureau and auditors of the county).
#[utoipa::path(
    tag = "rotation",
    operation_id = "list_posting_consents",
    params(ConsentListQuery),
    responses(
        (status = 200, description = "Postings across counties of the county's teachers", body = Page<Posting>),
        (status = 403, description = "Only a county's bureau and auditors", body = ErrorBody),
        InvalidQuery, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/posting-consents")]
pub async fn list_posting_consents(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ConsentListQuery>,
) -> Result<web::Json<Page<Posting>>, ApiError> {
    county_reader(&caller)?;
    let q = query.into_inner();
    let query = PostingConsentQuery {
        region: caller.0.region.clone(),
        status: q.status,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListPostingConsents>(&caller.actor(), None, query)
            .await?,
    ))
}

/// The teacher's county bureau decides a posting across counties.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostingConsentRequest {
    /// `approve` lets the receiving school confirm the posting; `decline` cancels it.
    pub decision: ConsentVerdict,
    /// Why (1–500 characters); required to decline, and the cancelled posting's reason.
    #[serde(default)]
    #[schema(example = "该教师本学年承担毕业班教学任务")]
    pub note: Option<String>,
}

/// Approve or decline a posting that would take a teacher of this county into another (F-04;
/// the bureau of the teacher's county only). A decision stands; a declined posting is
/// cancelled.
#[utoipa::path(
    tag = "rotation",
    operation_id = "decide_posting_consent",
    params(("posting_id" = PostingId, Path, description = "Posting id")),
    request_body = PostingConsentRequest,
    responses(
        (status = 200, description = "Decided: `consent.status` approved, or declined and the posting cancelled", body = Posting),
        (status = 400, description = "Invalid input (declining without a note)", body = ErrorBody),
        (status = 403, description = "Not the bureau of the teacher's county", body = ErrorBody),
        (status = 409, description = "`consent_state_invalid` (within one county, or decided already), `group_dissolved`", body = ErrorBody),
        NoToken, PostingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/postings/{posting_id}/consent")]
pub async fn decide_posting_consent(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<PostingId>,
    body: web::Json<PostingConsentRequest>,
) -> Result<web::Json<Posting>, ApiError> {
    let (posting, group) = visible_posting(&state, &caller, path.into_inner()).await?;
    scope::open_for_changes(&group)?;
    let PostingConsentRequest { decision, note } = body.into_inner();
    let decision = PostingConsentDecision {
        posting_id: posting.id,
        decision,
        note,
    };
    Ok(web::Json(
        state
            .bus
            .call::<DecidePostingConsent>(&caller.actor(), None, decision)
            .await?,
    ))
}
