//! Queries of the `council` schema; every function composes inside a transaction.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::membership_schools;
use edu_contracts::council::{Paging, Quarter};
use edu_domain::{GroupId, MemberRole, SchoolId};
use uuid::Uuid;

use crate::schema::{
    agenda_items, councils, decisions, meeting_seats, meetings, minutes, minutes_corrections,
    minutes_revisions, motions, overdue_reports, report_decisions, reports, seats, votes,
};

/// A stored spelling read back into its enum.
pub fn parse<T: std::str::FromStr>(what: &str, value: &str) -> QueryResult<T> {
    value.parse().map_err(|_| {
        diesel::result::Error::DeserializationError(
            format!("stored {what} {value:?} is not valid").into(),
        )
    })
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = councils)]
pub struct CouncilRow {
    pub group_id: Uuid,
    pub name: String,
    pub region: String,
    pub lead_school_id: Uuid,
    pub plaque_date: NaiveDate,
    pub frozen_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// A school of the group, as the membership view holds it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = edu_bus::membership_view::membership_schools)]
pub struct SchoolRow {
    pub school_id: SchoolId,
    pub role: MemberRole,
    pub name: Option<String>,
    pub principal_name: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = seats)]
pub struct SeatRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub school_id: Uuid,
    pub role: String,
    pub holder_name: String,
    pub post: String,
    pub active: bool,
    pub since: DateTime<Utc>,
    pub vacated_at: Option<DateTime<Utc>>,
    pub vacated_reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meetings)]
pub struct MeetingRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub kind: String,
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
    pub meeting_id: Uuid,
    pub position: i32,
    pub title: String,
    pub owner: String,
    pub documents: serde_json::Value,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_seats)]
pub struct MeetingSeatRow {
    pub meeting_id: Uuid,
    pub seat_id: Uuid,
    pub school_id: Uuid,
    pub role: String,
    pub holder_name: String,
    pub present: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = motions)]
pub struct MotionRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub group_id: Uuid,
    pub title: String,
    pub category: String,
    pub major: bool,
    pub subject_school_id: Option<Uuid>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = votes)]
pub struct VoteRow {
    pub motion_id: Uuid,
    pub seat_id: Uuid,
    pub choice: String,
    pub reason: Option<String>,
    pub cast_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub meeting_id: Uuid,
    pub motion_id: Uuid,
    pub title: String,
    pub category: String,
    pub major: bool,
    pub subject_school_id: Option<Uuid>,
    pub decided_on: NaiveDate,
    pub yes: i32,
    pub no: i32,
    pub abstain: i32,
    pub recused: i32,
    pub policy_version: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = minutes)]
pub struct MinutesRow {
    pub meeting_id: Uuid,
    pub status: String,
    pub text: String,
    pub revision: i32,
    pub circulated_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = minutes_revisions)]
pub struct RevisionRow {
    pub meeting_id: Uuid,
    pub revision: i32,
    pub text: String,
    pub by_sub: String,
    pub seat_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = minutes_corrections)]
pub struct CorrectionRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub text: String,
    pub reason: String,
    pub by_sub: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub year: i32,
    pub quarter: i16,
    pub summary: String,
    pub due_on: NaiveDate,
    pub late: bool,
    pub policy_version: i32,
    pub submitted_at: DateTime<Utc>,
}

// ---- councils, schools, seats ----

/// How a read of the council row locks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None,
    /// Its composition and reports wait until this transaction ends (decisions take it).
    Share,
    /// Against every change of its composition, and against reports while decisions are
    /// recorded.
    Update,
}

pub async fn council(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    lock: Lock,
) -> QueryResult<Option<CouncilRow>> {
    let q = councils::table.find(g.0).select(CouncilRow::as_select());
    match lock {
        Lock::None => q.first(conn).await,
        Lock::Share => q.for_share().first(conn).await,
        Lock::Update => q.for_update().first(conn).await,
    }
    .optional()
}

pub async fn councils_of_region(
    conn: &mut AsyncPgConnection,
    region: &str,
) -> QueryResult<Vec<CouncilRow>> {
    councils::table
        .filter(councils::region.eq(region))
        .order(councils::name)
        .select(CouncilRow::as_select())
        .load(conn)
        .await
}

pub async fn all_live_councils(conn: &mut AsyncPgConnection) -> QueryResult<Vec<GroupId>> {
    councils::table
        .filter(councils::frozen_on.is_null())
        .select(councils::group_id)
        .load::<Uuid>(conn)
        .await
        .map(|ids| ids.into_iter().map(GroupId).collect())
}

