//! Each school's stays in a group with their dates, learnt from the membership events: the
//! lead's from the group's formation, a member's from its admission to its exit, all of them
//! to a dissolution. A past posting needs both its schools in the group for its whole term
//! (E-02, E-03); live writes ask `group_schools.active`, which only knows today.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_domain::{GroupId, MemberRole, SchoolId};

use crate::schema::school_stays;

/// Opens a stay of `school` from `joined_on`, unless one is open already (the event came
/// again, or a group's formation is seen once more).
pub async fn open(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    role: MemberRole,
    joined_on: NaiveDate,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO school_stays (group_id, school_id, role, joined_on) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (group_id, school_id) WHERE left_on IS NULL DO NOTHING",
    )
    .bind::<SqlUuid, _>(group.0)
    .bind::<SqlUuid, _>(school.0)
    .bind::<Text, _>(role.as_str())
    .bind::<Date, _>(joined_on)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Closes the open stay of `school` (or of every school, on dissolution) on `left_on`, its
/// last day in the group (never before the stay began).
pub async fn close(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: Option<SchoolId>,
    left_on: NaiveDate,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE school_stays SET left_on = GREATEST(joined_on, $3) \
         WHERE group_id = $1 AND ($2::uuid IS NULL OR school_id = $2) AND left_on IS NULL",
    )
    .bind::<SqlUuid, _>(group.0)
    .bind::<Nullable<SqlUuid>, _>(school.map(|s| s.0))
    .bind::<Date, _>(left_on)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The role of `school` in the group through every day of `[first, last]` (one stay covers
/// them all), if it was in the group that whole time.
pub async fn role_through(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    (first, last): (NaiveDate, NaiveDate),
) -> QueryResult<Option<MemberRole>> {
    let role: Option<String> = school_stays::table
        .filter(school_stays::group_id.eq(group.0))
        .filter(school_stays::school_id.eq(school.0))
        .filter(school_stays::joined_on.le(first))
        .filter(
            school_stays::left_on
                .is_null()
                .or(school_stays::left_on.ge(last)),
        )
        .select(school_stays::role)
        .first(conn)
        .await
        .optional()?;
    role.map(|r| crate::store::parse("role", &r)).transpose()
}
