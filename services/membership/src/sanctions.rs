//! Sanctions (RULES.md §5c): warnings (警告) from the lead office, persuade-out (劝退) on an
//! active warning or a failing evaluation (§8.7) and a council decision about the school
//! (G-09), confirmed by the bureau, which ends the membership (`persuaded_out`). Each write is
//! one transaction with the group row locked; what other services know (the council's
//! decisions, the evaluation's standing) is asked before it starts.

use chrono::Utc;
use diesel_async::AsyncConnection;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::council::{DecisionCategory, DecisionId, DecisionQuery, FindDecisions};
use edu_contracts::events::{MemberExited, MemberWarned, PersuadeOutDecided, PersuadeOutProposed};
use edu_contracts::obligations::{GetStanding, StandingQuery};
use edu_contracts::sanctions::{
    NewPersuadeOut, NewWarning, PersuadeOut, PersuadeOutDecision, PersuadeOutStatus, SanctionQuery,
    Sanctions, Warning,
};
use edu_db::idempotency;
use edu_domain::{ExitReason, GroupId, PersuadeOutId, Problem, SchoolId, WarningId, text};
use uuid::Uuid;

use crate::error::{MembershipError, NO_OPEN_PERSUADE_OUT, OPEN_PERSUADE_OUT_EXISTS};
use crate::rules;
use crate::service::{MembershipService, Result};
use crate::store::{self, GroupRow, MembershipRow, PersuadeOutRow, WarningRow};

/// At most this many evidence links on a warning, each at most this long.
const MAX_EVIDENCE: usize = 20;
const MAX_EVIDENCE_LEN: usize = 300;

/// The locked, active group and the school's running membership in it as a member.
async fn locked_member(
    conn: &mut diesel_async::AsyncPgConnection,
    group_id: GroupId,
    school_id: SchoolId,
) -> Result<(GroupRow, MembershipRow)> {
    let group = crate::service::open_group(conn, group_id).await?;
    let membership = store::active_member(conn, group_id, school_id)
        .await?
        .ok_or(MembershipError::NotAMember)?;
    Ok((group, membership))
}

/// Evidence a decision cites (ledger entries, documents, links): at most 20, each bounded.
pub(crate) fn evidence(items: &[String]) -> Result<Vec<String>> {
    if items.len() > MAX_EVIDENCE {
        return Err(Problem::validation(
            "evidence",
            "at most 20 pieces of evidence",
            "证据最多 20 条",
        )
        .into());
    }
    items
        .iter()
        .map(|e| Ok(text::required("evidence", e, MAX_EVIDENCE_LEN)?))
        .collect()
}

