//! Meetings as pure functions: what a meeting to schedule must say, the quorum (a majority of
//! seats and every school represented, by default), the `meeting.held` fact, the state of a
//! month of the cadence (G-06), and the bounds of long free text.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use edu_contracts::council::{AgendaItem, MeetingId, MeetingKind, MonthState, NewMeeting, Quorum};
use edu_contracts::events::MeetingHeld;
use edu_domain::{GroupId, Policy, Problem, SchoolId, text};

/// How long a meeting with a start time and no duration lasts, in minutes.
const DEFAULT_DURATION_MINUTES: i32 = 120;

/// A meeting to schedule as checked: its texts trimmed and bounded, its duration settled.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedMeeting {
    pub title: String,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub duration_minutes: Option<i32>,
    /// In order, each with its texts checked.
    pub agenda: Vec<AgendaItem>,
}

/// Checks what a meeting to schedule says by itself: a title, a place or an online link, a
/// day the calendar covers, 15 to 720 minutes (120 when only a start time is given), and an
/// agenda of at most 50 items each linking at most 20 documents.
pub fn check_new_meeting(body: &NewMeeting) -> Result<PlannedMeeting, Problem> {
    let title = text::required("title", &body.title, 100)?;
    let place = body
        .place
        .as_deref()
        .map(|p| text::optional("place", p, 200))
        .transpose()?
        .flatten();
    let link = body
        .online_link
        .as_deref()
        .map(|p| text::optional("online_link", p, 500))
        .transpose()?
        .flatten();
    if place.is_none() && link.is_none() {
        return Err(Problem::validation(
            "place",
            "a meeting has a place or an online link",
            "会议须有地点或线上会议链接",
        ));
    }
    if !(2000..=2100).contains(&body.held_on.year()) {
        return Err(Problem::validation(
            "held_on",
            "the meeting day is out of range",
            "会议日期超出范围",
        ));
    }
    let duration = match (body.start_time, body.duration_minutes) {
        (_, Some(d)) if !(15..=720).contains(&d) => {
            return Err(Problem::validation(
                "duration_minutes",
                "a meeting lasts 15 to 720 minutes",
                "会议时长须在 15 到 720 分钟之间",
            ));
        }
        (_, Some(d)) => Some(i32::from(d)),
        (Some(_), None) => Some(DEFAULT_DURATION_MINUTES),
        (None, None) => None,
    };
    if body.agenda.len() > 50 {
        return Err(Problem::validation(
            "agenda",
            "an agenda has at most 50 items",
            "议程不超过 50 项",
        ));
    }
    let mut agenda = Vec::with_capacity(body.agenda.len());
    for item in &body.agenda {
        if item.documents.len() > 20 {
            return Err(Problem::validation(
                "agenda.documents",
                "an agenda item links at most 20 documents",
                "每个议程项最多关联 20 份文件",
            ));
        }
        let documents = item
            .documents
            .iter()
            .map(|d| text::required("agenda.documents", d, 500))
            .collect::<Result<Vec<_>, _>>()?;
        agenda.push(AgendaItem {
            title: text::required("agenda.title", &item.title, 200)?,
            owner: text::required("agenda.owner", &item.owner, 50)?,
            documents,
        });
    }
    Ok(PlannedMeeting {
        title,
        place,
        online_link: link,
        duration_minutes: duration,
        agenda,
    })
}

/// The quorum of a meeting from its seats `(school, present)`: more than the policy's
/// percentage of seats present (default: a majority) and, by default, every school of the
/// meeting's seats represented.
pub fn quorum(seats: &[(SchoolId, bool)], policy: &Policy) -> Quorum {
    let total = u32::try_from(seats.len()).unwrap_or(u32::MAX);
    let present = u32::try_from(seats.iter().filter(|(_, p)| *p).count()).unwrap_or(u32::MAX);
    let needed = total * u32::from(policy.council_quorum_over_pct) / 100 + 1;
    let schools: BTreeSet<SchoolId> = seats.iter().map(|(s, _)| *s).collect();
    let represented: BTreeSet<SchoolId> =
        seats.iter().filter(|(_, p)| *p).map(|(s, _)| *s).collect();
    let schools_absent: Vec<SchoolId> = if policy.council_quorum_every_school {
        schools.difference(&represented).copied().collect()
    } else {
        Vec::new()
    };
    Quorum {
        seats: total,
        present,
        needed,
        met: total > 0 && present >= needed && schools_absent.is_empty(),
        schools_absent,
    }
}

