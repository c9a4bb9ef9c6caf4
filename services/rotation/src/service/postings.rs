//! Postings and their life cycle (E-02, E-03, E-04): proposed, confirmed by the receiving
//! school, cancelled or ended early, and closed when membership leaves them without a place.

use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_bus::membership_view::{self as view, Lock};
use edu_bus::outbox;
use edu_contracts::events::{
    PostingCancelled, PostingConfirmed, PostingEnded, PostingFacts, PostingProposed,
};
use edu_contracts::rotation::{
    NewPosting, Page, Posting, PostingClosure, PostingQuery, PostingRef,
};
use edu_contracts::{Actor, Command};
use edu_db::idempotency::{self, Claim};
use edu_db::pipelined::Tx;
use edu_domain::{
    GroupId, PostingId, PostingKind, PostingStatus, Problem, Role, SchoolId, SchoolYear, text,
};

use super::{Result, RotationService, today};
use crate::consent;
use crate::error::RotationError;
use crate::rules;
use crate::store::{self, PostingFilter, PostingRow, TeacherRow};

impl RotationService {
    /// Proposes a posting (E-02, E-03, E-04, one posting at a time per teacher).
    ///
    /// One transaction in two round trips ([`Tx`]): the key's claim, the teacher's lock and
    /// the context are sent with `BEGIN`; the posting, its event and the key's reply with
    /// `COMMIT`.
    pub async fn propose(&self, cmd: Command<NewPosting>) -> Result<Posting> {
        let body = &cmd.body;
        let (start, end, school_year) = rules::resolve_term(body.term)?;
        let host_post = text::required("host_post", &body.host_post, 100)?;
        const OPERATION: &str = "posting.propose";
        let key = cmd.idempotency_key.as_deref();
        if let Some(key) = key {
            idempotency::validate_key(key)?;
        }
        let fingerprint = idempotency::fingerprint(&cmd.actor.sub, body);
        let tx = Tx::new(self.conn().await?);
        let (claim, found) = tx
            .begin(async |conn| {
                let claim = async {
                    match key {
                        Some(key) => idempotency::claim(conn, OPERATION, key, &fingerprint)
                            .await
                            .map(Some),
                        None => Ok(None),
                    }
                };
                let found = store::locked_teacher_with_context(
                    conn,
                    body.group_id,
                    body.to_school_id,
                    body.teacher_id,
                    (start, end),
                    today(),
                );
                let (claim, found) = futures::join!(claim, found);
                Ok((claim, found?))
            })
            .await?;
        if let Some(Claim::Replay(reply)) = claim? {
            tx.rollback().await?;
            return Ok(reply);
        }
        let (teacher, context) = found.ok_or(RotationError::TeacherNotFound)?;
        let row = proposal(
            &cmd,
            &teacher,
            context,
            (start, end, school_year),
            host_post,
        )?;
        // The posting and its event, sent together (one round trip).
        let event = PostingProposed {
            posting: facts(&row, &teacher)?,
        };
        let view = row.clone().into_view(&teacher, today())?;
        tx.commit(async |conn| {
            futures::try_join!(
                store::insert_posting(conn, &row),
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(body.group_id),
                    Some(row.from_school_id),
                    &event
                ),
                async {
                    match key {
                        Some(key) => idempotency::complete(conn, OPERATION, key, &view).await,
                        None => Ok(()),
                    }
                },
            )
        })
        .await?;
        Ok(view)
    }

    pub async fn get(&self, cmd: Command<PostingRef>) -> Result<Posting> {
        let mut conn = self.conn().await?;
        let row = store::posting(&mut conn, cmd.body.posting_id)
            .await?
            .ok_or(RotationError::PostingNotFound)?;
        view(&mut conn, row).await
    }

    pub async fn list(&self, cmd: Command<PostingQuery>) -> Result<Page<Posting>> {
        let q = cmd.body;
        let paging = q.paging.checked()?;
        let filter = PostingFilter {
            group: q.group_id,
            school: q.school_id,
            teacher: q.teacher_id,
            year: q.school_year,
        };
        let mut conn = self.conn().await?;
        let (rows, total) = store::list_postings(&mut conn, &filter, paging).await?;
        let items = rows
            .into_iter()
            .map(|(p, t)| p.into_view(&t, today()))
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Page { items, total })
    }

    /// The receiving school confirms; both schools must still be in the group.
    pub async fn confirm(&self, cmd: Command<PostingRef>) -> Result<Posting> {
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row = store::posting_for_update(conn, cmd.body.posting_id)
                .await?
                .ok_or(RotationError::PostingNotFound)?;
            let status = row.status()?;
            if status != PostingStatus::Proposed {
                return Err(RotationError::State(
                    status,
                    "only a proposed posting can be confirmed",
                ));
            }
            consent::check_consented(&row)?;
            let group = row.group_id;
            for school in [row.from_school_id, row.to_school_id] {
                view::role_now(conn, group, school, Lock::None)
                    .await?
                    .ok_or(RotationError::SchoolNotInGroup)?;
            }
            let row = store::confirm(conn, row.id).await?;
            let teacher = teacher_of(conn, &row).await?;
            let event = PostingConfirmed {
                posting: facts(&row, &teacher)?,
            };
            outbox::enqueue(
                conn,
                &cmd.actor,
                Some(group),
                Some(row.to_school_id),
                &event,
            )
            .await?;
            Ok(row.into_view(&teacher, today())?)
        })
        .await
    }

    /// Withdraws a posting that has not started.
    pub async fn cancel(&self, cmd: Command<PostingClosure>) -> Result<Posting> {
        self.close(cmd, false).await
    }

    /// Ends a running posting early.
    pub async fn end(&self, cmd: Command<PostingClosure>) -> Result<Posting> {
        self.close(cmd, true).await
    }

    async fn close(&self, cmd: Command<PostingClosure>, early_end: bool) -> Result<Posting> {
        let reason = text::required("reason", &cmd.body.reason, 500)?;
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            let row = store::posting_for_update(conn, cmd.body.posting_id)
                .await?
                .ok_or(RotationError::PostingNotFound)?;
            let status = row.status()?;
            let day = today();
            let started = row.start_date <= day;
            let allowed = match (early_end, status) {
                (false, PostingStatus::Proposed) => true,
                (false, PostingStatus::Confirmed) => !started,
                (true, PostingStatus::Confirmed) => started && day <= row.end_date,
                _ => false,
            };
            if !allowed {
                let wanted = if early_end {
                    "only a confirmed posting that is running can be ended early"
                } else {
                    "only a posting that has not started can be cancelled"
                };
                return Err(RotationError::State(status, wanted));
            }
            let teacher = teacher_of(conn, &row).await?;
            Ok(close_one(
                conn,
                &cmd.actor,
                row,
                &teacher,
                early_end.then_some(day),
                &reason,
            )
            .await?)
        })
        .await
    }
}

