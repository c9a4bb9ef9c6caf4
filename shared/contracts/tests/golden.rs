//! Golden JSON of the wire format: every event type in its envelope, the reply envelope
//! (`{"ok"}` / `{"error"}`) and a command. A change to any of these files is a change to
//! what other services and clients read, so it must be deliberate: rewrite them with
//! `EDU_BLESS=1 cargo nextest run -p edu-contracts` and review the diff.

// A test crate: helpers outside `#[test]` fns may panic too (clippy.toml only covers the fns).
#![allow(clippy::expect_used)]

use std::fmt::Debug;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use edu_contracts::council::DecisionId;
use edu_contracts::events::{
    GroupDissolved, GroupEstablished, GroupScaleChanged, LeadQualityRecorded, MemberAdmitted,
    MemberExited, MemberWarned, PersuadeOutDecided, PersuadeOutProposed, PolicyPublished,
};
use edu_contracts::membership::{Admission, Membership};
use edu_contracts::{Actor, Command, Event, EventEnvelope, Reply, ServiceName};
use edu_domain::{
    ErrorCode, EventId, ExitReason, GroupId, GroupModel, MemberRole, MembershipId, PersuadeOutId,
    Policy, Problem, RegionCode, Role, SchoolId, WarningId,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"))
}

fn blessing() -> bool {
    std::env::var("EDU_BLESS").is_ok_and(|v| v == "1")
}

/// Compares `value`'s JSON with the golden file (or rewrites it under `EDU_BLESS=1`), and
/// checks that the file reads back into the same value. Returns the file's JSON.
fn golden<T: Serialize + DeserializeOwned + PartialEq + Debug>(name: &str, value: &T) -> Value {
    let path = golden_path(name);
    let actual = serde_json::to_value(value).expect("serialize");
    if blessing() {
        let text = serde_json::to_string_pretty(&actual).expect("pretty") + "\n";
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reading {}: {e} (create it with EDU_BLESS=1)",
            path.display()
        )
    });
    let expected: Value = serde_json::from_str(&text).expect("golden file is JSON");
    assert_eq!(
        actual,
        expected,
        "{name}: the wire format changed; if that is intended, rerun with EDU_BLESS=1 and review the diff.\nnow:\n{}",
        serde_json::to_string_pretty(&actual).unwrap_or_default()
    );
    let back: T =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} does not read back: {e}"));
    assert_eq!(&back, value, "{name} reads back into another value");
    expected
}

fn id(n: u128) -> Uuid {
    // Fixed UUIDv7-shaped ids: 2026-09-01 timestamp prefix, version 7, variant bits set.
    Uuid::from_u128(0x0199_0a3c_1e00_7000_8000_0000_0000_0000 | n)
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("RFC 3339 time")
}

fn region() -> RegionCode {
    RegionCode::parse("411627").expect("region")
}

fn bureau() -> Actor {
    Actor {
        sub: "user:bureau-411627".into(),
        role: Some(Role::Bureau),
        region: Some(region()),
        school_id: None,
    }
}

const GROUP: u128 = 0x10;
const LEAD: u128 = 0x20;
const MEMBER: u128 = 0x21;
const MEMBERSHIP: u128 = 0x30;

fn envelope<E: Event>(
    n: u128,
    event: &E,
    group: Option<u128>,
    school: Option<u128>,
) -> EventEnvelope {
    EventEnvelope {
        id: EventId(id(n)),
        event_type: E::TYPE.to_owned(),
        version: E::VERSION,
        occurred_at: at("2026-09-01T08:00:00.123456Z"),
        actor: bureau(),
        policy_version: Some(3),
        group_id: group.map(|g| GroupId(id(g))),
        school_id: school.map(|s| SchoolId(id(s))),
        payload: serde_json::to_value(event).expect("payload"),
    }
}

