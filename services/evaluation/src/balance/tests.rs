//! The balance's unit tests: the Q-12 pass rule and the enrolment-weighted V-17 CVs.

use std::collections::BTreeMap;

use edu_contracts::evaluation::BalanceInputs;
use edu_domain::{SchoolId, Stage};

use super::*;
use crate::scorecards::rules::RunningPosting;

fn inputs(enrolment: u32) -> BalanceInputs {
    BalanceInputs {
        enrolment,
        teachers_above_degree: 60,
        backbone_teachers: 12,
        pe_art_teachers: 10,
        teaching_area_m2: 6000.0,
        sports_area_m2: 12000.0,
        equipment_value_yuan: 3_000_000.0,
        multimedia_rooms: 30,
    }
}

#[test]
fn q12_six_of_seven_and_the_seventh_at_85_percent_passes() {
    // 1000 junior students: 6.0 ≥ 5.3, 1.2 ≥ 1, 1.0 ≥ 0.9, 6.0 ≥ 5.8, 12 ≥ 10.2,
    // 3000 ≥ 2500, 3.0 ≥ 2.4: all seven met.
    let s = SchoolId::new();
    let all = school_balance(s, &inputs(1000), Stage::Junior);
    assert_eq!((all.met, all.passed), (7, true));
    // the seventh at 2.1 of 2.4 = 87.5 % still passes
    let mut b = inputs(1000);
    b.multimedia_rooms = 21;
    let six = school_balance(s, &b, Stage::Junior);
    assert_eq!((six.met, six.passed), (6, true));
    // at 2.0 of 2.4 = 83.3 % it fails
    b.multimedia_rooms = 20;
    assert!(!school_balance(s, &b, Stage::Junior).passed);
    // two missed fail whatever their level
    b.multimedia_rooms = 23;
    b.pe_art_teachers = 8;
    assert!(!school_balance(s, &b, Stage::Junior).passed);
}

#[test]
fn q12_primary_thresholds_are_lower() {
    let mut b = inputs(1000);
    b.teachers_above_degree = 45; // 4.5: passes 4.2 (primary), misses 5.3 (junior)
    assert!(school_balance(SchoolId::new(), &b, Stage::Primary).indicators[0].met);
    assert!(!school_balance(SchoolId::new(), &b, Stage::Junior).indicators[0].met);
}

#[test]
fn v17_equal_enrolments_give_the_population_sd_over_mean() {
    let equal = |values: &[f64]| values.iter().map(|x| (100.0, *x)).collect::<Vec<_>>();
    assert_eq!(
        coefficient_of_variation(&equal(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])),
        Some(0.4)
    );
    assert_eq!(coefficient_of_variation(&equal(&[3.0])), None);
    assert_eq!(coefficient_of_variation(&equal(&[0.0, 0.0])), None);
    assert_eq!(coefficient_of_variation(&[(0.0, 2.0), (0.0, 4.0)]), None);
    assert_eq!(cv_limit(Stage::Primary), 0.50);
    assert_eq!(cv_limit(Stage::Junior), 0.45);
}

/// A primary school whose only difference from its peers is its equipment, so that
/// indicator 6 (yuan per pupil) carries the figure under test.
fn school_with(enrolment: u32, equipment_value_yuan: f64) -> BalanceInputs {
    BalanceInputs {
        enrolment,
        equipment_value_yuan,
        ..inputs(enrolment)
    }
}

/// §8.12's example (V-17, Q-12): five primary schools of 45, 37, 89, 76 and 55 pupils
/// with 279, 137, 935, 160 and 402 books. X is the per-pupil figure, as for every Q-12
/// indicator (books / pupils: 6.2, 3.70, 10.51, 2.11, 7.31); the raw counts would give
/// 0.732 weighted and 0.763 unweighted, not the method's figures.
#[test]
fn v17_q12_s8_12_enrolment_weighted_cv_fails_the_primary_line_the_unweighted_passes() {
    let pupils = [45.0, 37.0, 89.0, 76.0, 55.0];
    let books = [279.0, 137.0, 935.0, 160.0, 402.0];
    let weighted: Vec<(f64, f64)> = pupils.iter().zip(books).map(|(p, b)| (*p, b / p)).collect();
    let unweighted: Vec<(f64, f64)> = weighted.iter().map(|(_, x)| (1.0, *x)).collect();
    let limit = cv_limit(Stage::Primary);
    let cv = coefficient_of_variation(&weighted);
    assert_eq!(cv, Some(0.515));
    assert!(
        cv.is_some_and(|cv| cv > limit),
        "the weighted CV fails 0.50"
    );
    let equal = coefficient_of_variation(&unweighted);
    assert_eq!(equal, Some(0.489));
    assert!(
        equal.is_some_and(|cv| cv <= limit),
        "the unweighted would pass"
    );
    // the same through the schools' balance inputs: indicator 6 is yuan per pupil
    let schools: Vec<BalanceInputs> = [45, 37, 89, 76, 55]
        .into_iter()
        .zip(books)
        .map(|(p, b)| school_with(p, b))
        .collect();
    let cvs = StageCvs::of(schools.iter().map(|b| (Stage::Primary, b)));
    assert_eq!(cvs.of_stage(Stage::Primary)[5], Some(0.515));
    assert_eq!(cvs.of_stage(Stage::Junior), [None; 7]);
}

