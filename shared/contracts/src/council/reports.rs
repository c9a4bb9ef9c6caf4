//! The quarterly written report to the bureau (G-08) and the monthly cadence (G-06).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use edu_domain::{GroupId, Problem, RegionCode, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Decision, DecisionId, MajorMatter, MeetingId, MeetingKind, ReportId};

/// A calendar quarter, written `2026-Q1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Quarter {
    pub year: i32,
    /// 1..=4
    pub quarter: u8,
}

impl Quarter {
    pub fn new(year: i32, quarter: u8) -> Result<Self, Problem> {
        if (2000..=2100).contains(&year) && (1..=4).contains(&quarter) {
            Ok(Self { year, quarter })
        } else {
            Err(Self::invalid())
        }
    }

    fn invalid() -> Problem {
        Problem::validation(
            "period",
            "a quarter is written like 2026-Q1 (years 2000 to 2100)",
            "季度格式应为 2026-Q1(2000 至 2100 年)",
        )
    }

    pub fn containing(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            quarter: u8::try_from(day.month0() / 3 + 1).unwrap_or(1),
        }
    }

    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.quarter) * 3 - 2, 1)
    }

    pub fn last_day(self) -> Option<NaiveDate> {
        self.next()?.first_day()?.pred_opt()
    }

    pub fn next(self) -> Option<Self> {
        if self.quarter == 4 {
            Self::new(self.year + 1, 1).ok()
        } else {
            Self::new(self.year, self.quarter + 1).ok()
        }
    }

    /// As people write it: `2026年第一季度`.
    pub fn name_zh(self) -> String {
        let n = ["一", "二", "三", "四"]
            .get(usize::from(self.quarter).saturating_sub(1))
            .copied()
            .unwrap_or("一");
        format!("{}年第{n}季度", self.year)
    }

    /// G-08, §8.8: the report is due `days` after the quarter's last day.
    pub fn due_on(self, days: u16) -> Option<NaiveDate> {
        self.last_day()?
            .checked_add_days(Days::new(u64::from(days)))
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

impl FromStr for Quarter {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (year, q) = s.split_once("-Q").ok_or_else(Self::invalid)?;
        let year: i32 = year.parse().map_err(|_| Self::invalid())?;
        let q: u8 = q.parse().map_err(|_| Self::invalid())?;
        Self::new(year, q)
    }
}

impl TryFrom<String> for Quarter {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse().map_err(|p: Problem| p.message)
    }
}

