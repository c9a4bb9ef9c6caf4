//! Motions and votes as pure functions: what a motion must say and whom it may concern
//! (G-09), what a ballot must say, the tally of the seats present and the result once every
//! present seat has voted.

use std::collections::BTreeSet;

use edu_contracts::council::{
    DecisionCategory, DecisionId, MotionStatus, NewMotion, Tally, Vote, VoteChoice,
};
use edu_domain::{GroupId, Problem, SchoolId, text};

use crate::error::CouncilError;
use crate::seats::rules::GroupSchool;

/// Checks what a motion says by itself and returns its title: G-09, a member school's major
/// matter names the school it concerns and is a major decision.
pub fn check_new_motion(body: &NewMotion) -> Result<String, Problem> {
    let title = text::required("title", &body.title, 200)?;
    if body.category == DecisionCategory::MemberMajorMatter {
        if body.subject_school_id.is_none() {
            return Err(Problem::validation(
                "subject_school_id",
                "a member school's major matter names the school it concerns",
                "成员学校重大事项须注明所涉学校",
            ));
        }
        if !body.major {
            return Err(Problem::validation(
                "major",
                "a member school's major matter is a major decision",
                "成员学校重大事项属于重大决策",
            ));
        }
    }
    Ok(title)
}

/// The school a motion concerns is an active school of the group; G-09, a member school's
/// major matter concerns a member school, not the lead.
pub fn check_subject(
    category: DecisionCategory,
    subject: SchoolId,
    schools: &[GroupSchool],
) -> Result<(), CouncilError> {
    let ok = match schools.iter().find(|s| s.id == subject) {
        Some(s) if category == DecisionCategory::MemberMajorMatter => !s.lead,
        Some(_) => true,
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(CouncilError::SubjectNotMember(subject))
    }
}

