//! X-02/V-05: the consequences a grade proposes, as a pure function.

use edu_contracts::evaluation::{
    Consequence, ConsequenceKind, ConsequenceStatus, Grade, MemberProgress,
};
use uuid::Uuid;

/// X-02/V-05: what the result proposes. Rewards for 优秀, a warning for 合格 and 不合格,
/// the exit of each failing member (V-02: the members' progress is the focus), and the
/// dissolution of a group failing a second year running (V-15's "two consecutive years").
pub fn propose(
    grade: Grade,
    previous: Option<Grade>,
    members: &[MemberProgress],
) -> Vec<Consequence> {
    let proposed = |kind, school_id, reason: String| Consequence {
        id: Uuid::now_v7(),
        kind,
        school_id,
        reason,
        status: ConsequenceStatus::Proposed,
        decided_by: None,
        decided_at: None,
        note: None,
    };
    let mut out = Vec::new();
    match grade {
        Grade::Excellent => out.push(proposed(
            ConsequenceKind::Reward,
            None,
            "优秀: next year's reward (X-02)".to_owned(),
        )),
        Grade::Good => {}
        Grade::Pass | Grade::Fail => out.push(proposed(
            ConsequenceKind::Warning,
            None,
            format!("{}: a warning to the group (X-02)", grade.name_zh()),
        )),
    }
    for m in members.iter().filter(|m| m.failing) {
        let why = match (m.value_added, m.balance_passed) {
            (Some(v), _) if v < 0.0 => format!("quality fell by {:.1} points", -v),
            _ => "the school fails the balance rule (Q-12)".to_owned(),
        };
        out.push(proposed(
            ConsequenceKind::MemberExit,
            Some(m.school_id),
            format!("member exit (X-02): {why}"),
        ));
    }
    if grade == Grade::Fail && previous == Some(Grade::Fail) {
        out.push(proposed(
            ConsequenceKind::Dissolution,
            None,
            "不合格 two school years running: dissolution (X-02)".to_owned(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use edu_domain::SchoolId;

    use super::*;

    #[test]
    fn x02_a_failing_member_is_proposed_to_exit_and_two_failed_years_dissolve() {
        let s = SchoolId::new();
        let member = |failing| MemberProgress {
            school_id: s,
            quality_score: Some(50.0),
            last_year_score: Some(55.0),
            value_added: Some(-5.0),
            balance_passed: None,
            failing,
        };
        let c = propose(Grade::Fail, None, &[member(true)]);
        let kinds: Vec<_> = c.iter().map(|c| (c.kind, c.school_id)).collect();
        assert_eq!(
            kinds,
            [
                (ConsequenceKind::Warning, None),
                (ConsequenceKind::MemberExit, Some(s))
            ]
        );
        assert!(c.iter().all(|c| c.status == ConsequenceStatus::Proposed));
        let again = propose(Grade::Fail, Some(Grade::Fail), &[member(false)]);
        assert!(again.iter().any(|c| c.kind == ConsequenceKind::Dissolution));
        let best = propose(Grade::Excellent, None, &[]);
        assert_eq!(best[0].kind, ConsequenceKind::Reward);
    }
}
