//! The council's quarterly written reports to the bureau (G-08): every quarter's state, the
//! region's overdue ones, a quarter's report as submitted or generated, and its submission.

use actix_web::{HttpResponse, get, post};
use edu_contracts::council::{
    GetReport, ListReports, Quarter, QuarterlyReport, ReportQuery, ReportRef, ReportStatus,
    ReportSubmission, SubmitReport,
};
use edu_contracts::membership::Group;
use edu_domain::{GroupId, RegionCode};

use crate::auth::{Caller, IdempotencyKey};
use crate::error::{ApiError, ErrorBody};
use crate::responses::{GroupNotVisible, InvalidPeriod, NoToken, NotLeadOffice, Unavailable};
use crate::routes::groups::{visible_group, writable_group};
use crate::{AppState, extract::web, scope};

/// The quarter a path names, e.g. `2026-Q1`.
fn period(raw: &str) -> Result<Quarter, ApiError> {
    Ok(raw.parse::<Quarter>()?)
}

/// Every quarter since the group was established, with its report's state (G-08).
#[utoipa::path(
    tag = "council",
    operation_id = "list_reports",
    params(("group_id" = GroupId, Path, description = "Group id")),
    responses(
        (status = 200, description = "The quarters and their reports", body = Vec<ReportStatus>),
        NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/reports")]
pub async fn list_reports(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
) -> Result<web::Json<Vec<ReportStatus>>, ApiError> {
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let q = ReportQuery::Group { group_id: group.id };
    Ok(web::Json(
        state
            .bus
            .call::<ListReports>(&caller.actor(), None, q)
            .await?,
    ))
}

/// The region's groups whose quarterly reports are overdue (the bureau and auditors, G-08).
#[utoipa::path(
    tag = "council",
    operation_id = "list_overdue_reports",
    params(("region" = String, Path, description = "Six-digit region code")),
    responses(
        (status = 200, description = "Overdue reports", body = Vec<ReportStatus>),
        (status = 400, description = "Invalid region", body = ErrorBody),
        (status = 403, description = "Not the region's bureau or auditor", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/regions/{region}/reports/overdue")]
pub async fn list_overdue_reports(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<web::Json<Vec<ReportStatus>>, ApiError> {
    let region = RegionCode::parse(&path.into_inner())?;
    scope::can_read_region_reports(&caller, &region)?;
    let q = ReportQuery::RegionOverdue { region };
    Ok(web::Json(
        state
            .bus
            .call::<ListReports>(&caller.actor(), None, q)
            .await?,
    ))
}

pub(crate) async fn fetch_report(
    state: &AppState,
    caller: &Caller,
    group_id: GroupId,
    raw_period: &str,
) -> Result<(QuarterlyReport, Group), ApiError> {
    let group = visible_group(state, caller, group_id).await?;
    let r = ReportRef {
        group_id: group.id,
        period: period(raw_period)?,
    };
    let report = state
        .bus
        .call::<GetReport>(&caller.actor(), None, r)
        .await?;
    Ok((report, group))
}

/// A quarter's written report: as submitted, or generated from the quarter's major
/// decisions while not yet submitted (G-08); its state says whether it is overdue. It also
/// lists the member schools' major matters recorded in the quarter (G-09).
#[utoipa::path(
    tag = "council",
    operation_id = "get_report",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("period" = String, Path, description = "The quarter, e.g. `2026-Q1`"),
    ),
    responses(
        (status = 200, description = "The report", body = QuarterlyReport),
        InvalidPeriod, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/reports/{period}")]
pub async fn get_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(GroupId, String)>,
) -> Result<web::Json<QuarterlyReport>, ApiError> {
    let (group_id, raw) = path.into_inner();
    let (report, _) = fetch_report(&state, &caller, group_id, &raw).await?;
    Ok(web::Json(report))
}

/// Submit a quarter's written report to the bureau (the lead school's office), after the
/// quarter ends. It lists every major decision of the quarter, or it is refused
/// (`report_missing_major_decisions`, G-08). Due 15 days after the quarter (policy).
#[utoipa::path(
    tag = "council",
    operation_id = "submit_report",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("period" = String, Path, description = "The quarter, e.g. `2026-Q1`"),
        IdempotencyKey,
    ),
    request_body = ReportSubmission,
    responses(
        (status = 201, description = "Submitted", body = QuarterlyReport),
        (status = 400, description = "Invalid input (a decision not of this quarter)", body = ErrorBody),
        (status = 409, description = "`report_already_submitted`, `quarter_not_ended`, `group_dissolved`", body = ErrorBody),
        (status = 422, description = "`report_missing_major_decisions` (G-08; `details.missing_decision_ids`), `idempotency_key_reused`", body = ErrorBody),
        NoToken, NotLeadOffice, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[post("/groups/{group_id}/reports/{period}")]
pub async fn submit_report(
    state: web::Data<AppState>,
    caller: Caller,
    key: IdempotencyKey,
    path: web::Path<(GroupId, String)>,
    body: web::Json<ReportSubmission>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, raw) = path.into_inner();
    let group = writable_group(&state, &caller, group_id).await?;
    scope::can_run_council(&caller, &group)?;
    let mut submission = body.into_inner();
    submission.group_id = group.id;
    submission.period = period(&raw)?;
    let report = state
        .bus
        .call::<SubmitReport>(&caller.actor(), key.0, submission)
        .await?;
    Ok(HttpResponse::Created().json(report))
}
