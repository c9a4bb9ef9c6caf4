//! The quarterly written report (G-08) and overdue reports.

use super::*;

#[tokio::test]
async fn g08_quarterly_report_lists_every_major_decision_and_overdue_is_raised() {
    let env = env().await;
    let g = env.group(1).await;
    let c = env.complete_council(&g).await;
    let d1 = env
        .decided(
            &c,
            day(2026, 1, 15),
            DecisionCategory::DevelopmentPlan,
            None,
        )
        .await
        .decision_id
        .unwrap();
    let d2 = env
        .decided(
            &c,
            day(2026, 3, 20),
            DecisionCategory::MemberMajorMatter,
            Some(g.members[0]),
        )
        .await
        .decision_id
        .unwrap();
    let q1 = Quarter::new(2026, 1).unwrap();
    let submission = |ids| ReportSubmission {
        group_id: g.id,
        period: q1,
        summary: "本季度召开理事会议2次,作出重大决策2项。".into(),
        decision_ids: ids,
    };
    // generated from the quarter's major decisions, overdue (due 2026-04-15)
    let draft = env
        .bus()
        .call::<GetReport>(
            &env.actor,
            None,
            edu_contracts::council::ReportRef {
                group_id: g.id,
                period: q1,
            },
        )
        .await
        .unwrap();
    assert_eq!(draft.state, ReportState::Overdue);
    assert_eq!(draft.due_on, day(2026, 4, 15));
    assert_eq!(draft.decisions.len(), 2);
    // leaving out one of two major decisions is refused
    let p = refused(
        env.bus()
            .call::<SubmitReport>(&env.actor, None, submission(vec![d1]))
            .await,
        ErrorCode::ReportMissingMajorDecisions,
    );
    assert_eq!(p.rule.as_deref(), Some("G-08"));
    assert_eq!(p.details["missing_decision_ids"][0], d2.to_string());
    // the complete one is accepted (late)
    let report = env
        .bus()
        .call::<SubmitReport>(&env.actor, None, submission(vec![d1, d2]))
        .await
        .unwrap();
    assert_eq!(report.state, ReportState::SubmittedLate);
    assert_eq!(report.decisions.len(), 2);
    refused(
        env.bus()
            .call::<SubmitReport>(&env.actor, None, submission(vec![d1, d2]))
            .await,
        ErrorCode::ReportAlreadySubmitted,
    );
    // a quarter that has not ended
    let open = ReportSubmission {
        period: Quarter::new(2099, 1).unwrap(),
        ..submission(Vec::new())
    };
    refused(
        env.bus().call::<SubmitReport>(&env.actor, None, open).await,
        ErrorCode::QuarterNotEnded,
    );
    // the bureau sees the region's overdue reports; 2026-Q1 is no longer among them
    let overdue = env
        .bus()
        .call::<ListReports>(
            &env.actor,
            None,
            ReportQuery::RegionOverdue {
                region: RegionCode::parse(REGION).unwrap(),
            },
        )
        .await
        .unwrap();
    assert!(overdue.iter().any(|r| r.period.to_string() == "2025-Q3"));
    assert!(!overdue.iter().any(|r| r.period == q1));
    // report.overdue once per quarter (2025-Q3 .. 2026-Q3 were all past due; Q1 was overdue
    // before it was submitted), report.submitted once
    let events = events_until(&env.bus, |e| {
        count(e, "report.submitted") >= 1 && count(e, "report.overdue") >= 5
    })
    .await;
    let overdue_events: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "report.overdue")
        .map(|e| e.payload["period"].as_str().unwrap().to_owned())
        .collect();
    let mut unique = overdue_events.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), overdue_events.len(), "{overdue_events:?}");
    assert!(overdue_events.contains(&"2026-Q1".to_owned()));
    assert_eq!(count(&events, "report.submitted"), 1);
}
