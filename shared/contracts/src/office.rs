//! The group's own administration in the membership service: its management office at the
//! lead school (G-10, G-11: one director, up to two deputies; invariant 11), the lead
//! school's recommendations to appoint or remove a member school's leaders, decided by the
//! bureau (G-12), and member principals appointed vice-principal of the lead, outside the
//! lead's quota of school-level leaders (G-13).

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::council::LeaderPost;
use crate::membership::GroupRef;
use crate::{Event, ServiceName};

crate::operation!(Membership, AppointOfficer, "office.appoint", NewOfficeAppointment => OfficeAppointment);
crate::operation!(Membership, EndOfficeAppointment, "office.end", AppointmentEnd => OfficeAppointment);
crate::operation!(Membership, GetOffice, "office.get", GroupRef => Office);
crate::operation!(Membership, RecommendLeader, "leader.recommend", NewLeaderRecommendation => LeaderRecommendation);
crate::operation!(Membership, DecideLeaderRecommendation, "leader.decide", LeaderVerdict => LeaderRecommendation);
crate::operation!(Membership, RecordCrossAppointment, "cross_appointment.record", NewCrossAppointment => CrossAppointment);
crate::operation!(Membership, EndCrossAppointment, "cross_appointment.end", AppointmentEnd => CrossAppointment);

edu_domain::uuid_id!(
    /// A person's appointment to the group's management office (G-10).
    OfficeAppointmentId
);
edu_domain::uuid_id!(
    /// The lead school's recommendation about a member school's leader (G-12).
    LeaderRecommendationId
);
edu_domain::uuid_id!(
    /// A member principal's appointment as vice-principal of the lead school (G-13).
    CrossAppointmentId
);

/// G-11: the posts of the management office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum OfficePost {
    /// 主任
    Director,
    /// 副主任
    DeputyDirector,
}
edu_domain::spelled!(OfficePost { Director => "director", DeputyDirector => "deputy_director" });

impl OfficePost {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Director => "主任",
            Self::DeputyDirector => "副主任",
        }
    }
}

/// G-12: what the lead school recommends about a member school's leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum LeaderAction {
    /// 任命
    Appoint,
    /// 免职
    Remove,
}
edu_domain::spelled!(LeaderAction { Appoint => "appoint", Remove => "remove" });

/// G-12: the bureau's answer to a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum RecommendationStatus {
    /// Waiting for the bureau.
    Proposed,
    /// The bureau acted on it.
    Accepted,
    /// The bureau did not.
    Rejected,
}
edu_domain::spelled!(RecommendationStatus { Proposed => "proposed", Accepted => "accepted", Rejected => "rejected" });

/// G-10: appoint a person of the lead school to the office. A new director replaces the
/// one in post (whose appointment ends the day before); a third deputy is refused (G-11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOfficeAppointment {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    pub post: OfficePost,
    /// 姓名, 1–50 characters.
    #[schema(example = "李晓明")]
    pub person_name: String,
    /// 工号 at the lead school, if the office gives one (at most 32 characters).
    #[serde(default)]
    #[schema(example = "L0012")]
    pub staff_no: Option<String>,
    /// 任职日期: not before the group's plaque date.
    #[schema(example = "2026-09-01")]
    pub appointed_on: NaiveDate,
}

/// An appointment (office or cross) ends on a day, for a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentEnd {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub appointment_id: uuid::Uuid,
    #[schema(example = "2027-07-31")]
    pub ended_on: NaiveDate,
    /// 离任原因, at most 200 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OfficeAppointment {
    pub id: OfficeAppointmentId,
    pub group_id: GroupId,
    /// G-10: always the group's lead school.
    pub school_id: SchoolId,
    pub post: OfficePost,
    pub person_name: String,
    pub staff_no: Option<String>,
    pub appointed_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub appointed_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// G-12: the lead school recommends appointing or removing a member school's leader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLeaderRecommendation {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// The member school whose leader it concerns.
    pub school_id: SchoolId,
    pub action: LeaderAction,
    pub post: LeaderPost,
    #[schema(example = "张伟")]
    pub person_name: String,
    /// 1–1000 characters.
    pub reason: String,
}

/// G-12: the bureau's decision on a recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderVerdict {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub recommendation_id: LeaderRecommendationId,
    pub accept: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeaderRecommendation {
    pub id: LeaderRecommendationId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub action: LeaderAction,
    pub post: LeaderPost,
    pub person_name: String,
    pub reason: String,
    pub status: RecommendationStatus,
    pub recommended_by: String,
    pub recommended_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

/// G-13: a member school's principal appointed vice-principal of the lead school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCrossAppointment {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// The member school; its principal (as the school is registered) is the appointee.
    pub school_id: SchoolId,
    #[schema(example = "2026-09-01")]
    pub appointed_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CrossAppointment {
    pub id: CrossAppointmentId,
    pub group_id: GroupId,
    /// The member school the principal leads.
    pub school_id: SchoolId,
    pub person_name: String,
    /// Always `vice_principal` of the lead school.
    pub post: LeaderPost,
    /// G-13: not counted against the lead school's quota of school-level leaders.
    pub counts_against_lead_quota: bool,
    pub appointed_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// The group's administration: the office in post, its history, the cross-appointments and
/// the leader recommendations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Office {
    pub group_id: GroupId,
    pub lead_school_id: SchoolId,
    /// In post today.
    pub director: Option<OfficeAppointment>,
    /// In post today, at most two (G-11).
    pub deputies: Vec<OfficeAppointment>,
    /// Invariant 11: a director is in post.
    pub staffed: bool,
    /// Every appointment, oldest first.
    pub history: Vec<OfficeAppointment>,
    /// G-13, oldest first.
    pub cross_appointments: Vec<CrossAppointment>,
    /// G-12, newest first.
    pub recommendations: Vec<LeaderRecommendation>,
}

/// `office.appointed` (G-10, G-11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficerAppointed {
    pub group_id: GroupId,
    pub appointment_id: OfficeAppointmentId,
    pub post: OfficePost,
    pub appointed_on: NaiveDate,
    /// The director this appointment replaced, if any.
    #[serde(default)]
    pub replaces: Option<OfficeAppointmentId>,
}

impl Event for OfficerAppointed {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "office.appointed";
    const VERSION: u32 = 1;
}

/// `office.appointment_ended` (G-10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeAppointmentEnded {
    pub group_id: GroupId,
    pub appointment_id: OfficeAppointmentId,
    pub post: OfficePost,
    pub ended_on: NaiveDate,
}

impl Event for OfficeAppointmentEnded {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "office.appointment_ended";
    const VERSION: u32 = 1;
}

/// `leader.recommended` (G-12). Names stay in the membership service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderRecommended {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub recommendation_id: LeaderRecommendationId,
    pub action: LeaderAction,
    pub post: LeaderPost,
}

impl Event for LeaderRecommended {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "leader.recommended";
    const VERSION: u32 = 1;
}

/// `leader.recommendation_decided` (G-12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderRecommendationDecided {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub recommendation_id: LeaderRecommendationId,
    pub status: RecommendationStatus,
}

impl Event for LeaderRecommendationDecided {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "leader.recommendation_decided";
    const VERSION: u32 = 1;
}

/// `cross_appointment.recorded` / its end (G-13): `ended_on` is set when it ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossAppointmentChanged {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub appointment_id: CrossAppointmentId,
    pub appointed_on: NaiveDate,
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
}

impl Event for CrossAppointmentChanged {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "cross_appointment.changed";
    const VERSION: u32 = 1;
}
