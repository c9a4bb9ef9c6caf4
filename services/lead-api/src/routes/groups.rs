//! Education groups (教育集团) and their members.

use actix_web::{HttpResponse, get, post};
use edu_contracts::consent::{ConsentRequest, RequestConsent};
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, Dissolution, DissolveGroup, ExitMember, GetSchool, Group,
    GroupHistory, GroupQuery, ImportGroup, ListGroups, ListMembers, MemberExit, MemberList,
    MemberQuery, Membership, NewGroup, Page, SchoolRef,
};
use edu_domain::{ErrorCode, ExitReason, GroupId, Problem, Role, SchoolId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupNotVisible, InvalidInput, InvalidQuery, KeyReused, NoToken, Unavailable,
};
use crate::{AppState, scope};

/// Fetches a group and checks the caller may know it exists (404 otherwise).
pub(crate) async fn visible_group(
    state: &AppState,
    caller: &Caller,
    group_id: GroupId,
) -> Result<Group, ApiError> {
    let group = state
        .groups
        .get(&state.bus, &caller.actor(), group_id)
        .await?;
    if scope::can_see_group(caller, &group) {
        Ok(group)
    } else {
        Err(Problem::not_found("group", "教育集团").into())
    }
}

/// A group the caller may see and that still accepts changes: 404 when it is not visible,
/// then 409 `group_dissolved` for everyone once it is dissolved.
pub(crate) async fn writable_group(
    state: &AppState,
    caller: &Caller,
    group_id: GroupId,
) -> Result<Group, ApiError> {
    let group = visible_group(state, caller, group_id).await?;
    scope::open_for_changes(&group)?;
    Ok(group)
}

/// For writes whose owning service judges the caller itself (the library): a group the
/// caller may see answers 409 `group_dissolved` once dissolved, like every other
/// write; anything else is left to the service's own answer.
pub(crate) async fn refuse_if_dissolved(
    state: &AppState,
    caller: &Caller,
    group_id: GroupId,
) -> Result<(), ApiError> {
    match state
        .groups
        .get(&state.bus, &caller.actor(), group_id)
        .await
    {
        Ok(group) if scope::can_see_group(caller, &group) => Ok(scope::open_for_changes(&group)?),
        Ok(_) => Ok(()),
        Err(p) if p.code == edu_domain::ErrorCode::NotFound => Ok(()),
        Err(p) => Err(p.into()),
    }
}

/// Only the bureau of the lead school's county forms a group (F-11), new or loaded with its
/// past; another county's school is not known to exist (404).
async fn lead_of_new_group(
    state: &AppState,
    caller: &Caller,
    lead: SchoolId,
) -> Result<(), ApiError> {
    if caller.0.role != Role::Bureau {
        return Err(Problem::forbidden(
            "only the county education bureau forms groups",
            "仅县教育局可组建教育集团",
        )
        .into());
    }
    let lead = state
        .bus
        .call::<GetSchool>(&caller.actor(), None, SchoolRef { school_id: lead })
        .await?;
    if !scope::can_see_school(caller, &lead) {
        return Err(Problem::not_found("school", "学校").into());
    }
    Ok(scope::bureau_of(caller, &lead.region)?)
}

/// Establish a group with its lead school (bureau of the lead school's region).
#[utoipa::path(
    tag = "groups",
    operation_id = "create_group",
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Established", body = Group),
        (status = 403, description = "Only the bureau creates groups", body = ErrorBody),
        (status = 404, description = "Lead school not found in the caller's region", body = ErrorBody),
        (status = 409, description = "`school_already_in_group`", body = ErrorBody),
        (status = 422, description = "`cap_exception_reason_required`, `idempotency_key_reused`", body = ErrorBody),
        InvalidInput, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups")]
pub async fn create_group(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    lead_of_new_group(&state, &caller, body.lead_school_id).await?;
    let actor = caller.actor();
    let group = state
        .bus
        .call::<CreateGroup>(&actor, key.0, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(group))
}