/// Ends what a membership change leaves without a place: postings of the group touching
/// `school` (or all, on dissolution) that have not started are cancelled, running ones end
/// today; completed ones stay as they were.
pub async fn close_for_membership(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    group: GroupId,
    school: Option<SchoolId>,
    reason: &str,
) -> diesel::QueryResult<()> {
    let day = today();
    for row in store::open_postings(conn, group, school).await? {
        let status = row.status()?;
        let ended_on = match status {
            PostingStatus::Confirmed if row.start_date <= day && day <= row.end_date => Some(day),
            PostingStatus::Confirmed if row.end_date < day => continue,
            _ => None,
        };
        let teacher = teacher_of(conn, &row).await?;
        close_one(conn, actor, row, &teacher, ended_on, reason).await?;
    }
    Ok(())
}

pub(crate) async fn close_one(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    row: PostingRow,
    teacher: &TeacherRow,
    ended_on: Option<NaiveDate>,
    reason: &str,
) -> diesel::QueryResult<Posting> {
    let row = store::close(conn, row.id, ended_on, reason).await?;
    let posting = facts(&row, teacher)?;
    let (group, school) = (Some(row.group_id), Some(row.from_school_id));
    match ended_on {
        Some(ended_on) => {
            let event = PostingEnded {
                posting,
                ended_on,
                reason: reason.to_owned(),
            };
            outbox::enqueue(conn, actor, group, school, &event).await?;
        }
        None => {
            outbox::enqueue(
                conn,
                actor,
                group,
                school,
                &PostingCancelled {
                    posting,
                    reason: reason.to_owned(),
                },
            )
            .await?;
        }
    }
    row.into_view(teacher, today())
}

