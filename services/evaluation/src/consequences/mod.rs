//! the consequences a completed round proposes, decided by the bureau, and the
//! standing sanctions rest on (the latest completed evaluation).

pub mod rules;
pub(crate) mod store;

use diesel_async::AsyncConnection;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::evaluation::{
    Consequence, ConsequenceDecided, ConsequenceDecision, ConsequenceStatus, Grade,
};
use edu_contracts::evaluation_year::RoundState;
use edu_contracts::obligations::{Standing, StandingQuery};
use edu_domain::text;

use crate::error::EvaluationError;
use crate::rounds::store as round_store;
use crate::scorecards::store as scorecard_store;
use crate::service::{EvaluationService, Result, corrupt};
use store::ConsequenceRow;

pub(crate) fn consequence_view(row: ConsequenceRow) -> Result<Consequence> {
    Ok(Consequence {
        id: row.consequence_id,
        kind: row
            .kind
            .parse()
            .map_err(|e| corrupt("consequence kind", e))?,
        school_id: row.school_id,
        reason: row.reason,
        status: row
            .status
            .parse()
            .map_err(|e| corrupt("consequence status", e))?,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        note: row.note,
    })
}

impl EvaluationService {
    /// the bureau confirms or rejects a proposed consequence. A confirmed member exit or
    /// dissolution takes effect without a second step: the membership service acts on this
    /// decision's event (the school leaves with reason `evaluation`, or the group is
    /// dissolved), and the consequence becomes `effective` when that has happened.
    pub async fn decide_consequence(
        &self,
        cmd: Command<ConsequenceDecision>,
    ) -> Result<Consequence> {
        let b = &cmd.body;
        let note = b
            .note
            .as_deref()
            .map(|n| text::optional("note", n, 1000))
            .transpose()?
            .flatten();
        let mut conn = self.conn().await?;
        let card = scorecard_store::scorecard(&mut conn, b.round_id, b.group_id)
            .await?
            .ok_or(EvaluationError::ScorecardNotFound)?;
        // a draft's consequences are not binding; the bureau decides a completed
        // round's.
        let round = round_store::round(&mut conn, b.round_id)
            .await?
            .ok_or(EvaluationError::RoundNotFound)?;
        if round.state != RoundState::Completed.as_str() {
            return Err(EvaluationError::NotCompleted(round.round_id));
        }
        let actor = cmd.actor.clone();
        conn.transaction(async |conn| {
            let row = store::consequence_for_update(conn, b.consequence_id)
                .await?
                .filter(|c| c.evaluation_id == card.evaluation_id)
                .ok_or(EvaluationError::ConsequenceNotFound)?;
            let current = consequence_view(row)?;
            if current.status != ConsequenceStatus::Proposed {
                return Err(EvaluationError::ConsequenceState("already decided"));
            }
            let status = if b.confirm {
                ConsequenceStatus::Confirmed
            } else {
                ConsequenceStatus::Rejected
            };
            let row = store::decide(
                conn,
                b.consequence_id,
                status.as_str(),
                &actor.sub,
                note.as_deref(),
            )
            .await?;
            let event = ConsequenceDecided {
                evaluation_id: card.evaluation_id,
                consequence_id: b.consequence_id,
                group_id: b.group_id,
                kind: current.kind,
                confirmed: b.confirm,
                note: note.clone(),
                school_id: current.school_id,
            };
            outbox::enqueue(conn, &actor, Some(b.group_id), None, &event).await?;
            consequence_view(row)
        })
        .await
    }

    /// the latest evaluation's verdict. A group fails on 不合格; a school fails when
    /// that evaluation proposes (or made) its exit and nobody rejected it.
    pub async fn standing(&self, cmd: Command<StandingQuery>) -> Result<Standing> {
        let mut conn = self.conn().await?;
        let Some((evaluation, grade)) =
            store::latest_evaluation(&mut conn, cmd.body.group_id).await?
        else {
            return Ok(Standing {
                failing: false,
                evaluation_id: None,
            });
        };
        let failing = match cmd.body.school_id {
            Some(school) => store::exit_proposed(&mut conn, evaluation, school).await?,
            None => grade == Grade::Fail.as_str(),
        };
        Ok(Standing {
            failing,
            evaluation_id: Some(evaluation),
        })
    }
}
