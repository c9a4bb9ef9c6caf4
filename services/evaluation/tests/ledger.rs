//! The obligation ledger through the bus, built from other services' events: a month
//! without a council meeting is missing (G-06), a month with one is met, its meeting linked;
//! and a school's feed of what it owes and what changed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use chrono::{Datelike, NaiveTime, Utc};
use common::{day, env, refused, until};
use edu_contracts::council::{LoadPastMeetings, MeetingKind, PastMeeting, PastMeetings};
use edu_contracts::obligations::{Ledger, NotificationKind, Obligation, ObligationStatus, Period};
use edu_contracts::sanctions::{IssueWarning, NewWarning};
use edu_domain::{ErrorCode, GroupId, Stage};

fn obligation<'a>(ledger: &'a Ledger, key: &str) -> &'a Obligation {
    ledger
        .obligations
        .iter()
        .find(|o| o.key == key)
        .unwrap_or_else(|| panic!("no {key} in {ledger:?}"))
}

/// G-06 reflects council's events: last month, without a meeting, is missing; this month
/// is upcoming until council records the meeting held today, and then met with that
/// meeting as its record. The group was plaqued in 2024 and registered today, so its
/// council has seats from today: the meeting is held today.
#[tokio::test]
async fn g06_a_month_without_a_council_meeting_is_missing_and_a_held_one_is_met() {
    let env = env().await;
    let g = env
        .group("台账", Stage::Junior, day(2024, 9, 1), &["二中"])
        .await;
    let today = Utc::now().date_naive();
    let this_month = Period::month_of(today).to_string();
    let last_month = Period::month_of(today.with_day(1).unwrap().pred_opt().unwrap()).to_string();
    let key = |month: &str| format!("G-06/{month}");

    let last = env.ledger(g.id, &last_month).await.unwrap();
    let o = obligation(&last, &key(&last_month));
    assert_eq!(
        (o.status, o.rule.as_str()),
        (ObligationStatus::Missing, "G-06")
    );
    assert!(o.records.is_empty());
    assert_eq!(last.summary.missing, 1);
    let now = env.ledger(g.id, &this_month).await.unwrap();
    assert_eq!(
        obligation(&now, &key(&this_month)).status,
        ObligationStatus::Upcoming
    );

    let past = PastMeetings {
        group_id: g.id,
        meetings: vec![PastMeeting {
            kind: MeetingKind::Council,
            title: "本月理事会议".into(),
            held_on: today,
            place: None,
            schools_present: g.schools(),
            minutes_summary: None,
        }],
    };
    // council learns the group and its schools from membership's events
    let loaded = until(
        || {
            env.bus()
                .call::<LoadPastMeetings>(&env.system, None, past.clone())
        },
        |r| r.is_ok(),
    )
    .await
    .unwrap();
    let meeting = loaded.meetings[0].id;
    let now = until(
        || env.ledger(g.id, &this_month),
        |l| {
            l.as_ref()
                .is_ok_and(|l| obligation(l, &key(&this_month)).status == ObligationStatus::Met)
        },
    )
    .await
    .unwrap();
    let o = obligation(&now, &key(&this_month));
    assert_eq!(o.status, ObligationStatus::Met);
    assert_eq!(o.records.len(), 1);
    assert_eq!(o.records[0].id, meeting.0);
    assert_eq!(o.records[0].href, format!("/api/v1/meetings/{}", meeting.0));
    // last month stays missing: a month's meeting cannot be held afterwards
    let last = env.ledger(g.id, &last_month).await.unwrap();
    assert_eq!(
        obligation(&last, &key(&last_month)).status,
        ObligationStatus::Missing
    );
}

#[tokio::test]
async fn the_ledger_of_an_unknown_group_is_refused() {
    let env = env().await;
    refused(
        env.ledger(GroupId::new(), "2025-03").await,
        ErrorCode::NotFound,
        None,
    );
}

/// A stored report of quarter 0 is no report of any quarter: the ledger refuses with the
/// internal error's code rather than count it (or default it) as one.
#[tokio::test]
async fn a_stored_report_of_no_quarter_is_refused_not_counted() {
    let env = env().await;
    let g = env.group("坏行", Stage::Junior, day(2024, 9, 1), &[]).await;
    let quarter = env.ledger(g.id, "2025Q1").await.unwrap();
    assert_eq!(
        obligation(&quarter, "G-08/2025Q1").status,
        ObligationStatus::Overdue
    );
    env.db
        .execute(&format!(
            "INSERT INTO evaluation.reports (group_id, year, quarter, report_id, submitted_on, \
             due_on, late) VALUES ('{}', 2025, 0, '{}', '2025-04-10', '2025-04-15', false)",
            g.id,
            uuid::Uuid::now_v7()
        ))
        .await
        .unwrap();
    refused(env.ledger(g.id, "2025Q1").await, ErrorCode::Internal, None);
}

/// A member's feed names its group, lists the group's overdue quarterly report (G-08; the
/// group was plaqued in 2024 and never reported) as of its due day, and the lead's warning
/// as a change concerning the school.
#[tokio::test]
async fn a_members_feed_shows_the_overdue_report_and_the_warning_it_received() {
    let env = env().await;
    let g = env
        .group("动态", Stage::Junior, day(2024, 9, 1), &["二中"])
        .await;
    let member = g.members[0];
    let warning = NewWarning {
        group_id: g.id,
        school_id: member,
        reason: "连续两月未参加理事会议".into(),
        evidence: Vec::new(),
    };
    env.bus()
        .call::<IssueWarning>(&env.system, None, warning)
        .await
        .unwrap();
    let feed = until(
        || env.feed(member),
        |f| {
            f.as_ref()
                .is_ok_and(|f| f.items.iter().any(|n| n.kind == NotificationKind::Changed))
        },
    )
    .await
    .unwrap();
    assert_eq!((feed.school_id, feed.group_id), (member, Some(g.id)));
    let report = feed
        .items
        .iter()
        .find(|n| n.rule.as_deref() == Some("G-08") && n.kind == NotificationKind::Overdue)
        .unwrap_or_else(|| panic!("no overdue report in {feed:?}"));
    let due = report.due_on.unwrap();
    assert!(due < feed.as_of, "{report:?}");
    assert_eq!(report.at, due.and_time(NaiveTime::MIN).and_utc());
    let changed = feed
        .items
        .iter()
        .find(|n| n.kind == NotificationKind::Changed)
        .unwrap();
    assert_eq!(changed.rule.as_deref(), Some("X-01"));
    assert!(
        changed.title_zh.contains("连续两月未参加理事会议"),
        "{changed:?}"
    );
}
