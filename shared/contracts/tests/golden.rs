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

// ---- council (理事会) events and the G-08 report reply ----

mod council {
    use super::*;
    use edu_contracts::council::{
        DecisionCategory, DecisionId, MajorMatterId, MajorMatterKind, MeetingId, MeetingKind,
        Quarter, ReportId,
    };
    use edu_contracts::events::{
        DecisionRecorded, MajorMatterRecorded, MeetingHeld, ReportOverdue, ReportSubmitted,
    };

    const MEETING: u128 = 0x40;
    const DECISION: u128 = 0x50;
    const DECISION_2: u128 = 0x51;
    const REPORT: u128 = 0x60;
    const MAJOR_MATTER: u128 = 0x70;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn q1() -> Quarter {
        Quarter::new(2026, 1).expect("quarter")
    }

    fn council_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, event: &E) {
        assert_eq!(E::SERVICE, ServiceName::Council);
        event_golden(name, envelope(n, event, Some(GROUP), Some(LEAD)), event);
    }

    #[test]
    fn golden_meeting_held() {
        let event = MeetingHeld {
            meeting_id: MeetingId(id(MEETING)),
            group_id: GroupId(id(GROUP)),
            kind: MeetingKind::Council,
            held_on: day(2026, 3, 12),
            seats: 4,
            present: 4,
            schools_present: vec![SchoolId(id(LEAD)), SchoolId(id(MEMBER))],
            quorum_met: true,
        };
        council_golden("event_meeting_held", 5, &event);
    }

    #[test]
    fn golden_decision_recorded() {
        let event = DecisionRecorded {
            decision_id: DecisionId(id(DECISION)),
            group_id: GroupId(id(GROUP)),
            meeting_id: MeetingId(id(MEETING)),
            category: DecisionCategory::MemberMajorMatter,
            major: true,
            subject_school_id: Some(SchoolId(id(MEMBER))),
            title: "同意二中申报省级课改实验校".into(),
            decided_on: day(2026, 3, 12),
            policy_version: 0,
        };
        council_golden("event_decision_recorded", 6, &event);
    }

    #[test]
    fn golden_major_matter_recorded() {
        // G-09: the member school's matter cites the council's decision about it.
        let event = MajorMatterRecorded {
            major_matter_id: MajorMatterId(id(MAJOR_MATTER)),
            group_id: GroupId(id(GROUP)),
            school_id: SchoolId(id(MEMBER)),
            kind: MajorMatterKind::PrincipalAppointmentOrRemoval,
            title: "任命李明为二中校长".into(),
            effective_on: day(2026, 3, 16),
            decision_id: DecisionId(id(DECISION)),
        };
        event_golden(
            "event_major_matter_recorded",
            envelope(9, &event, Some(GROUP), Some(MEMBER)),
            &event,
        );
    }

    #[test]
    fn golden_report_submitted() {
        let event = ReportSubmitted {
            report_id: ReportId(id(REPORT)),
            group_id: GroupId(id(GROUP)),
            period: q1(),
            decision_ids: vec![DecisionId(id(DECISION)), DecisionId(id(DECISION_2))],
            due_on: day(2026, 4, 15),
            late: false,
        };
        council_golden("event_report_submitted", 7, &event);
    }

    #[test]
    fn golden_report_overdue() {
        let event = ReportOverdue {
            group_id: GroupId(id(GROUP)),
            period: q1(),
            due_on: day(2026, 4, 15),
        };
        council_golden("event_report_overdue", 8, &event);
    }

    #[test]
    fn membership_events_without_the_added_names_still_read() {
        // GroupEstablished and MemberAdmitted gained optional names for the council's seats
        // (G-03, G-04); events written before that read with `None`.
        let older = json!({"group_id": id(GROUP), "name": "集团", "model": "alliance",
            "lead_school_id": id(LEAD), "region": "411627", "plaque_date": "2022-06-30",
            "effective_cap": 5, "policy_version": 0});
        let e: GroupEstablished = serde_json::from_value(older).expect("older payload");
        assert_eq!(e.lead_principal_name, None);
        let older = json!({"group_id": id(GROUP), "school_id": id(MEMBER),
            "membership_id": id(MEMBERSHIP), "plaque_text": "集团成员学校",
            "legal_person_retained": true, "cross_region": false, "policy_version": 0});
        let e: MemberAdmitted = serde_json::from_value(older).expect("older payload");
        assert_eq!(e.principal_name, None);
        // F-06/F-07: the leadership flag came later; absent, it equals the legal person's.
        assert_eq!(e.independent_leadership, None);
    }
}

