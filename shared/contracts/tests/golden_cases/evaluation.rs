use edu_contracts::evaluation::{
    ConsequenceDecided, ConsequenceKind, EvaluationCompleted, Grade, ProposedConsequence,
};
use edu_domain::SchoolYear;

use super::*;

const EVALUATION: u128 = 0xA0;
const ROUND: u128 = 0xA1;

#[test]
fn golden_evaluation_completed() {
    let event = EvaluationCompleted {
        evaluation_id: id(EVALUATION),
        round_id: id(ROUND),
        group_id: GroupId(id(GROUP)),
        school_year: SchoolYear(2025),
        total: 47.3,
        grade: Grade::Fail,
        policy_version: 0,
        proposed: vec![
            ProposedConsequence {
                consequence_id: id(0xA2),
                kind: ConsequenceKind::Warning,
                school_id: None,
            },
            ProposedConsequence {
                consequence_id: id(0xA3),
                kind: ConsequenceKind::MemberExit,
                school_id: Some(SchoolId(id(MEMBER))),
            },
        ],
    };
    event_golden(
        "event_evaluation_completed",
        envelope(0xA4, &event, Some(GROUP), None),
        &event,
    );
}

#[test]
fn golden_consequence_decided() {
    let event = ConsequenceDecided {
        evaluation_id: id(EVALUATION),
        consequence_id: id(0xA2),
        group_id: GroupId(id(GROUP)),
        kind: ConsequenceKind::MemberExit,
        confirmed: true,
        note: Some("连续两年考核不合格,退出集团".into()),
        school_id: Some(SchoolId(id(MEMBER))),
    };
    event_golden(
        "event_consequence_decided",
        envelope(0xA5, &event, Some(GROUP), None),
        &event,
    );
}
