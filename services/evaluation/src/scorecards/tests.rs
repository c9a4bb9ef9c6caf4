//! The scoring's unit tests: grades, value added, the counting periods, and "no data" is
//! never "met" — a group whose schools have no data entered for the year gets figures
//! without values, scored 0, balance coefficients without a verdict, and no member judged
//! either way: nothing in its scorecard reads as a pass.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::BTreeMap;

use chrono::NaiveDate;
use edu_contracts::evaluation::{Figure, Grade};
use edu_contracts::rotation::RotationFigures;
use edu_domain::policy::GradeThresholds;
use edu_domain::{GroupId, Policy, RegionCode, SchoolId, SchoolYear, Stage};
use uuid::Uuid;

use super::rules::*;
use crate::balance::StageCvs;

#[test]
fn v05_grades_follow_the_policy_thresholds() {
    let t = GradeThresholds::default();
    assert_eq!(grade(90.0, &t), Grade::Excellent);
    assert_eq!(grade(89.9, &t), Grade::Good);
    assert_eq!(grade(60.0, &t), Grade::Pass);
    assert_eq!(grade(59.9, &t), Grade::Fail);
}

#[test]
fn v08_value_added_no_change_passes_and_a_fall_scores_lower() {
    assert_eq!(value_added_score(0.0), 60.0);
    assert_eq!(value_added_score(10.0), 100.0);
    assert_eq!(value_added_score(-5.0), 40.0);
    assert_eq!(value_added_score(-40.0), 0.0);
}

#[test]
fn v03_eligible_one_year_after_the_plaque() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    assert_eq!(eligible_from(d(2025, 9, 1)), d(2026, 9, 1));
    assert_eq!(eligible_from(d(2024, 2, 29)), d(2025, 2, 28));
}

#[test]
fn counting_periods_of_the_school_year() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    let y = SchoolYear(2025);
    assert_eq!(months_elapsed(y, d(2026, 8, 31)), 12);
    assert_eq!(months_elapsed(y, d(2025, 11, 15)), 2);
    assert_eq!(semesters_started(y, d(2026, 3, 1)), 2);
    assert_eq!(quarters_due(y, d(2026, 8, 31), 15).len(), 4);
    assert_eq!(quarters_due(y, d(2025, 10, 10), 15), vec![]);
}

fn facts(
    this_year: BTreeMap<SchoolId, SchoolYearData>,
    lead: SchoolId,
    members: Vec<SchoolId>,
) -> GroupFacts {
    GroupFacts {
        evaluation_id: Uuid::now_v7(),
        round_id: Uuid::now_v7(),
        group_id: GroupId::new(),
        region: RegionCode::parse("411627").unwrap(),
        school_year: SchoolYear(2025),
        as_of: NaiveDate::from_ymd_opt(2026, 8, 31).unwrap(),
        plaque_date: NaiveDate::from_ymd_opt(2024, 9, 1).unwrap(),
        lead,
        members,
        meetings: Vec::new(),
        reports: Vec::new(),
        trainings: Vec::new(),
        resources: Vec::new(),
        adoptions: Vec::new(),
        running_postings: Vec::new(),
        rotation: RotationFacts {
            eligible: 0,
            actual: RotationFigures {
                rotated: 0,
                backbone_rotated: 0,
                ratio_pct: 0.0,
                backbone_share_pct: 0.0,
                ratio_met: false,
                share_met: false,
                shortfall: 0,
                backbone_shortfall: 0,
            },
            rotation_min_pct: 10,
            backbone_min_pct: 20,
        },
        this_year,
        last_year: BTreeMap::new(),
        scored_items: Vec::new(),
        previous_grade: None,
    }
}

fn figures(card: &edu_contracts::evaluation::Scorecard) -> Vec<&Figure> {
    card.dimensions
        .iter()
        .flat_map(|d| d.figures.iter())
        .collect()
}

#[test]
fn missing_data_is_never_met() {
    let (lead, members) = (SchoolId::new(), vec![SchoolId::new(), SchoolId::new()]);
    let card = scorecard(
        facts(BTreeMap::new(), lead, members),
        &Policy::default(),
        &StageCvs::default(),
    );
    // every figure the entered data feeds is without value, and scores nothing
    for key in [
        "teaching_quality.members_score",
        "teaching_quality.lead_progress",
        "teaching_quality.gap_shrinking",
        "value_added.members",
        "teacher_team.rotation_ratio",
        "teacher_team.backbone_share",
        "group_model.bureau_score",
    ] {
        let f = card.figure(key).unwrap_or_else(|| panic!("{key}"));
        assert_eq!((f.value, f.score), (None, 0.0), "{key}");
    }
    for f in figures(&card).into_iter().filter(|f| f.value.is_none()) {
        assert_eq!(f.score, 0.0, "{}", f.key);
    }
    // seven CVs of the stage, none computed, none judged within its line
    assert_eq!(card.balance.cv.len(), 7);
    assert!(
        card.balance
            .cv
            .iter()
            .all(|c| c.group_cv.is_none() && c.group_within.is_none() && c.county_within.is_none())
    );
    assert_eq!(card.balance.missing.len(), 3);
    assert!(card.balance.schools.is_empty());
    // no member is judged: neither passed nor failing on data it does not have
    assert!(
        card.members
            .iter()
            .all(|m| m.balance_passed.is_none() && m.value_added.is_none() && !m.failing)
    );
    assert_eq!(card.grade, edu_contracts::evaluation::Grade::Fail);
}

#[test]
fn one_members_missing_score_leaves_the_members_mean_without_data() {
    let (lead, a, b) = (SchoolId::new(), SchoolId::new(), SchoolId::new());
    let data = |q| SchoolYearData {
        stage: Stage::Junior,
        quality_score: Some(q),
        balance: None,
    };
    let this_year = BTreeMap::from([(lead, data(80.0)), (a, data(90.0))]);
    let card = scorecard(
        facts(this_year, lead, vec![a, b]),
        &Policy::default(),
        &StageCvs::default(),
    );
    let f = card
        .figure("teaching_quality.members_score")
        .expect("figure");
    // not 90 (the one member with data): the other member's score is missing
    assert_eq!((f.value, f.score), (None, 0.0));
}
