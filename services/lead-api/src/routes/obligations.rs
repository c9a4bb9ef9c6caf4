//! The obligation ledger and each school's notification feed, both kept by the
//! evaluation service from every service's events.

use actix_web::get;
use chrono::NaiveDate;
use edu_contracts::membership::{GetSchool, SchoolRef};
use edu_contracts::obligations::{
    Feed, FeedQuery, GetLedger, GetNotifications, Ledger, LedgerQuery, Period,
};
use edu_domain::{GroupId, Problem, SchoolId};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{InvalidPeriod, NoToken, SchoolNotVisible, Unavailable};
use crate::routes::groups::visible_group;
use crate::{AppState, scope};

/// Which period, whose obligations, counted on which day.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LedgerParams {
    /// A month `2025-03`, a quarter `2025Q1`, a semester `2025-autumn` / `2026-spring`, or a
    /// school year `2025` (2025-09 to 2026-08).
    #[param(example = "2026-03")]
    pub period: String,
    /// One school's obligations (with the group's); a member school always gets its own.
    #[serde(default)]
    pub school_id: Option<SchoolId>,
    /// The day statuses are computed for (default today).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// The group's obligations for a period: each with its rule, due date, status (met, missing,
/// overdue, upcoming) and the records that satisfy it.
#[utoipa::path(
    tag = "obligations",
    operation_id = "get_obligations",
    params(("group_id" = GroupId, Path, description = "Group id"), LedgerParams),
    responses(
        (status = 200, description = "The ledger", body = Ledger),
        (status = 403, description = "A member school asked for another school's", body = ErrorBody),
        (status = 404, description = "No such group visible to the caller (or not yet known to the ledger)", body = ErrorBody),
        InvalidPeriod, NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/groups/{group_id}/obligations")]
pub async fn get_obligations(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<GroupId>,
    query: web::Query<LedgerParams>,
) -> Result<web::Json<Ledger>, ApiError> {
    let LedgerParams {
        period,
        school_id,
        as_of,
    } = query.into_inner();
    let period: Period = period.parse()?;
    let group = visible_group(&state, &caller, path.into_inner()).await?;
    let school_id = scope::school_filter(&caller, &group, school_id)?;
    let q = LedgerQuery {
        group_id: group.id,
        period,
        school_id,
        as_of,
    };
    Ok(web::Json(
        state
            .bus
            .call::<GetLedger>(&caller.actor(), None, q)
            .await?,
    ))
}

/// The day a feed is for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedParams {
    /// Default today.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// A school's notifications: obligations due soon, overdue or missed lately, and the last
/// changes that concern it (warnings, persuade-outs, exits, policy, meetings, reports).
#[utoipa::path(
    tag = "obligations",
    operation_id = "list_notifications",
    params(("school_id" = SchoolId, Path, description = "School id"), FeedParams),
    responses(
        (status = 200, description = "The feed", body = Feed),
        (status = 403, description = "Not the school nor its bureau", body = ErrorBody),
        NoToken, SchoolNotVisible, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/schools/{school_id}/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<SchoolId>,
    query: web::Query<FeedParams>,
) -> Result<web::Json<Feed>, ApiError> {
    let actor = caller.actor();
    let school = state
        .bus
        .call::<GetSchool>(
            &actor,
            None,
            SchoolRef {
                school_id: path.into_inner(),
            },
        )
        .await
        .map_err(|p| match p.code {
            edu_domain::ErrorCode::NotFound => Problem::not_found("school", "学校"),
            _ => p,
        })?;
    scope::can_read_feed(&caller, &school)?;
    let q = FeedQuery {
        school_id: school.id,
        as_of: query.as_of,
    };
    Ok(web::Json(
        state.bus.call::<GetNotifications>(&actor, None, q).await?,
    ))
}
