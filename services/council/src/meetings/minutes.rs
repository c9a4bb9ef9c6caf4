//! A meeting's minutes: drafted, circulated to the seats present, published, and corrected
//! only by a correction on record once published (published minutes never change).

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_contracts::Command;
use edu_contracts::council::{
    Correction, MeetingId, MeetingRef, Minutes, MinutesCorrection, MinutesDraft, MinutesRevision,
    MinutesStatus,
};
use edu_db::idempotency;
use edu_domain::text;
use uuid::Uuid;

use super::meeting_group;
use super::rules::minutes_text;
use super::store::{self, CorrectionRow, MeetingRow, MinutesRow, RevisionRow};
use crate::error::CouncilError;
use crate::seats;
use crate::service::{CouncilService, Result, stored_u32};

impl CouncilService {
    /// Writes the minutes' text: freely while a draft; while circulated only as an
    /// attendee's amendment (its seat named); never once published.
    pub async fn write_minutes(&self, cmd: Command<MinutesDraft>) -> Result<Minutes> {
        let body = &cmd.body;
        let text = minutes_text("text", &body.text)?;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let meeting = locked_held_meeting(conn, body.meeting_id).await?;
            let current = store::minutes_of(conn, &[meeting.id]).await?.pop();
            let status = current
                .as_ref()
                .map(|m| m.status);
            match status {
                Some(MinutesStatus::Published) => return Err(CouncilError::MinutesPublished),
                Some(MinutesStatus::Circulated) => {
                    let Some(seat) = body.seat_id else {
                        return Err(CouncilError::MinutesState(
                            status,
                            "circulated minutes change only by an attendee's amendment (name the seat)",
                            "纪要传阅期间,只能由出席人员提出修改(须注明席位)",
                        ));
                    };
                    let seats = store::meeting_seats(conn, &[meeting.id]).await?;
                    if !seats.iter().any(|s| s.seat_id == seat && s.present) {
                        return Err(CouncilError::SeatNotPresent(seat));
                    }
                }
                Some(MinutesStatus::Draft) | None => {
                    if body.seat_id.is_some() {
                        return Err(CouncilError::MinutesState(
                            status,
                            "attendees amend the minutes once they are circulated",
                            "纪要传阅后,出席人员方可提出修改",
                        ));
                    }
                }
            }
            let revision = current.as_ref().map_or(1, |m| m.revision + 1);
            let row = MinutesRow {
                meeting_id: meeting.id,
                status: status.unwrap_or(MinutesStatus::Draft),
                text: text.clone(),
                revision,
                circulated_at: None,
                published_at: None,
            };
            let rev = RevisionRow {
                meeting_id: meeting.id,
                revision,
                text: text.clone(),
                by_sub: cmd.actor.sub.clone(),
                seat_id: body.seat_id,
                created_at: Utc::now(),
            };
            store::write_minutes(conn, &row, &rev).await?;
            minutes_view(conn, meeting.id).await
        })
        .await
    }

    /// Sends draft minutes to the attendees for amendment.
    pub async fn circulate(&self, cmd: Command<MeetingRef>) -> Result<Minutes> {
        self.advance(cmd, MinutesStatus::Draft, MinutesStatus::Circulated)
            .await
    }

    /// Publishes circulated minutes; from then on they never change.
    pub async fn publish(&self, cmd: Command<MeetingRef>) -> Result<Minutes> {
        self.advance(cmd, MinutesStatus::Circulated, MinutesStatus::Published)
            .await
    }

    async fn advance(
        &self,
        cmd: Command<MeetingRef>,
        from: MinutesStatus,
        to: MinutesStatus,
    ) -> Result<Minutes> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let meeting = locked_held_meeting(conn, cmd.body.meeting_id).await?;
            let status = minutes_status(conn, meeting.id).await?;
            if status == Some(MinutesStatus::Published) {
                return Err(CouncilError::MinutesPublished);
            }
            if status != Some(from) {
                let (en, zh) = match to {
                    MinutesStatus::Circulated => (
                        "only draft minutes are circulated (write them first)",
                        "只有草稿状态的纪要可以传阅(请先撰写纪要)",
                    ),
                    _ => (
                        "minutes are circulated to the attendees before they are published",
                        "纪要须先经出席人员传阅,方可发布",
                    ),
                };
                return Err(CouncilError::MinutesState(status, en, zh));
            }
            store::set_minutes_status(conn, meeting.id, to).await?;
            minutes_view(conn, meeting.id).await
        })
        .await
    }

    /// Corrects published minutes with a new record linked to them.
    pub async fn correct(&self, cmd: Command<MinutesCorrection>) -> Result<Minutes> {
        let body = &cmd.body;
        let text = minutes_text("text", &body.text)?;
        let reason = text::required("reason", &body.reason, 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "minutes.correct",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let meeting = locked_held_meeting(conn, body.meeting_id).await?;
                let status = minutes_status(conn, meeting.id).await?;
                if status != Some(MinutesStatus::Published) {
                    return Err(CouncilError::MinutesState(
                        status,
                        "only published minutes take corrections; edit the draft instead",
                        "只有已发布的纪要才能更正;草稿请直接修改",
                    ));
                }
                let row = CorrectionRow {
                    id: Uuid::now_v7(),
                    meeting_id: meeting.id,
                    text: text.clone(),
                    reason: reason.clone(),
                    by_sub: cmd.actor.sub.clone(),
                    created_at: Utc::now(),
                };
                store::insert_correction(conn, &row).await?;
                minutes_view(conn, meeting.id).await
            },
        )
        .await
    }
}

