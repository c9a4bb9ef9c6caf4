//! The membership service end to end: the real service on its own database and its own
//! NATS namespace (edu-testkit), called over the bus exactly as lead-api calls it.
//! Test names carry the RULES.md rule they check (F-01, F-03, F-04, F-06, F-07, F-08,
//! F-09, V-07, X-01, X-02, §8.2, §8.3, §8.4, §8.5).

// A test crate: helpers outside `#[test]` fns may panic too (clippy.toml only covers the fns).
#![allow(clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use edu_contracts::consent::{
    ConsentDecision, ConsentQuery, ConsentStatus, ConsentVerdict, DecideConsent, ListConsents,
    RequestConsent,
};
use edu_contracts::events::{GroupDissolved, GroupEstablished, MemberAdmitted, MemberExited};
use edu_contracts::membership::{
    Admission, AdmitMember, ChangeScale, CreateGroup, CreateSchool, Dissolution, DissolveGroup,
    ExitMember, GetGroup, Group, GroupHistory, GroupQuery, GroupRef, ImportGroup, ListGroups,
    ListLeadQuality, ListMembers, ListScaleDecisions, MemberExit, MemberQuery, Membership,
    NewGroup, NewLeadQuality, NewSchool, PastMembership, RecordLeadQuality, ScaleChange, School,
    SchoolRef,
};
use edu_contracts::{Actor, EventEnvelope, ServiceName};
use edu_domain::{
    ErrorCode, ExitReason, GroupId, GroupModel, GroupStatus, MemberRole, Problem, SchoolId, Stage,
};
use futures::future::join_all;
use support::{Harness, region};

type TestResult = anyhow::Result<()>;

/// Starting the service, creating schools and groups, and reading the stream.
mod support {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use chrono::NaiveDate;
    use edu_contracts::membership::{
        Admission, AdmitMember, CreateGroup, CreateSchool, ExitMember, GetGroup, Group, GroupRef,
        ListMembers, MemberExit, MemberList, MemberQuery, Membership, NewGroup, NewSchool, School,
    };
    use edu_contracts::{Actor, EventEnvelope};
    use edu_domain::{ExitReason, GroupModel, Problem, RegionCode, Role, Stage};
    use edu_testkit::{TestBus, TestDb};
    use tokio::sync::oneshot;

    /// 太康县, the home region of the tests.
    pub const HOME: &str = "411627";
    /// 扶沟县, a neighbouring county (F-04 cross-region members).
    pub const OTHER: &str = "411621";

    pub fn region(code: &str) -> RegionCode {
        RegionCode::parse(code).expect("test region code")
    }

    /// The county bureau (the service itself does not authorise; lead-api does).
    pub fn bureau() -> Actor {
        Actor {
            sub: "test:bureau".into(),
            role: Some(Role::Bureau),
            region: Some(region(HOME)),
            school_id: None,
        }
    }

    /// A running membership service with its own database and NATS namespace.
    pub struct Harness {
        // Dropped first: stops the service before its database and stream go away.
        shutdown: Option<oneshot::Sender<()>>,
        pub bus: TestBus,
        /// The service's database; dropped (and removed) with the harness.
        pub db: TestDb,
        pub actor: Actor,
        counter: AtomicUsize,
    }

    impl Harness {
        pub async fn start() -> anyhow::Result<Self> {
            let db = TestDb::new().await?;
            let bus = TestBus::new().await?;
            let host = edu_membership::start(&bus.bus, db.config("membership")).await?;
            let (tx, rx) = oneshot::channel::<()>();
            tokio::spawn(host.run_until(async move {
                let _ = rx.await;
            }));
            Ok(Self {
                shutdown: Some(tx),
                bus,
                db,
                actor: bureau(),
                counter: AtomicUsize::new(0),
            })
        }

        fn next(&self) -> usize {
            self.counter.fetch_add(1, Ordering::Relaxed)
        }

        /// A new school with a unique name.
        pub async fn school(&self, stage: Stage, region_code: &str) -> anyhow::Result<School> {
            let n = self.next();
            let body = NewSchool {
                name: format!("测试{}第{n}学校", stage.name_zh()),
                stage,
                region: region(region_code),
                principal_name: format!("校长{n}"),
                legal_person: format!("测试法人{n}"),
            };
            Ok(self
                .bus
                .bus
                .call::<CreateSchool>(&self.actor, None, body)
                .await?)
        }

        /// `n` new schools of one stage in the home region.
        pub async fn schools(&self, stage: Stage, n: usize) -> anyhow::Result<Vec<School>> {
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                out.push(self.school(stage, HOME).await?);
            }
            Ok(out)
        }

        pub fn new_group(&self, model: GroupModel, lead: &School) -> NewGroup {
            NewGroup {
                name: format!("{}教育集团", lead.name),
                model,
                lead_school_id: lead.id,
                plaque_date: NaiveDate::from_ymd_opt(2022, 6, 30).expect("date"),
                scale_cap: None,
                cap_exception_reason: None,
            }
        }

        pub async fn create_group(&self, body: NewGroup) -> Result<Group, Problem> {
            self.bus
                .bus
                .call::<CreateGroup>(&self.actor, None, body)
                .await
        }

        /// A new group of `model` led by a new home-region school of `stage`.
        pub async fn group(
            &self,
            model: GroupModel,
            stage: Stage,
        ) -> anyhow::Result<(Group, School)> {
            let lead = self.school(stage, HOME).await?;
            let group = self.create_group(self.new_group(model, &lead)).await?;
            Ok((group, lead))
        }

        pub async fn admit(&self, group: &Group, school: &School) -> Result<Membership, Problem> {
            self.bus
                .bus
                .call::<AdmitMember>(
                    &self.actor,
                    None,
                    Admission {
                        group_id: group.id,
                        school_id: school.id,
                    },
                )
                .await
        }

        pub async fn exit(
            &self,
            group: &Group,
            school: &School,
            reason: ExitReason,
        ) -> Result<Membership, Problem> {
            let body = MemberExit {
                group_id: group.id,
                school_id: school.id,
                reason,
                note: Some("测试退出".into()),
            };
            self.bus
                .bus
                .call::<ExitMember>(&self.actor, None, body)
                .await
        }

        pub async fn members(
            &self,
            group: &Group,
            include_history: bool,
        ) -> anyhow::Result<MemberList> {
            let q = MemberQuery {
                group_id: group.id,
                include_history,
            };
            Ok(self
                .bus
                .bus
                .call::<ListMembers>(&self.actor, None, q)
                .await?)
        }

        /// The groups a school is in now.
        pub async fn members_of_school(&self, school: &School) -> anyhow::Result<Vec<Group>> {
            let q = edu_contracts::membership::GroupQuery {
                region: None,
                school_id: Some(school.id),
                include_dissolved: true,
                paging: Default::default(),
            };
            Ok(self
                .bus
                .bus
                .call::<edu_contracts::membership::ListGroups>(&self.actor, None, q)
                .await?
                .items)
        }

        pub async fn reload(&self, group: &Group) -> anyhow::Result<Group> {
            Ok(self
                .bus
                .bus
                .call::<GetGroup>(&self.actor, None, GroupRef { group_id: group.id })
                .await?)
        }

        /// Waits for at least `n` events, then a little longer so that an unexpected extra
        /// event (a duplicate) would have arrived too.
        pub async fn settled_events(&self, n: usize) -> anyhow::Result<Vec<EventEnvelope>> {
            self.bus.wait_for_events(n).await?;
            tokio::time::sleep(Duration::from_millis(1200)).await;
            self.bus.events().await
        }

        /// Every stream message with its subject and `Nats-Msg-Id`, in stream order.
        pub async fn raw_events(
            &self,
        ) -> anyhow::Result<Vec<(String, Option<String>, EventEnvelope)>> {
            let mut stream = self.bus.bus.ensure_stream().await?;
            let info = stream
                .info()
                .await
                .map_err(|e| anyhow::anyhow!("stream info: {e}"))?;
            let (first, last, count) = (
                info.state.first_sequence,
                info.state.last_sequence,
                info.state.messages,
            );
            let mut out = Vec::new();
            if count == 0 {
                return Ok(out);
            }
            for seq in first..=last {
                let m = stream
                    .get_raw_message(seq)
                    .await
                    .map_err(|e| anyhow::anyhow!("reading {seq}: {e}"))?;
                let msg_id = m.headers.get("Nats-Msg-Id").map(|v| v.as_str().to_owned());
                out.push((
                    m.subject.to_string(),
                    msg_id,
                    serde_json::from_slice(&m.payload)?,
                ));
            }
            Ok(out)
        }
    }

    impl Drop for Harness {
        fn drop(&mut self) {
            if let Some(tx) = self.shutdown.take() {
                let _ = tx.send(());
            }
        }
    }
}

