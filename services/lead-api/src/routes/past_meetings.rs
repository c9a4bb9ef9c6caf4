//! A group's past council meetings (理事会会议 held before this system), loaded by the bureau
//! with their real dates. The council service judges every entry; this front checks who may
//! load them.

use actix_web::{HttpResponse, post};
use edu_contracts::council::{LoadPastMeetings, PastMeetings, PastMeetingsLoaded};
use edu_domain::GroupId;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{KeyReused, NoToken, TooLarge, Unavailable};
use crate::routes::groups::writable_group;
use crate::{AppState, scope};

/// Load a group's past council meetings with their real dates (the bureau of the group's
/// county).
///
/// Each entry meets the rules a live meeting meets, as far as they apply to a meeting already
/// held: held on or after the group's plaque date and no later than today (G-06), every
/// school present in the group on that day (G-02, by the admissions and exits membership
/// recorded, with their real dates), the texts within the live limits. The meeting's seats
/// are the schools in the group that day, one each, and its quorum is computed as for a live
/// attendance. The first entry that fails refuses the whole load, nothing is written, and
/// `details.entry` names it (`row`, 0-based, and `date`). Each meeting is stored as held,
/// with its minutes published when a summary is given, and emits `meeting.held` with its real
/// day, so the monthly cadence (G-06), the yearly meetings (G-15, V-06) and the evaluation
/// count it.
#[utoipa::path(
    tag = "council",
    operation_id = "import_past_meetings",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    request_body = PastMeetings,
    responses(
        (status = 201, description = "Loaded: the meetings as the group's meeting list shows them", body = PastMeetingsLoaded),
        (status = 400, description = "`validation_failed`: 1 to 200 meetings; a title of 1–100 characters, a place of up to 200, a minutes summary of 1–20000, at most 100 schools present (the entry in `details.entry`)", body = ErrorBody),
        (status = 403, description = "Not the bureau of the group's county", body = ErrorBody),
        (status = 404, description = "No such group visible to the caller, or its council not known yet", body = ErrorBody),
        (status = 409, description = "For the entry in `details.entry`: `meeting_state_invalid` (G-06: held after today, or before the plaque date), `school_not_in_group` (G-02: a school present was not in the group that day; `details.school_id`); for the whole load: `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, TooLarge, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/meetings/import")]
pub async fn import_past_meetings(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<PastMeetings>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_load_past_meetings(&caller, &group)?;
    let mut past = body.into_inner();
    past.group_id = group.id;
    let loaded = state
        .bus
        .call::<LoadPastMeetings>(&caller.actor(), key.0, past)
        .await?;
    Ok(HttpResponse::Created().json(loaded))
}
