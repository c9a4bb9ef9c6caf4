//! iCalendar (RFC 5545) for office calendars: a group's postings as all-day events, its
//! council meetings as timed or all-day events. The `icalendar` crate writes the content
//! lines (TEXT escaping, folding at 75 octets on character boundaries, CRLF); this module
//! says which events there are and what they carry.

use chrono::{DateTime, Days, TimeDelta, Utc};
use edu_contracts::council::Meeting;
use edu_contracts::rotation::Posting;
use edu_domain::PostingStatus;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};

/// Text as a TEXT value can carry it (RFC 5545 §3.3.11): a line break of any kind becomes
/// one LF, which the crate writes as `\n`; other control characters, which TEXT does not
/// allow, are dropped. The crate escapes backslash, `;`, `,` and LF but passes CR and the
/// other controls through, and a bare CR would end the content line early.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn status_zh(status: PostingStatus) -> &'static str {
    match status {
        PostingStatus::Proposed => "待确认",
        PostingStatus::Confirmed => "已确认",
        PostingStatus::Cancelled => "已取消",
        PostingStatus::EndedEarly => "已提前结束",
    }
}

/// One VEVENT for a posting: all day from its start through the last day served.
fn posting_event(p: &Posting, now: DateTime<Utc>) -> Event {
    let last_day = p.ended_on.unwrap_or(p.end);
    // DTEND of an all-day event is exclusive
    let end = last_day.checked_add_days(Days::new(1)).unwrap_or(last_day);
    let summary = format!("{} {} · {}", p.kind.name_zh(), p.teacher_name, p.host_post);
    let description = format!(
        "状态 status: {} ({})\n派出学校 from_school_id: {}\n接收学校 to_school_id: {}",
        status_zh(p.status),
        p.status.as_str(),
        p.from_school_id,
        p.to_school_id,
    );
    let status = match p.status {
        PostingStatus::Proposed => EventStatus::Tentative,
        _ => EventStatus::Confirmed,
    };
    Event::new()
        .uid(&format!("{}@edugroup", p.id))
        .timestamp(now)
        .starts(p.start)
        .ends(end)
        .summary(&text(&summary))
        .description(&text(&description))
        .status(status)
        .done()
}

/// A calendar named `name` with one all-day event per posting; cancelled postings are left
/// out, proposed ones are tentative. `now` stamps the events (DTSTAMP, UTC).
pub fn postings_calendar(name: &str, postings: &[Posting], now: DateTime<Utc>) -> String {
    let events = postings
        .iter()
        .filter(|p| p.status != PostingStatus::Cancelled)
        .map(|p| posting_event(p, now));
    calendar("postings", name, events)
}

/// A VCALENDAR of one product (`-//edugroup//<product>//ZH`) named `name`, with `events`.
fn calendar(product: &str, name: &str, events: impl IntoIterator<Item = Event>) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new(
            "PRODID",
            format!("-//edugroup//{product}//ZH"),
        ))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("X-WR-CALNAME", text(name)))
        .extend(events);
    within_line_limit(calendar.to_string())
}

/// Longest physical line, in octets, without its CRLF (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;

