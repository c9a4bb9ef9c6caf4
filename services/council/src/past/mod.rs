//! A group's past council meetings (理事会会议 held before this system), loaded by the bureau
//! with their real dates, so that the monthly council meeting (G-06), the planning and
//! summary meetings (G-15) and the showcase (V-06) count from the first day.
//!
//! Each entry meets the rules a live meeting meets, as far as they apply to a meeting already
//! held: its day is on or after the plaque date and no later than today (attendance is
//! recorded once a meeting is held), the group is not dissolved, every school present
//! was in the group that day (G-02), by the stays the council keeps from membership events,
//! and the texts have the live limits. Its seats are the schools in the group that day, one
//! each (who held them is not on record); the quorum and `meeting.held` are computed by the
//! code that computes them for a live attendance. The first entry that fails refuses the whole
//! load (one transaction), naming the entry in `details.entry`.

pub mod rules;
mod store;

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use diesel_async::AsyncPgConnection;
use edu_bus::membership_view::{self as view, Stay};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::council::{
    LeaderPost, MeetingId, MinutesStatus, PastMeeting, PastMeetings, PastMeetingsLoaded, SeatRole,
};
use edu_db::idempotency;
use edu_domain::{Problem, SchoolId, text};

use crate::error::CouncilError;
use crate::meetings::{
    self,
    store::{self as meeting_store, MeetingRow, MeetingSeatRow, MinutesRow, RevisionRow},
};
use crate::seats::{self, store::CouncilRow};
use crate::service::CouncilService;

type Result<T> = std::result::Result<T, CouncilError>;

/// At most this many meetings in one load.
const MAX_MEETINGS: usize = 200;

/// A day as the instant the record keeps it at (midnight UTC keeps the calendar date).
fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// An entry's texts, checked with the limits of the live writes.
struct Texts {
    title: String,
    place: Option<String>,
    minutes: Option<String>,
}

fn texts(m: &PastMeeting) -> Result<Texts> {
    let place = m
        .place
        .as_deref()
        .map(|p| text::optional("place", p, 200))
        .transpose()?
        .flatten();
    let minutes = m
        .minutes_summary
        .as_deref()
        .map(|s| meetings::rules::minutes_text("minutes_summary", s))
        .transpose()?;
    if m.schools_present.len() > 100 {
        return Err(Problem::validation(
            "schools_present",
            "a meeting has at most 100 schools present",
            "出席学校不超过 100 所",
        )
        .into());
    }
    Ok(Texts {
        title: text::required("title", &m.title, 100)?,
        place,
        minutes,
    })
}

impl CouncilService {
    /// Loads a group's past meetings (bureau): see the module's documentation. Emits one
    /// `meeting.held` for each, with its real day.
    pub async fn load_past_meetings(
        &self,
        cmd: Command<PastMeetings>,
    ) -> Result<PastMeetingsLoaded> {
        let body = &cmd.body;
        if body.meetings.is_empty() || body.meetings.len() > MAX_MEETINGS {
            return Err(Problem::validation(
                "meetings",
                "a load has 1 to 200 meetings",
                "一次载入 1 到 200 次会议",
            )
            .into());
        }
        let group = body.group_id;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "meeting.load_past",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                // share-locked: no membership change or dissolution is projected meanwhile
                let council = seats::live_council_for_share(conn, group).await?;
                let stays = view::stays(conn, group).await?;
                let today = Utc::now().date_naive();
                let mut rows = Vec::with_capacity(body.meetings.len());
                for (entry, m) in body.meetings.iter().enumerate() {
                    let row = load_one(conn, &cmd, &council, &stays, m, today)
                        .await
                        .map_err(|cause| CouncilError::PastEntry {
                            entry,
                            on: m.held_on,
                            cause: Box::new(cause),
                        })?;
                    rows.push(row);
                }
                Ok(PastMeetingsLoaded {
                    group_id: group,
                    meetings: meetings::meeting_views(conn, rows).await?,
                })
            },
        )
        .await
    }
}

/// One past meeting: judged, then stored as held with its seats and attendance, its minutes
/// published (when given), and its `meeting.held` in the outbox.
async fn load_one(
    conn: &mut AsyncPgConnection,
    cmd: &Command<PastMeetings>,
    council: &CouncilRow,
    stays: &[Stay],
    m: &PastMeeting,
    today: NaiveDate,
) -> Result<MeetingRow> {
    let texts = texts(m)?;
    rules::check_day(m.held_on, council.plaque_date, today)?;
    let in_group = rules::schools_on(stays, m.held_on);
    let present: BTreeSet<SchoolId> = m.schools_present.iter().copied().collect();
    rules::check_present(&present, &in_group, m.held_on)?;

    let group = council.group_id;
    let policy = edu_bus::policy::in_force(conn, council.region.as_str(), m.held_on).await?;
    let now = Utc::now();
    let row = MeetingRow {
        id: MeetingId::new(),
        group_id: group,
        kind: m.kind,
        title: texts.title,
        held_on: m.held_on,
        start_time: None,
        duration_minutes: None,
        place: texts.place,
        online_link: None,
        held_at: Some(now),
        policy_version: policy.version,
        created_at: now,
    };
    meeting_store::insert_meeting(conn, &row, &[]).await?;
    // The seats of that day: one a school in the group, the lead's principal in the chair
    // (G-03) and each member's as vice-chair (G-04); who held them is not on record.
    let seats: Vec<_> = in_group
        .iter()
        .map(|school| {
            let role = if *school == council.lead_school_id {
                SeatRole::Chair
            } else {
                SeatRole::ViceChair
            };
            let mut seat = seats::seat_row(group, *school, role, "", LeaderPost::Principal);
            seat.active = false;
            seat.since = at(m.held_on);
            seat.vacated_at = Some(at(m.held_on));
            seat.vacated_reason = Some("past_meeting".to_owned());
            seat
        })
        .collect();
    store::insert_seats(conn, &seats).await?;
    let attendance: Vec<MeetingSeatRow> = seats
        .iter()
        .map(|s| MeetingSeatRow {
            meeting_id: row.id,
            seat_id: s.id,
            school_id: s.school_id,
            role: s.role,
            holder_name: s.holder_name.clone(),
            present: present.contains(&s.school_id),
        })
        .collect();
    meeting_store::set_attendance(conn, row.id, &attendance).await?;
    if let Some(text) = texts.minutes {
        let minutes = MinutesRow {
            meeting_id: row.id,
            status: MinutesStatus::Published,
            text: text.clone(),
            revision: 1,
            circulated_at: None,
            published_at: Some(now),
        };
        let revision = RevisionRow {
            meeting_id: row.id,
            revision: 1,
            text,
            by_sub: cmd.actor.sub.clone(),
            seat_id: None,
            created_at: now,
        };
        meeting_store::write_minutes(conn, &minutes, &revision).await?;
    }
    let event = meetings::rules::meeting_held(
        row.id,
        group,
        m.kind,
        m.held_on,
        &meetings::seat_presence(&attendance),
        &policy,
    );
    outbox::enqueue(conn, &cmd.actor, Some(group), None, &event).await?;
    Ok(row)
}
