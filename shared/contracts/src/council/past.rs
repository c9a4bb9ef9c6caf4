//! A group's past council meetings (理事会会议), loaded by the bureau with their real dates:
//! groups ran before this system, and the monthly council meeting (G-06), the planning and
//! summary meetings (G-15) and the showcase (V-06) count from the real days. Each entry is
//! judged by the rules a live meeting meets, as far as they apply to a meeting already held.

use chrono::NaiveDate;
use edu_domain::{GroupId, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Meeting, MeetingKind};

crate::operation!(Council, LoadPastMeetings, "meeting.load_past", PastMeetings => PastMeetingsLoaded);

/// A group's past meetings to load, in any order; the first entry a live write would have
/// refused refuses the whole load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PastMeetings {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// 1 to 200 meetings.
    pub meetings: Vec<PastMeeting>,
}

/// One meeting already held, as the group's records show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PastMeeting {
    pub kind: MeetingKind,
    /// 1–100 characters.
    #[schema(example = "2025年3月理事会议")]
    pub title: String,
    /// On or after the group's plaque date and no later than today.
    pub held_on: NaiveDate,
    /// Up to 200 characters.
    #[serde(default)]
    #[schema(example = "一中会议室")]
    pub place: Option<String>,
    /// The schools whose seat was present; each was in the group on `held_on`. The seats
    /// of the meeting are the schools in the group that day, one each.
    pub schools_present: Vec<SchoolId>,
    /// The minutes as recorded then (1–20000 characters): stored as published minutes.
    #[serde(default)]
    pub minutes_summary: Option<String>,
}

/// The loaded meetings, as the group's meeting list shows them, in the order given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PastMeetingsLoaded {
    pub group_id: GroupId,
    pub meetings: Vec<Meeting>,
}
