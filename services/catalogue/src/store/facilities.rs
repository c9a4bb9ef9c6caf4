//! Shared facilities and their bookings, and the bookings a membership change cancels.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::catalogue::{Booking, Facility, Paging};
use edu_domain::{BookingId, BookingStatus, FacilityId, GroupId, SchoolId};

use super::parse;
use crate::schema::{bookings, facilities};

/// §5 exit and dissolution: future bookings made by, or at a facility of, a school that is
/// no longer in the group are cancelled (`school` = `None`: every school of the group).
pub async fn cancel_future_bookings(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
) -> QueryResult<usize> {
    let confirmed = BookingStatus::Confirmed.as_str();
    let cancelled = BookingStatus::Cancelled.as_str();
    let future = bookings::table
        .filter(bookings::group_id.eq(group.0))
        .filter(bookings::status.eq(confirmed))
        .filter(bookings::ends_at.gt(diesel::dsl::now));
    match school {
        None => {
            diesel::update(future)
                .set(bookings::status.eq(cancelled))
                .execute(conn)
                .await
        }
        Some(s) => {
            let owned = facilities::table
                .filter(facilities::owner_school_id.eq(s.0))
                .select(facilities::id);
            diesel::update(
                future.filter(
                    bookings::school_id
                        .eq(s.0)
                        .or(bookings::facility_id.eq_any(owned)),
                ),
            )
            .set(bookings::status.eq(cancelled))
            .execute(conn)
            .await
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = facilities)]
pub struct FacilityRow {
    pub id: FacilityId,
    pub group_id: GroupId,
    pub owner_school_id: SchoolId,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub capacity: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl FacilityRow {
    pub fn view(&self) -> QueryResult<Facility> {
        Ok(Facility {
            id: self.id,
            group_id: self.group_id,
            owner_school_id: self.owner_school_id,
            name: self.name.clone(),
            kind: parse("kind", &self.kind)?,
            description: self.description.clone(),
            capacity: self.capacity.and_then(|c| u32::try_from(c).ok()),
            created_at: self.created_at,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bookings)]
pub struct BookingRow {
    pub id: BookingId,
    pub facility_id: FacilityId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub purpose: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

impl BookingRow {
    pub fn view(&self) -> QueryResult<Booking> {
        Ok(Booking {
            id: self.id,
            facility_id: self.facility_id,
            group_id: self.group_id,
            school_id: self.school_id,
            start: self.starts_at,
            end: self.ends_at,
            purpose: self.purpose.clone(),
            status: parse("status", &self.status)?,
            created_at: self.created_at,
        })
    }
}

pub async fn insert_facility(conn: &mut AsyncPgConnection, row: &FacilityRow) -> QueryResult<()> {
    diesel::insert_into(facilities::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn facility(
    conn: &mut AsyncPgConnection,
    id: FacilityId,
) -> QueryResult<Option<FacilityRow>> {
    facilities::table
        .find(id.0)
        .select(FacilityRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The facility, locked: bookings of one facility queue here, one transaction at a time.
/// (Two inserts racing on the exclusion constraint alone can deadlock each other, each
/// waiting for the other's uncommitted row; the constraint stays as the guarantee.)
pub async fn facility_for_booking(
    conn: &mut AsyncPgConnection,
    id: FacilityId,
) -> QueryResult<Option<FacilityRow>> {
    facilities::table
        .find(id.0)
        .select(FacilityRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn facilities_of(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    paging: Paging,
) -> QueryResult<(Vec<FacilityRow>, i64)> {
    let total = facilities::table
        .filter(facilities::group_id.eq(group.0))
        .count()
        .get_result(conn)
        .await?;
    let rows = facilities::table
        .filter(facilities::group_id.eq(group.0))
        .order((facilities::name.asc(), facilities::id.asc()))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(FacilityRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}

/// Inserts a confirmed booking; an overlap fails on `bookings_no_overlap`.
pub async fn insert_booking(conn: &mut AsyncPgConnection, row: &BookingRow) -> QueryResult<()> {
    diesel::insert_into(bookings::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A facility's bookings that have not ended yet, soonest first.
pub async fn bookings_of(
    conn: &mut AsyncPgConnection,
    facility: FacilityId,
    paging: Paging,
) -> QueryResult<(Vec<BookingRow>, i64)> {
    let base = bookings::table
        .filter(bookings::facility_id.eq(facility.0))
        .filter(bookings::ends_at.gt(diesel::dsl::now));
    let total = base.count().get_result(conn).await?;
    let rows = base
        .order((bookings::starts_at.asc(), bookings::id.asc()))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select(BookingRow::as_select())
        .load(conn)
        .await?;
    Ok((rows, total))
}
