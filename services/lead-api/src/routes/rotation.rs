//! Teacher rotation (交流轮岗, RULES.md §3): postings between the schools of a group and the
//! E-08 figures of a group or a county; school rosters are in `teachers`.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, post};
use chrono::{NaiveDate, Utc};
use edu_contracts::membership::{Group, Page, Paging};
use edu_contracts::rotation::{
    CancelPosting, Compliance, ComplianceQuery, ConfirmPosting, EndPosting, GetCompliance,
    GetPosting, ListPostings, LoadPastPostings, NewPosting, PastPosting, PastPostings,
    PastPostingsLoaded, Posting, PostingClosure, PostingQuery, PostingRef, ProposePosting, Scope,
    Term,
};
use edu_domain::{
    ErrorCode, GroupId, PostingId, PostingKind, Problem, RegionCode, SchoolId, SchoolYear,
    TeacherId,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{
    GroupNotVisible, InvalidInput, InvalidQuery, KeyReused, NoToken, PostingNotVisible, TooLarge,
    Unavailable,
};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, ics, scope};

/// Fetches a posting and the group it belongs to; 404 unless the caller sees the group.
pub(crate) async fn visible_posting(
    state: &AppState,
    caller: &Caller,
    posting_id: PostingId,
) -> Result<(Posting, Group), ApiError> {
    let posting = state
        .bus
        .call::<GetPosting>(&caller.actor(), None, PostingRef { posting_id })
        .await?;
    match visible_group(state, caller, posting.group_id).await {
        Ok(group) => Ok((posting, group)),
        Err(ApiError(p)) if p.code == ErrorCode::NotFound => {
            Err(Problem::not_found("posting", "交流任职记录").into())
        }
        Err(e) => Err(e),
    }
}

/// A posting proposed in a group; the sending school is the teacher's home school.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPostingRequest {
    pub teacher_id: TeacherId,
    /// The receiving school.
    pub to_school_id: SchoolId,
    pub kind: PostingKind,
    pub term: Term,
    /// The post held at the host school, e.g. 副校长 or 初二数学.
    #[schema(example = "教务处副主任")]
    pub host_post: String,
}

/// Propose a posting (group's bureau, lead office, or a member school's office).
///
/// 挂职 (secondment) and 任职 (post_holding) go lead → member (E-02), 跟岗 (shadowing)
/// member → lead (E-03); the teacher keeps status and payroll at the home school (E-04).
/// The receiving school confirms it.
#[utoipa::path(
    tag = "rotation",
    operation_id = "create_posting",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    responses(
        (status = 201, description = "Proposed", body = Posting),
        (status = 403, description = "Not the group's bureau or one of its schools' offices", body = ErrorBody),
        (status = 404, description = "Group or teacher not found", body = ErrorBody),
        (status = 409, description = "`posting_direction_invalid` (E-02/E-03), `posting_overlaps`, `school_not_in_group`, `posting_kind_disabled` (E-12/E-15), `group_dissolved`", body = ErrorBody),
        InvalidInput, NoToken, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/postings")]
pub async fn create_posting(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<NewPostingRequest>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_propose_posting(&caller, &group)?;
    let NewPostingRequest {
        teacher_id,
        to_school_id,
        kind,
        term,
        host_post,
    } = body.into_inner();
    let new = NewPosting {
        group_id: group.id,
        teacher_id,
        to_school_id,
        kind,
        term,
        host_post,
    };
    let posting = state
        .bus
        .call::<ProposePosting>(&caller.actor(), key.0, new)
        .await?;
    Ok(HttpResponse::Created().json(posting))
}

/// A group's past postings, with their real dates.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PastPostingsRequest {
    /// 1 to 200 postings; each teacher is named by the home school's 工号.
    pub postings: Vec<PastPosting>,
}

