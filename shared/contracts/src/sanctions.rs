//! Sanctions (RULES.md §5c): the lead school warns a member (警告) and persuades it out
//! (劝退, X-01, L8); the bureau confirms (§5c: the bureau formed the group); the membership
//! service then ends the membership with the reason `persuaded_out`.

use chrono::{DateTime, Utc};
use edu_domain::{GroupId, MembershipId, PersuadeOutId, SchoolId, WarningId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::council::DecisionId;

crate::operation!(Membership, IssueWarning, "warning.issue", NewWarning => Warning);
crate::operation!(Membership, ListSanctions, "sanction.list", SanctionQuery => Sanctions);
crate::operation!(Membership, ProposePersuadeOut, "persuade_out.propose", NewPersuadeOut => PersuadeOut);
crate::operation!(Membership, DecidePersuadeOut, "persuade_out.decide", PersuadeOutDecision => PersuadeOut);

/// A warning the lead office issues to a member school (X-01, L8).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWarning {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub reason: String,
    /// Evidence: keys or links of obligation-ledger entries (at most 20).
    #[serde(default)]
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Warning {
    pub id: WarningId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    /// The membership it was issued in; it counts only while that membership lasts.
    pub membership_id: MembershipId,
    pub reason: String,
    pub evidence: Vec<String>,
    pub issued_by: String,
    pub issued_at: DateTime<Utc>,
    /// Issued during the school's current membership.
    pub active: bool,
}

/// 劝退: the lead office proposes; needs an active warning or a failing evaluation (§8.7)
/// and a council decision of category `member_major_matter` about the school (G-09).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPersuadeOut {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub reason: String,
    /// The council decision; default the latest one about the school.
    #[serde(default)]
    pub decision_id: Option<DecisionId>,
}

/// The bureau's answer to a persuade-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersuadeOutDecision {
    pub group_id: GroupId,
    pub school_id: SchoolId,
    /// `true` confirms (the membership ends), `false` rejects.
    pub confirm: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersuadeOutStatus {
    /// Waiting for the bureau.
    Proposed,
    /// The bureau confirmed; the membership ended (`persuaded_out`).
    Confirmed,
    /// The bureau rejected it.
    Rejected,
}
edu_domain::spelled!(PersuadeOutStatus { Proposed => "proposed", Confirmed => "confirmed", Rejected => "rejected" });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersuadeOut {
    pub id: PersuadeOutId,
    pub group_id: GroupId,
    pub school_id: SchoolId,
    pub reason: String,
    pub status: PersuadeOutStatus,
    /// The active warnings it rests on (§8.7).
    pub warning_ids: Vec<WarningId>,
    /// The failing evaluation it rests on, when the evaluation service reported one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub failing_evaluation_id: Option<Uuid>,
    /// G-09: the council's decision about the school.
    pub decision_id: DecisionId,
    pub proposed_by: String,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub policy_version: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SanctionQuery {
    pub group_id: GroupId,
    /// Only this school's.
    #[serde(default)]
    pub school_id: Option<SchoolId>,
}

/// A group's (or one school's) warnings and persuade-outs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sanctions {
    pub warnings: Vec<Warning>,
    pub persuade_outs: Vec<PersuadeOut>,
}
