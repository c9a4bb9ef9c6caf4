//! Region policy versions (DESIGN.md "Policy as data") and sanctions (RULES.md §5c) against
//! the real membership service, with the council (G-09 decisions) and the evaluation service
//! (X-02 standing) it asks, each on its own schema of the test's database and NATS namespace.

#![allow(clippy::expect_used)]

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use edu_contracts::council::{
    Attendance, Ballot, CastVotes, CouncilComposition, DecisionCategory, GetCouncil, GroupScope,
    LeaderPost, MeetingKind, NewMeeting, NewMotion, ProposeMotion, RecordAttendance,
    ScheduleMeeting, SeatAppointment, SeatRole, SetCouncil, Vote, VoteChoice,
};
use edu_contracts::events::{GroupDissolved, MemberExited, PolicyPublished};
use edu_contracts::membership::{
    Admission, AdmitMember, CreateGroup, CreateSchool, Dissolution, DissolveGroup, Group,
    ListMembers, MemberQuery, Membership, NewGroup, NewSchool, School,
};
use edu_contracts::obligations::{GetLedger, LedgerQuery};
use edu_contracts::policy::{GetRegionPolicy, PolicyChange, PublishPolicy, RegionRef};
use edu_contracts::sanctions::{
    DecidePersuadeOut, IssueWarning, ListSanctions, NewPersuadeOut, NewWarning,
    PersuadeOutDecision, PersuadeOutStatus, ProposePersuadeOut, SanctionQuery,
};
use edu_contracts::{Actor, Event};
use edu_domain::{
    ErrorCode, ExitReason, GroupModel, Policy, Problem, RegionCode, Role, SchoolId, Stage,
};
use edu_testkit::{TestBus, TestDb};

type TestResult = anyhow::Result<()>;

const HOME: &str = "411627";

fn region() -> RegionCode {
    RegionCode::parse(HOME).expect("region")
}

fn bureau() -> Actor {
    Actor {
        sub: "test:bureau".into(),
        role: Some(Role::Bureau),
        region: Some(region()),
        school_id: None,
    }
}

fn lead_office(lead: SchoolId) -> Actor {
    Actor {
        sub: "test:lead".into(),
        role: Some(Role::LeadAdmin),
        region: Some(region()),
        school_id: Some(lead),
    }
}

struct Env {
    _db: TestDb,
    bus: TestBus,
}

async fn env() -> anyhow::Result<Env> {
    let db = TestDb::new().await?;
    let bus = TestBus::new().await?;
    edu_testkit::serve!(db, bus;
        edu_membership::start => "membership",
        edu_council::start => "council",
        edu_evaluation::start => "evaluation",
    );
    Ok(Env { _db: db, bus })
}

fn refused<T: std::fmt::Debug>(r: Result<T, Problem>, code: ErrorCode) -> Problem {
    match r {
        Err(p) if p.code == code => p,
        other => panic!("expected {code}, got {other:?}"),
    }
}

impl Env {
    async fn school(&self, name: &str) -> anyhow::Result<School> {
        let body = NewSchool {
            name: name.into(),
            stage: Stage::Junior,
            region: region(),
            principal_name: format!("{name}校长"),
            legal_person: name.into(),
        };
        Ok(self
            .bus
            .bus
            .call::<CreateSchool>(&bureau(), None, body)
            .await?)
    }

    async fn group(&self, lead: &School) -> anyhow::Result<Group> {
        let body = NewGroup {
            name: format!("{}教育集团", lead.name),
            model: GroupModel::Alliance,
            lead_school_id: lead.id,
            plaque_date: NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
            scale_cap: None,
            cap_exception_reason: None,
        };
        Ok(self
            .bus
            .bus
            .call::<CreateGroup>(&bureau(), None, body)
            .await?)
    }

    async fn admit(&self, group: &Group, school: &School) -> Result<Membership, Problem> {
        let body = Admission {
            group_id: group.id,
            school_id: school.id,
        };
        self.bus
            .bus
            .call::<AdmitMember>(&bureau(), None, body)
            .await
    }

