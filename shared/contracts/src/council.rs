//! Operations and views of the council meetings service (理事会, RULES.md §2, G-01..G-19).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc};
use edu_domain::{GroupId, Problem, RegionCode, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::{Page, Paging};

crate::operation!(Council, GetCouncil, "council.get", GroupScope => Council);
crate::operation!(Council, SetCouncil, "council.set", CouncilComposition => Council);
crate::operation!(Council, ScheduleMeeting, "meeting.schedule", NewMeeting => Meeting);
crate::operation!(Council, GetMeeting, "meeting.get", MeetingRef => Meeting);
crate::operation!(Council, ListMeetings, "meeting.list", MeetingQuery => Page<Meeting>);
crate::operation!(Council, RecordAttendance, "meeting.attendance", Attendance => Meeting);
crate::operation!(Council, ProposeMotion, "motion.propose", NewMotion => Motion);
crate::operation!(Council, GetMotion, "motion.get", MotionRef => Motion);
crate::operation!(Council, CastVotes, "motion.vote", Ballot => Motion);
crate::operation!(Council, WriteMinutes, "minutes.write", MinutesDraft => Minutes);
crate::operation!(Council, CirculateMinutes, "minutes.circulate", MeetingRef => Minutes);
crate::operation!(Council, PublishMinutes, "minutes.publish", MeetingRef => Minutes);
crate::operation!(Council, CorrectMinutes, "minutes.correct", MinutesCorrection => Minutes);
crate::operation!(Council, FindDecisions, "decision.find", DecisionQuery => Page<Decision>);
crate::operation!(Council, GetReport, "report.get", ReportRef => QuarterlyReport);
crate::operation!(Council, SubmitReport, "report.submit", ReportSubmission => QuarterlyReport);
crate::operation!(Council, ListReports, "report.list", ReportQuery => Vec<ReportStatus>);
crate::operation!(Council, GetCadence, "cadence.get", CadenceQuery => Cadence);

macro_rules! council_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[cfg_attr(feature = "diesel", derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow))]
        #[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Uuid))]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

council_id!(
    /// A council seat held by one person for one school.
    SeatId
);
council_id!(
    /// A meeting of the council (or a yearly planning, summary or showcase meeting).
    MeetingId
);
council_id!(
    /// A motion put to the vote at a meeting.
    MotionId
);
council_id!(
    /// A decision of the council: a motion that passed.
    DecisionId
);
council_id!(
    /// A quarterly written report to the bureau (G-08).
    ReportId
);
council_id!(
    /// A member school's major matter on record (G-09).
    MajorMatterId
);

mod major_matters;
pub use major_matters::{
    ListMajorMatters, MajorMatter, MajorMatterKind, MajorMatterQuery, NewMajorMatter,
    RecordMajorMatter,
};
mod past;
pub use past::{LoadPastMeetings, PastMeeting, PastMeetings, PastMeetingsLoaded};

/// A seat's place in the council (G-03, G-04, G-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum SeatRole {
    /// 会长: the lead school's principal (G-03).
    Chair,
    /// 副会长: a member school's principal (G-04).
    ViceChair,
    /// 秘书长 (G-05), appointed by the chair.
    SecretaryGeneral,
    /// 理事 (G-05), appointed by the chair.
    Director,
}
edu_domain::spelled!(SeatRole { Chair => "chair", ViceChair => "vice_chair", SecretaryGeneral => "secretary_general", Director => "director" });

impl SeatRole {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Chair => "会长",
            Self::ViceChair => "副会长",
            Self::SecretaryGeneral => "秘书长",
            Self::Director => "理事",
        }
    }
}

/// G-02: the school-level leader posts (校级领导) a seat holder may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum LeaderPost {
    /// 校长
    Principal,
    /// 副校长
    VicePrincipal,
    /// 党组织书记
    PartySecretary,
}
edu_domain::spelled!(LeaderPost { Principal => "principal", VicePrincipal => "vice_principal", PartySecretary => "party_secretary" });

impl LeaderPost {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Principal => "校长",
            Self::VicePrincipal => "副校长",
            Self::PartySecretary => "党组织书记",
        }
    }
}

/// A seat of the council.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Seat {
    pub id: SeatId,
    pub role: SeatRole,
    pub school_id: SchoolId,
    pub school_name: String,
    #[schema(example = "王建国")]
    pub holder_name: String,
    pub post: LeaderPost,
    pub since: DateTime<Utc>,
}

