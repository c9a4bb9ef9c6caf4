//! A quarter's written report to the bureau (G-08) as a printable document
//! ([`render::quarterly_report`]): the group, its county and the quarter by name, the
//! quarter's major decisions with the schools they concern by name, and the member schools'
//! major matters recorded in it (G-09).

use actix_web::{HttpResponse, get};
use edu_domain::GroupId;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::web;
use crate::responses::{GroupNotVisible, InvalidPeriod, NoToken, Unavailable};
use crate::routes::names::Names;
use crate::routes::reports::fetch_report;
use crate::{headers, render};

/// A quarter's report as a printable HTML document (A4, for 打印 or "save as PDF").
#[utoipa::path(
    tag = "council",
    operation_id = "print_report",
    params(
        ("group_id" = GroupId, Path, description = "Group id"),
        ("period" = String, Path, description = "The quarter, e.g. `2026-Q1`"),
    ),
    responses(
        (status = 200, description = "The report, HTML for print", content_type = "text/html", body = String),
        InvalidPeriod, NoToken, GroupNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/reports/{period}/print")]
pub async fn print_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(GroupId, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group_id, raw) = path.into_inner();
    let (report, group) = fetch_report(&state, &caller, group_id, &raw).await?;
    let subjects = report.decisions.iter().filter_map(|d| d.subject_school_id);
    let names = Names::of(&state, &caller, [], subjects.collect::<Vec<_>>()).await?;
    Ok(headers::printable(render::quarterly_report(
        &report, &group, &names,
    )))
}
