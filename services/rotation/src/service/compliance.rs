//! The E-08 figures: 10 % of the eligible teachers rotated, 20 % of them backbone teachers,
//! per group or county, now and at the year's end.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use edu_bus::membership_view::{self as view, Lock};
use edu_contracts::Command;
use edu_contracts::rotation::{
    Compliance, ComplianceQuery, GroupFigures, GroupsCompliance, GroupsComplianceQuery, Scope,
    TeacherRef,
};
use edu_domain::{GroupId, Policy, TeacherId};

use super::{Result, RotationService, today};
use crate::error::RotationError;
use crate::rules;
use crate::store::{self, ScopeFilter};

impl RotationService {
    /// E-08 figures of a group or a county for a school year, now and at year end.
    pub async fn compliance(&self, cmd: Command<ComplianceQuery>) -> Result<Compliance> {
        let ComplianceQuery {
            scope,
            school_year,
            as_of,
        } = cmd.body;
        let as_of = as_of.unwrap_or_else(today);
        let mut conn = self.conn().await?;
        let region = match &scope {
            Scope::Group { group_id } => view::group(&mut conn, *group_id, Lock::None)
                .await?
                .ok_or(RotationError::GroupNotFound)?
                .region
                .as_str()
                .to_owned(),
            Scope::Region { region: r } => r.as_str().to_owned(),
        };
        // E-08 under the region's policy in force on the day the figures are for.
        let policy = edu_bus::policy::in_force(&mut conn, &region, as_of).await?;
        let filter = match &scope {
            Scope::Group { group_id } => ScopeFilter::Group(*group_id),
            Scope::Region { .. } => ScopeFilter::Region(&region),
        };
        let eligible = store::eligible_teachers(&mut conn, &filter, school_year).await?;
        let rotations = store::rotations(&mut conn, &filter, school_year).await?;
        let mut rotated: BTreeMap<TeacherId, (TeacherRef, NaiveDate)> = BTreeMap::new();
        for (teacher, name, home, backbone, posting, start) in rotations {
            let backbone = store::parse("backbone", &backbone)?;
            let entry = rotated.entry(teacher).or_insert_with(|| {
                let r = TeacherRef {
                    teacher_id: teacher,
                    name,
                    home_school_id: home,
                    backbone,
                    posting_ids: Vec::new(),
                };
                (r, start)
            });
            entry.0.posting_ids.push(posting);
            entry.1 = entry.1.min(start);
        }
        let count = |started_by: Option<NaiveDate>| {
            let mut all = 0u32;
            let mut backbone = 0u32;
            for (r, first_start) in rotated.values() {
                if started_by.is_none_or(|day| *first_start <= day) {
                    all += 1;
                    backbone += u32::from(r.backbone.counts_as_backbone());
                }
            }
            (all, backbone)
        };
        let (eligible_count, actual, forecast) = match &filter {
            // A group's figures come from the same aggregate as every group's at once
            // (`compliance_of_groups`), so both answers agree by construction.
            ScopeFilter::Group(group_id) => {
                let tally = store::group_tallies(&mut conn, &filter, school_year, as_of)
                    .await?
                    .into_iter()
                    .next();
                let f = group_figures(*group_id, tally.as_ref(), &policy);
                (f.eligible, f.actual, f.forecast)
            }
            ScopeFilter::Region(_) => {
                let eligible_count = u32::try_from(eligible.len()).unwrap_or(u32::MAX);
                let (actual_all, actual_backbone) = count(Some(as_of));
                let (year_all, year_backbone) = count(None);
                (
                    eligible_count,
                    rules::figures(eligible_count, actual_all, actual_backbone, &policy),
                    rules::figures(eligible_count, year_all, year_backbone, &policy),
                )
            }
        };
        Ok(Compliance {
            scope,
            school_year,
            as_of,
            policy_version: policy.version,
            rotation_min_pct: policy.rotation_min_pct,
            backbone_min_pct: policy.backbone_min_pct,
            eligible: eligible_count,
            actual,
            forecast,
            deadline: school_year.last_day().unwrap_or(as_of),
            eligible_teachers: eligible
                .into_iter()
                .map(|(id, name, home, backbone)| {
                    Ok(TeacherRef {
                        teacher_id: id,
                        name,
                        home_school_id: home,
                        backbone: store::parse("backbone", &backbone)?,
                        posting_ids: Vec::new(),
                    })
                })
                .collect::<diesel::QueryResult<_>>()?,
            rotated_teachers: rotated.into_values().map(|(r, _)| r).collect(),
        })
    }
}

/// E-08 figures of one group from its tally (a group without eligible teachers or
/// rotations has none).
fn group_figures(
    group_id: GroupId,
    tally: Option<&store::GroupTally>,
    policy: &Policy,
) -> GroupFigures {
    let n = |v: Option<i64>| u32::try_from(v.unwrap_or(0)).unwrap_or(u32::MAX);
    let eligible = n(tally.map(|t| t.eligible));
    GroupFigures {
        group_id,
        eligible,
        actual: rules::figures(
            eligible,
            n(tally.map(|t| t.rotated)),
            n(tally.map(|t| t.backbone)),
            policy,
        ),
        forecast: rules::figures(
            eligible,
            n(tally.map(|t| t.year_rotated)),
            n(tally.map(|t| t.year_backbone)),
            policy,
        ),
    }
}

impl RotationService {
    /// E-08 figures of every group of a region in one aggregate query: what
    /// [`RotationService::compliance`] answers for each group, the counts without the
    /// teacher lists (the evaluation of a province asks once instead of 2,000 times).
    pub async fn compliance_of_groups(
        &self,
        cmd: Command<GroupsComplianceQuery>,
    ) -> Result<GroupsCompliance> {
        let GroupsComplianceQuery {
            region,
            school_year,
            as_of,
        } = cmd.body;
        let as_of = as_of.unwrap_or_else(today);
        let mut conn = self.conn().await?;
        let policy = edu_bus::policy::in_force(&mut conn, region.as_str(), as_of).await?;
        let tallies = store::group_tallies(
            &mut conn,
            &ScopeFilter::Region(region.as_str()),
            school_year,
            as_of,
        )
        .await?;
        Ok(GroupsCompliance {
            school_year,
            as_of,
            policy_version: policy.version,
            rotation_min_pct: policy.rotation_min_pct,
            backbone_min_pct: policy.backbone_min_pct,
            deadline: school_year.last_day().unwrap_or(as_of),
            groups: tallies
                .iter()
                .map(|t| group_figures(t.group_id, Some(t), &policy))
                .collect(),
            region,
        })
    }
}
