//! X-02, V-05: what an annual evaluation decides about a group takes effect here. When the
//! bureau confirms an evaluation's member exit or dissolution, the evaluation service
//! publishes `consequence.decided`; this consumer ends the membership (reason `evaluation`)
//! or dissolves the group (reason `dissolution`) in its own transaction, once (the consumer's
//! inbox), as the bureau who confirmed it. What follows from the membership events — postings
//! ended, library access revoked, council seats closed — is each owner's reaction to those.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use edu_bus::consumer::{Applied, EventHandler};
use edu_contracts::evaluation::{ConsequenceDecided, ConsequenceKind};
use edu_contracts::{Event, EventEnvelope};
use edu_db::StoreError;
use edu_domain::ExitReason;
use futures::future::BoxFuture;

use crate::error::MembershipError;
use crate::service::{dissolve_group, end_membership};

/// The durable consumer's name.
pub const CONSUMER: &str = "membership-evaluation";

pub struct EvaluationConsequences;

/// A refusal means the consequence has nothing left to do (the school already left, the group
/// is already dissolved): the event is kept as read and nothing changes. A store failure is
/// retried by the consumer.
fn settled<T>(outcome: Result<T, MembershipError>) -> QueryResult<Applied> {
    match outcome {
        Ok(_) => Ok(Applied::Changed),
        Err(MembershipError::Store(StoreError::Db(e))) => Err(e),
        Err(MembershipError::Store(other)) => Err(diesel::result::Error::QueryBuilderError(
            other.to_string().into(),
        )),
        Err(refusal) => {
            tracing::info!(%refusal, "evaluation consequence has nothing left to do");
            Ok(Applied::Ignored)
        }
    }
}

impl EventHandler for EvaluationConsequences {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<Applied>> {
        Box::pin(async move {
            if event.event_type != ConsequenceDecided::TYPE {
                return Ok(Applied::Ignored);
            }
            let e: ConsequenceDecided =
                serde_json::from_value(event.payload.clone()).map_err(|err| {
                    diesel::result::Error::DeserializationError(
                        format!("{} payload: {err}", ConsequenceDecided::TYPE).into(),
                    )
                })?;
            if !e.confirmed {
                return Ok(Applied::Ignored);
            }
            let note = format!("考核评估结果 evaluation {}", e.evaluation_id);
            let note = e
                .note
                .as_deref()
                .map_or(note.clone(), |n| format!("{note}: {n}"));
            match (e.kind, e.school_id) {
                (ConsequenceKind::MemberExit, Some(school)) => settled(
                    end_membership(
                        conn,
                        &event.actor,
                        e.group_id,
                        school,
                        ExitReason::Evaluation,
                        Some(&note),
                    )
                    .await,
                ),
                (ConsequenceKind::Dissolution, _) => settled(
                    dissolve_group(
                        conn,
                        &event.actor,
                        e.group_id,
                        &note,
                        None,
                        Some(e.evaluation_id),
                    )
                    .await,
                ),
                _ => Ok(Applied::Ignored),
            }
        })
    }
}
