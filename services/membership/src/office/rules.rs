//! The office's rules, pure: who is in post after an appointment (G-10, G-11; invariant 11)
//! and when an appointment may end.

use chrono::NaiveDate;
use edu_contracts::office::{OfficeAppointmentId, OfficePost};
use edu_domain::Problem;

use crate::error::{APPOINTMENT_ENDED, MembershipError};

/// G-11: 副主任2名.
pub const MAX_DEPUTIES: usize = 2;

/// An appointment in post: its id, post and first day.
pub type InPost = (OfficeAppointmentId, OfficePost, NaiveDate);

/// G-10/G-11: appointing to `post` from `on`, with `in_post` the office's appointments that
/// have not ended. A new director takes over from the one in post, whose appointment ends
/// that day (answered here); a third deputy is refused.
pub fn appoint(
    post: OfficePost,
    on: NaiveDate,
    in_post: &[InPost],
) -> Result<Option<OfficeAppointmentId>, MembershipError> {
    match post {
        OfficePost::Director => {
            let Some(&(id, _, since)) = in_post.iter().find(|a| a.1 == OfficePost::Director) else {
                return Ok(None);
            };
            if on < since {
                return Err(Problem::validation(
                    "appointed_on",
                    &format!("the director in post took office on {since}: a successor starts on or after that day"),
                    &format!("现任主任自 {since} 起任职:继任者的任职日期不得早于该日"),
                )
                .rule("G-11")
                .into());
            }
            Ok(Some(id))
        }
        OfficePost::DeputyDirector => {
            let deputies = in_post
                .iter()
                .filter(|a| a.1 == OfficePost::DeputyDirector)
                .count();
            if deputies >= MAX_DEPUTIES {
                return Err(MembershipError::OfficeFull);
            }
            Ok(None)
        }
    }
}

/// An appointment (to the office or across schools) starts no earlier than the group does.
pub fn check_start(on: NaiveDate, plaque_date: NaiveDate) -> Result<(), MembershipError> {
    if on < plaque_date {
        return Err(Problem::validation(
            "appointed_on",
            &format!(
                "the group was founded on {plaque_date}: an appointment starts on or after that day"
            ),
            &format!("集团于 {plaque_date} 挂牌成立:任职日期不得早于该日"),
        )
        .into());
    }
    Ok(())
}

/// An appointment ends once, on or after its first day.
pub fn check_end(
    appointed_on: NaiveDate,
    ended: Option<NaiveDate>,
    on: NaiveDate,
) -> Result<(), MembershipError> {
    if ended.is_some() {
        return Err(MembershipError::AppointmentState(APPOINTMENT_ENDED));
    }
    if on < appointed_on {
        return Err(Problem::validation(
            "ended_on",
            &format!("the appointment began on {appointed_on}: it ends on or after that day"),
            &format!("该任职自 {appointed_on} 开始:结束日期不得早于该日"),
        )
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use edu_domain::ErrorCode;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("date")
    }

    fn code(e: MembershipError) -> ErrorCode {
        Problem::from(e).code
    }

    #[test]
    fn g11_a_new_director_takes_over_and_a_third_deputy_is_refused() {
        let director = OfficeAppointmentId::new();
        let office = [
            (director, OfficePost::Director, day(3, 1)),
            (
                OfficeAppointmentId::new(),
                OfficePost::DeputyDirector,
                day(3, 1),
            ),
        ];
        assert_eq!(
            appoint(OfficePost::Director, day(9, 1), &office).ok(),
            Some(Some(director))
        );
        assert_eq!(
            appoint(OfficePost::Director, day(1, 1), &[]).ok(),
            Some(None)
        );
        assert_eq!(
            appoint(OfficePost::DeputyDirector, day(9, 1), &office).ok(),
            Some(None)
        );
        let full = [
            office[0],
            office[1],
            (
                OfficeAppointmentId::new(),
                OfficePost::DeputyDirector,
                day(4, 1),
            ),
        ];
        let refused = appoint(OfficePost::DeputyDirector, day(9, 1), &full);
        assert_eq!(refused.map_err(code).err(), Some(ErrorCode::OfficeFull));
    }

    #[test]
    fn g11_a_successor_does_not_start_before_the_director_in_post() {
        let office = [(OfficeAppointmentId::new(), OfficePost::Director, day(3, 1))];
        let refused = appoint(OfficePost::Director, day(2, 28), &office);
        assert_eq!(
            refused.map_err(code).err(),
            Some(ErrorCode::ValidationFailed)
        );
    }

    #[test]
    fn appointments_start_with_the_group_and_end_once() {
        assert!(check_start(day(3, 1), day(3, 1)).is_ok());
        assert_eq!(
            check_start(day(2, 1), day(3, 1)).map_err(code).err(),
            Some(ErrorCode::ValidationFailed)
        );
        assert!(check_end(day(3, 1), None, day(3, 1)).is_ok());
        assert_eq!(
            check_end(day(3, 1), None, day(2, 1)).map_err(code).err(),
            Some(ErrorCode::ValidationFailed)
        );
        assert_eq!(
            check_end(day(3, 1), Some(day(4, 1)), day(5, 1))
                .map_err(code)
                .err(),
            Some(ErrorCode::AppointmentStateInvalid)
        );
    }
}
