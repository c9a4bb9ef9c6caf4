//! A round's life after it opens (V-03, X-02): the bureau lists its region's rounds,
//! recomputes a draft from the data it corrected, and completes it. Completing makes the
//! grades final, locks the year's data of the round's groups and opens its consequences to
//! the bureau's decision; each scorecard's `evaluation.completed` event is published then,
//! through the outbox, in the completing transaction.

use std::collections::BTreeMap;

use edu_bus::outbox;
use edu_contracts::evaluation::{EvaluationCompleted, ProposedConsequence, Round, RoundRef};
use edu_contracts::evaluation_year::{RoundFilter, RoundQuery, RoundState, RoundSummary};
use edu_contracts::{Command, Page};
use edu_db::idempotency;
use edu_domain::SchoolYear;
use uuid::Uuid;

use super::round_view;
use super::store::{self, ListFilter, RoundRow};
use crate::consequences::store as consequence_store;
use crate::error::EvaluationError;
use crate::service::{EvaluationService, Result, corrupt, year_days};

/// Only a computed draft takes the next step: a completed round is final, a computing one
/// is polled, a failed one released its groups (the bureau opens another).
fn computed_draft(round: &RoundRow) -> Result<()> {
    let refuse = |why| EvaluationError::RoundState {
        round_id: round.round_id,
        state: round.state.clone(),
        status: round.status.clone(),
        why,
    };
    if round.state == RoundState::Completed.as_str() {
        return Err(refuse("completed"));
    }
    match round.status.as_str() {
        "computing" => Err(EvaluationError::RoundComputing(round.round_id)),
        "failed" => Err(refuse("failed")),
        _ => Ok(()),
    }
}

/// The round, locked until the transaction ends, if it is a computed draft.
async fn locked_draft(
    conn: &mut diesel_async::AsyncPgConnection,
    round_id: Uuid,
) -> Result<RoundRow> {
    let round = store::round_for_update(conn, round_id)
        .await?
        .ok_or(EvaluationError::RoundNotFound)?;
    computed_draft(&round)?;
    Ok(round)
}

impl EvaluationService {
    /// The region's rounds, newest first, a page at a time.
    pub async fn list_rounds(&self, cmd: Command<RoundQuery>) -> Result<Page<RoundSummary>> {
        let q = &cmd.body;
        let paging = q.paging.checked()?;
        if let Some(y) = q.school_year {
            year_days(y)?;
        }
        let filter = q.status.map(|f| match f {
            RoundFilter::Draft | RoundFilter::Completed => ListFilter::State(f.as_str()),
            RoundFilter::Computing | RoundFilter::Computed | RoundFilter::Failed => {
                ListFilter::Status(f.as_str())
            }
        });
        let mut conn = self.conn().await?;
        let (rows, total) = store::list_rounds(
            &mut conn,
            &q.region,
            q.school_year.map(|y| y.0),
            filter,
            (i64::from(paging.limit), i64::from(paging.offset)),
        )
        .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.round_id).collect();
        let counts: BTreeMap<Uuid, i64> = store::group_counts(&mut conn, &ids)
            .await?
            .into_iter()
            .collect();
        let items = rows
            .into_iter()
            .map(|row| {
                // A failed round released its groups: it claims none.
                let groups = counts.get(&row.round_id).copied().unwrap_or_default();
                let mut summary = RoundSummary::of(&round_view(row, Vec::new(), Vec::new())?);
                summary.groups = u32::try_from(groups).unwrap_or(u32::MAX);
                Ok(summary)
            })
            .collect::<Result<_>>()?;
        Ok(Page { items, total })
    }

    /// Recomputes a draft from the data as it stands now (after the bureau corrected it):
    /// its scorecards are dropped and computed again in the background, for the same groups
    /// and evaluation day; it answers at once, `computing`. A completed round is final
    /// (`evaluation_round_state_invalid`), a computing one is still computing.
    pub async fn recompute_round(&self, cmd: Command<RoundRef>) -> Result<Round> {
        let round_id = cmd.body.round_id;
        let actor = serde_json::to_value(&cmd.actor).map_err(|e| corrupt("actor", e))?;
        let mut conn = self.conn().await?;
        let restarted = idempotency::for_request(
            &mut conn,
            "round.recompute",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                locked_draft(conn, round_id).await?;
                let row = store::restart_round(conn, round_id, &actor).await?;
                let groups = store::round_group_ids(conn, round_id).await?;
                round_view(row, groups, Vec::new())
            },
        )
        .await?;
        self.compute_in_background(round_id);
        Ok(restarted)
    }

    /// Completes a computed draft: its grades become final, the school year's data of its
    /// groups is locked (V-03), its consequences can be decided, and each scorecard's
    /// `evaluation.completed` event is published. Completing twice is refused
    /// (`evaluation_round_state_invalid`); a retry with the same Idempotency-Key gets the
    /// first reply.
    pub async fn complete_round(&self, cmd: Command<RoundRef>) -> Result<Round> {
        let round_id = cmd.body.round_id;
        let actor = cmd.actor.clone();
        let mut conn = self.conn().await?;
        let completed = idempotency::for_request(
            &mut conn,
            "round.complete",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let round = locked_draft(conn, round_id).await?;
                // the events carry the version of the policy the round was computed under
                let (first, _) = year_days(SchoolYear(round.school_year))?;
                edu_bus::policy::in_force(conn, round.region.as_str(), first).await?;
                let row = store::complete_round(conn, round_id, &actor.sub).await?;
                let cards = store::round_cards(conn, round_id).await?;
                let ids: Vec<Uuid> = cards.iter().map(|c| c.0).collect();
                let mut proposed: BTreeMap<Uuid, Vec<ProposedConsequence>> = BTreeMap::new();
                for c in consequence_store::consequences_of(conn, &ids).await? {
                    proposed
                        .entry(c.evaluation_id)
                        .or_default()
                        .push(ProposedConsequence {
                            consequence_id: c.consequence_id,
                            kind: c.kind.parse().map_err(|e| corrupt("consequence kind", e))?,
                            school_id: c.school_id,
                        });
                }
                let events = cards
                    .into_iter()
                    .map(|(evaluation_id, group, year, total, grade)| {
                        let event = EvaluationCompleted {
                            evaluation_id,
                            round_id,
                            group_id: group,
                            school_year: SchoolYear(year),
                            total,
                            grade: grade.parse().map_err(|e| corrupt("grade", e))?,
                            policy_version: row.policy_version,
                            proposed: proposed.remove(&evaluation_id).unwrap_or_default(),
                        };
                        Ok((Some(group), None, event))
                    })
                    .collect::<Result<Vec<_>>>()?;
                outbox::enqueue_all(conn, &actor, &events).await?;
                let groups = store::round_group_ids(conn, round_id).await?;
                let lines = store::round_lines(conn, round_id).await?;
                round_view(row, groups, lines)
            },
        )
        .await?;
        Ok(completed)
    }
}