// ---- catalogue (优质课程资源库) events and the brand-rule refusal ----

mod catalogue {
    use super::*;
    use edu_contracts::catalogue::{
        BrandRefusal, BrandRefusalQuery, Page, Paging, Requester, ShareTarget,
    };
    use edu_contracts::events::{
        FacilityBooked, ResourceAdopted, ResourceExportRefused, ResourceFacts, ResourcePublished,
        ResourceRejected, ResourceSubmitted, ResourceVersionAdded,
    };
    use edu_domain::{BookingId, FacilityId, QualityTier, ResourceId, ResourceKind};

    const RESOURCE: u128 = 0x70;
    const OTHER_GROUP: u128 = 0x11;
    const OUTSIDER: u128 = 0x29;

    fn facts(version: i32) -> ResourceFacts {
        ResourceFacts {
            resource_id: ResourceId(id(RESOURCE)),
            group_id: GroupId(id(GROUP)),
            owner_school_id: SchoolId(id(MEMBER)),
            kind: ResourceKind::LessonPlan,
            subject: "数学".into(),
            tier: QualityTier::County,
            title: "一次函数的图像与性质".into(),
            version,
        }
    }

    fn catalogue_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, event: &E) {
        assert_eq!(E::SERVICE, ServiceName::Catalogue);
        event_golden(name, envelope(n, event, Some(GROUP), Some(MEMBER)), event);
    }

    #[test]
    fn golden_resource_published() {
        let event = ResourcePublished { resource: facts(1) };
        catalogue_golden("event_resource_published", 0x80, &event);
    }

    /// a school's submission, waiting for the lead office's review.
    #[test]
    fn golden_resource_submitted() {
        let event = ResourceSubmitted {
            resource: facts(1),
            review_required: true,
        };
        catalogue_golden("event_resource_submitted", 0x86, &event);
    }

    #[test]
    fn golden_resource_rejected() {
        let event = ResourceRejected {
            resource: facts(1),
            note: Some("请补充教学反思部分".into()),
        };
        catalogue_golden("event_resource_rejected", 0x87, &event);
    }

    #[test]
    fn golden_resource_version_added() {
        let event = ResourceVersionAdded {
            resource: facts(2),
            adopters_behind: 3,
        };
        catalogue_golden("event_resource_version_added", 0x81, &event);
    }

    #[test]
    fn golden_resource_adopted() {
        let event = ResourceAdopted {
            resource: facts(1),
            adopting_school_id: SchoolId(id(LEAD)),
        };
        catalogue_golden("event_resource_adopted", 0x82, &event);
    }

    /// R-11/M7: who (the envelope's actor and `requested_by_school_id`), what (the
    /// resource), to whom (`target`).
    #[test]
    fn golden_resource_export_refused() {
        for (name, n, target) in [
            (
                "event_resource_export_refused_school",
                0x83,
                ShareTarget::School {
                    school_id: SchoolId(id(OUTSIDER)),
                },
            ),
            (
                "event_resource_export_refused_group",
                0x84,
                ShareTarget::Group {
                    group_id: GroupId(id(OTHER_GROUP)),
                },
            ),
        ] {
            let event = ResourceExportRefused {
                resource: facts(1),
                requested_by_school_id: Some(SchoolId(id(MEMBER))),
                target,
                rule: "R-11".into(),
            };
            catalogue_golden(name, n, &event);
        }
    }

    #[test]
    fn golden_facility_booked() {
        let event = FacilityBooked {
            booking_id: BookingId(id(0x90)),
            facility_id: FacilityId(id(0x91)),
            group_id: GroupId(id(GROUP)),
            owner_school_id: SchoolId(id(LEAD)),
            booking_school_id: SchoolId(id(MEMBER)),
            start: at("2026-10-12T00:30:00Z"),
            end: at("2026-10-12T02:00:00Z"),
        };
        catalogue_golden("event_facility_booked", 0x85, &event);
    }

    /// R-11 (invariant 17): the list of refused transfers a group's bureau, its county's
    /// auditors and its lead office read: the request, and a page of one refusal to a school
    /// outside the group and one into another group.
    #[test]
    fn golden_brand_refusal_list() {
        let command = Command {
            actor: Actor {
                sub: "user:lead-admin-1".into(),
                role: Some(Role::LeadAdmin),
                region: Some(region()),
                school_id: Some(SchoolId(id(LEAD))),
            },
            idempotency_key: None,
            body: BrandRefusalQuery {
                group_id: GroupId(id(GROUP)),
                resource_id: Some(ResourceId(id(RESOURCE))),
                paging: Paging {
                    limit: 20,
                    offset: 40,
                },
            },
        };
        golden("command_brand_refusal_list", &command);
        // The resource and the paging may be left out.
        let minimal: Command<BrandRefusalQuery> = serde_json::from_value(json!({
            "actor": {"sub": "user:bureau-411627", "role": "bureau", "region": "411627"},
            "body": {"group_id": id(GROUP)}
        }))
        .expect("optional query fields default");
        assert_eq!(minimal.body.resource_id, None);
        assert_eq!(minimal.body.paging, Paging::default());

        let refusal = |n: u128, target: ShareTarget| BrandRefusal {
            id: id(n),
            group_id: GroupId(id(GROUP)),
            resource_id: ResourceId(id(RESOURCE)),
            resource_title: "一次函数的图像与性质".into(),
            requested_by: Requester {
                sub: "user:member-admin-2".into(),
                role: Some(Role::MemberAdmin),
                school_id: Some(SchoolId(id(MEMBER))),
            },
            target,
            rule: "R-11".into(),
            code: ErrorCode::BrandTransferForbidden,
            refused_at: at("2026-09-01T08:00:00.123456Z"),
        };
        let reply: Reply<Page<BrandRefusal>> = Reply::Ok(Page {
            items: vec![
                refusal(
                    0x86,
                    ShareTarget::Group {
                        group_id: GroupId(id(OTHER_GROUP)),
                    },
                ),
                refusal(
                    0x87,
                    ShareTarget::School {
                        school_id: SchoolId(id(OUTSIDER)),
                    },
                ),
            ],
            total: 2,
        });
        let file = golden("reply_ok_brand_refusals", &reply);
        assert_eq!(file["ok"]["total"], 2);
        assert_eq!(file["ok"]["items"][0]["code"], "brand_transfer_forbidden");
        assert_eq!(file["ok"]["items"][0]["rule"], "R-11");
        assert_eq!(file["ok"]["items"][1]["target"]["type"], "school");
    }

    #[test]
    fn golden_reply_brand_transfer_forbidden() {
        let reply: Reply<()> = Reply::Error(
            Problem::new(
                ErrorCode::BrandTransferForbidden,
                "group resources stay in the group",
                "集团资源仅限集团内使用",
            )
            .rule("R-11")
            .details(
                json!({"target": {"type": "school", "school_id": id(OUTSIDER)}, "duty": "M7"}),
            ),
        );
        let file = golden("reply_error_brand_transfer_forbidden", &reply);
        assert_eq!(file["error"]["code"], "brand_transfer_forbidden");
    }
}