/// A held meeting of a live council, locked (for the minutes' steps).
async fn locked_held_meeting(conn: &mut AsyncPgConnection, id: MeetingId) -> Result<MeetingRow> {
    let group = meeting_group(conn, id).await?;
    seats::live_council_for_share(conn, group).await?;
    let meeting = store::meeting_for_update(conn, id)
        .await?
        .ok_or(CouncilError::MeetingNotFound)?;
    if meeting.held_at.is_none() {
        return Err(CouncilError::MeetingState(
            "minutes are kept of a held meeting: record its attendance first",
            "会议召开(登记出席情况)后方可撰写纪要",
        ));
    }
    Ok(meeting)
}

pub(crate) async fn minutes_status(
    conn: &mut AsyncPgConnection,
    meeting: MeetingId,
) -> diesel::QueryResult<Option<MinutesStatus>> {
    Ok(store::minutes_of(conn, &[meeting])
        .await?
        .pop()
        .map(|m| m.status))
}

async fn minutes_view(conn: &mut AsyncPgConnection, meeting: MeetingId) -> Result<Minutes> {
    let rows = store::minutes_of(conn, &[meeting]).await?;
    let revisions = store::revisions_of(conn, &[meeting]).await?;
    let corrections = store::corrections_of(conn, &[meeting]).await?;
    rows.into_iter()
        .next()
        .map(|m| minutes_from(m, &revisions, &corrections))
        .transpose()?
        .ok_or(CouncilError::MeetingNotFound)
}

pub(super) fn minutes_from(
    row: MinutesRow,
    revisions: &[RevisionRow],
    corrections: &[CorrectionRow],
) -> diesel::QueryResult<Minutes> {
    Ok(Minutes {
        meeting_id: row.meeting_id,
        status: row.status,
        text: row.text,
        revision: stored_u32("minutes revision", row.revision)?,
        history: revisions
            .iter()
            .filter(|r| r.meeting_id == row.meeting_id)
            .map(|r| {
                Ok(MinutesRevision {
                    revision: stored_u32("minutes revision", r.revision)?,
                    by: r.by_sub.clone(),
                    seat_id: r.seat_id,
                    at: r.created_at,
                })
            })
            .collect::<diesel::QueryResult<_>>()?,
        circulated_at: row.circulated_at,
        published_at: row.published_at,
        corrections: corrections
            .iter()
            .filter(|c| c.meeting_id == row.meeting_id)
            .map(|c| Correction {
                id: c.id,
                text: c.text.clone(),
                reason: c.reason.clone(),
                by: c.by_sub.clone(),
                created_at: c.created_at,
            })
            .collect(),
    })
}
