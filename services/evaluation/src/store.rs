//! Queries of the evaluation schema: the projection's writes (each inside the consumer's
//! transaction) and the reads the ledger is computed from.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::{Stay, membership_groups, membership_schools, membership_stays};
use edu_domain::{GroupId, SchoolId};
use uuid::Uuid;

use crate::schema::{meetings, notifications, postings, reports, resources, trainings};

// ---- projection writes ----

pub async fn meeting_held(
    conn: &mut AsyncPgConnection,
    meeting: Uuid,
    group: GroupId,
    kind: &str,
    held_on: NaiveDate,
    present: &[Uuid],
) -> QueryResult<()> {
    diesel::insert_into(meetings::table)
        .values((
            meetings::meeting_id.eq(meeting),
            meetings::group_id.eq(group.0),
            meetings::kind.eq(kind),
            meetings::held_on.eq(held_on),
            meetings::schools_present.eq(present),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub group_id: Uuid,
    pub year: i32,
    pub quarter: i32,
    pub report_id: Uuid,
    pub submitted_on: NaiveDate,
    pub due_on: NaiveDate,
    pub late: bool,
}

pub async fn report_submitted(conn: &mut AsyncPgConnection, row: &ReportRow) -> QueryResult<()> {
    diesel::insert_into(reports::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn training_held(
    conn: &mut AsyncPgConnection,
    training: Uuid,
    group: GroupId,
    kind: &str,
    held_on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(trainings::table)
        .values((
            trainings::training_id.eq(training),
            trainings::group_id.eq(group.0),
            trainings::kind.eq(kind),
            trainings::held_on.eq(held_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = postings)]
pub struct PostingRow {
    pub posting_id: Uuid,
    pub group_id: Uuid,
    pub from_school_id: Uuid,
    pub to_school_id: Uuid,
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub cancelled: bool,
    pub backbone: bool,
}

/// A confirmed posting (a later end or cancellation updates it).
pub async fn posting_confirmed(conn: &mut AsyncPgConnection, row: &PostingRow) -> QueryResult<()> {
    diesel::insert_into(postings::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn posting_cancelled(conn: &mut AsyncPgConnection, posting: Uuid) -> QueryResult<()> {
    diesel::update(postings::table.find(posting))
        .set(postings::cancelled.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn posting_ended(
    conn: &mut AsyncPgConnection,
    posting: Uuid,
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::update(postings::table.find(posting))
        .set(postings::end_date.eq(on))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn resource_published(
    conn: &mut AsyncPgConnection,
    resource: Uuid,
    group: GroupId,
    owner: SchoolId,
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(resources::table)
        .values((
            resources::resource_id.eq(resource),
            resources::group_id.eq(group.0),
            resources::owner_school_id.eq(owner.0),
            resources::published_on.eq(on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub event_id: Uuid,
    pub region: Option<String>,
    pub group_id: Option<Uuid>,
    pub school_id: Option<Uuid>,
    pub rule: Option<String>,
    pub title: String,
    pub title_zh: String,
    pub at: DateTime<Utc>,
}

pub async fn notify(conn: &mut AsyncPgConnection, row: &NotificationRow) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

// ---- reads ----

/// A group as the ledger reads it from the membership view.
#[derive(Debug, Clone, Queryable)]
pub struct GroupRow {
    pub region: String,
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

pub type MeetingFact = (Uuid, String, NaiveDate, Vec<Uuid>);

pub async fn meetings_between(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    (from, to): (NaiveDate, NaiveDate),
) -> QueryResult<Vec<MeetingFact>> {
    meetings::table
        .filter(meetings::group_id.eq(group.0))
        .filter(meetings::held_on.between(from, to))
        .order((meetings::held_on, meetings::meeting_id))
        .select((
            meetings::meeting_id,
            meetings::kind,
            meetings::held_on,
            meetings::schools_present,
        ))
        .load(conn)
        .await
}

pub async fn reports_of(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<ReportRow>> {
    reports::table
        .filter(reports::group_id.eq(group.0))
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
        .filter(trainings::group_id.eq(group.0))
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
        .filter(postings::group_id.eq(group.0))
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
) -> QueryResult<Vec<(Uuid, Uuid, NaiveDate)>> {
    resources::table
        .filter(resources::group_id.eq(group.0))
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
    group: Option<Uuid>,
    region: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<NotificationRow>> {
    let mut q = notifications::table
        .filter(notifications::school_id.eq(school.0))
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
                .eq(region.to_owned())
                .and(notifications::group_id.is_null()),
        );
    }
    q.order((notifications::at.desc(), notifications::event_id))
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
        .await
}
