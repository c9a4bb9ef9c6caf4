//! The annual evaluation's rules as pure functions (RULES.md §6): the indicator tree of V-01
//! with the policy's weights, value added (V-02, V-08), the Q-12 balance indicators with
//! their pass rule and the V-17 coefficients of variation (enrolment-weighted, §8.12), the
//! grade and the consequences it proposes. No database, no bus: the service gathers
//! the facts.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Utc};
use edu_contracts::council::MeetingKind;
use edu_contracts::evaluation::{
    Balance, BalanceIndicator, BalanceInputs, Consequence, ConsequenceKind, ConsequenceStatus,
    Dimension, DimensionScore, Figure, Grade, IndicatorCv, MemberProgress, SchoolBalance,
    Scorecard, ScoredItem, Source, SourceKind,
};
use edu_contracts::rotation::{Compliance, RotationFigures};
use edu_domain::policy::GradeThresholds;
use edu_domain::{GroupId, Policy, RegionCode, SchoolId, SchoolYear, Stage, TrainingKind};
use uuid::Uuid;

mod balance;

pub use balance::*;

/// Score of "no change" on the value-added scale: a member that holds its level passes.
const VALUE_ADDED_BASE: f64 = 60.0;
/// Points of score per point of quality gained (+10 points of quality scores 100).
const VALUE_ADDED_SLOPE: f64 = 4.0;
/// the seventh indicator must reach this share of its threshold.
const BALANCE_SEVENTH_MIN_PCT: f64 = 85.0;

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
    pub present: Vec<Uuid>,
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
    pub from: Uuid,
    pub to: Uuid,
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
    pub resources: Vec<(Uuid, Uuid, NaiveDate)>,
    /// (resource, owner school, adopting school)
    pub adoptions: Vec<(Uuid, Uuid, Uuid)>,
    pub running_postings: Vec<RunningPosting>,
    /// E-08 as the rotation service counts it (the scorecard shows its figure unchanged).
    pub rotation: RotationFacts,
    pub this_year: BTreeMap<SchoolId, SchoolYearData>,
    pub last_year: BTreeMap<SchoolId, SchoolYearData>,
    pub scored_items: Vec<ScoredItem>,
    /// Last school year's grade, when the group was evaluated then.
    pub previous_grade: Option<Grade>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round3(x: f64) -> f64 {
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
fn figure(
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

fn source(kind: SourceKind, id: Uuid, href: String) -> Source {
    Source {
        kind,
        id: Some(id),
        href,
    }
}

fn school_data_source(year: SchoolYear, school: SchoolId) -> Source {
    source(
        SourceKind::SchoolData,
        school.0,
        format!("/api/v1/evaluation-data/{}/schools/{school}", year.0),
    )
}

fn meeting_source(id: Uuid) -> Source {
    source(SourceKind::Meeting, id, format!("/api/v1/meetings/{id}"))
}

/// Months of the school year whose last day has passed by `as_of` (at least 1).
fn months_elapsed(year: SchoolYear, as_of: NaiveDate) -> u32 {
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
fn semesters_started(year: SchoolYear, as_of: NaiveDate) -> u32 {
    match NaiveDate::from_ymd_opt(year.0 + 1, 2, 1) {
        Some(spring) if as_of >= spring => 2,
        _ => 1,
    }
}

/// G-08: the quarters ending within the school year whose report was due by `as_of`.
fn quarters_due(year: SchoolYear, as_of: NaiveDate, due_days: u16) -> Vec<(i32, u32)> {
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

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u32), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / f64::from(n))
}

/// The mean when every value is there; none when any is missing (or there is none).
fn complete_mean(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .collect::<Option<Vec<f64>>>()
        .and_then(|v| mean(v.into_iter()))
}

fn scored_item_figure(dimension: Dimension, items: &[ScoredItem]) -> Figure {
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

fn governance(f: &GroupFacts, policy: &Policy) -> Vec<Figure> {
    let council: Vec<&MeetingFact> = f
        .meetings
        .iter()
        .filter(|m| m.kind == MeetingKind::Council)
        .collect();
    let due = months_elapsed(f.school_year, f.as_of) * u32::from(policy.council_meetings_per_month);
    let held = council.len() as f64;
    let schools: BTreeSet<Uuid> = std::iter::once(f.lead.0)
        .chain(f.members.iter().map(|s| s.0))
        .collect();
    let quorate: Vec<&&MeetingFact> = council
        .iter()
        .filter(|m| schools.iter().all(|s| m.present.contains(s)))
        .collect();
    let quorum_pct = (!council.is_empty()).then(|| 100.0 * quorate.len() as f64 / held);
    let mut out = vec![
        figure(
            "management_innovation.council_meetings",
            "G-06",
            (
                "council meetings held against those due",
                "理事会议召开次数 / 应召开次数",
            ),
            Some(held),
            Some(f64::from(due)),
            "次",
            against(held, f64::from(due)),
            council.iter().map(|m| meeting_source(m.id)).collect(),
        ),
        figure(
            "management_innovation.quorum",
            "G-06",
            (
                "council meetings with every school present",
                "各校均到会的理事会议占比",
            ),
            quorum_pct.map(round1),
            Some(100.0),
            "%",
            quorum_pct.map_or(0.0, round1),
            quorate.iter().map(|m| meeting_source(m.id)).collect(),
        ),
    ];
    let quarters = quarters_due(f.school_year, f.as_of, policy.council_report_due_days);
    if !quarters.is_empty() {
        let on_time: Vec<&ReportFact> = f
            .reports
            .iter()
            .filter(|r| !r.late && quarters.contains(&(r.year, r.quarter)))
            .collect();
        out.push(figure(
            "management_innovation.reports_on_time",
            "G-08",
            (
                "quarterly reports submitted on time",
                "按时提交的季度书面汇报",
            ),
            Some(on_time.len() as f64),
            Some(quarters.len() as f64),
            "份",
            against(on_time.len() as f64, quarters.len() as f64),
            on_time
                .iter()
                .map(|r| {
                    source(
                        SourceKind::Report,
                        r.id,
                        format!(
                            "/api/v1/groups/{}/reports/{}-Q{}",
                            f.group_id, r.year, r.quarter
                        ),
                    )
                })
                .collect(),
        ));
    }
    let planning: Vec<&MeetingFact> = f
        .meetings
        .iter()
        .filter(|m| {
            matches!(
                m.kind,
                MeetingKind::WorkPlanning | MeetingKind::AnnualSummary
            )
        })
        .collect();
    let attendance = (!planning.is_empty())
        .then(|| {
            mean(f.members.iter().map(|s| {
                100.0 * planning.iter().filter(|m| m.present.contains(&s.0)).count() as f64
                    / planning.len() as f64
            }))
        })
        .flatten();
    out.push(figure(
        "management_innovation.member_attendance",
        "M2",
        (
            "members' attendance at the planning and summary meetings",
            "成员校出席集团工作计划会、年度总结会",
        ),
        attendance.map(round1),
        Some(100.0),
        "%",
        attendance.map_or(0.0, round1),
        planning.iter().map(|m| meeting_source(m.id)).collect(),
    ));
    out.push(scored_item_figure(
        Dimension::ManagementInnovation,
        &f.scored_items,
    ));
    out
}

fn research_linkage(f: &GroupFacts, policy: &Policy) -> Vec<Figure> {
    let school_count = (f.members.len() + 1) as f64;
    let semesters = semesters_started(f.school_year, f.as_of);
    let per_school = f.resources.len() as f64 / school_count;
    let target = f64::from(u32::from(policy.library_min_per_semester) * semesters).max(1.0);
    let resource_sources: Vec<Source> = f
        .resources
        .iter()
        .map(|(id, _, _)| source(SourceKind::Resource, *id, format!("/api/v1/resources/{id}")))
        .collect();
    let contributors: BTreeSet<Uuid> = f.resources.iter().map(|(_, owner, _)| *owner).collect();
    let contributing_pct = 100.0 * contributors.len() as f64 / school_count;
    let reused: BTreeSet<Uuid> = f
        .adoptions
        .iter()
        .filter(|(_, owner, adopter)| owner != adopter)
        .map(|(r, _, _)| *r)
        .collect();
    let reuse_pct =
        (!f.resources.is_empty()).then(|| 100.0 * reused.len() as f64 / f.resources.len() as f64);
    let kinds = TrainingKind::ALL.len() as f64;
    let held: BTreeSet<(u32, &str)> = f
        .trainings
        .iter()
        .map(|(_, kind, on)| {
            let spring = NaiveDate::from_ymd_opt(f.school_year.0 + 1, 2, 1);
            (u32::from(spring.is_some_and(|s| *on >= s)), kind.as_str())
        })
        .collect();
    let required = kinds * f64::from(semesters);
    vec![
        figure(
            "research_linkage.resources_per_school",
            "R-09",
            (
                "resources published into the group library per school",
                "每校向集团资源库贡献的资源数",
            ),
            Some(round1(per_school)),
            Some(target),
            "项/校",
            against(per_school, target),
            resource_sources,
        ),
        figure(
            "research_linkage.contributing_schools",
            "M5",
            (
                "schools that contributed at least one resource",
                "有资源贡献的学校占比",
            ),
            Some(round1(contributing_pct)),
            Some(100.0),
            "%",
            round1(contributing_pct),
            contributors
                .iter()
                .map(|s| source(SourceKind::SchoolData, *s, format!("/api/v1/schools/{s}")))
                .collect(),
        ),
        figure(
            "research_linkage.adopted_by_other_schools",
            "R-05",
            (
                "resources adopted by another school of the group",
                "被其他成员校采用的资源占比",
            ),
            reuse_pct.map(round1),
            Some(100.0),
            "%",
            reuse_pct.map_or(0.0, round1),
            reused
                .iter()
                .map(|r| {
                    source(
                        SourceKind::Resource,
                        *r,
                        format!("/api/v1/resources/{r}/reuse"),
                    )
                })
                .collect(),
        ),
        figure(
            "research_linkage.trainings",
            "E-05",
            (
                "training and showcase kinds held per semester",
                "每学期开展的培训与课堂展示类别",
            ),
            Some(held.len() as f64),
            Some(required),
            "项",
            against(held.len() as f64, required),
            f.trainings
                .iter()
                .map(|(id, _, _)| {
                    source(
                        SourceKind::Training,
                        *id,
                        format!("/api/v1/groups/{}/trainings", f.group_id),
                    )
                })
                .collect(),
        ),
        scored_item_figure(Dimension::ResearchLinkage, &f.scored_items),
    ]
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

/// E-08 exactly as the rotation service reports it; the sources (the rotated teachers'
/// postings) come on demand, see [`rotation_sources`]. Without an eligible teacher (no
/// roster) the ratio has no data, and without a rotated teacher neither has the backbone
/// share: each is then shown as no data and scores 0, never as met.
fn teacher_team(f: &GroupFacts) -> Vec<Figure> {
    let c = &f.rotation;
    let ratio = (c.eligible > 0).then_some(c.actual.ratio_pct);
    let share = (c.actual.rotated > 0).then_some(c.actual.backbone_share_pct);
    vec![
        figure(
            "teacher_team.rotation_ratio",
            "E-08",
            (
                "teachers rotated, percent of those eligible",
                "交流轮岗教师占符合交流条件教师的比例",
            ),
            ratio,
            Some(f64::from(c.rotation_min_pct)),
            "%",
            ratio.map_or(0.0, |r| against(r, f64::from(c.rotation_min_pct))),
            Vec::new(),
        ),
        figure(
            "teacher_team.backbone_share",
            "E-08",
            (
                "backbone teachers, percent of those rotated",
                "骨干教师占交流轮岗教师的比例",
            ),
            share,
            Some(f64::from(c.backbone_min_pct)),
            "%",
            share.map_or(0.0, |s| against(s, f64::from(c.backbone_min_pct))),
            Vec::new(),
        ),
    ]
}

fn quality_of(map: &BTreeMap<SchoolId, SchoolYearData>, s: SchoolId) -> Option<f64> {
    map.get(&s).and_then(|d| d.quality_score)
}

/// V-02/V-08: each member's value added, its balance pass and whether it fails.
fn member_progress(f: &GroupFacts, balances: &[SchoolBalance]) -> Vec<MemberProgress> {
    f.members
        .iter()
        .map(|&s| {
            let now = quality_of(&f.this_year, s);
            let last = quality_of(&f.last_year, s);
            let value_added = now.zip(last).map(|(n, l)| round1(n - l));
            let balance_passed = balances.iter().find(|b| b.school_id == s).map(|b| b.passed);
            MemberProgress {
                school_id: s,
                quality_score: now,
                last_year_score: last,
                value_added,
                balance_passed,
                failing: value_added.is_some_and(|v| v < 0.0) || balance_passed == Some(false),
            }
        })
        .collect()
}

fn quality(f: &GroupFacts, members: &[MemberProgress]) -> (Vec<Figure>, Vec<Figure>) {
    let year = f.school_year;
    let last_year = SchoolYear(year.0 - 1);
    let member_sources = |y: SchoolYear| -> Vec<Source> {
        f.members
            .iter()
            .map(|&s| school_data_source(y, s))
            .collect()
    };
    // A mean over the members with data would pass off the others' missing scores: any
    // member without its score leaves the figure without data (scored 0, never met).
    let members_now = complete_mean(members.iter().map(|m| m.quality_score));
    let members_last = complete_mean(members.iter().map(|m| m.last_year_score));
    let lead_now = quality_of(&f.this_year, f.lead);
    let lead_last = quality_of(&f.last_year, f.lead);
    let gap_now = lead_now.zip(members_now).map(|(l, m)| l - m);
    let gap_last = lead_last.zip(members_last).map(|(l, m)| l - m);
    let shrink = gap_now.zip(gap_last).map(|(n, l)| l - n);
    let lead_delta = lead_now.zip(lead_last).map(|(n, l)| n - l);
    let mut both_years = member_sources(year);
    both_years.extend(member_sources(last_year));
    both_years.push(school_data_source(year, f.lead));
    both_years.push(school_data_source(last_year, f.lead));
    let teaching = vec![
        figure(
            "teaching_quality.members_score",
            "V-09",
            (
                "member schools' mean quality score",
                "成员校教育教学质量平均分",
            ),
            members_now.map(round1),
            Some(100.0),
            "分",
            members_now.map_or(0.0, round1),
            member_sources(year),
        ),
        figure(
            "teaching_quality.lead_progress",
            "V-07",
            (
                "the lead school's own quality change against last year",
                "龙头学校自身质量较上年变化",
            ),
            lead_delta.map(round1),
            Some(0.0),
            "分",
            lead_delta.map_or(0.0, value_added_score),
            vec![
                school_data_source(year, f.lead),
                school_data_source(last_year, f.lead),
            ],
        ),
        figure(
            "teaching_quality.gap_shrinking",
            "V-02",
            (
                "how much the gap between the lead and the members shrank",
                "龙头校与成员校质量差距缩小幅度",
            ),
            shrink.map(round1),
            Some(0.0),
            "分",
            shrink.map_or(0.0, value_added_score),
            both_years,
        ),
    ];
    let deltas = complete_mean(members.iter().map(|m| m.value_added));
    let mut sources = member_sources(year);
    sources.extend(member_sources(last_year));
    let value_added = vec![figure(
        "value_added.members",
        "V-08",
        (
            "member schools' mean change of quality score against last year",
            "成员校质量得分较上年的平均增值",
        ),
        deltas.map(round1),
        Some(0.0),
        "分",
        deltas.map_or(0.0, value_added_score),
        sources,
    )];
    (teaching, value_added)
}

fn outcomes(f: &GroupFacts, policy: &Policy) -> Vec<Figure> {
    let showcases: Vec<&MeetingFact> = f
        .meetings
        .iter()
        .filter(|m| m.kind == MeetingKind::ResultsShowcase)
        .collect();
    let required = f64::from(policy.results_showcases_per_year);
    vec![
        figure(
            "outcomes.results_showcases",
            "V-06",
            ("results showcases held", "集团化办学成果展示活动"),
            Some(showcases.len() as f64),
            Some(required),
            "次",
            against(showcases.len() as f64, required),
            showcases.iter().map(|m| meeting_source(m.id)).collect(),
        ),
        scored_item_figure(Dimension::Outcomes, &f.scored_items),
    ]
}

/// Q-12/V-17: the schools' seven indicators, and the CVs of the group (as entered and with
/// the running postings applied) and of the county, for each stage the group's schools span
/// (invariant 23: every one enrolment-weighted, §8.12).
fn balance(f: &GroupFacts, county: &StageCvs) -> Balance {
    let stage = f
        .this_year
        .get(&f.lead)
        .map(|d| d.stage)
        .or_else(|| f.this_year.values().next().map(|d| d.stage))
        .unwrap_or(Stage::Primary);
    let schools: Vec<SchoolId> = std::iter::once(f.lead)
        .chain(f.members.iter().copied())
        .collect();
    let stage_of = |s: &SchoolId| f.this_year.get(s).map_or(stage, |d| d.stage);
    let inputs: BTreeMap<SchoolId, BalanceInputs> = schools
        .iter()
        .filter_map(|s| {
            f.this_year
                .get(s)
                .and_then(|d| d.balance.clone())
                .map(|b| (*s, b))
        })
        .collect();
    let moved = with_postings(&inputs, &f.running_postings);
    let now = StageCvs::of(inputs.iter().map(|(s, b)| (stage_of(s), b)));
    let after = StageCvs::of(moved.iter().map(|(s, b)| (stage_of(s), b)));
    // The stages the group's schools span, with data or without: a CV without data shows
    // as none, never as a pass.
    let spanned: Vec<Stage> = CV_STAGES
        .into_iter()
        .filter(|cv_stage| {
            std::iter::once(stage)
                .chain(schools.iter().map(stage_of))
                .any(|s| stage_parts(s).iter().any(|(part, _)| part == cv_stage))
        })
        .collect();
    Balance {
        stage,
        schools: inputs
            .iter()
            .map(|(s, b)| school_balance(*s, b, stage))
            .collect(),
        missing: schools
            .iter()
            .filter(|s| !inputs.contains_key(s))
            .copied()
            .collect(),
        cv: spanned
            .into_iter()
            .flat_map(|cv_stage| {
                let (now, after, county) = (
                    now.of_stage(cv_stage),
                    after.of_stage(cv_stage),
                    county.of_stage(cv_stage),
                );
                let limit = cv_limit(cv_stage);
                (0..7).map(move |i| IndicatorCv {
                    stage: cv_stage,
                    number: (i + 1) as u8,
                    key: INDICATORS[i].0.to_owned(),
                    group_cv: now[i],
                    group_cv_with_postings: after[i],
                    county_cv: county[i],
                    limit,
                    group_within: now[i].map(|cv| cv <= limit),
                    county_within: county[i].map(|cv| cv <= limit),
                })
            })
            .collect(),
    }
}

/// X-02/V-05: what the result proposes. Rewards for 优秀, a warning for 合格 and 不合格,
/// the exit of each failing member (V-02: the members' progress is the focus), and the
/// dissolution of a group failing a second year running (V-15's "two consecutive years").
pub fn consequences(
    grade: Grade,
    previous: Option<Grade>,
    members: &[MemberProgress],
) -> Vec<Consequence> {
    let proposed = |kind, school_id, reason: String| Consequence {
        id: Uuid::now_v7(),
        kind,
        school_id,
        reason,
        status: ConsequenceStatus::Proposed,
        decided_by: None,
        decided_at: None,
        note: None,
    };
    let mut out = Vec::new();
    match grade {
        Grade::Excellent => out.push(proposed(
            ConsequenceKind::Reward,
            None,
            "优秀: next year's reward (X-02)".to_owned(),
        )),
        Grade::Good => {}
        Grade::Pass | Grade::Fail => out.push(proposed(
            ConsequenceKind::Warning,
            None,
            format!("{}: a warning to the group (X-02)", grade.name_zh()),
        )),
    }
    for m in members.iter().filter(|m| m.failing) {
        let why = match (m.value_added, m.balance_passed) {
            (Some(v), _) if v < 0.0 => format!("quality fell by {:.1} points", -v),
            _ => "the school fails the balance rule (Q-12)".to_owned(),
        };
        out.push(proposed(
            ConsequenceKind::MemberExit,
            Some(m.school_id),
            format!("member exit (X-02): {why}"),
        ));
    }
    if grade == Grade::Fail && previous == Some(Grade::Fail) {
        out.push(proposed(
            ConsequenceKind::Dissolution,
            None,
            "不合格 two school years running: dissolution (X-02)".to_owned(),
        ));
    }
    out
}

/// The scorecard of one group: the V-01 tree weighted by the policy, the members'
/// progress, the balance, the grade and the consequences.
pub fn scorecard(f: GroupFacts, policy: &Policy, county: &StageCvs) -> Scorecard {
    let balance = balance(&f, county);
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
    let consequences = consequences(grade, f.previous_grade, &members);
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

#[cfg(test)]
mod tests;
