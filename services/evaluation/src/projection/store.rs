//! The projection's writes, each inside the consumer's transaction: the records the
//! ledger and the scorecards count (meetings, reports, trainings, postings, resources,
//! adoptions) and the "changed" items of the feed.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_domain::{GroupId, PostingId, RegionCode, ResourceId, SchoolId, TrainingId};
use uuid::Uuid;

use crate::schema::{adoptions, meetings, notifications, postings, reports, resources, trainings};

pub async fn meeting_held(
    conn: &mut AsyncPgConnection,
    meeting: Uuid,
    group: GroupId,
    kind: &str,
    held_on: NaiveDate,
    present: &[SchoolId],
) -> QueryResult<()> {
    diesel::insert_into(meetings::table)
        .values((
            meetings::meeting_id.eq(meeting),
            meetings::group_id.eq(group),
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
    pub group_id: GroupId,
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
    training: TrainingId,
    group: GroupId,
    kind: &str,
    held_on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(trainings::table)
        .values((
            trainings::training_id.eq(training),
            trainings::group_id.eq(group),
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
    pub posting_id: PostingId,
    pub group_id: GroupId,
    pub from_school_id: SchoolId,
    pub to_school_id: SchoolId,
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

pub async fn posting_cancelled(
    conn: &mut AsyncPgConnection,
    posting: PostingId,
) -> QueryResult<()> {
    diesel::update(postings::table.find(posting))
        .set(postings::cancelled.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn posting_ended(
    conn: &mut AsyncPgConnection,
    posting: PostingId,
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
    resource: ResourceId,
    group: GroupId,
    owner: SchoolId,
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(resources::table)
        .values((
            resources::resource_id.eq(resource),
            resources::group_id.eq(group),
            resources::owner_school_id.eq(owner),
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
    pub region: Option<RegionCode>,
    pub group_id: Option<GroupId>,
    pub school_id: Option<SchoolId>,
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

pub async fn resource_adopted(
    conn: &mut AsyncPgConnection,
    event_id: Uuid,
    (resource, group, owner, adopter): (ResourceId, GroupId, SchoolId, SchoolId),
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(adoptions::table)
        .values((
            adoptions::event_id.eq(event_id),
            adoptions::resource_id.eq(resource),
            adoptions::group_id.eq(group),
            adoptions::owner_school_id.eq(owner),
            adoptions::adopting_school_id.eq(adopter),
            adoptions::adopted_on.eq(on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}
