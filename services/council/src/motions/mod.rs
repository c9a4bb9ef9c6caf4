//! Motions, votes and decisions (G-07, G-09): a motion is put to a held meeting, the seats
//! present vote once quorum is met, and a passed motion becomes a decision of the council
//! (`decision.recorded`), found by group, category, school concerned and date.

pub mod rules;
pub(crate) mod store;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::outbox;
use edu_contracts::council::{
    Ballot, Decision, DecisionId, DecisionQuery, MinutesStatus, Motion, MotionId, MotionRef,
    MotionStatus, NewMotion, Page, Tally, Vote, VoteChoice,
};
use edu_contracts::events::DecisionRecorded;
use edu_contracts::{Actor, Command};
use edu_db::idempotency;

use crate::error::CouncilError;
use crate::meetings::store::{MeetingRow, MeetingSeatRow};
use crate::meetings::{self, meeting_group, seat_presence};
use crate::seats;
use crate::service::{CouncilService, Result, policy_of, stored_u32};
use store::{DecisionFilter, DecisionRow, MotionRow, VoteRow};

impl CouncilService {
    /// Puts a motion to a held meeting whose minutes are not yet published.
    pub async fn propose_motion(&self, cmd: Command<NewMotion>) -> Result<Motion> {
        let body = &cmd.body;
        let title = rules::check_new_motion(body)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "motion.propose",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let group = meeting_group(conn, body.meeting_id).await?;
                seats::live_council_for_share(conn, group).await?;
                let meeting = meetings::store::meeting_for_update(conn, body.meeting_id)
                    .await?
                    .ok_or(CouncilError::MeetingNotFound)?;
                if meeting.held_at.is_none() {
                    return Err(CouncilError::MeetingState(
                        "record the meeting's attendance before putting motions to it",
                        "请先登记会议出席情况,再提出议案",
                    ));
                }
                if meetings::minutes_status(conn, meeting.id).await?
                    == Some(MinutesStatus::Published)
                {
                    return Err(CouncilError::MinutesPublished);
                }
                if let Some(subject) = body.subject_school_id {
                    let schools = seats::active_schools(conn, group).await?;
                    rules::check_subject(body.category, subject, &schools)?;
                }
                let row = MotionRow {
                    id: MotionId::new(),
                    meeting_id: meeting.id,
                    group_id: group,
                    title: title.clone(),
                    category: body.category,
                    major: body.major,
                    subject_school_id: body.subject_school_id,
                    status: MotionStatus::Open,
                    created_at: Utc::now(),
                    closed_at: None,
                };
                store::insert_motion(conn, &row).await?;
                motion_view(conn, row).await
            },
        )
        .await
    }

    pub async fn get_motion(&self, cmd: Command<MotionRef>) -> Result<Motion> {
        let mut conn = self.conn().await?;
        let row = store::motion(&mut conn, cmd.body.motion_id)
            .await?
            .ok_or(CouncilError::MotionNotFound)?;
        motion_view(&mut conn, row).await
    }

    /// Records votes of present seats. Refused without quorum (by default a majority of
    /// seats and every school represented). When every present seat has voted, the service
    /// computes the result; a passed motion becomes a decision (`decision.recorded`).
    pub async fn vote(&self, cmd: Command<Ballot>) -> Result<Motion> {
        let ballot: Vec<VoteRow> = rules::check_ballot(&cmd.body.votes)?
            .into_iter()
            .map(|v| VoteRow {
                motion_id: cmd.body.motion_id,
                seat_id: v.seat_id,
                choice: v.choice,
                reason: v.reason,
                cast_at: Utc::now(),
            })
            .collect();
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let motion = store::motion(conn, cmd.body.motion_id)
                .await?
                .ok_or(CouncilError::MotionNotFound)?;
            let group = motion.group_id;
            seats::live_council_for_share(conn, group).await?;
            let meeting = meetings::store::meeting_for_update(conn, motion.meeting_id)
                .await?
                .ok_or(CouncilError::MeetingNotFound)?;
            let motion = store::motion_for_update(conn, motion.id)
                .await?
                .ok_or(CouncilError::MotionNotFound)?;
            let status: MotionStatus = motion.status;
            if status != MotionStatus::Open {
                return Err(CouncilError::MotionClosed(status));
            }
            let seats = meetings::store::meeting_seats(conn, &[meeting.id]).await?;
            let policy = policy_of(conn, meeting.group_id, meeting.held_on).await?;
            let q = meetings::rules::quorum(&seat_presence(&seats), &policy);
            if !q.met {
                return Err(CouncilError::Quorum(q));
            }
            let existing = store::votes_of(conn, &[motion.id]).await?;
            for v in &ballot {
                if !seats.iter().any(|s| s.seat_id == v.seat_id && s.present) {
                    return Err(CouncilError::SeatNotPresent(v.seat_id));
                }
                if existing.iter().any(|e| e.seat_id == v.seat_id) {
                    return Err(CouncilError::AlreadyVoted(v.seat_id));
                }
            }
            store::insert_votes(conn, &ballot).await?;
            let choices = existing
                .iter()
                .chain(ballot.iter())
                .map(|v| v.choice)
                .collect::<Vec<_>>();
            let tally = rules::tally(&choices, q.present);
            if let Some(result) = rules::result(&tally) {
                store::close_motion(conn, motion.id, result).await?;
                if result == MotionStatus::Passed {
                    record_decision(conn, &cmd.actor, &motion, &meeting, &tally).await?;
                }
            }
            let motion = store::motion(conn, motion.id)
                .await?
                .ok_or(CouncilError::MotionNotFound)?;
            motion_view(conn, motion).await
        })
        .await
    }

    /// G-09: decisions by group, category, school concerned, majorness and dates.
    pub async fn find_decisions(&self, cmd: Command<DecisionQuery>) -> Result<Page<Decision>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let filter = DecisionFilter {
            group: q.group_id,
            category: q.category,
            subject: q.subject_school_id,
            major: q.major,
            from: q.from,
            to: q.to,
        };
        let mut conn = self.conn().await?;
        let (rows, total) = store::find_decisions(&mut conn, &filter, Some(paging)).await?;
        let items = rows
            .into_iter()
            .map(decision_view)
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }
}

