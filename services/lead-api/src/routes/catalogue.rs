//! The shared-course catalogue (优质课程资源库, RULES.md §4): resources, versions, review,
//! search, adoptions, reuse and the brand rule; files are in `files`, shared facilities in
//! `facilities`.
//!
//! Who sees what here is a data rule of the catalogue service (R-05: the group's schools;
//! §5: a school that left keeps its own contributions only; X-02: a dissolved library is
//! the bureau's to read), enforced there in one transaction on its projection of the
//! membership. These handlers forward the caller as the actor and turn its refusals into
//! HTTP errors; a resource outside the caller's reach is 404, for metadata and file alike.

use actix_web::{HttpResponse, get, post};
use edu_contracts::catalogue::{
    AddVersion, AdoptResource, Adoption, AdoptionBody, BrandRefusal, BrandRefusalQuery,
    GetResource, GetReuse, ListBrandRefusals, NewAdoption, NewResource, NewShare, NewVersion, Page,
    Resource, ResourceFilter, ResourcePage, ResourceRef, ResourceSearch, Reuse, ReuseQuery, Review,
    ReviewBody, ReviewResource, SearchResources, Share, ShareBody, ShareResource, SubmitResource,
    VersionContent,
};
use edu_domain::{
    CourseType, GroupId, QualityTier, ResourceId, ResourceKind, ResourceStatus, SchoolId, Stage,
    UploadId,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    DissolvedOrNotInGroup, GroupNotVisible, InvalidInput, InvalidQuery, KeyReused,
    NoGroupForCaller, NoToken, NotGroupSchoolOffice, NotLeadOffice, Unavailable,
};
use crate::routes::groups::{refuse_if_dissolved, visible_group};
use crate::{AppState, scope};

/// A resource a school of the group contributes (M5/R-09); the caller's school owns it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResourceRequest {
    pub kind: ResourceKind,
    #[schema(example = "数学")]
    pub subject: String,
    pub stage: Stage,
    /// 年级, e.g. 八年级; empty for every grade of the stage.
    #[serde(default)]
    #[schema(example = "八年级")]
    pub grade: String,
    pub course_type: CourseType,
    pub tier: QualityTier,
    #[schema(example = "一次函数的图像与性质")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    #[schema(example = json!(["函数", "大单元"]))]
    pub tags: Vec<String>,
    /// A finished upload of the caller's school (`POST /groups/{group_id}/files`).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub upload_id: Option<UploadId>,
}

/// Contribute a resource to the group's library (an office of an active school of the group).
///
/// with the group's policy asking for review (the default), it is visible to its own
/// school and the lead office until the lead office approves it.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "create_resource",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    request_body = NewResourceRequest,
    responses(
        (status = 201, description = "Submitted (or published when the policy needs no review)", body = Resource),
        (status = 403, description = "Not the office of a school (teachers and the bureau read only)", body = ErrorBody),
        (status = 404, description = "No such group for the caller, or an unknown upload", body = ErrorBody),
        (status = 409, description = "`group_dissolved`, `school_not_in_group` (the school left), `upload_state_invalid`", body = ErrorBody),
        InvalidInput, NoToken, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/resources")]
pub async fn create_resource(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewResourceRequest>,
) -> Result<HttpResponse, ApiError> {
    // a dissolved group's library takes nothing new, whoever asks.
    let group_id = path.into_inner();
    refuse_if_dissolved(&state, &caller, group_id).await?;
    let b = body.into_inner();
    let request = NewResource {
        group_id,
        kind: b.kind,
        subject: b.subject,
        stage: b.stage,
        grade: b.grade,
        course_type: b.course_type,
        tier: b.tier,
        content: VersionContent {
            title: b.title,
            description: b.description,
            authors: b.authors,
            tags: b.tags,
            upload_id: b.upload_id,
            change_note: None,
        },
    };
    let resource = state
        .bus
        .call::<SubmitResource>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(resource))
}

