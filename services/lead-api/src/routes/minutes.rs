//! A council meeting's minutes: written by the lead school's office, circulated to the
//! attendees for amendment, published once and for all, then corrected only by linked records.

use actix_web::{HttpResponse, post, put};
use edu_contracts::council::{
    CirculateMinutes, CorrectMinutes, MeetingId, MeetingRef, Minutes, MinutesCorrection,
    MinutesDraft, PublishMinutes, WriteMinutes,
};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::responses::{
    InvalidInput, KeyReused, MeetingNotVisible, NoToken, NotLeadOffice, Unavailable,
};
use crate::routes::council::{run_meeting, visible_meeting};
use crate::{AppState, extract::web, scope};

/// Write the minutes: the lead school's office while a draft; while circulated, an
/// attendee's amendment naming its seat (the seat's school office or the lead office);
/// never once published (`minutes_published`).
#[utoipa::path(
    tag = "council",
    operation_id = "write_minutes",
    params(("meeting_id" = MeetingId, Path, description = "Meeting id")),
    request_body = MinutesDraft,
    responses(
        (status = 200, description = "The minutes", body = Minutes),
        (status = 403, description = "Not allowed to write these minutes", body = ErrorBody),
        (status = 409, description = "`minutes_published`, `minutes_state_invalid`, `seat_not_present`, `meeting_state_invalid`", body = ErrorBody),
        InvalidInput, NoToken, MeetingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/meetings/{meeting_id}/minutes")]
pub async fn write_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingId>,
    body: web::Json<MinutesDraft>,
) -> Result<web::Json<Minutes>, ApiError> {
    let (meeting, group) = visible_meeting(&state, &caller, path.into_inner()).await?;
    scope::open_for_changes(&group)?;
    let mut draft = body.into_inner();
    let seat_school = draft.seat_id.and_then(|seat| {
        meeting
            .attendance
            .iter()
            .find(|a| a.seat_id == seat)
            .map(|a| a.school_id)
    });
    match (draft.seat_id, seat_school) {
        (None, _) => scope::can_run_council(&caller, &group)?,
        (Some(_), Some(school)) => scope::can_amend_minutes(&caller, &group, school)?,
        // not a seat of the meeting: the service answers seat_not_present
        (Some(_), None) => scope::can_run_council(&caller, &group)?,
    }
    draft.meeting_id = meeting.id;
    Ok(web::Json(
        state
            .bus
            .call::<WriteMinutes>(&caller.actor(), None, draft)
            .await?,
    ))
}

/// Circulate draft minutes to the attendees for amendment (the lead school's office).
#[utoipa::path(
    tag = "council",
    operation_id = "circulate_minutes",
    params(("meeting_id" = MeetingId, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "Circulated", body = Minutes),
        (status = 409, description = "`minutes_state_invalid`, `minutes_published`", body = ErrorBody),
        NoToken, NotLeadOffice, MeetingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/meetings/{meeting_id}/minutes/circulate")]
pub async fn circulate_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingId>,
) -> Result<web::Json<Minutes>, ApiError> {
    minutes_step::<CirculateMinutes>(&state, &caller, path.into_inner()).await
}

/// Publish circulated minutes (the lead school's office); they never change afterwards.
#[utoipa::path(
    tag = "council",
    operation_id = "publish_minutes",
    params(("meeting_id" = MeetingId, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "Published", body = Minutes),
        (status = 409, description = "`minutes_state_invalid` (not circulated), `minutes_published`", body = ErrorBody),
        NoToken, NotLeadOffice, MeetingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/meetings/{meeting_id}/minutes/publish")]
pub async fn publish_minutes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingId>,
) -> Result<web::Json<Minutes>, ApiError> {
    minutes_step::<PublishMinutes>(&state, &caller, path.into_inner()).await
}

/// Correct published minutes with a new record linked to them (the lead school's office).
#[utoipa::path(
    tag = "council",
    operation_id = "create_minutes_correction",
    params(
        ("meeting_id" = MeetingId, Path, description = "Meeting id"),
        IdempotencyKey,
    ),
    request_body = MinutesCorrection,
    responses(
        (status = 201, description = "The minutes with the correction", body = Minutes),
        (status = 409, description = "`minutes_state_invalid` (not published)", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, MeetingNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/meetings/{meeting_id}/minutes/corrections")]
pub async fn create_minutes_correction(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<MeetingId>,
    body: web::Json<MinutesCorrection>,
) -> Result<HttpResponse, ApiError> {
    let (meeting, _) = run_meeting(&state, &caller, path.into_inner()).await?;
    let mut correction = body.into_inner();
    correction.meeting_id = meeting.id;
    let minutes = state
        .bus
        .call::<CorrectMinutes>(&caller.actor(), key.0, correction)
        .await?;
    Ok(HttpResponse::Created().json(minutes))
}

/// One step of the minutes' life (circulate, publish) on a meeting the lead office runs.
async fn minutes_step<Op>(
    state: &AppState,
    caller: &Caller,
    meeting: MeetingId,
) -> Result<web::Json<Minutes>, ApiError>
where
    Op: edu_contracts::Operation<Request = MeetingRef, Reply = Minutes>,
{
    let (meeting, _) = run_meeting(state, caller, meeting).await?;
    let r = MeetingRef {
        meeting_id: meeting.id,
    };
    Ok(web::Json(
        state.bus.call::<Op>(&caller.actor(), None, r).await?,
    ))
}
