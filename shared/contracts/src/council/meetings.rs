//! Meetings (G-06, G-15, V-06): their agenda, attendance and quorum, and their minutes —
//! drafted, circulated to the attendees, published, then only corrected.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use edu_domain::{GroupId, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{MeetingId, Motion, Paging, SeatId, SeatRole};

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
