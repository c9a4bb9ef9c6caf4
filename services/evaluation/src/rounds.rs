//! The rounds of the annual evaluation and their scorecards. Every figure comes
//! from this service's own projection, from the bureau's data, or (E-08) from the rotation
//! service's compliance figures, asked over the bus (once for the whole region) before the
//! transaction that stores the round's scorecards. Opening a round answers at once, a
//! draft; the scorecards are computed afterwards as this service's own work (and again
//! when the bureau recomputes the draft, see `round_life`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncConnection;
use edu_bus::outbox;
use edu_contracts::evaluation::{
    Grade, NewRound, Round, RoundStatus, Scorecard, ScorecardLine, ScorecardQuery, ScorecardRef,
    ScoredItem, SkippedGroup,
};
use edu_contracts::evaluation_year::RoundState;
use edu_contracts::rotation::{
    ComplianceQuery, GetCompliance, GetGroupsCompliance, GroupsComplianceQuery, RotationFigures,
    Scope,
};
use edu_contracts::{Actor, Command, Page};
use edu_db::idempotency;
use edu_domain::{
    ErrorCode, GroupId, Policy, Problem, RegionCode, SchoolId, SchoolYear, TrainingKind,
};
use uuid::Uuid;

use crate::consequences::consequence_view;
use crate::error::EvaluationError;
use crate::round_store::{
    self as store, ConsequenceRow, JsonDocument, NewScorecard, RoundRow, ScorecardRow,
};
use crate::school_data::county_data;
use crate::scoring::{
    self, GroupFacts, MeetingFact, ReportFact, RotationFacts, RunningPosting, StageCvs,
};
use crate::service::EvaluationService;
use crate::year_store;

type Result<T> = std::result::Result<T, EvaluationError>;

