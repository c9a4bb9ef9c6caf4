//! The group's shared facilities (场馆, 实验室, 设施设备) and their race-free bookings.

use actix_web::{HttpResponse, get, post};
use edu_contracts::catalogue::{
    BookFacility, Booking, BookingBody, BookingQuery, Facility, FacilityQuery, ListBookings,
    ListFacilities, NewBooking, NewFacility, Page, RegisterFacility,
};
use edu_domain::{FacilityId, FacilityKind, GroupId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    DissolvedOrNotInGroup, InvalidInput, InvalidQuery, KeyReused, NoGroupForCaller, NoToken,
    NotGroupSchoolOffice, Unavailable,
};
use crate::routes::groups::refuse_if_dissolved;

/// A facility the caller's school offers to the group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFacilityRequest {
    #[schema(example = "物理实验室")]
    pub name: String,
    pub kind: FacilityKind,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// Offer a facility (lab, venue, equipment) of the caller's school to the group.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "create_facility",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    request_body = NewFacilityRequest,
    responses(
        (status = 201, description = "Registered", body = Facility),
        InvalidInput, NoToken, NotGroupSchoolOffice, NoGroupForCaller, DissolvedOrNotInGroup,
        KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/facilities")]
pub async fn create_facility(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewFacilityRequest>,
) -> Result<HttpResponse, ApiError> {
    let group_id = path.into_inner();
    refuse_if_dissolved(&state, &caller, group_id).await?;
    let b = body.into_inner();
    let request = NewFacility {
        group_id,
        name: b.name,
        kind: b.kind,
        description: b.description,
        capacity: b.capacity,
    };
    let facility = state
        .bus
        .call::<RegisterFacility>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(facility))
}

list_params! {
    /// Paging of a list.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct ListQuery {
    }
}

/// The group's shared facilities.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_facilities",
    params(("group_id" = GroupId, Path, description = "Group id"), ListQuery),
    responses(
        (status = 200, description = "Facilities", body = Page<Facility>),
        InvalidQuery, NoToken, NoGroupForCaller, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/facilities")]
pub async fn list_facilities(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Page<Facility>>, ApiError> {
    let body = FacilityQuery {
        group_id: path.into_inner(),
        paging: query.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListFacilities>(&caller.actor(), None, body)
            .await?,
    ))
}

/// Book a facility of the group for a time slot `[start, end)` (an office of a school of
/// the group). R-01: no double booking — of two simultaneous requests for overlapping slots
/// exactly one succeeds, the other gets `facility_already_booked`.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "create_booking",
    params(
        ("facility_id" = FacilityId, Path, description = "Facility id"),
        IdempotencyKey,
    ),
    request_body = BookingBody,
    responses(
        (status = 201, description = "Booked", body = Booking),
        (status = 400, description = "Invalid slot (empty, over 7 days, or over already)", body = ErrorBody),
        (status = 404, description = "No such facility for the caller", body = ErrorBody),
        (status = 409, description = "`facility_already_booked` (rule R-01), `group_dissolved`, `school_not_in_group`", body = ErrorBody),
        NoToken, NotGroupSchoolOffice, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/facilities/{facility_id}/bookings")]
pub async fn create_booking(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<FacilityId>,
    body: web::Json<BookingBody>,
) -> Result<HttpResponse, ApiError> {
    let request = NewBooking {
        facility_id: path.into_inner(),
        booking: body.into_inner(),
    };
    let booking = state
        .bus
        .call::<BookFacility>(&caller.actor(), key.0, request)
        .await?;
    Ok(HttpResponse::Created().json(booking))
}

/// A facility's bookings that have not ended yet, soonest first.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_bookings",
    params(("facility_id" = FacilityId, Path, description = "Facility id"), ListQuery),
    responses(
        (status = 200, description = "Bookings", body = Page<Booking>),
        (status = 404, description = "No such facility for the caller", body = ErrorBody),
        InvalidQuery, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/facilities/{facility_id}/bookings")]
pub async fn list_bookings(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<FacilityId>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<Page<Booking>>, ApiError> {
    let body = BookingQuery {
        facility_id: path.into_inner(),
        paging: query.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListBookings>(&caller.actor(), None, body)
            .await?,
    ))
}
