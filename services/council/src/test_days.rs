//! Calendar days for the unit tests of every aggregate's rules.

use chrono::NaiveDate;

/// A day of the calendar; a mistyped date fails the test rather than becoming another day.
pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
