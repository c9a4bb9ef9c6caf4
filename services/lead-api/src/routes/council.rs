//! The council (理事会, RULES.md §2): its seats, meetings, attendance, motions and votes,
//! the monthly and yearly cadence (G-06, G-15, V-06, M2), the G-09 decision query, and an
//! iCalendar of the meetings; the minutes are in `minutes`, the quarterly written report to
//! the bureau (G-08) in `reports` and its printable document in `council_report`. The
//! council service enforces the rules; this front checks who may see and do what.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post, put};
use chrono::{NaiveDate, Utc};
use edu_contracts::council::{
    Attendance, Ballot, Cadence, CadenceQuery, CastVotes, Council, CouncilComposition, Decision,
    DecisionCategory, DecisionQuery, FindDecisions, GetCadence, GetCouncil, GetMeeting, GetMotion,
    GroupScope, ListMeetings, Meeting, MeetingId, MeetingKind, MeetingQuery, MeetingRef, Motion,
    MotionId, MotionRef, NewMeeting, NewMotion, Page, Paging, ProposeMotion, RecordAttendance,
    ScheduleMeeting, SetCouncil,
};
use edu_contracts::membership::Group;
use edu_domain::{ErrorCode, GroupId, Problem, SchoolId};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::responses::{
    GroupDissolved, GroupNotVisible, InvalidInput, InvalidQuery, KeyReused, MeetingNotVisible,
    NoToken, NotLeadOffice, Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, extract::web, ics, scope};

/// A meeting and its group; 404 unless the caller sees the group.
pub(crate) async fn visible_meeting(
    state: &AppState,
    caller: &Caller,
    meeting_id: MeetingId,
) -> Result<(Meeting, Group), ApiError> {
    let meeting = state
        .bus
        .call::<GetMeeting>(&caller.actor(), None, MeetingRef { meeting_id })
        .await?;
    match visible_group(state, caller, meeting.group_id).await {
        Ok(group) => Ok((meeting, group)),
        Err(ApiError(p)) if p.code == ErrorCode::NotFound => {
            Err(Problem::not_found("meeting", "会议").into())
        }
        Err(e) => Err(e),
    }
}

/// A meeting the caller's lead office runs, of a group that still accepts changes.
pub(crate) async fn run_meeting(
    state: &AppState,
    caller: &Caller,
    meeting_id: MeetingId,
) -> Result<(Meeting, Group), ApiError> {
    let (meeting, group) = visible_meeting(state, caller, meeting_id).await?;
    scope::open_for_changes(&group)?;
    scope::can_run_council(caller, &group)?;
    Ok((meeting, group))
}

/// The group's council: its seats now, and what it still lacks.
#[utoipa::path(
    tag = "council",
    operation_id = "get_council",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "The council", body = Council),
        NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/council")]
pub async fn get_council(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
) -> Result<web::Json<Council>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let scope = GroupScope { group_id: group.id };
    Ok(web::Json(
        state
            .bus
            .call::<GetCouncil>(&caller.actor(), None, scope)
            .await?,
    ))
}

/// Set the council's composition (the lead school's office, for the chair, G-05).
///
/// The whole council: the chair is the lead school's principal (G-03), the vice-chairs
/// are the member schools' principals (G-04) — the council keeps both in step with
/// membership —, one secretary-general and any directors (G-05), every holder a
/// school-level leader of an active school of the group (G-02). Seats that stay keep their id.
#[utoipa::path(
    tag = "council",
    operation_id = "set_council",
    params(("group_id" = GroupId, Path, description = "Group id")),
    request_body = CouncilComposition,
    responses(
        (status = 200, description = "The council", body = Council),
        (status = 422, description = "`chair_must_be_lead_principal` (G-03), `vice_chair_must_be_member_principal` (G-04), `secretary_general_required` (G-05), `seat_holder_not_in_group` (G-02)", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, GroupNotVisible, GroupDissolved, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[put("/groups/{group_id}/council")]
pub async fn set_council(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    body: web::Json<CouncilComposition>,
) -> Result<web::Json<Council>, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_run_council(&caller, &group)?;
    let mut composition = body.into_inner();
    composition.group_id = group.id;
    Ok(web::Json(
        state
            .bus
            .call::<SetCouncil>(&caller.actor(), None, composition)
            .await?,
    ))
}

/// A group's year of council meetings: G-06 per month, G-15/V-06 per year.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearParams {
    #[param(example = 2026)]
    pub year: i32,
}

/// The council's cadence in a year: for each month whether it met (G-06), and whether the
/// planning meeting, the annual summary meeting and a results showcase were held (G-15,
/// V-06) with which member schools attended them (M2).
#[utoipa::path(
    tag = "council",
    operation_id = "get_council_cadence",
    params(("group_id" = GroupId, Path, description = "Group id"), YearParams),
    responses(
        (status = 200, description = "The cadence", body = Cadence),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/council/cadence")]
pub async fn get_council_cadence(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<YearParams>,
) -> Result<web::Json<Cadence>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = CadenceQuery {
        group_id: group.id,
        year: query.year,
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetCadence>(&caller.actor(), None, q)
            .await?,
    ))
}

