//! Meetings (G-06, G-15, V-06): scheduled with their ordered agenda, held once their
//! attendance is recorded (`meeting.held`), with the quorum that knows constituencies; their
//! minutes (`minutes`) and the monthly and yearly cadence (`cadence`).

mod cadence;
mod minutes;
pub mod rules;
pub(crate) mod store;

use std::collections::BTreeSet;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::council::{
    AgendaItem, Attendance, Meeting, MeetingId, MeetingQuery, MeetingRef, MinutesStatus, MotionId,
    NewMeeting, Page, SeatAttendance, SeatId, SeatRole,
};
use edu_db::idempotency;
use edu_domain::{GroupId, Policy, Problem, SchoolId};

use crate::error::CouncilError;
use crate::motions;
use crate::seats;
use crate::service::{CouncilService, Result, policy_of, today};
use minutes::minutes_from;
pub(crate) use minutes::minutes_status;
use store::{AgendaRow, MeetingFilter, MeetingRow, MeetingSeatRow};

impl CouncilService {
    /// Schedules (or records) a meeting with its ordered agenda.
    pub async fn schedule(&self, cmd: Command<NewMeeting>) -> Result<Meeting> {
        let body = &cmd.body;
        let planned = rules::check_new_meeting(body)?;
        let id = MeetingId::new();
        let agenda: Vec<AgendaRow> = planned
            .agenda
            .into_iter()
            .zip(0..)
            .map(|(item, position)| AgendaRow {
                meeting_id: id,
                position,
                title: item.title,
                owner: item.owner,
                documents: serde_json::Value::from(item.documents),
            })
            .collect();
        let row = MeetingRow {
            id,
            group_id: body.group_id,
            kind: body.kind,
            title: planned.title,
            held_on: body.held_on,
            start_time: body.start_time,
            duration_minutes: planned.duration_minutes,
            place: planned.place,
            online_link: planned.online_link,
            held_at: None,
            // Set under the region's policy in force on the meeting's day, below.
            policy_version: 0,
            created_at: Utc::now(),
        };
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "meeting.schedule",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let council = seats::live_council_for_share(conn, body.group_id).await?;
                let mut row = row.clone();
                row.policy_version =
                    edu_bus::policy::in_force(conn, council.region.as_str(), row.held_on)
                        .await?
                        .version;
                store::insert_meeting(conn, &row, &agenda).await?;
                meeting_view(conn, row).await
            },
        )
        .await
    }

    pub async fn get_meeting(&self, cmd: Command<MeetingRef>) -> Result<Meeting> {
        let mut conn = self.conn().await?;
        let row = store::meeting(&mut conn, cmd.body.meeting_id)
            .await?
            .ok_or(CouncilError::MeetingNotFound)?;
        meeting_view(&mut conn, row).await
    }

    pub async fn list_meetings(&self, cmd: Command<MeetingQuery>) -> Result<Page<Meeting>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let (from, to) = match q.year {
            Some(y) => {
                let (first, last) = rules::year_days(y)?;
                (Some(first), Some(last))
            }
            None => (None, None),
        };
        let filter = MeetingFilter {
            group: q.group_id,
            from,
            to,
            kind: q.kind,
            held_only: false,
        };
        let mut conn = self.conn().await?;
        let (rows, total) = store::list_meetings(&mut conn, &filter, Some(paging)).await?;
        let items = meeting_views(&mut conn, rows).await?;
        Ok(Page { items, total })
    }

    /// Records who was present (every other seat of the council was absent). The first
    /// recording makes the meeting held (`meeting.held`); attendance is fixed once a vote
    /// is cast or the minutes are published.
    pub async fn attendance(&self, cmd: Command<Attendance>) -> Result<Meeting> {
        let present: BTreeSet<SeatId> = cmd.body.present.iter().copied().collect();
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let group = meeting_group(conn, cmd.body.meeting_id).await?;
            seats::live_council_for_share(conn, group).await?;
            let meeting = store::meeting_for_update(conn, cmd.body.meeting_id)
                .await?
                .ok_or(CouncilError::MeetingNotFound)?;
            if meeting.held_on > today() {
                return Err(CouncilError::NotYetHeld);
            }
            if motions::store::meeting_has_votes(conn, meeting.id).await? {
                return Err(CouncilError::MeetingState(
                    "attendance is fixed once votes are cast",
                    "已开始表决,出席情况不能再修改",
                ));
            }
            if minutes_status(conn, meeting.id).await? == Some(MinutesStatus::Published) {
                return Err(CouncilError::MinutesPublished);
            }
            let seats = seats::store::active_seats(conn, group).await?;
            if let Some(unknown) = present.iter().find(|p| !seats.iter().any(|s| s.id == **p)) {
                return Err(Problem::validation(
                    "present",
                    &format!("{unknown} is not a seat of this council"),
                    &format!("{unknown} 不是本理事会的席位"),
                )
                .into());
            }
            let rows: Vec<MeetingSeatRow> = seats
                .iter()
                .map(|s| MeetingSeatRow {
                    meeting_id: meeting.id,
                    seat_id: s.id,
                    school_id: s.school_id,
                    role: s.role,
                    holder_name: s.holder_name.clone(),
                    present: present.contains(&s.id),
                })
                .collect();
            store::set_attendance(conn, meeting.id, &rows).await?;
            if meeting.held_at.is_none() {
                store::mark_held(conn, meeting.id).await?;
                let policy = policy_of(conn, group, meeting.held_on).await?;
                let event = rules::meeting_held(
                    meeting.id,
                    group,
                    meeting.kind,
                    meeting.held_on,
                    &seat_presence(&rows),
                    &policy,
                );
                outbox::enqueue(conn, &cmd.actor, Some(group), None, &event).await?;
            }
            let meeting = store::meeting(conn, meeting.id)
                .await?
                .ok_or(CouncilError::MeetingNotFound)?;
            meeting_view(conn, meeting).await
        })
        .await
    }
}

