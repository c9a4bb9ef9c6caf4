//! Golden envelopes: council (理事会) events and the G-08 report reply.

use super::*;
use edu_contracts::council::{
    DecisionCategory, DecisionId, MajorMatterId, MajorMatterKind, MeetingId, MeetingKind, Quarter,
    ReportId,
};
use edu_contracts::events::{
    DecisionRecorded, MajorMatterRecorded, MeetingHeld, ReportOverdue, ReportSubmitted,
};

const MEETING: u128 = 0x40;
const DECISION: u128 = 0x50;
const DECISION_2: u128 = 0x51;
const REPORT: u128 = 0x60;
const MAJOR_MATTER: u128 = 0x70;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn q1() -> Quarter {
    Quarter::new(2026, 1).expect("quarter")
}

fn council_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, event: &E) {
    assert_eq!(E::SERVICE, ServiceName::Council);
    event_golden(name, envelope(n, event, Some(GROUP), Some(LEAD)), event);
}

#[test]
fn golden_meeting_held() {
    let event = MeetingHeld {
        meeting_id: MeetingId(id(MEETING)),
        group_id: GroupId(id(GROUP)),
        kind: MeetingKind::Council,
        held_on: day(2026, 3, 12),
        seats: 4,
        present: 4,
        schools_present: vec![SchoolId(id(LEAD)), SchoolId(id(MEMBER))],
        quorum_met: true,
    };
    council_golden("event_meeting_held", 5, &event);
}

#[test]
fn golden_decision_recorded() {
    let event = DecisionRecorded {
        decision_id: DecisionId(id(DECISION)),
        group_id: GroupId(id(GROUP)),
        meeting_id: MeetingId(id(MEETING)),
        category: DecisionCategory::MemberMajorMatter,
        major: true,
        subject_school_id: Some(SchoolId(id(MEMBER))),
        title: "同意二中申报省级课改实验校".into(),
        decided_on: day(2026, 3, 12),
        policy_version: 0,
    };
    council_golden("event_decision_recorded", 6, &event);
}

#[test]
fn golden_major_matter_recorded() {
    // G-09: the member school's matter cites the council's decision about it.
    let event = MajorMatterRecorded {
        major_matter_id: MajorMatterId(id(MAJOR_MATTER)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        kind: MajorMatterKind::PrincipalAppointmentOrRemoval,
        title: "任命李明为二中校长".into(),
        effective_on: day(2026, 3, 16),
        decision_id: DecisionId(id(DECISION)),
    };
    event_golden(
        "event_major_matter_recorded",
        envelope(9, &event, Some(GROUP), Some(MEMBER)),
        &event,
    );
}

#[test]
fn golden_report_submitted() {
    let event = ReportSubmitted {
        report_id: ReportId(id(REPORT)),
        group_id: GroupId(id(GROUP)),
        period: q1(),
        decision_ids: vec![DecisionId(id(DECISION)), DecisionId(id(DECISION_2))],
        due_on: day(2026, 4, 15),
        late: false,
    };
    council_golden("event_report_submitted", 7, &event);
}

#[test]
fn golden_report_overdue() {
    let event = ReportOverdue {
        group_id: GroupId(id(GROUP)),
        period: q1(),
        due_on: day(2026, 4, 15),
    };
    council_golden("event_report_overdue", 8, &event);
}

#[test]
fn membership_events_without_the_added_names_still_read() {
    // GroupEstablished and MemberAdmitted gained optional names for the council's seats
    // (G-03, G-04); events written before that read with `None`.
    let older = json!({"group_id": id(GROUP), "name": "集团", "model": "alliance",
        "lead_school_id": id(LEAD), "region": "411627", "plaque_date": "2022-06-30",
        "effective_cap": 5, "policy_version": 0});
    let e: GroupEstablished = serde_json::from_value(older).expect("older payload");
    assert_eq!(e.lead_principal_name, None);
    let older = json!({"group_id": id(GROUP), "school_id": id(MEMBER),
        "membership_id": id(MEMBERSHIP), "plaque_text": "集团成员学校",
        "legal_person_retained": true, "cross_region": false, "policy_version": 0});
    let e: MemberAdmitted = serde_json::from_value(older).expect("older payload");
    assert_eq!(e.principal_name, None);
    // F-06/F-07: the leadership flag came later; absent, it equals the legal person's.
    assert_eq!(e.independent_leadership, None);
}
