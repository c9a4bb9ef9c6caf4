//! The Chinese school calendar (DOMAIN.md §4): a school year (学年) runs September to
//! August; the autumn semester is September–January, the spring semester February–July
//! (August belongs to the summer break of the school year that started the September before).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A school year, named by the calendar year it starts in: `SchoolYear(2025)` is 2025–2026.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(transparent)]
pub struct SchoolYear(pub i32);

impl SchoolYear {
    pub fn containing(date: NaiveDate) -> Self {
        if date.month() >= 9 {
            Self(date.year())
        } else {
            Self(date.year() - 1)
        }
    }

    /// 1 September of the start year.
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0, 9, 1)
    }

    /// 31 August of the following year.
    pub fn last_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0 + 1, 8, 31)
    }

    /// As people write it: `2025—2026学年`.
    pub fn name_zh(self) -> String {
        format!("{}—{}学年", self.0, self.0 + 1)
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0, self.0 + 1)
    }
}

/// 学期.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Semester {
    /// 秋季学期, September–January.
    Autumn,
    /// 春季学期, February–July.
    Spring,
}

impl Semester {
    /// The semester a date falls in; `None` in the August summer break.
    pub fn containing(date: NaiveDate) -> Option<(SchoolYear, Self)> {
        let year = SchoolYear::containing(date);
        match date.month() {
            9..=12 | 1 => Some((year, Self::Autumn)),
            2..=7 => Some((year, Self::Spring)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_school_year_reads_as_people_write_it() {
        assert_eq!(SchoolYear(2025).name_zh(), "2025—2026学年");
    }

    #[test]
    fn school_year_turns_in_september() {
        assert_eq!(SchoolYear::containing(d(2025, 8, 31)), SchoolYear(2024));
        assert_eq!(SchoolYear::containing(d(2025, 9, 1)), SchoolYear(2025));
        assert_eq!(SchoolYear(2025).to_string(), "2025-2026");
        assert_eq!(SchoolYear(2025).last_day(), Some(d(2026, 8, 31)));
    }

    #[test]
    fn semesters_follow_the_school_calendar() {
        assert_eq!(
            Semester::containing(d(2026, 1, 20)),
            Some((SchoolYear(2025), Semester::Autumn))
        );
        assert_eq!(
            Semester::containing(d(2026, 3, 2)),
            Some((SchoolYear(2025), Semester::Spring))
        );
        assert_eq!(Semester::containing(d(2026, 8, 10)), None);
    }
}
