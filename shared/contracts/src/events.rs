//! Domain events. Payloads evolve additively inside a version: new fields get
//! `#[serde(default)]`, and consumers never deny unknown fields.

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use edu_domain::{BookingId, FacilityId, QualityTier, ResourceId, ResourceKind};
use edu_domain::{ExitReason, GroupId, GroupModel, MembershipId, RegionCode, SchoolId};
use edu_domain::{PersuadeOutId, Policy, WarningId};
use edu_domain::{
    PostingId, PostingKind, SchoolYear, Semester, TeacherId, TrainingId, TrainingKind,
};
use serde::{Deserialize, Serialize};

use crate::catalogue::ShareTarget;

use crate::council::{
    DecisionCategory, DecisionId, MajorMatterId, MajorMatterKind, MeetingId, MeetingKind, Quarter,
    ReportId,
};
use crate::{Event, ServiceName};

/// The charter's and development plan's events are declared beside their operations.
pub use crate::council::{CharterAcknowledged, CharterAdopted, CharterDrafted, CharterEdited};

/// `group.established`: the bureau created a group (with its lead school).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupEstablished {
    pub group_id: GroupId,
    pub name: String,
    pub model: GroupModel,
    pub lead_school_id: SchoolId,
    pub region: RegionCode,
    pub plaque_date: NaiveDate,
    pub effective_cap: u8,
    pub policy_version: i32,
    /// The lead school's name (added later: older events lack it).
    #[serde(default)]
    pub lead_school_name: Option<String>,
    /// G-03: the lead school's principal, who chairs the council (added later).
    #[serde(default)]
    pub lead_principal_name: Option<String>,
    /// The day the group was formed (组建) and its lead school's stay began, when the bureau
    /// loaded a group's past; absent in older events, where the plaque date stands for it.
    #[serde(default)]
    pub formed_on: Option<NaiveDate>,
}

impl Event for GroupEstablished {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "group.established";
    const VERSION: u32 = 1;
}

/// `member.admitted`: a school joined a group as a member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberAdmitted {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub membership_id: MembershipId,
    pub plaque_text: String,
    pub legal_person_retained: bool,
    /// F-06/F-07: keeps its own leadership body (added later: older events lack it, and
    /// there it equals `legal_person_retained`).
    #[serde(default)]
    pub independent_leadership: Option<bool>,
    pub cross_region: bool,
    pub policy_version: i32,
    /// The school's county (added later: older events lack it; a member's county differs from
    /// the group's only when `cross_region`, F-04).
    #[serde(default)]
    pub region: Option<RegionCode>,
    /// The school's name (added later: older events lack it).
    #[serde(default)]
    pub school_name: Option<String>,
    /// G-04: the school's principal, a vice-chair of the council (added later).
    #[serde(default)]
    pub principal_name: Option<String>,
    /// The day it joined, when that is not the day of the event: a group's past loaded by
    /// the bureau (added later).
    #[serde(default)]
    pub joined_on: Option<NaiveDate>,
}

impl Event for MemberAdmitted {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "member.admitted";
    const VERSION: u32 = 1;
}

/// `member.exited`: a member left its group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberExited {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub membership_id: MembershipId,
    pub reason: ExitReason,
    #[serde(default)]
    pub note: Option<String>,
    /// The day it left, when that is not the day of the event: a group's past loaded by the
    /// bureau (added later).
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
}

impl Event for MemberExited {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "member.exited";
    const VERSION: u32 = 1;
}

/// `group.dissolved`: the bureau dissolved a group; all its memberships ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupDissolved {
    pub group_id: GroupId,
    pub reason: String,
    /// Every school whose membership this ended, the lead included.
    pub school_ids: Vec<SchoolId>,
    /// why the bureau dissolved it without a failing evaluation (added later).
    #[serde(default)]
    pub override_reason: Option<String>,
    /// The failing evaluation it rests on, when there is one (added later).
    #[serde(default)]
    pub failing_evaluation_id: Option<uuid::Uuid>,
}

