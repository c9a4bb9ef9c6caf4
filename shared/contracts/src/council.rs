//! Operations and views of the council meetings service (理事会, RULES.md §2, G-01..G-19).

use chrono::{DateTime, Utc};
use edu_domain::{GroupId, RegionCode, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

edu_domain::uuid_id!(
    /// A council seat held by one person for one school.
    SeatId
);
edu_domain::uuid_id!(
    /// A meeting of the council (or a yearly planning, summary or showcase meeting).
    MeetingId
);
edu_domain::uuid_id!(
    /// A motion put to the vote at a meeting.
    MotionId
);
edu_domain::uuid_id!(
    /// A decision of the council: a motion that passed.
    DecisionId
);
edu_domain::uuid_id!(
    /// A quarterly written report to the bureau (G-08).
    ReportId
);
edu_domain::uuid_id!(
    /// A member school's major matter on record (G-09).
    MajorMatterId
);
edu_domain::uuid_id!(
    /// A version of the group's charter or development plan (G-14, G-07).
    CharterVersionId
);

mod charter;
pub use charter::*;

mod major_matters;
pub use major_matters::{
    ListMajorMatters, MajorMatter, MajorMatterKind, MajorMatterQuery, NewMajorMatter,
    RecordMajorMatter,
};
mod meetings;
mod motions;
mod past;
mod reports;

pub use meetings::*;
pub use motions::*;
pub use past::{LoadPastMeetings, PastMeeting, PastMeetings, PastMeetingsLoaded};
pub use reports::*;

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
