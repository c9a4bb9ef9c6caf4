//! The quarterly report as pure functions (G-08): where a quarter's report stands, and the
//! quarters a group reports on.

use chrono::NaiveDate;
use edu_contracts::council::{Quarter, ReportState};
use edu_domain::Problem;

/// G-08, §8.8: the day a quarter's report is due, `days` after the quarter's last day. A
/// quarter whose due day the council's calendar (years 2000 to 2100) cannot hold is refused
/// rather than given another day.
pub fn due_on(q: Quarter, days: u16) -> Result<NaiveDate, Problem> {
    q.due_on(days).ok_or_else(|| {
        Problem::validation(
            "period",
            &format!("the report of {q} falls due outside the calendar (years 2000 to 2100)"),
            &format!("{q} 的书面汇报截止日期超出日历范围(2000 至 2100 年)"),
        )
    })
}

/// G-08: where a quarter's report stands on `today`.
pub fn report_state(
    q: Quarter,
    submitted_late: Option<bool>,
    today: NaiveDate,
    due_on: NaiveDate,
) -> ReportState {
    match submitted_late {
        Some(true) => ReportState::SubmittedLate,
        Some(false) => ReportState::Submitted,
        None if q.last_day().is_none_or(|last| today <= last) => ReportState::Open,
        None if today > due_on => ReportState::Overdue,
        None => ReportState::Due,
    }
}

/// The quarters a group reports on, from the one it was established in to the one
/// containing `today`.
pub fn quarters(since: NaiveDate, today: NaiveDate) -> Vec<Quarter> {
    let mut out = Vec::new();
    let last = Quarter::containing(today);
    let mut q = Some(Quarter::containing(since));
    while let Some(cur) = q.filter(|c| *c <= last) {
        out.push(cur);
        q = cur.next();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_days::d;

    #[test]
    fn g08_report_states() {
        let q1 = Quarter::new(2026, 1).unwrap();
        let due = d(2026, 4, 15);
        assert_eq!(
            report_state(q1, None, d(2026, 3, 31), due),
            ReportState::Open
        );
        assert_eq!(
            report_state(q1, None, d(2026, 4, 15), due),
            ReportState::Due
        );
        assert_eq!(
            report_state(q1, None, d(2026, 4, 16), due),
            ReportState::Overdue
        );
        assert_eq!(
            report_state(q1, Some(false), d(2026, 4, 16), due),
            ReportState::Submitted
        );
        assert_eq!(
            report_state(q1, Some(true), d(2026, 4, 16), due),
            ReportState::SubmittedLate
        );
        assert_eq!(due_on(q1, 15).unwrap(), due);
        let q4_2100 = Quarter::new(2100, 4).unwrap();
        assert_eq!(due_on(q4_2100, 15).unwrap_err().details["field"], "period");
        let qs = quarters(d(2025, 9, 1), d(2026, 4, 2));
        let names: Vec<String> = qs.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]);
    }
}
