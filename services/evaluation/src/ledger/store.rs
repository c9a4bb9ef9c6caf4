//! The reads the ledger is computed from: the group and its schools in the membership
//! view, and the projected records of a period.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::{Stay, membership_groups, membership_schools, membership_stays};
use edu_domain::{GroupId, RegionCode, SchoolId};
use uuid::Uuid;

use crate::projection::store::{NotificationRow, PostingRow, ReportRow};
use crate::schema::{notifications, postings, reports, resources, trainings};

/// A group as the ledger reads it from the membership view.
#[derive(Debug, Clone, Queryable)]
pub struct GroupRow {
    pub region: RegionCode,
    pub plaque_date: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
}

pub async fn group(conn: &mut AsyncPgConnection, group: GroupId) -> QueryResult<Option<GroupRow>> {
    membership_groups::table
        .find(group)
        // Every group.established event carries its plaque date: the evaluation's view has
        // one for every group (a NULL here fails loudly rather than defaulting).
        .select((
            membership_groups::region,
            membership_groups::plaque_date.assume_not_null(),
            membership_groups::dissolved_on,
        ))
        .first(conn)
        .await
        .optional()
}

/// Each school's latest stay in the group, earliest joined first: the span the ledger
/// judges a school's obligations by (a school that came back is judged from its return).
pub async fn schools(conn: &mut AsyncPgConnection, group: GroupId) -> QueryResult<Vec<Stay>> {
    let mut latest: Vec<Stay> = membership_stays::table
        .filter(membership_stays::group_id.eq(group))
        .distinct_on(membership_stays::school_id)
        .order((
            membership_stays::school_id,
            membership_stays::joined_on.desc(),
        ))
        .select(Stay::as_select())
        .load(conn)
        .await?;
    latest.sort_by_key(|s| (s.joined_on, s.school_id));
    Ok(latest)
}

/// The group a school is in now.
pub async fn current_group(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
) -> QueryResult<Option<GroupId>> {
    membership_schools::table
        .filter(membership_schools::school_id.eq(school))
        .filter(membership_schools::active)
        .select(membership_schools::group_id)
        .first(conn)
        .await
        .optional()
}

pub async fn reports_of(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<ReportRow>> {
    reports::table
        .filter(reports::group_id.eq(group))
        .select(ReportRow::as_select())
        .load(conn)
        .await
}

pub async fn trainings_between(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(Uuid, String, NaiveDate)>> {
    trainings::table
        .filter(trainings::group_id.eq(group))
        .filter(trainings::held_on.between(from, to))
        .order((trainings::held_on, trainings::training_id))
        .select((trainings::training_id, trainings::kind, trainings::held_on))
        .load(conn)
        .await
}

/// Confirmed, not cancelled postings whose days meet `[from, to]`.
pub async fn postings_between(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<PostingRow>> {
    postings::table
        .filter(postings::group_id.eq(group))
        .filter(postings::cancelled.eq(false))
        .filter(postings::start_date.le(to))
        .filter(postings::end_date.ge(from))
        .order((postings::start_date, postings::posting_id))
        .select(PostingRow::as_select())
        .load(conn)
        .await
}

pub async fn resources_between(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<(Uuid, SchoolId, NaiveDate)>> {
    resources::table
        .filter(resources::group_id.eq(group))
        .filter(resources::published_on.between(from, to))
        .order((resources::published_on, resources::resource_id))
        .select((
            resources::resource_id,
            resources::owner_school_id,
            resources::published_on,
        ))
        .load(conn)
        .await
}

/// The last changes that concern a school: its own, its group's, its region's.
pub async fn notifications_for(
    conn: &mut AsyncPgConnection,
    school: SchoolId,
    group: Option<GroupId>,
    region: Option<&RegionCode>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut q = notifications::table
        .filter(notifications::school_id.eq(school))
        .into_boxed();
    if let Some(group) = group {
        q = q.or_filter(
            notifications::group_id
                .eq(group)
                .and(notifications::school_id.is_null()),
        );
    }
    if let Some(region) = region {
        q = q.or_filter(
            notifications::region
                .eq(region.clone())
                .and(notifications::group_id.is_null()),
        );
    }
    q.order((notifications::at.desc(), notifications::event_id))
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
        .await
}