async fn record_decision(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    motion: &MotionRow,
    meeting: &MeetingRow,
    tally: &Tally,
) -> Result<()> {
    let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    let policy = policy_of(conn, motion.group_id, meeting.held_on).await?;
    let row = DecisionRow {
        id: DecisionId::new(),
        group_id: motion.group_id,
        meeting_id: meeting.id,
        motion_id: motion.id,
        title: motion.title.clone(),
        category: motion.category,
        major: motion.major,
        subject_school_id: motion.subject_school_id,
        decided_on: meeting.held_on,
        yes: count(tally.yes),
        no: count(tally.no),
        abstain: count(tally.abstain),
        recused: count(tally.recused),
        policy_version: policy.version,
        created_at: Utc::now(),
    };
    store::insert_decision(conn, &row).await?;
    let event = DecisionRecorded {
        decision_id: row.id,
        group_id: row.group_id,
        meeting_id: row.meeting_id,
        category: row.category,
        major: row.major,
        subject_school_id: row.subject_school_id,
        title: row.title.clone(),
        decided_on: row.decided_on,
        policy_version: row.policy_version,
    };
    outbox::enqueue(
        conn,
        actor,
        Some(row.group_id),
        row.subject_school_id,
        &event,
    )
    .await?;
    Ok(())
}

pub(crate) fn decision_view(row: DecisionRow) -> diesel::QueryResult<Decision> {
    Ok(Decision {
        id: row.id,
        group_id: row.group_id,
        meeting_id: row.meeting_id,
        motion_id: row.motion_id,
        category: row.category,
        title: row.title,
        major: row.major,
        subject_school_id: row.subject_school_id,
        decided_on: row.decided_on,
        tally: Tally {
            yes: stored_u32("yes votes", row.yes)?,
            no: stored_u32("no votes", row.no)?,
            abstain: stored_u32("abstentions", row.abstain)?,
            recused: stored_u32("recusals", row.recused)?,
            pending: 0,
        },
        policy_version: row.policy_version,
    })
}

async fn motion_view(conn: &mut AsyncPgConnection, row: MotionRow) -> Result<Motion> {
    let seats = meetings::store::meeting_seats(conn, &[row.meeting_id]).await?;
    let votes = store::votes_of(conn, &[row.id]).await?;
    let decisions = store::decisions_of_motions(conn, &[row.id]).await?;
    Ok(motion_from(row, &seats, &votes, &decisions))
}

pub(crate) fn motion_from(
    row: MotionRow,
    seats: &[MeetingSeatRow],
    votes: &[VoteRow],
    decisions: &[(MotionId, DecisionId)],
) -> Motion {
    let present = u32::try_from(
        seats
            .iter()
            .filter(|s| s.meeting_id == row.meeting_id && s.present)
            .count(),
    )
    .unwrap_or(u32::MAX);
    let mine: Vec<Vote> = votes
        .iter()
        .filter(|v| v.motion_id == row.id)
        .map(|v| Vote {
            seat_id: v.seat_id,
            choice: v.choice,
            reason: v.reason.clone(),
        })
        .collect();
    let choices: Vec<VoteChoice> = mine.iter().map(|v| v.choice).collect();
    Motion {
        id: row.id,
        meeting_id: row.meeting_id,
        group_id: row.group_id,
        title: row.title,
        category: row.category,
        major: row.major,
        subject_school_id: row.subject_school_id,
        status: row.status,
        tally: rules::tally(&choices, present),
        votes: mine,
        decision_id: decisions
            .iter()
            .find(|(m, _)| *m == row.id)
            .map(|(_, d)| *d),
        created_at: row.created_at,
    }
}
