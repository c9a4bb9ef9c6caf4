//! The rounds of the annual evaluation (V-03): opened as a draft for the region's groups a
//! year past their plaque date and not yet claimed for the school year, computed in the
//! background (see `compute`), recomputed and completed by the bureau (see `life`).

mod compute;
mod life;
pub(crate) mod store;

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use edu_contracts::Command;
use edu_contracts::evaluation::{
    NewRound, Round, RoundRef, RoundStatus, ScorecardLine, SkippedGroup,
};
use edu_contracts::evaluation_year::RoundState;
use edu_db::idempotency;
use edu_domain::{GroupId, Problem, SchoolYear};
use uuid::Uuid;

use crate::error::EvaluationError;
use crate::scorecards::rules::eligible_from;
use crate::service::{EvaluationService, Result, corrupt, invalid, year_days};
use store::RoundRow;

pub(crate) use compute::Phases;

/// Groups a round may name explicitly.
const MAX_NAMED_GROUPS: usize = 5000;

/// A round's scorecards are read (and exported) once computed: while the round computes
/// (the round was answered 202 and computes in the background) they would be an empty
/// list.
pub(crate) fn computed(round: &RoundRow) -> Result<()> {
    if round.status == RoundStatus::Computing.as_str() {
        return Err(EvaluationError::RoundComputing(round.round_id));
    }
    Ok(())
}

/// What a round will do, decided before its transaction and refused inside it (so that a
/// retry with the same Idempotency-Key gets the first reply, not a refusal).
enum Plan {
    Evaluate {
        groups: Vec<GroupId>,
        skipped: Vec<SkippedGroup>,
    },
    Refuse(EvaluationError),
}

/// V-03: which groups a round evaluates: the region's (or the named) groups a year past
/// their plaque date and not yet claimed for the school year.
async fn plan(conn: &mut edu_db::PooledConn, q: &NewRound, as_of: NaiveDate) -> Result<Plan> {
    let (first, _) = year_days(q.school_year)?;
    let groups = store::region_groups(conn, &q.region, first).await?;
    let known: BTreeSet<GroupId> = groups.iter().map(|g| g.group_id).collect();
    let named: Option<BTreeSet<GroupId>> = q
        .group_ids
        .as_ref()
        .map(|ids| ids.iter().copied().collect());
    if let Some(named) = &named
        && !named.is_subset(&known)
    {
        return Err(EvaluationError::GroupNotFound);
    }
    let candidates: Vec<&store::RegionGroup> = groups
        .iter()
        .filter(|g| named.as_ref().is_none_or(|n| n.contains(&g.group_id)))
        .collect();
    if candidates.is_empty() {
        return Err(EvaluationError::Invalid(Problem::not_found(
            "group of the region",
            "本地区教育集团",
        )));
    }
    let ids: Vec<GroupId> = candidates.iter().map(|g| g.group_id).collect();
    // V-03: a group claimed by a completed round is evaluated for the year; one claimed by
    // a draft is being evaluated (the bureau recomputes or completes that draft).
    let claims = store::claims(conn, &ids, q.school_year.0).await?;
    let existing: BTreeSet<GroupId> = claims.iter().map(|(g, _, _)| *g).collect();
    let draft_claims: Vec<&(GroupId, Uuid, String)> = claims
        .iter()
        .filter(|(_, _, state)| state == RoundState::Draft.as_str())
        .collect();
    let drafts: Vec<GroupId> = draft_claims.iter().map(|(g, _, _)| *g).collect();
    let draft_exists = |groups: Vec<GroupId>| {
        draft_claims
            .first()
            .map(|(_, round_id, _)| EvaluationError::DraftExists {
                round_id: *round_id,
                groups,
            })
    };
    let too_early: Vec<(GroupId, NaiveDate)> = candidates
        .iter()
        .map(|g| (g.group_id, eligible_from(g.plaque_date)))
        .filter(|(_, from)| *from > as_of)
        .collect();
    let already: Vec<GroupId> = claims
        .iter()
        .filter(|(_, _, state)| state != RoundState::Draft.as_str())
        .map(|(g, _, _)| *g)
        .collect();
    if named.is_some() {
        if !too_early.is_empty() {
            return Ok(Plan::Refuse(EvaluationError::TooEarly(too_early)));
        }
        if !already.is_empty() {
            return Ok(Plan::Refuse(EvaluationError::AlreadyExists(already)));
        }
        if let Some(refusal) = draft_exists(drafts.clone()) {
            return Ok(Plan::Refuse(refusal));
        }
    }
    let early: BTreeSet<GroupId> = too_early.iter().map(|(g, _)| *g).collect();
    let eligible: Vec<GroupId> = candidates
        .into_iter()
        .map(|g| g.group_id)
        .filter(|g| !early.contains(g) && !existing.contains(g))
        .collect();
    if eligible.is_empty() {
        return Ok(Plan::Refuse(match draft_exists(drafts) {
            Some(refusal) => refusal,
            None if already.is_empty() => EvaluationError::TooEarly(too_early),
            None => EvaluationError::AlreadyExists(already),
        }));
    }
    let mut skipped: Vec<SkippedGroup> = too_early
        .iter()
        .map(|(g, from)| SkippedGroup {
            group_id: *g,
            reason: "evaluation_too_early".to_owned(),
            eligible_from: Some(*from),
        })
        .collect();
    skipped.extend(already.iter().map(|g| SkippedGroup {
        group_id: *g,
        reason: "evaluation_already_exists".to_owned(),
        eligible_from: None,
    }));
    skipped.extend(drafts.iter().map(|g| SkippedGroup {
        group_id: *g,
        reason: "evaluation_draft_exists".to_owned(),
        eligible_from: None,
    }));
    Ok(Plan::Evaluate {
        groups: eligible,
        skipped,
    })
}

