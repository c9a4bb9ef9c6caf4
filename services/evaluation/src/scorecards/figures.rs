//! The figures of each dimension of the V-01 tree, each with its rule, target, score and
//! the records behind it.

use std::collections::{BTreeMap, BTreeSet};

use edu_contracts::council::MeetingKind;
use edu_contracts::evaluation::{
    Dimension, Figure, MemberProgress, SchoolBalance, Source, SourceKind,
};
use edu_domain::{Policy, SchoolId, SchoolYear, TrainingKind};
use uuid::Uuid;

use chrono::NaiveDate;

use super::rules::{
    GroupFacts, MeetingFact, ReportFact, SchoolYearData, against, complete_mean, figure, mean,
    meeting_source, months_elapsed, quarters_due, round1, school_data_source, scored_item_figure,
    semesters_started, source, value_added_score,
};

pub(super) fn governance(f: &GroupFacts, policy: &Policy) -> Vec<Figure> {
    let council: Vec<&MeetingFact> = f
        .meetings
        .iter()
        .filter(|m| m.kind == MeetingKind::Council)
        .collect();
    let due = months_elapsed(f.school_year, f.as_of) * u32::from(policy.council_meetings_per_month);
    let held = council.len() as f64;
    let schools: BTreeSet<SchoolId> = std::iter::once(f.lead)
        .chain(f.members.iter().copied())
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
                100.0 * planning.iter().filter(|m| m.present.contains(s)).count() as f64
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

pub(super) fn research_linkage(f: &GroupFacts, policy: &Policy) -> Vec<Figure> {
    let school_count = (f.members.len() + 1) as f64;
    let semesters = semesters_started(f.school_year, f.as_of);
    let per_school = f.resources.len() as f64 / school_count;
    let target = f64::from(u32::from(policy.library_min_per_semester) * semesters).max(1.0);
    let resource_sources: Vec<Source> = f
        .resources
        .iter()
        .map(|(id, _, _)| source(SourceKind::Resource, *id, format!("/api/v1/resources/{id}")))
        .collect();
    let contributors: BTreeSet<SchoolId> = f.resources.iter().map(|(_, owner, _)| *owner).collect();
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
                .map(|s| source(SourceKind::SchoolData, s.0, format!("/api/v1/schools/{s}")))
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

/// E-08 exactly as the rotation service reports it; the sources (the rotated teachers'
/// postings) come on demand, see [`rotation_sources`]. Without an eligible teacher (no
/// roster) the ratio has no data, and without a rotated teacher neither has the backbone
/// share: each is then shown as no data and scores 0, never as met.
pub(super) fn teacher_team(f: &GroupFacts) -> Vec<Figure> {
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

pub(super) fn quality_of(map: &BTreeMap<SchoolId, SchoolYearData>, s: SchoolId) -> Option<f64> {
    map.get(&s).and_then(|d| d.quality_score)
}

/// V-02/V-08: each member's value added, its balance pass and whether it fails.
pub(super) fn member_progress(f: &GroupFacts, balances: &[SchoolBalance]) -> Vec<MemberProgress> {
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

pub(super) fn quality(f: &GroupFacts, members: &[MemberProgress]) -> (Vec<Figure>, Vec<Figure>) {
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

pub(super) fn outcomes(f: &GroupFacts, policy: &Policy) -> Vec<Figure> {
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
