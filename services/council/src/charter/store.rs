//! Queries of the charter's and development plan's versions, their milestones and their
//! acknowledgements; every function composes inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::council::{CharterKind, CharterStatus, CharterVersionId, DecisionId};
use edu_domain::{GroupId, SchoolId, Semester};

use crate::schema::{charter_acknowledgements, charter_milestones, charter_versions, decisions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = charter_versions)]
pub struct VersionRow {
    pub id: CharterVersionId,
    pub group_id: GroupId,
    pub kind: CharterKind,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub status: CharterStatus,
    pub drafted_by: String,
    pub drafted_at: DateTime<Utc>,
    pub edited_by: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
    pub decision_id: Option<DecisionId>,
    pub adopted_by: Option<String>,
    pub adopted_at: Option<DateTime<Utc>>,
    pub superseded_by: Option<CharterVersionId>,
    pub superseded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = charter_milestones)]
pub struct MilestoneRow {
    pub version_id: CharterVersionId,
    pub position: i32,
    pub due_on: Option<NaiveDate>,
    pub school_year: Option<i32>,
    pub semester: Option<String>,
    pub what: String,
    pub group_id: GroupId,
    pub school_id: SchoolId,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = charter_acknowledgements)]
pub struct AckRow {
    pub version_id: CharterVersionId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub acknowledged_by: String,
    pub acknowledged_at: DateTime<Utc>,
}

/// A semester as the milestones table spells it.
pub fn semester_text(s: Semester) -> &'static str {
    match s {
        Semester::Autumn => "autumn",
        Semester::Spring => "spring",
    }
}

/// A stored semester; one the table should never hold fails the read.
pub fn semester_of(text: &str) -> QueryResult<Semester> {
    match text {
        "autumn" => Ok(Semester::Autumn),
        "spring" => Ok(Semester::Spring),
        other => Err(diesel::result::Error::DeserializationError(
            format!("stored semester {other:?}").into(),
        )),
    }
}

/// Drafting and adopting a kind of document of a group wait for each other: the next version
/// number, the one draft and the one version in force are decided one at a time.
pub async fn lock_kind(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    kind: CharterKind,
) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('council.charter.' || $1))")
        .bind::<Text, _>(format!("{group}.{kind}"))
        .execute(conn)
        .await
        .map(|_| ())
}

/// How a read of a version locks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None,
    /// Its adoption or supersession waits (an acknowledgement takes it).
    Share,
    /// Against every other change (an edit, an adoption, a supersession).
    Update,
}

pub async fn version(
    conn: &mut AsyncPgConnection,
    id: CharterVersionId,
    lock: Lock,
) -> QueryResult<Option<VersionRow>> {
    let q = charter_versions::table
        .find(id)
        .select(VersionRow::as_select());
    match lock {
        Lock::None => q.first(conn).await,
        Lock::Share => q.for_share().first(conn).await,
        Lock::Update => q.for_update().first(conn).await,
    }
    .optional()
}