/// A stored round with its groups and, once computed, its scorecards' lines.
pub(crate) fn round_view(
    round: RoundRow,
    groups: Vec<GroupId>,
    lines: Vec<(Uuid, GroupId, f64, String)>,
) -> Result<Round> {
    let round_id = round.round_id;
    Ok(Round {
        id: round_id,
        region: round.region,
        school_year: SchoolYear(round.school_year),
        as_of: round.as_of,
        policy_version: round.policy_version,
        opened_by: round.opened_by,
        opened_at: round.opened_at,
        status: round
            .status
            .parse()
            .map_err(|e| corrupt("round status", e))?,
        state: round.state.parse().map_err(|e| corrupt("round state", e))?,
        completed_at: round.completed_at,
        completed_by: round.completed_by,
        computed_at: round.computed_at,
        failure: round
            .failure
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| corrupt("round failure", e))?,
        group_ids: groups,
        scorecards: lines
            .into_iter()
            .map(|(id, g, total, grade)| {
                Ok(ScorecardLine {
                    evaluation_id: id,
                    group_id: g,
                    total,
                    grade: grade.parse().map_err(|e| corrupt("grade", e))?,
                    href: format!("/api/v1/evaluation-rounds/{round_id}/groups/{g}"),
                })
            })
            .collect::<Result<_>>()?,
        skipped: serde_json::from_value(round.skipped).map_err(|e| corrupt("skipped", e))?,
    })
}

impl EvaluationService {
    /// V-03: opens a round as a draft: every eligible group of the region (or the named
    /// ones) is claimed for the school year and the round answers at once, `computing`. Its
    /// scorecards and the consequences they propose are then computed and stored in one
    /// transaction as this service's own work (a province takes longer than a request may
    /// wait); a round left computing by a crash is computed when the service starts again.
    /// Nothing is final until the bureau completes the round (`life`).
    pub async fn open_round(&self, cmd: Command<NewRound>) -> Result<Round> {
        let q = &cmd.body;
        let (first, last) = year_days(q.school_year)?;
        let today = Utc::now().date_naive();
        let as_of = q.as_of.unwrap_or(today.min(last));
        if as_of < first || as_of > last || as_of > today {
            return Err(invalid(
                "as_of",
                "the evaluation day is within the school year and not in the future",
                "考核统计日须在该学年内且不晚于今天",
            ));
        }
        if let Some(ids) = &q.group_ids
            && (ids.is_empty() || ids.len() > MAX_NAMED_GROUPS)
        {
            return Err(invalid(
                "group_ids",
                "name 1 to 5000 groups, or none for all the region's groups",
                "指定 1 到 5000 个集团,或不指定以考核全部集团",
            ));
        }
        let mut conn = self.conn().await?;
        // V-12/§8.11: the weights that apply are those announced before the year began.
        let policy = edu_bus::policy::in_force(&mut conn, q.region.as_str(), first).await?;
        let plan = plan(&mut conn, q, as_of).await?;
        let round = RoundRow {
            round_id: Uuid::now_v7(),
            region: q.region.clone(),
            school_year: q.school_year.0,
            as_of,
            policy_version: policy.version,
            opened_by: cmd.actor.sub.clone(),
            opened_at: Utc::now(),
            skipped: serde_json::Value::Null,
            status: RoundStatus::Computing.as_str().to_owned(),
            failure: None,
            computed_at: None,
            actor: Some(serde_json::to_value(&cmd.actor).map_err(|e| corrupt("actor", e))?),
            state: RoundState::Draft.as_str().to_owned(),
            completed_at: None,
            completed_by: None,
        };
        let body = cmd.body.clone();
        let opened = idempotency::for_request(
            &mut conn,
            "round.open",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &body,
            async |conn| {
                let (groups, skipped) = match plan {
                    Plan::Refuse(e) => return Err(e),
                    Plan::Evaluate { groups, skipped } => (groups, skipped),
                };
                // V-03 again inside the transaction: another round may have claimed them.
                let taken = store::claimed(conn, &groups, body.school_year.0).await?;
                if !taken.is_empty() {
                    return Err(EvaluationError::AlreadyExists(taken));
                }
                let round = RoundRow {
                    skipped: serde_json::to_value(&skipped).map_err(|e| corrupt("skipped", e))?,
                    ..round
                };
                store::open_round(conn, &round, &groups).await?;
                round_view(round, groups, Vec::new())
            },
        )
        .await?;
        if opened.status == RoundStatus::Computing {
            self.compute_in_background(opened.id);
        }
        Ok(opened)
    }

    async fn round_of(&self, conn: &mut edu_db::PooledConn, row: RoundRow) -> Result<Round> {
        let groups = store::round_group_ids(conn, row.round_id).await?;
        let lines = store::round_lines(conn, row.round_id).await?;
        round_view(row, groups, lines)
    }

    pub async fn get_round(&self, cmd: Command<RoundRef>) -> Result<Round> {
        let mut conn = self.conn().await?;
        let round = store::round(&mut conn, cmd.body.round_id)
            .await?
            .ok_or(EvaluationError::RoundNotFound)?;
        self.round_of(&mut conn, round).await
    }
}
