//! The group's charter and development plan (集团章程、集团发展规划; G-14, L4, M2, G-01, G-07):
//! versions the lead school's office drafts and edits, the council adopts by its decision,
//! and each member school acknowledges once in force. The council service enforces the rules
//! (one draft of a kind, the decision that adopts, a final adopted version, who
//! acknowledges); this front checks who may see and do what.

use actix_web::{HttpResponse, get, post, put};
use edu_contracts::council::{
    AcknowledgeCharter, Acknowledgement, AdoptCharterVersion, CharterAcknowledgement,
    CharterAdoption, CharterDraft, CharterVersion, CharterVersionId, CharterVersionRef,
    DraftCharterVersion, EditCharterDraft, GetCharter, GetCharterVersion, GroupCharter, GroupScope,
    NewCharterVersion,
};
use edu_contracts::membership::Group;
use edu_domain::{ErrorCode, GroupId, Problem};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::responses::{
    CharterVersionNotVisible, GroupNotVisible, InvalidInput, KeyReused, NoToken, NotLeadOffice,
    Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, extract::web, scope};

/// A version and its group; 404 unless the caller sees the group.
async fn visible_version(
    state: &AppState,
    caller: &Caller,
    version_id: CharterVersionId,
) -> Result<(CharterVersion, Group), ApiError> {
    let version = state
        .bus
        .call::<GetCharterVersion>(&caller.actor(), None, CharterVersionRef { version_id })
        .await?;
    match visible_group(state, caller, version.group_id).await {
        Ok(group) => Ok((version, group)),
        Err(ApiError(p)) if p.code == ErrorCode::NotFound => {
            Err(Problem::not_found("charter version", "章程版本").into())
        }
        Err(e) => Err(e),
    }
}

/// A version of a group that still accepts changes, for a write.
async fn writable_version(
    state: &AppState,
    caller: &Caller,
    version_id: CharterVersionId,
) -> Result<(CharterVersion, Group), ApiError> {
    let (version, group) = visible_version(state, caller, version_id).await?;
    scope::open_for_changes(&group)?;
    Ok((version, group))
}

/// The group's charter and development plan: the versions in force (G-14, G-07), each with
/// every school of the group and whether it acknowledged the version (M2; the lead school's
/// acknowledgement is implied), and every version of both kinds, drafts too, newest first.
#[utoipa::path(
    tag = "council",
    operation_id = "get_group_charter",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "The charter and the development plan", body = GroupCharter),
        NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/charter")]
pub async fn get_group_charter(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
) -> Result<web::Json<GroupCharter>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let scope = GroupScope { group_id: group.id };
    Ok(web::Json(
        state
            .bus
            .call::<GetCharter>(&caller.actor(), None, scope)
            .await?,
    ))
}

/// Draft a new version of the charter or the development plan (the lead school's office,
/// G-14, L4): the next number of its kind. The plan carries its timetable and roadmap (G-01):
/// 1 to 100 milestones, each due on a day or in a school year (or one of its semesters),
/// with the school of the group responsible. Emits `charter.drafted`.
#[utoipa::path(
    tag = "council",
    operation_id = "draft_charter_version",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    request_body = NewCharterVersion,
    responses(
        (status = 201, description = "The draft", body = CharterVersion),
        (status = 400, description = "Invalid input (a plan without milestones, a charter with some, a milestone that does not say when)", body = ErrorBody),
        (status = 409, description = "`charter_draft_exists` (G-14: edit the draft of this kind, `details.version_id`), `school_not_in_group` (G-01: a milestone's school), `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/charter/versions")]
pub async fn draft_charter_version(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewCharterVersion>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_write_charter(&caller, &group)?;
    let mut new = body.into_inner();
    new.group_id = group.id;
    let version = state
        .bus
        .call::<DraftCharterVersion>(&caller.actor(), key.0, new)
        .await?;
    Ok(HttpResponse::Created().json(version))
}

