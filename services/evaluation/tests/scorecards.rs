//! The scorecards a bureau reads, through the bus: the V-01 tree weighted by the policy in
//! force, each member's value added (V-02, V-08), the Q-12 balance of each school, the
//! V-17 coefficients enrolment-weighted (§8.12), and the grade (V-05).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use common::{balance, day, env};
use edu_contracts::Paging;
use edu_contracts::evaluation::{BalanceInputs, Dimension, Grade, ListScorecards, ScorecardQuery};
use edu_domain::{Policy, Stage};

/// Two members, one falling (70 → 65, and 4.0 qualified teachers per 100 pupils where a
/// junior school needs 5.3) and one rising (60 → 66): the falling one fails, the members'
/// mean value added is +0.5 (scored 62 on the value-added scale), every dimension carries
/// the weight of the policy the round was computed under, and the group grades 不合格.
#[tokio::test]
async fn a_scorecard_shows_value_added_balance_weights_and_grade() {
    let env = env().await;
    let g = env
        .group("城关", Stage::Junior, day(2024, 9, 1), &["二中", "三中"])
        .await;
    let (falling, rising) = (g.members[0], g.members[1]);
    env.scores(g.lead, 80.0, 82.0, 60).await;
    env.scores(falling, 70.0, 65.0, 40).await;
    env.scores(rising, 60.0, 66.0, 55).await;

    let round = env.computed_round(vec![g.id]).await;
    let card = env.scorecard(round.id, g.id).await.unwrap();
    assert_eq!(card.round_id, round.id);
    assert_eq!(card.lead_school_id, g.lead);
    assert_eq!(card.member_school_ids, g.members);
    assert_eq!(card.policy_version, round.policy_version);

    let member = |s| card.members.iter().find(|m| m.school_id == s).unwrap();
    assert_eq!(member(falling).value_added, Some(-5.0));
    assert!(member(falling).failing);
    assert_eq!(member(rising).value_added, Some(6.0));
    assert!(!member(rising).failing);
    let value_added = card.figure("value_added.members").unwrap();
    assert_eq!((value_added.value, value_added.score), (Some(0.5), 62.0));
    assert_eq!(value_added.rule, "V-08");

    // the falling member misses teachers by more than 15 %; the lead meets all seven
    let school = |s| {
        card.balance
            .schools
            .iter()
            .find(|b| b.school_id == s)
            .unwrap()
    };
    assert!(!school(falling).passed);
    assert_eq!((school(g.lead).met, school(g.lead).passed), (7, true));
    assert_eq!(card.balance.stage, Stage::Junior);
    assert!(card.balance.missing.is_empty());
    let teachers = &card.balance.cv[0];
    assert_eq!((teachers.stage, teachers.limit), (Stage::Junior, 0.45));
    assert!(teachers.group_cv.is_some_and(|cv| cv > 0.0), "{teachers:?}");

    // the weights are the policy's (no bureau published one: the defaults) and sum to 100
    let w = Policy::default().evaluation_weights;
    let weight = |d| {
        card.dimensions
            .iter()
            .find(|x| x.dimension == d)
            .unwrap()
            .weight
    };
    assert_eq!(weight(Dimension::ValueAdded), w.value_added);
    assert_eq!(weight(Dimension::TeachingQuality), w.teaching_quality);
    assert_eq!(weight(Dimension::GroupModel), w.group_model);
    let sum: u32 = card.dimensions.iter().map(|d| u32::from(d.weight)).sum();
    assert_eq!(sum, 100);
    // the total is the weighted mean of the dimensions' scores, graded by the thresholds
    let weighted: f64 = card
        .dimensions
        .iter()
        .map(|d| f64::from(d.weight) * d.score)
        .sum::<f64>()
        / 100.0;
    assert!(
        (card.total - weighted).abs() < 0.051,
        "{} vs {weighted}",
        card.total
    );
    assert_eq!(card.grade, Grade::Fail);
    assert_eq!(round.scorecards[0].grade, Grade::Fail);
    assert_eq!(round.scorecards[0].total, card.total);

    // the round's scorecards page by page, as the exports read them
    let page = env
        .bus()
        .call::<ListScorecards>(
            &env.bureau,
            None,
            ScorecardQuery {
                round_id: round.id,
                paging: Paging::default(),
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, card.id);
    assert_eq!(page.items[0].consequences.len(), card.consequences.len());
}

/// V-17, Q-12, §8.12: five primary schools of 45, 37, 89, 76 and 55 pupils with 279, 137,
/// 935, 160 and 402 yuan of equipment give an enrolment-weighted CV of 0.515, over the
/// primary line 0.50 (the unweighted 0.489 would pass). The county's schools with data are
/// the same five: its CV is the same. A group of one school has no CV and no verdict.
#[tokio::test]
async fn v17_a_group_is_judged_by_the_enrolment_weighted_cv() {
    let env = env().await;
    let g = env
        .group(
            "均衡",
            Stage::Primary,
            day(2024, 9, 1),
            &["二小", "三小", "四小", "五小"],
        )
        .await;
    let lone = env.group("独校", Stage::Junior, day(2024, 9, 1), &[]).await;
    for (school, (pupils, yuan)) in g.schools().into_iter().zip([
        (45, 279.0),
        (37, 137.0),
        (89, 935.0),
        (76, 160.0),
        (55, 402.0),
    ]) {
        let inputs = BalanceInputs {
            enrolment: pupils,
            teachers_above_degree: 3,
            backbone_teachers: 1,
            pe_art_teachers: 1,
            teaching_area_m2: 300.0,
            sports_area_m2: 500.0,
            equipment_value_yuan: yuan,
            multimedia_rooms: 1,
        };
        env.save_data(school, Stage::Primary, common::YEAR, None, Some(inputs))
            .await
            .unwrap();
    }
    env.save_data(
        lone.lead,
        Stage::Junior,
        common::YEAR,
        None,
        Some(balance(1000, 60)),
    )
    .await
    .unwrap();

    let round = env.computed_round(vec![g.id, lone.id]).await;
    let card = env.scorecard(round.id, g.id).await.unwrap();
    assert_eq!(card.balance.cv.len(), 7, "one stage, seven indicators");
    let equipment = card
        .balance
        .cv
        .iter()
        .find(|c| c.key == "equipment_value")
        .unwrap();
    assert_eq!((equipment.stage, equipment.limit), (Stage::Primary, 0.5));
    assert_eq!(equipment.group_cv, Some(0.515));
    assert_eq!(equipment.group_within, Some(false));
    assert_eq!(equipment.county_cv, Some(0.515));
    assert_eq!(equipment.county_within, Some(false));
    assert_eq!(
        equipment.group_cv_with_postings,
        Some(0.515),
        "no posting runs"
    );

    let card = env.scorecard(round.id, lone.id).await.unwrap();
    assert_eq!(card.balance.cv.len(), 7);
    assert!(
        card.balance
            .cv
            .iter()
            .all(|c| c.stage == Stage::Junior && c.group_cv.is_none() && c.group_within.is_none()),
        "{:?}",
        card.balance.cv
    );
}
