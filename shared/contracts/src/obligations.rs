//! The obligation ledger (RULES.md §5a/§5b, G-06, G-08, G-15, V-06, M2, M5, E-05, E-06, E-08,
//! E-09), the evaluation facts the sanctions rest on and the per-school notification
//! feed. All of it is owned by the evaluation service, built from every service's events.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use edu_domain::{GroupId, Problem, SchoolId, SchoolYear, Semester};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

crate::operation!(Evaluation, GetLedger, "obligations.get", LedgerQuery => Ledger);
crate::operation!(Evaluation, GetStanding, "standing.get", StandingQuery => Standing);
crate::operation!(Evaluation, GetNotifications, "notifications.list", FeedQuery => Feed);

/// A ledger period: a month `2025-03`, a quarter `2025Q1`, a semester `2025-autumn`
/// (semesters are named by the calendar year they start in: `2026-spring` is Feb–Jul 2026)
/// or a school year `2025` (2025-09-01 to 2026-08-31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Month { year: i32, month: u32 },
    Quarter { year: i32, quarter: u32 },
    Semester { year: i32, semester: Semester },
    SchoolYear(SchoolYear),
}

fn invalid_period() -> Problem {
    Problem::validation(
        "period",
        "a period is a month (2025-03), a quarter (2025Q1), a semester (2025-autumn, 2026-spring) or a school year (2025), years 2000 to 2100",
        "期间格式:月份 2025-03、季度 2025Q1、学期 2025-autumn / 2026-spring 或学年 2025(2000 至 2100 年)",
    )
}

impl Period {
    /// The first and the last day of the period.
    pub fn days(self) -> Option<(NaiveDate, NaiveDate)> {
        let ymd = NaiveDate::from_ymd_opt;
        let month_end = |y: i32, m: u32| {
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            ymd(ny, nm, 1)?.pred_opt()
        };
        match self {
            Self::Month { year, month } => Some((ymd(year, month, 1)?, month_end(year, month)?)),
            Self::Quarter { year, quarter } => Some((
                ymd(year, quarter * 3 - 2, 1)?,
                month_end(year, quarter * 3)?,
            )),
            // DOMAIN.md §4: autumn Sep–Jan, spring Feb–Jul.
            Self::Semester {
                year,
                semester: Semester::Autumn,
            } => Some((ymd(year, 9, 1)?, month_end(year + 1, 1)?)),
            Self::Semester {
                year,
                semester: Semester::Spring,
            } => Some((ymd(year, 2, 1)?, month_end(year, 7)?)),
            Self::SchoolYear(y) => Some((y.first_day()?, y.last_day()?)),
        }
    }

    /// The school year a semester belongs to.
    pub fn semester_school_year(year: i32, semester: Semester) -> SchoolYear {
        match semester {
            Semester::Autumn => SchoolYear(year),
            Semester::Spring => SchoolYear(year - 1),
        }
    }

    /// The month of a date.
    pub fn month_of(day: NaiveDate) -> Self {
        Self::Month {
            year: day.year(),
            month: day.month(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Month { year, month } => write!(f, "{year}-{month:02}"),
            Self::Quarter { year, quarter } => write!(f, "{year}Q{quarter}"),
            Self::Semester { year, semester } => write!(f, "{year}-{}", semester_str(*semester)),
            Self::SchoolYear(y) => write!(f, "{}", y.0),
        }
    }
}

fn semester_str(s: Semester) -> &'static str {
    match s {
        Semester::Autumn => "autumn",
        Semester::Spring => "spring",
    }
}

impl FromStr for Period {
    type Err = Problem;

    fn from_str(s: &str) -> Result<Self, Problem> {
        let year = |y: &str| {
            (y.len() == 4)
                .then(|| y.parse::<i32>().ok())
                .flatten()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(invalid_period)
        };
        let period = if let Some((y, q)) = s.split_once('Q') {
            let quarter = (q.len() == 1)
                .then(|| q.parse::<u32>().ok())
                .flatten()
                .filter(|q| (1..=4).contains(q))
                .ok_or_else(invalid_period)?;
            Self::Quarter {
                year: year(y)?,
                quarter,
            }
        } else if let Some((y, rest)) = s.split_once('-') {
            let y = year(y)?;
            match rest {
                "autumn" => Self::Semester {
                    year: y,
                    semester: Semester::Autumn,
                },
                "spring" => Self::Semester {
                    year: y,
                    semester: Semester::Spring,
                },
                m if m.len() == 2 => {
                    let month = m
                        .parse::<u32>()
                        .ok()
                        .filter(|m| (1..=12).contains(m))
                        .ok_or_else(invalid_period)?;
                    Self::Month { year: y, month }
                }
                _ => return Err(invalid_period()),
            }
        } else {
            Self::SchoolYear(SchoolYear(year(s)?))
        };
        Ok(period)
    }
}

