//! The rules a past meeting meets, as pure functions: who was in the group on its day (the
//! seats of that day, G-02), and its day within the group's life (G-06).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use edu_bus::membership_view::Stay;
use edu_domain::SchoolId;

use crate::error::CouncilError;

/// The schools in the group on `day`: the seats of a meeting held that day, one a school.
pub fn schools_on(stays: &[Stay], day: NaiveDate) -> BTreeSet<SchoolId> {
    stays
        .iter()
        .filter(|s| s.covers(day))
        .map(|s| s.school_id)
        .collect()
}

/// A past meeting's day: on or after the group's plaque date (its council met from then,
/// G-06) and no later than `today` (a meeting is on record once held).
pub fn check_day(
    held_on: NaiveDate,
    plaque_date: NaiveDate,
    today: NaiveDate,
) -> Result<(), CouncilError> {
    if held_on > today {
        return Err(CouncilError::NotYetHeld);
    }
    if held_on < plaque_date {
        return Err(CouncilError::BeforePlaque {
            held_on,
            plaque_date,
        });
    }
    Ok(())
}

/// G-02: every school present had its seat on the council that day, being in the group.
pub fn check_present(
    present: &BTreeSet<SchoolId>,
    in_group: &BTreeSet<SchoolId>,
    on: NaiveDate,
) -> Result<(), CouncilError> {
    match present.difference(in_group).next() {
        Some(school) => Err(CouncilError::NotInGroupOn {
            school: *school,
            on,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_days::d;
    use edu_domain::MemberRole;
    use uuid::Uuid;

    fn school(n: u128) -> SchoolId {
        SchoolId(Uuid::from_u128(n))
    }

    fn stays() -> Vec<Stay> {
        vec![
            Stay {
                school_id: school(1),
                role: MemberRole::Member,
                joined_on: d(2024, 9, 1),
                left_on: None,
            },
            Stay {
                school_id: school(2),
                role: MemberRole::Member,
                joined_on: d(2025, 3, 1),
                left_on: Some(d(2025, 7, 1)),
            },
            // it came back
            Stay {
                school_id: school(2),
                role: MemberRole::Member,
                joined_on: d(2025, 9, 1),
                left_on: None,
            },
        ]
    }

    #[test]
    fn g02_the_seats_of_a_day_are_the_schools_in_the_group_that_day() {
        let s = stays();
        assert_eq!(schools_on(&s, d(2025, 2, 28)), BTreeSet::from([school(1)]));
        assert_eq!(
            schools_on(&s, d(2025, 3, 1)),
            BTreeSet::from([school(1), school(2)])
        );
        // the day it left it was no longer in the group, as membership records an exit
        assert_eq!(schools_on(&s, d(2025, 7, 1)), BTreeSet::from([school(1)]));
        assert_eq!(schools_on(&s, d(2025, 9, 1)).len(), 2);
        assert!(schools_on(&s, d(2024, 8, 31)).is_empty());
    }

    #[test]
    fn g02_a_school_present_outside_its_stay_is_named() {
        let s = stays();
        let day = d(2025, 8, 1);
        let present = BTreeSet::from([school(1), school(2)]);
        assert!(matches!(
            check_present(&present, &schools_on(&s, day), day),
            Err(CouncilError::NotInGroupOn { school: x, on }) if x == school(2) && on == day
        ));
        assert!(check_present(&present, &schools_on(&s, d(2025, 9, 2)), day).is_ok());
    }

    #[test]
    fn g06_a_past_meeting_is_held_between_the_plaque_and_today() {
        let plaque = d(2024, 9, 1);
        let today = d(2026, 12, 7);
        assert!(check_day(plaque, plaque, today).is_ok());
        assert!(check_day(today, plaque, today).is_ok());
        assert!(matches!(
            check_day(d(2026, 12, 8), plaque, today),
            Err(CouncilError::NotYetHeld)
        ));
        assert!(matches!(
            check_day(d(2024, 8, 31), plaque, today),
            Err(CouncilError::BeforePlaque { .. })
        ));
    }
}