/// A computation that met an unavailable service or database tries this often in all,
/// waiting twice as long each time from `COMPUTE_RETRY_FIRST`.
const COMPUTE_ATTEMPTS: u32 = 6;
const COMPUTE_RETRY_FIRST: std::time::Duration = std::time::Duration::from_secs(1);
/// How often rounds left computing are looked for, and how long one computes before it is
/// taken for left behind.
const RESUME_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
const RESUME_STUCK_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// Groups a round may name explicitly.
const MAX_NAMED_GROUPS: usize = 5000;

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
    fn lap(&mut self, name: &'static str) {
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

/// A round's scorecards are read (and exported) once computed: while the round computes
/// (the round was answered 202 and computes in the background) they would be an empty
/// list.
pub(crate) fn computed(round: &RoundRow) -> Result<()> {
    if round.status == RoundStatus::Computing.as_str() {
        return Err(EvaluationError::RoundComputing(round.round_id));
    }
    Ok(())
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> EvaluationError {
    EvaluationError::from(diesel::result::Error::DeserializationError(
        format!("stored {what}: {e}").into(),
    ))
}

pub(crate) fn invalid(field: &str, en: &str, zh: &str) -> EvaluationError {
    EvaluationError::Invalid(Problem::validation(field, en, zh))
}

pub(crate) fn year_days(year: SchoolYear) -> Result<(NaiveDate, NaiveDate)> {
    if !(2000..=2100).contains(&year.0) {
        return Err(invalid(
            "school_year",
            "the school year is between 2000 and 2100",
            "学年须在 2000 到 2100 之间",
        ));
    }
    year.first_day()
        .zip(year.last_day())
        .ok_or_else(|| invalid("school_year", "invalid school year", "学年无效"))
}

/// A stored scorecard with its consequences as they stand now.
fn scorecard_view(row: ScorecardRow, consequences: Vec<ConsequenceRow>) -> Result<Scorecard> {
    let mut card: Scorecard =
        serde_json::from_value(row.body).map_err(|e| corrupt("scorecard", e))?;
    card.consequences = consequences
        .into_iter()
        .map(consequence_view)
        .collect::<Result<_>>()?;
    Ok(card)
}

/// What a round will do, decided before its transaction and refused inside it (so that a
/// retry with the same Idempotency-Key gets the first reply, not a refusal).
enum Plan {
    Evaluate {
        groups: Vec<Uuid>,
        skipped: Vec<SkippedGroup>,
    },
    Refuse(EvaluationError),
}

/// V-03: which groups a round evaluates: the region's (or the named) groups a year past
/// their plaque date and not yet claimed for the school year.
async fn plan(conn: &mut edu_db::PooledConn, q: &NewRound, as_of: NaiveDate) -> Result<Plan> {
    let (first, _) = year_days(q.school_year)?;
    let groups = store::region_groups(conn, q.region.as_str(), first).await?;
    let known: BTreeSet<Uuid> = groups.iter().map(|g| g.group_id).collect();
    let named: Option<BTreeSet<Uuid>> = q
        .group_ids
        .as_ref()
        .map(|ids| ids.iter().map(|g| g.0).collect());
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
    let ids: Vec<Uuid> = candidates.iter().map(|g| g.group_id).collect();
    // V-03: a group claimed by a completed round is evaluated for the year; one claimed by
    // a draft is being evaluated (the bureau recomputes or completes that draft).
    let claims = year_store::claims(conn, &ids, q.school_year.0).await?;
    let existing: BTreeSet<Uuid> = claims.iter().map(|(g, _, _)| *g).collect();
    let draft_claims: Vec<&(Uuid, Uuid, String)> = claims
        .iter()
        .filter(|(_, _, state)| state == RoundState::Draft.as_str())
        .collect();
    let drafts: Vec<GroupId> = draft_claims.iter().map(|(g, _, _)| GroupId(*g)).collect();
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
        .map(|g| (GroupId(g.group_id), scoring::eligible_from(g.plaque_date)))
        .filter(|(_, from)| *from > as_of)
        .collect();
    let already: Vec<GroupId> = claims
        .iter()
        .filter(|(_, _, state)| state != RoundState::Draft.as_str())
        .map(|(g, _, _)| GroupId(*g))
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
    let early: BTreeSet<Uuid> = too_early.iter().map(|(g, _)| g.0).collect();
    let eligible: Vec<Uuid> = candidates
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

/// What a round's computation works with.
struct RoundContext<'a> {
    actor: &'a Actor,
    round_id: Uuid,
    region: &'a RegionCode,
    year: SchoolYear,
    days: (NaiveDate, NaiveDate),
    as_of: NaiveDate,
    policy: &'a Policy,
}

/// A stored round with its groups and, once computed, its scorecards' lines.
pub(crate) fn round_view(
    round: RoundRow,
    groups: Vec<Uuid>,
    lines: Vec<(Uuid, Uuid, f64, String)>,
) -> Result<Round> {
    let round_id = round.round_id;
    Ok(Round {
        id: round_id,
        region: RegionCode::parse(&round.region).map_err(|e| corrupt("region", e))?,
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
        group_ids: groups.into_iter().map(GroupId).collect(),
        scorecards: lines
            .into_iter()
            .map(|(id, g, total, grade)| {
                Ok(ScorecardLine {
                    evaluation_id: id,
                    group_id: GroupId(g),
                    total,
                    grade: grade.parse().map_err(|e| corrupt("grade", e))?,
                    href: format!("/api/v1/evaluation-rounds/{round_id}/groups/{g}"),
                })
            })
            .collect::<Result<_>>()?,
        skipped: serde_json::from_value(round.skipped).map_err(|e| corrupt("skipped", e))?,
    })
}

/// A group as a scorecard names it: who it was on the evaluation day.
struct GroupHead {
    evaluation_id: Uuid,
    group_id: GroupId,
    plaque_date: NaiveDate,
    lead: SchoolId,
    members: Vec<SchoolId>,
}

/// The records of a school year the figures count and link to, from this service's
/// projections, per group: read in one query per table for a round's groups, and for one
/// group when someone drills down into its scorecard (the same reading both times, so the
/// sources are the records the figures were computed from).
#[derive(Default)]
struct Records {
    meetings: BTreeMap<Uuid, Vec<MeetingFact>>,
    reports: BTreeMap<Uuid, Vec<ReportFact>>,
    trainings: BTreeMap<Uuid, Vec<(Uuid, TrainingKind, NaiveDate)>>,
    resources: BTreeMap<Uuid, Vec<(Uuid, Uuid, NaiveDate)>>,
    adoptions: BTreeMap<Uuid, Vec<(Uuid, Uuid, Uuid)>>,
    scored_items: BTreeMap<Uuid, Vec<ScoredItem>>,
}

impl Records {
    /// The records of `groups` in the round's school year up to its evaluation day.
    async fn read(
        conn: &mut edu_db::PooledConn,
        groups: &[Uuid],
        ctx: &RoundContext<'_>,
        phases: &mut Phases,
    ) -> Result<Self> {
        let year = ctx.year;
        let (first, last) = ctx.days;
        let span = (first, ctx.as_of.min(last));
        let mut out = Self::default();
        for (g, id, kind, held_on, present) in store::meetings_of(conn, groups, span).await? {
            out.meetings.entry(g).or_default().push(MeetingFact {
                id,
                kind: kind.parse().map_err(|e| corrupt("meeting kind", e))?,
                held_on,
                present,
            });
        }
        phases.lap("meetings");
        for (g, id, y, quarter, late) in
            store::reports_of(conn, groups, (year.0, year.0 + 1)).await?
        {
            out.reports.entry(g).or_default().push(ReportFact {
                id,
                year: y,
                quarter: u32::try_from(quarter).unwrap_or_default(),
                late,
            });
        }
        phases.lap("reports");
        for (g, id, kind, on) in store::trainings_of(conn, groups, span).await? {
            let kind = kind.parse().map_err(|e| corrupt("training kind", e))?;
            out.trainings.entry(g).or_default().push((id, kind, on));
        }
        phases.lap("trainings");
        for (g, id, owner, on) in store::resources_of(conn, groups, span).await? {
            out.resources.entry(g).or_default().push((id, owner, on));
        }
        phases.lap("resources");
        for (g, r, owner, adopter) in store::adoptions_of(conn, groups, span).await? {
            out.adoptions
                .entry(g)
                .or_default()
                .push((r, owner, adopter));
        }
        phases.lap("adoptions");
        for (g, v) in store::region_scored_items(conn, groups, year.0).await? {
            out.scored_items.insert(
                g,
                serde_json::from_value(v).map_err(|e| corrupt("scored items", e))?,
            );
        }
        phases.lap("items");
        Ok(out)
    }

    /// The facts of one group (its records taken out), without the school data, the
    /// running postings and last year's grade.
    fn facts(
        &mut self,
        ctx: &RoundContext<'_>,
        head: GroupHead,
        rotation: RotationFacts,
    ) -> GroupFacts {
        let g = head.group_id.0;
        GroupFacts {
            evaluation_id: head.evaluation_id,
            round_id: ctx.round_id,
            group_id: head.group_id,
            region: ctx.region.clone(),
            school_year: ctx.year,
            as_of: ctx.as_of,
            plaque_date: head.plaque_date,
            lead: head.lead,
            members: head.members,
            meetings: self.meetings.remove(&g).unwrap_or_default(),
            reports: self.reports.remove(&g).unwrap_or_default(),
            trainings: self.trainings.remove(&g).unwrap_or_default(),
            resources: self.resources.remove(&g).unwrap_or_default(),
            adoptions: self.adoptions.remove(&g).unwrap_or_default(),
            running_postings: Vec::new(),
            rotation,
            this_year: BTreeMap::new(),
            last_year: BTreeMap::new(),
            scored_items: self.scored_items.remove(&g).unwrap_or_default(),
            previous_grade: None,
        }
    }
}

impl EvaluationService {
    /// V-03: opens a round as a draft: every eligible group of the region (or the named
    /// ones) is claimed for the school year and the round answers at once, `computing`. Its
    /// scorecards and the consequences they propose are then computed and stored in one
    /// transaction as this service's own work (a province takes longer than a request may
    /// wait); a round left computing by a crash is computed when the service starts again.
    /// Nothing is final until the bureau completes the round (`round_life`).
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
            region: q.region.as_str().to_owned(),
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
                    return Err(EvaluationError::AlreadyExists(
                        taken.into_iter().map(GroupId).collect(),
                    ));
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
        let region = RegionCode::parse(&round.region).map_err(|e| corrupt("region", e))?;
        let actor: Actor = match round.actor {
            Some(a) => serde_json::from_value(a).map_err(|e| corrupt("actor", e))?,
            None => Actor::system_in("evaluation", region.clone()),
        };
        let year = SchoolYear(round.school_year);
        let (first, last) = year_days(year)?;
        let policy = edu_bus::policy::in_force(&mut conn, region.as_str(), first).await?;
        let claimed: BTreeSet<Uuid> = store::round_group_ids(&mut conn, round_id)
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
                group_id: card.group_id.0,
                school_year: card.school_year.0,
                total: card.total,
                grade: card.grade.as_str().to_owned(),
                body: JsonDocument::of(card).map_err(|e| corrupt("scorecard", e))?,
            });
            consequence_rows.extend(card.consequences.iter().map(|c| ConsequenceRow {
                consequence_id: c.id,
                evaluation_id: card.id,
                group_id: card.group_id.0,
                kind: c.kind.as_str().to_owned(),
                school_id: c.school_id.map(|s| s.0),
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
                let round = year_store::round_for_update(conn, round_id).await?;
                if round.is_none_or(|r| r.status != RoundStatus::Computing.as_str()) {
                    return Ok(());
                }
                store::insert_scorecards(conn, &rows, &consequence_rows).await?;
                phases.lap("insert");
                store::finish_round(conn, round_id, None).await?;
                Ok(())
            })
            .await;
        stored?;
        phases.lap("commit");
        Ok(())
    }

    /// The scorecards of `groups`: their facts read in one query per table while the
    /// rotation service counts E-08 for the whole region at the same time, the county's CVs
    /// once. The figures' sources are left out (a drill-down computes them, see
    /// [`EvaluationService::fill_sources`]): a province's records are not copied into every
    /// scorecard.
    async fn scorecards(
        &self,
        conn: &mut edu_db::PooledConn,
        ctx: &RoundContext<'_>,
        groups: &[store::RegionGroup],
        phases: &mut Phases,
    ) -> Result<Vec<Scorecard>> {
        let year = ctx.year;
        let as_of = ctx.as_of;
        let (first, _) = ctx.days;
        let ids: Vec<Uuid> = groups.iter().map(|g| g.group_id).collect();
        // E-08 as the rotation service counts it, never recomputed here: the longest single
        // step, and it needs nothing read here, so it runs while this service reads.
        let rotation = self.bus.call::<GetGroupsCompliance>(
            ctx.actor,
            None,
            GroupsComplianceQuery {
                region: ctx.region.clone(),
                school_year: year,
                as_of: Some(as_of),
            },
        );
        let own = async {
            let mut members: BTreeMap<Uuid, Vec<SchoolId>> = BTreeMap::new();
            for (g, s) in store::members_since(conn, &ids, first).await? {
                members.entry(g).or_default().push(SchoolId(s));
            }
            phases.lap("members");
            let records = Records::read(conn, &ids, ctx, phases).await?;
            let mut running: BTreeMap<Uuid, Vec<RunningPosting>> = BTreeMap::new();
            for (g, from, to, backbone, n) in store::running_postings(conn, &ids, as_of).await? {
                running.entry(g).or_default().push(RunningPosting {
                    from,
                    to,
                    backbone,
                    postings: u32::try_from(n).unwrap_or(u32::MAX),
                });
            }
            phases.lap("postings");
            let previous: BTreeMap<Uuid, Grade> = store::grades_of(conn, &ids, year.0 - 1)
                .await?
                .into_iter()
                .map(|(g, grade)| Ok((g, grade.parse().map_err(|e| corrupt("grade", e))?)))
                .collect::<Result<_>>()?;
            phases.lap("grades");
            let school_data = county_data(conn, ctx.region.as_str(), year).await?;
            phases.lap("school_data");
            Ok::<_, EvaluationError>((members, records, running, previous, school_data))
        };
        let (rotation, own) = tokio::join!(rotation, own);
        let (mut members, mut records, mut running, previous, (this_year, last_year, county)) =
            own?;
        let rotation = rotation.map_err(EvaluationError::Upstream)?;
        phases.lap("rotation_wait");
        let figures: BTreeMap<Uuid, (u32, RotationFigures)> = rotation
            .groups
            .into_iter()
            .map(|g| (g.group_id.0, (g.eligible, g.actual)))
            .collect();
        let mut cards = Vec::with_capacity(groups.len());
        for g in groups {
            // Both services follow membership's events; until rotation has seen the group
            // there is no E-08 figure to show (retried as unavailable).
            let (eligible, actual) =
                figures.get(&g.group_id).cloned().ok_or_else(|| {
                    EvaluationError::Upstream(Problem::unavailable("rotation").details(
                        serde_json::json!({"service": "rotation", "group_id": g.group_id}),
                    ))
                })?;
            let head = GroupHead {
                evaluation_id: Uuid::now_v7(),
                group_id: GroupId(g.group_id),
                plaque_date: g.plaque_date,
                lead: SchoolId(g.lead_school_id),
                members: members.remove(&g.group_id).unwrap_or_default(),
            };
            let pick = |m: &BTreeMap<SchoolId, scoring::SchoolYearData>| {
                std::iter::once(&head.lead)
                    .chain(head.members.iter())
                    .filter_map(|s| m.get(s).map(|d| (*s, d.clone())))
                    .collect()
            };
            let (this_year, last_year) = (pick(&this_year), pick(&last_year));
            let rotation = RotationFacts {
                eligible,
                actual,
                rotation_min_pct: rotation.rotation_min_pct,
                backbone_min_pct: rotation.backbone_min_pct,
            };
            let facts = GroupFacts {
                running_postings: running.remove(&g.group_id).unwrap_or_default(),
                this_year,
                last_year,
                previous_grade: previous.get(&g.group_id).copied(),
                ..records.facts(ctx, head, rotation)
            };
            let mut card = scoring::scorecard(facts, ctx.policy, &county);
            for figure in card
                .dimensions
                .iter_mut()
                .flat_map(|d| d.figures.iter_mut())
            {
                figure.sources = Vec::new();
            }
            cards.push(card);
        }
        phases.lap("scoring");
        Ok(cards)
    }

    pub async fn get_scorecard(&self, cmd: Command<ScorecardRef>) -> Result<Scorecard> {
        let mut conn = self.conn().await?;
        let Some(row) = store::scorecard(&mut conn, cmd.body.round_id, cmd.body.group_id.0).await?
        else {
            // Not there yet while the round computes: say so, rather than "no such scorecard".
            if let Some(round) = store::round(&mut conn, cmd.body.round_id).await? {
                computed(&round)?;
            }
            return Err(EvaluationError::ScorecardNotFound);
        };
        let consequences = store::consequences_of(&mut conn, &[row.evaluation_id]).await?;
        drop(conn);
        let mut card = scorecard_view(row, consequences)?;
        self.fill_sources(&cmd.actor, &mut card).await?;
        Ok(card)
    }

    /// Drill-down: the records behind each figure of a scorecard, computed on request (a
    /// round stores the figures only). The E-08 figures' are the rotated teachers'
    /// postings, asked of the rotation service for the group and day of the scorecard; the
    /// others are this service's records of the group, read and selected as the round read
    /// and counted them (same school year, evaluation day, schools and policy).
    async fn fill_sources(&self, actor: &Actor, card: &mut Scorecard) -> Result<()> {
        let query = ComplianceQuery {
            scope: Scope::Group {
                group_id: card.group_id,
            },
            school_year: card.school_year,
            as_of: Some(card.as_of),
        };
        let compliance = self
            .bus
            .call::<GetCompliance>(actor, None, query)
            .await
            .map_err(EvaluationError::Upstream)?;
        let days = year_days(card.school_year)?;
        let mut conn = self.conn().await?;
        let policy = edu_bus::policy::in_force(&mut conn, card.region.as_str(), days.0).await?;
        let ctx = RoundContext {
            actor,
            round_id: card.round_id,
            region: &card.region,
            year: card.school_year,
            days,
            as_of: card.as_of,
            policy: &policy,
        };
        let mut records =
            Records::read(&mut conn, &[card.group_id.0], &ctx, &mut Phases::start()).await?;
        drop(conn);
        let head = GroupHead {
            evaluation_id: card.id,
            group_id: card.group_id,
            plaque_date: card.plaque_date,
            lead: card.lead_school_id,
            members: card.member_school_ids.clone(),
        };
        let rotation = RotationFacts {
            eligible: compliance.eligible,
            actual: compliance.actual.clone(),
            rotation_min_pct: compliance.rotation_min_pct,
            backbone_min_pct: compliance.backbone_min_pct,
        };
        let recomputed = scoring::scorecard(
            records.facts(&ctx, head, rotation),
            &policy,
            &StageCvs::default(),
        );
        for figure in card
            .dimensions
            .iter_mut()
            .flat_map(|d| d.figures.iter_mut())
        {
            figure.sources = match scoring::ROTATION_FIGURES
                .iter()
                .find(|(key, _)| *key == figure.key)
            {
                Some((_, backbone_only)) => scoring::rotation_sources(&compliance, *backbone_only),
                None => recomputed
                    .figure(&figure.key)
                    .map(|f| f.sources.clone())
                    .unwrap_or_default(),
            };
        }
        Ok(())
    }

    /// A round's scorecards, a page at a time (exports page through them).
    pub async fn list_scorecards(&self, cmd: Command<ScorecardQuery>) -> Result<Page<Scorecard>> {
        let paging = cmd.body.paging.checked()?;
        let mut conn = self.conn().await?;
        let round = store::round(&mut conn, cmd.body.round_id)
            .await?
            .ok_or(EvaluationError::RoundNotFound)?;
        computed(&round)?;
        let (rows, total) = store::scorecard_page(
            &mut conn,
            cmd.body.round_id,
            (i64::from(paging.limit), i64::from(paging.offset)),
        )
        .await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.evaluation_id).collect();
        let mut by_card: BTreeMap<Uuid, Vec<ConsequenceRow>> = BTreeMap::new();
        for c in store::consequences_of(&mut conn, &ids).await? {
            by_card.entry(c.evaluation_id).or_default().push(c);
        }
        let items = rows
            .into_iter()
            .map(|r| {
                let c = by_card.remove(&r.evaluation_id).unwrap_or_default();
                scorecard_view(r, c)
            })
            .collect::<Result<_>>()?;
        Ok(Page { items, total })
    }
}
