//! iCalendar (RFC 5545) for office calendars: a group's postings as all-day events, its
//! council meetings as timed or all-day events. Written by hand: a handful of properties,
//! escaped and folded as the RFC says.

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};
use edu_contracts::council::Meeting;
use edu_contracts::rotation::Posting;
use edu_domain::PostingStatus;

/// Longest physical line, in octets, without its CRLF (RFC 5545 §3.1).
const MAX_LINE_OCTETS: usize = 75;

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma get a backslash,
/// a line break becomes `\n`; other control characters (not allowed in TEXT) are dropped.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded (RFC 5545 §3.1): no physical line exceeds 75 octets,
/// a continuation starts with a space, and no UTF-8 character is split. Ends with CRLF.
pub fn push_folded(out: &mut String, line: &str) {
    let mut rest = line;
    let mut room = MAX_LINE_OCTETS;
    while rest.len() > room {
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // the leading space of a continuation line counts
        room = MAX_LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
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
fn push_event(out: &mut String, p: &Posting, stamp: &str) {
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
        PostingStatus::Proposed => "TENTATIVE",
        _ => "CONFIRMED",
    };
    push_folded(out, "BEGIN:VEVENT");
    push_folded(out, &format!("UID:{}@edugroup", p.id));
    push_folded(out, &format!("DTSTAMP:{stamp}"));
    push_folded(out, &format!("DTSTART;VALUE=DATE:{}", date(p.start)));
    push_folded(out, &format!("DTEND;VALUE=DATE:{}", date(end)));
    push_folded(out, &format!("SUMMARY:{}", escape_text(&summary)));
    push_folded(out, &format!("DESCRIPTION:{}", escape_text(&description)));
    push_folded(out, &format!("STATUS:{status}"));
    push_folded(out, "END:VEVENT");
}

/// A calendar named `name` with one all-day event per posting; cancelled postings are left
/// out, proposed ones are tentative. `now` stamps the events (DTSTAMP, UTC).
pub fn postings_calendar(name: &str, postings: &[Posting], now: DateTime<Utc>) -> String {
    calendar("postings", name, now, |out, stamp| {
        for p in postings
            .iter()
            .filter(|p| p.status != PostingStatus::Cancelled)
        {
            push_event(out, p, stamp);
        }
    })
}

/// A VCALENDAR of one product (`-//edugroup//<product>//ZH`) named `name`, whose events
/// `events` writes with the DTSTAMP it is given.
fn calendar(
    product: &str,
    name: &str,
    now: DateTime<Utc>,
    events: impl FnOnce(&mut String, &str),
) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    push_folded(&mut out, "BEGIN:VCALENDAR");
    push_folded(&mut out, "VERSION:2.0");
    push_folded(&mut out, &format!("PRODID:-//edugroup//{product}//ZH"));
    push_folded(&mut out, "CALSCALE:GREGORIAN");
    push_folded(&mut out, "METHOD:PUBLISH");
    push_folded(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    events(&mut out, &stamp);
    push_folded(&mut out, "END:VCALENDAR");
    out
}

/// Beijing time (UTC+8, no daylight saving): a meeting's local start as UTC.
const BEIJING_OFFSET_HOURS: i64 = 8;

/// One VEVENT for a meeting: timed (in UTC, from its Beijing start and duration) when it
/// has a start time, all day otherwise; the agenda goes into the description.
fn push_meeting(out: &mut String, m: &Meeting, stamp: &str) {
    push_folded(out, "BEGIN:VEVENT");
    push_folded(out, &format!("UID:meeting-{}@edugroup", m.id));
    push_folded(out, &format!("DTSTAMP:{stamp}"));
    match m.start_time {
        Some(time) => {
            let start = m.held_on.and_time(time) - TimeDelta::hours(BEIJING_OFFSET_HOURS);
            let minutes = i64::from(m.duration_minutes.unwrap_or(120));
            let end = start + TimeDelta::minutes(minutes);
            push_folded(out, &format!("DTSTART:{}", start.format("%Y%m%dT%H%M%SZ")));
            push_folded(out, &format!("DTEND:{}", end.format("%Y%m%dT%H%M%SZ")));
        }
        None => {
            let end = m
                .held_on
                .checked_add_days(Days::new(1))
                .unwrap_or(m.held_on);
            push_folded(out, &format!("DTSTART;VALUE=DATE:{}", date(m.held_on)));
            push_folded(out, &format!("DTEND;VALUE=DATE:{}", date(end)));
        }
    }
    let summary = format!("{} · {}", m.kind.name_zh(), m.title);
    push_folded(out, &format!("SUMMARY:{}", escape_text(&summary)));
    let mut description = format!("类型 kind: {}", m.kind.as_str());
    for (i, item) in m.agenda.iter().enumerate() {
        description.push_str(&format!("\n{}. {}({})", i + 1, item.title, item.owner));
    }
    push_folded(out, &format!("DESCRIPTION:{}", escape_text(&description)));
    if let Some(place) = m.place.as_deref().or(m.online_link.as_deref()) {
        push_folded(out, &format!("LOCATION:{}", escape_text(place)));
    }
    if let Some(link) = &m.online_link {
        push_folded(out, &format!("URL:{link}"));
    }
    push_folded(out, "STATUS:CONFIRMED");
    push_folded(out, "END:VEVENT");
}

/// A calendar named `name` with one event per meeting.
pub fn meetings_calendar(name: &str, meetings: &[Meeting], now: DateTime<Utc>) -> String {
    calendar("council", name, now, |out, stamp| {
        for m in meetings {
            push_meeting(out, m, stamp);
        }
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
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

    /// Undoes folding (RFC 5545 §3.1): a CRLF followed by a space disappears.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text(r"a\b"), r"a\\b");
        assert_eq!(escape_text("初二;数学,语文"), r"初二\;数学\,语文");
        assert_eq!(escape_text("一\n二\r\n三\r四"), r"一\n二\n三\n四");
        assert_eq!(escape_text("时间: 上午\u{7}"), "时间: 上午");
        assert_eq!(escape_text("\\,;\n"), r"\\\,\;\n");
    }

    #[test]
    fn short_lines_are_not_folded() {
        let mut out = String::new();
        push_folded(&mut out, "VERSION:2.0");
        assert_eq!(out, "VERSION:2.0\r\n");
        let exact = "X".repeat(MAX_LINE_OCTETS);
        let mut out = String::new();
        push_folded(&mut out, &exact);
        assert_eq!(out, format!("{exact}\r\n"));
    }

    #[test]
    fn long_ascii_lines_fold_at_75_octets() {
        let line = format!("DESCRIPTION:{}", "a".repeat(200));
        let mut out = String::new();
        push_folded(&mut out, &line);
        let lines = physical_lines(&out);
        assert_eq!(lines[0].len(), 75);
        assert!(lines[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(lines[1].len(), 75);
        assert_eq!(unfold(&out), format!("{line}\r\n"));
    }

    #[test]
    fn a_long_chinese_summary_folds_on_a_char_boundary() {
        // "SUMMARY:挂职 王芳 · " is 25 octets and each Chinese character 3 more: 16 characters
        // end at octet 73, the 17th would end at 76, so the first line stops at 73 octets
        // rather than split the character
        let summary = format!("挂职 王芳 · {}", "初二数学教研组长兼年级主任".repeat(4));
        let line = format!("SUMMARY:{}", escape_text(&summary));
        let mut out = String::new();
        push_folded(&mut out, &line);
        let lines = physical_lines(&out);
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
        assert_eq!(unfold(&out), format!("{line}\r\n"));
    }

    #[test]
    fn a_calendar_has_one_event_per_posting_not_cancelled() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 30, 0).unwrap();
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
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 30, 0).unwrap();
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
        assert!(text.contains("DTSTART;VALUE=DATE:20260312\r\nDTEND;VALUE=DATE:20260313\r\n"));
        assert!(text.contains("SUMMARY:理事会议 · 3月理事会议\r\n"));
        assert!(
            text.contains("DESCRIPTION:类型 kind: council\\n1. 审议交流方案(李主任)\r\n"),
            "{text}"
        );
        assert!(text.contains("LOCATION:一中会议室\\, 三楼\r\n"));
    }
}
