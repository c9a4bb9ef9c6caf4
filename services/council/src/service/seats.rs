//! The council's reactions to the membership events (projection.rs): the council seeded
//! with its chair when a group is established, a seat for each admitted member's principal,
//! the seats of a school that leaves vacated, and the council frozen when the group is
//! dissolved (G-02..G-05). Which schools are in the group is the membership view's.

use super::*;

/// `group.established`: the council with its chair, the lead school's principal (G-03).
pub async fn seed_council(
    conn: &mut AsyncPgConnection,
    row: &CouncilRow,
    lead_principal: &str,
) -> diesel::QueryResult<()> {
    if !store::insert_council(conn, row).await? {
        return Ok(());
    }
    let group = GroupId(row.group_id);
    let lead = SchoolId(row.lead_school_id);
    store::insert_seat(
        conn,
        &seat_row(
            group,
            lead,
            SeatRole::Chair,
            lead_principal,
            LeaderPost::Principal,
        ),
    )
    .await
}

/// `member.admitted`: a vice-chair seat for the school's principal (G-04).
pub async fn seat_member(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    principal: &str,
) -> diesel::QueryResult<()> {
    let Some(council) = store::council(conn, group, store::Lock::Update).await? else {
        tracing::warn!(group.id = %group, "member admitted to a group the council has not seen");
        return Ok(());
    };
    if council.frozen_on.is_some() {
        return Ok(());
    }
    let has_vice = store::active_seats(conn, group)
        .await?
        .iter()
        .any(|s| s.school_id == school.0 && s.role == SeatRole::ViceChair.as_str());
    if !has_vice {
        let row = seat_row(
            group,
            school,
            SeatRole::ViceChair,
            principal,
            LeaderPost::Principal,
        );
        store::insert_seat(conn, &row).await?;
    }
    Ok(())
}

/// `member.exited`: the school leaves the council; every seat it held is vacated (G-02).
pub async fn unseat_member(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
) -> diesel::QueryResult<()> {
    if store::council(conn, group, store::Lock::Update)
        .await?
        .is_none()
    {
        return Ok(());
    }
    store::vacate_school(conn, group, school, "member_exited").await
}

/// `group.dissolved`: the council is frozen; its records stay.
pub async fn freeze(conn: &mut AsyncPgConnection, group: GroupId) -> diesel::QueryResult<()> {
    if store::council(conn, group, store::Lock::Update)
        .await?
        .is_none()
    {
        return Ok(());
    }
    store::freeze(conn, group, today()).await
}
