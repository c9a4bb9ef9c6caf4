//! A round's computation, as this service's own work after the round answered: retried
//! while a service or the database is unavailable, resumed when a crash left it behind, and
//! stored in one transaction with the scorecards and the consequences they propose.

use std::collections::BTreeSet;

use chrono::Utc;
use diesel_async::AsyncConnection;
use edu_bus::outbox;
use edu_contracts::Actor;
use edu_contracts::evaluation::RoundStatus;
use edu_domain::{ErrorCode, GroupId, Problem, SchoolYear};
use uuid::Uuid;

use super::store;
use crate::consequences::store::{self as consequence_store, ConsequenceRow};
use crate::scorecards::RoundContext;
use crate::scorecards::store::{self as scorecard_store, JsonDocument, NewScorecard};
use crate::service::{EvaluationService, Result, corrupt, year_days};

/// A computation that met an unavailable service or database tries this often in all,
/// waiting twice as long each time from `COMPUTE_RETRY_FIRST`.
const COMPUTE_ATTEMPTS: u32 = 6;
const COMPUTE_RETRY_FIRST: std::time::Duration = std::time::Duration::from_secs(1);
/// How often rounds left computing are looked for, and how long one computes before it is
/// taken for left behind.
const RESUME_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
const RESUME_STUCK_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// How long each step of a round's computation took, logged with the round (where a
/// province's time goes).
pub(crate) struct Phases {
    last: std::time::Instant,
    done: Vec<(&'static str, u128)>,
}

impl Phases {
    pub(crate) fn start() -> Self {
        Self {
            last: std::time::Instant::now(),
            done: Vec::new(),
        }
    }

    /// The step `name` ended now.
    pub(crate) fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.done
            .push((name, now.duration_since(self.last).as_millis()));
        self.last = now;
    }
}

impl std::fmt::Display for Phases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, ms)) in self.done.iter().enumerate() {
            write!(f, "{}{name}={ms}", if i == 0 { "" } else { " " })?;
        }
        Ok(())
    }
}

impl EvaluationService {
    /// Computes the round unless this process already does.
    pub(crate) fn compute_in_background(&self, round_id: Uuid) {
        let fresh = match self.computing.lock() {
            Ok(mut set) => set.insert(round_id),
            Err(poisoned) => poisoned.into_inner().insert(round_id),
        };
        if !fresh {
            return;
        }
        let service = self.clone();
        tokio::spawn(async move {
            // Outside the request: the scorecards' events carry the round's policy version
            // all the same.
            outbox::decision(service.compute(round_id)).await;
            match service.computing.lock() {
                Ok(mut set) => set.remove(&round_id),
                Err(poisoned) => poisoned.into_inner().remove(&round_id),
            };
        });
    }

    /// Every `RESUME_EVERY`, the rounds still computing that no one here computes: at start
    /// those a crash left behind, later those whose computation could not even record its
    /// failure (the database was gone). Runs for as long as the service serves.
    pub(crate) async fn resume_rounds(self) {
        let mut stuck_after = chrono::Duration::zero();
        loop {
            let before = Utc::now() - stuck_after;
            match self.conn().await {
                Ok(mut conn) => match store::computing_rounds(&mut conn, before).await {
                    Ok(ids) => ids
                        .into_iter()
                        .for_each(|id| self.compute_in_background(id)),
                    Err(e) => tracing::warn!(error = %e, "evaluation rounds to resume"),
                },
                Err(e) => tracing::warn!(error = %e, "evaluation rounds to resume"),
            }
            stuck_after = RESUME_STUCK_AFTER;
            tokio::time::sleep(RESUME_EVERY).await;
        }
    }

