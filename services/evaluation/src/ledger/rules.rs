//! The obligation ledger as a pure function of the projected facts, the period, the region
//! policy and the day: every obligation with its rule, due date, status and the
//! records that satisfy it.
//!
//! Statuses: `met` when the records are there; `upcoming` while the due date has not passed;
//! after it, `overdue` for what can still be delivered late (the quarterly report, G-08) and
//! `missing` for what belonged to its period (a month's meeting cannot be held afterwards).

use chrono::{Datelike, Days, NaiveDate};
use edu_contracts::council::MeetingKind;
use edu_contracts::obligations::{
    Obligation, ObligationStatus, Obligor, Period, RecordKind, RecordLink,
};
use edu_domain::{
    GroupId, MemberRole, Policy, PostingId, PostingKind, SchoolId, Semester, TrainingKind,
};
use uuid::Uuid;

pub struct MeetingFact {
    pub id: Uuid,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub present: Vec<SchoolId>,
}

pub struct ReportFact {
    pub year: i32,
    pub quarter: u32,
    pub id: Uuid,
    pub submitted_on: NaiveDate,
}

pub struct PostingFact {
    pub id: PostingId,
    pub from: SchoolId,
    pub to: SchoolId,
    pub kind: PostingKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

pub struct SchoolFact {
    pub id: SchoolId,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

/// What the projection knows of a group, for the period asked (meetings, trainings,
/// postings and resources of the period; every report and school span).
pub struct Facts {
    pub group: GroupId,
    pub plaque_date: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
    pub schools: Vec<SchoolFact>,
    pub meetings: Vec<MeetingFact>,
    pub reports: Vec<ReportFact>,
    pub trainings: Vec<(Uuid, TrainingKind, NaiveDate)>,
    pub postings: Vec<PostingFact>,
    /// (resource, owner school, published on)
    pub resources: Vec<(Uuid, SchoolId, NaiveDate)>,
}

impl Facts {
    /// The group owes obligations of a window that ends after its plaque ceremony and
    /// before any dissolution.
    fn active_through(&self, end: NaiveDate) -> bool {
        self.plaque_date <= end && self.dissolved_on.is_none_or(|d| d > end)
    }

    /// Members through the end of a window.
    fn members_through(&self, end: NaiveDate) -> impl Iterator<Item = &SchoolFact> {
        self.schools.iter().filter(move |s| {
            s.role == MemberRole::Member && s.joined_on <= end && s.left_on.is_none_or(|l| l > end)
        })
    }

    fn lead(&self) -> Option<SchoolId> {
        self.schools
            .iter()
            .find(|s| s.role == MemberRole::Lead)
            .map(|s| s.id)
    }
}

/// The status of an obligation due on `due`.
pub fn status(met: bool, due: NaiveDate, as_of: NaiveDate, late_allowed: bool) -> ObligationStatus {
    if met {
        ObligationStatus::Met
    } else if as_of <= due {
        ObligationStatus::Upcoming
    } else if late_allowed {
        ObligationStatus::Overdue
    } else {
        ObligationStatus::Missing
    }
}

fn link(kind: RecordKind, id: Uuid, on: NaiveDate, href: String) -> RecordLink {
    RecordLink { kind, id, href, on }
}

fn meeting_link(m: &MeetingFact) -> RecordLink {
    link(
        RecordKind::Meeting,
        m.id,
        m.held_on,
        format!("/api/v1/meetings/{}", m.id),
    )
}

struct Draft<'a> {
    key: String,
    rule: &'a str,
    title: String,
    title_zh: String,
    obligor: Obligor,
    school_id: Option<SchoolId>,
    due_on: NaiveDate,
    required: u32,
    late_allowed: bool,
    records: Vec<RecordLink>,
}

impl Draft<'_> {
    fn finish(self, as_of: NaiveDate) -> Obligation {
        let counted = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        Obligation {
            status: status(
                counted >= self.required,
                self.due_on,
                as_of,
                self.late_allowed,
            ),
            key: self.key,
            rule: self.rule.to_owned(),
            title: self.title,
            title_zh: self.title_zh,
            obligor: self.obligor,
            school_id: self.school_id,
            due_on: self.due_on,
            required: self.required,
            counted,
            kpi: false,
            records: self.records,
        }
    }
}

fn months(from: NaiveDate, to: NaiveDate) -> Vec<Period> {
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        out.push(Period::month_of(day));
        match day.checked_add_months(chrono::Months::new(1)) {
            Some(next) => day = next.with_day(1).unwrap_or(next),
            None => break,
        }
    }
    out
}

