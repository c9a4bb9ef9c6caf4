//! Golden envelopes: the audit trail: a page of a county's chain (audit.records).

use super::*;
use edu_contracts::audit::{
    AuditPage, AuditQuery, AuditRecord, ChainHead, ChainVerifier, GENESIS, record_hash,
};
use edu_contracts::events::MemberAdmitted;

#[test]
fn golden_command_audit_query() {
    let command = Command {
        actor: bureau(),
        idempotency_key: None,
        body: AuditQuery {
            county: region(),
            after_seq: 500,
            limit: 500,
        },
    };
    golden("command_audit_query", &command);
}

#[test]
fn golden_reply_audit_page() {
    let event = MemberAdmitted {
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        membership_id: MembershipId(id(MEMBERSHIP)),
        plaque_text: "太康县第一初级中学教育集团成员学校".into(),
        legal_person_retained: true,
        independent_leadership: Some(true),
        cross_region: false,
        policy_version: 3,
        region: None,
        school_name: None,
        principal_name: None,
        joined_on: None,
    };
    let content =
        serde_json::to_string(&envelope(1, &event, Some(GROUP), Some(MEMBER))).expect("envelope");
    let hash = record_hash(&GENESIS, &content);
    let page = AuditPage {
        service: ServiceName::Membership.as_str().to_owned(),
        county: region(),
        head: Some(ChainHead { seq: 1, hash }),
        records: vec![AuditRecord {
            seq: 1,
            event_id: EventId(id(1)),
            event_type: MemberAdmitted::TYPE.to_owned(),
            content,
            prev_hash: GENESIS,
            hash,
        }],
    };
    let file = golden("reply_ok_audit_page", &Reply::Ok(page.clone()));
    // hashes travel as 64 lowercase hex digits, the first record's previous one zero
    assert_eq!(file["ok"]["records"][0]["prev_hash"], "0".repeat(64));
    let mut check = ChainVerifier::new(Some("411627"), page.head);
    page.records.iter().for_each(|r| check.push(r));
    assert_eq!(check.finish().broken, None);
}
