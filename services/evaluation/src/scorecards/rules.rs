//! The scorecard's rules as pure functions (RULES.md §6): the facts a group is scored
//! from, the V-01 indicator tree with the policy's weights, the grade (V-05) and the first
//! day a group can be evaluated (V-03). The figures of each dimension are in `figures`, the
//! balance (Q-12, V-17) in `crate::balance`, the consequences a grade proposes in
//! `crate::consequences::rules`. No database, no bus: the service gathers the facts.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use edu_contracts::council::MeetingKind;
use edu_contracts::evaluation::{
    BalanceInputs, Dimension, DimensionScore, Figure, Grade, Scorecard, ScoredItem, Source,
    SourceKind,
};
use edu_contracts::rotation::{Compliance, RotationFigures};
use edu_domain::policy::GradeThresholds;
use edu_domain::{GroupId, Policy, RegionCode, SchoolId, SchoolYear, Stage, TrainingKind};
use uuid::Uuid;

use super::figures::{
    governance, member_progress, outcomes, quality, research_linkage, teacher_team,
};
use crate::balance::{self, StageCvs};
use crate::consequences::rules::propose;

/// Score of "no change" on the value-added scale: a member that holds its level passes.
const VALUE_ADDED_BASE: f64 = 60.0;
/// Points of score per point of quality gained (+10 points of quality scores 100).
const VALUE_ADDED_SLOPE: f64 = 4.0;

/// One school's data the bureau entered for a year.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolYearData {
    pub stage: Stage,
    pub quality_score: Option<f64>,
    pub balance: Option<BalanceInputs>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeetingFact {
    pub id: Uuid,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub present: Vec<SchoolId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportFact {
    pub id: Uuid,
    pub year: i32,
    pub quarter: u32,
    pub late: bool,
}

/// Confirmed postings running on the evaluation day from one school to another (each moves
/// a teacher: indicators 1–2), counted together.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningPosting {
    pub from: SchoolId,
    pub to: SchoolId,
    /// The teachers are backbone teachers of county level or above (E-08).
    pub backbone: bool,
    /// How many such postings run.
    pub postings: u32,
}

/// E-08 of a group as the rotation service counts it on the evaluation day, with the
/// thresholds of the policy it counted under.
#[derive(Debug, Clone, PartialEq)]
pub struct RotationFacts {
    /// Teachers eligible for exchange (none: no roster, so no ratio to judge).
    pub eligible: u32,
    pub actual: RotationFigures,
    pub rotation_min_pct: u8,
    pub backbone_min_pct: u8,
}

/// Everything one group's scorecard is computed from.
#[derive(Debug, Clone)]
pub struct GroupFacts {
    pub evaluation_id: Uuid,
    pub round_id: Uuid,
    pub group_id: GroupId,
    pub region: RegionCode,
    pub school_year: SchoolYear,
    pub as_of: NaiveDate,
    pub plaque_date: NaiveDate,
    pub lead: SchoolId,
    pub members: Vec<SchoolId>,
    pub meetings: Vec<MeetingFact>,
    pub reports: Vec<ReportFact>,
    pub trainings: Vec<(Uuid, TrainingKind, NaiveDate)>,
    /// (resource, owner school, published on)
    pub resources: Vec<(Uuid, SchoolId, NaiveDate)>,
    /// (resource, owner school, adopting school)
    pub adoptions: Vec<(Uuid, SchoolId, SchoolId)>,
    pub running_postings: Vec<RunningPosting>,
    /// E-08 as the rotation service counts it (the scorecard shows its figure unchanged).
    pub rotation: RotationFacts,
    pub this_year: BTreeMap<SchoolId, SchoolYearData>,
    pub last_year: BTreeMap<SchoolId, SchoolYearData>,
    pub scored_items: Vec<ScoredItem>,
    /// Last school year's grade, when the group was evaluated then.
    pub previous_grade: Option<Grade>,
}

pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `value` against `target` on 0..=100 (at or above the target scores 100).
pub fn against(value: f64, target: f64) -> f64 {
    if target <= 0.0 {
        return 100.0;
    }
    round1((100.0 * value / target).clamp(0.0, 100.0))
}

/// V-08: a change of quality on the value-added scale (no change scores 60).
pub fn value_added_score(delta: f64) -> f64 {
    round1((VALUE_ADDED_BASE + VALUE_ADDED_SLOPE * delta).clamp(0.0, 100.0))
}

/// V-05: the grade of a total under the policy's thresholds.
pub fn grade(total: f64, t: &GradeThresholds) -> Grade {
    if total >= t.excellent {
        Grade::Excellent
    } else if total >= t.good {
        Grade::Good
    } else if total >= t.pass {
        Grade::Pass
    } else {
        Grade::Fail
    }
}

#[allow(clippy::too_many_arguments)] // one figure is its key, rule, titles, value, target, unit, score and sources
pub(crate) fn figure(
    key: &str,
    rule: &str,
    (title, title_zh): (&str, &str),
    value: Option<f64>,
    target: Option<f64>,
    unit: &str,
    score: f64,
    sources: Vec<Source>,
) -> Figure {
    Figure {
        key: key.to_owned(),
        rule: rule.to_owned(),
        title: title.to_owned(),
        title_zh: title_zh.to_owned(),
        value,
        target,
        unit: unit.to_owned(),
        score,
        sources,
    }
}

pub(crate) fn source(kind: SourceKind, id: Uuid, href: String) -> Source {
    Source {
        kind,
        id: Some(id),
        href,
    }
}

pub(crate) fn school_data_source(year: SchoolYear, school: SchoolId) -> Source {
    source(
        SourceKind::SchoolData,
        school.0,
        format!("/api/v1/evaluation-data/{}/schools/{school}", year.0),
    )
}

pub(crate) fn meeting_source(id: Uuid) -> Source {
    source(SourceKind::Meeting, id, format!("/api/v1/meetings/{id}"))
}

/// Months of the school year whose last day has passed by `as_of` (at least 1).
pub(crate) fn months_elapsed(year: SchoolYear, as_of: NaiveDate) -> u32 {
    let Some(first) = year.first_day() else {
        return 1;
    };
    let months = (as_of.year() - first.year()) * 12 + as_of.month() as i32 - first.month() as i32;
    let complete = if as_of.succ_opt().is_some_and(|d| d.month() != as_of.month()) {
        months + 1
    } else {
        months
    };
    u32::try_from(complete.clamp(1, 12)).unwrap_or(1)
}

/// Semesters of the school year started by `as_of` (1 or 2).
pub(crate) fn semesters_started(year: SchoolYear, as_of: NaiveDate) -> u32 {
    match NaiveDate::from_ymd_opt(year.0 + 1, 2, 1) {
        Some(spring) if as_of >= spring => 2,
        _ => 1,
    }
}

/// G-08: the quarters ending within the school year whose report was due by `as_of`.
pub(crate) fn quarters_due(year: SchoolYear, as_of: NaiveDate, due_days: u16) -> Vec<(i32, u32)> {
    [
        (year.0, 3, 9, 30),
        (year.0, 4, 12, 31),
        (year.0 + 1, 1, 3, 31),
        (year.0 + 1, 2, 6, 30),
    ]
    .into_iter()
    .filter(|&(y, _, m, d)| {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|end| end.checked_add_days(chrono::Days::new(u64::from(due_days))))
            .is_some_and(|due| due <= as_of)
    })
    .map(|(y, q, _, _)| (y, q))
    .collect()
}

pub(crate) fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// The mean when every value is there; none when any is missing (or there is none).
pub(crate) fn complete_mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .collect::<Option<Vec<f64>>>()
        .and_then(|v| mean(v.into_iter()))
}

