//! Operations of the group membership service: schools, groups, memberships.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{
    ExitReason, GroupId, GroupModel, GroupStatus, MemberRole, MembershipId, RegionCode, SchoolId,
    Stage,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::{Page, Paging};

crate::operation!(Membership, CreateSchool, "school.create", NewSchool => School);
crate::operation!(Membership, GetSchool, "school.get", SchoolRef => School);
crate::operation!(Membership, ListSchools, "school.list", SchoolQuery => Page<School>);
crate::operation!(Membership, CreateGroup, "group.create", NewGroup => Group);
crate::operation!(Membership, GetGroup, "group.get", GroupRef => Group);
crate::operation!(Membership, ListGroups, "group.list", GroupQuery => Page<Group>);
crate::operation!(Membership, DissolveGroup, "group.dissolve", Dissolution => Group);
crate::operation!(Membership, AdmitMember, "member.admit", Admission => Membership);
crate::operation!(Membership, ListMembers, "member.list", MemberQuery => MemberList);
crate::operation!(Membership, ExitMember, "member.exit", MemberExit => Membership);
crate::operation!(Membership, ImportGroup, "group.import", GroupHistory => MemberList);
crate::operation!(Membership, ChangeScale, "group.scale.change", ScaleChange => ScaleDecision);
crate::operation!(Membership, ListScaleDecisions, "group.scale.list", GroupRef => Vec<ScaleDecision>);
crate::operation!(Membership, RecordLeadQuality, "lead_quality.record", NewLeadQuality => LeadQuality);
crate::operation!(Membership, ListLeadQuality, "lead_quality.list", SchoolRef => Vec<LeadQuality>);

