//! Queries of the council and its seats; every function composes inside a transaction.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_bus::membership_view::membership_schools;
use edu_contracts::council::{LeaderPost, SeatId, SeatRole};
use edu_domain::{GroupId, MemberRole, RegionCode, SchoolId};

use crate::schema::{councils, seats};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = councils)]
pub struct CouncilRow {
    pub group_id: GroupId,
    pub name: String,
    pub region: RegionCode,
    pub lead_school_id: SchoolId,
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
    pub id: SeatId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub role: SeatRole,
    pub holder_name: String,
    pub post: LeaderPost,
    pub active: bool,
    pub since: DateTime<Utc>,
    pub vacated_at: Option<DateTime<Utc>>,
    pub vacated_reason: Option<String>,
}

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
    let q = councils::table.find(g).select(CouncilRow::as_select());
    match lock {
        Lock::None => q.first(conn).await,
        Lock::Share => q.for_share().first(conn).await,
        Lock::Update => q.for_update().first(conn).await,
    }
    .optional()
}

pub async fn councils_of_region(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
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
        .load(conn)
        .await
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
    diesel::update(councils::table.find(g))
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
        .filter(seats::group_id.eq(g))
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
pub async fn vacate(conn: &mut AsyncPgConnection, ids: &[SeatId], reason: &str) -> QueryResult<()> {
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
    let ids: Vec<SeatId> = seats::table
        .filter(seats::group_id.eq(g))
        .filter(seats::school_id.eq(s))
        .filter(seats::active)
        .select(seats::id)
        .load(conn)
        .await?;
    vacate(conn, &ids, reason).await
}