/// The crate folds every long content line on character boundaries, but it lets the last
/// continuation of a folded line reach 76 octets: its leading space is not counted there.
/// That piece is split once more, at the last character boundary within 75 octets; the
/// overflow is a character at most, so the new continuation line is short.
fn within_line_limit(written: String) -> String {
    if written.split("\r\n").all(|l| l.len() <= MAX_LINE_OCTETS) {
        return written;
    }
    let mut out = String::with_capacity(written.len() + 16);
    for line in written.split_inclusive("\r\n") {
        let content = line.strip_suffix("\r\n").unwrap_or(line);
        if content.len() > MAX_LINE_OCTETS {
            let cut = content.floor_char_boundary(MAX_LINE_OCTETS);
            out.push_str(&content[..cut]);
            out.push_str("\r\n ");
            out.push_str(&content[cut..]);
            out.push_str("\r\n");
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Beijing time (UTC+8, no daylight saving): a meeting's local start as UTC.
const BEIJING_OFFSET_HOURS: i64 = 8;

/// One VEVENT for a meeting: timed (in UTC, from its Beijing start and duration) when it
/// has a start time, all day otherwise; the agenda goes into the description.
fn meeting_event(m: &Meeting, now: DateTime<Utc>) -> Event {
    let mut event = Event::new();
    event
        .uid(&format!("meeting-{}@edugroup", m.id))
        .timestamp(now);
    match m.start_time {
        Some(time) => {
            let start = m.held_on.and_time(time) - TimeDelta::hours(BEIJING_OFFSET_HOURS);
            let minutes = i64::from(m.duration_minutes.unwrap_or(120));
            let end = start + TimeDelta::minutes(minutes);
            event.starts(start.and_utc()).ends(end.and_utc());
        }
        None => {
            let end = m
                .held_on
                .checked_add_days(Days::new(1))
                .unwrap_or(m.held_on);
            event.starts(m.held_on).ends(end);
        }
    }
    let summary = format!("{} · {}", m.kind.name_zh(), m.title);
    let mut description = format!("类型 kind: {}", m.kind.as_str());
    for (i, item) in m.agenda.iter().enumerate() {
        description.push_str(&format!("\n{}. {}({})", i + 1, item.title, item.owner));
    }
    event
        .summary(&text(&summary))
        .description(&text(&description));
    if let Some(place) = m.place.as_deref().or(m.online_link.as_deref()) {
        event.location(&text(place));
    }
    if let Some(link) = &m.online_link {
        event.url(link);
    }
    event.status(EventStatus::Confirmed).done()
}

/// A calendar named `name` with one event per meeting.
pub fn meetings_calendar(name: &str, meetings: &[Meeting], now: DateTime<Utc>) -> String {
    let events = meetings.iter().map(|m| meeting_event(m, now));
    calendar("council", name, events)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use edu_contracts::rotation::PostingPhase;
    use edu_domain::{
        BackboneLevel, GroupId, PostingId, PostingKind, SchoolId, SchoolYear, TeacherId,
    };

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn posting(status: PostingStatus, ended_on: Option<NaiveDate>) -> Posting {
        let school = SchoolId::new();
        Posting {
            id: PostingId::new(),
            group_id: GroupId::new(),
            teacher_id: TeacherId::new(),
            teacher_name: "王芳".into(),
            backbone: BackboneLevel::County,
            from_school_id: school,
            to_school_id: SchoolId::new(),
            kind: PostingKind::Secondment,
            host_post: "初二数学".into(),
            start: d(2025, 9, 1),
            end: d(2026, 1, 31),
            school_year: SchoolYear(2025),
            status,
            phase: PostingPhase::Completed,
            payroll_unit_id: school,
            identity_unchanged: true,
            confirmed_at: None,
            ended_on,
            closing_reason: None,
            created_at: Utc::now(),
            consent: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 8, 30, 0).unwrap()
    }

    /// Physical lines of a rendered calendar, each checked to end with CRLF.
    fn physical_lines(text: &str) -> Vec<&str> {
        assert!(text.ends_with("\r\n"), "{text:?}");
        let body = &text[..text.len() - 2];
        let lines: Vec<&str> = body.split("\r\n").collect();
        for line in &lines {
            assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
            assert!(
                line.len() <= MAX_LINE_OCTETS,
                "{} octets: {line:?}",
                line.len()
            );
        }
        lines
    }

    /// The physical lines of the one content line that starts with `name:`, as written.
    fn folded<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
        let lines = physical_lines(text);
        let start = lines
            .iter()
            .position(|l| l.starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {text}"));
        let rest = lines[start + 1..].iter().take_while(|l| l.starts_with(' '));
        std::iter::once(lines[start]).chain(rest.copied()).collect()
    }

    /// Undoes folding (RFC 5545 §3.1): a CRLF followed by a space disappears.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    /// The calendar's name as written in its X-WR-CALNAME value.
    fn written_name(name: &str) -> String {
        let text = unfold(&postings_calendar(name, &[], now()));
        text.split("\r\n")
            .find_map(|l| l.strip_prefix("X-WR-CALNAME:"))
            .unwrap_or_else(|| panic!("no name in {text:?}"))
            .to_owned()
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(written_name(r"a\b"), r"a\\b");
        assert_eq!(written_name("初二;数学,语文"), r"初二\;数学\,语文");
        assert_eq!(written_name("一\n二\r\n三\r四"), r"一\n二\n三\n四");
        assert_eq!(written_name("时间: 上午\u{7}"), "时间: 上午");
        assert_eq!(written_name("\\,;\n"), r"\\\,\;\n");
    }

    #[test]
    fn short_lines_are_not_folded() {
        let text = postings_calendar("一中", &[], now());
        assert!(text.contains("\r\nVERSION:2.0\r\n"), "{text}");
        // "X-WR-CALNAME:" is 13 octets: 62 more make a line of exactly 75
        let exact = "X".repeat(MAX_LINE_OCTETS - 13);
        let text = postings_calendar(&exact, &[], now());
        assert_eq!(
            folded(&text, "X-WR-CALNAME"),
            [format!("X-WR-CALNAME:{exact}")]
        );
    }

    #[test]
    fn long_ascii_lines_fold_at_75_octets() {
        let name = "a".repeat(200);
        let text = postings_calendar(&name, &[], now());
        let lines = folded(&text, "X-WR-CALNAME");
        assert_eq!(lines[0].len(), 75);
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(lines[1].len(), 75);
        assert!(unfold(&text).contains(&format!("\r\nX-WR-CALNAME:{name}\r\n")));
    }

    #[test]
    fn no_physical_line_is_longer_than_75_octets_whatever_the_length() {
        for n in 0..400 {
            for unit in ["a", "数", "a 数"] {
                let name = unit.repeat(n);
                let text = postings_calendar(&name, &[], now());
                physical_lines(&text);
                assert!(
                    unfold(&text).contains(&format!("\r\nX-WR-CALNAME:{name}\r\n")),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn a_long_chinese_summary_folds_on_a_char_boundary() {
        // "SUMMARY:挂职 王芳 · " is 25 octets and each Chinese character 3 more: 16 characters
        // end at octet 73, the 17th would end at 76, so the first line stops at 73 octets
        // rather than split the character
        let mut p = posting(PostingStatus::Confirmed, None);
        p.host_post = "初二数学教研组长兼年级主任".repeat(4);
        let summary = format!("挂职 王芳 · {}", p.host_post);
        let text = postings_calendar("一中", &[p], now());
        let lines = folded(&text, "SUMMARY");
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines[0].len(), 73, "{:?}", lines[0]);
        assert!(lines[0].ends_with("兼年级主任初二数"), "{:?}", lines[0]);
        for l in &lines[1..] {
            assert!(l.starts_with(' '), "{l:?}");
        }
        // a full continuation holds whole characters only: " " + 24 × 3 octets = 73
        for l in &lines[1..lines.len() - 1] {
            assert_eq!(l.len(), 73, "{l:?}");
        }
        // the content comes back unchanged when unfolded
        assert!(unfold(&text).contains(&format!("\r\nSUMMARY:{summary}\r\n")));
    }

    #[test]
    fn a_calendar_has_one_event_per_posting_not_cancelled() {
        let now = now();
        let confirmed = posting(PostingStatus::Confirmed, None);
        let proposed = posting(PostingStatus::Proposed, None);
        let cancelled = posting(PostingStatus::Cancelled, None);
        let ended = posting(PostingStatus::EndedEarly, Some(d(2025, 12, 31)));
        let all = [
            confirmed.clone(),
            proposed,
            cancelled.clone(),
            ended.clone(),
        ];
        let text = postings_calendar("一中教育集团 交流轮岗, 2025", &all, now);
        physical_lines(&text);
        let text = unfold(&text);
        assert!(
            text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
            "{text}"
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
        assert!(text.contains("PRODID:-//edugroup//postings//ZH\r\n"));
        assert!(text.contains("X-WR-CALNAME:一中教育集团 交流轮岗\\, 2025\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT\r\n").count(), 3, "{text}");
        assert!(!text.contains(&cancelled.id.to_string()), "{text}");
        assert!(text.contains(&format!("UID:{}@edugroup\r\n", confirmed.id)));
        assert!(text.contains("DTSTAMP:20261124T083000Z\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20250901\r\n"));
        // planned end 2026-01-31 → exclusive 2026-02-01; ended early on 2025-12-31 → 2026-01-01
        assert!(text.contains("DTEND;VALUE=DATE:20260201\r\n"));
        assert!(text.contains("DTEND;VALUE=DATE:20260101\r\n"));
        assert!(text.contains("SUMMARY:挂职 王芳 · 初二数学\r\n"));
        assert_eq!(text.matches("STATUS:CONFIRMED\r\n").count(), 2);
        assert_eq!(text.matches("STATUS:TENTATIVE\r\n").count(), 1);
        assert!(text.contains(&format!(
            "\\n派出学校 from_school_id: {}\\n",
            ended.from_school_id
        )));
    }

    #[test]
    fn meetings_are_timed_in_utc_from_beijing_time_or_all_day() {
        use edu_contracts::council::{AgendaItem, MeetingId, MeetingKind};
        let now = now();
        let meeting = |start: Option<chrono::NaiveTime>| Meeting {
            id: MeetingId::new(),
            group_id: GroupId::new(),
            kind: MeetingKind::Council,
            title: "3月理事会议".into(),
            held_on: d(2026, 3, 12),
            start_time: start,
            duration_minutes: Some(90),
            place: Some("一中会议室, 三楼".into()),
            online_link: None,
            agenda: vec![AgendaItem {
                title: "审议交流方案".into(),
                owner: "李主任".into(),
                documents: Vec::new(),
            }],
            held: false,
            attendance: Vec::new(),
            quorum: None,
            motions: Vec::new(),
            minutes: None,
            policy_version: 0,
            created_at: now,
        };
        let timed = meeting(chrono::NaiveTime::from_hms_opt(14, 30, 0));
        let all_day = meeting(None);
        let text = meetings_calendar("一中教育集团 理事会", &[timed.clone(), all_day], now);
        physical_lines(&text);
        let text = unfold(&text);
        assert!(text.contains("PRODID:-//edugroup//council//ZH\r\n"));
        assert_eq!(text.matches("BEGIN:VEVENT\r\n").count(), 2);
        assert!(text.contains(&format!("UID:meeting-{}@edugroup\r\n", timed.id)));
        // 14:30 Beijing is 06:30 UTC; 90 minutes later
        assert!(text.contains("DTSTART:20260312T063000Z\r\n"), "{text}");
        assert!(text.contains("DTEND:20260312T080000Z\r\n"), "{text}");
        // the all-day event has both dates; the order of an event's properties carries no
        // meaning (RFC 5545 §3.6), so they need not be adjacent
        let all_day = text
            .split("BEGIN:VEVENT\r\n")
            .find(|e| e.contains("DTSTART;VALUE=DATE:"))
            .unwrap_or_else(|| panic!("no all-day event: {text}"));
        assert!(
            all_day.contains("DTSTART;VALUE=DATE:20260312\r\n"),
            "{all_day}"
        );
        assert!(
            all_day.contains("DTEND;VALUE=DATE:20260313\r\n"),
            "{all_day}"
        );
        assert!(text.contains("SUMMARY:理事会议 · 3月理事会议\r\n"));
        assert!(
            text.contains("DESCRIPTION:类型 kind: council\\n1. 审议交流方案(李主任)\r\n"),
            "{text}"
        );
        assert!(text.contains("LOCATION:一中会议室\\, 三楼\r\n"));
    }
}
