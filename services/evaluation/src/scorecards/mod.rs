//! The scorecards of a round (V-01): computed for a round's groups from this service's
//! projection, the bureau's data and (E-08) the rotation service's compliance figures,
//! asked over the bus once for the whole region; read, paged, and drilled down to the
//! records behind each figure.

mod figures;
mod records;
pub mod rules;
pub(crate) mod store;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use edu_contracts::evaluation::{Grade, Scorecard, ScorecardQuery, ScorecardRef};
use edu_contracts::rotation::{
    ComplianceQuery, GetCompliance, GetGroupsCompliance, GroupsComplianceQuery, RotationFigures,
    Scope,
};
use edu_contracts::{Actor, Command, Page};
use edu_domain::{GroupId, Problem, SchoolId};
use uuid::Uuid;

use crate::balance::StageCvs;
use crate::consequences::consequence_view;
use crate::consequences::store::{self as consequence_store, ConsequenceRow};
use crate::error::EvaluationError;
use crate::rounds::store::{self as round_store, RegionGroup};
use crate::rounds::{Phases, computed};
use crate::service::{EvaluationService, Result, corrupt, year_days};
use crate::year::county_data;
use records::{GroupHead, Records};
use rules::{GroupFacts, RotationFacts, RunningPosting};
use store::ScorecardRow;

pub(crate) use records::RoundContext;

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

impl EvaluationService {
    /// The scorecards of `groups`: their facts read in one query per table while the
    /// rotation service counts E-08 for the whole region at the same time, the county's CVs
    /// once. The figures' sources are left out (a drill-down computes them, see
    /// [`EvaluationService::fill_sources`]): a province's records are not copied into every
    /// scorecard.
    pub(crate) async fn scorecards(
        &self,
        conn: &mut edu_db::PooledConn,
        ctx: &RoundContext<'_>,
        groups: &[RegionGroup],
        phases: &mut Phases,
    ) -> Result<Vec<Scorecard>> {
        let year = ctx.year;
        let as_of = ctx.as_of;
        let (first, _) = ctx.days;
        let ids: Vec<GroupId> = groups.iter().map(|g| g.group_id).collect();
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
            let mut members: BTreeMap<GroupId, Vec<SchoolId>> = BTreeMap::new();
            for (g, s) in store::members_since(conn, &ids, first).await? {
                members.entry(g).or_default().push(s);
            }
            phases.lap("members");
            let records = Records::read(conn, &ids, ctx, phases).await?;
            let mut running: BTreeMap<GroupId, Vec<RunningPosting>> = BTreeMap::new();
            for (g, from, to, backbone, n) in store::running_postings(conn, &ids, as_of).await? {
                running.entry(g).or_default().push(RunningPosting {
                    from,
                    to,
                    backbone,
                    postings: u32::try_from(n).unwrap_or(u32::MAX),
                });
            }
            phases.lap("postings");
            let previous: BTreeMap<GroupId, Grade> = store::grades_of(conn, &ids, year.0 - 1)
                .await?
                .into_iter()
                .map(|(g, grade)| Ok((g, grade.parse().map_err(|e| corrupt("grade", e))?)))
                .collect::<Result<_>>()?;
            phases.lap("grades");
            let school_data = county_data(conn, ctx.region, year).await?;
            phases.lap("school_data");
            Ok::<_, EvaluationError>((members, records, running, previous, school_data))
        };
        let (rotation, own) = tokio::join!(rotation, own);
        let (mut members, mut records, mut running, previous, (this_year, last_year, county)) =
            own?;
        let rotation = rotation.map_err(EvaluationError::Upstream)?;
        phases.lap("rotation_wait");
        let figures: BTreeMap<GroupId, (u32, RotationFigures)> = rotation
            .groups
            .into_iter()
            .map(|g| (g.group_id, (g.eligible, g.actual)))
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
                group_id: g.group_id,
                plaque_date: g.plaque_date,
                lead: g.lead_school_id,
                members: members.remove(&g.group_id).unwrap_or_default(),
            };
            let pick = |m: &BTreeMap<SchoolId, rules::SchoolYearData>| {
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
            let mut card = rules::scorecard(facts, ctx.policy, &county);
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
        let Some(row) = store::scorecard(&mut conn, cmd.body.round_id, cmd.body.group_id).await?
        else {
            // Not there yet while the round computes: say so, rather than "no such scorecard".
            if let Some(round) = round_store::round(&mut conn, cmd.body.round_id).await? {
                computed(&round)?;
            }
            return Err(EvaluationError::ScorecardNotFound);
        };
        let consequences =
            consequence_store::consequences_of(&mut conn, &[row.evaluation_id]).await?;
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
            Records::read(&mut conn, &[card.group_id], &ctx, &mut Phases::start()).await?;
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
        let recomputed = rules::scorecard(
            records.facts(&ctx, head, rotation),
            &policy,
            &StageCvs::default(),
        );
        for figure in card
            .dimensions
            .iter_mut()
            .flat_map(|d| d.figures.iter_mut())
        {
            figure.sources = match rules::ROTATION_FIGURES
                .iter()
                .find(|(key, _)| *key == figure.key)
            {
                Some((_, backbone_only)) => rules::rotation_sources(&compliance, *backbone_only),
                // The stored figures and the recomputation come from the same rules: a
                // figure the recomputation lacks is a scorecard those rules did not write.
                None => recomputed
                    .figure(&figure.key)
                    .map(|f| f.sources.clone())
                    .ok_or_else(|| corrupt("scorecard figure", &figure.key))?,
            };
        }
        Ok(())
    }

    /// A round's scorecards, a page at a time (exports page through them).
    pub async fn list_scorecards(&self, cmd: Command<ScorecardQuery>) -> Result<Page<Scorecard>> {
        let paging = cmd.body.paging.checked()?;
        let mut conn = self.conn().await?;
        let round = round_store::round(&mut conn, cmd.body.round_id)
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
        for c in consequence_store::consequences_of(&mut conn, &ids).await? {
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