impl Event for GroupDissolved {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "group.dissolved";
    const VERSION: u32 = 1;
}

/// `group.scale_changed`: the bureau changed a group's scale cap (F-08).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScaleChanged {
    pub group_id: GroupId,
    pub previous_scale_cap: Option<u8>,
    pub scale_cap: Option<u8>,
    pub effective_cap: u8,
    pub active_members: u8,
    pub reason: String,
    pub policy_version: i32,
}

impl Event for GroupScaleChanged {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "group.scale_changed";
    const VERSION: u32 = 1;
}

/// `lead_quality.recorded`: the bureau recorded a lead school's yearly quality (F-08, V-07).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadQualityRecorded {
    pub school_id: SchoolId,
    pub school_year: i32,
    pub score: f64,
    pub improving: bool,
    /// The group the school leads now, if any.
    #[serde(default)]
    pub group_id: Option<GroupId>,
}

impl Event for LeadQualityRecorded {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "lead_quality.recorded";
    const VERSION: u32 = 1;
}

/// The facts of a posting every posting event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingFacts {
    pub posting_id: PostingId,
    pub group_id: GroupId,
    pub teacher_id: TeacherId,
    pub from_school_id: SchoolId,
    pub to_school_id: SchoolId,
    pub kind: PostingKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// E-08: the teacher is a backbone teacher of county level or above.
    pub backbone: bool,
}

/// `posting.proposed`: the sending side proposed a posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingProposed {
    #[serde(flatten)]
    pub posting: PostingFacts,
}

impl Event for PostingProposed {
    const SERVICE: ServiceName = ServiceName::Rotation;
    const TYPE: &'static str = "posting.proposed";
    const VERSION: u32 = 1;
}

/// `posting.confirmed`: the receiving school confirmed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingConfirmed {
    #[serde(flatten)]
    pub posting: PostingFacts,
}

impl Event for PostingConfirmed {
    const SERVICE: ServiceName = ServiceName::Rotation;
    const TYPE: &'static str = "posting.confirmed";
    const VERSION: u32 = 1;
}

/// `posting.cancelled`: withdrawn before it started (also when its school left the group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingCancelled {
    #[serde(flatten)]
    pub posting: PostingFacts,
    pub reason: String,
}

impl Event for PostingCancelled {
    const SERVICE: ServiceName = ServiceName::Rotation;
    const TYPE: &'static str = "posting.cancelled";
    const VERSION: u32 = 1;
}

/// `posting.ended`: ended before its planned end (also when its school left the group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingEnded {
    #[serde(flatten)]
    pub posting: PostingFacts,
    pub ended_on: NaiveDate,
    pub reason: String,
}

impl Event for PostingEnded {
    const SERVICE: ServiceName = ServiceName::Rotation;
    const TYPE: &'static str = "posting.ended";
    const VERSION: u32 = 1;
}

/// `posting.consent_decided`: the teacher's county bureau decided a posting across counties
/// (F-04); a declined posting is also `posting.cancelled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostingConsentDecided {
    #[serde(flatten)]
    pub posting: PostingFacts,
    /// The teacher's county, whose bureau decided.
    pub region: RegionCode,
    pub approved: bool,
    #[serde(default)]
    pub note: Option<String>,
}

impl Event for PostingConsentDecided {
    const SERVICE: ServiceName = ServiceName::Rotation;
    const TYPE: &'static str = "posting.consent_decided";
    const VERSION: u32 = 1;
}

/// `training.held`: the lead school held a training or teaching showcase (E-05, E-06).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingHeld {
    pub training_id: TrainingId,
    pub group_id: GroupId,
    pub kind: TrainingKind,
    pub held_on: NaiveDate,
    pub school_year: SchoolYear,
    pub semester: Semester,
    pub hours: u16,
    pub participants: u32,
}

