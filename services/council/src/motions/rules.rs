//! Votes as pure functions: the tally of the seats present and the result once every present
//! seat has voted.

use edu_contracts::council::{MotionStatus, Tally, VoteChoice};

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