    /// Computes a round, retrying while a service or the database is unavailable; any
    /// other refusal ends the round `failed` with it (its groups released).
    async fn compute(&self, round_id: Uuid) {
        let mut delay = COMPUTE_RETRY_FIRST;
        for attempt in 1..=COMPUTE_ATTEMPTS {
            let started = std::time::Instant::now();
            let mut phases = Phases::start();
            let problem = match self.try_compute(round_id, &mut phases).await {
                Ok(()) => {
                    tracing::info!(%round_id, ms = started.elapsed().as_millis(), %phases, "evaluation round computed");
                    return;
                }
                Err(e) => Problem::from(e),
            };
            if problem.code == ErrorCode::ServiceUnavailable && attempt < COMPUTE_ATTEMPTS {
                tracing::warn!(%round_id, attempt, %problem, "evaluation round: retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                continue;
            }
            tracing::warn!(%round_id, %problem, "evaluation round failed");
            let recorded = match (self.conn().await, serde_json::to_value(&problem)) {
                (Ok(mut conn), Ok(failure)) => conn
                    .transaction(async |conn| {
                        store::finish_round(conn, round_id, Some(&failure)).await
                    })
                    .await
                    .map_err(|e| e.to_string()),
                (Err(e), _) => Err(e.to_string()),
                (_, Err(e)) => Err(e.to_string()),
            };
            if let Err(error) = recorded {
                // Left computing: `resume_rounds` takes it up again later.
                tracing::warn!(%round_id, %error, "evaluation round: failure not recorded");
            }
            return;
        }
    }

    async fn try_compute(&self, round_id: Uuid, phases: &mut Phases) -> Result<()> {
        let mut conn = self.conn().await?;
        let Some(round) = store::round(&mut conn, round_id).await? else {
            return Ok(());
        };
        if round.status != RoundStatus::Computing.as_str() {
            return Ok(());
        }
        let region = round.region.clone();
        let actor: Actor = match round.actor {
            Some(a) => serde_json::from_value(a).map_err(|e| corrupt("actor", e))?,
            None => Actor::system_in("evaluation", region.clone()),
        };
        let year = SchoolYear(round.school_year);
        let (first, last) = year_days(year)?;
        let policy = edu_bus::policy::in_force(&mut conn, region.as_str(), first).await?;
        let claimed: BTreeSet<GroupId> = store::round_group_ids(&mut conn, round_id)
            .await?
            .into_iter()
            .collect();
        let groups: Vec<store::RegionGroup> = store::region_groups(&mut conn, &round.region, first)
            .await?
            .into_iter()
            .filter(|g| claimed.contains(&g.group_id))
            .collect();
        let ctx = RoundContext {
            actor: &actor,
            round_id,
            region: &region,
            year,
            days: (first, last),
            as_of: round.as_of,
            policy: &policy,
        };
        phases.lap("setup");
        let cards = self.scorecards(&mut conn, &ctx, &groups, phases).await?;
        let mut rows = Vec::with_capacity(cards.len());
        let mut consequence_rows = Vec::new();
        for card in &cards {
            rows.push(NewScorecard {
                evaluation_id: card.id,
                round_id,
                group_id: card.group_id,
                school_year: card.school_year.0,
                total: card.total,
                grade: card.grade.as_str().to_owned(),
                body: JsonDocument::of(card).map_err(|e| corrupt("scorecard", e))?,
            });
            consequence_rows.extend(card.consequences.iter().map(|c| ConsequenceRow {
                consequence_id: c.id,
                evaluation_id: card.id,
                group_id: card.group_id,
                kind: c.kind.as_str().to_owned(),
                school_id: c.school_id,
                reason: c.reason.clone(),
                status: c.status.as_str().to_owned(),
                decided_by: None,
                decided_at: None,
                note: None,
            }));
        }
        phases.lap("serialize");
        let stored: Result<()> = conn
            .transaction(async |conn| {
                // Another instance may have stored it meanwhile: one computation counts.
                let round = store::round_for_update(conn, round_id).await?;
                if round.is_none_or(|r| r.status != RoundStatus::Computing.as_str()) {
                    return Ok(());
                }
                scorecard_store::insert_scorecards(conn, &rows).await?;
                consequence_store::insert_consequences(conn, &consequence_rows).await?;
                phases.lap("insert");
                store::finish_round(conn, round_id, None).await?;
                Ok(())
            })
            .await;
        stored?;
        phases.lap("commit");
        Ok(())
    }
}