/// A group's council: its seats now, kept in step with membership (G-02..G-05).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Council {
    pub group_id: GroupId,
    pub group_name: String,
    pub region: RegionCode,
    pub lead_school_id: SchoolId,
    /// Active seats: the chair first, then vice-chairs, the secretary-general and directors.
    pub seats: Vec<Seat>,
    /// What the composition still lacks (e.g. `secretary_general`, G-05).
    pub missing: Vec<SeatRole>,
    /// A dissolved group's council is frozen: it keeps its records and takes no changes.
    pub frozen: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScope {
    pub group_id: GroupId,
}

/// One seat of a composition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatAppointment {
    pub role: SeatRole,
    pub school_id: SchoolId,
    #[schema(example = "王建国")]
    pub holder_name: String,
    pub post: LeaderPost,
}

/// The whole council as the chair sets it (`PUT`): the chair and vice-chairs as membership
/// says they must be (G-03, G-04), one secretary-general and any directors (G-05), every
/// holder a school-level leader of an active school of the group (G-02).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CouncilComposition {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    pub seats: Vec<SeatAppointment>,
}

/// What kind of meeting (G-06, G-15, V-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// 理事会议, at least monthly (G-06).
    Council,
    /// 集团工作计划会 (G-15).
    WorkPlanning,
    /// 年度集团工作总结会 (G-15).
    AnnualSummary,
    /// 成果展示活动 (V-06).
    ResultsShowcase,
}
edu_domain::spelled!(MeetingKind { Council => "council", WorkPlanning => "work_planning", AnnualSummary => "annual_summary", ResultsShowcase => "results_showcase" });

impl MeetingKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Council => "理事会议",
            Self::WorkPlanning => "集团工作计划会",
            Self::AnnualSummary => "年度集团工作总结会",
            Self::ResultsShowcase => "集团化办学成果展示",
        }
    }
}

/// One agenda item, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgendaItem {
    #[schema(example = "审议2026年春季学期教师交流方案")]
    pub title: String,
    /// Who presents it.
    #[schema(example = "集团办公室 李主任")]
    pub owner: String,
    /// Links or references of the documents it concerns.
    #[serde(default)]
    pub documents: Vec<String>,
}

/// A meeting to schedule (or record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    pub kind: MeetingKind,
    #[schema(example = "2026年3月理事会议")]
    pub title: String,
    pub held_on: NaiveDate,
    /// Local (Beijing) start time; none for an all-day event.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "14:30:00")]
    pub start_time: Option<NaiveTime>,
    /// 15..=720 minutes; default 120 when a start time is given.
    #[serde(default)]
    pub duration_minutes: Option<u16>,
    /// Where; a place or an online link (or both) is required.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub online_link: Option<String>,
    #[serde(default)]
    pub agenda: Vec<AgendaItem>,
}

/// A seat in a meeting: the council's seats when attendance was recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SeatAttendance {
    pub seat_id: SeatId,
    pub role: SeatRole,
    pub school_id: SchoolId,
    pub holder_name: String,
    pub present: bool,
}

/// Quorum of a held meeting under the policy in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quorum {
    pub seats: u32,
    pub present: u32,
    /// Present seats needed (more than the policy's percentage of seats).
    pub needed: u32,
    /// Schools of the group with no seat present (when the policy requires every school).
    pub schools_absent: Vec<SchoolId>,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    pub id: MeetingId,
    pub group_id: GroupId,
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub start_time: Option<NaiveTime>,
    pub duration_minutes: Option<u16>,
    pub place: Option<String>,
    pub online_link: Option<String>,
    pub agenda: Vec<AgendaItem>,
    /// Attendance was recorded: the meeting took place.
    pub held: bool,
    pub attendance: Vec<SeatAttendance>,
    pub quorum: Option<Quorum>,
    pub motions: Vec<Motion>,
    pub minutes: Option<Minutes>,
    pub policy_version: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingRef {
    pub meeting_id: MeetingId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingQuery {
    pub group_id: GroupId,
    /// Meetings held on days within this calendar year.
    pub year: Option<i32>,
    pub kind: Option<MeetingKind>,
    #[serde(default)]
    pub paging: Paging,
}

/// Who was present: every other seat of the council was absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub meeting_id: MeetingId,
    pub present: Vec<SeatId>,
}

/// G-07/G-09: what a decision is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum DecisionCategory {
    /// 发展规划
    DevelopmentPlan,
    /// 工作目标
    Goals,
    /// 工作计划
    WorkPlan,
    /// 教育资源统筹
    ResourceAllocation,
    /// 教育教学活动
    TeachingActivity,
    /// 成员学校重大事项 (G-09)
    MemberMajorMatter,
}
edu_domain::spelled!(DecisionCategory {
    DevelopmentPlan => "development_plan",
    Goals => "goals",
    WorkPlan => "work_plan",
    ResourceAllocation => "resource_allocation",
    TeachingActivity => "teaching_activity",
    MemberMajorMatter => "member_major_matter",
});