pub(crate) async fn teacher_of(
    conn: &mut AsyncPgConnection,
    row: &PostingRow,
) -> diesel::QueryResult<TeacherRow> {
    store::teachers_by_id(conn, &[row.teacher_id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| diesel::result::Error::NotFound)
}

async fn view(conn: &mut AsyncPgConnection, row: PostingRow) -> Result<Posting> {
    let teacher = teacher_of(conn, &row).await?;
    Ok(row.into_view(&teacher, today())?)
}

/// The posting `cmd` asks for, if the rules allow it (E-02, E-03, E-04, no overlap), from
/// the locked teacher and the context read with the lock.
fn proposal(
    cmd: &Command<NewPosting>,
    teacher: &TeacherRow,
    mut context: store::PostingContext,
    (start, end, school_year): (NaiveDate, NaiveDate, SchoolYear),
    host_post: String,
) -> Result<PostingRow> {
    let body = &cmd.body;
    // E-04: the sending school is the home school, and stays the payroll unit.
    let from = teacher.home_school_id;
    // The group's region policy in force today came with the context (DESIGN.md
    // "Policy as data").
    if context.dissolved.ok_or(RotationError::GroupNotFound)? {
        return Err(RotationError::GroupDissolved);
    }
    // A school's office proposes only its own staff (the lead office and the bureau plan
    // for the whole group).
    if cmd.actor.role == Some(Role::MemberAdmin) && cmd.actor.school_id != Some(from) {
        return Err(Problem::forbidden(
            "a member school proposes postings of its own teachers only",
            "成员学校只能为本校教师提出交流安排",
        )
        .into());
    }
    let roles = (context.sender_role(), context.receiver_role());
    let policy = context.policy()?;
    let (from_role, to_role) =
        rules::check_ends(body.kind, (from, body.to_school_id), roles, &policy)?;
    rules::check_receiver(
        from_role,
        to_role,
        context.receiver_under_persuade_out.unwrap_or(false),
    )?;
    if let Some(other) = context.overlapping {
        return Err(RotationError::Overlaps { other });
    }
    let new = NewRow {
        group: body.group_id,
        to: body.to_school_id,
        kind: body.kind,
        host_post,
        term: (start, end, school_year),
    };
    let mut row = new_row(teacher, new, PostingStatus::Proposed);
    consent::require_consent(&mut row, teacher, &context, &cmd.actor);
    Ok(row)
}

/// What a new posting of a teacher is made of besides the teacher.
pub(crate) struct NewRow {
    pub group: GroupId,
    pub to: SchoolId,
    pub kind: PostingKind,
    pub host_post: String,
    /// First day, planned last day, school year.
    pub term: (NaiveDate, NaiveDate, SchoolYear),
}

/// A new posting of `teacher` in `status`. E-04: the sending school is the home school, and
/// stays the payroll unit.
pub(crate) fn new_row(teacher: &TeacherRow, new: NewRow, status: PostingStatus) -> PostingRow {
    let (start, end, school_year) = new.term;
    PostingRow {
        id: PostingId::new(),
        group_id: new.group,
        teacher_id: teacher.id,
        from_school_id: teacher.home_school_id,
        to_school_id: new.to,
        kind: new.kind.as_str().to_owned(),
        host_post: new.host_post,
        start_date: start,
        end_date: end,
        school_year: school_year.0,
        status: status.as_str().to_owned(),
        payroll_unit_id: teacher.home_school_id,
        confirmed_at: None,
        ended_on: None,
        closing_reason: None,
        created_at: Utc::now(),
        consent_region: None,
        consent_to_region: None,
        consent_status: None,
        consent_decided_by: None,
        consent_decided_at: None,
        consent_note: None,
    }
}

pub(crate) fn facts(row: &PostingRow, teacher: &TeacherRow) -> diesel::QueryResult<PostingFacts> {
    Ok(PostingFacts {
        posting_id: row.id,
        group_id: row.group_id,
        teacher_id: row.teacher_id,
        from_school_id: row.from_school_id,
        to_school_id: row.to_school_id,
        kind: row.kind()?,
        start: row.start_date,
        end: row.end_date,
        backbone: teacher.backbone()?.counts_as_backbone(),
    })
}
