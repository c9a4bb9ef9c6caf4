//! Schools (学校): the region's school directory.

use actix_web::{HttpResponse, get, post};
use edu_contracts::membership::{
    CreateSchool, GetSchool, ListSchools, NewSchool, Page, Paging, School, SchoolQuery, SchoolRef,
};
use edu_domain::{Problem, SchoolId};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{InvalidInput, NoToken, SchoolNotInRegion, Unavailable};
use crate::{AppState, scope};

/// Register a school (bureau, own region).
#[utoipa::path(
    tag = "schools",
    operation_id = "create_school",
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Registered", body = School),
        (status = 403, description = "Not the bureau of that region", body = ErrorBody),
        (status = 409, description = "`school_name_taken`", body = ErrorBody),
        InvalidInput, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/schools")]
pub async fn create_school(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    body: web::Json<NewSchool>,
) -> Result<HttpResponse, ApiError> {
    scope::bureau_of(&caller, &body.region)?;
    let school = state
        .bus
        .call::<CreateSchool>(&caller.actor(), key.0, body.into_inner())
        .await?;
    Ok(HttpResponse::Created().json(school))
}

/// List the schools of the caller's region.
#[utoipa::path(
    tag = "schools",
    operation_id = "list_schools",
    params(Paging),
    responses(
        (status = 200, description = "Schools of the caller's region", body = Page<School>),
        (status = 400, description = "Invalid paging", body = ErrorBody),
        NoToken,
    ),
    security(("bearer" = [])),
)]
#[get("/schools")]
pub async fn list_schools(
    state: web::Data<AppState>,
    caller: Caller,
    paging: web::Query<Paging>,
) -> Result<web::Json<Page<School>>, ApiError> {
    let query = SchoolQuery {
        region: Some(caller.0.region.clone()),
        ids: Vec::new(),
        paging: paging.into_inner(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListSchools>(&caller.actor(), None, query)
            .await?,
    ))
}

/// One school of the caller's region.
#[utoipa::path(
    tag = "schools",
    operation_id = "get_school",
    params(("school_id" = SchoolId, Path, description = "School id")),
    responses(
        (status = 200, description = "The school", body = School),
        NoToken, SchoolNotInRegion,
    ),
    security(("bearer" = [])),
)]
#[get("/schools/{school_id}")]
pub async fn get_school(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SchoolId>,
) -> Result<web::Json<School>, ApiError> {
    let school = state
        .bus
        .call::<GetSchool>(
            &caller.actor(),
            None,
            SchoolRef {
                school_id: path.into_inner(),
            },
        )
        .await?;
    if !scope::can_see_school(&caller, &school) {
        return Err(Problem::not_found("school", "学校").into());
    }
    Ok(web::Json(school))
}