impl MembershipService {
    /// X-01/L8: the lead office warns a member school, citing ledger entries.
    pub async fn issue_warning(&self, cmd: Command<NewWarning>) -> Result<Warning> {
        let body = &cmd.body;
        let reason = text::required("reason", &body.reason, 1000)?;
        let evidence = evidence(&body.evidence)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "warning.issue",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let (_, membership) = locked_member(conn, body.group_id, body.school_id).await?;
                let row = WarningRow {
                    id: WarningId::new(),
                    group_id: body.group_id,
                    school_id: body.school_id,
                    membership_id: membership.id,
                    reason: reason.clone(),
                    evidence: serde_json::to_value(&evidence)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
                    issued_by: cmd.actor.sub.clone(),
                    issued_at: Utc::now(),
                };
                store::insert_warning(conn, &row).await?;
                let event = MemberWarned {
                    warning_id: row.id,
                    group_id: body.group_id,
                    school_id: body.school_id,
                    reason: reason.clone(),
                    evidence: evidence.clone(),
                };
                outbox::enqueue(
                    conn,
                    &cmd.actor,
                    Some(body.group_id),
                    Some(body.school_id),
                    &event,
                )
                .await?;
                Ok(row.into_view(true)?)
            },
        )
        .await
    }

    pub async fn list_sanctions(&self, cmd: Command<SanctionQuery>) -> Result<Sanctions> {
        let SanctionQuery {
            group_id,
            school_id,
        } = cmd.body;
        let mut conn = self.conn().await?;
        store::group(&conn, group_id)
            .await?
            .ok_or(MembershipError::GroupNotFound)?;
        let warnings = store::warnings(&mut conn, group_id, school_id)
            .await?
            .into_iter()
            .map(|(w, active)| w.into_view(active))
            .collect::<diesel::QueryResult<_>>()?;
        let persuade_outs = store::persuade_outs(&mut conn, group_id, school_id)
            .await?
            .into_iter()
            .map(PersuadeOutRow::into_view)
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Sanctions {
            warnings,
            persuade_outs,
        })
    }

    /// 劝退 proposed by the lead office: an active warning or a failing evaluation (X-01,
    /// §8.7) and a council decision of category member_major_matter about the school made
    /// during its membership (G-09). The bureau decides next.
    pub async fn propose_persuade_out(&self, cmd: Command<NewPersuadeOut>) -> Result<PersuadeOut> {
        let body = &cmd.body;
        let reason = text::required("reason", &body.reason, 1000)?;
        let (group_id, school_id) = (body.group_id, body.school_id);
        // What the evaluation and the council know, asked before the transaction.
        let standing = self
            .bus
            .call::<GetStanding>(
                &cmd.actor,
                None,
                StandingQuery {
                    group_id,
                    school_id: Some(school_id),
                },
            )
            .await
            .map_err(MembershipError::Upstream)?;
        let failing_evaluation = standing.failing.then_some(standing.evaluation_id).flatten();
        let decisions = self
            .bus
            .call::<FindDecisions>(
                &cmd.actor,
                None,
                DecisionQuery {
                    group_id: Some(group_id),
                    category: Some(DecisionCategory::MemberMajorMatter),
                    subject_school_id: Some(school_id),
                    major: None,
                    from: None,
                    to: None,
                    paging: Default::default(),
                },
            )
            .await
            .map_err(MembershipError::Upstream)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "persuade_out.propose",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let (group, membership) = locked_member(conn, group_id, school_id).await?;
                if store::open_persuade_out(conn, group_id, school_id)
                    .await?
                    .is_some()
                {
                    return Err(MembershipError::PersuadeOutState(OPEN_PERSUADE_OUT_EXISTS));
                }
                let warnings = store::warnings_of_membership(conn, membership.id).await?;
                rules::persuade_out_grounds(&warnings, failing_evaluation)?;
                // G-09: decided about this school while it is a member.
                let joined_on = membership.joined_at.date_naive();
                let found: Vec<(Uuid, chrono::NaiveDate)> = decisions
                    .items
                    .iter()
                    .filter(|d| d.decided_on >= joined_on)
                    .map(|d| (d.id.0, d.decided_on))
                    .collect();
                let decision = rules::council_decision(&found, body.decision_id.map(|d| d.0))?;
                let policy = store::current_policy(conn, &group.region()?).await?;
                let row = PersuadeOutRow {
                    id: PersuadeOutId::new(),
                    group_id,
                    school_id,
                    membership_id: membership.id,
                    reason: reason.clone(),
                    status: PersuadeOutStatus::Proposed.as_str().to_owned(),
                    warning_ids: warnings,
                    failing_evaluation_id: failing_evaluation,
                    decision_id: DecisionId(decision),
                    proposed_by: cmd.actor.sub.clone(),
                    proposed_at: Utc::now(),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                    policy_version: policy.version,
                };
                store::insert_persuade_out(conn, &row).await?;
                let view = row.into_view()?;
                let event = PersuadeOutProposed {
                    persuade_out_id: view.id,
                    group_id,
                    school_id,
                    reason: reason.clone(),
                    decision_id: view.decision_id,
                    warning_ids: view.warning_ids.clone(),
                    failing_evaluation_id: view.failing_evaluation_id,
                    policy_version: view.policy_version,
                };
                outbox::enqueue(conn, &cmd.actor, Some(group_id), Some(school_id), &event).await?;
                Ok(view)
            },
        )
        .await
    }

    /// The bureau confirms (the membership ends, reason `persuaded_out`, and rotation,
    /// catalogue and council react to `member.exited`) or rejects an open persuade-out.
    pub async fn decide_persuade_out(
        &self,
        cmd: Command<PersuadeOutDecision>,
    ) -> Result<PersuadeOut> {
        let body = &cmd.body;
        let note = body
            .note
            .as_deref()
            .map(|n| text::optional("note", n, 1000))
            .transpose()?
            .flatten();
        let (group_id, school_id) = (body.group_id, body.school_id);
        let mut conn = self.conn().await?;
        conn.transaction(async |conn| {
            locked_member(conn, group_id, school_id).await?;
            let open = store::open_persuade_out(conn, group_id, school_id)
                .await?
                .ok_or(MembershipError::PersuadeOutState(NO_OPEN_PERSUADE_OUT))?;
            let status = if body.confirm {
                PersuadeOutStatus::Confirmed
            } else {
                PersuadeOutStatus::Rejected
            };
            let row =
                store::decide_persuade_out(conn, open.id, status, &cmd.actor.sub, note.as_deref())
                    .await?;
            let decided = PersuadeOutDecided {
                persuade_out_id: row.id,
                group_id,
                school_id,
                confirmed: body.confirm,
                note: note.clone(),
            };
            outbox::enqueue(conn, &cmd.actor, Some(group_id), Some(school_id), &decided).await?;
            if body.confirm {
                let exit_note = Some(row.reason.as_str());
                let ended = store::end_memberships(
                    conn,
                    group_id,
                    Some(school_id),
                    ExitReason::PersuadedOut,
                    exit_note,
                )
                .await?;
                crate::office::end_cross_with_membership(
                    conn,
                    &cmd.actor,
                    group_id,
                    Some(school_id),
                )
                .await?;
                let membership = ended
                    .into_iter()
                    .next()
                    .ok_or(MembershipError::NotAMember)?;
                let exited = MemberExited {
                    group_id,
                    school_id,
                    membership_id: membership.id,
                    reason: ExitReason::PersuadedOut,
                    note: Some(row.reason.clone()),
                    left_on: None,
                };
                outbox::enqueue(conn, &cmd.actor, Some(group_id), Some(school_id), &exited).await?;
            }
            Ok(row.into_view()?)
        })
        .await
    }
}