/// Load a group's past postings (交流轮岗 before this system), with their real dates (the
/// group's bureau only).
///
/// Each teacher must be on the home school's roster (upload that school year's roster
/// first). Every entry is judged, in the order sent, by the rules of a live proposal and its
/// confirmation: the sending school is the teacher's home school (E-04); 挂职/任职 go lead →
/// member (E-02), 跟岗 member → lead (E-03), other kinds as the region's policy in force on
/// the first day allows (E-12); both schools were in the group through the whole term; no
/// overlap with the teacher's other postings, those of the same load included; the first
/// day no later than today. The first entry refused refuses the whole load with the live
/// write's own code, naming the entry in `details.entry` (`{row, date}`, `row` 0-based).
/// Each posting is written confirmed (or ended early, with `ended_on`) with the events a
/// live one produces, so the E-08 figures of its school year count it.
#[utoipa::path(
    tag = "rotation",
    operation_id = "load_past_postings",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        IdempotencyKey,
    ),
    request_body = PastPostingsRequest,
    responses(
        (status = 201, description = "Loaded: every posting, in the order sent", body = PastPostingsLoaded),
        (status = 400, description = "`validation_failed`: no or over 200 postings, a start after today, a term across two school years, an early end outside the term, an empty host post (with `details.entry`)", body = ErrorBody),
        (status = 403, description = "Not the group's bureau", body = ErrorBody),
        (status = 404, description = "`not_found`: the group, or a teacher not on the home school's roster (with `details.entry`)", body = ErrorBody),
        (status = 409, description = "For the entry in `details.entry`: `school_not_in_group` (a school not in the group through the whole term), `posting_direction_invalid` (E-02/E-03, or the same school at both ends), `posting_kind_disabled` (E-12), `posting_overlaps`; for the group: `group_dissolved` (X-02)", body = ErrorBody),
        NoToken, TooLarge, KeyReused, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/postings/import")]
pub async fn load_past_postings(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<GroupId>,
    body: web::Json<PastPostingsRequest>,
) -> Result<HttpResponse, ApiError> {
    let group = writable_group(&state, &caller, path.into_inner()).await?;
    scope::can_load_past_postings(&caller, &group)?;
    let load = PastPostings {
        group_id: group.id,
        postings: body.into_inner().postings,
    };
    let loaded = state
        .bus
        .call::<LoadPastPostings>(&caller.actor(), key.0, load)
        .await?;
    Ok(HttpResponse::Created().json(loaded))
}

list_params! {
    /// Posting filters.
    #[derive(Debug, Deserialize, IntoParams)]
    #[serde(deny_unknown_fields)]
    #[into_params(parameter_in = Query)]
    pub struct PostingListQuery {
        #[param(value_type = Option<i32>, example = 2025)]
        pub school_year: Option<SchoolYear>,
        pub teacher_id: Option<TeacherId>,
        /// Postings from or to this school.
        pub school_id: Option<SchoolId>,
    }
}

/// The group's postings.
#[utoipa::path(
    tag = "rotation",
    operation_id = "list_postings",
    params(("group_id" = GroupId, Path, description = "Group id"), PostingListQuery),
    responses(
        (status = 200, description = "Postings", body = Page<Posting>),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/postings")]
pub async fn list_postings(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<PostingListQuery>,
) -> Result<web::Json<Page<Posting>>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = query.into_inner();
    let query = PostingQuery {
        group_id: Some(group.id),
        school_id: q.school_id,
        teacher_id: q.teacher_id,
        school_year: q.school_year,
        paging: q.paging(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListPostings>(&caller.actor(), None, query)
            .await?,
    ))
}

/// Which postings go into the calendar.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PostingCalendarQuery {
    /// Postings from or to this school.
    pub school_id: Option<SchoolId>,
    pub teacher_id: Option<TeacherId>,
    /// The school year, by its first calendar year.
    #[param(value_type = Option<i32>, example = 2025)]
    pub year: Option<SchoolYear>,
}

/// Every posting matching `query`, page by page.
async fn all_postings(
    state: &AppState,
    caller: &Caller,
    mut query: PostingQuery,
) -> Result<Vec<Posting>, ApiError> {
    query.paging = Paging::largest_from(0);
    let mut all = Vec::new();
    loop {
        let page = state
            .bus
            .call::<ListPostings>(&caller.actor(), None, query.clone())
            .await?;
        let got = page.items.len();
        all.extend(page.items);
        if got < usize::from(query.paging.limit)
            || i64::try_from(all.len()).unwrap_or(i64::MAX) >= page.total
        {
            return Ok(all);
        }
        query.paging.offset = query
            .paging
            .offset
            .saturating_add(u32::try_from(got).unwrap_or(u32::MAX));
    }
}