impl TryFrom<String> for Period {
    type Error = Problem;
    fn try_from(s: String) -> Result<Self, Problem> {
        s.parse()
    }
}

impl From<Period> for String {
    fn from(p: Period) -> Self {
        p.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerQuery {
    pub group_id: GroupId,
    pub period: Period,
    /// Only this school's obligations (and the group's, which concern every school).
    #[serde(default)]
    pub school_id: Option<SchoolId>,
    /// The day the statuses are computed for; default today.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// Where an obligation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    /// Satisfied: the records are linked.
    Met,
    /// Not satisfied and its period is over: it can no longer be made up.
    Missing,
    /// Not satisfied after its due date, and still owed (a late report is still a report).
    Overdue,
    /// Not (yet) satisfied; its due date has not passed.
    Upcoming,
}
edu_domain::spelled!(ObligationStatus { Met => "met", Missing => "missing", Overdue => "overdue", Upcoming => "upcoming" });

/// Who owes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Obligor {
    /// The group as a whole (its council, its lead school's office).
    Group,
    /// The lead school (龙头学校职责, §5a).
    Lead,
    /// A member school (成员学校职责, §5b).
    Member,
}

/// What a linked record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Meeting,
    Report,
    Training,
    Posting,
    Resource,
}

/// A record that satisfies (part of) an obligation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RecordLink {
    pub kind: RecordKind,
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The record in the lead-school API.
    pub href: String,
    pub on: NaiveDate,
}

/// One obligation of one party for one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Obligation {
    /// Stable key, e.g. `G-06/2025-03` or `M5/2025-autumn/<school>`; warnings cite it.
    pub key: String,
    /// The RULES.md rule.
    pub rule: String,
    pub title: String,
    pub title_zh: String,
    pub obligor: Obligor,
    /// The school that owes it (the lead or a member); none for the group.
    pub school_id: Option<SchoolId>,
    pub due_on: NaiveDate,
    pub status: ObligationStatus,
    /// How many records the policy asks for, and how many there are.
    pub required: u32,
    pub counted: u32,
    /// A warning KPI (E-08, §8.10): reported, never blocking.
    pub kpi: bool,
    pub records: Vec<RecordLink>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LedgerSummary {
    pub met: u32,
    pub missing: u32,
    pub overdue: u32,
    pub upcoming: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Ledger {
    pub group_id: GroupId,
    #[schema(value_type = String, example = "2025-03")]
    pub period: Period,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: NaiveDate,
    /// The region policy version the obligations were counted under.
    pub policy_version: i32,
    pub summary: LedgerSummary,
    pub obligations: Vec<Obligation>,
}

/// Does the latest completed evaluation fail the group (or one of its schools)?
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandingQuery {
    pub group_id: GroupId,
    #[serde(default)]
    pub school_id: Option<SchoolId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Standing {
    /// The latest completed evaluation fails it.
    pub failing: bool,
    /// That evaluation, when there is one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub evaluation_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedQuery {
    pub school_id: SchoolId,
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An obligation of the school (or its group) is due within the policy's window.
    DueSoon,
    /// An obligation is overdue or was missed.
    Overdue,
    /// Something changed that concerns the school (a warning, a persuade-out, an exit, a
    /// policy change, a report or meeting recorded).
    Changed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub kind: NotificationKind,
    pub rule: Option<String>,
    pub title: String,
    pub title_zh: String,
    /// The obligation's key, for due and overdue items.
    pub obligation_key: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub at: DateTime<Utc>,
}

/// A school's feed: due and overdue obligations first, then the last changes, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Feed {
    pub school_id: SchoolId,
    pub group_id: Option<GroupId>,
    pub as_of: NaiveDate,
    pub items: Vec<Notification>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_print_as_the_api_writes_them() -> Result<(), Problem> {
        for text in ["2025-03", "2025Q1", "2025-autumn", "2026-spring", "2025"] {
            assert_eq!(text.parse::<Period>()?.to_string(), text);
        }
        for bad in [
            "2025-13",
            "2025Q5",
            "2025-winter",
            "25",
            "2025Q",
            "abc",
            "2025-3",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn period_days_follow_the_school_calendar() -> Result<(), Problem> {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        let days = |s: &str| s.parse::<Period>().map(Period::days);
        assert_eq!(days("2025-02")?, d(2025, 2, 1).zip(d(2025, 2, 28)));
        assert_eq!(days("2025Q4")?, d(2025, 10, 1).zip(d(2025, 12, 31)));
        assert_eq!(days("2025-autumn")?, d(2025, 9, 1).zip(d(2026, 1, 31)));
        assert_eq!(days("2026-spring")?, d(2026, 2, 1).zip(d(2026, 7, 31)));
        assert_eq!(days("2025")?, d(2025, 9, 1).zip(d(2026, 8, 31)));
        Ok(())
    }
}
