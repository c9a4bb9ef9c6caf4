//! 集团章程 and 集团发展规划 (G-14, L4, M2; G-01, G-07): the group's charter and its development
//! plan with the plan's timetable and roadmap (时间表和线路图). The lead school's office drafts
//! each version; the council adopts one by a decision of the kind's category, and the version
//! adopted supersedes the one in force before it; each member school's office acknowledges
//! the version in force (the lead school's acknowledgement is implied). The council owns the
//! decisions, so it keeps the versions and checks the citation in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, MemberRole, SchoolId, SchoolYear, Semester};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CharterVersionId, DecisionCategory, DecisionId, GroupScope};
use crate::{Event, ServiceName};

crate::operation!(Council, DraftCharterVersion, "charter.draft", NewCharterVersion => CharterVersion);
crate::operation!(Council, EditCharterDraft, "charter.edit", CharterDraft => CharterVersion);
crate::operation!(Council, AdoptCharterVersion, "charter.adopt", CharterAdoption => CharterVersion);
crate::operation!(Council, AcknowledgeCharter, "charter.acknowledge", CharterAcknowledgement => Acknowledgement);
crate::operation!(Council, GetCharterVersion, "charter.version", CharterVersionRef => CharterVersion);
crate::operation!(Council, GetCharter, "charter.get", GroupScope => GroupCharter);

/// Which of the group's two founding documents a version is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum CharterKind {
    /// 集团章程 (G-14, L4): written by the lead school, followed by the members (M2).
    Charter,
    /// 集团发展规划 (G-01, G-07), with its timetable and roadmap (milestones).
    DevelopmentPlan,
}
edu_domain::spelled!(CharterKind { Charter => "charter", DevelopmentPlan => "development_plan" });

impl CharterKind {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Charter => "集团章程",
            Self::DevelopmentPlan => "集团发展规划",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Self::Charter => "charter",
            Self::DevelopmentPlan => "development plan",
        }
    }

    /// The category of the council decision that adopts a version of this kind: `charter`
    /// (G-14) or `development_plan` (G-07).
    pub fn decision_category(self) -> DecisionCategory {
        match self {
            Self::Charter => DecisionCategory::Charter,
            Self::DevelopmentPlan => DecisionCategory::DevelopmentPlan,
        }
    }

    /// The rule the council's adoption of this kind enforces.
    pub fn adoption_rule(self) -> &'static str {
        match self {
            Self::Charter => "G-14",
            Self::DevelopmentPlan => "G-07",
        }
    }
}

/// Where a version is in its life: drafted and edited, then adopted (in force) until the
/// next version of its kind is adopted (superseded). Only a draft changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)
)]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum CharterStatus {
    /// 草案: the lead school's office may still edit it.
    Draft,
    /// 现行: adopted by the council's decision, the one of its kind the group follows.
    InForce,
    /// 已废止: replaced by a later version the council adopted.
    Superseded,
}
edu_domain::spelled!(CharterStatus { Draft => "draft", InForce => "in_force", Superseded => "superseded" });

/// One milestone of the development plan's timetable and roadmap (G-01): when, what, and the
/// school of the group responsible. When is a day (`due_on`), or a school year
/// (`school_year`, the year it starts in), with one of its semesters or without.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    #[serde(default)]
    #[schema(example = "2027-06-30")]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, example = 2026)]
    pub school_year: Option<SchoolYear>,
    #[serde(default)]
    pub semester: Option<Semester>,
    /// Up to 500 characters.
    #[schema(example = "建成集团优质课程资源库,每校每学期至少贡献 5 项资源")]
    pub what: String,
    /// The school responsible: the lead school or a member school of the group.
    pub school_id: SchoolId,
}

/// A milestone as a version holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Milestone {
    pub due_on: Option<NaiveDate>,
    #[schema(value_type = Option<i32>)]
    pub school_year: Option<SchoolYear>,
    pub semester: Option<Semester>,
    pub what: String,
    pub school_id: SchoolId,
    pub school_name: String,
}

/// A new version, drafted by the lead school's office (G-14, L4): the next number of its
/// kind. A group has at most one draft of each kind; the draft is edited until adopted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCharterVersion {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    pub kind: CharterKind,
    /// Up to 200 characters.
    #[schema(example = "太康县第一初级中学教育集团章程(2027年修订)")]
    pub title: String,
    /// Plain text, up to 20000 characters; line breaks are kept.
    #[schema(example = "第一章 总则\n第一条 为规范集团化办学……")]
    pub body: String,
    /// The development plan's timetable and roadmap: 1 to 100 milestones. A charter has none.
    #[serde(default)]
    pub milestones: Vec<NewMilestone>,
}

/// A draft's new text, as a whole (`PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CharterDraft {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub version_id: CharterVersionId,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub milestones: Vec<NewMilestone>,
}

