//! Sanctions (RULES.md §5c): the lead office warns a member and proposes its persuade-out
//! (警告、劝退, X-01, L8); the bureau confirms or rejects it. The rules themselves (grounds,
//! the council's decision, one open persuade-out) are the membership service's.

use actix_web::{HttpResponse, get, post};
use edu_contracts::council::DecisionId;
use edu_contracts::sanctions::{
    DecidePersuadeOut, IssueWarning, ListSanctions, NewPersuadeOut, NewWarning, PersuadeOut,
    PersuadeOutDecision, ProposePersuadeOut, SanctionQuery, Sanctions, Warning,
};
use edu_domain::{GroupId, SchoolId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{GroupNotVisible, InvalidInput, KeyReused, NoToken, Unavailable};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, scope};

/// A warning's reason and evidence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarningRequest {
    #[schema(example = "本学期未向集团资源库贡献资源")]
    pub reason: String,
    /// Keys of obligation-ledger entries (e.g. `M5/2026-spring/<school>`), at most 20.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Warn a member school (警告, X-01): the lead school's office.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "create_warning",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("school_id" = SchoolId, Path, description = "Member school id"),
        IdempotencyKey,
    ),
    request_body = WarningRequest,
    responses(
        (status = 201, description = "Issued", body = Warning),
        (status = 403, description = "Not the group's lead school office", body = ErrorBody),
        (status = 409, description = "`not_a_member`, `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/members/{school_id}/warnings")]
pub async fn create_warning(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(GroupId, SchoolId)>,
    body: web::Json<WarningRequest>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, school_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_sanction(&caller, &group)?;
    let WarningRequest { reason, evidence } = body.into_inner();
    let warning = NewWarning {
        group_id,
        school_id,
        reason,
        evidence,
    };
    let issued = state
        .bus
        .call::<IssueWarning>(&caller.actor(), key.0, warning)
        .await?;
    Ok(HttpResponse::Created().json(issued))
}

/// Whose sanctions to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SanctionListQuery {
    /// One school's only (a member school always sees its own only).
    #[serde(default)]
    pub school_id: Option<SchoolId>,
}

/// The group's warnings and persuade-outs, newest first.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "list_sanctions",
    params(("group_id" = GroupId, Path, description = "Group id"), SanctionListQuery),
    responses(
        (status = 200, description = "Warnings and persuade-outs", body = Sanctions),
        (status = 403, description = "A member school asked for another school's", body = ErrorBody),
        NoToken, GroupNotVisible,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/sanctions")]
pub async fn list_sanctions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<SanctionListQuery>,
) -> Result<web::Json<Sanctions>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let school_id = scope::school_filter(&caller, &group, query.school_id)?;
    let q = SanctionQuery {
        group_id: group.id,
        school_id,
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListSanctions>(&caller.actor(), None, q)
            .await?,
    ))
}

/// Why the lead school proposes to persuade the member out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersuadeOutRequest {
    pub reason: String,
    /// The council's decision about the school (G-09); default the latest one.
    #[serde(default)]
    pub decision_id: Option<DecisionId>,
}

/// Propose to persuade a member out (劝退): the lead school's office. Needs an active
/// warning or a failing evaluation (X-01, §8.7) and a council decision of category
/// `member_major_matter` about the school (G-09); the bureau decides next.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "create_persuade_out",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("school_id" = SchoolId, Path, description = "Member school id"),
        IdempotencyKey,
    ),
    request_body = PersuadeOutRequest,
    responses(
        (status = 201, description = "Proposed; waiting for the bureau", body = PersuadeOut),
        (status = 403, description = "Not the group's lead school office", body = ErrorBody),
        (status = 409, description = "`warning_or_failed_evaluation_required` (X-01), `council_decision_required` (G-09), `persuade_out_state_invalid`, `not_a_member`, `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/members/{school_id}/persuade-out")]
pub async fn create_persuade_out(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(GroupId, SchoolId)>,
    body: web::Json<PersuadeOutRequest>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, school_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_sanction(&caller, &group)?;
    let PersuadeOutRequest {
        reason,
        decision_id,
    } = body.into_inner();
    let proposal = NewPersuadeOut {
        group_id,
        school_id,
        reason,
        decision_id,
    };
    let proposed = state
        .bus
        .call::<ProposePersuadeOut>(&caller.actor(), key.0, proposal)
        .await?;
    Ok(HttpResponse::Created().json(proposed))
}

/// The bureau's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersuadeOutDecisionRequest {
    /// `true` confirms (the membership ends, reason `persuaded_out`), `false` rejects.
    pub confirm: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// Confirm or reject the open persuade-out (the group's bureau). On confirmation the
/// membership ends; rotation ends the school's postings, the catalogue its library access
/// and the council its seats.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "decide_persuade_out",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("school_id" = SchoolId, Path, description = "Member school id"),
    ),
    request_body = PersuadeOutDecisionRequest,
    responses(
        (status = 200, description = "Decided", body = PersuadeOut),
        (status = 403, description = "Not the group's bureau", body = ErrorBody),
        (status = 409, description = "`persuade_out_state_invalid` (none open), `not_a_member`, `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/members/{school_id}/persuade-out/decision")]
pub async fn decide_persuade_out(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(GroupId, SchoolId)>,
    body: web::Json<PersuadeOutDecisionRequest>,
) -> Result<web::Json<PersuadeOut>, ApiError> {
    let (group_id, school_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_decide_persuade_out(&caller, &group)?;
    let PersuadeOutDecisionRequest { confirm, note } = body.into_inner();
    let decision = PersuadeOutDecision {
        group_id,
        school_id,
        confirm,
        note,
    };
    let decided = state
        .bus
        .call::<DecidePersuadeOut>(&caller.actor(), None, decision)
        .await;
    // Dropped whatever the answer: a timed-out call may still have ended the membership.
    state.groups.forget(group_id);
    Ok(web::Json(decided?))
}