/// G-06: at least `council_meetings_per_month` council meetings in the month.
fn council_month(
    month: Period,
    facts: &Facts,
    policy: &Policy,
    as_of: NaiveDate,
) -> Option<Obligation> {
    let (first, last) = month.days()?;
    if !facts.active_through(last) {
        return None;
    }
    let records = facts
        .meetings
        .iter()
        .filter(|m| m.kind == MeetingKind::Council && (first..=last).contains(&m.held_on))
        .map(meeting_link)
        .collect();
    Some(
        Draft {
            key: format!("G-06/{month}"),
            rule: "G-06",
            title: format!("council meeting in {month}"),
            title_zh: format!("{month} 理事会议(每月至少一次)"),
            obligor: Obligor::Group,
            school_id: None,
            due_on: last,
            required: u32::from(policy.council_meetings_per_month),
            late_allowed: false,
            records,
        }
        .finish(as_of),
    )
}

/// G-08: the quarter's written report to the bureau, due `council_report_due_days` after the
/// quarter (§8.8); a late report still counts (overdue until then).
fn quarterly_report(
    year: i32,
    quarter: u32,
    facts: &Facts,
    policy: &Policy,
    as_of: NaiveDate,
) -> Option<Obligation> {
    let period = Period::Quarter { year, quarter };
    let (_, last) = period.days()?;
    if !facts.active_through(last) {
        return None;
    }
    let due = last.checked_add_days(Days::new(u64::from(policy.council_report_due_days)))?;
    let records = facts
        .reports
        .iter()
        .filter(|r| r.year == year && r.quarter == quarter)
        .map(|r| {
            link(
                RecordKind::Report,
                r.id,
                r.submitted_on,
                format!("/api/v1/groups/{}/reports/{year}-Q{quarter}", facts.group),
            )
        })
        .collect();
    Some(
        Draft {
            key: format!("G-08/{period}"),
            rule: "G-08",
            title: format!("written report of {period} to the bureau"),
            title_zh: format!("{period} 理事会重大决策书面汇报"),
            obligor: Obligor::Group,
            school_id: None,
            due_on: due,
            required: 1,
            late_allowed: true,
            records,
        }
        .finish(as_of),
    )
}

fn semester_items(
    year: i32,
    semester: Semester,
    facts: &Facts,
    policy: &Policy,
    as_of: NaiveDate,
) -> Vec<Obligation> {
    let period = Period::Semester { year, semester };
    let Some((first, last)) = period.days() else {
        return Vec::new();
    };
    if !facts.active_through(last) {
        return Vec::new();
    }
    let lead = facts.lead();
    let mut out = Vec::new();
    // E-05 three trainings, E-06 the teaching showcase, each by the lead school per semester.
    for (kind, rule, en, zh) in [
        (
            TrainingKind::Subject,
            "E-05",
            "subject training",
            "学科培训",
        ),
        (
            TrainingKind::Special,
            "E-05",
            "special training for teachers",
            "教师专项培训",
        ),
        (
            TrainingKind::Induction,
            "E-05",
            "induction training",
            "入职培训",
        ),
        (
            TrainingKind::TeachingShowcase,
            "E-06",
            "classroom-teaching showcase",
            "课堂教学展示",
        ),
    ] {
        let records = facts
            .trainings
            .iter()
            .filter(|(_, k, on)| *k == kind && (first..=last).contains(on))
            .map(|(id, _, on)| {
                link(
                    RecordKind::Training,
                    *id,
                    *on,
                    format!("/api/v1/groups/{}/trainings", facts.group),
                )
            })
            .collect();
        out.push(
            Draft {
                key: format!("{rule}/{period}/{}", kind.as_str()),
                rule,
                title: format!("{en} for member staff, {period}"),
                title_zh: format!("{period} 龙头学校{zh}"),
                obligor: Obligor::Lead,
                school_id: lead,
                due_on: last,
                required: 1,
                late_allowed: false,
                records,
            }
            .finish(as_of),
        );
    }
    for member in facts.members_through(last) {
        // M5/R-09: every member is a resource provider.
        if policy.library_min_per_semester > 0 {
            let records = facts
                .resources
                .iter()
                .filter(|(_, owner, on)| *owner == member.id && (first..=last).contains(on))
                .map(|(id, _, on)| {
                    link(
                        RecordKind::Resource,
                        *id,
                        *on,
                        format!("/api/v1/resources/{id}"),
                    )
                })
                .collect();
            out.push(
                Draft {
                    key: format!("M5/{period}/{}", member.id),
                    rule: "M5",
                    title: format!("resources contributed to the group library, {period}"),
                    title_zh: format!("{period} 向集团资源库贡献资源"),
                    obligor: Obligor::Member,
                    school_id: Some(member.id),
                    due_on: last,
                    required: u32::from(policy.library_min_per_semester),
                    late_allowed: false,
                    records,
                }
                .finish(as_of),
            );
        }
        // E-09: staff sent to shadow at the lead school every semester.
        let records = facts
            .postings
            .iter()
            .filter(|p| {
                p.kind == PostingKind::Shadowing
                    && p.from == member.id
                    && Some(p.to) == lead
                    && p.start <= last
                    && p.end >= first
            })
            .map(|p| {
                link(
                    RecordKind::Posting,
                    p.id.0,
                    p.start,
                    format!("/api/v1/postings/{}", p.id),
                )
            })
            .collect();
        out.push(
            Draft {
                key: format!("E-09/{period}/{}", member.id),
                rule: "E-09",
                title: format!("staff shadowing at the lead school, {period}"),
                title_zh: format!("{period} 选派人员到龙头学校跟岗学习"),
                obligor: Obligor::Member,
                school_id: Some(member.id),
                due_on: last,
                required: 1,
                late_allowed: false,
                records,
            }
            .finish(as_of),
        );
    }
    out
}