/// One version of the charter or the development plan, with its milestones and the council
/// decision that adopted it.
#[utoipa::path(
    tag = "council",
    operation_id = "get_charter_version",
    params(("version_id" = CharterVersionId, Path, description = "Version id")),
    responses(
        (status = 200, description = "The version", body = CharterVersion),
        NoToken, CharterVersionNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/charter-versions/{version_id}")]
pub async fn get_charter_version(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<CharterVersionId>,
) -> Result<web::Json<CharterVersion>, ApiError> {
    let (version, _) = visible_version(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(version))
}

/// Edit a draft (the lead school's office): its whole text. An adopted version never changes
/// (G-14): a change is a new version. Emits `charter.edited` when the text changed.
#[utoipa::path(
    tag = "council",
    operation_id = "edit_charter_draft",
    params(("version_id" = CharterVersionId, Path, description = "Version id")),
    request_body = CharterDraft,
    responses(
        (status = 200, description = "The draft", body = CharterVersion),
        (status = 409, description = "`charter_version_final` (G-14: the version was adopted), `school_not_in_group` (G-01: a milestone's school), `group_dissolved` (X-02)", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, CharterVersionNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/charter-versions/{version_id}")]
pub async fn edit_charter_draft(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<CharterVersionId>,
    body: web::Json<CharterDraft>,
) -> Result<web::Json<CharterVersion>, ApiError> {
    let (version, group) = writable_version(&state, &caller, path.into_inner()).await?;
    scope::can_write_charter(&caller, &group)?;
    let mut draft = body.into_inner();
    draft.version_id = version.id;
    Ok(web::Json(
        state
            .bus
            .call::<EditCharterDraft>(&caller.actor(), None, draft)
            .await?,
    ))
}

/// Record the council's adoption of a draft (the lead school's office): the decision cited is
/// a passed motion of this group's council of category `charter` for the charter (G-14) or
/// `development_plan` for the plan (G-07), made no earlier than the day the draft last
/// changed, that adopted no other version. The version comes into force and supersedes the
/// one of its kind in force before. Emits `charter.adopted`.
#[utoipa::path(
    tag = "council",
    operation_id = "adopt_charter_version",
    params(
        ("version_id" = CharterVersionId, Path, description = "Version id"),
        IdempotencyKey,
    ),
    request_body = CharterAdoption,
    responses(
        (status = 200, description = "The version, in force", body = CharterVersion),
        (status = 409, description = "`council_decision_required` (G-14/G-07: `details.missing` is `decision_cited`, `decision`, `same_group`, `same_category`, `unused_decision` or `decided_on_this_text`; `details.needed` says what decision would do), `charter_already_adopted` (G-14), `group_dissolved` (X-02)", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, CharterVersionNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/charter-versions/{version_id}/adoption")]
pub async fn adopt_charter_version(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<CharterVersionId>,
    body: web::Json<CharterAdoption>,
) -> Result<web::Json<CharterVersion>, ApiError> {
    let (version, group) = writable_version(&state, &caller, path.into_inner()).await?;
    scope::can_write_charter(&caller, &group)?;
    let mut adoption = body.into_inner();
    adoption.version_id = version.id;
    Ok(web::Json(
        state
            .bus
            .call::<AdoptCharterVersion>(&caller.actor(), key.0, adoption)
            .await?,
    ))
}

/// Acknowledge the version in force for the caller's own member school (M2: 遵守集团章程).
/// Acknowledging it again answers the first acknowledgement. The lead school's
/// acknowledgement is implied. Emits `charter.acknowledged` once.
#[utoipa::path(
    tag = "council",
    operation_id = "acknowledge_charter_version",
    params(
        ("version_id" = CharterVersionId, Path, description = "Version id"),
        IdempotencyKey,
    ),
    responses(
        (status = 201, description = "The school's acknowledgement", body = Acknowledgement),
        (status = 403, description = "Not a member school's office", body = ErrorBody),
        (status = 409, description = "`charter_version_not_in_force` (M2: a draft or a superseded version; `details.in_force_version_id`), `not_a_member` (M2), `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, CharterVersionNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/charter-versions/{version_id}/acknowledgements")]
pub async fn acknowledge_charter_version(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<CharterVersionId>,
) -> Result<HttpResponse, ApiError> {
    let (version, _) = writable_version(&state, &caller, path.into_inner()).await?;
    let school = scope::can_acknowledge_charter(&caller)?;
    let ack = CharterAcknowledgement {
        version_id: version.id,
        school_id: school,
    };
    let ack = state
        .bus
        .call::<AcknowledgeCharter>(&caller.actor(), key.0, ack)
        .await?;
    Ok(HttpResponse::Created().json(ack))
}