/// A new school (学校).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchool {
    /// 1–100 characters, unique in the region.
    #[schema(example = "太康县第一初级中学")]
    pub name: String,
    pub stage: Stage,
    pub region: RegionCode,
    /// 校长.
    #[schema(example = "王建国")]
    pub principal_name: String,
    /// 法人 (the legal person the school is registered as).
    #[schema(example = "太康县第一初级中学")]
    pub legal_person: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct School {
    pub id: SchoolId,
    pub name: String,
    pub stage: Stage,
    pub region: RegionCode,
    pub principal_name: String,
    pub legal_person: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolRef {
    pub school_id: SchoolId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolQuery {
    /// Only schools of this region.
    pub region: Option<RegionCode>,
    /// Only these schools (empty: no such filter).
    #[serde(default)]
    pub ids: Vec<SchoolId>,
    #[serde(default)]
    pub paging: Paging,
}

/// A new education group (教育集团), created by the bureau.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    #[schema(example = "太康县第一初级中学教育集团")]
    pub name: String,
    pub model: GroupModel,
    /// The lead school (龙头学校); it must not be in another group.
    pub lead_school_id: SchoolId,
    /// 挂牌 date; the first evaluation is one year after it (V-03).
    pub plaque_date: NaiveDate,
    /// F-08: the bureau's size decision. Lowers the model's cap; a value above it needs
    /// `cap_exception_reason` (§8.3).
    #[serde(default)]
    pub scale_cap: Option<u8>,
    #[serde(default)]
    pub cap_exception_reason: Option<String>,
}

/// A group as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub model: GroupModel,
    pub lead_school_id: SchoolId,
    /// The lead school's region; the group belongs to this bureau.
    pub region: RegionCode,
    /// The lead school's stage (F-03).
    pub stage: Stage,
    pub plaque_date: NaiveDate,
    pub scale_cap: Option<u8>,
    pub cap_exception_reason: Option<String>,
    /// F-08/F-09: how many members the group may have now.
    pub effective_cap: u8,
    /// Active members, the lead not counted (§8.1).
    pub active_members: u8,
    /// The lead and every active member.
    pub active_school_ids: Vec<SchoolId>,
    /// F-04: regions of the active schools; more than one means a cross-region group.
    pub regions: Vec<RegionCode>,
    pub status: GroupStatus,
    pub dissolved_at: Option<DateTime<Utc>>,
    pub dissolution_reason: Option<String>,
    /// The policy version the group was established under.
    pub policy_version: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRef {
    pub group_id: GroupId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupQuery {
    /// Groups of this region: led from it, or with an active school in it (F-04).
    pub region: Option<RegionCode>,
    /// Groups this school is now in.
    pub school_id: Option<SchoolId>,
    #[serde(default)]
    pub include_dissolved: bool,
    #[serde(default)]
    pub paging: Paging,
}

/// 撤销: the bureau dissolves a group; every membership ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dissolution {
    pub group_id: GroupId,
    pub reason: String,
    /// dissolving without a failing evaluation needs this recorded reason.
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Admission {
    pub group_id: GroupId,
    pub school_id: SchoolId,
}

/// One school's time in a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub id: MembershipId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub school_name: String,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub exit_reason: Option<ExitReason>,
    pub exit_note: Option<String>,
    /// F-06/F-07: "…成员学校" or "…校区".
    pub plaque_text: String,
    /// F-06/F-07: kept in alliance and trusteeship groups, not in tight ones.
    pub legal_person_retained: bool,
    /// F-06/F-07: the school keeps its own leadership body (领导机构) and management in
    /// alliance and trusteeship groups; a tight group has one leadership team.
    pub independent_leadership: bool,
    /// F-04: the school is in another region than the group's lead.
    pub cross_region: bool,
    pub policy_version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberQuery {
    pub group_id: GroupId,
    /// Also past memberships (exited schools).
    #[serde(default)]
    pub include_history: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberList {
    pub group: Group,
    pub members: Vec<Membership>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberExit {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub reason: ExitReason,
    pub note: Option<String>,
}

/// F-08: the bureau changes a group's scale cap after formation (办学规模由教育行政主管部门决定).
/// Lowering it below today's members removes nobody; it only stops admissions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleChange {
    pub group_id: GroupId,
    /// The new cap; `None` returns the group to its model's cap (F-09).
    pub scale_cap: Option<u8>,
    /// Why (required): the quality evaluation it rests on, the bureau's document, ….
    pub reason: String,
}

/// One decision on a group's scale, as recorded (history is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScaleDecision {
    pub id: Uuid,
    pub group_id: GroupId,
    /// The cap before this decision (`None`: the model's cap).
    pub previous_scale_cap: Option<u8>,
    /// The cap decided (`None`: the model's cap).
    pub scale_cap: Option<u8>,
    /// §8.3: the cap is above the model's, an exception on record.
    pub cap_exception: bool,
    /// F-08/F-09: the cap in force after the decision, under the policy it cites.
    pub effective_cap: u8,
    /// Active members when it was decided; more than the cap removes nobody.
    pub active_members: u8,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    /// The region policy version the decision was made under.
    pub policy_version: i32,
}

/// F-08/V-07: the bureau records a lead school's quality evaluation of a school year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLeadQuality {
    pub school_id: SchoolId,
    /// The school year evaluated, by its starting calendar year (2025 = 2025–2026).
    #[schema(example = 2025)]
    pub school_year: i32,
    /// The quality evaluation's result, 0–100 (教育教学质量评估得分).
    #[schema(minimum = 0, maximum = 100, example = 86.5)]
    pub score: f64,
    /// Whether quality improved on the year before (持续提升). When absent it is derived
    /// from the score of the year before, which must then be on record.
    #[serde(default)]
    pub improving: Option<bool>,
    /// What the judgement rests on: report numbers, documents, links (up to 20).
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A lead school's quality of one school year, as the bureau recorded it. A later record of
/// the same year corrects it; earlier ones stay on record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeadQuality {
    pub id: Uuid,
    pub school_id: SchoolId,
    pub school_year: i32,
    pub score: f64,
    /// F-08/V-07: improved on the year before; while the latest record says no, the
    /// school's group admits no member (policy `lead_quality_gate`).
    pub improving: bool,
    pub evidence: Vec<String>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// Replaced by a later record of the same school year.
    pub superseded: bool,
}

/// A group that existed before this system, loaded with its past by the bureau: formation
/// and plaque dates, its admissions and exits with their real dates. The past is replayed in
/// date order through the rules of live admissions and exits (caps and scale F-08/F-09, same
/// stage F-03, the lead never a member F-01, one group at a time §8.5, the lead's quality
/// V-07, under the policy in force on each date); the whole load is refused on the first
/// entry a live write would have been refused for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupHistory {
    #[schema(example = "太康县第一初级中学教育集团")]
    pub name: String,
    pub model: GroupModel,
    pub lead_school_id: SchoolId,
    /// 挂牌 date; the first evaluation is one year after it (V-03).
    pub plaque_date: NaiveDate,
    /// When the bureau formed the group (组建); defaults to the plaque date.
    #[serde(default)]
    pub formed_on: Option<NaiveDate>,
    #[serde(default)]
    pub scale_cap: Option<u8>,
    #[serde(default)]
    pub cap_exception_reason: Option<String>,
    /// Every member school's time in the group (a school may come back: one entry a stay).
    #[serde(default)]
    pub members: Vec<PastMembership>,
}

/// One member school's stay in a group, with its real dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PastMembership {
    pub school_id: SchoolId,
    pub joined_on: NaiveDate,
    /// When it left; absent while it is still a member.
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
    /// Why it left (required with `left_on`; not `dissolution`, which only a dissolution
    /// gives).
    #[serde(default)]
    pub exit_reason: Option<ExitReason>,
    #[serde(default)]
    pub note: Option<String>,
}