pub(crate) fn seat_presence(rows: &[MeetingSeatRow]) -> Vec<(SchoolId, bool)> {
    rows.iter().map(|r| (r.school_id, r.present)).collect()
}

/// The group of a meeting (immutable, so read without a lock before locking in order).
pub(crate) async fn meeting_group(conn: &mut AsyncPgConnection, id: MeetingId) -> Result<GroupId> {
    store::meeting(conn, id)
        .await?
        .map(|m| m.group_id)
        .ok_or(CouncilError::MeetingNotFound)
}

async fn meeting_view(conn: &mut AsyncPgConnection, row: MeetingRow) -> Result<Meeting> {
    meeting_views(conn, vec![row])
        .await?
        .pop()
        .ok_or(CouncilError::MeetingNotFound)
}

/// Meetings with their agenda, attendance, quorum, motions and minutes (batched queries).
pub(crate) async fn meeting_views(
    conn: &mut AsyncPgConnection,
    rows: Vec<MeetingRow>,
) -> Result<Vec<Meeting>> {
    let ids: Vec<MeetingId> = rows.iter().map(|m| m.id).collect();
    let agenda = store::agenda(conn, &ids).await?;
    let seats = store::meeting_seats(conn, &ids).await?;
    let motions = motions::store::motions_of(conn, &ids).await?;
    let motion_ids: Vec<MotionId> = motions.iter().map(|m| m.id).collect();
    let votes = motions::store::votes_of(conn, &motion_ids).await?;
    let decisions = motions::store::decisions_of_motions(conn, &motion_ids).await?;
    let minutes = store::minutes_of(conn, &ids).await?;
    let revisions = store::revisions_of(conn, &ids).await?;
    let corrections = store::corrections_of(conn, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        // Quorum under the group's region policy in force on the meeting's day.
        let p = match m.held_at {
            Some(_) => policy_of(conn, m.group_id, m.held_on).await?,
            None => Policy::default(),
        };
        let mine: Vec<MeetingSeatRow> = seats
            .iter()
            .filter(|s| s.meeting_id == m.id)
            .cloned()
            .collect();
        let mut attendance = mine
            .iter()
            .map(|s| SeatAttendance {
                seat_id: s.seat_id,
                role: s.role,
                school_id: s.school_id,
                holder_name: s.holder_name.clone(),
                present: s.present,
            })
            .collect::<Vec<_>>();
        attendance.sort_by_key(|a| SeatRole::ALL.iter().position(|r| *r == a.role));
        let items = agenda
            .iter()
            .filter(|a| a.meeting_id == m.id)
            .map(|a| {
                // The service writes an array of links; anything else fails the read.
                let documents = serde_json::from_value(a.documents.clone())
                    .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
                Ok(AgendaItem {
                    title: a.title.clone(),
                    owner: a.owner.clone(),
                    documents,
                })
            })
            .collect::<diesel::QueryResult<Vec<_>>>()?;
        let meeting_motions = motions
            .iter()
            .filter(|x| x.meeting_id == m.id)
            .cloned()
            .map(|x| motions::motion_from(x, &mine, &votes, &decisions))
            .collect();
        let minutes = minutes
            .iter()
            .find(|x| x.meeting_id == m.id)
            .cloned()
            .map(|x| minutes_from(x, &revisions, &corrections))
            .transpose()?;
        out.push(Meeting {
            id: m.id,
            group_id: m.group_id,
            kind: m.kind,
            title: m.title,
            held_on: m.held_on,
            start_time: m.start_time,
            duration_minutes: m.duration_minutes.and_then(|d| u16::try_from(d).ok()),
            place: m.place,
            online_link: m.online_link,
            agenda: items,
            held: m.held_at.is_some(),
            quorum: m.held_at.map(|_| rules::quorum(&seat_presence(&mine), &p)),
            attendance,
            motions: meeting_motions,
            minutes,
            policy_version: m.policy_version,
            created_at: m.created_at,
        });
    }
    Ok(out)
}