/// Schedule (or record) a meeting with its ordered agenda (the lead school's office).
#[utoipa::path(
    tag = "council",
    operation_id = "create_meeting",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    request_body = NewMeeting,
    responses(
        (status = 201, description = "Scheduled", body = Meeting),
        (status = 400, description = "Invalid input (a place or an online link is required)", body = ErrorBody),
        NoToken, NotLeadOffice, GroupNotVisible, GroupDissolved, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/meetings")]
pub async fn create_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewMeeting>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_run_council(&caller, &group)?;
    let mut new = body.into_inner();
    new.group_id = group.id;
    let meeting = state
        .bus
        .call::<ScheduleMeeting>(&caller.actor(), key.0, new)
        .await?;
    Ok(HttpResponse::Created().json(meeting))
}

list_params! {
    /// Meeting filters.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct MeetingListParams {
        /// Meetings on days of this calendar year.
        #[param(example = 2026)]
        pub year: Option<i32>,
        pub kind: Option<MeetingKind>,
    }
}

/// The group's meetings, with agenda, attendance, quorum, motions and minutes.
#[utoipa::path(
    tag = "council",
    operation_id = "list_meetings",
    params(("group_id" = GroupId, Path, description = "Group id"), MeetingListParams),
    responses(
        (status = 200, description = "Meetings", body = Page<Meeting>),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<MeetingListParams>,
) -> Result<web::Json<Page<Meeting>>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = query.into_inner();
    let query = MeetingQuery {
        group_id: group.id,
        year: q.year,
        kind: q.kind,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListMeetings>(&caller.actor(), None, query)
            .await?,
    ))
}

/// The group's meetings as an iCalendar file (Outlook, 钉钉, 企业微信): timed events in UTC
/// from their Beijing start, all-day events otherwise; UID `meeting-<id>@edugroup`.
#[utoipa::path(
    tag = "council",
    operation_id = "export_meetings_calendar",
    params(("group_id" = GroupId, Path, description = "Group id"), CalendarParams),
    responses(
        (status = 200, description = "The meetings, RFC 5545", content_type = "text/calendar", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"meetings-<group_id>.ics\""))),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/meetings.ics")]
pub async fn export_meetings_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<CalendarParams>,
) -> Result<HttpResponse, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let mut query = MeetingQuery {
        group_id: group.id,
        year: query.year,
        kind: None,
        paging: Paging::largest_from(0),
    };
    let mut meetings = Vec::new();
    loop {
        let page = state
            .bus
            .call::<ListMeetings>(&caller.actor(), None, query.clone())
            .await?;
        let got = page.items.len();
        meetings.extend(page.items);
        if got < usize::from(query.paging.limit)
            || i64::try_from(meetings.len()).unwrap_or(i64::MAX) >= page.total
        {
            break;
        }
        query.paging.offset = query
            .paging
            .offset
            .saturating_add(u32::try_from(got).unwrap_or(u32::MAX));
    }
    let name = format!("{} 理事会", group.name);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "meetings-{}.ics",
                group.id
            ))],
        })
        .body(ics::meetings_calendar(&name, &meetings, Utc::now())))
}

/// Which year of meetings goes into the calendar.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarParams {
    /// Only this calendar year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
}