/// The group's version of `kind` in `status` (there is at most one draft and one in force).
pub async fn one_in(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    kind: CharterKind,
    status: CharterStatus,
) -> QueryResult<Option<VersionRow>> {
    charter_versions::table
        .filter(charter_versions::group_id.eq(group))
        .filter(charter_versions::kind.eq(kind))
        .filter(charter_versions::status.eq(status))
        .select(VersionRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The highest version number of the group's `kind` so far.
pub async fn last_number(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    kind: CharterKind,
) -> QueryResult<Option<i32>> {
    charter_versions::table
        .filter(charter_versions::group_id.eq(group))
        .filter(charter_versions::kind.eq(kind))
        .select(diesel::dsl::max(charter_versions::version))
        .first(conn)
        .await
}

pub async fn insert_version(conn: &mut AsyncPgConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(charter_versions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A draft's milestones, replaced as a whole.
pub async fn replace_milestones(
    conn: &mut AsyncPgConnection,
    version: CharterVersionId,
    rows: &[MilestoneRow],
) -> QueryResult<()> {
    diesel::delete(charter_milestones::table.filter(charter_milestones::version_id.eq(version)))
        .execute(conn)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(charter_milestones::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A draft's new title and body, with who edited it and when.
pub async fn update_text(
    conn: &mut AsyncPgConnection,
    id: CharterVersionId,
    (title, body): (&str, &str),
    (by, at): (&str, DateTime<Utc>),
) -> QueryResult<()> {
    diesel::update(charter_versions::table.find(id))
        .set((
            charter_versions::title.eq(title),
            charter_versions::body.eq(body),
            charter_versions::edited_by.eq(by),
            charter_versions::edited_at.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The draft comes into force by the decision.
pub async fn adopt(
    conn: &mut AsyncPgConnection,
    id: CharterVersionId,
    decision: DecisionId,
    (by, at): (&str, DateTime<Utc>),
) -> QueryResult<()> {
    diesel::update(charter_versions::table.find(id))
        .set((
            charter_versions::status.eq(CharterStatus::InForce),
            charter_versions::decision_id.eq(decision),
            charter_versions::adopted_by.eq(by),
            charter_versions::adopted_at.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The version in force gives way to `by`.
pub async fn supersede(
    conn: &mut AsyncPgConnection,
    id: CharterVersionId,
    by: CharterVersionId,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(charter_versions::table.find(id))
        .set((
            charter_versions::status.eq(CharterStatus::Superseded),
            charter_versions::superseded_by.eq(by),
            charter_versions::superseded_at.eq(at),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The version the decision adopted, if any.
pub async fn adopted_by_decision(
    conn: &mut AsyncPgConnection,
    decision: DecisionId,
) -> QueryResult<Option<CharterVersionId>> {
    charter_versions::table
        .filter(charter_versions::decision_id.eq(decision))
        .select(charter_versions::id)
        .first(conn)
        .await
        .optional()
}

/// Every version of the group, newest first.
pub async fn versions_of_group(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> QueryResult<Vec<VersionRow>> {
    charter_versions::table
        .filter(charter_versions::group_id.eq(group))
        .order((
            charter_versions::drafted_at.desc(),
            charter_versions::version.desc(),
        ))
        .select(VersionRow::as_select())
        .load(conn)
        .await
}

/// The milestones of the versions, in their order.
pub async fn milestones_of(
    conn: &mut AsyncPgConnection,
    versions: &[CharterVersionId],
) -> QueryResult<Vec<MilestoneRow>> {
    charter_milestones::table
        .filter(charter_milestones::version_id.eq_any(versions))
        .order((charter_milestones::version_id, charter_milestones::position))
        .select(MilestoneRow::as_select())
        .load(conn)
        .await
}

/// The title and day of each decision, as the council recorded them.
pub async fn decisions_named(
    conn: &mut AsyncPgConnection,
    ids: &[DecisionId],
) -> QueryResult<Vec<(DecisionId, String, NaiveDate)>> {
    decisions::table
        .filter(decisions::id.eq_any(ids))
        .select((decisions::id, decisions::title, decisions::decided_on))
        .load(conn)
        .await
}

pub async fn acknowledgements_of(
    conn: &mut AsyncPgConnection,
    versions: &[CharterVersionId],
) -> QueryResult<Vec<AckRow>> {
    charter_acknowledgements::table
        .filter(charter_acknowledgements::version_id.eq_any(versions))
        .order(charter_acknowledgements::acknowledged_at)
        .select(AckRow::as_select())
        .load(conn)
        .await
}

/// Records the acknowledgement unless the school made it already; answers whether this one
/// is new.
pub async fn insert_acknowledgement(
    conn: &mut AsyncPgConnection,
    row: &AckRow,
) -> QueryResult<bool> {
    diesel::insert_into(charter_acknowledgements::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}
