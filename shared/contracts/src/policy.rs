//! Policy per region (DESIGN.md "Policy as data"): the membership service owns the versions
//! and publishes each one whole (`policy.published`); every service that decides with policy
//! keeps a projection of them and records the version it used.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{Policy, RegionCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::operation!(Membership, GetRegionPolicy, "policy.get", RegionRef => RegionPolicy);
crate::operation!(Membership, PublishPolicy, "policy.publish", PolicyChange => PolicyVersion);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionRef {
    pub region: RegionCode,
}

/// A bureau's new version of its region's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyChange {
    pub region: RegionCode,
    /// The whole policy; its `version` is ignored (the store numbers versions).
    pub policy: Policy,
    /// From when it applies (today or later; default today).
    #[serde(default)]
    pub effective_from: Option<NaiveDate>,
    /// Why the bureau changed it (kept with the version).
    pub reason: String,
}

/// One version of a region's policy. Version 0 is the documents' defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersion {
    pub region: RegionCode,
    pub version: i32,
    pub effective_from: NaiveDate,
    pub policy: Policy,
    /// Who published it (token subject); none for the defaults.
    pub changed_by: Option<String>,
    pub reason: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// A region's policy: the version in force today and every version, newest first (future
/// ones included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegionPolicy {
    pub region: RegionCode,
    pub current: PolicyVersion,
    pub versions: Vec<PolicyVersion>,
}