/// The `meeting.held` fact of a meeting from its seats `(school, present)`: its quorum under
/// the policy in force on its day, and the schools with a seat present (M2).
pub fn meeting_held(
    meeting_id: MeetingId,
    group_id: GroupId,
    kind: MeetingKind,
    held_on: NaiveDate,
    seats: &[(SchoolId, bool)],
    policy: &Policy,
) -> MeetingHeld {
    let q = quorum(seats, policy);
    let schools_present: BTreeSet<SchoolId> =
        seats.iter().filter(|(_, p)| *p).map(|(s, _)| *s).collect();
    MeetingHeld {
        meeting_id,
        group_id,
        kind,
        held_on,
        seats: q.seats,
        present: q.present,
        schools_present: schools_present.into_iter().collect(),
        quorum_met: q.met,
    }
}

/// G-06: the state of a month of `year`, given the days council meetings were held in it.
pub fn month_state(
    year: i32,
    month: u32,
    meetings_held: usize,
    established: NaiveDate,
    frozen_on: Option<NaiveDate>,
    today: NaiveDate,
) -> MonthState {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let last = first
        .and_then(|f| f.checked_add_months(chrono::Months::new(1)))
        .and_then(|n| n.pred_opt());
    let (Some(first), Some(last)) = (first, last) else {
        return MonthState::NotApplicable;
    };
    if meetings_held > 0 {
        return MonthState::Met;
    }
    let est_month = (established.year(), established.month());
    if (year, month) < est_month || frozen_on.is_some_and(|f| first > f) {
        return MonthState::NotApplicable;
    }
    if today <= last {
        MonthState::Pending
    } else {
        MonthState::Missing
    }
}

/// The first and last day of `year`, one the council's calendar covers (2000 to 2100).
pub fn year_days(year: i32) -> Result<(NaiveDate, NaiveDate), Problem> {
    let out_of_range = || Problem::validation("year", "year is out of range", "年份超出范围");
    if !(2000..=2100).contains(&year) {
        return Err(out_of_range());
    }
    let first = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(out_of_range)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(out_of_range)?;
    Ok((first, last))
}

