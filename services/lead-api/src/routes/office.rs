//! The group's own administration (S3 §二(二)): the management office at the lead school
//! (G-10, G-11), the lead school's recommendations about member schools' leaders, which the
//! bureau decides (G-12), and member principals appointed vice-principal of the lead school
//! outside its quota (G-13). The rules are the membership service's; who may act is here.

use actix_web::{HttpResponse, get, post};
use edu_contracts::membership::GroupRef;
use edu_contracts::office::{
    AppointOfficer, AppointmentEnd, CrossAppointment, DecideLeaderRecommendation,
    EndCrossAppointment, EndOfficeAppointment, GetOffice, LeaderRecommendation,
    LeaderRecommendationId, LeaderVerdict, NewCrossAppointment, NewLeaderRecommendation,
    NewOfficeAppointment, Office, OfficeAppointment, RecommendLeader, RecordCrossAppointment,
};
use edu_domain::GroupId;
use uuid::Uuid;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupNotVisible, InvalidInput, KeyReused, NoToken, NotLeadOffice, OnlyGroupBureau, Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, scope};

/// The group's administration: the office in post (one director, up to two deputies,
/// G-10/G-11) and its history, the member principals who are vice-principals of the lead
/// school (G-13) and the leader recommendations the caller may read (G-12: the lead office,
/// the bureau and auditors all; a member school's office its own; others none).
#[utoipa::path(
    tag = "office",
    operation_id = "get_office",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "The office, its history, cross-appointments and recommendations", body = Office),
        NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/office")]
pub async fn get_office(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
) -> Result<web::Json<Office>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let mut office = state
        .bus
        .call::<GetOffice>(&caller.actor(), None, GroupRef { group_id: group.id })
        .await?;
    match scope::leader_recommendations_for(&caller, &group) {
        Some(None) => {}
        Some(Some(school)) => office.recommendations.retain(|r| r.school_id == school),
        None => office.recommendations.clear(),
    }
    Ok(web::Json(office))
}

/// Appoint a person of the lead school to the group's office (G-10): the lead school's
/// office. A new director takes over from the one in post that day; a third deputy is
/// refused (`office_full`, G-11).
#[utoipa::path(
    tag = "office",
    operation_id = "create_office_appointment",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = NewOfficeAppointment,
    responses(
        (status = 201, description = "Appointed", body = OfficeAppointment),
        (status = 409, description = "`office_full` (G-11), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/office/appointments")]
pub async fn create_office_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewOfficeAppointment>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_run_office(&caller, &group)?;
    let request = NewOfficeAppointment {
        group_id: group.id,
        ..body.into_inner()
    };
    let appointed = state
        .bus
        .call::<AppointOfficer>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(appointed))
}

/// End an office appointment (G-10): the lead school's office.
#[utoipa::path(
    tag = "office",
    operation_id = "end_office_appointment",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("appointment_id" = Uuid, Path, description = "Appointment id"),
        IdempotencyKey,
    ),
    request_body = AppointmentEnd,
    responses(
        (status = 200, description = "Ended", body = OfficeAppointment),
        (status = 409, description = "`appointment_state_invalid` (ended already), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/office/appointments/{appointment_id}/end")]
pub async fn end_office_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(GroupId, Uuid)>,
    body: web::Json<AppointmentEnd>,
) -> Result<web::Json<OfficeAppointment>, ApiError> {
    let (group_id, appointment_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_run_office(&caller, &group)?;
    let request = AppointmentEnd {
        group_id,
        appointment_id,
        ..body.into_inner()
    };
    Ok(web::Json(
        state
            .bus
            .call::<EndOfficeAppointment>(&caller.actor(), key.0, request)
            .await?,
    ))
}

/// Record a member school's principal appointed vice-principal of the lead school (G-13):
/// the lead school's office. The post does not count against the lead's quota of
/// school-level leaders.
#[utoipa::path(
    tag = "office",
    operation_id = "create_cross_appointment",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = NewCrossAppointment,
    responses(
        (status = 201, description = "Recorded", body = CrossAppointment),
        (status = 409, description = "`not_a_member`, `appointment_state_invalid` (one in post already), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/cross-appointments")]
pub async fn create_cross_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewCrossAppointment>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_run_office(&caller, &group)?;
    let request = NewCrossAppointment {
        group_id: group.id,
        ..body.into_inner()
    };
    let recorded = state
        .bus
        .call::<RecordCrossAppointment>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(recorded))
}

/// End a cross-appointment (G-13): the lead school's office.
#[utoipa::path(
    tag = "office",
    operation_id = "end_cross_appointment",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("appointment_id" = Uuid, Path, description = "Cross-appointment id"),
        IdempotencyKey,
    ),
    request_body = AppointmentEnd,
    responses(
        (status = 200, description = "Ended", body = CrossAppointment),
        (status = 409, description = "`appointment_state_invalid` (ended already), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/cross-appointments/{appointment_id}/end")]
pub async fn end_cross_appointment(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(GroupId, Uuid)>,
    body: web::Json<AppointmentEnd>,
) -> Result<web::Json<CrossAppointment>, ApiError> {
    let (group_id, appointment_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_run_office(&caller, &group)?;
    let request = AppointmentEnd {
        group_id,
        appointment_id,
        ..body.into_inner()
    };
    Ok(web::Json(
        state
            .bus
            .call::<EndCrossAppointment>(&caller.actor(), key.0, request)
            .await?,
    ))
}

/// Recommend appointing or removing a member school's leader (G-12: 任免建议权): the lead
/// school's office. The bureau decides.
#[utoipa::path(
    tag = "office",
    operation_id = "create_leader_recommendation",
    params(("group_id" = GroupId, Path, description = "Group id"), IdempotencyKey),
    request_body = NewLeaderRecommendation,
    responses(
        (status = 201, description = "Recommended; waiting for the bureau", body = LeaderRecommendation),
        (status = 409, description = "`not_a_member`, `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/leader-recommendations")]
pub async fn create_leader_recommendation(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewLeaderRecommendation>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_recommend_leader(&caller, &group)?;
    let request = NewLeaderRecommendation {
        group_id: group.id,
        ..body.into_inner()
    };
    let recommended = state
        .bus
        .call::<RecommendLeader>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(recommended))
}

/// Accept or reject a leader recommendation (G-12): the group's bureau, once.
#[utoipa::path(
    tag = "office",
    operation_id = "decide_leader_recommendation",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("recommendation_id" = LeaderRecommendationId, Path, description = "Recommendation id"),
        IdempotencyKey,
    ),
    request_body = LeaderVerdict,
    responses(
        (status = 200, description = "Decided", body = LeaderRecommendation),
        (status = 409, description = "`recommendation_state_invalid` (decided already), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, OnlyGroupBureau, GroupNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/leader-recommendations/{recommendation_id}/decision")]
pub async fn decide_leader_recommendation(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(GroupId, LeaderRecommendationId)>,
    body: web::Json<LeaderVerdict>,
) -> Result<web::Json<LeaderRecommendation>, ApiError> {
    let (group_id, recommendation_id) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_decide_leader(&caller, &group)?;
    let verdict = LeaderVerdict {
        group_id,
        recommendation_id,
        ..body.into_inner()
    };
    Ok(web::Json(
        state
            .bus
            .call::<DecideLeaderRecommendation>(&caller.actor(), key.0, verdict)
            .await?,
    ))
}