pub(crate) fn scored_item_figure(dimension: Dimension, items: &[ScoredItem]) -> Figure {
    let item = items.iter().find(|i| i.dimension == dimension);
    figure(
        &format!("{}.bureau_score", dimension.as_str()),
        "V-01",
        ("the bureau's score, with evidence", "教育局评分(附佐证)"),
        item.map(|i| i.score),
        Some(100.0),
        "分",
        item.map_or(0.0, |i| round1(i.score)),
        item.map(|i| Source {
            kind: SourceKind::ScoredItem,
            id: None,
            href: format!("evidence: {}", i.evidence),
        })
        .into_iter()
        .collect(),
    )
}

/// The keys of the E-08 figures, whose sources are read from the rotation service when
/// someone drills down (a province's postings are not copied into every scorecard).
pub const ROTATION_FIGURES: [(&str, bool); 2] = [
    ("teacher_team.rotation_ratio", false),
    ("teacher_team.backbone_share", true),
];

/// The sources of an E-08 figure: the rotated (backbone) teachers' postings.
pub fn rotation_sources(c: &Compliance, backbone_only: bool) -> Vec<Source> {
    c.rotated_teachers
        .iter()
        .filter(|t| !backbone_only || t.backbone.counts_as_backbone())
        .flat_map(|t| t.posting_ids.iter())
        .map(|p| source(SourceKind::Posting, p.0, format!("/api/v1/postings/{p}")))
        .collect()
}

/// The scorecard of one group: the V-01 tree weighted by the policy, the members'
/// progress, the balance, the grade and the consequences.
pub fn scorecard(f: GroupFacts, policy: &Policy, county: &StageCvs) -> Scorecard {
    let balance = balance::of_group(&f, county);
    let members = member_progress(&f, &balance.schools);
    let (teaching, value_added) = quality(&f, &members);
    let w = &policy.evaluation_weights;
    let tree: Vec<(Dimension, u8, Vec<Figure>)> = vec![
        (
            Dimension::GroupModel,
            w.group_model,
            vec![scored_item_figure(Dimension::GroupModel, &f.scored_items)],
        ),
        (
            Dimension::GroupSize,
            w.group_size,
            vec![scored_item_figure(Dimension::GroupSize, &f.scored_items)],
        ),
        (
            Dimension::ManagementInnovation,
            w.management_innovation,
            governance(&f, policy),
        ),
        (
            Dimension::ResearchLinkage,
            w.research_linkage,
            research_linkage(&f, policy),
        ),
        (Dimension::TeachingQuality, w.teaching_quality, teaching),
        (Dimension::TeacherTeam, w.teacher_team, teacher_team(&f)),
        (Dimension::Outcomes, w.outcomes, outcomes(&f, policy)),
        (Dimension::ValueAdded, w.value_added, value_added),
    ];
    let dimensions: Vec<DimensionScore> = tree
        .into_iter()
        .map(|(dimension, weight, figures)| DimensionScore {
            dimension,
            title_zh: dimension.name_zh().to_owned(),
            weight,
            score: mean(figures.iter().map(|x| x.score)).map_or(0.0, round1),
            figures,
        })
        .collect();
    let total = round1(
        dimensions
            .iter()
            .map(|d| f64::from(d.weight) * d.score)
            .sum::<f64>()
            / 100.0,
    );
    let grade = grade(total, &policy.evaluation_grades);
    let consequences = propose(grade, f.previous_grade, &members);
    Scorecard {
        id: f.evaluation_id,
        round_id: f.round_id,
        group_id: f.group_id,
        region: f.region,
        school_year: f.school_year,
        as_of: f.as_of,
        plaque_date: f.plaque_date,
        policy_version: policy.version,
        lead_school_id: f.lead,
        member_school_ids: f.members,
        total,
        grade,
        dimensions,
        members,
        balance,
        consequences,
        computed_at: Utc::now(),
    }
}

/// V-03: the first day a group can be evaluated: one year after its plaque date.
pub fn eligible_from(plaque_date: NaiveDate) -> NaiveDate {
    plaque_date
        .checked_add_months(chrono::Months::new(12))
        .unwrap_or(plaque_date)
}