fn year_items(period: Period, facts: &Facts, policy: &Policy, as_of: NaiveDate) -> Vec<Obligation> {
    let Some((_, last)) = period.days() else {
        return Vec::new();
    };
    if !facts.active_through(last) {
        return Vec::new();
    }
    let of_kind = |kind: MeetingKind| facts.meetings.iter().filter(move |m| m.kind == kind);
    let mut out = Vec::new();
    for (kind, rule, required, en, zh) in [
        (
            MeetingKind::WorkPlanning,
            "G-15",
            1,
            "group work-planning meeting",
            "集团工作计划会",
        ),
        (
            MeetingKind::AnnualSummary,
            "G-15",
            1,
            "annual group work-summary meeting",
            "年度集团工作总结会",
        ),
        (
            MeetingKind::ResultsShowcase,
            "V-06",
            u32::from(policy.results_showcases_per_year),
            "results showcase",
            "集团化办学成果展示活动",
        ),
    ] {
        out.push(
            Draft {
                key: format!("{rule}/{period}/{}", kind.as_str()),
                rule,
                title: format!("{en}, school year {period}"),
                title_zh: format!("{period} 学年{zh}"),
                obligor: Obligor::Group,
                school_id: None,
                due_on: last,
                required,
                late_allowed: false,
                records: of_kind(kind).map(meeting_link).collect(),
            }
            .finish(as_of),
        );
    }
    // M2: each member attends the planning and the annual summary meeting.
    for member in facts.members_through(last) {
        for (kind, en, zh) in [
            (
                MeetingKind::WorkPlanning,
                "attend the work-planning meeting",
                "参加集团工作计划会",
            ),
            (
                MeetingKind::AnnualSummary,
                "attend the annual summary meeting",
                "参加年度集团工作总结会",
            ),
        ] {
            let records = of_kind(kind)
                .filter(|m| m.present.contains(&member.id))
                .map(meeting_link)
                .collect();
            out.push(
                Draft {
                    key: format!("M2/{period}/{}/{}", kind.as_str(), member.id),
                    rule: "M2",
                    title: format!("{en}, school year {period}"),
                    title_zh: format!("{period} 学年{zh}"),
                    obligor: Obligor::Member,
                    school_id: Some(member.id),
                    due_on: last,
                    required: 1,
                    late_allowed: false,
                    records,
                }
                .finish(as_of),
            );
        }
    }
    out
}

/// Every obligation of the period (E-08's KPI aside, which needs the rotation figures).
pub fn obligations(
    period: Period,
    facts: &Facts,
    policy: &Policy,
    as_of: NaiveDate,
) -> Vec<Obligation> {
    let Some((from, to)) = period.days() else {
        return Vec::new();
    };
    let mut out: Vec<Obligation> = months(from, to)
        .into_iter()
        .filter_map(|m| council_month(m, facts, policy, as_of))
        .collect();
    // Quarters that end inside the period.
    for m in months(from, to) {
        if let Period::Month { year, month } = m
            && month % 3 == 0
            && let Some(o) = quarterly_report(year, month / 3, facts, policy, as_of)
        {
            out.push(o);
        }
    }
    match period {
        Period::Semester { year, semester } => {
            out.extend(semester_items(year, semester, facts, policy, as_of));
        }
        Period::SchoolYear(y) => {
            out.extend(semester_items(y.0, Semester::Autumn, facts, policy, as_of));
            out.extend(semester_items(
                y.0 + 1,
                Semester::Spring,
                facts,
                policy,
                as_of,
            ));
            out.extend(year_items(period, facts, policy, as_of));
        }
        Period::Month { .. } | Period::Quarter { .. } => {}
    }
    out
}