/// Load a group that existed before this system, with its past (bureau of the lead school's
/// county): formation and plaque dates, every member's admission and exit with their real
/// dates. The past is replayed in date order through the rules of live writes (F-01, F-03,
/// F-08, F-09, §8.5, V-07, under the policy in force on each date); the first entry a live
/// write would have refused refuses the whole load, naming the entry and the date
/// (`details.history`). Obligations, rotation ratios and the first evaluation (V-03, one year
/// after the plaque) then count from the real dates.
#[utoipa::path(
    tag = "groups",
    operation_id = "import_group",
    params(IdempotencyKey),
    request_body = GroupHistory,
    responses(
        (status = 201, description = "Loaded: the group and its whole membership history", body = MemberList),
        (status = 400, description = "Invalid input (dates out of order, an exit without its reason)", body = ErrorBody),
        (status = 403, description = "Only the bureau of the lead school's county", body = ErrorBody),
        (status = 404, description = "Lead school not found in the caller's region", body = ErrorBody),
        (status = 409, description = "A refusal a live write would have met, for the entry in `details.history`: `group_cap_exceeded`, `stage_mismatch`, `school_already_in_group`, `lead_cannot_be_member`, `lead_quality_not_improving`", body = ErrorBody),
        (status = 422, description = "`cap_exception_reason_required`, `idempotency_key_reused`", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/import")]
pub async fn import_group(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: web::Json<GroupHistory>,
) -> Result<HttpResponse, ApiError> {
    lead_of_new_group(&state, &caller, body.lead_school_id).await?;
    let actor = caller.actor();
    let list = state
        .bus
        .call::<ImportGroup>(&actor, key.0, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(list))
}

list_params! {
    /// Listing filters.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    pub struct GroupListQuery {
        /// Also dissolved groups.
        #[serde(default)]
        pub include_dissolved: bool,
    }
}

/// The groups the caller may see: a bureau's region, or the caller's own school's group.
#[utoipa::path(
    tag = "groups",
    operation_id = "list_groups",
    params(GroupListQuery),
    responses(
        (status = 200, description = "Groups", body = Page<Group>),
        InvalidQuery, NoToken,
    ),
    security(("bearer" = [])),
)]
#[get("/groups")]
pub async fn list_groups(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<GroupListQuery>,
) -> Result<web::Json<Page<Group>>, ApiError> {
    let q = query.into_inner();
    let paging = q.paging();
    let (region, school_id) = match caller.0.role {
        Role::Bureau | Role::Auditor => (Some(caller.0.region.clone()), None),
        Role::LeadAdmin | Role::MemberAdmin | Role::Teacher => (None, caller.0.school_id),
    };
    let query = GroupQuery {
        region,
        school_id,
        include_dissolved: q.include_dissolved,
        paging,
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListGroups>(&caller.actor(), None, query)
            .await?,
    ))
}

/// One group.
#[utoipa::path(
    tag = "groups",
    operation_id = "get_group",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "The group", body = Group),
        NoToken, GroupNotVisible,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}")]
pub async fn get_group(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
) -> Result<web::Json<Group>, ApiError> {
    Ok(web::Json(
        visible_group(&state, &caller, path.into_inner()).await?,
    ))
}

/// Why the bureau dissolves a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DissolutionRequest {
    /// 撤销理由.
    pub reason: String,
    /// needed when the group's latest evaluation does not fail it; recorded.
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// Dissolve a group (撤销, bureau only): every membership ends; the group accepts no change.
/// on a failing evaluation, or with a recorded `override_reason`.
#[utoipa::path(
    tag = "groups",
    operation_id = "dissolve_group",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "Dissolved", body = Group),
        (status = 403, description = "Only the group's bureau dissolves it", body = ErrorBody),
        (status = 409, description = "`group_dissolved`, `failed_evaluation_required` (X-02: no failing evaluation and no override reason)", body = ErrorBody),
        InvalidInput, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/dissolution")]
pub async fn dissolve_group(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    body: web::Json<DissolutionRequest>,
) -> Result<web::Json<Group>, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::bureau_of(&caller, &group.region)?;
    let DissolutionRequest {
        reason,
        override_reason,
    } = body.into_inner();
    let req = Dissolution {
        group_id: group.id,
        reason,
        override_reason,
    };
    let dissolved = state
        .bus
        .call::<DissolveGroup>(&caller.actor(), None, req)
        .await;
    // Dropped whatever the answer: a timed-out call may still have committed.
    state.groups.forget(group.id);
    Ok(web::Json(dissolved?))
}

