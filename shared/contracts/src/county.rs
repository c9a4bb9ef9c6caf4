//! The bureau's county view in the membership service: how many of the county's junior
//! schools a group covers against the policy's line (F-16, ≥ 80 %), and the rounds of
//! weak-school designation — about a third of the junior schools, on the last three years'
//! developmental assessments, each with its own plan (一校一案), in three-year rounds managed
//! dynamically (F-17).

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, RegionCode, SchoolId, Stage};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::policy::RegionRef;
use crate::{Event, ServiceName};

crate::operation!(Membership, GetCoverage, "county.coverage", CoverageQuery => Coverage);
crate::operation!(Membership, OpenWeakRound, "weak_round.open", NewWeakRound => WeakRound);
crate::operation!(Membership, ListWeakRounds, "weak_round.list", RegionRef => Vec<WeakRound>);
crate::operation!(Membership, DesignateWeakSchool, "weak_school.designate", NewDesignation => WeakDesignation);
crate::operation!(Membership, LiftDesignation, "weak_school.lift", DesignationLift => WeakDesignation);

edu_domain::uuid_id!(
    /// A round of weak-school designation in a county (F-17).
    WeakRoundId
);
edu_domain::uuid_id!(
    /// A school designated relatively weak in a round (F-17).
    DesignationId
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageQuery {
    pub region: RegionCode,
    /// The day the coverage is read for (default today).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// F-16: the county's junior schools (初中, 九年一贯制 and 十二年一贯制: every school with
/// junior years) and which of them a group covers, as lead or active member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Coverage {
    pub region: RegionCode,
    pub as_of: NaiveDate,
    pub junior_schools: u32,
    pub covered: u32,
    /// One decimal; `null` when the county has no junior school.
    pub covered_pct: Option<f64>,
    /// The policy's line (default 80).
    pub line_pct: u8,
    pub met: bool,
    /// The junior schools no group covers.
    pub uncovered: Vec<CountySchool>,
    /// The round of weak-school designation in force on `as_of`, if any.
    pub round: Option<WeakRound>,
    pub policy_version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CountySchool {
    pub school_id: SchoolId,
    pub name: String,
    pub stage: Stage,
    /// F-17: designated relatively weak in the round in force.
    pub designated_weak: bool,
}

/// F-17: the bureau opens a round of three school years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWeakRound {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub region: Option<RegionCode>,
    /// The round's first school year (by its starting calendar year).
    #[schema(example = 2025)]
    pub first_school_year: i32,
    /// 依据: which assessments the designations rest on, 1–500 characters.
    #[schema(example = "2022—2024 学年初中学校发展性评估结果")]
    pub basis: String,
}

/// F-17: one school designated in a round, with its own plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDesignation {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub region: Option<RegionCode>,
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub round_id: WeakRoundId,
    pub school_id: SchoolId,
    /// The last three years' developmental assessments, 1–1000 characters.
    #[schema(example = "2022 C、2023 C、2024 D")]
    pub assessment: String,
    /// 一校一案: the school's own plan, 1–4000 characters.
    pub plan: String,
}

/// F-17: managed dynamically — a school leaves the list before the round ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DesignationLift {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub region: Option<RegionCode>,
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub designation_id: DesignationId,
    pub lifted_on: NaiveDate,
    /// 1–500 characters.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeakRound {
    pub id: WeakRoundId,
    pub region: RegionCode,
    pub first_school_year: i32,
    /// Three school years: the first and the two after it.
    pub last_school_year: i32,
    pub basis: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    /// The policy's share (default 33: about a third).
    pub target_share_pct: u8,
    /// Designations in force over the county's junior schools, one decimal.
    pub designated_share_pct: Option<f64>,
    pub designations: Vec<WeakDesignation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WeakDesignation {
    pub id: DesignationId,
    pub round_id: WeakRoundId,
    pub school_id: SchoolId,
    pub school_name: String,
    pub assessment: String,
    pub plan: String,
    pub designated_by: String,
    pub designated_at: DateTime<Utc>,
    pub lifted_on: Option<NaiveDate>,
    pub lift_reason: Option<String>,
    /// The group that covers the school now, if any (the designation makes it a member
    /// a group should take in).
    pub group_id: Option<GroupId>,
}

/// `weak_round.opened` (F-17).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeakRoundOpened {
    pub round_id: WeakRoundId,
    pub region: RegionCode,
    pub first_school_year: i32,
    pub last_school_year: i32,
}

impl Event for WeakRoundOpened {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "weak_round.opened";
    const VERSION: u32 = 1;
}

/// `weak_school.changed` (F-17): designated, or lifted when `lifted_on` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeakSchoolChanged {
    pub round_id: WeakRoundId,
    pub designation_id: DesignationId,
    pub school_id: SchoolId,
    #[serde(default)]
    pub lifted_on: Option<NaiveDate>,
}

impl Event for WeakSchoolChanged {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "weak_school.changed";
    const VERSION: u32 = 1;
}