/// The golden envelope of one event type: pinned, read back into the typed event, and
/// tolerant of fields added later (payloads evolve additively inside a version).
fn event_golden<E: Event + PartialEq + Debug>(name: &str, envelope: EventEnvelope, event: &E) {
    assert_eq!(envelope.event_type, E::TYPE);
    let file = golden(name, &envelope);
    assert_eq!(
        file["type"],
        E::TYPE,
        "the envelope says `type`, not `event_type`"
    );

    let back: EventEnvelope = serde_json::from_value(file.clone()).expect("envelope reads back");
    let typed: E = serde_json::from_value(back.payload).expect("payload reads back into its type");
    assert_eq!(&typed, event);

    // Additive evolution: a newer producer adds fields to the payload and to the envelope.
    let mut newer = file.clone();
    newer["payload"]["added_in_a_later_release"] = json!({"any": ["shape", 1]});
    newer["trace_id"] = json!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    let back: EventEnvelope =
        serde_json::from_value(newer).expect("envelope with an unknown field");
    let typed: E = serde_json::from_value(back.payload).expect("payload with an unknown field");
    assert_eq!(&typed, event);

    // Envelopes written before the policy version was recorded still read,
    // as "no policy consulted".
    let mut older = file;
    older
        .as_object_mut()
        .expect("an envelope is an object")
        .remove("policy_version");
    let back: EventEnvelope =
        serde_json::from_value(older).expect("envelope without policy_version");
    assert_eq!(back.policy_version, None);
}

#[test]
fn golden_group_established() {
    let event = GroupEstablished {
        group_id: GroupId(id(GROUP)),
        name: "太康县第一初级中学教育集团".into(),
        model: GroupModel::Alliance,
        lead_school_id: SchoolId(id(LEAD)),
        region: region(),
        plaque_date: NaiveDate::from_ymd_opt(2022, 6, 30).expect("date"),
        effective_cap: 5,
        policy_version: 0,
        lead_school_name: Some("太康县第一初级中学".into()),
        lead_principal_name: Some("王建国".into()),
        formed_on: Some(NaiveDate::from_ymd_opt(2022, 6, 20).expect("date")),
    };
    event_golden(
        "event_group_established",
        envelope(1, &event, Some(GROUP), Some(LEAD)),
        &event,
    );
}

#[test]
fn golden_member_admitted() {
    let event = MemberAdmitted {
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        membership_id: MembershipId(id(MEMBERSHIP)),
        plaque_text: "太康县第一初级中学教育集团成员学校".into(),
        legal_person_retained: true,
        independent_leadership: Some(true),
        cross_region: false,
        policy_version: 0,
        region: Some(region()),
        school_name: Some("太康县第二初级中学".into()),
        principal_name: Some("李明".into()),
        joined_on: None,
    };
    event_golden(
        "event_member_admitted",
        envelope(2, &event, Some(GROUP), Some(MEMBER)),
        &event,
    );
}

#[test]
fn golden_group_scale_changed() {
    // F-08: the bureau lowers the cap below today's members; nobody leaves.
    let event = GroupScaleChanged {
        group_id: GroupId(id(GROUP)),
        previous_scale_cap: None,
        scale_cap: Some(2),
        effective_cap: 2,
        active_members: 3,
        reason: "龙头学校2025学年质量评估未提升,暂停扩容".into(),
        policy_version: 3,
    };
    event_golden(
        "event_group_scale_changed",
        envelope(20, &event, Some(GROUP), None),
        &event,
    );
}

#[test]
fn golden_lead_quality_recorded() {
    // F-08/V-07: the lead school's yearly quality trend, which gates admissions.
    let event = LeadQualityRecorded {
        school_id: SchoolId(id(LEAD)),
        school_year: 2025,
        score: 84.5,
        improving: false,
        group_id: Some(GroupId(id(GROUP))),
    };
    event_golden(
        "event_lead_quality_recorded",
        envelope(21, &event, Some(GROUP), Some(LEAD)),
        &event,
    );
}