/// Checks a ballot by itself and returns its votes with their reasons trimmed: 1 to 100
/// votes, one a seat, and a recusal gives its reason (the conflict of interest).
pub fn check_ballot(votes: &[Vote]) -> Result<Vec<Vote>, Problem> {
    if votes.is_empty() || votes.len() > 100 {
        return Err(Problem::validation(
            "votes",
            "a ballot has 1 to 100 votes",
            "每次提交 1 到 100 票",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut checked = Vec::with_capacity(votes.len());
    for v in votes {
        if !seen.insert(v.seat_id) {
            return Err(Problem::validation(
                "votes",
                "a seat votes once",
                "每个席位只能表决一次",
            ));
        }
        let reason = v
            .reason
            .as_deref()
            .map(|r| text::optional("reason", r, 200))
            .transpose()?
            .flatten();
        if v.choice == VoteChoice::Recused && reason.is_none() {
            return Err(Problem::validation(
                "reason",
                "a recusal gives its reason (the conflict of interest)",
                "回避须说明理由(利益冲突)",
            ));
        }
        checked.push(Vote {
            seat_id: v.seat_id,
            choice: v.choice,
            reason,
        });
    }
    Ok(checked)
}

/// What the first checks of a write citing a council decision (G-09 matters, G-14/G-07
/// adoptions) find missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncited {
    /// No decision is cited.
    Citation,
    /// The council has no such decision: only a passed motion becomes one.
    Decision(DecisionId),
    /// The decision is another group's council's.
    SameGroup(DecisionId),
}

/// The decision a write cites, if it is one of `group`'s council: `found` is the decision
/// `cited` names, if the council has it, and `of` reads its id and group. An id the write
/// names is checked, not another decision that happens to be found.
pub fn cited_of_group<D>(
    group: GroupId,
    cited: Option<DecisionId>,
    found: Option<D>,
    of: impl Fn(&D) -> (DecisionId, GroupId),
) -> Result<D, Uncited> {
    let Some(id) = cited else {
        return Err(Uncited::Citation);
    };
    let Some(d) = found.filter(|d| of(d).0 == id) else {
        return Err(Uncited::Decision(id));
    };
    if of(&d).1 != group {
        return Err(Uncited::SameGroup(id));
    }
    Ok(d)
}

/// Counts the votes cast among `present` seats.
pub fn tally(choices: &[VoteChoice], present: u32) -> Tally {
    let count = |c: VoteChoice| {
        u32::try_from(choices.iter().filter(|x| **x == c).count()).unwrap_or(u32::MAX)
    };
    let cast = u32::try_from(choices.len()).unwrap_or(u32::MAX);
    Tally {
        yes: count(VoteChoice::Yes),
        no: count(VoteChoice::No),
        abstain: count(VoteChoice::Abstain),
        recused: count(VoteChoice::Recused),
        pending: present.saturating_sub(cast),
    }
}

/// The result once every present seat has voted: passed when the yes votes are more than
/// half of the votes of the seats taking part (recused seats stay out; abstaining ones
/// count as taking part). `None` while votes are pending.
pub fn result(t: &Tally) -> Option<MotionStatus> {
    if t.pending > 0 {
        return None;
    }
    let taking_part = t.yes + t.no + t.abstain;
    Some(if taking_part > 0 && t.yes * 2 > taking_part {
        MotionStatus::Passed
    } else {
        MotionStatus::Rejected
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use edu_contracts::council::{MeetingId, SeatId};
    use uuid::Uuid;

    const LEAD: SchoolId = SchoolId(Uuid::from_u128(1));
    const MEMBER: SchoolId = SchoolId(Uuid::from_u128(2));

    fn motion(category: DecisionCategory, major: bool, subject: Option<SchoolId>) -> NewMotion {
        NewMotion {
            meeting_id: MeetingId(Uuid::from_u128(9)),
            title: " 同意二中申报省级课改实验校 ".into(),
            category,
            major,
            subject_school_id: subject,
        }
    }

    fn schools() -> Vec<GroupSchool> {
        [(LEAD, true), (MEMBER, false)]
            .into_iter()
            .map(|(id, lead)| GroupSchool {
                id,
                lead,
                principal_name: Some("校长".into()),
            })
            .collect()
    }

    #[test]
    fn g09_a_member_schools_major_matter_names_the_school_and_is_major() {
        use DecisionCategory::MemberMajorMatter;
        let field = |m: &NewMotion| check_new_motion(m).unwrap_err().details["field"].clone();
        assert_eq!(
            field(&motion(MemberMajorMatter, true, None)),
            "subject_school_id"
        );
        assert_eq!(
            field(&motion(MemberMajorMatter, false, Some(MEMBER))),
            "major"
        );
        assert_eq!(
            check_new_motion(&motion(MemberMajorMatter, true, Some(MEMBER))).unwrap(),
            "同意二中申报省级课改实验校"
        );
        assert!(check_new_motion(&motion(DecisionCategory::WorkPlan, false, None)).is_ok());
    }

    #[test]
    fn g09_a_member_schools_major_matter_concerns_a_member_not_the_lead() {
        use DecisionCategory::{MemberMajorMatter, ResourceAllocation};
        let g = schools();
        assert!(check_subject(MemberMajorMatter, MEMBER, &g).is_ok());
        assert!(matches!(
            check_subject(MemberMajorMatter, LEAD, &g),
            Err(CouncilError::SubjectNotMember(s)) if s == LEAD
        ));
        // other decisions may concern the lead, but never a school outside the group
        assert!(check_subject(ResourceAllocation, LEAD, &g).is_ok());
        let outsider = SchoolId(Uuid::from_u128(3));
        assert!(check_subject(ResourceAllocation, outsider, &g).is_err());
    }

    #[test]
    fn a_ballot_has_one_vote_a_seat_and_a_recusal_says_why() {
        let seat = |n| SeatId(Uuid::from_u128(n));
        let vote = |n, choice, reason: Option<&str>| Vote {
            seat_id: seat(n),
            choice,
            reason: reason.map(Into::into),
        };
        let field = |votes: &[Vote]| check_ballot(votes).unwrap_err().details["field"].clone();
        assert_eq!(field(&[]), "votes");
        assert_eq!(field(&vec![vote(1, VoteChoice::Yes, None); 101]), "votes");
        assert_eq!(
            field(&[
                vote(1, VoteChoice::Yes, None),
                vote(1, VoteChoice::No, None)
            ]),
            "votes"
        );
        assert_eq!(field(&[vote(1, VoteChoice::Recused, Some("  "))]), "reason");
        let checked = check_ballot(&[
            vote(1, VoteChoice::Recused, Some(" 本校事项 ")),
            vote(2, VoteChoice::Abstain, None),
        ])
        .unwrap();
        assert_eq!(checked[0].reason.as_deref(), Some("本校事项"));
        assert_eq!(checked[1].reason, None);
    }

    #[test]
    fn the_result_is_computed_once_every_present_seat_voted() {
        use VoteChoice::*;
        assert_eq!(result(&tally(&[Yes, Yes], 3)), None);
        assert_eq!(
            result(&tally(&[Yes, Yes, No], 3)),
            Some(MotionStatus::Passed)
        );
        // abstentions take part: 2 yes of 4 is not more than half
        assert_eq!(
            result(&tally(&[Yes, Yes, No, Abstain], 4)),
            Some(MotionStatus::Rejected)
        );
        // a recused seat stays out: 2 yes of 3 taking part
        assert_eq!(
            result(&tally(&[Yes, Yes, No, Recused], 4)),
            Some(MotionStatus::Passed)
        );
        assert_eq!(result(&tally(&[Recused], 1)), Some(MotionStatus::Rejected));
    }
}
