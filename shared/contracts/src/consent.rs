//! A school of another county joins a group only with its own county bureau's consent
//! (F-04: cross-region groups are allowed; DOMAIN.md: both bureaus see them). Admitting such
//! a school records a request; the school's bureau approves it, and the admission then runs
//! through the same rules as any other, or declines it with a reason.

use chrono::{DateTime, Utc};
use edu_domain::{GroupId, MembershipId, RegionCode, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::{Page, Paging};

crate::operation!(Membership, RequestConsent, "consent.request", crate::membership::Admission => ConsentRequest);
crate::operation!(Membership, DecideConsent, "consent.decide", ConsentDecision => ConsentRequest);
crate::operation!(Membership, ListConsents, "consent.list", ConsentQuery => Page<ConsentRequest>);

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Waiting for the school's county bureau.
    Pending,
    /// Consented: the school was admitted (`membership_id`).
    Approved,
    /// Declined, with the bureau's reason.
    Declined,
}

impl ConsentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Declined]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A request for a school of another county to join a group (F-04).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConsentRequest {
    pub id: Uuid,
    pub group_id: GroupId,
    pub group_name: String,
    /// The group's county, whose bureau or lead office asked.
    pub group_region: RegionCode,
    pub school_id: SchoolId,
    pub school_name: String,
    /// The school's county, whose bureau decides.
    pub school_region: RegionCode,
    /// Who asked (the token's subject).
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub status: ConsentStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The bureau's reason (required to decline).
    pub reason: Option<String>,
    /// The membership the consent admitted.
    pub membership_id: Option<MembershipId>,
}

/// The school's county bureau decides a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentDecision {
    pub request_id: Uuid,
    /// `approve` admits the school (the admission rules apply as of now); `decline` ends the
    /// request.
    pub decision: ConsentVerdict,
    /// Why; required to decline.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentVerdict {
    Approve,
    Decline,
}

/// Requests about a county (asked by it, or about its schools) or about one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentQuery {
    /// Requests whose group or school is in this county.
    pub region: Option<RegionCode>,
    pub group_id: Option<GroupId>,
    pub status: Option<ConsentStatus>,
    pub paging: Paging,
}
