//! Sharing agreements (R-10, M6: 依具体协议共享资源): between the lead and a member, or among
//! members, naming what they share — brand, management philosophy, institutions, teaching,
//! research, cadre and teacher exchange — and for how long. Kept by the membership service;
//! a posting or a share rests on the agreement whose parties, scope and term cover it, and
//! one that none covers is flagged to the council.

use chrono::{DateTime, NaiveDate, Utc};
use edu_domain::{GroupId, SchoolId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::membership::GroupRef;
use crate::{Event, ServiceName};

crate::operation!(Membership, RecordAgreement, "agreement.record", NewAgreement => Agreement);
crate::operation!(Membership, EndAgreement, "agreement.end", AgreementEnd => Agreement);
crate::operation!(Membership, ListAgreements, "agreement.list", GroupRef => Vec<Agreement>);

edu_domain::uuid_id!(
    /// A sharing agreement between schools of a group.
    AgreementId
);

/// R-10/M6: what an agreement shares.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SharingScope {
    /// 品牌
    Brand,
    /// 管理理念
    Management,
    /// 制度
    Institutions,
    /// 教学
    Teaching,
    /// 教研
    Research,
    /// 干部教师交流
    StaffExchange,
}
edu_domain::spelled!(SharingScope {
    Brand => "brand",
    Management => "management",
    Institutions => "institutions",
    Teaching => "teaching",
    Research => "research",
    StaffExchange => "staff_exchange",
});

impl SharingScope {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Brand => "品牌",
            Self::Management => "管理理念",
            Self::Institutions => "制度",
            Self::Teaching => "教学",
            Self::Research => "教研",
            Self::StaffExchange => "干部教师交流",
        }
    }
}

/// the lead office records an agreement its parties signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgreement {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// 1–100 characters.
    #[schema(example = "一中—二中教学与干部教师交流协议")]
    pub title: String,
    /// The parties: two or more active schools of the group.
    pub school_ids: Vec<SchoolId>,
    /// At least one.
    pub scopes: Vec<SharingScope>,
    #[schema(example = "2025-09-01")]
    pub starts_on: NaiveDate,
    /// At most ten years after the start.
    #[schema(example = "2028-08-31")]
    pub ends_on: NaiveDate,
    /// 协议文号 or file reference, at most 100 characters.
    #[serde(default)]
    pub document_ref: Option<String>,
}

/// An agreement ends before its term (terminated), for a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementEnd {
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub group_id: GroupId,
    /// Set from the path by the lead-school API.
    #[serde(default)]
    #[schema(ignore)]
    pub agreement_id: AgreementId,
    pub ended_on: NaiveDate,
    /// 1–500 characters.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Agreement {
    pub id: AgreementId,
    pub group_id: GroupId,
    pub title: String,
    pub school_ids: Vec<SchoolId>,
    pub scopes: Vec<SharingScope>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Terminated before its term.
    pub ended_on: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub document_ref: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl Agreement {
    /// whether this agreement covers sharing `scope` between `a` and `b` on `day`.
    pub fn covers(&self, a: SchoolId, b: SchoolId, scope: SharingScope, day: NaiveDate) -> bool {
        let last = self.ended_on.map_or(self.ends_on, |e| e.min(self.ends_on));
        self.scopes.contains(&scope)
            && self.school_ids.contains(&a)
            && self.school_ids.contains(&b)
            && self.starts_on <= day
            && day <= last
    }
}

/// `agreement.recorded` / its end: `ended_on` is set when it is terminated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementChanged {
    pub group_id: GroupId,
    pub agreement_id: AgreementId,
    pub school_ids: Vec<SchoolId>,
    pub scopes: Vec<SharingScope>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[serde(default)]
    pub ended_on: Option<NaiveDate>,
}

impl Event for AgreementChanged {
    const SERVICE: ServiceName = ServiceName::Membership;
    const TYPE: &'static str = "agreement.changed";
    const VERSION: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, 1).unwrap_or_default()
    }

    #[test]
    fn r10_an_agreement_covers_its_parties_scopes_and_term_only() {
        let (a, b, c) = (SchoolId::new(), SchoolId::new(), SchoolId::new());
        let mut agreement = Agreement {
            id: AgreementId::new(),
            group_id: GroupId::new(),
            title: "协议".into(),
            school_ids: vec![a, b],
            scopes: vec![SharingScope::StaffExchange],
            starts_on: day(2),
            ends_on: day(8),
            ended_on: None,
            end_reason: None,
            document_ref: None,
            recorded_by: "lead".into(),
            recorded_at: Utc::now(),
        };
        assert!(agreement.covers(b, a, SharingScope::StaffExchange, day(3)));
        assert!(!agreement.covers(a, c, SharingScope::StaffExchange, day(3)));
        assert!(!agreement.covers(a, b, SharingScope::Teaching, day(3)));
        assert!(!agreement.covers(a, b, SharingScope::StaffExchange, day(1)));
        agreement.ended_on = Some(day(4));
        assert!(!agreement.covers(a, b, SharingScope::StaffExchange, day(5)));
    }
}
