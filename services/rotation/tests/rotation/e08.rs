//! E-08: 10 % of the eligible teachers rotated, 20 % of them backbone, now and forecast.

use super::*;

/// E-08: a group whose lead has 200 eligible teachers, `rotated` of them posted to a member
/// (the first `backbone` being backbone teachers).
async fn e08_scenario(rotated: usize, backbone: usize) -> Compliance {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    env.import(lead, roster("L", 200, backbone)).await.unwrap();
    let teachers = env.teachers(lead).await;
    for t in teachers.iter().take(rotated) {
        let p = env
            .propose(
                group,
                *t,
                members[0],
                PostingKind::Secondment,
                month_term(10),
            )
            .await
            .unwrap();
        env.confirm(&p).await;
    }
    env.compliance(group, day(2026, 8, 31)).await
}

#[tokio::test]
async fn e08_nineteen_of_two_hundred_is_nine_and_a_half_percent_one_short() {
    let c = e08_scenario(19, 4).await;
    assert_eq!(c.eligible, 200);
    assert_eq!(c.actual.rotated, 19);
    assert!((c.actual.ratio_pct - 9.5).abs() < 1e-9);
    assert!(!c.actual.ratio_met);
    assert_eq!(c.actual.shortfall, 1);
    assert_eq!((c.rotation_min_pct, c.backbone_min_pct), (10, 20));
    assert_eq!(c.rotated_teachers.len(), 19);
    assert!(c.rotated_teachers.iter().all(|t| t.posting_ids.len() == 1));
}

#[tokio::test]
async fn e08_twenty_with_three_backbone_misses_the_share() {
    let c = e08_scenario(20, 3).await;
    assert!(c.actual.ratio_met);
    assert!(!c.actual.share_met);
    assert!((c.actual.backbone_share_pct - 15.0).abs() < 1e-9);
    assert_eq!(c.actual.backbone_shortfall, 1);
}

#[tokio::test]
async fn e08_twenty_with_four_backbone_passes() {
    let c = e08_scenario(20, 4).await;
    assert!(c.actual.ratio_met && c.actual.share_met);
    assert_eq!((c.actual.shortfall, c.actual.backbone_shortfall), (0, 0));
}

#[tokio::test]
async fn forecast_counts_confirmed_future_postings_and_says_what_is_missing() {
    let env = env().await;
    let (group, lead, members) = env.group(1).await;
    env.import(lead, roster("L", 50, 1)).await.unwrap();
    let teachers = env.teachers(lead).await;
    // one posting in October (already started on 1 December), two in March (future)
    for (t, month) in teachers.iter().zip([10, 3, 3]) {
        let p = env
            .propose(
                group,
                *t,
                members[0],
                PostingKind::Secondment,
                month_term(month),
            )
            .await
            .unwrap();
        env.confirm(&p).await;
    }
    // a proposal not yet confirmed does not count
    env.propose(
        group,
        teachers[3],
        members[0],
        PostingKind::Secondment,
        month_term(4),
    )
    .await
    .unwrap();
    let c = env.compliance(group, day(2025, 12, 1)).await;
    assert_eq!((c.actual.rotated, c.forecast.rotated), (1, 3));
    // 10 % of 50 = 5: two more, and with one backbone so far the share of 5 needs 1 → 0 more
    assert_eq!(c.forecast.shortfall, 2);
    assert_eq!(c.forecast.backbone_shortfall, 0);
    assert_eq!(c.deadline, day(2026, 8, 31));

    // every group of the region at once (a province's evaluation round): the same figures
    let (quiet, _, _) = env.group_led_by("实验中学", 0).await;
    let query = GroupsComplianceQuery {
        region: region(),
        school_year: YEAR,
        as_of: Some(day(2025, 12, 1)),
    };
    let mut all = None;
    for _ in 0..100 {
        let answer = env
            .bus()
            .call::<GetGroupsCompliance>(&env.actor, None, query.clone())
            .await
            .unwrap();
        // until rotation's projection has seen the second group
        if answer.groups.len() == 2 {
            all = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let all = all.expect("both groups");
    assert_eq!(
        (all.policy_version, all.rotation_min_pct, all.deadline),
        (c.policy_version, c.rotation_min_pct, c.deadline)
    );
    for g in &all.groups {
        let one = env.compliance(g.group_id, day(2025, 12, 1)).await;
        assert_eq!(
            (g.eligible, &g.actual, &g.forecast),
            (one.eligible, &one.actual, &one.forecast)
        );
    }
    let quiet = all.groups.iter().find(|g| g.group_id == quiet).unwrap();
    assert_eq!((quiet.eligible, quiet.actual.rotated), (0, 0));
}
