//! Trainings the lead school delivers to the group (E-05, E-06), teachers' yearly training
//! hours (E-19) and the members' shadowing coverage over three years (E-09).

use actix_web::{HttpResponse, get, post};
use chrono::NaiveDate;
use edu_contracts::rotation::{
    CoverageQuery, GetShadowingCoverage, GetTrainingHours, HoursQuery, ListTrainings, NewTraining,
    RecordTraining, ShadowingCoverage, Training, TrainingHours, TrainingList, TrainingQuery,
};
use edu_domain::{GroupId, SchoolId, SchoolYear, Semester, TeacherId, TrainingKind};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupDissolved, GroupNotVisible, InvalidQuery, KeyReused, NoToken, RosterNotAllowed,
    SchoolNotVisible, Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::routes::teachers::readable_school;
use crate::{AppState, scope};

/// A training or teaching showcase the lead school held for the group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrainingRequest {
    pub kind: TrainingKind,
    #[schema(example = "初中数学大单元教学设计")]
    pub title: String,
    /// The subject group (E-06 showcases are organised by subject).
    #[serde(default)]
    #[schema(example = "数学")]
    pub subject: Option<String>,
    pub held_on: NaiveDate,
    /// 学时 credited to each participant (E-19: 72 a year).
    #[schema(minimum = 1, maximum = 200, example = 8)]
    pub hours: u16,
    /// Teachers of the group's schools who took part (1 to 2000).
    pub participant_ids: Vec<TeacherId>,
}

/// Record a training or showcase (the lead school's office, or the group's bureau).
///
/// E-05: each semester the lead school delivers subject, special and induction training to
/// member staff; E-06: a teaching showcase by subject group. The school year and semester
/// follow from `held_on` (August counts for the coming autumn); every participant is
/// credited `hours` towards E-19's 72 a year.
#[utoipa::path(
    tag = "training",
    operation_id = "record_training",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    responses(
        (status = 201, description = "Recorded", body = Training),
        (status = 400, description = "Invalid input, or a participant who is not a teacher of the group's schools", body = ErrorBody),
        (status = 403, description = "Not the group's lead school or its bureau", body = ErrorBody),
        NoToken, GroupNotVisible, GroupDissolved, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/trainings")]
pub async fn record_training(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewTrainingRequest>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_record_training(&caller, &group)?;
    let NewTrainingRequest {
        kind,
        title,
        subject,
        held_on,
        hours,
        participant_ids,
    } = body.into_inner();
    let new = NewTraining {
        group_id: group.id,
        kind,
        title,
        subject,
        held_on,
        hours,
        participant_ids,
    };
    let training = state
        .bus
        .call::<RecordTraining>(&caller.actor(), key.0, new)
        .await?;
    Ok(HttpResponse::Created().json(training))
}

/// Which school year's trainings, optionally one semester.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrainingListQuery {
    /// The school year, by its first calendar year.
    #[param(value_type = i32, example = 2025)]
    pub year: SchoolYear,
    /// Only this semester (default both).
    pub semester: Option<Semester>,
}

/// The group's trainings of a school year, and per semester the E-05/E-06 kinds held and
/// still missing.
#[utoipa::path(
    tag = "training",
    operation_id = "list_trainings",
    params(("group_id" = GroupId, Path, description = "Group id"), TrainingListQuery),
    responses(
        (status = 200, description = "Trainings and the kinds held and missing per semester", body = TrainingList),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/trainings")]
pub async fn list_trainings(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<TrainingListQuery>,
) -> Result<web::Json<TrainingList>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = query.into_inner();
    let query = TrainingQuery {
        group_id: group.id,
        school_year: q.year,
        semester: q.semester,
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListTrainings>(&caller.actor(), None, query)
            .await?,
    ))
}

/// A school year.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HoursParams {
    /// The school year, by its first calendar year.
    #[param(value_type = i32, example = 2025)]
    pub year: SchoolYear,
}

/// E-19: each teacher's training hours in a school year against 72 (whoever may read the
/// school's roster).
#[utoipa::path(
    tag = "training",
    operation_id = "get_training_hours",
    params(("school_id" = SchoolId, Path, description = "School id"), HoursParams),
    responses(
        (status = 200, description = "Hours per teacher and the share who reached 72", body = TrainingHours),
        InvalidQuery, NoToken, RosterNotAllowed, SchoolNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/schools/{school_id}/training-hours")]
pub async fn get_training_hours(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SchoolId>,
    query: web::Query<HoursParams>,
) -> Result<web::Json<TrainingHours>, ApiError> {
    let school = readable_school(&state, &caller, path.into_inner()).await?;
    let query = HoursQuery {
        school_id: school.id,
        school_year: query.into_inner().year,
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetTrainingHours>(&caller.actor(), None, query)
            .await?,
    ))
}

/// Up to which day.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// The rolling three years end on this day (default today).
    #[param(example = "2026-06-30")]
    pub as_of: Option<NaiveDate>,
}

/// E-09: the member schools' managers and subject teachers who shadowed at the lead school
/// within the rolling three years, and those who have not yet.
#[utoipa::path(
    tag = "training",
    operation_id = "get_shadowing_coverage",
    params(("group_id" = GroupId, Path, description = "Group id"), CoverageParams),
    responses(
        (status = 200, description = "Coverage and the staff not yet shadowed", body = ShadowingCoverage),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/shadowing-coverage")]
pub async fn get_shadowing_coverage(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<CoverageParams>,
) -> Result<web::Json<ShadowingCoverage>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let query = CoverageQuery {
        group_id: group.id,
        as_of: query.into_inner().as_of,
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetShadowingCoverage>(&caller.actor(), None, query)
            .await?,
    ))
}