/// The group's postings as an iCalendar file for office calendars (Outlook, 钉钉, 企业微信).
///
/// One all-day event per posting, from its start through the last day served; cancelled
/// postings are left out, proposed ones are tentative. The UID (`<posting_id>@edugroup`) is
/// stable, so a re-import updates the events.
#[utoipa::path(
    tag = "rotation",
    operation_id = "export_postings_calendar",
    params(("group_id" = GroupId, Path, description = "Group id"), PostingCalendarQuery),
    responses(
        (status = 200, description = "The postings, RFC 5545", content_type = "text/calendar", body = String,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"postings-<group_id>.ics\""))),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/postings.ics")]
pub async fn export_postings_calendar(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<PostingCalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = query.into_inner();
    let query = PostingQuery {
        group_id: Some(group.id),
        school_id: q.school_id,
        teacher_id: q.teacher_id,
        school_year: q.year,
        paging: Paging::default(),
    };
    let postings = all_postings(&state, &caller, query).await?;
    let name = format!("{} 交流轮岗", group.name);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "postings-{}.ics",
                group.id
            ))],
        })
        .body(ics::postings_calendar(&name, &postings, Utc::now())))
}

/// One posting.
#[utoipa::path(
    tag = "rotation",
    operation_id = "get_posting",
    params(("posting_id" = PostingId, Path, description = "Posting id")),
    responses(
        (status = 200, description = "The posting", body = Posting),
        NoToken, PostingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/postings/{posting_id}")]
pub async fn get_posting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<PostingId>,
) -> Result<web::Json<Posting>, ApiError> {
    let (posting, _) = visible_posting(&state, &caller, path.into_inner()).await?;
    Ok(web::Json(posting))
}

/// Confirm a proposed posting (the receiving school, or the group's bureau).
#[utoipa::path(
    tag = "rotation",
    operation_id = "confirm_posting",
    params(("posting_id" = PostingId, Path, description = "Posting id")),
    responses(
        (status = 200, description = "Confirmed", body = Posting),
        (status = 403, description = "Not the receiving school or the group's bureau", body = ErrorBody),
        (status = 409, description = "`posting_state_invalid`, `posting_overlaps`, `school_not_in_group`, `county_consent_required` (F-04: across counties, the teacher's county has not consented yet)", body = ErrorBody),
        NoToken, PostingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/postings/{posting_id}/confirm")]
pub async fn confirm_posting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<PostingId>,
) -> Result<web::Json<Posting>, ApiError> {
    let (posting, group) = visible_posting(&state, &caller, path.into_inner()).await?;
    scope::open_for_changes(&group)?;
    scope::can_confirm_posting(&caller, &group, &posting)?;
    let req = PostingRef {
        posting_id: posting.id,
    };
    Ok(web::Json(
        state
            .bus
            .call::<ConfirmPosting>(&caller.actor(), None, req)
            .await?,
    ))
}

/// Why a posting is cancelled or ended early.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostingClosureRequest {
    #[schema(example = "接收学校岗位调整")]
    pub reason: String,
}

/// Cancels or ends a posting: the caller must see its group and be allowed to close it.
async fn close_posting<Op>(
    state: &AppState,
    caller: &Caller,
    posting_id: PostingId,
    reason: String,
) -> Result<web::Json<Posting>, ApiError>
where
    Op: edu_contracts::Operation<Request = PostingClosure, Reply = Posting>,
{
    let (posting, group) = visible_posting(state, caller, posting_id).await?;
    scope::open_for_changes(&group)?;
    scope::can_close_posting(caller, &group, &posting)?;
    let req = PostingClosure {
        posting_id: posting.id,
        reason,
    };
    Ok(web::Json(
        state.bus.call::<Op>(&caller.actor(), None, req).await?,
    ))
}