#[test]
fn golden_member_exited() {
    let event = MemberExited {
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        membership_id: MembershipId(id(MEMBERSHIP)),
        reason: ExitReason::PersuadedOut,
        note: Some("两次警告后劝退 (X-01)".into()),
        left_on: None,
    };
    event_golden(
        "event_member_exited",
        envelope(3, &event, Some(GROUP), Some(MEMBER)),
        &event,
    );

    // `note` came with a default: a payload without it still reads.
    let mut older = serde_json::to_value(&event).expect("payload");
    older.as_object_mut().expect("object").remove("note");
    let read: MemberExited = serde_json::from_value(older).expect("payload without note");
    assert_eq!(read.note, None);
}

#[test]
fn golden_group_dissolved() {
    let event = GroupDissolved {
        group_id: GroupId(id(GROUP)),
        reason: "年度考核不合格,教育局决定撤销 (X-02)".into(),
        school_ids: vec![SchoolId(id(LEAD)), SchoolId(id(MEMBER))],
        override_reason: Some("县政府决定撤并 (no failing evaluation yet)".into()),
        failing_evaluation_id: None,
    };
    event_golden(
        "event_group_dissolved",
        envelope(4, &event, Some(GROUP), None),
        &event,
    );

    // the X-02 fields came with defaults: an older payload still reads.
    let mut older = serde_json::to_value(&event).expect("payload");
    let fields = older.as_object_mut().expect("object");
    fields.remove("override_reason");
    fields.remove("failing_evaluation_id");
    let read: GroupDissolved = serde_json::from_value(older).expect("older payload");
    assert_eq!(
        (read.override_reason, read.failing_evaluation_id),
        (None, None)
    );
}

#[test]
fn golden_policy_published() {
    let policy = Policy {
        version: 2,
        cap_alliance: 3,
        ..Policy::default()
    };
    let event = PolicyPublished {
        region: RegionCode::parse("411627").expect("region"),
        version: 2,
        effective_from: NaiveDate::from_ymd_opt(2026, 9, 1).expect("date"),
        policy,
        reason: "联盟型集团规模收紧为 3 所 (F-08)".into(),
    };
    event_golden(
        "event_policy_published",
        envelope(40, &event, None, None),
        &event,
    );
}