    async fn publish(&self, policy: Policy, from: Option<NaiveDate>) -> Result<i32, Problem> {
        let change = PolicyChange {
            region: region(),
            policy,
            effective_from: from,
            reason: "县教育局调整集团化办学政策".into(),
        };
        let v = self
            .bus
            .bus
            .call::<PublishPolicy>(&bureau(), None, change)
            .await?;
        Ok(v.version)
    }

    /// G-09: the council decides a major matter about `school` today (all seats present).
    async fn council_decides_about(&self, group: &Group, school: SchoolId) -> anyhow::Result<()> {
        let actor = lead_office(group.lead_school_id);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let council = loop {
            let c = self
                .bus
                .bus
                .call::<GetCouncil>(&actor, None, GroupScope { group_id: group.id })
                .await;
            if let Ok(c) = c
                && c.seats.iter().any(|s| s.school_id == school)
            {
                break c;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "council never seeded"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let mut seats: Vec<SeatAppointment> = council
            .seats
            .iter()
            .map(|s| SeatAppointment {
                role: s.role,
                school_id: s.school_id,
                holder_name: s.holder_name.clone(),
                post: s.post,
            })
            .collect();
        seats.push(SeatAppointment {
            role: SeatRole::SecretaryGeneral,
            school_id: group.lead_school_id,
            holder_name: "周文".into(),
            post: LeaderPost::VicePrincipal,
        });
        let council = self
            .bus
            .bus
            .call::<SetCouncil>(
                &actor,
                None,
                CouncilComposition {
                    group_id: group.id,
                    seats,
                },
            )
            .await?;
        let meeting = NewMeeting {
            group_id: group.id,
            kind: MeetingKind::Council,
            title: "理事会议".into(),
            held_on: Utc::now().date_naive(),
            start_time: None,
            duration_minutes: None,
            place: Some("集团会议室".into()),
            online_link: None,
            agenda: Vec::new(),
        };
        let meeting = self
            .bus
            .bus
            .call::<ScheduleMeeting>(&actor, None, meeting)
            .await?;
        let present: Vec<_> = council.seats.iter().map(|s| s.id).collect();
        self.bus
            .bus
            .call::<RecordAttendance>(
                &actor,
                None,
                Attendance {
                    meeting_id: meeting.id,
                    present: present.clone(),
                },
            )
            .await?;
        let motion = NewMotion {
            meeting_id: meeting.id,
            title: "劝退该成员学校".into(),
            category: DecisionCategory::MemberMajorMatter,
            major: true,
            subject_school_id: Some(school),
        };
        let motion = self
            .bus
            .bus
            .call::<ProposeMotion>(&actor, None, motion)
            .await?;
        let votes = present
            .into_iter()
            .map(|seat_id| Vote {
                seat_id,
                choice: VoteChoice::Yes,
                reason: None,
            })
            .collect();
        self.bus
            .bus
            .call::<CastVotes>(
                &actor,
                None,
                Ballot {
                    motion_id: motion.id,
                    votes,
                },
            )
            .await?;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_versions_are_kept_and_a_tightened_cap_names_its_version() -> TestResult {
    let env = env().await?;
    let bus = &env.bus.bus;
    let current = bus
        .call::<GetRegionPolicy>(&bureau(), None, RegionRef { region: region() })
        .await?;
    assert_eq!(current.current.version, 0, "the documents' defaults");
    assert_eq!(current.current.policy.cap_alliance, 5);

    // Refused before anything is stored: weights that do not sum to 100, a past date.
    let mut bad = Policy::default();
    bad.evaluation_weights.value_added = 99;
    refused(env.publish(bad, None).await, ErrorCode::ValidationFailed);
    let yesterday = Utc::now().date_naive().checked_sub_days(Days::new(1));
    refused(
        env.publish(Policy::default(), yesterday).await,
        ErrorCode::ValidationFailed,
    );

    // F-09 via policy: the bureau tightens its alliance cap to 3.
    let v1 = env
        .publish(
            Policy {
                cap_alliance: 3,
                ..Policy::default()
            },
            None,
        )
        .await?;
    assert_eq!(v1, 1);
    // A later version effective tomorrow is kept but not in force yet.
    let tomorrow = Utc::now().date_naive().checked_add_days(Days::new(1));
    let v2 = env.publish(Policy::default(), tomorrow).await?;
    assert_eq!(v2, 2);
    let now = bus
        .call::<GetRegionPolicy>(&bureau(), None, RegionRef { region: region() })
        .await?;
    assert_eq!(now.current.version, 1);
    assert_eq!(now.current.changed_by.as_deref(), Some("test:bureau"));
    assert_eq!(
        now.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![2, 1]
    );

    let lead = env.school("一中").await?;
    let group = env.group(&lead).await?;
    assert_eq!(group.effective_cap, 3);
    assert_eq!(
        group.policy_version, 1,
        "the group records the version it was made under"
    );
    for name in ["二中", "三中", "四中"] {
        let school = env.school(name).await?;
        let m = env.admit(&group, &school).await?;
        assert_eq!(m.policy_version, 1);
    }
    let fourth = env.school("五中").await?;
    let p = refused(
        env.admit(&group, &fourth).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.details["policy_version"], 1, "{p:?}");
    assert_eq!(p.details["cap"], 3);
    assert!(p.message.contains("policy version 1") && p.message_zh.contains("政策版本 1"));

    // Every version went out whole; the evaluation service counts under it.
    let events = env.bus.wait_for_events(3).await?;
    let published: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == PolicyPublished::TYPE)
        .collect();
    assert_eq!(published.len(), 2);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let ledger = bus
            .call::<GetLedger>(
                &bureau(),
                None,
                LedgerQuery {
                    group_id: group.id,
                    period: "2025-10".parse()?,
                    school_id: None,
                    as_of: None,
                },
            )
            .await;
        if ledger.as_ref().is_ok_and(|l| l.policy_version == 1) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{ledger:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x01_g09_persuade_out_needs_grounds_and_a_decision_then_the_bureau_confirms() -> TestResult
{
    let env = env().await?;
    let bus = &env.bus.bus;
    let lead = env.school("一中").await?;
    let group = env.group(&lead).await?;
    let member = env.school("二中").await?;
    let other = env.school("三中").await?;
    env.admit(&group, &member).await?;
    env.admit(&group, &other).await?;
    let office = lead_office(lead.id);
    let propose = |school: SchoolId| NewPersuadeOut {
        group_id: group.id,
        school_id: school,
        reason: "屡次不履行成员学校职责".into(),
        decision_id: None,
    };

    // X-01/§8.7: no warning and no failing evaluation.
    let p = refused(
        bus.call::<ProposePersuadeOut>(&office, None, propose(member.id))
            .await,
        ErrorCode::WarningOrFailedEvaluationRequired,
    );
    assert_eq!(p.rule.as_deref(), Some("X-01"));

    // A warning to a school that is not a member is refused; to the member it is kept.
    let warn = |school: SchoolId| NewWarning {
        group_id: group.id,
        school_id: school,
        reason: "本学期未向资源库贡献资源".into(),
        evidence: vec![format!("M5/2026-spring/{school}")],
    };
    refused(
        bus.call::<IssueWarning>(&office, None, warn(lead.id)).await,
        ErrorCode::NotAMember,
    );
    let warning = bus
        .call::<IssueWarning>(&office, Some("warn-1".into()), warn(member.id))
        .await?;
    assert!(warning.active);
    let again = bus
        .call::<IssueWarning>(&office, Some("warn-1".into()), warn(member.id))
        .await?;
    assert_eq!(again.id, warning.id, "Idempotency-Key: one warning");

    // G-09: the council has not decided anything about the school yet.
    let p = refused(
        bus.call::<ProposePersuadeOut>(&office, None, propose(member.id))
            .await,
        ErrorCode::CouncilDecisionRequired,
    );
    assert_eq!(p.rule.as_deref(), Some("G-09"));

    env.council_decides_about(&group, member.id).await?;
    let proposed = bus
        .call::<ProposePersuadeOut>(&office, None, propose(member.id))
        .await?;
    assert_eq!(proposed.status, PersuadeOutStatus::Proposed);
    assert_eq!(proposed.warning_ids, vec![warning.id]);
    refused(
        bus.call::<ProposePersuadeOut>(&office, None, propose(member.id))
            .await,
        ErrorCode::PersuadeOutStateInvalid,
    );

    // The bureau rejects one for the other school? There is none open for it.
    let decide = |school: SchoolId, confirm: bool| PersuadeOutDecision {
        group_id: group.id,
        school_id: school,
        confirm,
        note: Some("经研究同意".into()),
    };
    refused(
        bus.call::<DecidePersuadeOut>(&bureau(), None, decide(other.id, true))
            .await,
        ErrorCode::PersuadeOutStateInvalid,
    );
    let confirmed = bus
        .call::<DecidePersuadeOut>(&bureau(), None, decide(member.id, true))
        .await?;
    assert_eq!(confirmed.status, PersuadeOutStatus::Confirmed);
    assert_eq!(confirmed.decided_by.as_deref(), Some("test:bureau"));

    // The membership ended with the reason; history is kept; the warning is no longer active.
    let members = bus
        .call::<ListMembers>(
            &bureau(),
            None,
            MemberQuery {
                group_id: group.id,
                include_history: true,
            },
        )
        .await?;
    let ended = members
        .members
        .iter()
        .find(|m| m.school_id == member.id)
        .expect("history");
    assert_eq!(ended.exit_reason, Some(ExitReason::PersuadedOut));
    assert!(ended.left_at.is_some());
    let sanctions = bus
        .call::<ListSanctions>(
            &office,
            None,
            SanctionQuery {
                group_id: group.id,
                school_id: Some(member.id),
            },
        )
        .await?;
    assert_eq!(sanctions.persuade_outs.len(), 1);
    assert!(!sanctions.warnings[0].active);
    let events = env.bus.wait_for_events(8).await?;
    let exited = events
        .iter()
        .find(|e| e.event_type == MemberExited::TYPE)
        .expect("member.exited for the other services");
    let payload: MemberExited = serde_json::from_value(exited.payload.clone())?;
    assert_eq!(
        (payload.school_id, payload.reason),
        (member.id, ExitReason::PersuadedOut)
    );

    // The council reacts to member.exited: the school's seats are vacated (G-02).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let c = bus
            .call::<GetCouncil>(&office, None, GroupScope { group_id: group.id })
            .await?;
        if c.seats.iter().all(|s| s.school_id != member.id) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "seats never vacated"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_dissolution_needs_a_failing_evaluation_or_a_recorded_override() -> TestResult {
    let env = env().await?;
    let bus = &env.bus.bus;
    let lead = env.school("一中").await?;
    let group = env.group(&lead).await?;
    let dissolve = |override_reason: Option<&str>| Dissolution {
        group_id: group.id,
        reason: "办学质量评估未达要求".into(),
        override_reason: override_reason.map(str::to_owned),
    };
    // No completed evaluation fails the group (the evaluation service says so).
    let p = refused(
        bus.call::<DissolveGroup>(&bureau(), None, dissolve(None))
            .await,
        ErrorCode::FailedEvaluationRequired,
    );
    assert_eq!(p.rule.as_deref(), Some("X-02"));
    refused(
        bus.call::<DissolveGroup>(&bureau(), None, dissolve(Some("  ")))
            .await,
        ErrorCode::FailedEvaluationRequired,
    );
    let dissolved = bus
        .call::<DissolveGroup>(&bureau(), None, dissolve(Some("县政府决定与三中集团合并")))
        .await?;
    assert_eq!(
        dissolved.dissolution_reason.as_deref(),
        Some("办学质量评估未达要求")
    );
    let events = env.bus.wait_for_events(2).await?;
    let event = events
        .iter()
        .find(|e| e.event_type == GroupDissolved::TYPE)
        .expect("group.dissolved");
    let payload: GroupDissolved = serde_json::from_value(event.payload.clone())?;
    assert_eq!(
        payload.override_reason.as_deref(),
        Some("县政府决定与三中集团合并")
    );
    Ok(())
}