/// Inserts the council of a newly established group (a redelivery changes nothing).
pub async fn insert_council(conn: &mut AsyncPgConnection, row: &CouncilRow) -> QueryResult<bool> {
    let n = diesel::insert_into(councils::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn freeze(conn: &mut AsyncPgConnection, g: GroupId, on: NaiveDate) -> QueryResult<()> {
    diesel::update(councils::table.find(g.0))
        .filter(councils::frozen_on.is_null())
        .set(councils::frozen_on.eq(on))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Every school the group has had (active or not).
pub async fn schools(conn: &mut AsyncPgConnection, g: GroupId) -> QueryResult<Vec<SchoolRow>> {
    membership_schools::table
        .filter(membership_schools::group_id.eq(g))
        .select(SchoolRow::as_select())
        .load(conn)
        .await
}

pub async fn active_seats(conn: &mut AsyncPgConnection, g: GroupId) -> QueryResult<Vec<SeatRow>> {
    seats::table
        .filter(seats::group_id.eq(g.0))
        .filter(seats::active)
        .order((seats::since, seats::id))
        .select(SeatRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_seat(conn: &mut AsyncPgConnection, row: &SeatRow) -> QueryResult<()> {
    diesel::insert_into(seats::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Vacates seats (kept for the record).
pub async fn vacate(conn: &mut AsyncPgConnection, ids: &[Uuid], reason: &str) -> QueryResult<()> {
    diesel::update(seats::table.filter(seats::id.eq_any(ids)))
        .set((
            seats::active.eq(false),
            seats::vacated_at.eq(diesel::dsl::now),
            seats::vacated_reason.eq(reason),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Vacates every active seat a school holds in the group.
pub async fn vacate_school(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    s: SchoolId,
    reason: &str,
) -> QueryResult<()> {
    let ids: Vec<Uuid> = seats::table
        .filter(seats::group_id.eq(g.0))
        .filter(seats::school_id.eq(s.0))
        .filter(seats::active)
        .select(seats::id)
        .load(conn)
        .await?;
    vacate(conn, &ids, reason).await
}

// ---- meetings ----

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

pub async fn meeting(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<MeetingRow>> {
    meetings::table
        .find(id)
        .select(MeetingRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn meeting_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
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
    pub kind: Option<String>,
    pub held_only: bool,
}

pub async fn list_meetings(
    conn: &mut AsyncPgConnection,
    f: &MeetingFilter,
    paging: Option<Paging>,
) -> QueryResult<(Vec<MeetingRow>, i64)> {
    let filtered = || {
        let mut q = meetings::table
            .filter(meetings::group_id.eq(f.group.0))
            .into_boxed();
        if let Some(from) = f.from {
            q = q.filter(meetings::held_on.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(meetings::held_on.le(to));
        }
        if let Some(kind) = &f.kind {
            q = q.filter(meetings::kind.eq(kind.clone()));
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

pub async fn mark_held(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(meetings::table.find(id))
        .set(meetings::held_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn agenda(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[Uuid],
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
    meeting_ids: &[Uuid],
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
    meeting_id: Uuid,
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

// ---- motions, votes, decisions ----

pub async fn insert_motion(conn: &mut AsyncPgConnection, row: &MotionRow) -> QueryResult<()> {
    diesel::insert_into(motions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn motion(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<MotionRow>> {
    motions::table
        .find(id)
        .select(MotionRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn motion_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<MotionRow>> {
    motions::table
        .find(id)
        .select(MotionRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn motions_of(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[Uuid],
) -> QueryResult<Vec<MotionRow>> {
    motions::table
        .filter(motions::meeting_id.eq_any(meeting_ids))
        .order((motions::created_at, motions::id))
        .select(MotionRow::as_select())
        .load(conn)
        .await
}

pub async fn close_motion(conn: &mut AsyncPgConnection, id: Uuid, status: &str) -> QueryResult<()> {
    diesel::update(motions::table.find(id))
        .set((
            motions::status.eq(status),
            motions::closed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn votes_of(
    conn: &mut AsyncPgConnection,
    motion_ids: &[Uuid],
) -> QueryResult<Vec<VoteRow>> {
    votes::table
        .filter(votes::motion_id.eq_any(motion_ids))
        .order((votes::cast_at, votes::seat_id))
        .select(VoteRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_votes(conn: &mut AsyncPgConnection, rows: &[VoteRow]) -> QueryResult<()> {
    diesel::insert_into(votes::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Whether any motion of the meeting has a vote.
pub async fn meeting_has_votes(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> QueryResult<bool> {
    let n: i64 = votes::table
        .inner_join(motions::table.on(motions::id.eq(votes::motion_id)))
        .filter(motions::meeting_id.eq(meeting_id))
        .count()
        .get_result(conn)
        .await?;
    Ok(n > 0)
}

pub async fn insert_decision(conn: &mut AsyncPgConnection, row: &DecisionRow) -> QueryResult<()> {
    diesel::insert_into(decisions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn decisions_of_motions(
    conn: &mut AsyncPgConnection,
    motion_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    decisions::table
        .filter(decisions::motion_id.eq_any(motion_ids))
        .select((decisions::motion_id, decisions::id))
        .load(conn)
        .await
}

/// Filters of a decision search (G-09).
pub struct DecisionFilter {
    pub group: Option<GroupId>,
    pub category: Option<String>,
    pub subject: Option<SchoolId>,
    pub major: Option<bool>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub async fn find_decisions(
    conn: &mut AsyncPgConnection,
    f: &DecisionFilter,
    paging: Option<Paging>,
) -> QueryResult<(Vec<DecisionRow>, i64)> {
    let filtered = || {
        let mut q = decisions::table.into_boxed();
        if let Some(g) = f.group {
            q = q.filter(decisions::group_id.eq(g.0));
        }
        if let Some(c) = &f.category {
            q = q.filter(decisions::category.eq(c.clone()));
        }
        if let Some(s) = f.subject {
            q = q.filter(decisions::subject_school_id.eq(s.0));
        }
        if let Some(m) = f.major {
            q = q.filter(decisions::major.eq(m));
        }
        if let Some(from) = f.from {
            q = q.filter(decisions::decided_on.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(decisions::decided_on.le(to));
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let mut q = filtered()
        .order((decisions::decided_on, decisions::id))
        .select(DecisionRow::as_select());
    if let Some(p) = paging {
        q = q.limit(i64::from(p.limit)).offset(i64::from(p.offset));
    }
    Ok((q.load(conn).await?, total))
}

// ---- minutes ----

pub async fn minutes_of(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[Uuid],
) -> QueryResult<Vec<MinutesRow>> {
    minutes::table
        .filter(minutes::meeting_id.eq_any(meeting_ids))
        .select(MinutesRow::as_select())
        .load(conn)
        .await
}

pub async fn revisions_of(
    conn: &mut AsyncPgConnection,
    meeting_ids: &[Uuid],
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
    meeting_ids: &[Uuid],
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
    meeting_id: Uuid,
    status: &str,
) -> QueryResult<()> {
    let q = diesel::update(minutes::table.find(meeting_id));
    if status == "published" {
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

// ---- reports ----

pub async fn report(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    q: Quarter,
) -> QueryResult<Option<ReportRow>> {
    reports::table
        .filter(reports::group_id.eq(g.0))
        .filter(reports::year.eq(q.year))
        .filter(reports::quarter.eq(i16::from(q.quarter)))
        .select(ReportRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn reports_of(conn: &mut AsyncPgConnection, g: GroupId) -> QueryResult<Vec<ReportRow>> {
    reports::table
        .filter(reports::group_id.eq(g.0))
        .select(ReportRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_report(
    conn: &mut AsyncPgConnection,
    row: &ReportRow,
    decision_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::insert_into(reports::table)
        .values(row)
        .execute(conn)
        .await?;
    let links: Vec<_> = decision_ids
        .iter()
        .map(|d| {
            (
                report_decisions::report_id.eq(row.id),
                report_decisions::decision_id.eq(*d),
            )
        })
        .collect();
    if !links.is_empty() {
        diesel::insert_into(report_decisions::table)
            .values(&links)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn report_decisions(
    conn: &mut AsyncPgConnection,
    report_id: Uuid,
) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .inner_join(report_decisions::table)
        .filter(report_decisions::report_id.eq(report_id))
        .order((decisions::decided_on, decisions::id))
        .select(DecisionRow::as_select())
        .load(conn)
        .await
}

/// Records that a quarter's report is overdue; true the first time only.
pub async fn mark_overdue(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    q: Quarter,
    due_on: NaiveDate,
) -> QueryResult<bool> {
    let n = diesel::insert_into(overdue_reports::table)
        .values((
            overdue_reports::group_id.eq(g.0),
            overdue_reports::year.eq(q.year),
            overdue_reports::quarter.eq(i16::from(q.quarter)),
            overdue_reports::due_on.eq(due_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Meetings held in `[from, to]`.
pub async fn held_meeting_count(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<i64> {
    meetings::table
        .filter(meetings::group_id.eq(g.0))
        .filter(meetings::held_at.is_not_null())
        .filter(meetings::held_on.between(from, to))
        .count()
        .get_result(conn)
        .await
}