#[test]
fn golden_sanction_events() {
    let warned = MemberWarned {
        warning_id: WarningId(id(0x50)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        reason: "连续两个学期未向资源库贡献资源 (M5)".into(),
        evidence: vec!["M5/2025-autumn/0199".into()],
    };
    event_golden(
        "event_member_warned",
        envelope(41, &warned, Some(GROUP), Some(MEMBER)),
        &warned,
    );
    let proposed = PersuadeOutProposed {
        persuade_out_id: PersuadeOutId(id(0x51)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        reason: "警告后仍未整改 (X-01)".into(),
        decision_id: DecisionId(id(0x52)),
        warning_ids: vec![WarningId(id(0x50))],
        failing_evaluation_id: None,
        policy_version: 0,
    };
    event_golden(
        "event_persuade_out_proposed",
        envelope(42, &proposed, Some(GROUP), Some(MEMBER)),
        &proposed,
    );
    let decided = PersuadeOutDecided {
        persuade_out_id: PersuadeOutId(id(0x51)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        confirmed: true,
        note: Some("同意".into()),
    };
    event_golden(
        "event_persuade_out_decided",
        envelope(43, &decided, Some(GROUP), Some(MEMBER)),
        &decided,
    );
}

fn membership() -> Membership {
    Membership {
        id: MembershipId(id(MEMBERSHIP)),
        group_id: GroupId(id(GROUP)),
        school_id: SchoolId(id(MEMBER)),
        school_name: "太康县第二初级中学".into(),
        role: MemberRole::Member,
        joined_at: at("2026-09-01T08:00:00Z"),
        left_at: None,
        exit_reason: None,
        exit_note: None,
        plaque_text: "太康县第一初级中学教育集团成员学校".into(),
        legal_person_retained: true,
        independent_leadership: true,
        cross_region: false,
        policy_version: 0,
    }
}

#[test]
fn golden_reply_ok() {
    let reply: Reply<Membership> = Reply::Ok(membership());
    let file = golden("reply_ok_membership", &reply);
    assert!(file.get("ok").is_some() && file.get("error").is_none());
}

#[test]
fn golden_reply_error() {
    let problem = Problem::new(
        ErrorCode::GroupCapExceeded,
        "this alliance group already has 5 of at most 5 member schools (policy version 0)",
        "该联盟型集团已有 5 所成员学校,上限为 5 所(政策版本 0)",
    )
    .rule("F-09")
    .details(json!({"cap": 5, "active_members": 5, "model": "alliance", "scale_cap": null, "policy_version": 0}));
    let reply: Reply<Membership> = Reply::Error(problem);
    let file = golden("reply_error_cap_exceeded", &reply);
    assert_eq!(file["error"]["code"], "group_cap_exceeded");

    // Without a rule or details, neither key is sent.
    let reply: Reply<Membership> = Reply::Error(Problem::internal());
    let file = golden("reply_error_internal", &reply);
    assert!(file["error"].get("rule").is_none() && file["error"].get("details").is_none());
}

#[test]
fn golden_command_admission() {
    let command = Command {
        actor: Actor {
            sub: "user:lead-admin-1".into(),
            role: Some(Role::LeadAdmin),
            region: Some(region()),
            school_id: Some(SchoolId(id(LEAD))),
        },
        idempotency_key: Some("6f1c2a7e-2f55-4c55-9d0b-3f1e2d4c5b6a".into()),
        body: Admission {
            group_id: GroupId(id(GROUP)),
            school_id: SchoolId(id(MEMBER)),
        },
    };
    golden("command_admission", &command);

    // Without a key, the key is left out; the system actor's optional fields may be absent.
    let command = Command {
        actor: Actor::system("membership"),
        idempotency_key: None,
        body: Admission {
            group_id: GroupId(id(GROUP)),
            school_id: SchoolId(id(MEMBER)),
        },
    };
    let file = golden("command_admission_system", &command);
    assert!(file.get("idempotency_key").is_none());
    let minimal: Command<Admission> = serde_json::from_value(json!({
        "actor": {"sub": "system:membership"},
        "body": {"group_id": id(GROUP), "school_id": id(MEMBER)}
    }))
    .expect("optional actor fields default");
    assert_eq!(minimal, command);
}

#[path = "golden_cases/council.rs"]
mod council;

/// The group's charter and development plan (G-14, G-07, M2).
#[path = "golden_cases/charter.rs"]
mod charter;

#[path = "golden_cases/catalogue.rs"]
mod catalogue;

/// The group's administration: office, leader recommendations, cross-appointments.
#[path = "golden_cases/office.rs"]
mod office;

/// The annual evaluation's events.
#[path = "golden_cases/evaluation.rs"]
mod evaluation;

/// The rotation service's events: a posting through its life (E-02, E-03, E-08) and the lead
/// school's trainings (E-05, E-06).
#[path = "golden_cases/rotation.rs"]
mod rotation;

/// Every event type declared in this crate has a golden envelope above: a new event without
/// one fails here.
#[test]
fn every_event_type_has_a_golden_envelope() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut declared = Vec::new();
    let mut sources = vec![dir.join("src")];
    while let Some(folder) = sources.pop() {
        for entry in std::fs::read_dir(&folder).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                declared.extend(text.lines().filter_map(|line| {
                    let rest = line.trim().strip_prefix("const TYPE: &'static str = \"")?;
                    rest.strip_suffix("\";").map(str::to_owned)
                }));
            }
        }
    }
    let mut pinned = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir.join("tests/golden"))
        .expect("golden")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("event_") {
            let file: Value =
                serde_json::from_str(&std::fs::read_to_string(entry.path()).expect("golden"))
                    .expect("golden json");
            pinned.insert(file["type"].as_str().expect("type").to_owned());
        }
    }
    assert!(declared.len() >= 29, "found only {declared:?}");
    let missing: Vec<_> = declared.iter().filter(|t| !pinned.contains(*t)).collect();
    assert!(
        missing.is_empty(),
        "event types without a golden envelope: {missing:?}"
    );
}

#[path = "golden_cases/audit.rs"]
mod audit;

/// The group's funds (G-17).
#[path = "golden_cases/funds.rs"]
mod funds;