/// Cancel a posting before it starts (group's bureau, lead office, sending or receiving school).
#[utoipa::path(
    tag = "rotation",
    operation_id = "cancel_posting",
    params(("posting_id" = PostingId, Path, description = "Posting id")),
    responses(
        (status = 200, description = "Cancelled", body = Posting),
        (status = 403, description = "Not allowed to close this posting", body = ErrorBody),
        (status = 409, description = "`posting_state_invalid` (already started, cancelled or ended)", body = ErrorBody),
        InvalidInput, NoToken, PostingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/postings/{posting_id}/cancel")]
pub async fn cancel_posting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<PostingId>,
    body: web::Json<PostingClosureRequest>,
) -> Result<web::Json<Posting>, ApiError> {
    close_posting::<CancelPosting>(&state, &caller, path.into_inner(), body.into_inner().reason)
        .await
}

/// End a started posting early (group's bureau, lead office, sending or receiving school).
#[utoipa::path(
    tag = "rotation",
    operation_id = "end_posting",
    params(("posting_id" = PostingId, Path, description = "Posting id")),
    responses(
        (status = 200, description = "Ended early", body = Posting),
        (status = 403, description = "Not allowed to close this posting", body = ErrorBody),
        (status = 409, description = "`posting_state_invalid` (not started, cancelled or ended)", body = ErrorBody),
        InvalidInput, NoToken, PostingNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/postings/{posting_id}/end")]
pub async fn end_posting(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<PostingId>,
    body: web::Json<PostingClosureRequest>,
) -> Result<web::Json<Posting>, ApiError> {
    close_posting::<EndPosting>(&state, &caller, path.into_inner(), body.into_inner().reason).await
}

/// Which year's figures, and up to which day.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComplianceParams {
    /// The school year, by its first calendar year.
    #[param(value_type = i32, example = 2025, minimum = 2000, maximum = 2100)]
    pub year: SchoolYear,
    /// "Rotated so far" counts confirmed postings started by this day (default today).
    #[param(example = "2026-03-01")]
    pub as_of: Option<NaiveDate>,
}

async fn compliance(
    state: &AppState,
    caller: &Caller,
    scope: Scope,
    params: ComplianceParams,
) -> Result<web::Json<Compliance>, ApiError> {
    if !(2000..=2100).contains(&params.year.0) {
        return Err(Problem::validation(
            "year",
            "the school year is between 2000 and 2100",
            "学年须在 2000 到 2100 之间",
        )
        .into());
    }
    let query = ComplianceQuery {
        scope,
        school_year: params.year,
        as_of: params.as_of,
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetCompliance>(&caller.actor(), None, query)
            .await?,
    ))
}

/// E-08 rotation figures of a group: rotated ≥ 10 % of eligible, backbone ≥ 20 % of rotated.
#[utoipa::path(
    tag = "rotation",
    operation_id = "get_group_rotation",
    params(("group_id" = GroupId, Path, description = "Group id"), ComplianceParams),
    responses(
        (status = 200, description = "Figures so far and the year-end forecast", body = Compliance),
        InvalidQuery, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/rotation")]
pub async fn get_group_rotation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<ComplianceParams>,
) -> Result<web::Json<Compliance>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let scope = Scope::Group { group_id: group.id };
    compliance(&state, &caller, scope, query.into_inner()).await
}

/// E-08 rotation figures of a county (its bureau and auditors).
#[utoipa::path(
    tag = "rotation",
    operation_id = "get_region_rotation",
    params(("region" = RegionCode, Path, description = "Six-digit county code"), ComplianceParams),
    responses(
        (status = 200, description = "Figures so far and the year-end forecast", body = Compliance),
        (status = 400, description = "Invalid region or query", body = ErrorBody),
        (status = 403, description = "Not the region's bureau or auditor", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/regions/{region}/rotation")]
pub async fn get_region_rotation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<RegionCode>,
    query: web::Query<ComplianceParams>,
) -> Result<web::Json<Compliance>, ApiError> {
    let region = path.into_inner();
    scope::can_read_region(&caller, &region)?;
    compliance(
        &state,
        &caller,
        Scope::Region { region },
        query.into_inner(),
    )
    .await
}