/// The annual evaluation's events.
mod evaluation {
    use edu_contracts::evaluation::{
        ConsequenceDecided, ConsequenceKind, EvaluationCompleted, Grade, ProposedConsequence,
    };
    use edu_domain::SchoolYear;

    use super::*;

    const EVALUATION: u128 = 0xA0;
    const ROUND: u128 = 0xA1;

    #[test]
    fn golden_evaluation_completed() {
        let event = EvaluationCompleted {
            evaluation_id: id(EVALUATION),
            round_id: id(ROUND),
            group_id: GroupId(id(GROUP)),
            school_year: SchoolYear(2025),
            total: 47.3,
            grade: Grade::Fail,
            policy_version: 0,
            proposed: vec![
                ProposedConsequence {
                    consequence_id: id(0xA2),
                    kind: ConsequenceKind::Warning,
                    school_id: None,
                },
                ProposedConsequence {
                    consequence_id: id(0xA3),
                    kind: ConsequenceKind::MemberExit,
                    school_id: Some(SchoolId(id(MEMBER))),
                },
            ],
        };
        event_golden(
            "event_evaluation_completed",
            envelope(0xA4, &event, Some(GROUP), None),
            &event,
        );
    }

    #[test]
    fn golden_consequence_decided() {
        let event = ConsequenceDecided {
            evaluation_id: id(EVALUATION),
            consequence_id: id(0xA2),
            group_id: GroupId(id(GROUP)),
            kind: ConsequenceKind::MemberExit,
            confirmed: true,
            note: Some("连续两年考核不合格,退出集团".into()),
            school_id: Some(SchoolId(id(MEMBER))),
        };
        event_golden(
            "event_consequence_decided",
            envelope(0xA5, &event, Some(GROUP), None),
            &event,
        );
    }
}