/// The school to admit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdmissionRequest {
    pub school_id: SchoolId,
}

/// Admit a member school (bureau, or the lead school's office). A school of another county
/// joins only with its own county bureau's consent (F-04): the answer is then 202 with the
/// request, which that bureau decides at `POST /consent-requests/{request_id}/decision`.
#[utoipa::path(
    tag = "members",
    operation_id = "admit_member",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    responses(
        (status = 201, description = "Admitted", body = Membership),
        (status = 202, description = "A school of another county: the request waits for its county bureau's consent (F-04)", body = ConsentRequest),
        (status = 403, description = "Not the group's bureau or lead office", body = ErrorBody),
        (status = 404, description = "Group or school not found", body = ErrorBody),
        (status = 409, description = "`group_cap_exceeded` (F-08/F-09), `stage_mismatch` (F-03), `school_already_in_group`, `lead_cannot_be_member` (F-01), `group_dissolved`, `lead_quality_not_improving` (V-07: the lead school's latest recorded quality is not improving)", body = ErrorBody),
        InvalidInput, NoToken, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/members")]
pub async fn admit_member(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<AdmissionRequest>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_admit(&caller, &group)?;
    let admission = Admission {
        group_id: group.id,
        school_id: body.school_id,
    };
    let actor = caller.actor();
    let admitted = state
        .bus
        .call::<AdmitMember>(&actor, key.0.clone(), admission.clone())
        .await;
    state.groups.forget(group.id);
    match admitted {
        Ok(membership) => Ok(HttpResponse::Created().json(membership)),
        // F-04: the admission waits for the school's county; the request is what is made.
        Err(p) if p.code == ErrorCode::CountyConsentRequired => {
            let request = state
                .bus
                .call::<RequestConsent>(&actor, key.0, admission)
                .await?;
            Ok(HttpResponse::Accepted().json(request))
        }
        Err(p) => Err(p.into()),
    }
}

/// Listing filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MemberListQuery {
    /// Also past memberships (exited schools, with date and reason).
    #[serde(default)]
    pub include_history: bool,
}

/// The group's lead and members (with history on request).
#[utoipa::path(
    tag = "members",
    operation_id = "list_members",
    params(("group_id" = GroupId, Path, description = "Group id"), MemberListQuery),
    responses(
        (status = 200, description = "Members", body = MemberList),
        NoToken, GroupNotVisible,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<MemberListQuery>,
) -> Result<web::Json<MemberList>, ApiError> {
    let q = MemberQuery {
        group_id: path.into_inner(),
        include_history: query.include_history,
    };
    let list = state
        .bus
        .call::<ListMembers>(&caller.actor(), None, q)
        .await?;
    if !scope::can_see_group(&caller, &list.group) {
        return Err(Problem::not_found("group", "教育集团").into());
    }
    Ok(web::Json(list))
}

/// Why a membership ends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExitRequest {
    pub reason: ExitReason,
    #[serde(default)]
    pub note: Option<String>,
}

/// End a member's membership (history is kept).
#[utoipa::path(
    tag = "members",
    operation_id = "exit_member",
    params(("group_id" = GroupId, Path, description = "Group id"), ("school_id" = SchoolId, Path, description = "Member school id")),
    responses(
        (status = 200, description = "Membership ended", body = Membership),
        (status = 403, description = "Not allowed to end this membership", body = ErrorBody),
        (status = 409, description = "`not_a_member`, `lead_cannot_exit`, `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, GroupNotVisible,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/members/{school_id}/exit")]
pub async fn exit_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(GroupId, SchoolId)>,
    body: web::Json<ExitRequest>,
) -> Result<web::Json<Membership>, ApiError> {
    let (group_id, school_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    let ExitRequest { reason, note } = body.into_inner();
    scope::can_exit(&caller, &group, school_id, reason)?;
    let exit = MemberExit {
        group_id,
        school_id,
        reason,
        note,
    };
    let membership = state
        .bus
        .call::<ExitMember>(&caller.actor(), None, exit)
        .await;
    state.groups.forget(group_id);
    Ok(web::Json(membership?))
}