impl DecisionCategory {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::DevelopmentPlan => "发展规划",
            Self::Goals => "工作目标",
            Self::WorkPlan => "工作计划",
            Self::ResourceAllocation => "教育资源统筹",
            Self::TeachingActivity => "教育教学活动",
            Self::MemberMajorMatter => "成员学校重大事项",
        }
    }
}

/// A motion put to the meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMotion {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub meeting_id: MeetingId,
    #[schema(example = "同意二中申报省级课改实验校")]
    pub title: String,
    pub category: DecisionCategory,
    /// A major decision goes into the quarterly report (G-08); a member school's major
    /// matter always is one.
    pub major: bool,
    /// The member school concerned; required for `member_major_matter` (G-09).
    #[serde(default)]
    pub subject_school_id: Option<SchoolId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum VoteChoice {
    Yes,
    No,
    Abstain,
    /// 回避: the seat stays out of the vote for a conflict of interest (a reason is required).
    Recused,
}
edu_domain::spelled!(VoteChoice { Yes => "yes", No => "no", Abstain => "abstain", Recused => "recused" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum MotionStatus {
    /// Votes are being taken.
    Open,
    Passed,
    Rejected,
}
edu_domain::spelled!(MotionStatus { Open => "open", Passed => "passed", Rejected => "rejected" });

/// One seat's vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Vote {
    pub seat_id: SeatId,
    pub choice: VoteChoice,
    /// Why the seat recused itself.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Votes of seats present at the meeting. The motion closes, with its result computed by
/// the service, once every present seat has voted (or recused itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub motion_id: MotionId,
    pub votes: Vec<Vote>,
}

/// The count of a motion's votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Tally {
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub recused: u32,
    /// Present seats that have not voted yet.
    pub pending: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Motion {
    pub id: MotionId,
    pub meeting_id: MeetingId,
    pub group_id: GroupId,
    pub title: String,
    pub category: DecisionCategory,
    pub major: bool,
    pub subject_school_id: Option<SchoolId>,
    pub status: MotionStatus,
    pub votes: Vec<Vote>,
    pub tally: Tally,
    /// The decision, once the motion passed.
    pub decision_id: Option<DecisionId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MotionRef {
    pub motion_id: MotionId,
}

/// A decision of the council (G-07, G-09).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Decision {
    pub id: DecisionId,
    pub group_id: GroupId,
    pub meeting_id: MeetingId,
    pub motion_id: MotionId,
    pub title: String,
    pub category: DecisionCategory,
    pub major: bool,
    pub subject_school_id: Option<SchoolId>,
    pub decided_on: NaiveDate,
    pub tally: Tally,
    pub policy_version: i32,
}

/// G-09: "is there a decision of category X about school S?" — and any other filter of a
/// group's decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionQuery {
    pub group_id: Option<GroupId>,
    pub category: Option<DecisionCategory>,
    /// Decisions about this school.
    pub subject_school_id: Option<SchoolId>,
    pub major: Option<bool>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub paging: Paging,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum MinutesStatus {
    /// Being written by the secretariat.
    Draft,
    /// Sent to the attendees for amendment.
    Circulated,
    /// Final: never changes again; corrections are new, linked records.
    Published,
}
edu_domain::spelled!(MinutesStatus { Draft => "draft", Circulated => "circulated", Published => "published" });

/// A correction of published minutes: a new record linked to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Correction {
    pub id: Uuid,
    pub text: String,
    pub reason: String,
    pub by: String,
    pub created_at: DateTime<Utc>,
}

/// A revision of the minutes' text (draft edits and attendees' amendments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MinutesRevision {
    pub revision: u32,
    pub by: String,
    /// The attendee's seat, for an amendment during circulation.
    pub seat_id: Option<SeatId>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Minutes {
    pub meeting_id: MeetingId,
    pub status: MinutesStatus,
    pub text: String,
    pub revision: u32,
    pub history: Vec<MinutesRevision>,
    pub circulated_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub corrections: Vec<Correction>,
}

/// The minutes' text: written while a draft, amended by an attendee's seat while circulated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesDraft {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub meeting_id: MeetingId,
    pub text: String,
    /// The attendee's seat proposing an amendment (required while circulated).
    #[serde(default)]
    pub seat_id: Option<SeatId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinutesCorrection {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub meeting_id: MeetingId,
    pub text: String,
    pub reason: String,
}

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
