//! The county view's rows: the rounds and designations (F-17), and the junior schools with
//! the memberships that cover them (F-16).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::county::{DesignationId, WeakRoundId};
use edu_domain::{GroupId, RegionCode, SchoolId, Stage};

use crate::schema::{memberships, schools, weak_designations, weak_rounds};
use crate::store::SchoolRow;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = weak_rounds)]
pub struct RoundRow {
    pub id: WeakRoundId,
    pub region: RegionCode,
    pub first_school_year: i32,
    pub last_school_year: i32,
    pub basis: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = weak_designations, treat_none_as_default_value = false)]
pub struct DesignationRow {
    pub id: DesignationId,
    pub round_id: WeakRoundId,
    pub school_id: SchoolId,
    pub assessment: String,
    pub plan: String,
    pub designated_by: String,
    pub designated_at: DateTime<Utc>,
    pub lifted_on: Option<NaiveDate>,
    pub lift_reason: Option<String>,
}

/// The county's schools with junior years (F-16), by name.
pub async fn junior_schools(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
    stages: &[Stage],
) -> QueryResult<Vec<SchoolRow>> {
    let stages: Vec<&str> = stages.iter().map(|s| s.as_str()).collect();
    schools::table
        .filter(schools::region.eq(region.as_str()))
        .filter(schools::stage.eq_any(stages))
        .order((schools::name, schools::id))
        .select(SchoolRow::as_select())
        .load(conn)
        .await
}

/// A school's membership of a group: joined, left.
type Stay = (SchoolId, GroupId, DateTime<Utc>, Option<DateTime<Utc>>);

/// The group each of `schools` was in (lead or member) on `day`, if any.
pub async fn groups_on(
    conn: &mut AsyncPgConnection,
    schools: &[SchoolId],
    day: NaiveDate,
) -> QueryResult<Vec<(SchoolId, GroupId)>> {
    let rows: Vec<Stay> = memberships::table
        .filter(memberships::school_id.eq_any(schools))
        .select((
            memberships::school_id,
            memberships::group_id,
            memberships::joined_at,
            memberships::left_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, joined, left)| {
            joined.date_naive() <= day && left.is_none_or(|l| l.date_naive() > day)
        })
        .map(|(school, group, _, _)| (school, group))
        .collect())
}

/// A county's rounds, newest first; locked when `lock` (a round is opened one at a time).
pub async fn rounds(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
) -> QueryResult<Vec<RoundRow>> {
    weak_rounds::table
        .filter(weak_rounds::region.eq(region.as_str()))
        .order(weak_rounds::first_school_year.desc())
        .select(RoundRow::as_select())
        .load(conn)
        .await
}

/// Serialises the opening of rounds in one county: a transaction-scoped advisory lock on
/// the region's code (there is no county row to lock).
pub async fn lock_region(conn: &mut AsyncPgConnection, region: &RegionCode) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('weak_rounds:' || $1))")
        .bind::<diesel::sql_types::Text, _>(region.as_str())
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn round(conn: &mut AsyncPgConnection, id: WeakRoundId) -> QueryResult<Option<RoundRow>> {
    weak_rounds::table
        .find(id)
        .select(RoundRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert_round(conn: &mut AsyncPgConnection, row: &RoundRow) -> QueryResult<()> {
    diesel::insert_into(weak_rounds::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn designations(
    conn: &mut AsyncPgConnection,
    rounds: &[WeakRoundId],
) -> QueryResult<Vec<DesignationRow>> {
    weak_designations::table
        .filter(weak_designations::round_id.eq_any(rounds))
        .order((weak_designations::designated_at, weak_designations::id))
        .select(DesignationRow::as_select())
        .load(conn)
        .await
}

pub async fn insert_designation(
    conn: &mut AsyncPgConnection,
    row: &DesignationRow,
) -> QueryResult<()> {
    diesel::insert_into(weak_designations::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn designation_for_update(
    conn: &mut AsyncPgConnection,
    id: DesignationId,
) -> QueryResult<Option<DesignationRow>> {
    weak_designations::table
        .find(id)
        .for_update()
        .select(DesignationRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn lift(
    conn: &mut AsyncPgConnection,
    id: DesignationId,
    on: NaiveDate,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(weak_designations::table.find(id))
        .set((
            weak_designations::lifted_on.eq(on),
            weak_designations::lift_reason.eq(reason),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