/// The adoption of a draft by the council's decision: a passed motion of this group of
/// category `charter` (the charter) or `development_plan` (the plan), made no earlier than
/// the day the draft's text last changed, that adopted no other version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CharterAdoption {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub version_id: CharterVersionId,
    /// Left out, the adoption is refused with `council_decision_required`, which says what
    /// kind of decision is needed.
    #[serde(default)]
    pub decision_id: Option<DecisionId>,
}

/// A member school acknowledges the version in force (M2); set by the lead-school API from
/// the path and the caller's school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharterAcknowledgement {
    pub version_id: CharterVersionId,
    pub school_id: SchoolId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharterVersionRef {
    pub version_id: CharterVersionId,
}

/// The council's decision that adopted a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CharterAdoptionRecord {
    pub decision_id: DecisionId,
    /// The decision's title and day, as the council recorded them.
    pub decision_title: String,
    pub decided_on: NaiveDate,
    /// Who recorded the adoption (the token's `sub`), and when.
    pub adopted_by: String,
    pub adopted_at: DateTime<Utc>,
}

/// One version of the charter or of the development plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CharterVersion {
    pub id: CharterVersionId,
    pub group_id: GroupId,
    pub kind: CharterKind,
    /// 1, 2, … per group and kind.
    pub version: u32,
    pub title: String,
    pub body: String,
    /// The plan's timetable and roadmap, in order; empty for a charter.
    pub milestones: Vec<Milestone>,
    pub status: CharterStatus,
    /// Who drafted it (the token's `sub`), and when.
    pub drafted_by: String,
    pub drafted_at: DateTime<Utc>,
    /// The draft's last edit, if it was edited.
    pub edited_by: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
    /// The council's decision that adopted it; none while it is a draft.
    pub adoption: Option<CharterAdoptionRecord>,
    /// The version that replaced it, and when.
    pub superseded_by: Option<CharterVersionId>,
    pub superseded_at: Option<DateTime<Utc>>,
}

/// A school's acknowledgement of a version in force (M2), or its absence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Acknowledgement {
    pub version_id: CharterVersionId,
    pub school_id: SchoolId,
    pub school_name: String,
    pub role: MemberRole,
    /// The lead school's acknowledgement is implied: its office drafted the version and the
    /// council it chairs adopted it (G-14).
    pub implied: bool,
    /// Who acknowledged it for the school (the token's `sub`) and when; none while the school
    /// has not (and for the lead school).
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

/// A version in force, with each school of the group now: the lead school (implied) first,
/// then every active member school, acknowledged or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CharterInForce {
    pub version: CharterVersion,
    pub acknowledgements: Vec<Acknowledgement>,
    /// Active member schools that acknowledged it, and how many there are.
    pub acknowledged: u32,
    pub members: u32,
}

/// A group's charter and development plan: the versions in force, with their
/// acknowledgements, and every version of both kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GroupCharter {
    pub group_id: GroupId,
    /// The charter in force, if one was adopted.
    pub charter: Option<CharterInForce>,
    /// The development plan in force, if one was adopted.
    pub development_plan: Option<CharterInForce>,
    /// Every version of both kinds, drafts too, newest first.
    pub history: Vec<CharterVersion>,
}

/// `charter.drafted`: the lead school's office drafted a version of the group's charter or
/// development plan (G-14, L4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharterDrafted {
    pub version_id: CharterVersionId,
    pub group_id: GroupId,
    pub kind: CharterKind,
    pub version: u32,
    pub title: String,
}

impl Event for CharterDrafted {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "charter.drafted";
    const VERSION: u32 = 1;
}

/// `charter.edited`: the draft's text was changed before its adoption.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharterEdited {
    pub version_id: CharterVersionId,
    pub group_id: GroupId,
    pub kind: CharterKind,
    pub version: u32,
    pub title: String,
}

impl Event for CharterEdited {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "charter.edited";
    const VERSION: u32 = 1;
}

/// `charter.adopted`: the council's decision adopted a version, which is now in force and
/// supersedes the version of its kind in force before (G-14, G-07).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharterAdopted {
    pub version_id: CharterVersionId,
    pub group_id: GroupId,
    pub kind: CharterKind,
    pub version: u32,
    pub decision_id: DecisionId,
    /// The version it supersedes, if one was in force.
    #[serde(default)]
    pub superseded_version_id: Option<CharterVersionId>,
}

impl Event for CharterAdopted {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "charter.adopted";
    const VERSION: u32 = 1;
}

/// `charter.acknowledged`: a member school's office acknowledged the version in force: the
/// school follows it (M2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CharterAcknowledged {
    pub version_id: CharterVersionId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub kind: CharterKind,
    pub version: u32,
}

impl Event for CharterAcknowledged {
    const SERVICE: ServiceName = ServiceName::Council;
    const TYPE: &'static str = "charter.acknowledged";
    const VERSION: u32 = 1;
}