fn code(r: &Result<impl std::fmt::Debug, Problem>) -> Option<ErrorCode> {
    r.as_ref().err().map(|p| p.code)
}

#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, Problem>, expected: ErrorCode) -> Problem {
    match r {
        Ok(v) => panic!("expected {expected}, got Ok({v:?})"),
        Err(p) => {
            assert_eq!(p.code, expected, "unexpected refusal: {p:?}");
            assert!(
                !p.message.is_empty() && !p.message_zh.is_empty(),
                "bilingual message missing: {p:?}"
            );
            p
        }
    }
}

fn count_type(events: &[EventEnvelope], event_type: &str) -> usize {
    events.iter().filter(|e| e.event_type == event_type).count()
}

// ---------------------------------------------------------------------------------------
// Caps: F-09 (model defaults), F-08 (bureau scale), §8.3 (exception with a reason)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_alliance_group_admits_five_and_refuses_the_sixth() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    assert_eq!(group.effective_cap, 5);
    let schools = h.schools(Stage::Junior, 6).await?;
    for s in &schools[..5] {
        h.admit(&group, s).await?;
    }
    let p = refused(
        h.admit(&group, &schools[5]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-09"));
    assert_eq!(p.details["cap"], 5);
    assert_eq!(p.details["active_members"], 5);
    assert_eq!(p.details["model"], "alliance");
    let group = h.reload(&group).await?;
    assert_eq!(group.active_members, 5, "§8.1: the lead is not counted");
    assert_eq!(
        group.active_school_ids.len(),
        6,
        "the lead and five members"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_tight_group_refuses_its_fourth_member() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Tight, Stage::Primary).await?;
    assert_eq!(group.effective_cap, 3);
    let schools = h.schools(Stage::Primary, 4).await?;
    for s in &schools[..3] {
        h.admit(&group, s).await?;
    }
    let p = refused(
        h.admit(&group, &schools[3]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-09"));
    assert_eq!(p.details["cap"], 3);
    assert_eq!(h.reload(&group).await?.active_members, 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f08_bureau_scale_cap_binds_and_exceptions_need_a_reason() -> TestResult {
    let h = Harness::start().await?;

    // F-08: the bureau's scale decision lowers the cap to 2; the refusal names F-08.
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let group = h
        .create_group(NewGroup {
            scale_cap: Some(2),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await?;
    assert_eq!((group.scale_cap, group.effective_cap), (Some(2), 2));
    let schools = h.schools(Stage::Junior, 3).await?;
    h.admit(&group, &schools[0]).await?;
    h.admit(&group, &schools[1]).await?;
    let p = refused(
        h.admit(&group, &schools[2]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-08"));
    assert_eq!(p.details["cap"], 2);
    assert_eq!(p.details["scale_cap"], 2);

    // §8.3: a scale above the model's cap (5) without a reason is refused ...
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let no_reason = h
        .create_group(NewGroup {
            scale_cap: Some(7),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await;
    let p = refused(no_reason, ErrorCode::CapExceptionReasonRequired);
    assert_eq!(p.details["scale_cap"], 7);
    assert_eq!(p.details["model_cap"], 5);
    // ... and a blank reason counts as none.
    let blank = h
        .create_group(NewGroup {
            scale_cap: Some(7),
            cap_exception_reason: Some("   ".into()),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await;
    refused(blank, ErrorCode::CapExceptionReasonRequired);

    // ... and with a recorded reason the group may grow past 5.
    let group = h
        .create_group(NewGroup {
            scale_cap: Some(7),
            cap_exception_reason: Some("新建城区学校集中,教育局特批".into()),
            ..h.new_group(GroupModel::Alliance, &lead)
        })
        .await?;
    assert_eq!(group.effective_cap, 7);
    assert_eq!(
        group.cap_exception_reason.as_deref(),
        Some("新建城区学校集中,教育局特批")
    );
    let schools = h.schools(Stage::Junior, 6).await?;
    for s in &schools {
        h.admit(&group, s).await?;
    }
    assert_eq!(
        h.reload(&group).await?.active_members,
        6,
        "a 6th member beyond the F-09 default"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Who may join: F-03 (same stage), F-01 (lead never a member), §8.5 (one group per school)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f03_junior_group_refuses_a_primary_school() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let primary = h.school(Stage::Primary, support::HOME).await?;
    let p = refused(h.admit(&group, &primary).await, ErrorCode::StageMismatch);
    assert_eq!(p.rule.as_deref(), Some("F-03"));
    assert_eq!(p.details["lead_stage"], "junior");
    assert_eq!(p.details["school_stage"], "primary");
    assert_eq!(h.reload(&group).await?.active_members, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s85_f01_one_group_per_school_and_leads_are_never_members() -> TestResult {
    let h = Harness::start().await?;
    let (a, lead_a) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let (b, lead_b) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    h.admit(&a, &school).await?;

    // §8.5: already a member of A.
    refused(h.admit(&b, &school).await, ErrorCode::SchoolAlreadyInGroup);
    // ... and admitting it to A again is refused too (no second active row).
    refused(h.admit(&a, &school).await, ErrorCode::SchoolAlreadyInGroup);
    // F-01: the lead of another group.
    let p = refused(h.admit(&a, &lead_b).await, ErrorCode::LeadCannotBeMember);
    assert_eq!(p.rule.as_deref(), Some("F-01"));
    // F-01: the group's own lead.
    refused(h.admit(&a, &lead_a).await, ErrorCode::LeadCannotBeMember);
    // A school already in a group cannot lead a new one either.
    refused(
        h.create_group(h.new_group(GroupModel::Alliance, &school))
            .await,
        ErrorCode::SchoolAlreadyInGroup,
    );

    assert_eq!(h.reload(&a).await?.active_members, 1);
    assert_eq!(h.reload(&b).await?.active_members, 0);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Terms of membership: F-06 / F-07 (legal person, plaque), F-04 (cross region)
// ---------------------------------------------------------------------------------------

/// F-04: the group's side asks, the school's county bureau approves; what the approval
/// admitted. Along the way: the group's own bureau cannot approve for the other county, a
/// request asked twice is the same request, and a decided request stays decided.
async fn consent_of_the_other_county(
    h: &Harness,
    group: &Group,
    school: &School,
) -> anyhow::Result<Membership> {
    let admission = Admission {
        group_id: group.id,
        school_id: school.id,
    };
    let request = h
        .bus
        .bus
        .call::<RequestConsent>(&h.actor, None, admission.clone())
        .await?;
    assert_eq!(request.status, ConsentStatus::Pending);
    assert_eq!(request.school_region, region(support::OTHER));
    assert_eq!(request.group_name, group.name);
    let again = h
        .bus
        .bus
        .call::<RequestConsent>(&h.actor, None, admission)
        .await?;
    assert_eq!(
        again.id, request.id,
        "one open request per school and group"
    );
    assert!(
        !h.reload(group)
            .await?
            .regions
            .contains(&region(support::OTHER)),
        "not a member while the request waits"
    );
    let approve = ConsentDecision {
        request_id: request.id,
        decision: ConsentVerdict::Approve,
        reason: None,
    };
    refused(
        h.bus
            .bus
            .call::<DecideConsent>(&h.actor, None, approve.clone())
            .await,
        ErrorCode::Forbidden,
    );
    let other_bureau = Actor {
        sub: "test:other-bureau".into(),
        region: Some(region(support::OTHER)),
        ..support::bureau()
    };
    let decided = h
        .bus
        .bus
        .call::<DecideConsent>(&other_bureau, None, approve.clone())
        .await?;
    assert_eq!(decided.status, ConsentStatus::Approved);
    assert_eq!(decided.decided_by.as_deref(), Some("test:other-bureau"));
    refused(
        h.bus
            .bus
            .call::<DecideConsent>(&other_bureau, None, approve)
            .await,
        ErrorCode::ConsentStateInvalid,
    );
    let listed = h
        .bus
        .bus
        .call::<ListConsents>(
            &other_bureau,
            None,
            ConsentQuery {
                region: Some(region(support::OTHER)),
                group_id: None,
                status: None,
                paging: Default::default(),
            },
        )
        .await?;
    assert_eq!(listed.total, 1);
    let members = h
        .bus
        .bus
        .call::<ListMembers>(
            &h.actor,
            None,
            MemberQuery {
                group_id: group.id,
                include_history: false,
            },
        )
        .await?;
    let membership = members
        .members
        .into_iter()
        .find(|m| m.school_id == school.id)
        .expect("admitted on consent");
    assert_eq!(Some(membership.id), decided.membership_id);
    Ok(membership)
}

/// F-04: the school's county may decline, with a reason; the school stays out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f04_the_other_county_declines_and_the_school_stays_out() -> TestResult {
    let h = Harness::start().await?;
    let (alliance, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let far = h.school(Stage::Junior, support::OTHER).await?;
    let request = h
        .bus
        .bus
        .call::<RequestConsent>(
            &h.actor,
            None,
            Admission {
                group_id: alliance.id,
                school_id: far.id,
            },
        )
        .await?;
    let other_bureau = Actor {
        sub: "test:other-bureau".into(),
        region: Some(region(support::OTHER)),
        ..support::bureau()
    };
    let decline = |reason: Option<&str>| ConsentDecision {
        request_id: request.id,
        decision: ConsentVerdict::Decline,
        reason: reason.map(str::to_owned),
    };
    let p = refused(
        h.bus
            .bus
            .call::<DecideConsent>(&other_bureau, None, decline(None))
            .await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "reason");
    let declined = h
        .bus
        .bus
        .call::<DecideConsent>(&other_bureau, None, decline(Some("该校已加入本县集团")))
        .await?;
    assert_eq!(declined.status, ConsentStatus::Declined);
    assert_eq!(declined.reason.as_deref(), Some("该校已加入本县集团"));
    assert_eq!(
        h.reload(&alliance).await?.active_members,
        alliance.active_members,
        "the school stays out"
    );
    refused(
        h.admit(&alliance, &far).await,
        ErrorCode::CountyConsentRequired,
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f06_f07_f04_plaque_legal_person_and_cross_region() -> TestResult {
    let h = Harness::start().await?;

    // F-07: a tight group's member is a campus of one legal person.
    let (tight, _) = h.group(GroupModel::Tight, Stage::Primary).await?;
    let campus = h
        .admit(&tight, &h.school(Stage::Primary, support::HOME).await?)
        .await?;
    assert!(
        campus.plaque_text.ends_with("校区"),
        "{}",
        campus.plaque_text
    );
    assert_eq!(campus.plaque_text, format!("{}校区", tight.name));
    assert!(!campus.legal_person_retained);
    assert!(!campus.independent_leadership, "F-07: one leadership team");
    assert_eq!(campus.role, MemberRole::Member);
    assert!(!campus.cross_region);

    // F-06: an alliance member keeps its legal person and adds "…成员学校".
    let (alliance, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let member = h
        .admit(&alliance, &h.school(Stage::Junior, support::HOME).await?)
        .await?;
    assert!(
        member.plaque_text.ends_with("成员学校"),
        "{}",
        member.plaque_text
    );
    assert!(member.legal_person_retained);
    assert!(
        member.independent_leadership,
        "F-06: its own leadership body"
    );
    assert!(!member.cross_region);
    assert_eq!(
        h.reload(&alliance).await?.regions,
        vec![region(support::HOME)]
    );

    // F-04: a member from another region is allowed and flagged, with its own county's
    // consent: admitting it directly is refused and nothing changes until that bureau agrees.
    let far = h.school(Stage::Junior, support::OTHER).await?;
    let p = refused(
        h.admit(&alliance, &far).await,
        ErrorCode::CountyConsentRequired,
    );
    assert_eq!(p.rule.as_deref(), Some("F-04"));
    assert_eq!(p.details["school_region"], support::OTHER);
    let far_member = consent_of_the_other_county(&h, &alliance, &far).await?;
    assert!(far_member.cross_region);
    let alliance = h.reload(&alliance).await?;
    assert_eq!(alliance.regions.len(), 2);
    assert!(
        alliance.regions.contains(&region(support::HOME))
            && alliance.regions.contains(&region(support::OTHER))
    );
    assert_eq!(
        alliance.region,
        region(support::HOME),
        "the group stays with the lead's bureau"
    );

    // F-04: the other region's bureau sees the group through its member school.
    let q = GroupQuery {
        region: Some(region(support::OTHER)),
        school_id: None,
        include_dissolved: false,
        paging: Default::default(),
    };
    let seen = h.bus.bus.call::<ListGroups>(&h.actor, None, q).await?;
    assert_eq!(
        seen.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![alliance.id]
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The group's scale after formation (F-08) and the lead's quality gate (V-07, §8.4)
// ---------------------------------------------------------------------------------------

fn scale(group: &edu_contracts::membership::Group, cap: Option<u8>, reason: &str) -> ScaleChange {
    ScaleChange {
        group_id: group.id,
        scale_cap: cap,
        reason: reason.into(),
    }
}

fn quality(school: SchoolId, year: i32, score: f64, improving: Option<bool>) -> NewLeadQuality {
    NewLeadQuality {
        school_id: school,
        school_year: year,
        score,
        improving,
        evidence: vec!["县教育局2025学年质量评估报告第3页".into()],
        note: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f08_bureau_changes_the_scale_after_formation_and_keeps_its_history() -> TestResult {
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 4).await?;
    for s in &schools[..3] {
        h.admit(&group, s).await?;
    }
    let call = |c: ScaleChange| h.bus.bus.call::<ChangeScale>(&h.actor, None, c);

    // A reason is required.
    let p = refused(
        call(scale(&group, Some(2), "  ")).await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "reason");

    // Lowering the cap below today's three members removes nobody; it stops admissions.
    let lowered = call(scale(&group, Some(2), "龙头学校质量评估持平,规模降为2所")).await?;
    assert_eq!(
        (
            lowered.previous_scale_cap,
            lowered.scale_cap,
            lowered.effective_cap
        ),
        (None, Some(2), 2)
    );
    assert_eq!(lowered.active_members, 3);
    assert_eq!(
        lowered.policy_version, 0,
        "the decision cites the policy in force"
    );
    let reloaded = h.reload(&group).await?;
    assert_eq!((reloaded.effective_cap, reloaded.active_members), (2, 3));
    assert_eq!(h.members(&group, false).await?.members.len(), 4, "lead + 3");
    let p = refused(
        h.admit(&group, &schools[3]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-08"), "the bureau's scale binds");

    // §8.3: above the model's cap it is an exception, whose reason is the decision's.
    let raised = call(scale(&group, Some(6), "新建校区并入,经局务会研究同意")).await?;
    assert!(raised.cap_exception);
    assert_eq!(raised.effective_cap, 6);
    let reloaded = h.reload(&group).await?;
    assert_eq!(
        reloaded.cap_exception_reason.as_deref(),
        Some("新建校区并入,经局务会研究同意")
    );
    h.admit(&group, &schools[3]).await?;

    // Back to the model's cap: no exception left on the group.
    let reset = call(scale(&group, None, "恢复模式上限")).await?;
    assert_eq!((reset.scale_cap, reset.effective_cap), (None, 5));
    assert_eq!(h.reload(&group).await?.cap_exception_reason, None);

    let history = h
        .bus
        .bus
        .call::<ListScaleDecisions>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert_eq!(
        history.iter().map(|d| d.scale_cap).collect::<Vec<_>>(),
        vec![Some(2), Some(6), None]
    );
    assert!(history.iter().all(|d| d.decided_by == "test:bureau"));
    let events = h.settled_events(1).await?;
    assert_eq!(count_type(&events, "group.scale_changed"), 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f08_scale_decided_at_formation_opens_the_history() -> TestResult {
    let h = Harness::start().await?;
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let mut body = h.new_group(GroupModel::Alliance, &lead);
    body.scale_cap = Some(3);
    let group = h.create_group(body).await?;
    let history = h
        .bus
        .bus
        .call::<ListScaleDecisions>(&h.actor, None, GroupRef { group_id: group.id })
        .await?;
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].scale_cap, history[0].effective_cap),
        (Some(3), 3)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v07_f08_no_admission_while_the_leads_quality_is_not_improving() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 3).await?;
    let record = |q: NewLeadQuality| h.bus.bus.call::<RecordLeadQuality>(&h.actor, None, q);

    // Nothing recorded yet: the gate has nothing to go on and stays open.
    h.admit(&group, &schools[0]).await?;

    // The first year needs the bureau to say whether it improved.
    let p = refused(
        record(quality(lead.id, 2024, 80.0, None)).await,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(p.details["field"], "improving");
    let y2024 = record(quality(lead.id, 2024, 80.0, Some(true))).await?;
    assert!(y2024.improving);
    h.admit(&group, &schools[1]).await?;

    // 2025 scores lower than 2024: derived "not improving", and admissions stop.
    let y2025 = record(quality(lead.id, 2025, 78.5, None)).await?;
    assert!(!y2025.improving);
    assert_eq!(y2025.recorded_by, "test:bureau");
    let p = refused(
        h.admit(&group, &schools[2]).await,
        ErrorCode::LeadQualityNotImproving,
    );
    assert_eq!(p.rule.as_deref(), Some("V-07"));
    assert_eq!(p.details["school_year"], 2025);
    assert_eq!(p.details["lead_school_id"], serde_json::json!(lead.id));
    assert_eq!(h.reload(&group).await?.active_members, 2, "nobody removed");

    // The bureau corrects 2025 after a re-evaluation: the later record is the one in force.
    record(quality(lead.id, 2025, 82.0, Some(true))).await?;
    h.admit(&group, &schools[2]).await?;
    let records = h
        .bus
        .bus
        .call::<ListLeadQuality>(&h.actor, None, SchoolRef { school_id: lead.id })
        .await?;
    assert_eq!(
        records
            .iter()
            .map(|r| (r.school_year, r.score, r.superseded))
            .collect::<Vec<_>>(),
        vec![(2025, 82.0, false), (2025, 78.5, true), (2024, 80.0, false)]
    );
    let events = h.settled_events(1).await?;
    let recorded: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "lead_quality.recorded")
        .collect();
    assert_eq!(recorded.len(), 3);
    assert!(recorded.iter().all(|e| e.group_id == Some(group.id)));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s84_region_policy_may_switch_the_lead_quality_gate_off() -> TestResult {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    h.bus
        .bus
        .call::<RecordLeadQuality>(&h.actor, None, quality(lead.id, 2025, 70.0, Some(false)))
        .await?;
    refused(
        h.admit(&group, &school).await,
        ErrorCode::LeadQualityNotImproving,
    );
    let mut conn = AsyncPgConnection::establish(&h.db.url()).await?;
    conn.batch_execute(&format!(
        "INSERT INTO membership.region_policies (region, version, body, effective_from) VALUES          ('{home}', 1, '{{\"lead_quality_gate\": false}}', current_date - 1)",
        home = support::HOME
    ))
    .await?;
    let m = h.admit(&group, &school).await?;
    assert_eq!(m.policy_version, 1);
    Ok(())
}

/// Publishes the evaluation service's `consequence.decided` as it would (same subject, the
/// event id as `Nats-Msg-Id`), `times` times with one id: a redelivery must change nothing.
async fn publish_decision(
    h: &Harness,
    decision: &edu_contracts::evaluation::ConsequenceDecided,
    times: usize,
) -> TestResult {
    use edu_contracts::Event;
    use edu_contracts::evaluation::ConsequenceDecided;
    let envelope = EventEnvelope {
        id: edu_domain::EventId::new(),
        event_type: ConsequenceDecided::TYPE.to_owned(),
        version: ConsequenceDecided::VERSION,
        occurred_at: chrono::Utc::now(),
        actor: support::bureau(),
        policy_version: None,
        group_id: Some(decision.group_id),
        school_id: decision.school_id,
        payload: serde_json::to_value(decision)?,
    };
    let subject = h
        .bus
        .bus
        .config()
        .event_subject(ServiceName::Evaluation, ConsequenceDecided::TYPE);
    h.bus.bus.ensure_stream().await?;
    for _ in 0..times {
        // A fresh Nats-Msg-Id each time: the stream keeps both, the consumer's inbox dedups.
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", uuid::Uuid::now_v7().to_string().as_str());
        h.bus
            .bus
            .jetstream()
            .publish_with_headers(
                subject.clone(),
                headers,
                serde_json::to_vec(&envelope)?.into(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("publish: {e}"))?
            .await
            .map_err(|e| anyhow::anyhow!("ack: {e}"))?;
    }
    Ok(())
}

/// Waits until `check` holds of the group's member list (history included).
async fn until_members(
    h: &Harness,
    group: &edu_contracts::membership::Group,
    check: impl Fn(&edu_contracts::membership::MemberList) -> bool,
) -> anyhow::Result<edu_contracts::membership::MemberList> {
    for _ in 0..100 {
        let list = h.members(group, true).await?;
        if check(&list) {
            return Ok(list);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the member list never got there")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_a_confirmed_evaluation_exit_takes_effect_once() -> TestResult {
    use edu_contracts::evaluation::{ConsequenceDecided, ConsequenceKind};
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 2).await?;
    for s in &schools {
        h.admit(&group, s).await?;
    }
    let decision = |kind, school_id, confirmed| ConsequenceDecided {
        evaluation_id: uuid::Uuid::now_v7(),
        consequence_id: uuid::Uuid::now_v7(),
        group_id: group.id,
        kind,
        confirmed,
        note: Some("连续两年考核不合格".into()),
        school_id,
    };
    // A rejected exit changes nothing.
    publish_decision(
        &h,
        &decision(ConsequenceKind::MemberExit, Some(schools[1].id), false),
        1,
    )
    .await?;
    // A confirmed one, delivered twice, ends the membership once, with reason `evaluation`.
    publish_decision(
        &h,
        &decision(ConsequenceKind::MemberExit, Some(schools[0].id), true),
        2,
    )
    .await?;
    let list = until_members(&h, &group, |l| l.group.active_members == 1).await?;
    let left = list
        .members
        .iter()
        .find(|m| m.school_id == schools[0].id)
        .expect("the exited member stays in the history");
    assert_eq!(left.exit_reason, Some(ExitReason::Evaluation));
    assert!(
        left.exit_note
            .as_deref()
            .is_some_and(|n| n.contains("连续两年考核不合格"))
    );
    assert!(
        list.members
            .iter()
            .any(|m| m.school_id == schools[1].id && m.left_at.is_none())
    );
    let events = h.settled_events(1).await?;
    let exits: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "member.exited")
        .collect();
    assert_eq!(exits.len(), 1, "once, whatever the redeliveries");
    assert_eq!(
        exits[0].actor.sub, "test:bureau",
        "as the bureau who confirmed it"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_a_confirmed_evaluation_dissolution_dissolves_the_group() -> TestResult {
    use edu_contracts::evaluation::{ConsequenceDecided, ConsequenceKind};
    let h = Harness::start().await?;
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let member = h.school(Stage::Junior, support::HOME).await?;
    h.admit(&group, &member).await?;
    let evaluation_id = uuid::Uuid::now_v7();
    let decided = ConsequenceDecided {
        evaluation_id,
        consequence_id: uuid::Uuid::now_v7(),
        group_id: group.id,
        kind: ConsequenceKind::Dissolution,
        confirmed: true,
        note: None,
        school_id: None,
    };
    publish_decision(&h, &decided, 2).await?;
    let list = until_members(&h, &group, |l| l.group.status == GroupStatus::Dissolved).await?;
    assert!(
        list.members
            .iter()
            .all(|m| m.exit_reason == Some(ExitReason::Dissolution) && m.left_at.is_some()),
        "{:?}",
        list.members
    );
    let events = h.settled_events(1).await?;
    let dissolved: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "group.dissolved")
        .collect();
    assert_eq!(dissolved.len(), 1);
    let payload: GroupDissolved = serde_json::from_value(dissolved[0].payload.clone())?;
    assert_eq!(payload.failing_evaluation_id, Some(evaluation_id));
    // Nothing is accepted any more.
    let p = refused(
        h.admit(&group, &h.school(Stage::Junior, support::HOME).await?)
            .await,
        ErrorCode::GroupDissolved,
    );
    assert_eq!(p.rule.as_deref(), Some("X-02"));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Groups that already exist: their past loaded with real dates, by the live rules
// ---------------------------------------------------------------------------------------

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn stay(
    school: &edu_contracts::membership::School,
    joined: chrono::NaiveDate,
    left: Option<(chrono::NaiveDate, ExitReason)>,
) -> PastMembership {
    PastMembership {
        school_id: school.id,
        joined_on: joined,
        left_on: left.map(|(d, _)| d),
        exit_reason: left.map(|(_, r)| r),
        note: None,
    }
}

fn history(lead: &edu_contracts::membership::School, members: Vec<PastMembership>) -> GroupHistory {
    GroupHistory {
        name: format!("{}教育集团", lead.name),
        model: GroupModel::Tight,
        lead_school_id: lead.id,
        plaque_date: day(2022, 6, 30),
        formed_on: Some(day(2022, 6, 20)),
        scale_cap: None,
        cap_exception_reason: None,
        members,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_s85_a_groups_past_is_loaded_with_its_real_dates_by_the_live_rules() -> TestResult {
    let h = Harness::start().await?;
    let lead = h.school(Stage::Primary, support::HOME).await?;
    let s = h.schools(Stage::Primary, 5).await?;
    let import = |body: GroupHistory| h.bus.bus.call::<ImportGroup>(&h.actor, None, body);

    // F-09 on a past day: a tight group had three campuses on 2023-09-01; a fourth that day
    // is refused, naming the entry and the date, and nothing is loaded.
    let full = vec![
        stay(&s[0], day(2022, 9, 1), None),
        stay(&s[1], day(2022, 9, 1), None),
        stay(&s[2], day(2023, 3, 1), None),
        stay(&s[3], day(2023, 9, 1), None),
    ];
    let p = refused(
        import(history(&lead, full)).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.details["history"]["row"], 3);
    assert_eq!(p.details["history"]["date"], "2023-09-01");
    assert!(
        p.message_zh.starts_with("第 4 条成员记录"),
        "{}",
        p.message_zh
    );
    assert!(
        h.members_of_school(&lead).await?.is_empty(),
        "nothing was loaded"
    );

    // A campus that left on 2023-09-01 frees its place that very day.
    let list = import(history(
        &lead,
        vec![
            stay(&s[0], day(2022, 9, 1), None),
            stay(
                &s[1],
                day(2022, 9, 1),
                Some((day(2023, 9, 1), ExitReason::Voluntary)),
            ),
            stay(&s[2], day(2023, 3, 1), None),
            stay(&s[3], day(2023, 9, 1), None),
        ],
    ))
    .await?;
    assert_eq!(list.group.plaque_date, day(2022, 6, 30));
    assert_eq!(list.group.created_at.date_naive(), day(2022, 6, 20));
    assert_eq!(list.group.active_members, 3);
    let joined: Vec<_> = list
        .members
        .iter()
        .map(|m| {
            (
                m.school_id,
                m.joined_at.date_naive(),
                m.left_at.map(|l| l.date_naive()),
            )
        })
        .collect();
    assert!(joined.contains(&(s[1].id, day(2022, 9, 1), Some(day(2023, 9, 1)))));
    assert!(joined.contains(&(s[3].id, day(2023, 9, 1), None)));
    assert!(
        list.members
            .iter()
            .filter(|m| m.role == MemberRole::Member)
            .all(|m| {
                !m.legal_person_retained
                    && !m.independent_leadership
                    && m.plaque_text.ends_with("校区")
            })
    );

    // The events carry the real days, in the order they happened.
    let events = h.settled_events(6).await?;
    let days: Vec<(String, Option<serde_json::Value>)> = events
        .iter()
        .filter(|e| e.event_type.starts_with("member."))
        .map(|e| {
            let d = e
                .payload
                .get("joined_on")
                .or(e.payload.get("left_on"))
                .cloned();
            (e.event_type.clone(), d)
        })
        .collect();
    assert_eq!(
        days,
        vec![
            (
                "member.admitted".into(),
                Some(serde_json::json!("2022-09-01"))
            ),
            (
                "member.admitted".into(),
                Some(serde_json::json!("2022-09-01"))
            ),
            (
                "member.admitted".into(),
                Some(serde_json::json!("2023-03-01"))
            ),
            (
                "member.exited".into(),
                Some(serde_json::json!("2023-09-01"))
            ),
            (
                "member.admitted".into(),
                Some(serde_json::json!("2023-09-01"))
            ),
        ]
    );

    // §8.5 over time: s[4] was in another group until 2024-01-01; it cannot have joined a
    // second one in 2023, but can from 2024-01-01.
    let other_lead = h.school(Stage::Primary, support::HOME).await?;
    import(history(
        &other_lead,
        vec![stay(
            &s[4],
            day(2022, 9, 1),
            Some((day(2024, 1, 1), ExitReason::Voluntary)),
        )],
    ))
    .await?;
    let third_lead = h.school(Stage::Primary, support::HOME).await?;
    let p = refused(
        import(history(
            &third_lead,
            vec![stay(&s[4], day(2023, 9, 1), None)],
        ))
        .await,
        ErrorCode::SchoolAlreadyInGroup,
    );
    assert_eq!(p.details["history"]["row"], 0);
    import(history(
        &third_lead,
        vec![stay(&s[4], day(2024, 1, 1), None)],
    ))
    .await?;

    // Dates out of order are refused as bad input.
    let fourth_lead = h.school(Stage::Primary, support::HOME).await?;
    let mut early = history(&fourth_lead, vec![stay(&s[0], day(2022, 1, 1), None)]);
    early.members[0].school_id = h.school(Stage::Primary, support::HOME).await?.id;
    let p = refused(import(early).await, ErrorCode::ValidationFailed);
    assert_eq!(p.details["field"], "joined_on");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Exit and dissolution: history kept, the lead cannot exit (F-01)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x01_exit_keeps_history_and_frees_the_place() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Tight, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 4).await?;
    for s in &schools[..3] {
        h.admit(&group, s).await?;
    }
    refused(
        h.admit(&group, &schools[3]).await,
        ErrorCode::GroupCapExceeded,
    );

    let leaver = &schools[0];
    let exited = h.exit(&group, leaver, ExitReason::PersuadedOut).await?;
    assert!(exited.left_at.is_some());
    assert_eq!(exited.exit_reason, Some(ExitReason::PersuadedOut));
    assert_eq!(exited.exit_note.as_deref(), Some("测试退出"));
    assert_eq!(exited.school_name, leaver.name);

    // The current list no longer has it; the history does, with when and why.
    let current = h.members(&group, false).await?;
    assert!(current.members.iter().all(|m| m.school_id != leaver.id));
    assert_eq!(current.members.len(), 3, "the lead and two members");
    assert_eq!(current.group.active_members, 2);
    let history = h.members(&group, true).await?;
    assert_eq!(history.members.len(), 4);
    // The list's group view (one statement) is the group's own view, history or not.
    let own = h.reload(&group).await?;
    assert_eq!(current.group, own);
    assert_eq!(history.group, own);
    let past = history
        .members
        .iter()
        .find(|m| m.school_id == leaver.id)
        .expect("exited member in history");
    assert!(past.left_at.is_some());
    assert_eq!(past.exit_reason, Some(ExitReason::PersuadedOut));
    assert_eq!(past.id, exited.id);

    // F-01: the lead cannot exit; a non-member cannot exit; nor can the leaver twice.
    let p = refused(
        h.exit(&group, &lead, ExitReason::Voluntary).await,
        ErrorCode::LeadCannotExit,
    );
    assert_eq!(p.rule.as_deref(), Some("F-01"));
    refused(
        h.exit(&group, &schools[3], ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );
    refused(
        h.exit(&group, leaver, ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );

    // The freed place can be used ...
    h.admit(&group, &schools[3]).await?;
    assert_eq!(h.reload(&group).await?.active_members, 3);
    // ... and the exited school can join another group.
    let (other, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let rejoined = h.admit(&other, leaver).await?;
    assert_ne!(
        rejoined.id, exited.id,
        "a new membership record, the old one stays history"
    );
    // It is not a member of its old group any more: exiting there is refused.
    refused(
        h.exit(&group, leaver, ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );
    // Now in the other group, it cannot come back to the first one even when there is room.
    h.exit(&group, &schools[1], ExitReason::Voluntary).await?;
    refused(
        h.admit(&group, leaver).await,
        ErrorCode::SchoolAlreadyInGroup,
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x02_dissolution_ends_every_membership_and_freezes_the_group() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let schools = h.schools(Stage::Junior, 3).await?;
    h.admit(&group, &schools[0]).await?;
    h.admit(&group, &schools[1]).await?;

    let dissolved = h
        .bus
        .bus
        .call::<DissolveGroup>(
            &h.actor,
            None,
            Dissolution {
                group_id: group.id,
                reason: "年度考核不合格".into(),
                override_reason: Some("no evaluation yet (test)".into()),
            },
        )
        .await?;
    assert_eq!(dissolved.status, GroupStatus::Dissolved);
    assert!(dissolved.dissolved_at.is_some());
    assert_eq!(
        dissolved.dissolution_reason.as_deref(),
        Some("年度考核不合格")
    );
    assert_eq!(dissolved.active_members, 0);
    assert!(dissolved.active_school_ids.is_empty());

    let history = h.members(&group, true).await?;
    assert_eq!(
        history.members.len(),
        3,
        "the lead and both members, kept as history"
    );
    for m in &history.members {
        assert!(m.left_at.is_some(), "{m:?}");
        assert_eq!(m.exit_reason, Some(ExitReason::Dissolution));
    }
    let current = h.members(&group, false).await?;
    assert!(current.members.is_empty());
    assert_eq!(current.group, h.reload(&group).await?);
    assert_eq!(current.group.status, GroupStatus::Dissolved);
    assert_eq!(history.group, current.group);

    // a dissolved group accepts no change.
    let p = refused(
        h.admit(&group, &schools[2]).await,
        ErrorCode::GroupDissolved,
    );
    assert_eq!(p.rule.as_deref(), Some("X-02"));
    refused(
        h.exit(&group, &schools[0], ExitReason::Voluntary).await,
        ErrorCode::GroupDissolved,
    );
    refused(
        h.exit(&group, &lead, ExitReason::Voluntary).await,
        ErrorCode::GroupDissolved,
    );
    let again = h
        .bus
        .bus
        .call::<DissolveGroup>(
            &h.actor,
            None,
            Dissolution {
                group_id: group.id,
                reason: "再次撤销".into(),
                override_reason: Some("no evaluation yet (test)".into()),
            },
        )
        .await;
    refused(again, ErrorCode::GroupDissolved);

    // Its former schools are free again: the lead may lead a new group, members may join it.
    let fresh = h
        .create_group(h.new_group(GroupModel::Alliance, &lead))
        .await?;
    h.admit(&fresh, &schools[0]).await?;
    // Dissolved groups are hidden from lists unless asked for.
    let q = |include_dissolved| GroupQuery {
        region: None,
        school_id: None,
        include_dissolved,
        paging: Default::default(),
    };
    let active = h
        .bus
        .bus
        .call::<ListGroups>(&h.actor, None, q(false))
        .await?;
    assert_eq!(
        active.items.iter().map(|g| g.id).collect::<Vec<_>>(),
        vec![fresh.id]
    );
    assert_eq!(
        h.bus
            .bus
            .call::<ListGroups>(&h.actor, None, q(true))
            .await?
            .total,
        2
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Races: the cap and one-group-per-school hold under concurrency (F-09, §8.5)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_f09_fifty_schools_compete_for_the_last_place() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    for s in h.schools(Stage::Junior, 4).await? {
        h.admit(&group, &s).await?;
    }
    let contenders = h.schools(Stage::Junior, 50).await?;

    let calls = contenders.iter().map(|s| {
        let bus = h.bus.bus.clone();
        let actor = h.actor.clone();
        let body = Admission {
            group_id: group.id,
            school_id: s.id,
        };
        tokio::spawn(async move { bus.call::<AdmitMember>(&actor, None, body).await })
    });
    let results: Vec<Result<Membership, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();

    let admitted: Vec<&Membership> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(
        admitted.len(),
        1,
        "exactly one admission: {:?}",
        results.iter().map(code).collect::<Vec<_>>()
    );
    let refusals: Vec<ErrorCode> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|p| p.code))
        .collect();
    assert_eq!(refusals.len(), 49);
    assert!(
        refusals.iter().all(|c| *c == ErrorCode::GroupCapExceeded),
        "{refusals:?}"
    );

    let group = h.reload(&group).await?;
    assert_eq!(group.active_members, group.effective_cap);
    assert_eq!(group.active_members, 5);
    let members = h.members(&group, true).await?;
    assert_eq!(
        members
            .members
            .iter()
            .filter(|m| m.role == MemberRole::Member)
            .count(),
        5
    );
    assert!(members.members.iter().any(|m| m.id == admitted[0].id));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_s85_one_school_into_ten_groups_at_once() -> TestResult {
    let h = Harness::start().await?;
    let mut groups = Vec::new();
    for _ in 0..10 {
        groups.push(h.group(GroupModel::Alliance, Stage::Junior).await?.0);
    }
    let school = h.school(Stage::Junior, support::HOME).await?;

    let calls = groups.iter().map(|g| {
        let bus = h.bus.bus.clone();
        let actor = h.actor.clone();
        let body = Admission {
            group_id: g.id,
            school_id: school.id,
        };
        tokio::spawn(async move { bus.call::<AdmitMember>(&actor, None, body).await })
    });
    let results: Vec<Result<Membership, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();

    let admitted: Vec<&Membership> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(
        admitted.len(),
        1,
        "exactly one admission: {:?}",
        results.iter().map(code).collect::<Vec<_>>()
    );
    let refusals: Vec<ErrorCode> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(|p| p.code))
        .collect();
    assert_eq!(refusals.len(), 9);
    assert!(
        refusals
            .iter()
            .all(|c| *c == ErrorCode::SchoolAlreadyInGroup),
        "{refusals:?}"
    );

    // The school is in exactly one group, the one that admitted it.
    let q = GroupQuery {
        region: None,
        school_id: Some(school.id),
        include_dissolved: true,
        paging: Default::default(),
    };
    let page = h.bus.bus.call::<ListGroups>(&h.actor, None, q).await?;
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, admitted[0].group_id);
    let mut total = 0;
    for g in &groups {
        total += h.reload(g).await?.active_members;
    }
    assert_eq!(total, 1);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Idempotency keys: a retry returns the first result, never a second row or event
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_admission_retries_return_the_first_result() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    let other = h.school(Stage::Junior, support::HOME).await?;
    let key = Some(uuid::Uuid::now_v7().to_string());
    let body = Admission {
        group_id: group.id,
        school_id: school.id,
    };

    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            h.bus
                .bus
                .call::<AdmitMember>(&h.actor, key.clone(), body.clone())
                .await?
                .id,
        );
    }
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(h.reload(&group).await?.active_members, 1);
    assert_eq!(
        h.members(&group, true).await?.members.len(),
        2,
        "the lead and one member row"
    );

    // The same key for another request is refused.
    let reused = h
        .bus
        .bus
        .call::<AdmitMember>(
            &h.actor,
            key.clone(),
            Admission {
                group_id: group.id,
                school_id: other.id,
            },
        )
        .await;
    refused(reused, ErrorCode::IdempotencyKeyReused);
    // A malformed key is refused before anything happens.
    let bad = h
        .bus
        .bus
        .call::<AdmitMember>(&h.actor, Some("带 空格".into()), body.clone())
        .await;
    refused(bad, ErrorCode::ValidationFailed);

    // One member.admitted event only (the group.established event makes two).
    let events = h.settled_events(2).await?;
    assert_eq!(count_type(&events, "member.admitted"), 1, "{events:#?}");
    assert_eq!(count_type(&events, "group.established"), 1);
    assert_eq!(events.len(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_concurrent_retries_with_one_key_make_one_row() -> TestResult {
    let h = Harness::start().await?;
    let (group, _lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    let key = uuid::Uuid::now_v7().to_string();

    let calls = (0..5).map(|_| {
        let bus = h.bus.bus.clone();
        let actor = h.actor.clone();
        let key = Some(key.clone());
        let body = Admission {
            group_id: group.id,
            school_id: school.id,
        };
        tokio::spawn(async move { bus.call::<AdmitMember>(&actor, key, body).await })
    });
    let results: Vec<Result<Membership, Problem>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let ids: HashSet<_> = results
        .iter()
        .map(|r| r.as_ref().map(|m| m.id).map_err(|p| p.code))
        .collect();
    assert_eq!(ids.len(), 1, "all Ok with one id: {results:?}");
    assert!(results.iter().all(Result::is_ok));

    let history = h.members(&group, true).await?;
    assert_eq!(
        history
            .members
            .iter()
            .filter(|m| m.school_id == school.id)
            .count(),
        1
    );
    let events = h.settled_events(2).await?;
    assert_eq!(count_type(&events, "member.admitted"), 1);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Events: one per change, on the right subject, through the outbox relay
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_published_once_each_on_their_subjects() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let school = h.school(Stage::Junior, support::HOME).await?;
    let membership = h.admit(&group, &school).await?;
    h.exit(&group, &school, ExitReason::Voluntary).await?;
    h.bus
        .bus
        .call::<DissolveGroup>(
            &h.actor,
            None,
            Dissolution {
                group_id: group.id,
                reason: "合并重组".into(),
                override_reason: Some("no evaluation yet (test)".into()),
            },
        )
        .await?;

    h.settled_events(4).await?;
    let raw = h.raw_events().await?;
    let prefix = &h.bus.bus.config().prefix;
    let types: Vec<&str> = raw.iter().map(|(_, _, e)| e.event_type.as_str()).collect();
    // In commit order, each once.
    assert_eq!(
        types,
        [
            "group.established",
            "member.admitted",
            "member.exited",
            "group.dissolved"
        ]
    );
    let mut ids = HashSet::new();
    for (subject, msg_id, e) in &raw {
        assert_eq!(
            subject,
            &format!("{prefix}.events.membership.{}", e.event_type)
        );
        assert_eq!(
            msg_id.as_deref(),
            Some(e.id.to_string().as_str()),
            "Nats-Msg-Id is the event id"
        );
        assert!(ids.insert(e.id));
        assert_eq!(e.version, 1);
        assert_eq!(e.actor, h.actor, "the audit trail names who asked");
        assert_eq!(e.group_id, Some(group.id));
    }
    let envelope = |t: &str| {
        raw.iter()
            .map(|(_, _, e)| e)
            .find(|e| e.event_type == t)
            .expect(t)
            .clone()
    };

    let e = envelope("group.established");
    assert_eq!(e.school_id, Some(lead.id));
    let p: GroupEstablished = serde_json::from_value(e.payload)?;
    assert_eq!(
        (p.group_id, p.lead_school_id, p.model, p.effective_cap),
        (group.id, lead.id, GroupModel::Alliance, 5)
    );

    let e = envelope("member.admitted");
    assert_eq!(e.school_id, Some(school.id));
    let p: MemberAdmitted = serde_json::from_value(e.payload)?;
    assert_eq!(
        (p.group_id, p.school_id, p.membership_id),
        (group.id, school.id, membership.id)
    );
    assert!(p.legal_person_retained && p.plaque_text.ends_with("成员学校"));

    let e = envelope("member.exited");
    assert_eq!(e.school_id, Some(school.id));
    let p: MemberExited = serde_json::from_value(e.payload)?;
    assert_eq!(
        (p.school_id, p.membership_id, p.reason),
        (school.id, membership.id, ExitReason::Voluntary)
    );

    let e = envelope("group.dissolved");
    assert_eq!(e.school_id, None);
    let p: GroupDissolved = serde_json::from_value(e.payload)?;
    assert_eq!(p.reason, "合并重组");
    assert_eq!(
        p.school_ids,
        vec![lead.id],
        "the member had already left; only the lead's membership ended"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_publish_no_events() -> TestResult {
    let h = Harness::start().await?;
    let (group, lead) = h.group(GroupModel::Tight, Stage::Junior).await?;
    for s in h.schools(Stage::Junior, 3).await? {
        h.admit(&group, &s).await?;
    }
    let extra = h.school(Stage::Junior, support::HOME).await?;
    refused(h.admit(&group, &extra).await, ErrorCode::GroupCapExceeded);
    refused(h.admit(&group, &lead).await, ErrorCode::LeadCannotBeMember);
    refused(
        h.exit(&group, &extra, ExitReason::Voluntary).await,
        ErrorCode::NotAMember,
    );
    let events = h.settled_events(4).await?;
    assert_eq!(
        events.len(),
        4,
        "group.established and three admissions only"
    );
    assert_eq!(count_type(&events, "member.admitted"), 3);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Discovery and health (ADR-32 micro service)
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_ping_info_and_health() -> TestResult {
    let h = Harness::start().await?;
    let client = h.bus.bus.client();

    let reply = client
        .request("$SRV.PING.membership".to_string(), "".into())
        .await?;
    let ping: serde_json::Value = serde_json::from_slice(&reply.payload)?;
    assert_eq!(ping["name"], "membership");
    assert_eq!(ping["type"], "io.nats.micro.v1.ping_response");

    // Other tests' services answer too (one nats-server); find ours by its endpoints.
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await?;
    client
        .publish_with_reply("$SRV.INFO.membership".to_string(), inbox, "".into())
        .await?;
    client.flush().await?;
    let ours = format!("{}.membership.v1.", h.bus.bus.config().prefix);
    let mut found = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(message)) =
        tokio::time::timeout_at(deadline, futures::StreamExt::next(&mut replies)).await
    {
        let info: serde_json::Value = serde_json::from_slice(&message.payload)?;
        let endpoints = info["endpoints"].as_array().cloned().unwrap_or_default();
        if endpoints
            .iter()
            .any(|e| e["subject"].as_str().is_some_and(|s| s.starts_with(&ours)))
        {
            found = Some(info);
            break;
        }
    }
    let info = found.expect("our membership instance answers $SRV.INFO");
    assert_eq!(info["name"], "membership");
    let subjects: HashSet<String> = info["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(|e| e["subject"].as_str().map(str::to_owned))
        .collect();
    for op in [
        "health",
        "school.create",
        "group.create",
        "member.admit",
        "member.exit",
        "group.dissolve",
    ] {
        assert!(
            subjects.contains(&format!("{ours}{op}")),
            "{op} missing from {subjects:?}"
        );
    }

    let health = h.bus.bus.health(ServiceName::Membership).await?;
    assert_eq!(health.service, "membership");
    assert!(health.database);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_a_stable_code() -> TestResult {
    let h = Harness::start().await?;
    let new_school = |name: &str| NewSchool {
        name: name.to_owned(),
        stage: Stage::Junior,
        region: region(support::HOME),
        principal_name: "王建国".into(),
        legal_person: "太康县教育体育局".into(),
    };
    let create = |body: NewSchool| h.bus.bus.call::<CreateSchool>(&h.actor, None, body);

    let p = refused(create(new_school("")).await, ErrorCode::ValidationFailed);
    assert_eq!(p.details["field"], "name");
    refused(create(new_school("   ")).await, ErrorCode::ValidationFailed);
    refused(
        create(new_school(&"校".repeat(101))).await,
        ErrorCode::ValidationFailed,
    );
    // 100 characters (300 bytes) is fine: the bound counts characters.
    create(new_school(&"校".repeat(100))).await?;
    refused(
        create(new_school("太康\0一中")).await,
        ErrorCode::ValidationFailed,
    );
    refused(
        create(NewSchool {
            principal_name: String::new(),
            ..new_school("无校长学校")
        })
        .await,
        ErrorCode::ValidationFailed,
    );

    // Unique per region; the same name elsewhere is another school.
    create(new_school("太康县第一初级中学")).await?;
    let p = refused(
        create(new_school("  太康县第一初级中学 ")).await,
        ErrorCode::SchoolNameTaken,
    );
    assert_eq!(p.details["name"], "太康县第一初级中学");
    create(NewSchool {
        region: region(support::OTHER),
        ..new_school("太康县第一初级中学")
    })
    .await?;

    // Unknown ids.
    let school = h.school(Stage::Junior, support::HOME).await?;
    let unknown_group = GroupId::new();
    refused(
        h.bus
            .bus
            .call::<GetGroup>(
                &h.actor,
                None,
                GroupRef {
                    group_id: unknown_group,
                },
            )
            .await,
        ErrorCode::NotFound,
    );
    let admission = Admission {
        group_id: unknown_group,
        school_id: school.id,
    };
    refused(
        h.bus
            .bus
            .call::<AdmitMember>(&h.actor, None, admission)
            .await,
        ErrorCode::NotFound,
    );
    let exit = MemberExit {
        group_id: unknown_group,
        school_id: school.id,
        reason: ExitReason::Voluntary,
        note: None,
    };
    refused(
        h.bus.bus.call::<ExitMember>(&h.actor, None, exit).await,
        ErrorCode::NotFound,
    );
    let (group, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    let admission = Admission {
        group_id: group.id,
        school_id: SchoolId::new(),
    };
    refused(
        h.bus
            .bus
            .call::<AdmitMember>(&h.actor, None, admission)
            .await,
        ErrorCode::NotFound,
    );
    let no_lead = NewGroup {
        lead_school_id: SchoolId::new(),
        ..h.new_group(GroupModel::Alliance, &school)
    };
    refused(h.create_group(no_lead).await, ErrorCode::NotFound);
    refused(
        h.create_group(NewGroup {
            scale_cap: Some(0),
            ..h.new_group(GroupModel::Alliance, &school)
        })
        .await,
        ErrorCode::ValidationFailed,
    );

    // Paging is bounded: 1..=200.
    for limit in [0, 201] {
        let q = edu_contracts::membership::SchoolQuery {
            region: None,
            ids: vec![],
            paging: edu_contracts::membership::Paging { limit, offset: 0 },
        };
        let p = refused(
            h.bus
                .bus
                .call::<edu_contracts::membership::ListSchools>(&h.actor, None, q)
                .await,
            ErrorCode::ValidationFailed,
        );
        assert_eq!(p.details["field"], "limit");
    }

    // An undecodable request body (unknown field in a deny_unknown_fields body).
    let raw = serde_json::json!({
        "actor": h.actor,
        "body": { "name": "x", "stage": "junior", "region": "411627", "principal_name": "p", "legal_person": "l", "extra": 1 }
    });
    let subject = h
        .bus
        .bus
        .config()
        .request_subject(ServiceName::Membership, "school.create");
    let reply = h
        .bus
        .bus
        .client()
        .request(subject, serde_json::to_vec(&raw)?.into())
        .await?;
    let reply: serde_json::Value = serde_json::from_slice(&reply.payload)?;
    assert_eq!(reply["error"]["code"], "validation_failed", "{reply}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_refusals_are_judged_afresh_and_creates_replay() -> TestResult {
    let h = Harness::start().await?;

    // A keyed group.create and school.create replay their first result (no second row,
    // no SchoolNameTaken, no second group.established).
    let lead = h.school(Stage::Junior, support::HOME).await?;
    let key = Some(uuid::Uuid::now_v7().to_string());
    let body = h.new_group(GroupModel::Tight, &lead);
    let first = h
        .bus
        .bus
        .call::<CreateGroup>(&h.actor, key.clone(), body.clone())
        .await?;
    let again = h
        .bus
        .bus
        .call::<CreateGroup>(&h.actor, key.clone(), body)
        .await?;
    assert_eq!(first.id, again.id);
    let school_body = NewSchool {
        name: "太康县城关镇第一初级中学".into(),
        stage: Stage::Junior,
        region: region(support::HOME),
        principal_name: "李明".into(),
        legal_person: "太康县城关镇第一初级中学".into(),
    };
    let school_key = Some(uuid::Uuid::now_v7().to_string());
    let a = h
        .bus
        .bus
        .call::<CreateSchool>(&h.actor, school_key.clone(), school_body.clone())
        .await?;
    let b = h
        .bus
        .bus
        .call::<CreateSchool>(&h.actor, school_key, school_body.clone())
        .await?;
    assert_eq!(a.id, b.id);
    refused(
        h.bus
            .bus
            .call::<CreateSchool>(&h.actor, None, school_body)
            .await,
        ErrorCode::SchoolNameTaken,
    );

    // A refusal stores nothing under its key: once the group has room, the same retry succeeds.
    let group = first;
    let schools = h.schools(Stage::Junior, 3).await?;
    for s in &schools {
        h.admit(&group, s).await?;
    }
    let admit_key = Some(uuid::Uuid::now_v7().to_string());
    let admission = Admission {
        group_id: group.id,
        school_id: a.id,
    };
    let full = h
        .bus
        .bus
        .call::<AdmitMember>(&h.actor, admit_key.clone(), admission.clone())
        .await;
    refused(full, ErrorCode::GroupCapExceeded);
    h.exit(&group, &schools[0], ExitReason::Voluntary).await?;
    let admitted = h
        .bus
        .bus
        .call::<AdmitMember>(&h.actor, admit_key.clone(), admission.clone())
        .await?;
    assert_eq!(admitted.school_id, a.id);

    // The key belongs to who sent it: another actor with the same key and body is refused.
    let other_actor = edu_contracts::Actor {
        sub: "test:someone-else".into(),
        ..h.actor.clone()
    };
    let stolen = h
        .bus
        .bus
        .call::<AdmitMember>(&other_actor, admit_key, admission)
        .await;
    refused(stolen, ErrorCode::IdempotencyKeyReused);

    let events = h.settled_events(5).await?;
    assert_eq!(count_type(&events, "group.established"), 1);
    assert_eq!(count_type(&events, "member.admitted"), 4);
    assert_eq!(count_type(&events, "member.exited"), 1);
    Ok(())
}

/// Policy as data (§8.2, §8.3, F-09 "原则上"): a region's newer policy version changes the
/// caps and lets trusteeship groups mix stages; decisions record the version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f09_s82_region_policy_version_sets_caps_and_mixed_stages() -> TestResult {
    use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

    let h = Harness::start().await?;
    let mut conn = AsyncPgConnection::establish(&h.db.url()).await?;
    conn.batch_execute(&format!(
        "INSERT INTO membership.region_policies (region, version, body, effective_from) VALUES \
         ('{home}', 2, '{{\"cap_alliance\": 2, \"trusteeship_mixed_stages\": true}}', current_date - 1), \
         ('{home}', 3, '{{\"cap_alliance\": 1}}', current_date + 30)",
        home = support::HOME
    ))
    .await?;

    // Version 2 is in force (version 3 is not yet effective).
    let (alliance, _) = h.group(GroupModel::Alliance, Stage::Junior).await?;
    assert_eq!((alliance.effective_cap, alliance.policy_version), (2, 2));
    let schools = h.schools(Stage::Junior, 3).await?;
    let m = h.admit(&alliance, &schools[0]).await?;
    assert_eq!(m.policy_version, 2);
    h.admit(&alliance, &schools[1]).await?;
    let p = refused(
        h.admit(&alliance, &schools[2]).await,
        ErrorCode::GroupCapExceeded,
    );
    assert_eq!(p.rule.as_deref(), Some("F-09"));
    assert_eq!(p.details["cap"], 2);
    assert_eq!(p.details["policy_version"], 2);
    // The member list's group view reads the same version in force (cap 2, not 1).
    let listed = h.members(&alliance, false).await?.group;
    assert_eq!((listed.effective_cap, listed.active_members), (2, 2));
    assert_eq!(listed, h.reload(&alliance).await?);

    // §8.2: under version 2 a trusteeship group may mix stages; alliance groups may not.
    let (trusteeship, _) = h.group(GroupModel::Trusteeship, Stage::Junior).await?;
    assert_eq!(
        trusteeship.effective_cap, 5,
        "unchanged fields keep the documents' defaults"
    );
    h.admit(
        &trusteeship,
        &h.school(Stage::Primary, support::HOME).await?,
    )
    .await?;
    let primary = h.school(Stage::Primary, support::HOME).await?;
    refused(h.admit(&alliance, &primary).await, ErrorCode::StageMismatch);

    // Another region still has the built-in defaults (version 0): F-03 applies to trusteeship.
    let far_lead = h.school(Stage::Junior, support::OTHER).await?;
    let far = h
        .create_group(h.new_group(GroupModel::Trusteeship, &far_lead))
        .await?;
    assert_eq!((far.effective_cap, far.policy_version), (5, 0));
    let far_primary = h.school(Stage::Primary, support::OTHER).await?;
    let p = refused(h.admit(&far, &far_primary).await, ErrorCode::StageMismatch);
    assert_eq!(p.rule.as_deref(), Some("F-03"));

    // The audit record of every write names who, when, what and the policy
    // version its decision consulted; an exit consults no policy rule.
    let started = chrono::Utc::now() - chrono::Duration::minutes(5);
    h.exit(&alliance, &schools[0], ExitReason::Voluntary)
        .await?;
    let events = h.settled_events(7).await?;
    let audit: Vec<(&str, Option<GroupId>, Option<i32>)> = events
        .iter()
        .map(|e| (e.event_type.as_str(), e.group_id, e.policy_version))
        .collect();
    assert_eq!(
        audit,
        [
            ("group.established", Some(alliance.id), Some(2)),
            ("member.admitted", Some(alliance.id), Some(2)),
            ("member.admitted", Some(alliance.id), Some(2)),
            ("group.established", Some(trusteeship.id), Some(2)),
            ("member.admitted", Some(trusteeship.id), Some(2)),
            ("group.established", Some(far.id), Some(0)),
            ("member.exited", Some(alliance.id), None),
        ]
    );
    for e in &events {
        assert_eq!(e.actor, support::bureau(), "who: {}", e.event_type);
        assert!(
            e.occurred_at > started && e.occurred_at <= chrono::Utc::now(),
            "when: {}",
            e.event_type
        );
        assert!(e.payload.is_object(), "what: {}", e.event_type);
    }
    Ok(())
}