/// §8.12 (V-17): a 九年一贯制 school of 2100 pupils counts 1000 in the primary CVs and
/// 1100 in the junior ones (1 : 1.1), with its own per-pupil values in both; a
/// 十二年一贯制 school of 3420 counts 1000, 1100 and 1320 (1 : 1.1 : 1.32).
#[test]
fn v17_s8_12_a_nine_year_school_is_split_primary_to_junior_1_to_1_1() {
    let nine_year = school_with(2100, 2100.0 * 3000.0);
    let primary = school_with(1000, 1000.0 * 1000.0);
    let junior = school_with(3300, 3300.0 * 1000.0);
    let cvs = StageCvs::of([
        (Stage::NineYear, &nine_year),
        (Stage::Primary, &primary),
        (Stage::Junior, &junior),
    ]);
    let primary_cv = cvs.of_stage(Stage::Primary)[5];
    let junior_cv = cvs.of_stage(Stage::Junior)[5];
    assert_eq!(
        primary_cv,
        coefficient_of_variation(&[(1000.0, 3000.0), (1000.0, 1000.0)])
    );
    assert_eq!(primary_cv, Some(0.5));
    assert_eq!(
        junior_cv,
        coefficient_of_variation(&[(1100.0, 3000.0), (3300.0, 1000.0)])
    );
    assert_eq!(junior_cv, Some(0.577));
    // counting the whole school in both stages would weigh it twice
    assert_ne!(
        primary_cv,
        coefficient_of_variation(&[(2100.0, 3000.0), (1000.0, 1000.0)])
    );
    assert_eq!(cvs.of_stage(Stage::Senior), [None; 7]);

    let twelve_year = school_with(3420, 3420.0 * 3000.0);
    let senior = school_with(1320, 1320.0 * 1000.0);
    let cvs = StageCvs::of([
        (Stage::TwelveYear, &twelve_year),
        (Stage::Senior, &senior),
        (Stage::Primary, &primary),
    ]);
    assert_eq!(cvs.of_stage(Stage::Senior)[5], Some(0.5));
    assert_eq!(cvs.of_stage(Stage::Primary)[5], Some(0.5));
    assert_eq!(cvs.of_stage(Stage::Junior)[5], None, "one school only");
}

#[test]
fn postings_move_qualified_and_backbone_teachers() {
    let (a, b) = (SchoolId::new(), SchoolId::new());
    let map: BTreeMap<SchoolId, BalanceInputs> = [(a, inputs(1000)), (b, inputs(500))].into();
    let p = RunningPosting {
        from: a,
        to: b,
        backbone: true,
        postings: 1,
    };
    let moved = with_postings(&map, std::slice::from_ref(&p));
    assert_eq!(moved[&a].teachers_above_degree, 59);
    assert_eq!(moved[&b].teachers_above_degree, 61);
    assert_eq!(moved[&a].backbone_teachers, 11);
    assert_eq!(moved[&b].backbone_teachers, 13);
    // postings counted together move as many teachers as one by one
    let three = with_postings(
        &map,
        &[RunningPosting {
            postings: 3,
            ..p.clone()
        }],
    );
    let one_by_one = with_postings(&map, &[p.clone(), p.clone(), p.clone()]);
    assert_eq!(three, one_by_one);
    assert_eq!(three[&a].teachers_above_degree, 57);
    assert_eq!(three[&b].backbone_teachers, 15);
    let not_backbone = with_postings(
        &map,
        &[RunningPosting {
            backbone: false,
            ..p
        }],
    );
    assert_eq!(not_backbone[&b].backbone_teachers, 12);
}
