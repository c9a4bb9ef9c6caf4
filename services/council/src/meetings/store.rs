//! Queries of meetings, their agenda, attendance and minutes; every function composes inside a
//! transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::council::{MeetingId, MeetingKind, MinutesStatus, Paging, SeatId, SeatRole};
use edu_domain::{GroupId, SchoolId};
use uuid::Uuid;

use crate::schema::{
    agenda_items, meeting_seats, meetings, minutes, minutes_corrections, minutes_revisions,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meetings)]
pub struct MeetingRow {
    pub id: MeetingId,
    pub group_id: GroupId,
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub start_time: Option<NaiveTime>,
    pub duration_minutes: Option<i32>,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub held_at: Option<DateTime<Utc>>,
    pub policy_version: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agenda_items)]
pub struct AgendaRow {
    pub meeting_id: MeetingId,
    pub position: i32,
    pub title: String,
    pub owner: String,
    pub documents: serde_json::Value,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_seats)]
pub struct MeetingSeatRow {
    pub meeting_id: MeetingId,
    pub seat_id: SeatId,
    pub school_id: SchoolId,
    pub role: SeatRole,
    pub holder_name: String,
    pub present: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = minutes)]
pub struct MinutesRow {
    pub meeting_id: MeetingId,
    pub status: MinutesStatus,
    pub text: String,
    pub revision: i32,
    pub circulated_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = minutes_revisions)]
pub struct RevisionRow {
    pub meeting_id: MeetingId,
    pub revision: i32,
    pub text: String,
    pub by_sub: String,
    pub seat_id: Option<SeatId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = minutes_corrections)]
pub struct CorrectionRow {
    pub id: Uuid,
    pub meeting_id: MeetingId,
    pub text: String,
    pub reason: String,
    pub by_sub: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_meeting(
    conn: &mut AsyncPgConnection,
    row: &MeetingRow,
    agenda: &[AgendaRow],
) -> QueryResult<()> {
    diesel::insert_into(meetings::table)
        .values(row)
        .execute(conn)
        .await?;
    if !agenda.is_empty() {
        diesel::insert_into(agenda_items::table)
            .values(agenda)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn meeting(
    conn: &mut AsyncPgConnection,
    id: MeetingId,
) -> QueryResult<Option<MeetingRow>> {
    meetings::table
        .find(id)
        .select(MeetingRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn meeting_for_update(
    conn: &mut AsyncPgConnection,
    id: MeetingId,
) -> QueryResult<Option<MeetingRow>> {
    meetings::table
        .find(id)
        .select(MeetingRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Filters of a meeting list.
pub struct MeetingFilter {
    pub group: GroupId,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<MeetingKind>,
    pub held_only: bool,
}

pub async fn list_meetings(
    conn: &mut AsyncPgConnection,
    f: &MeetingFilter,
    paging: Option<Paging>,
) -> QueryResult<(Vec<MeetingRow>, i64)> {
    let filtered = || {
        let mut q = meetings::table
            .filter(meetings::group_id.eq(f.group))
            .into_boxed();
        if let Some(from) = f.from {
            q = q.filter(meetings::held_on.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(meetings::held_on.le(to));
        }
        if let Some(kind) = &f.kind {
            q = q.filter(meetings::kind.eq(*kind));
        }
        if f.held_only {
            q = q.filter(meetings::held_at.is_not_null());
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let mut q = filtered()
        .order((meetings::held_on, meetings::start_time, meetings::id))
        .select(MeetingRow::as_select());
    if let Some(p) = paging {
        q = q.limit(i64::from(p.limit)).offset(i64::from(p.offset));
    }
    Ok((q.load(conn).await?, total))
}

pub async fn mark_held(conn: &mut AsyncPgConnection, id: MeetingId) -> QueryResult<()> {
    diesel::update(meetings::table.find(id))
        .set(meetings::held_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn agenda(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[MeetingId],
) -> QueryResult<Vec<AgendaRow>> {
    agenda_items::table
        .filter(agenda_items::meeting_id.eq_any(meeting_ids))
        .order((agenda_items::meeting_id, agenda_items::position))
        .select(AgendaRow::as_select())
        .load(conn)
        .await
}

pub async fn meeting_seats(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[MeetingId],
) -> QueryResult<Vec<MeetingSeatRow>> {
    meeting_seats::table
        .filter(meeting_seats::meeting_id.eq_any(meeting_ids))
        .select(MeetingSeatRow::as_select())
        .load(conn)
        .await
}

/// Replaces a meeting's attendance with a snapshot of the council's seats.
pub async fn set_attendance(
    conn: &mut AsyncPgConnection,
    meeting_id: MeetingId,
    rows: &[MeetingSeatRow],
) -> QueryResult<()> {
    diesel::delete(meeting_seats::table.filter(meeting_seats::meeting_id.eq(meeting_id)))
        .execute(conn)
        .await?;
    diesel::insert_into(meeting_seats::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Meetings held in `[from, to]`.
pub async fn held_meeting_count(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<i64> {
    meetings::table
        .filter(meetings::group_id.eq(g))
        .filter(meetings::held_at.is_not_null())
        .filter(meetings::held_on.between(from, to))
        .count()
        .get_result(conn)
        .await
}

pub async fn minutes_of(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[MeetingId],
) -> QueryResult<Vec<MinutesRow>> {
    minutes::table
        .filter(minutes::meeting_id.eq_any(meeting_ids))
        .select(MinutesRow::as_select())
        .load(conn)
        .await
}

pub async fn revisions_of(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[MeetingId],
) -> QueryResult<Vec<RevisionRow>> {
    minutes_revisions::table
        .filter(minutes_revisions::meeting_id.eq_any(meeting_ids))
        .order((minutes_revisions::meeting_id, minutes_revisions::revision))
        .select(RevisionRow::as_select())
        .load(conn)
        .await
}

pub async fn corrections_of(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[MeetingId],
) -> QueryResult<Vec<CorrectionRow>> {
    minutes_corrections::table
        .filter(minutes_corrections::meeting_id.eq_any(meeting_ids))
        .order((minutes_corrections::created_at, minutes_corrections::id))
        .select(CorrectionRow::as_select())
        .load(conn)
        .await
}

/// Writes a new text of the minutes (creating them as a draft the first time), with its
/// revision record.
pub async fn write_minutes(
    conn: &mut AsyncPgConnection,
    row: &MinutesRow,
    revision: &RevisionRow,
) -> QueryResult<()> {
    diesel::insert_into(minutes::table)
        .values(row)
        .on_conflict(minutes::meeting_id)
        .do_update()
        .set((
            minutes::text.eq(&row.text),
            minutes::revision.eq(row.revision),
        ))
        .execute(conn)
        .await?;
    diesel::insert_into(minutes_revisions::table)
        .values(revision)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn set_minutes_status(
    conn: &mut AsyncPgConnection,
    meeting_id: MeetingId,
    status: MinutesStatus,
) -> QueryResult<()> {
    let q = diesel::update(minutes::table.find(meeting_id));
    if status == MinutesStatus::Published {
        q.set((
            minutes::status.eq(status),
            minutes::published_at.eq(Some(Utc::now())),
        ))
        .execute(conn)
        .await
        .map(|_| ())
    } else {
        q.set((
            minutes::status.eq(status),
            minutes::circulated_at.eq(Some(Utc::now())),
        ))
        .execute(conn)
        .await
        .map(|_| ())
    }
}

pub async fn insert_correction(
    conn: &mut AsyncPgConnection,
    row: &CorrectionRow,
) -> QueryResult<()> {
    diesel::insert_into(minutes_corrections::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}