impl Event for TrainingHeld {
    const SERVICE: ServiceName = ServiceName::Rotation;
    const TYPE: &'static str = "training.held";
    const VERSION: u32 = 1;
}

/// `meeting.held`: a council meeting (or yearly meeting) took place; its attendance is recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingHeld {
    pub meeting_id: MeetingId,
    pub group_id: GroupId,
    pub kind: MeetingKind,
    pub held_on: NaiveDate,
    pub seats: u32,
    pub present: u32,
    /// Schools with at least one seat present (M2).
    pub schools_present: Vec<SchoolId>,
    pub quorum_met: bool,
}

impl Event for MeetingHeld {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "meeting.held";
    const VERSION: u32 = 1;
}

/// `decision.recorded`: a motion passed and became a decision of the council (G-07, G-09).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecorded {
    pub decision_id: DecisionId,
    pub group_id: GroupId,
    pub meeting_id: MeetingId,
    pub category: DecisionCategory,
    pub major: bool,
    /// The member school a `member_major_matter` concerns (G-09).
    #[serde(default)]
    pub subject_school_id: Option<SchoolId>,
    pub title: String,
    pub decided_on: NaiveDate,
    pub policy_version: i32,
}

impl Event for DecisionRecorded {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "decision.recorded";
    const VERSION: u32 = 1;
}

/// `major_matter.recorded`: a member school's major matter was recorded, citing the council
/// decision of category `member_major_matter` about that school that decided it (G-09).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MajorMatterRecorded {
    pub major_matter_id: MajorMatterId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub kind: MajorMatterKind,
    pub title: String,
    pub effective_on: NaiveDate,
    pub decision_id: DecisionId,
}

impl Event for MajorMatterRecorded {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "major_matter.recorded";
    const VERSION: u32 = 1;
}

/// `report.submitted`: the group sent its quarterly written report to the bureau (G-08).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportSubmitted {
    pub report_id: ReportId,
    pub group_id: GroupId,
    pub period: Quarter,
    pub decision_ids: Vec<DecisionId>,
    pub due_on: NaiveDate,
    pub late: bool,
}

impl Event for ReportSubmitted {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "report.submitted";
    const VERSION: u32 = 1;
}

/// `report.overdue`: a quarter's report was not submitted by its due date (G-08, §8.8).
/// Raised once per group and quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOverdue {
    pub group_id: GroupId,
    pub period: Quarter,
    pub due_on: NaiveDate,
}

impl Event for ReportOverdue {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "report.overdue";
    const VERSION: u32 = 1;
}

/// The facts of a resource every catalogue event about it carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceFacts {
    pub resource_id: ResourceId,
    pub group_id: GroupId,
    pub owner_school_id: SchoolId,
    pub kind: ResourceKind,
    pub subject: String,
    pub tier: QualityTier,
    pub title: String,
    pub version: i32,
}

/// `resource.submitted`: a school of the group contributed a resource (M5/R-09), waiting
/// for the lead office's review when the policy asks for one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceSubmitted {
    #[serde(flatten)]
    pub resource: ResourceFacts,
    pub review_required: bool,
}

impl Event for ResourceSubmitted {
    const SERVICE: ServiceName = ServiceName::Catalogue;
    const TYPE: &'static str = "resource.submitted";
    const VERSION: u32 = 1;
}

/// `resource.published`: the resource is visible to every school of the group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcePublished {
    #[serde(flatten)]
    pub resource: ResourceFacts,
}

impl Event for ResourcePublished {
    const SERVICE: ServiceName = ServiceName::Catalogue;
    const TYPE: &'static str = "resource.published";
    const VERSION: u32 = 1;
}

/// `resource.rejected`: the lead office did not accept it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceRejected {
    #[serde(flatten)]
    pub resource: ResourceFacts,
    #[serde(default)]
    pub note: Option<String>,
}

impl Event for ResourceRejected {
    const SERVICE: ServiceName = ServiceName::Catalogue;
    const TYPE: &'static str = "resource.rejected";
    const VERSION: u32 = 1;
}