/// One meeting with its agenda, attendance, quorum, motions and minutes.
#[utoipa::path(
    tag = "council",
    operation_id = "get_meeting",
    params(("meeting_id" = MeetingId, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting", body = Meeting),
        NoToken, MeetingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/meetings/{meeting_id}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingId>,
) -> Result<web::Json<Meeting>, ApiError> {
    let (meeting, _) = visible_meeting(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(meeting))
}

/// Record who was present (the lead school's office); every other seat was absent. The
/// first recording makes the meeting held (`meeting.held`); quorum follows from it.
#[utoipa::path(
    tag = "council",
    operation_id = "record_attendance",
    params(("meeting_id" = MeetingId, Path, description = "Meeting id")),
    request_body = Attendance,
    responses(
        (status = 200, description = "The meeting with its attendance and quorum", body = Meeting),
        (status = 400, description = "Invalid input (a seat not of this council)", body = ErrorBody),
        (status = 409, description = "`meeting_state_invalid` (day not come, votes cast), `minutes_published`, `group_dissolved`", body = ErrorBody),
        NoToken, NotLeadOffice, MeetingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/meetings/{meeting_id}/attendance")]
pub async fn record_attendance(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MeetingId>,
    body: web::Json<Attendance>,
) -> Result<web::Json<Meeting>, ApiError> {
    let (meeting, _) = run_meeting(&state, &caller, path.into_inner()).await?;
    let mut attendance = body.into_inner();
    attendance.meeting_id = meeting.id;
    Ok(web::Json(
        state
            .bus
            .call::<RecordAttendance>(&caller.actor(), None, attendance)
            .await?,
    ))
}

/// Put a motion to a held meeting (the lead school's office). A member school's major
/// matter names the school and is a major decision (G-09).
#[utoipa::path(
    tag = "council",
    operation_id = "create_motion",
    params(
        ("meeting_id" = MeetingId, Path, description = "Meeting id"),
        IdempotencyKey,
    ),
    request_body = NewMotion,
    responses(
        (status = 201, description = "Open for votes", body = Motion),
        (status = 409, description = "`meeting_state_invalid` (not held), `minutes_published`, `school_not_in_group` (G-09), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, NotLeadOffice, MeetingNotVisible, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/meetings/{meeting_id}/motions")]
pub async fn create_motion(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<MeetingId>,
    body: web::Json<NewMotion>,
) -> Result<HttpResponse, ApiError> {
    let (meeting, _) = run_meeting(&state, &caller, path.into_inner()).await?;
    let mut motion = body.into_inner();
    motion.meeting_id = meeting.id;
    let motion = state
        .bus
        .call::<ProposeMotion>(&caller.actor(), key.0, motion)
        .await?;
    Ok(HttpResponse::Created().json(motion))
}

/// A motion and its group; 404 unless the caller sees the group.
async fn visible_motion(
    state: &AppState,
    caller: &Caller,
    motion_id: MotionId,
) -> Result<(Motion, Group), ApiError> {
    let motion = state
        .bus
        .call::<GetMotion>(&caller.actor(), None, MotionRef { motion_id })
        .await?;
    match visible_group(state, caller, motion.group_id).await {
        Ok(group) => Ok((motion, group)),
        Err(ApiError(p)) if p.code == ErrorCode::NotFound => {
            Err(Problem::not_found("motion", "议案").into())
        }
        Err(e) => Err(e),
    }
}

/// One motion with its votes and tally.
#[utoipa::path(
    tag = "council",
    operation_id = "get_motion",
    params(("motion_id" = MotionId, Path, description = "Motion id")),
    responses(
        (status = 200, description = "The motion", body = Motion),
        (status = 404, description = "No such motion visible to the caller", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/motions/{motion_id}")]
pub async fn get_motion(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MotionId>,
) -> Result<web::Json<Motion>, ApiError> {
    let (motion, _) = visible_motion(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(motion))
}

/// Record the votes of present seats (the lead school's office): yes, no, abstain, or
/// recused with a reason. Refused without quorum (by default a majority of the seats and
/// every school represented). Once every present seat has voted, the service computes the
/// result; a passed motion becomes a decision (`decision.recorded`).
#[utoipa::path(
    tag = "council",
    operation_id = "cast_votes",
    params(("motion_id" = MotionId, Path, description = "Motion id")),
    request_body = Ballot,
    responses(
        (status = 200, description = "The motion with its tally (and result once closed)", body = Motion),
        (status = 400, description = "Invalid input (a recusal without a reason, a seat twice)", body = ErrorBody),
        (status = 404, description = "No such motion visible to the caller", body = ErrorBody),
        (status = 409, description = "`quorum_not_met`, `seat_not_present`, `already_voted`, `motion_closed`, `group_dissolved`", body = ErrorBody),
        NoToken, NotLeadOffice, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/motions/{motion_id}/votes")]
pub async fn cast_votes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<MotionId>,
    body: web::Json<Ballot>,
) -> Result<web::Json<Motion>, ApiError> {
    let (motion, group) = visible_motion(&state, &caller, path.into_inner()).await?;
    scope::open_for_changes(&group)?;
    scope::can_run_council(&caller, &group)?;
    let mut ballot = body.into_inner();
    ballot.motion_id = motion.id;
    Ok(web::Json(
        state
            .bus
            .call::<CastVotes>(&caller.actor(), None, ballot)
            .await?,
    ))
}

list_params! {
    /// G-09 filters: "is there a decision of category X about school S?"
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct DecisionParams {
        pub category: Option<DecisionCategory>,
        /// Decisions about this school.
        pub school_id: Option<SchoolId>,
        pub major: Option<bool>,
        #[param(example = "2026-01-01")]
        pub from: Option<NaiveDate>,
        #[param(example = "2026-03-31")]
        pub to: Option<NaiveDate>,
    }
}

/// The council's decisions (G-07); with `category=member_major_matter&school_id=…` the
/// answer to "did the council decide this member school's major matter?" (G-09).
#[utoipa::path(
    tag = "council",
    operation_id = "list_decisions",
    params(("group_id" = GroupId, Path, description = "Group id"), DecisionParams),
    responses(
        (status = 200, description = "Decisions", body = Page<Decision>),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/decisions")]
pub async fn list_decisions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<DecisionParams>,
) -> Result<web::Json<Page<Decision>>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = query.into_inner();
    let query = DecisionQuery {
        group_id: Some(group.id),
        category: q.category,
        subject_school_id: q.school_id,
        major: q.major,
        from: q.from,
        to: q.to,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<FindDecisions>(&caller.actor(), None, query)
            .await?,
    ))
}
