//! Queries of the schools' stays and of the seats of past meetings; every function composes
//! inside a transaction.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_domain::{GroupId, SchoolId};
use uuid::Uuid;

use crate::schema::{school_stays, seats};
use crate::store::SeatRow;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = school_stays)]
pub struct StayRow {
    pub group_id: Uuid,
    pub school_id: Uuid,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

pub async fn stays(conn: &mut AsyncPgConnection, g: GroupId) -> QueryResult<Vec<StayRow>> {
    school_stays::table
        .filter(school_stays::group_id.eq(g.0))
        .order((school_stays::joined_on, school_stays::school_id))
        .select(StayRow::as_select())
        .load(conn)
        .await
}

/// Opens a stay; a school whose stay is open already keeps that one (a redelivered event).
pub async fn open(conn: &mut AsyncPgConnection, row: &StayRow) -> QueryResult<()> {
    diesel::insert_into(school_stays::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// The open stays of a group (of one school, when given).
pub async fn open_stays(
    conn: &mut AsyncPgConnection,
    g: GroupId,
    s: Option<SchoolId>,
) -> QueryResult<Vec<StayRow>> {
    let mut q = school_stays::table
        .filter(school_stays::group_id.eq(g.0))
        .filter(school_stays::left_on.is_null())
        .into_boxed();
    if let Some(s) = s {
        q = q.filter(school_stays::school_id.eq(s.0));
    }
    q.select(StayRow::as_select()).load(conn).await
}

pub async fn close(conn: &mut AsyncPgConnection, row: &StayRow, on: NaiveDate) -> QueryResult<()> {
    diesel::update(school_stays::table.find((row.group_id, row.school_id, row.joined_on)))
        .set(school_stays::left_on.eq(Some(on)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The seats of past meetings, vacated from the start: kept for the record, never active.
pub async fn insert_seats(conn: &mut AsyncPgConnection, rows: &[SeatRow]) -> QueryResult<()> {
    diesel::insert_into(seats::table)
        .values(rows)
        .execute(conn)
        .await
        .map(|_| ())
}
