use edu_contracts::events::{
    PostingCancelled, PostingConfirmed, PostingConsentDecided, PostingEnded, PostingFacts,
    PostingProposed, TrainingHeld,
};
use edu_domain::{
    PostingId, PostingKind, SchoolYear, Semester, TeacherId, TrainingId, TrainingKind,
};

use super::*;

fn facts() -> PostingFacts {
    PostingFacts {
        posting_id: PostingId(id(0xB0)),
        group_id: GroupId(id(GROUP)),
        teacher_id: TeacherId(id(0xB1)),
        from_school_id: SchoolId(id(LEAD)),
        to_school_id: SchoolId(id(MEMBER)),
        kind: PostingKind::Secondment,
        start: NaiveDate::from_ymd_opt(2026, 9, 1).expect("date"),
        end: NaiveDate::from_ymd_opt(2027, 1, 31).expect("date"),
        backbone: true,
    }
}

fn rotation_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, event: &E) {
    assert_eq!(E::SERVICE, ServiceName::Rotation);
    event_golden(name, envelope(n, event, Some(GROUP), Some(LEAD)), event);
}

#[test]
fn golden_posting_proposed() {
    let event = PostingProposed { posting: facts() };
    rotation_golden("event_posting_proposed", 0xB2, &event);
}

#[test]
fn golden_posting_confirmed() {
    let event = PostingConfirmed { posting: facts() };
    rotation_golden("event_posting_confirmed", 0xB3, &event);
}

#[test]
fn golden_posting_cancelled() {
    let event = PostingCancelled {
        posting: facts(),
        reason: "接收学校调整教学安排".into(),
    };
    rotation_golden("event_posting_cancelled", 0xB4, &event);
}

#[test]
fn golden_posting_ended() {
    let event = PostingEnded {
        posting: facts(),
        ended_on: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
        reason: "成员学校退出集团".into(),
    };
    rotation_golden("event_posting_ended", 0xB5, &event);
}

/// F-04: the teacher's county bureau declines a posting into another county.
#[test]
fn golden_posting_consent_decided() {
    let event = PostingConsentDecided {
        posting: facts(),
        region: region(),
        approved: false,
        note: Some("该教师本学年承担毕业班教学任务".into()),
    };
    rotation_golden("event_posting_consent_decided", 0xB8, &event);
}

#[test]
fn golden_training_held() {
    let event = TrainingHeld {
        training_id: TrainingId(id(0xB6)),
        group_id: GroupId(id(GROUP)),
        kind: TrainingKind::TeachingShowcase,
        held_on: NaiveDate::from_ymd_opt(2026, 10, 20).expect("date"),
        school_year: SchoolYear(2026),
        semester: Semester::Autumn,
        hours: 4,
        participants: 23,
    };
    rotation_golden("event_training_held", 0xB7, &event);
}
