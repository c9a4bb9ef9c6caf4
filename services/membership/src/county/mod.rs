//! The bureau's county view (S4 篇三): how many of the county's junior schools the groups
//! cover against the policy's line (F-16), and the rounds of weak-school designation —
//! about a third of the junior schools, on the last three years' developmental assessments,
//! each with its own plan, three school years a round, managed dynamically (F-17). A
//! designated school no group covers yet is the member a group should take in.

use std::collections::HashMap;

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use edu_bus::outbox;
use edu_contracts::Command;
use edu_contracts::county::{
    CountySchool, Coverage, CoverageQuery, DesignationId, DesignationLift, NewDesignation,
    NewWeakRound, WeakDesignation, WeakRound, WeakRoundId, WeakRoundOpened, WeakSchoolChanged,
};
use edu_contracts::policy::RegionRef;
use edu_db::idempotency;
use edu_domain::{GroupId, Problem, RegionCode, SchoolId, Stage, text};

use crate::error::{DESIGNATED_ALREADY, LIFTED_ALREADY, MembershipError};
use crate::service::{MembershipService, Result};
use store::{DesignationRow, RoundRow};

pub(crate) mod rules;
pub(crate) mod store;

const JUNIOR_STAGES: &[Stage] = &[Stage::Junior, Stage::NineYear, Stage::TwelveYear];

/// The region a command names (set from the path by the lead-school API).
fn region_of(region: Option<&RegionCode>) -> Result<&RegionCode> {
    region.ok_or_else(|| {
        Problem::validation("region", "the county is required", "须指明县(区)").into()
    })
}

/// The county's junior schools and the group covering each on `day`.
async fn junior_cover(
    conn: &mut AsyncPgConnection,
    region: &RegionCode,
    day: chrono::NaiveDate,
) -> Result<(Vec<crate::store::SchoolRow>, HashMap<SchoolId, GroupId>)> {
    debug_assert!(JUNIOR_STAGES.iter().all(|s| rules::has_junior_years(*s)));
    let schools = store::junior_schools(conn, region, JUNIOR_STAGES).await?;
    let ids: Vec<SchoolId> = schools.iter().map(|s| s.id).collect();
    let cover = store::groups_on(conn, &ids, day)
        .await?
        .into_iter()
        .collect();
    Ok((schools, cover))
}