impl From<Quarter> for String {
    fn from(q: Quarter) -> Self {
        q.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRef {
    pub group_id: GroupId,
    pub period: Quarter,
}

/// The report as the bureau receives it: the quarter's major decisions, each listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportSubmission {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// Set from the path by the lead-school API.
    #[serde(default = "Quarter::placeholder")]
    #[schema(ignore, value_type = String)]
    pub period: Quarter,
    /// 综述: the group's account of the quarter.
    #[schema(example = "本季度理事会召开会议3次,作出重大决策2项。")]
    pub summary: String,
    /// Every major decision of the quarter (G-08).
    pub decision_ids: Vec<DecisionId>,
}

impl Quarter {
    /// Stands in for a period the path gives (the lead-school API sets it).
    pub fn placeholder() -> Self {
        Self {
            year: 2000,
            quarter: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    /// The quarter has not ended.
    Open,
    /// Ended, not yet submitted, not yet due.
    Due,
    /// Past its due date and not submitted (visible to the bureau).
    Overdue,
    Submitted,
    /// Submitted after its due date.
    SubmittedLate,
}
edu_domain::spelled!(ReportState { Open => "open", Due => "due", Overdue => "overdue", Submitted => "submitted", SubmittedLate => "submitted_late" });

/// A quarter's written report (G-08): as submitted, or generated from the quarter's major
/// decisions while not yet submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuarterlyReport {
    pub id: Option<ReportId>,
    pub group_id: GroupId,
    pub group_name: String,
    /// `2026-Q1`
    #[schema(value_type = String, example = "2026-Q1")]
    pub period: Quarter,
    pub state: ReportState,
    pub due_on: NaiveDate,
    pub summary: Option<String>,
    /// The decisions the report lists (submitted), or should list (not yet submitted).
    pub decisions: Vec<Decision>,
    /// The member schools' major matters recorded in the quarter (G-09), oldest first, each
    /// with the decision it cites: what the council's decisions came to (added later).
    #[serde(default)]
    pub major_matters: Vec<MajorMatter>,
    /// Meetings held in the quarter, by kind.
    pub meetings_held: u32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub policy_version: i32,
}

/// A group's reports, or a region's overdue ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ReportQuery {
    Group {
        group_id: GroupId,
    },
    /// Overdue reports of the region's groups (for the bureau).
    RegionOverdue {
        region: RegionCode,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReportStatus {
    pub group_id: GroupId,
    pub group_name: String,
    /// `2026-Q1`
    #[schema(value_type = String, example = "2026-Q1")]
    pub period: Quarter,
    pub state: ReportState,
    pub due_on: NaiveDate,
    pub report_id: Option<ReportId>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CadenceQuery {
    pub group_id: GroupId,
    pub year: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonthState {
    /// At least one council meeting was held (G-06).
    Met,
    Missing,
    /// The month has not ended yet and no meeting was held so far.
    Pending,
    /// Before the group was established, or after it was dissolved.
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MonthCadence {
    /// 1..=12
    pub month: u32,
    pub state: MonthState,
    pub meeting_ids: Vec<MeetingId>,
}

/// A yearly meeting (G-15, V-06) and who of the member schools came (M2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct YearlyMeeting {
    pub kind: MeetingKind,
    pub held: bool,
    pub meeting_ids: Vec<MeetingId>,
    /// Active member schools with a seat present at one of these meetings.
    pub members_attended: Vec<SchoolId>,
    /// Active member schools absent from all of them (M2).
    pub members_absent: Vec<SchoolId>,
}

/// G-06 per month, G-15/V-06 per year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cadence {
    pub group_id: GroupId,
    pub year: i32,
    pub months: Vec<MonthCadence>,
    pub months_missing: Vec<u32>,
    pub yearly: Vec<YearlyMeeting>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn a_quarter_reads_as_people_write_it() {
        let q = Quarter::new(2026, 1).unwrap_or(Quarter::placeholder());
        assert_eq!(q.name_zh(), "2026年第一季度");
        let q = Quarter::new(2025, 4).unwrap_or(Quarter::placeholder());
        assert_eq!(q.name_zh(), "2025年第四季度");
    }

    #[test]
    fn quarters_parse_and_bound_their_days() {
        let q: Quarter = "2026-Q1".parse().unwrap_or(Quarter::placeholder());
        assert_eq!(
            q,
            Quarter {
                year: 2026,
                quarter: 1
            }
        );
        assert_eq!(q.first_day(), Some(d(2026, 1, 1)));
        assert_eq!(q.last_day(), Some(d(2026, 3, 31)));
        // G-08 / §8.8: due 15 days after the quarter.
        assert_eq!(q.due_on(15), Some(d(2026, 4, 15)));
        let q4 = Quarter::new(2025, 4).unwrap_or(Quarter::placeholder());
        assert_eq!(q4.last_day(), Some(d(2025, 12, 31)));
        assert_eq!(q4.due_on(15), Some(d(2026, 1, 15)));
        assert_eq!(Quarter::containing(d(2026, 8, 3)).to_string(), "2026-Q3");
        for bad in ["2026Q1", "2026-Q5", "2026-Q0", "x-Q1", "2026-Q", "1999-Q1"] {
            assert!(bad.parse::<Quarter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn quarter_is_a_string_in_json() -> Result<(), serde_json::Error> {
        let q = Quarter::new(2026, 2).unwrap_or(Quarter::placeholder());
        assert_eq!(serde_json::to_value(q)?, serde_json::json!("2026-Q2"));
        assert!(serde_json::from_str::<Quarter>("\"2026-Q9\"").is_err());
        Ok(())
    }
}