/// The rotation service's events: a posting through its life (E-02, E-03, E-08) and the lead
/// school's trainings (E-05, E-06).
mod rotation {
    use edu_contracts::events::{
        PostingCancelled, PostingConfirmed, PostingConsentDecided, PostingEnded, PostingFacts,
        PostingProposed, TrainingHeld,
    };
    use edu_domain::{
        PostingId, PostingKind, SchoolYear, Semester, TeacherId, TrainingId, TrainingKind,
    };

    use super::*;

    fn facts() -> PostingFacts {
        PostingFacts {
            posting_id: PostingId(id(0xB0)),
            group_id: GroupId(id(GROUP)),
            teacher_id: TeacherId(id(0xB1)),
            from_school_id: SchoolId(id(LEAD)),
            to_school_id: SchoolId(id(MEMBER)),
            kind: PostingKind::Secondment,
            start: NaiveDate::from_ymd_opt(2026, 9, 1).expect("date"),
            end: NaiveDate::from_ymd_opt(2027, 1, 31).expect("date"),
            backbone: true,
        }
    }

    fn rotation_golden<E: Event + PartialEq + Debug>(name: &str, n: u128, event: &E) {
        assert_eq!(E::SERVICE, ServiceName::Rotation);
        event_golden(name, envelope(n, event, Some(GROUP), Some(LEAD)), event);
    }

    #[test]
    fn golden_posting_proposed() {
        let event = PostingProposed { posting: facts() };
        rotation_golden("event_posting_proposed", 0xB2, &event);
    }

    #[test]
    fn golden_posting_confirmed() {
        let event = PostingConfirmed { posting: facts() };
        rotation_golden("event_posting_confirmed", 0xB3, &event);
    }

    #[test]
    fn golden_posting_cancelled() {
        let event = PostingCancelled {
            posting: facts(),
            reason: "接收学校调整教学安排".into(),
        };
        rotation_golden("event_posting_cancelled", 0xB4, &event);
    }

    #[test]
    fn golden_posting_ended() {
        let event = PostingEnded {
            posting: facts(),
            ended_on: NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
            reason: "成员学校退出集团".into(),
        };
        rotation_golden("event_posting_ended", 0xB5, &event);
    }

    /// F-04: the teacher's county bureau declines a posting into another county.
    #[test]
    fn golden_posting_consent_decided() {
        let event = PostingConsentDecided {
            posting: facts(),
            region: region(),
            approved: false,
            note: Some("该教师本学年承担毕业班教学任务".into()),
        };
        rotation_golden("event_posting_consent_decided", 0xB8, &event);
    }

    #[test]
    fn golden_training_held() {
        let event = TrainingHeld {
            training_id: TrainingId(id(0xB6)),
            group_id: GroupId(id(GROUP)),
            kind: TrainingKind::TeachingShowcase,
            held_on: NaiveDate::from_ymd_opt(2026, 10, 20).expect("date"),
            school_year: SchoolYear(2026),
            semester: Semester::Autumn,
            hours: 4,
            participants: 23,
        };
        rotation_golden("event_training_held", 0xB7, &event);
    }
}

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

// ---- the audit trail: a page of a county's chain (audit.records) ----

mod audit {
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
        let content = serde_json::to_string(&envelope(1, &event, Some(GROUP), Some(MEMBER)))
            .expect("envelope");
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
}
