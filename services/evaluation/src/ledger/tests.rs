//! The ledger's unit tests: what each obligation counts and when it is due.

use chrono::NaiveDate;
use edu_contracts::council::MeetingKind;
use edu_contracts::obligations::{Obligation, ObligationStatus, Period};
use edu_domain::{GroupId, MemberRole, Policy, PostingId, PostingKind, SchoolId, TrainingKind};
use uuid::Uuid;

use super::rules::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn facts() -> (Facts, SchoolId, SchoolId) {
    let (lead, member) = (SchoolId::new(), SchoolId::new());
    let facts = Facts {
        group: GroupId::new(),
        plaque_date: d(2025, 9, 1),
        dissolved_on: None,
        schools: vec![
            SchoolFact {
                id: lead,
                role: MemberRole::Lead,
                joined_on: d(2025, 9, 1),
                left_on: None,
            },
            SchoolFact {
                id: member,
                role: MemberRole::Member,
                joined_on: d(2025, 9, 1),
                left_on: None,
            },
        ],
        meetings: Vec::new(),
        reports: Vec::new(),
        trainings: Vec::new(),
        postings: Vec::new(),
        resources: Vec::new(),
    };
    (facts, lead, member)
}

fn find<'a>(all: &'a [Obligation], key: &str) -> Option<&'a Obligation> {
    all.iter().find(|o| o.key == key)
}

#[test]
fn g06_a_month_without_a_council_meeting_is_missing_then_met() -> Result<(), String> {
    let (mut f, _, member) = facts();
    let p = Policy::default();
    let march: Period = "2026-03".parse().map_err(|e| format!("{e}"))?;
    let all = obligations(march, &f, &p, d(2026, 4, 2));
    let o = find(&all, "G-06/2026-03").ok_or("no G-06")?;
    assert_eq!(
        (o.status, o.rule.as_str(), o.due_on),
        (ObligationStatus::Missing, "G-06", d(2026, 3, 31))
    );
    // during the month it is still upcoming
    let all = obligations(march, &f, &p, d(2026, 3, 10));
    assert_eq!(
        find(&all, "G-06/2026-03").map(|o| o.status),
        Some(ObligationStatus::Upcoming)
    );
    f.meetings.push(MeetingFact {
        id: Uuid::now_v7(),
        kind: MeetingKind::Council,
        held_on: d(2026, 3, 12),
        present: vec![member],
    });
    let all = obligations(march, &f, &p, d(2026, 4, 2));
    let o = find(&all, "G-06/2026-03").ok_or("no G-06")?;
    assert_eq!((o.status, o.records.len()), (ObligationStatus::Met, 1));
    // before the plaque ceremony the group owed nothing
    let aug: Period = "2025-08".parse().map_err(|e| format!("{e}"))?;
    assert!(obligations(aug, &f, &p, d(2026, 4, 2)).is_empty());
    Ok(())
}

#[test]
fn g08_report_is_overdue_after_its_due_date_and_policy_moves_it() -> Result<(), String> {
    let (mut f, _, _) = facts();
    let mut p = Policy::default();
    let q: Period = "2025Q4".parse().map_err(|e| format!("{e}"))?;
    let all = obligations(q, &f, &p, d(2026, 1, 10));
    assert_eq!(
        find(&all, "G-08/2025Q4").map(|o| (o.status, o.due_on)),
        Some((ObligationStatus::Upcoming, d(2026, 1, 15)))
    );
    let all = obligations(q, &f, &p, d(2026, 1, 16));
    assert_eq!(
        find(&all, "G-08/2025Q4").map(|o| o.status),
        Some(ObligationStatus::Overdue)
    );
    p.council_report_due_days = 30;
    let all = obligations(q, &f, &p, d(2026, 1, 16));
    assert_eq!(
        find(&all, "G-08/2025Q4").map(|o| o.status),
        Some(ObligationStatus::Upcoming)
    );
    f.reports.push(ReportFact {
        year: 2025,
        quarter: 4,
        id: Uuid::now_v7(),
        submitted_on: d(2026, 1, 20),
    });
    let all = obligations(q, &f, &p, d(2026, 2, 1));
    assert_eq!(
        find(&all, "G-08/2025Q4").map(|o| o.status),
        Some(ObligationStatus::Met)
    );
    // the quarter's three months are in its ledger too
    assert_eq!(all.iter().filter(|o| o.rule == "G-06").count(), 3);
    Ok(())
}

#[test]
fn semester_and_year_duties_of_lead_and_members() -> Result<(), String> {
    let (mut f, lead, member) = facts();
    let p = Policy::default();
    f.trainings
        .push((Uuid::now_v7(), TrainingKind::Subject, d(2025, 10, 9)));
    f.resources.push((Uuid::now_v7(), member, d(2025, 11, 1)));
    f.postings.push(PostingFact {
        id: PostingId::new(),
        from: member,
        to: lead,
        kind: PostingKind::Shadowing,
        start: d(2025, 9, 1),
        end: d(2026, 1, 31),
    });
    f.meetings.push(MeetingFact {
        id: Uuid::now_v7(),
        kind: MeetingKind::WorkPlanning,
        held_on: d(2025, 9, 5),
        present: vec![lead],
    });
    let autumn: Period = "2025-autumn".parse().map_err(|e| format!("{e}"))?;
    let all = obligations(autumn, &f, &p, d(2026, 2, 1));
    let status = |key: &str| find(&all, key).map(|o| o.status);
    assert_eq!(
        status("E-05/2025-autumn/subject"),
        Some(ObligationStatus::Met)
    );
    assert_eq!(
        status("E-05/2025-autumn/induction"),
        Some(ObligationStatus::Missing)
    );
    assert_eq!(
        status("E-06/2025-autumn/teaching_showcase"),
        Some(ObligationStatus::Missing)
    );
    assert_eq!(
        status(&format!("M5/2025-autumn/{member}")),
        Some(ObligationStatus::Met)
    );
    assert_eq!(
        status(&format!("E-09/2025-autumn/{member}")),
        Some(ObligationStatus::Met)
    );
    let year: Period = "2025".parse().map_err(|e| format!("{e}"))?;
    let all = obligations(year, &f, &p, d(2026, 3, 1));
    let status = |key: &str| find(&all, key).map(|o| o.status);
    assert_eq!(
        status("G-15/2025/work_planning"),
        Some(ObligationStatus::Met)
    );
    assert_eq!(
        status("V-06/2025/results_showcase"),
        Some(ObligationStatus::Upcoming)
    );
    // M2: the member was not present at the planning meeting
    assert_eq!(
        status(&format!("M2/2025/work_planning/{member}")),
        Some(ObligationStatus::Upcoming)
    );
    assert_eq!(
        status(&format!("M5/2026-spring/{member}")),
        Some(ObligationStatus::Upcoming)
    );
    Ok(())
}
