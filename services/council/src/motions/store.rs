//! Queries of motions, votes and decisions; every function composes inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::council::{
    DecisionCategory, DecisionId, MeetingId, MotionId, MotionStatus, Paging, SeatId, VoteChoice,
};
use edu_domain::{GroupId, SchoolId};

use crate::schema::{decisions, motions, votes};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = motions)]
pub struct MotionRow {
    pub id: MotionId,
    pub meeting_id: MeetingId,
    pub group_id: GroupId,
    pub title: String,
    pub category: DecisionCategory,
    pub major: bool,
    pub subject_school_id: Option<SchoolId>,
    pub status: MotionStatus,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = votes)]
pub struct VoteRow {
    pub motion_id: MotionId,
    pub seat_id: SeatId,
    pub choice: VoteChoice,
    pub reason: Option<String>,
    pub cast_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub id: DecisionId,
    pub group_id: GroupId,
    pub meeting_id: MeetingId,
    pub motion_id: MotionId,
    pub title: String,
    pub category: DecisionCategory,
    pub major: bool,
    pub subject_school_id: Option<SchoolId>,
    pub decided_on: NaiveDate,
    pub yes: i32,
    pub no: i32,
    pub abstain: i32,
    pub recused: i32,
    pub policy_version: i32,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_motion(conn: &mut AsyncPgConnection, row: &MotionRow) -> QueryResult<()> {
    diesel::insert_into(motions::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn motion(conn: &mut AsyncPgConnection, id: MotionId) -> QueryResult<Option<MotionRow>> {
    motions::table
        .find(id)
        .select(MotionRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn motion_for_update(
    conn: &mut AsyncPgConnection,
    id: MotionId,
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
    meeting_ids: &[MeetingId],
) -> QueryResult<Vec<MotionRow>> {
    motions::table
        .filter(motions::meeting_id.eq_any(meeting_ids))
        .order((motions::created_at, motions::id))
        .select(MotionRow::as_select())
        .load(conn)
        .await
}

pub async fn close_motion(
    conn: &mut AsyncPgConnection,
    id: MotionId,
    status: MotionStatus,
) -> QueryResult<()> {
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
    motion_ids: &[MotionId],
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
    meeting_id: MeetingId,
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

/// A cited decision (G-09 matters, G-14 adoptions), share-locked: it is read in the
/// transaction that cites it, and stays as read until that transaction ends.
pub async fn decision_for_share(
    conn: &mut AsyncPgConnection,
    id: DecisionId,
) -> QueryResult<Option<DecisionRow>> {
    decisions::table
        .find(id)
        .select(DecisionRow::as_select())
        .for_share()
        .first(conn)
        .await
        .optional()
}

pub async fn decisions_of_motions(
    conn: &mut AsyncPgConnection,
    motion_ids: &[MotionId],
) -> QueryResult<Vec<(MotionId, DecisionId)>> {
    decisions::table
        .filter(decisions::motion_id.eq_any(motion_ids))
        .select((decisions::motion_id, decisions::id))
        .load(conn)
        .await
}

/// Filters of a decision search (G-09).
pub struct DecisionFilter {
    pub group: Option<GroupId>,
    pub category: Option<DecisionCategory>,
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
            q = q.filter(decisions::group_id.eq(g));
        }
        if let Some(c) = &f.category {
            q = q.filter(decisions::category.eq(*c));
        }
        if let Some(s) = f.subject {
            q = q.filter(decisions::subject_school_id.eq(s));
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