/// `resource.version_added`: a new immutable version; adopters stay on theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceVersionAdded {
    #[serde(flatten)]
    pub resource: ResourceFacts,
    /// Schools on an older version, now told a newer one exists.
    pub adopters_behind: u32,
}

impl Event for ResourceVersionAdded {
    const SERVICE: ServiceName = ServiceName::Catalogue;
    const TYPE: &'static str = "resource.version_added";
    const VERSION: u32 = 1;
}

/// `resource.adopted`: a school of the group adopted a version for its teaching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceAdopted {
    #[serde(flatten)]
    pub resource: ResourceFacts,
    pub adopting_school_id: SchoolId,
}

impl Event for ResourceAdopted {
    const SERVICE: ServiceName = ServiceName::Catalogue;
    const TYPE: &'static str = "resource.adopted";
    const VERSION: u32 = 1;
}

/// `resource.export_refused`: R-11/M7 — someone tried to share a group resource outside the
/// group or publish it into another group; refused and recorded (who: the envelope's actor;
/// what: the resource; to whom: the target) for the bureau's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceExportRefused {
    #[serde(flatten)]
    pub resource: ResourceFacts,
    /// The school whose office asked, when a school did.
    #[serde(default)]
    pub requested_by_school_id: Option<SchoolId>,
    pub target: ShareTarget,
    pub rule: String,
}

impl Event for ResourceExportRefused {
    const SERVICE: ServiceName = ServiceName::Catalogue;
    const TYPE: &'static str = "resource.export_refused";
    const VERSION: u32 = 1;
}

/// `facility.booked`: a school of the group booked a facility for a slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityBooked {
    pub booking_id: BookingId,
    pub facility_id: FacilityId,
    pub group_id: GroupId,
    pub owner_school_id: SchoolId,
    pub booking_school_id: SchoolId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Event for FacilityBooked {
    const SERVICE: ServiceName = ServiceName::Catalogue;
    const TYPE: &'static str = "facility.booked";
    const VERSION: u32 = 1;
}

/// `policy.published`: a bureau published a new version of its region's policy (DESIGN.md
/// "Policy as data"). It carries the whole policy, so a projection needs nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyPublished {
    pub region: RegionCode,
    pub version: i32,
    pub effective_from: NaiveDate,
    pub policy: Policy,
    pub reason: String,
}

impl Event for PolicyPublished {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "policy.published";
    const VERSION: u32 = 1;
}

/// `member.warned`: the lead school warned a member school (警告, X-01, L8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberWarned {
    pub warning_id: WarningId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub reason: String,
    /// Keys or links of the obligation-ledger entries it cites.
    #[serde(default)]
    pub evidence: Vec<String>,
}

impl Event for MemberWarned {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "member.warned";
    const VERSION: u32 = 1;
}

/// `persuade_out.proposed`: the lead school proposed to persuade a member out (劝退, X-01),
/// on a warning or a failing evaluation and a council decision (G-09); the bureau decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersuadeOutProposed {
    pub persuade_out_id: PersuadeOutId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub reason: String,
    pub decision_id: DecisionId,
    pub warning_ids: Vec<WarningId>,
    #[serde(default)]
    pub failing_evaluation_id: Option<uuid::Uuid>,
    pub policy_version: i32,
}

impl Event for PersuadeOutProposed {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "persuade_out.proposed";
    const VERSION: u32 = 1;
}

/// `persuade_out.decided`: the bureau confirmed (then `member.exited` follows in the same
/// transaction, reason `persuaded_out`) or rejected a persuade-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersuadeOutDecided {
    pub persuade_out_id: PersuadeOutId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub confirmed: bool,
    #[serde(default)]
    pub note: Option<String>,
}

impl Event for PersuadeOutDecided {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "persuade_out.decided";
    const VERSION: u32 = 1;
}
