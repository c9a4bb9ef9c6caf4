//! The bureau's county view over the bus: group coverage of the county's junior schools
//! against the policy's line (F-16), and the three-year rounds of weak-school designation
//! with each school's plan (F-17).

use edu_contracts::county::{
    CoverageQuery, DesignateWeakSchool, DesignationLift, GetCoverage, LiftDesignation,
    ListWeakRounds, NewDesignation, NewWeakRound, OpenWeakRound,
};
use edu_contracts::policy::RegionRef;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f16_f17_coverage_of_junior_schools_and_the_weak_school_round() -> TestResult {
    let h = Harness::start().await?;
    let home = region(support::HOME);
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let juniors = h.schools(Stage::Junior, 3).await?;
    let nine_year = h.school(Stage::NineYear, support::HOME).await?;
    let primary = h.school(Stage::Primary, support::HOME).await?;
    let far = h.school(Stage::Junior, support::OTHER).await?;
    h.admit(&group, &juniors[0]).await?;
    let coverage = || {
        h.bus.bus.call::<GetCoverage>(
            &h.actor,
            None,
            CoverageQuery {
                region: home.clone(),
                as_of: None,
            },
        )
    };

    // F-16: the lead, three juniors and a 九年一贯制 school have junior years; the primary
    // school and the other county's school do not count. Two of five are covered.
    let c = coverage().await?;
    assert_eq!((c.junior_schools, c.covered), (5, 2));
    assert_eq!(c.covered_pct, Some(40.0));
    assert_eq!(c.line_pct, 80);
    assert!(!c.met);
    let uncovered: HashSet<SchoolId> = c.uncovered.iter().map(|s| s.school_id).collect();
    let expected: HashSet<SchoolId> = [juniors[1].id, juniors[2].id, nine_year.id].into();
    assert_eq!(uncovered, expected);
    assert!(!uncovered.contains(&lead.id) && !uncovered.contains(&primary.id));
    assert!(c.round.is_none());

    // F-17: a round of three school years; one that overlaps it is refused
    let open = |first: i32| {
        h.bus.bus.call::<OpenWeakRound>(
            &h.actor,
            None,
            NewWeakRound {
                region: Some(home.clone()),
                first_school_year: first,
                basis: "2022—2024 学年初中学校发展性评估结果".into(),
            },
        )
    };
    let round = open(2025).await?;
    assert_eq!(round.last_school_year, 2027);
    assert_eq!(round.target_share_pct, 33);
    let p = refused(open(2027).await, ErrorCode::WeakRoundOverlaps);
    assert_eq!(p.rule.as_deref(), Some("F-17"));
    assert_eq!(p.details["first_school_year"], 2025);

    let designate = |school: SchoolId| {
        h.bus.bus.call::<DesignateWeakSchool>(
            &h.actor,
            None,
            NewDesignation {
                region: Some(home.clone()),
                round_id: round.id,
                school_id: school,
                assessment: "2022 C、2023 C、2024 D".into(),
                plan: "一校一案:龙头学校派驻副校长,语数英三科集体备课".into(),
            },
        )
    };
    let weak = designate(juniors[1].id).await?;
    assert_eq!(weak.group_id, None, "no group covers it yet");
    designate(juniors[0].id).await?;
    // of junior schools only, of this county only, once a round
    let p = refused(designate(primary.id).await, ErrorCode::ValidationFailed);
    assert_eq!(p.details["field"], "school_id");
    refused(designate(far.id).await, ErrorCode::NotFound);
    refused(
        designate(juniors[1].id).await,
        ErrorCode::DesignationStateInvalid,
    );

    // the round in force shows its share against about a third, and the weak school that
    // no group covers yet is marked among the uncovered
    let c = coverage().await?;
    let shown = c.round.expect("the round in force");
    assert_eq!(shown.designations.len(), 2);
    assert_eq!(shown.designated_share_pct, Some(40.0));
    let marked: Vec<SchoolId> = c
        .uncovered
        .iter()
        .filter(|s| s.designated_weak)
        .map(|s| s.school_id)
        .collect();
    assert_eq!(marked, [juniors[1].id]);
    let member = shown
        .designations
        .iter()
        .find(|d| d.school_id == juniors[0].id)
        .expect("the member's designation");
    assert_eq!(member.group_id, Some(group.id));

    // managed dynamically: a school leaves the list, once
    let lift = || {
        h.bus.bus.call::<LiftDesignation>(
            &h.actor,
            None,
            DesignationLift {
                region: Some(home.clone()),
                designation_id: weak.id,
                lifted_on: chrono::NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
                reason: "2025 学年发展性评估为 B".into(),
            },
        )
    };
    assert!(lift().await?.lifted_on.is_some());
    refused(lift().await, ErrorCode::DesignationStateInvalid);
    let rounds = h
        .bus
        .bus
        .call::<ListWeakRounds>(
            &h.actor,
            None,
            RegionRef {
                region: home.clone(),
            },
        )
        .await?;
    assert_eq!(rounds.len(), 1);
    assert_eq!(rounds[0].designated_share_pct, Some(20.0));
    Ok(())
}
