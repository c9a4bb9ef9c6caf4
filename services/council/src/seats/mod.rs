//! The council's composition (G-02..G-05): its seats as the chair sets them, checked against
//! membership, and kept in step with the membership events — the council seeded with its
//! chair when a group is established, a seat for each admitted member's principal, the seats
//! of a school that leaves vacated, and the council frozen when the group is dissolved.

pub mod rules;
pub(crate) mod store;

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_contracts::Command;
use edu_contracts::council::{
    Council, CouncilComposition, GroupScope, LeaderPost, Seat, SeatId, SeatRole,
};
use edu_domain::{GroupId, MemberRole, Problem, SchoolId, text};

use crate::error::CouncilError;
use crate::service::{CouncilService, Result, today};
use rules::GroupSchool;
use store::{CouncilRow, SeatRow};

impl CouncilService {
    pub async fn get_council(&self, cmd: Command<GroupScope>) -> Result<Council> {
        let mut conn = self.conn().await?;
        let council = store::council(&mut conn, cmd.body.group_id, store::Lock::None)
            .await?
            .ok_or(CouncilError::CouncilNotFound)?;
        council_view(&mut conn, council).await
    }

    /// The chair sets the whole council; the service checks it against membership (G-02 to
    /// G-05) with the council locked. Seats that stay keep their id; the others are vacated
    /// (kept for the record) and new ones created.
    pub async fn set_council(&self, cmd: Command<CouncilComposition>) -> Result<Council> {
        let mut seats = Vec::with_capacity(cmd.body.seats.len());
        if cmd.body.seats.len() > 100 {
            return Err(Problem::validation(
                "seats",
                "a council has at most 100 seats",
                "理事会席位不超过 100 个",
            )
            .into());
        }
        for s in &cmd.body.seats {
            let mut s = s.clone();
            s.holder_name = text::required("holder_name", &s.holder_name, 50)?;
            seats.push(s);
        }
        let group = cmd.body.group_id;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let council = store::council(conn, group, store::Lock::Update)
                .await?
                .ok_or(CouncilError::CouncilNotFound)?;
            if council.frozen_on.is_some() {
                return Err(CouncilError::Frozen);
            }
            let schools = active_schools(conn, group).await?;
            rules::check_composition(&seats, &schools)?;
            let current = store::active_seats(conn, group).await?;
            let mut kept = BTreeSet::new();
            for s in &seats {
                let same = current.iter().find(|c| {
                    !kept.contains(&c.id)
                        && c.role == s.role
                        && c.school_id == s.school_id
                        && c.holder_name == s.holder_name
                        && c.post == s.post
                });
                match same {
                    Some(c) => {
                        kept.insert(c.id);
                    }
                    None => {
                        let row = seat_row(group, s.school_id, s.role, &s.holder_name, s.post);
                        kept.insert(row.id);
                        store::insert_seat(conn, &row).await?;
                    }
                }
            }
            let gone: Vec<SeatId> = current
                .iter()
                .map(|c| c.id)
                .filter(|id| !kept.contains(id))
                .collect();
            store::vacate(conn, &gone, "replaced").await?;
            council_view(conn, council).await
        })
        .await
    }
}

/// `group.established`: the council with its chair, the lead school's principal (G-03). An
/// event that names no principal (written before principals were named) seats nobody: the
/// council then shows its chair as missing rather than a chair without a name.
pub async fn seed_council(
    conn: &mut AsyncPgConnection,
    row: &CouncilRow,
    lead_principal: Option<&str>,
) -> diesel::QueryResult<()> {
    if !store::insert_council(conn, row).await? {
        return Ok(());
    }
    let Some(principal) = lead_principal else {
        tracing::warn!(group.id = %row.group_id, "group established without its lead principal's name; the chair stays vacant");
        return Ok(());
    };
    let chair = seat_row(
        row.group_id,
        row.lead_school_id,
        SeatRole::Chair,
        principal,
        LeaderPost::Principal,
    );
    store::insert_seat(conn, &chair).await
}

/// `member.admitted`: a vice-chair seat for the school's principal (G-04). As for the chair,
/// an event that names no principal seats nobody, and the council shows the vice-chair as
/// missing.
pub async fn seat_member(
    conn: &mut AsyncPgConnection,
    group: GroupId,
    school: SchoolId,
    principal: Option<&str>,
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
        .any(|s| s.school_id == school && s.role == SeatRole::ViceChair);
    if has_vice {
        return Ok(());
    }
    let Some(principal) = principal else {
        tracing::warn!(group.id = %group, school.id = %school, "member admitted without its principal's name; its vice-chair stays vacant");
        return Ok(());
    };
    let row = seat_row(
        group,
        school,
        SeatRole::ViceChair,
        principal,
        LeaderPost::Principal,
    );
    store::insert_seat(conn, &row).await
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

pub(crate) fn seat_row(
    group: GroupId,
    school: SchoolId,
    role: SeatRole,
    holder: &str,
    post: LeaderPost,
) -> SeatRow {
    SeatRow {
        id: SeatId::new(),
        group_id: group,
        school_id: school,
        role,
        holder_name: holder.to_owned(),
        post,
        active: true,
        since: Utc::now(),
        vacated_at: None,
        vacated_reason: None,
    }
}

pub(crate) async fn active_schools(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> diesel::QueryResult<Vec<GroupSchool>> {
    Ok(store::schools(conn, group)
        .await?
        .into_iter()
        .filter(|s| s.active)
        .map(|s| GroupSchool {
            id: s.school_id,
            lead: s.role == MemberRole::Lead,
            principal_name: s.principal_name,
        })
        .collect())
}

/// The council, share-locked, refusing a frozen one.
pub(crate) async fn live_council_for_share(
    conn: &mut AsyncPgConnection,
    group: GroupId,
) -> Result<CouncilRow> {
    let council = store::council(conn, group, store::Lock::Share)
        .await?
        .ok_or(CouncilError::CouncilNotFound)?;
    if council.frozen_on.is_some() {
        return Err(CouncilError::Frozen);
    }
    Ok(council)
}

async fn council_view(conn: &mut AsyncPgConnection, council: CouncilRow) -> Result<Council> {
    let group = council.group_id;
    let schools = store::schools(conn, group).await?;
    let names: BTreeMap<SchoolId, String> = schools
        .iter()
        .filter_map(|s| Some((s.school_id, s.name.clone()?)))
        .collect();
    let mut seats = store::active_seats(conn, group)
        .await?
        .into_iter()
        .map(|s| Seat {
            id: s.id,
            role: s.role,
            school_id: s.school_id,
            // Display text only: a school no membership event named (events older than
            // names) shows an empty name; ids, roles and holders stay exact.
            school_name: names.get(&s.school_id).cloned().unwrap_or_default(),
            holder_name: s.holder_name,
            post: s.post,
            since: s.since,
        })
        .collect::<Vec<_>>();
    seats.sort_by_key(|s| (SeatRole::ALL.iter().position(|r| *r == s.role), s.since));
    let active = active_schools(conn, group).await?;
    let roles: Vec<(SeatRole, SchoolId)> = seats.iter().map(|s| (s.role, s.school_id)).collect();
    Ok(Council {
        group_id: group,
        group_name: council.name,
        region: council.region,
        lead_school_id: council.lead_school_id,
        missing: rules::missing_roles(&roles, &active),
        seats,
        frozen: council.frozen_on.is_some(),
    })
}