/// Long free text (minutes, report summaries): 1..=20000 characters.
pub fn minutes_text(field: &str, raw: &str) -> std::result::Result<String, Problem> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > 20_000 {
        return Err(Problem::validation(
            field,
            &format!("{field} has 1 to 20000 characters"),
            &format!("{field} 须为 1 到 20000 个字符"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Problem::validation(
            field,
            &format!("{field} must not contain control characters"),
            &format!("{field} 不能包含控制字符"),
        ));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_days::d;
    use uuid::Uuid;

    #[test]
    fn quorum_needs_a_majority_and_every_school() {
        let p = Policy::default();
        let (lead, m1, m2) = (
            SchoolId(Uuid::from_u128(1)),
            SchoolId(Uuid::from_u128(2)),
            SchoolId(Uuid::from_u128(3)),
        );
        // chair + secretary-general of the lead present, both vice-chairs absent
        let only_lead = [(lead, true), (lead, true), (m1, false), (m2, false)];
        let q = quorum(&only_lead, &p);
        assert!(!q.met);
        assert_eq!((q.seats, q.present, q.needed), (4, 2, 3));
        assert_eq!(q.schools_absent, vec![m1, m2]);
        // a majority, but one school missing
        let q = quorum(&[(lead, true), (lead, true), (m1, true), (m2, false)], &p);
        assert!(!q.met);
        // everyone
        let q = quorum(&[(lead, true), (lead, false), (m1, true), (m2, true)], &p);
        assert!(q.met);
        // a policy without the constituency rule counts seats only
        let loose = Policy {
            council_quorum_every_school: false,
            ..Policy::default()
        };
        assert!(
            quorum(
                &[(lead, true), (lead, true), (m1, true), (m2, false)],
                &loose
            )
            .met
        );
        assert!(!quorum(&[], &p).met);
    }

    fn new_meeting() -> NewMeeting {
        NewMeeting {
            group_id: GroupId(Uuid::from_u128(1)),
            kind: MeetingKind::Council,
            title: " 2026年3月理事会议 ".into(),
            held_on: d(2026, 3, 10),
            start_time: None,
            duration_minutes: None,
            place: Some("一中会议室".into()),
            online_link: None,
            agenda: vec![AgendaItem {
                title: "审议教师交流方案".into(),
                owner: "集团办公室".into(),
                documents: vec!["https://example.org/plan.pdf".into()],
            }],
        }
    }

    #[test]
    fn g06_a_meeting_has_a_place_or_link_a_day_and_a_bounded_agenda() {
        let planned = check_new_meeting(&new_meeting()).unwrap();
        assert_eq!(planned.title, "2026年3月理事会议");
        assert_eq!(planned.duration_minutes, None);
        assert_eq!(planned.agenda.len(), 1);
        let field =
            |body: &NewMeeting| check_new_meeting(body).unwrap_err().details["field"].clone();
        let mut nowhere = new_meeting();
        nowhere.place = Some("  ".into());
        assert_eq!(field(&nowhere), "place");
        nowhere.online_link = Some("https://meet.example.org/1".into());
        assert!(check_new_meeting(&nowhere).is_ok());
        let mut far = new_meeting();
        far.held_on = d(2101, 1, 1);
        assert_eq!(field(&far), "held_on");
        let mut long = new_meeting();
        long.agenda = vec![long.agenda[0].clone(); 51];
        assert_eq!(field(&long), "agenda");
        let mut papers = new_meeting();
        papers.agenda[0].documents = vec!["x".into(); 21];
        assert_eq!(field(&papers), "agenda.documents");
    }

    #[test]
    fn a_meeting_with_a_start_time_lasts_120_minutes_unless_told() {
        let mut timed = new_meeting();
        timed.start_time = chrono::NaiveTime::from_hms_opt(14, 30, 0);
        assert_eq!(
            check_new_meeting(&timed).unwrap().duration_minutes,
            Some(120)
        );
        timed.duration_minutes = Some(90);
        assert_eq!(
            check_new_meeting(&timed).unwrap().duration_minutes,
            Some(90)
        );
        timed.duration_minutes = Some(14);
        assert!(check_new_meeting(&timed).is_err());
        timed.duration_minutes = Some(721);
        assert!(check_new_meeting(&timed).is_err());
    }

    #[test]
    fn g06_a_year_spans_its_days_within_the_calendar() {
        assert_eq!(year_days(2026).unwrap(), (d(2026, 1, 1), d(2026, 12, 31)));
        assert_eq!(year_days(1999).unwrap_err().details["field"], "year");
        assert!(year_days(2101).is_err());
    }

    #[test]
    fn g06_months_met_missing_pending() {
        let est = d(2025, 9, 1);
        let today = d(2026, 3, 10);
        assert_eq!(month_state(2026, 1, 1, est, None, today), MonthState::Met);
        assert_eq!(
            month_state(2026, 2, 0, est, None, today),
            MonthState::Missing
        );
        assert_eq!(
            month_state(2026, 3, 0, est, None, today),
            MonthState::Pending
        );
        assert_eq!(
            month_state(2025, 8, 0, est, None, today),
            MonthState::NotApplicable
        );
        assert_eq!(
            month_state(2026, 2, 0, est, Some(d(2026, 1, 20)), today),
            MonthState::NotApplicable
        );
    }
}
