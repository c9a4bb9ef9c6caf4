//! Golden envelopes: the charter's and development plan's events (G-14, G-07, M2).

use super::*;
use edu_contracts::council::{CharterKind, CharterVersionId, DecisionId};
use edu_contracts::events::{CharterAcknowledged, CharterAdopted, CharterDrafted, CharterEdited};

const VERSION: u128 = 0x80;
const VERSION_BEFORE: u128 = 0x81;
const DECISION: u128 = 0x52;

fn charter_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, event: &E, school: u128) {
    assert_eq!(E::SERVICE, ServiceName::Council);
    event_golden(name, envelope(n, event, Some(GROUP), Some(school)), event);
}

#[test]
fn golden_charter_drafted() {
    let event = CharterDrafted {
        version_id: CharterVersionId(id(VERSION)),
        group_id: GroupId(id(GROUP)),
        kind: CharterKind::DevelopmentPlan,
        version: 2,
        title: "集团三年发展规划(2026—2029)".into(),
    };
    charter_golden("event_charter_drafted", 10, &event, LEAD);
}

#[test]
fn golden_charter_edited() {
    let event = CharterEdited {
        version_id: CharterVersionId(id(VERSION)),
        group_id: GroupId(id(GROUP)),
        kind: CharterKind::DevelopmentPlan,
        version: 2,
        title: "集团三年发展规划(2026—2029,修改稿)".into(),
    };
    charter_golden("event_charter_edited", 11, &event, LEAD);
}

#[test]
fn golden_charter_adopted() {
    // G-14: the council's charter decision adopts version 2, which supersedes version 1
    let event = CharterAdopted {
        version_id: CharterVersionId(id(VERSION)),
        group_id: GroupId(id(GROUP)),
        kind: CharterKind::Charter,
        version: 2,
        decision_id: DecisionId(id(DECISION)),
        superseded_version_id: Some(CharterVersionId(id(VERSION_BEFORE))),
    };
    charter_golden("event_charter_adopted", 12, &event, LEAD);
    // the first version adopted supersedes nothing; the field may be left out
    let first: CharterAdopted = serde_json::from_value(json!({
        "version_id": id(VERSION_BEFORE), "group_id": id(GROUP), "kind": "charter",
        "version": 1, "decision_id": id(DECISION)}))
    .expect("payload without superseded_version_id");
    assert_eq!(first.superseded_version_id, None);
}

#[test]
fn golden_charter_acknowledged() {
    // M2: the member school follows the charter in force
    let event = CharterAcknowledged {
        version_id: CharterVersionId(id(VERSION)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        kind: CharterKind::Charter,
        version: 2,
    };
    charter_golden("event_charter_acknowledged", 13, &event, MEMBER);
}