list_params! {
    /// Search and filters of a group's library.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct ResourceListQuery {
        /// Keywords, Chinese or English; every word must occur in the title, description or
        /// tags (two-character Chinese words such as 函数 or 实验 included; Latin words match
        /// as prefixes, in any case).
        #[serde(default)]
        #[param(example = "函数")]
        pub q: Option<String>,
        #[serde(default)]
        pub subject: Option<String>,
        #[serde(default)]
        #[param(inline)]
        pub stage: Option<Stage>,
        #[serde(default)]
        pub grade: Option<String>,
        #[serde(default)]
        #[param(inline)]
        pub kind: Option<ResourceKind>,
        #[serde(default)]
        #[param(inline)]
        pub tier: Option<QualityTier>,
        #[serde(default)]
        #[param(value_type = Option<String>, format = Uuid)]
        pub owner_school_id: Option<SchoolId>,
        #[serde(default)]
        #[param(inline)]
        pub status: Option<ResourceStatus>,
    }
}

/// Search a group's library (newest first).
///
/// Members see what is published and their own; the lead office and the group's bureau see
/// everything; a school that left sees only its own contributions.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_resources",
    params(("group_id" = GroupId, Path, description = "Group id"), ResourceListQuery),
    responses(
        (status = 200, description = "Resources", body = ResourcePage),
        InvalidQuery, NoToken, NoGroupForCaller, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/resources")]
pub async fn list_resources(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<ResourceListQuery>,
) -> Result<web::Json<ResourcePage>, ApiError> {
    let q = query.into_inner();
    let paging = q.paging();
    let search = ResourceSearch {
        group_id: path.into_inner(),
        filter: ResourceFilter {
            q: q.q,
            subject: q.subject,
            stage: q.stage,
            grade: q.grade,
            kind: q.kind,
            tier: q.tier,
            owner_school_id: q.owner_school_id,
            status: q.status,
        },
        paging,
    };
    Ok(web::Json(
        state
            .bus
            .call::<SearchResources>(&caller.actor(), None, search)
            .await?,
    ))
}

/// A resource with its versions, and whether the caller's school is on an older version
/// than the latest (`newer_version_available`).
#[utoipa::path(
    tag = "catalogue",
    operation_id = "get_resource",
    params(("resource_id" = ResourceId, Path, description = "Resource id")),
    responses(
        (status = 200, description = "The resource", body = Resource),
        (status = 404, description = "No such resource for the caller (outside the group, or left it)", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/resources/{resource_id}")]
pub async fn get_resource(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ResourceId>,
) -> Result<web::Json<Resource>, ApiError> {
    let body = ResourceRef {
        resource_id: path.into_inner(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetResource>(&caller.actor(), None, body)
            .await?,
    ))
}

/// Add a new immutable version (the owner school's office). Adopters stay on the version
/// they adopted and see `newer_version_available`.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "create_resource_version",
    params(
        ("resource_id" = ResourceId, Path, description = "Resource id"),
        IdempotencyKey,
    ),
    request_body = VersionContent,
    responses(
        (status = 201, description = "The resource with its new version", body = Resource),
        (status = 403, description = "Not the owner school's office", body = ErrorBody),
        (status = 404, description = "No such resource for the caller, or an unknown upload", body = ErrorBody),
        (status = 409, description = "`group_dissolved`, `school_not_in_group`, `upload_state_invalid`", body = ErrorBody),
        InvalidInput, NoToken, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/resources/{resource_id}/versions")]
pub async fn create_resource_version(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<ResourceId>,
    body: web::Json<VersionContent>,
) -> Result<HttpResponse, ApiError> {
    let request = NewVersion {
        resource_id: path.into_inner(),
        content: body.into_inner(),
    };
    let resource = state
        .bus
        .call::<AddVersion>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(resource))
}

/// Approve or reject a submitted resource (R-03: the lead school's group office).
#[utoipa::path(
    tag = "catalogue",
    operation_id = "review_resource",
    params(("resource_id" = ResourceId, Path, description = "Resource id")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "Reviewed", body = Resource),
        (status = 404, description = "No such resource for the caller", body = ErrorBody),
        (status = 409, description = "`resource_state_invalid` (not pending review), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/resources/{resource_id}/approval")]
pub async fn review_resource(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ResourceId>,
    body: web::Json<ReviewBody>,
) -> Result<web::Json<Resource>, ApiError> {
    let request = Review {
        resource_id: path.into_inner(),
        review: body.into_inner(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ReviewResource>(&caller.actor(), None, request)
            .await?,
    ))
}

/// Adopt a published resource for the caller's school (the latest version unless one is
/// named). Counted once per school in the reuse figures.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "adopt_resource",
    params(
        ("resource_id" = ResourceId, Path, description = "Resource id"),
        IdempotencyKey,
    ),
    request_body = AdoptionBody,
    responses(
        (status = 201, description = "Adopted", body = Adoption),
        (status = 400, description = "Invalid input (e.g. a school adopting its own resource)", body = ErrorBody),
        (status = 404, description = "No such resource or version for the caller", body = ErrorBody),
        (status = 409, description = "`resource_state_invalid` (not published), `school_not_in_group`, `group_dissolved`", body = ErrorBody),
        NoToken, NotGroupSchoolOffice, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/resources/{resource_id}/adoptions")]
pub async fn adopt_resource(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<ResourceId>,
    body: web::Json<AdoptionBody>,
) -> Result<HttpResponse, ApiError> {
    let request = NewAdoption {
        resource_id: path.into_inner(),
        adoption: body.into_inner(),
    };
    let adoption = state
        .bus
        .call::<AdoptResource>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(adoption))
}

/// Share a resource: a recommendation to a school of the same group.
///
/// R-11/M7: sharing with a school or group outside the group, or publishing into another
/// group, is refused with `brand_transfer_forbidden` (403: the rule forbids it whatever the
/// state). The refusal is kept on record — who, what, to whom, when — for
/// `GET /groups/{group_id}/brand-refusals`, and published as a `resource.export_refused`
/// event for the bureau's evaluation; a retry with the same `Idempotency-Key` gets the same
/// refusal and is not recorded twice.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "share_resource",
    params(
        ("resource_id" = ResourceId, Path, description = "Resource id"),
        IdempotencyKey,
    ),
    request_body = ShareBody,
    responses(
        (status = 201, description = "Shared inside the group", body = Share),
        (status = 403, description = "`brand_transfer_forbidden` (rule R-11): the target is outside the group; the attempt is recorded", body = ErrorBody),
        (status = 404, description = "No such resource for the caller", body = ErrorBody),
        InvalidInput, NoToken, DissolvedOrNotInGroup, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/resources/{resource_id}/shares")]
pub async fn share_resource(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<ResourceId>,
    body: web::Json<ShareBody>,
) -> Result<HttpResponse, ApiError> {
    let request = NewShare {
        resource_id: path.into_inner(),
        share: body.into_inner(),
    };
    let share = state
        .bus
        .call::<ShareResource>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(share))
}

list_params! {
    /// Which refused transfers to list.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct BrandRefusalListQuery {
        /// One resource's only.
        #[serde(default)]
        #[param(value_type = Option<String>, format = Uuid)]
        pub resource_id: Option<ResourceId>,
    }
}

/// The group's refused brand transfers (品牌违规拦截记录), newest first, with their total.
///
/// R-11 (invariant 17): every share of one of the group's resources with a school outside
/// the group, or into another group, is refused with `brand_transfer_forbidden` and kept
/// here: who asked (token subject, role, school), which resource (its title at the time), to
/// whom, when, the rule and the code. Read by the bureau of the group's county, that county's
/// auditors and the lead school's office.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_brand_refusals",
    params(("group_id" = GroupId, Path, description = "Group id"), BrandRefusalListQuery),
    responses(
        (status = 200, description = "Refused transfers, newest first, and how many there are", body = Page<BrandRefusal>),
        (status = 403, description = "`forbidden` (rule R-11): not the group's bureau, an auditor of its county or the lead school's office (e.g. a member school's office or a teacher)", body = ErrorBody),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/brand-refusals")]
pub async fn list_brand_refusals(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<BrandRefusalListQuery>,
) -> Result<web::Json<Page<BrandRefusal>>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    scope::can_read_brand_refusals(&caller, &group)?;
    let q = query.into_inner();
    let body = BrandRefusalQuery {
        group_id: group.id,
        resource_id: q.resource_id,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListBrandRefusals>(&caller.actor(), None, body)
            .await?,
    ))
}

/// Reuse of a group's library: adoptions per resource, per school (resources owned,
/// adoptions received — the lead school's reach, 辐射 — and adoptions made) and per subject.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "get_resource_reuse",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "Reuse figures", body = Reuse),
        NoToken, NoGroupForCaller, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/resource-reuse")]
pub async fn get_resource_reuse(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
) -> Result<web::Json<Reuse>, ApiError> {
    let body = ReuseQuery {
        group_id: path.into_inner(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetReuse>(&caller.actor(), None, body)
            .await?,
    ))
}
