//! F-04 for teachers: a posting that takes a teacher into another county waits for the
//! consent of the bureau of the teacher's own county (the home school stays the payroll unit,
//! E-04, so that county still answers for the teacher). Proposed by that bureau, it is
//! consented at once; proposed by anyone else, it waits, and the receiving school cannot
//! confirm it until the bureau approves. A declined posting is cancelled with the bureau's
//! note. A school's county comes with its admission (`member.admitted`); a school seen before
//! that is taken to be of the group's county.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::events::PostingConsentDecided;
use edu_contracts::rotation::{
    ConsentStatus, ConsentVerdict, Page, Paging, Posting, PostingConsentDecision,
    PostingConsentQuery,
};
use edu_domain::{PostingId, Problem, RegionCode, Role, text};

use crate::error::RotationError;
use crate::schema::{postings, teachers};
use crate::service::{Result, RotationService, close_one, facts, teacher_of, today};
use crate::store::{self, PostingContext, PostingRow, TeacherRow};

/// Why a declined posting was cancelled, when the bureau wrote no note of its own.
const DECLINED: &str = "教师所在县(区)教育局不同意跨县交流 declined by the teacher's county bureau";

/// Marks a new posting that crosses counties: pending, or consented at once when the bureau
/// of the teacher's county proposed it.
pub(crate) fn require_consent(
    row: &mut PostingRow,
    teacher: &TeacherRow,
    context: &PostingContext,
    actor: &edu_contracts::Actor,
) {
    let home = &teacher.home_region;
    let to = context
        .receiver_region
        .as_ref()
        .or(context.region.as_ref())
        .unwrap_or(home);
    if to == home {
        return;
    }
    row.consent_region = Some(home.clone());
    row.consent_to_region = Some(to.clone());
    let own_bureau = actor.role == Some(Role::Bureau) && actor.region.as_ref() == Some(home);
    if own_bureau {
        row.consent_status = Some(ConsentStatus::Approved.as_str().to_owned());
        row.consent_decided_by = Some(actor.sub.clone());
        row.consent_decided_at = Some(Utc::now());
    } else {
        row.consent_status = Some(ConsentStatus::Pending.as_str().to_owned());
    }
}

/// The receiving school confirms only what the teacher's county has consented to.
pub(crate) fn check_consented(row: &PostingRow) -> Result<()> {
    match row.consent_status()? {
        Some(ConsentStatus::Pending) => Err(RotationError::ConsentPending(
            row.consent_region
                .as_ref()
                .map(|r| r.as_str().to_owned())
                .ok_or_else(|| store::corrupt("consent_region", "NULL"))?,
        )),
        _ => Ok(()),
    }
}

impl RotationService {
    /// The bureau of the teacher's county approves or declines a posting across counties.
    pub async fn decide_consent(&self, cmd: Command<PostingConsentDecision>) -> Result<Posting> {
        let note = match (&cmd.body.decision, cmd.body.note.as_deref()) {
            (ConsentVerdict::Decline, note) => {
                Some(text::required("note", note.unwrap_or_default(), 500)?)
            }
            (ConsentVerdict::Approve, Some(note)) if !note.trim().is_empty() => {
                Some(text::required("note", note, 500)?)
            }
            (ConsentVerdict::Approve, _) => None,
        };
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row = store::posting_for_update(conn, cmd.body.posting_id)
                .await?
                .ok_or(RotationError::PostingNotFound)?;
            let Some(consent) = row.consent()? else {
                return Err(RotationError::ConsentNotPending("within one county"));
            };
            let own_bureau = cmd.actor.role == Some(Role::Bureau)
                && cmd.actor.region.as_ref() == Some(&consent.region);
            if !own_bureau {
                return Err(Problem::forbidden(
                    "only the bureau of the teacher's county decides a posting across counties",
                    "跨县交流由教师所在县(区)教育局决定是否同意",
                )
                .rule("F-04")
                .into());
            }
            if consent.status != ConsentStatus::Pending {
                return Err(RotationError::ConsentNotPending("already decided"));
            }
            let approved = cmd.body.decision == ConsentVerdict::Approve;
            let status = if approved {
                ConsentStatus::Approved
            } else {
                ConsentStatus::Declined
            };
            let row =
                record_decision(conn, row.id, status, &cmd.actor.sub, note.as_deref()).await?;
            let teacher = teacher_of(conn, &row).await?;
            let event = PostingConsentDecided {
                posting: facts(&row, &teacher)?,
                region: consent.region,
                approved,
                note: note.clone(),
            };
            outbox::enqueue(
                conn,
                &cmd.actor,
                Some(row.group_id),
                Some(row.from_school_id),
                &event,
            )
            .await?;
            if approved {
                return Ok(row.into_view(&teacher, today())?);
            }
            let reason = note.as_deref().unwrap_or(DECLINED);
            Ok(close_one(conn, &cmd.actor, row, &teacher, None, reason).await?)
        })
        .await
    }

    /// The postings across counties a county's bureau decides, newest first.
    pub async fn consents(&self, cmd: Command<PostingConsentQuery>) -> Result<Page<Posting>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let mut conn = self.conn().await?;
        let (rows, total) = consent_postings(&mut conn, &q.region, q.status, paging).await?;
        let items = rows
            .into_iter()
            .map(|(p, t)| p.into_view(&t, today()))
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }
}

/// F-04: the teacher's county bureau decides a posting across counties; the decision is
/// recorded on the posting (a declined one is then closed by [`close_one`]).
async fn record_decision(
    conn: &mut AsyncPgConnection,
    id: PostingId,
    status: ConsentStatus,
    by: &str,
    note: Option<&str>,
) -> QueryResult<PostingRow> {
    diesel::update(postings::table.find(id))
        .set((
            postings::consent_status.eq(status.as_str()),
            postings::consent_decided_by.eq(by),
            postings::consent_decided_at.eq(diesel::dsl::now),
            postings::consent_note.eq(note),
        ))
        .returning(PostingRow::as_returning())
        .get_result(conn)
        .await
}

/// The postings across counties a county's bureau decides (F-04), newest first.
async fn consent_postings(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
    status: Option<ConsentStatus>,
    paging: Paging,
) -> QueryResult<(Vec<(PostingRow, TeacherRow)>, i64)> {
    let filtered = || {
        let mut q = postings::table
            .inner_join(teachers::table)
            .filter(postings::consent_region.eq(region.as_str()))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(postings::consent_status.eq(s.as_str()));
        }
        q
    };
    let total = filtered().count().get_result(conn).await?;
    let rows = filtered()
        .order((postings::created_at.desc(), postings::id))
        .limit(i64::from(paging.limit))
        .offset(i64::from(paging.offset))
        .select((PostingRow::as_select(), TeacherRow::as_select()))
        .load(conn)
        .await?;
    Ok((rows, total))
}
