//! The records of a school year a scorecard's figures count and link to, read from this
//! service's projection for a round's groups at once, or for one group on a drill-down.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use edu_contracts::Actor;
use edu_contracts::evaluation::ScoredItem;
use edu_domain::{GroupId, Policy, RegionCode, SchoolId, SchoolYear, TrainingKind};
use uuid::Uuid;

use super::rules::{GroupFacts, MeetingFact, ReportFact, RotationFacts};
use super::store;
use crate::rounds::Phases;
use crate::service::{Result, corrupt};
use crate::year::store as year_store;

/// What a round's computation works with.
pub(crate) struct RoundContext<'a> {
    pub(crate) actor: &'a Actor,
    pub(crate) round_id: Uuid,
    pub(crate) region: &'a RegionCode,
    pub(crate) year: SchoolYear,
    pub(crate) days: (NaiveDate, NaiveDate),
    pub(crate) as_of: NaiveDate,
    pub(crate) policy: &'a Policy,
}

/// A group as a scorecard names it: who it was on the evaluation day.
pub(super) struct GroupHead {
    pub(super) evaluation_id: Uuid,
    pub(super) group_id: GroupId,
    pub(super) plaque_date: NaiveDate,
    pub(super) lead: SchoolId,
    pub(super) members: Vec<SchoolId>,
}

/// The records of a school year the figures count and link to, from this service's
/// projections, per group: read in one query per table for a round's groups, and for one
/// group when someone drills down into its scorecard (the same reading both times, so the
/// sources are the records the figures were computed from).
#[derive(Default)]
pub(super) struct Records {
    meetings: BTreeMap<GroupId, Vec<MeetingFact>>,
    reports: BTreeMap<GroupId, Vec<ReportFact>>,
    trainings: BTreeMap<GroupId, Vec<(Uuid, TrainingKind, NaiveDate)>>,
    resources: BTreeMap<GroupId, Vec<(Uuid, SchoolId, NaiveDate)>>,
    adoptions: BTreeMap<GroupId, Vec<(Uuid, SchoolId, SchoolId)>>,
    scored_items: BTreeMap<GroupId, Vec<ScoredItem>>,
}

impl Records {
    /// The records of `groups` in the round's school year up to its evaluation day.
    pub(super) async fn read(
        conn: &mut edu_db::PooledConn,
        groups: &[GroupId],
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
                // A stored quarter outside 1..=4 is corrupt, never quarter 0.
                quarter: u32::try_from(quarter)
                    .ok()
                    .filter(|q| (1..=4).contains(q))
                    .ok_or_else(|| corrupt("report quarter", quarter))?,
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
        for (g, v) in year_store::region_scored_items(conn, groups, year.0).await? {
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
    pub(super) fn facts(
        &mut self,
        ctx: &RoundContext<'_>,
        head: GroupHead,
        rotation: RotationFacts,
    ) -> GroupFacts {
        let g = head.group_id;
        // A group without records of a kind has no entry for it: none is the count.
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