/// A round with its designations, the names of their schools and who covers them.
fn round_view(
    row: RoundRow,
    designations: Vec<DesignationRow>,
    schools: &[crate::store::SchoolRow],
    cover: &HashMap<SchoolId, GroupId>,
    target_share_pct: u8,
) -> WeakRound {
    let name = |id: SchoolId| {
        schools
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let designations: Vec<WeakDesignation> = designations
        .into_iter()
        .filter(|d| d.round_id == row.id)
        .map(|d| WeakDesignation {
            id: d.id,
            round_id: d.round_id,
            school_id: d.school_id,
            school_name: name(d.school_id),
            assessment: d.assessment,
            plan: d.plan,
            designated_by: d.designated_by,
            designated_at: d.designated_at,
            lifted_on: d.lifted_on,
            lift_reason: d.lift_reason,
            group_id: cover.get(&d.school_id).copied(),
        })
        .collect();
    let in_force = designations
        .iter()
        .filter(|d| d.lifted_on.is_none())
        .count();
    WeakRound {
        id: row.id,
        region: row.region,
        first_school_year: row.first_school_year,
        last_school_year: row.last_school_year,
        basis: row.basis,
        opened_by: row.opened_by,
        opened_at: row.opened_at,
        target_share_pct,
        designated_share_pct: rules::pct(in_force, schools.len()),
        designations,
    }
}

impl MembershipService {
    /// F-16 (and the F-17 round in force): the county's junior schools a group covers.
    pub async fn coverage(&self, cmd: Command<CoverageQuery>) -> Result<Coverage> {
        let q = &cmd.body;
        let day = q.as_of.unwrap_or_else(|| Utc::now().date_naive());
        let mut conn = self.conn().await?;
        let policy = crate::store::policy_on(&conn, &q.region, day).await?;
        let (schools, cover) = junior_cover(&mut conn, &q.region, day).await?;
        let school_year = edu_domain::SchoolYear::containing(day).0;
        let round = store::rounds(&mut conn, &q.region)
            .await?
            .into_iter()
            .find(|r| (r.first_school_year..=r.last_school_year).contains(&school_year));
        let round = match round {
            Some(row) => {
                let designations = store::designations(&mut conn, &[row.id]).await?;
                Some(round_view(
                    row,
                    designations,
                    &schools,
                    &cover,
                    policy.weak_school_share_pct,
                ))
            }
            None => None,
        };
        let weak = |id: SchoolId| {
            round.as_ref().is_some_and(|r| {
                r.designations
                    .iter()
                    .any(|d| d.school_id == id && d.lifted_on.is_none_or(|l| l > day))
            })
        };
        let covered = schools.iter().filter(|s| cover.contains_key(&s.id)).count();
        let covered_pct = rules::pct(covered, schools.len());
        let uncovered = schools
            .iter()
            .filter(|s| !cover.contains_key(&s.id))
            .map(|s| {
                Ok(CountySchool {
                    school_id: s.id,
                    name: s.name.clone(),
                    stage: s.stage()?,
                    designated_weak: weak(s.id),
                })
            })
            .collect::<diesel::QueryResult<_>>()?;
        Ok(Coverage {
            region: q.region.clone(),
            as_of: day,
            junior_schools: u32::try_from(schools.len()).unwrap_or(u32::MAX),
            covered: u32::try_from(covered).unwrap_or(u32::MAX),
            covered_pct,
            line_pct: policy.junior_coverage_min_pct,
            met: rules::coverage_met(covered_pct, policy.junior_coverage_min_pct),
            uncovered,
            round,
            policy_version: policy.version,
        })
    }

    /// F-17: every round of the county, newest first, with its designations.
    pub async fn list_weak_rounds(&self, cmd: Command<RegionRef>) -> Result<Vec<WeakRound>> {
        let region = &cmd.body.region;
        let mut conn = self.conn().await?;
        let day = Utc::now().date_naive();
        let policy = crate::store::policy_on(&conn, region, day).await?;
        let (schools, cover) = junior_cover(&mut conn, region, day).await?;
        let rows = store::rounds(&mut conn, region).await?;
        let ids: Vec<WeakRoundId> = rows.iter().map(|r| r.id).collect();
        let designations = store::designations(&mut conn, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                round_view(
                    r,
                    designations.clone(),
                    &schools,
                    &cover,
                    policy.weak_school_share_pct,
                )
            })
            .collect())
    }

    /// F-17: the bureau opens a round of three school years; rounds do not overlap.
    pub async fn open_weak_round(&self, cmd: Command<NewWeakRound>) -> Result<WeakRound> {
        let body = &cmd.body;
        let region = region_of(body.region.as_ref())?.clone();
        let basis = text::required("basis", &body.basis, 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "weak_round.open",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                store::lock_region(conn, &region).await?;
                let existing: Vec<(i32, i32)> = store::rounds(conn, &region)
                    .await?
                    .iter()
                    .map(|r| (r.first_school_year, r.last_school_year))
                    .collect();
                let last = rules::check_round(body.first_school_year, &existing)?;
                let row = RoundRow {
                    id: WeakRoundId::new(),
                    region: region.clone(),
                    first_school_year: body.first_school_year,
                    last_school_year: last,
                    basis: basis.clone(),
                    opened_by: cmd.actor.sub.clone(),
                    opened_at: Utc::now(),
                };
                store::insert_round(conn, &row).await?;
                let event = WeakRoundOpened {
                    round_id: row.id,
                    region: region.clone(),
                    first_school_year: row.first_school_year,
                    last_school_year: last,
                };
                outbox::enqueue(conn, &cmd.actor, None, None, &event).await?;
                let policy = crate::store::current_policy(conn, &region).await?;
                let (schools, cover) = junior_cover(conn, &region, Utc::now().date_naive()).await?;
                Ok(round_view(
                    row,
                    Vec::new(),
                    &schools,
                    &cover,
                    policy.weak_school_share_pct,
                ))
            },
        )
        .await
    }

    /// F-17: a junior school of the county joins the round's list with its own plan.
    pub async fn designate_weak_school(
        &self,
        cmd: Command<NewDesignation>,
    ) -> Result<WeakDesignation> {
        let body = &cmd.body;
        let region = region_of(body.region.as_ref())?.clone();
        let assessment = text::required("assessment", &body.assessment, 1000)?;
        let plan = text::required("plan", &body.plan, 4000)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "weak_school.designate",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let round = store::round(conn, body.round_id)
                    .await?
                    .filter(|r| r.region == region)
                    .ok_or(MembershipError::WeakRoundNotFound)?;
                let school = crate::store::school(conn, body.school_id)
                    .await?
                    .filter(|s| s.region == region.as_str())
                    .ok_or(MembershipError::SchoolNotFound)?;
                if !rules::has_junior_years(school.stage()?) {
                    return Err(Problem::validation(
                        "school_id",
                        "weak-school designation is of junior schools (初中, 九年一贯制, 十二年一贯制)",
                        "薄弱学校认定针对初中学校(含九年一贯制、十二年一贯制)",
                    )
                    .rule("F-17")
                    .into());
                }
                let listed = store::designations(conn, &[round.id])
                    .await?
                    .iter()
                    .any(|d| d.school_id == school.id);
                if listed {
                    return Err(MembershipError::DesignationState(DESIGNATED_ALREADY));
                }
                let row = DesignationRow {
                    id: DesignationId::new(),
                    round_id: round.id,
                    school_id: school.id,
                    assessment: assessment.clone(),
                    plan: plan.clone(),
                    designated_by: cmd.actor.sub.clone(),
                    designated_at: Utc::now(),
                    lifted_on: None,
                    lift_reason: None,
                };
                store::insert_designation(conn, &row).await.map_err(|e| {
                    if edu_db::is_unique_violation(&e, "weak_designations_round_id_school_id_key") {
                        MembershipError::DesignationState(DESIGNATED_ALREADY)
                    } else {
                        e.into()
                    }
                })?;
                let event = WeakSchoolChanged {
                    round_id: round.id,
                    designation_id: row.id,
                    school_id: school.id,
                    lifted_on: None,
                };
                outbox::enqueue(conn, &cmd.actor, None, Some(school.id), &event).await?;
                let cover = store::groups_on(conn, &[school.id], Utc::now().date_naive()).await?;
                Ok(designation_view(row, school.name, cover.first().map(|c| c.1)))
            },
        )
        .await
    }

    /// F-17: a school leaves the round's list before the round ends, with the reason.
    pub async fn lift_designation(&self, cmd: Command<DesignationLift>) -> Result<WeakDesignation> {
        let body = &cmd.body;
        let region = region_of(body.region.as_ref())?.clone();
        let reason = text::required("reason", &body.reason, 500)?;
        let mut conn = self.conn().await?;
        idempotency::for_request(
            &mut conn,
            "weak_school.lift",
            &cmd.actor.sub,
            cmd.idempotency_key.as_deref(),
            &cmd.body,
            async |conn| {
                let row = store::designation_for_update(conn, body.designation_id)
                    .await?
                    .ok_or(MembershipError::DesignationNotFound)?;
                store::round(conn, row.round_id)
                    .await?
                    .filter(|r| r.region == region)
                    .ok_or(MembershipError::DesignationNotFound)?;
                if row.lifted_on.is_some() {
                    return Err(MembershipError::DesignationState(LIFTED_ALREADY));
                }
                store::lift(conn, row.id, body.lifted_on, &reason).await?;
                let event = WeakSchoolChanged {
                    round_id: row.round_id,
                    designation_id: row.id,
                    school_id: row.school_id,
                    lifted_on: Some(body.lifted_on),
                };
                outbox::enqueue(conn, &cmd.actor, None, Some(row.school_id), &event).await?;
                let school = crate::store::school(conn, row.school_id)
                    .await?
                    .ok_or(MembershipError::SchoolNotFound)?;
                let cover =
                    store::groups_on(conn, &[row.school_id], Utc::now().date_naive()).await?;
                let row = DesignationRow {
                    lifted_on: Some(body.lifted_on),
                    lift_reason: Some(reason.clone()),
                    ..row
                };
                Ok(designation_view(
                    row,
                    school.name,
                    cover.first().map(|c| c.1),
                ))
            },
        )
        .await
    }
}

fn designation_view(
    row: DesignationRow,
    school_name: String,
    group: Option<GroupId>,
) -> WeakDesignation {
    WeakDesignation {
        id: row.id,
        round_id: row.round_id,
        school_id: row.school_id,
        school_name,
        assessment: row.assessment,
        plan: row.plan,
        designated_by: row.designated_by,
        designated_at: row.designated_at,
        lifted_on: row.lifted_on,
        lift_reason: row.lift_reason,
        group_id: group,
    }
}
