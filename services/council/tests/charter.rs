//! The group's charter and development plan (集团章程、集团发展规划) in the council service, over
//! the bus against real PostgreSQL and NATS: versions the lead school's office drafts (G-14,
//! L4) — the plan with its timetable and roadmap (G-01) —, adopted by the council's decision
//! of the kind's category (G-14, G-07), superseding the version before, never changed once
//! adopted, and acknowledged by each member school (M2).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use chrono::{NaiveDate, Utc};
use common::{Env, Group, count, day, env, events_until, refused};
use edu_contracts::council::{
    AcknowledgeCharter, Acknowledgement, AdoptCharterVersion, CharterAcknowledgement,
    CharterAdoption, CharterDraft, CharterKind, CharterStatus, CharterVersion, CharterVersionId,
    Council, DecisionCategory, DecisionId, DraftCharterVersion, EditCharterDraft, GetCharter,
    GroupCharter, GroupScope, NewCharterVersion, NewMilestone,
};
use edu_domain::{ErrorCode, MemberRole, Problem, SchoolId, SchoolYear, Semester};
use serde_json::json;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn charter(g: &Group) -> NewCharterVersion {
    NewCharterVersion {
        group_id: g.id,
        kind: CharterKind::Charter,
        title: "龙头中学教育集团章程".into(),
        body: "第一章 总则\n第一条 为规范集团化办学,制定本章程。\n第二条 成员学校遵守本章程。"
            .into(),
        milestones: Vec::new(),
    }
}

fn plan(g: &Group) -> NewCharterVersion {
    NewCharterVersion {
        group_id: g.id,
        kind: CharterKind::DevelopmentPlan,
        title: "集团三年发展规划(2026—2029)".into(),
        body: "一、发展目标\n二、主要任务".into(),
        milestones: vec![
            NewMilestone {
                due_on: Some(day(2027, 6, 30)),
                school_year: None,
                semester: None,
                what: "建成集团优质课程资源库".into(),
                school_id: g.lead,
            },
            NewMilestone {
                due_on: None,
                school_year: Some(SchoolYear(2026)),
                semester: Some(Semester::Autumn),
                what: "成员校教师跟岗学习全覆盖".into(),
                school_id: g.members[0],
            },
        ],
    }
}

impl Env {
    async fn draft(
        &self,
        key: Option<&str>,
        body: NewCharterVersion,
    ) -> Result<CharterVersion, Problem> {
        self.bus()
            .call::<DraftCharterVersion>(&self.actor, key.map(Into::into), body)
            .await
    }

    async fn edit(&self, version: &CharterVersion, title: &str) -> Result<CharterVersion, Problem> {
        let draft = CharterDraft {
            version_id: version.id,
            title: title.into(),
            body: version.body.clone(),
            milestones: Vec::new(),
        };
        self.bus()
            .call::<EditCharterDraft>(&self.actor, None, draft)
            .await
    }

    async fn adopt(
        &self,
        key: Option<&str>,
        version: CharterVersionId,
        decision: Option<DecisionId>,
    ) -> Result<CharterVersion, Problem> {
        let body = CharterAdoption {
            version_id: version,
            decision_id: decision,
        };
        self.bus()
            .call::<AdoptCharterVersion>(&self.actor, key.map(Into::into), body)
            .await
    }

    async fn acknowledge(
        &self,
        version: CharterVersionId,
        school: SchoolId,
    ) -> Result<Acknowledgement, Problem> {
        let body = CharterAcknowledgement {
            version_id: version,
            school_id: school,
        };
        self.bus()
            .call::<AcknowledgeCharter>(&self.actor, None, body)
            .await
    }

    async fn charter_of(&self, g: &Group) -> GroupCharter {
        self.bus()
            .call::<GetCharter>(&self.actor, None, GroupScope { group_id: g.id })
            .await
            .unwrap()
    }

    /// The council's passed decision of `category`, decided on `on`.
    async fn decision(&self, c: &Council, on: NaiveDate, category: DecisionCategory) -> DecisionId {
        self.decided(c, on, category, None)
            .await
            .decision_id
            .unwrap()
    }
}

/// The stream's events once `n` of type `kind` are there, and a moment later: one more
/// raised by mistake would show by then.
async fn events_after(env: &Env, kind: &str, n: usize) -> Vec<edu_contracts::EventEnvelope> {
    events_until(&env.bus, |e| count(e, kind) >= n).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    env.bus.events().await.unwrap()
}

/// A G-14/G-07 refusal: `council_decision_required`, the rule, and what is missing.
fn decision_refused(r: Result<CharterVersion, Problem>, rule: &str, missing: &str) -> Problem {
    let p = refused(r, ErrorCode::CouncilDecisionRequired);
    assert_eq!(p.rule.as_deref(), Some(rule), "{p:?}");
    assert_eq!(p.details["missing"], missing, "{p:?}");
    p
}

#[tokio::test]
async fn g14_versions_are_drafted_edited_adopted_and_superseded() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;

    // version 1, a draft; a second draft of the charter waits for the first
    let v1 = env.draft(None, charter(&g)).await.unwrap();
    assert_eq!(
        (v1.kind, v1.version, v1.status),
        (CharterKind::Charter, 1, CharterStatus::Draft)
    );
    assert_eq!(v1.drafted_by, env.actor.sub);
    assert_eq!((v1.adoption.as_ref(), v1.edited_at), (None, None));
    let p = refused(
        env.draft(None, charter(&g)).await,
        ErrorCode::CharterDraftExists,
    );
    assert_eq!(p.rule.as_deref(), Some("G-14"));
    assert_eq!(p.details["version_id"], json!(v1.id));
    // …but the development plan has its own numbering
    let plan1 = env.draft(None, plan(&g)).await.unwrap();
    assert_eq!(
        (plan1.kind, plan1.version),
        (CharterKind::DevelopmentPlan, 1)
    );

    // the draft is edited until adopted
    let v1 = env.edit(&v1, "龙头中学教育集团章程(草案)").await.unwrap();
    assert_eq!(v1.title, "龙头中学教育集团章程(草案)");
    assert_eq!(v1.edited_by.as_deref(), Some(env.actor.sub.as_str()));
    // the council adopts it by its charter decision (G-14)
    let decision = env.decision(&c, today(), DecisionCategory::Charter).await;
    let adopted = env.adopt(None, v1.id, Some(decision)).await.unwrap();
    assert_eq!(adopted.status, CharterStatus::InForce);
    let record = adopted.adoption.clone().unwrap();
    assert_eq!((record.decision_id, record.decided_on), (decision, today()));
    assert_eq!(record.decision_title, "集团章程 议案");
    assert_eq!(record.adopted_by, env.actor.sub);

    // an adopted version never changes, and is not adopted twice
    let p = refused(
        env.edit(&adopted, "改").await,
        ErrorCode::CharterVersionFinal,
    );
    assert_eq!(
        (p.rule.as_deref(), &p.details["status"]),
        (Some("G-14"), &json!("in_force"))
    );
    let again = env.decision(&c, today(), DecisionCategory::Charter).await;
    let p = refused(
        env.adopt(None, v1.id, Some(again)).await,
        ErrorCode::CharterAlreadyAdopted,
    );
    assert_eq!(p.rule.as_deref(), Some("G-14"));

    // version 2 supersedes version 1 once adopted
    let v2 = env.draft(None, charter(&g)).await.unwrap();
    assert_eq!(v2.version, 2);
    let v2 = env.adopt(None, v2.id, Some(again)).await.unwrap();
    assert_eq!(v2.status, CharterStatus::InForce);
    let now = env.charter_of(&g).await;
    let in_force = now.charter.clone().unwrap();
    assert_eq!(in_force.version.id, v2.id);
    assert_eq!(now.development_plan, None, "the plan is still a draft");
    // every version is kept, newest first
    let history: Vec<(CharterKind, u32, CharterStatus)> = now
        .history
        .iter()
        .map(|v| (v.kind, v.version, v.status))
        .collect();
    assert_eq!(
        history,
        [
            (CharterKind::Charter, 2, CharterStatus::InForce),
            (CharterKind::DevelopmentPlan, 1, CharterStatus::Draft),
            (CharterKind::Charter, 1, CharterStatus::Superseded),
        ]
    );
    let old = now.history.iter().find(|v| v.id == v1.id).unwrap();
    assert_eq!(old.superseded_by, Some(v2.id));
    assert!(old.superseded_at.is_some());
    assert_eq!(old.title, "龙头中学教育集团章程(草案)", "kept as adopted");
    // a superseded version stays final too
    refused(env.edit(old, "改").await, ErrorCode::CharterVersionFinal);
    refused(
        env.adopt(None, v1.id, Some(decision)).await,
        ErrorCode::CharterAlreadyAdopted,
    );

    // the events, through the outbox
    let events = events_until(&env.bus, |e| count(e, "charter.adopted") >= 2).await;
    assert_eq!(count(&events, "charter.drafted"), 3);
    assert_eq!(count(&events, "charter.edited"), 1);
    let adoptions: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "charter.adopted")
        .collect();
    assert_eq!(adoptions.len(), 2);
    let second = adoptions
        .iter()
        .find(|e| e.payload["version_id"] == json!(v2.id))
        .unwrap();
    assert_eq!(second.group_id, Some(g.id));
    assert_eq!(second.payload["kind"], "charter");
    assert_eq!(second.payload["version"], 2);
    assert_eq!(second.payload["decision_id"], json!(again));
    assert_eq!(second.payload["superseded_version_id"], json!(v1.id));
}

#[tokio::test]
async fn g14_g07_adoption_is_refused_without_the_right_decision_of_this_group() {
    let env = env().await;
    let g = env.group(1).await;
    let c = env.complete_council(&g).await;
    let v = env.draft(None, charter(&g)).await.unwrap();

    // no decision cited; an id that is no decision of the council
    let p = decision_refused(env.adopt(None, v.id, None).await, "G-14", "decision_cited");
    assert_eq!(p.details["needed"]["category"], "charter");
    assert_eq!(p.details["needed"]["group_id"], json!(g.id));
    assert!(p.message_zh.contains("理事会"), "{p:?}");
    decision_refused(
        env.adopt(None, v.id, Some(DecisionId::new())).await,
        "G-14",
        "decision",
    );
    // a decision of another category: the work plan, or the development plan
    let work_plan = env.decision(&c, today(), DecisionCategory::WorkPlan).await;
    let p = decision_refused(
        env.adopt(None, v.id, Some(work_plan)).await,
        "G-14",
        "same_category",
    );
    assert_eq!(p.details["decision_category"], "work_plan");
    let plan_decision = env
        .decision(&c, today(), DecisionCategory::DevelopmentPlan)
        .await;
    decision_refused(
        env.adopt(None, v.id, Some(plan_decision)).await,
        "G-14",
        "same_category",
    );
    // another group's charter decision
    let g2 = env.group_named("邻县", 1).await;
    let c2 = env.complete_council(&g2).await;
    let theirs = env.decision(&c2, today(), DecisionCategory::Charter).await;
    decision_refused(
        env.adopt(None, v.id, Some(theirs)).await,
        "G-14",
        "same_group",
    );
    // a charter decision made before the draft was written: not a decision on this text
    let earlier = env
        .decision(&c, day(2026, 3, 12), DecisionCategory::Charter)
        .await;
    let p = decision_refused(
        env.adopt(None, v.id, Some(earlier)).await,
        "G-14",
        "decided_on_this_text",
    );
    assert_eq!(p.details["decided_on"], "2026-03-12");

    // the development plan needs a development_plan decision (G-07), not a charter one
    let pv = env.draft(None, plan(&g)).await.unwrap();
    let charter_decision = env.decision(&c, today(), DecisionCategory::Charter).await;
    let p = decision_refused(
        env.adopt(None, pv.id, Some(charter_decision)).await,
        "G-07",
        "same_category",
    );
    assert_eq!(p.details["needed"]["category"], "development_plan");
    let adopted = env.adopt(None, pv.id, Some(plan_decision)).await.unwrap();
    assert_eq!(adopted.status, CharterStatus::InForce);
    // one decision adopts one text
    let next = env.draft(None, plan(&g)).await.unwrap();
    let p = decision_refused(
        env.adopt(None, next.id, Some(plan_decision)).await,
        "G-07",
        "unused_decision",
    );
    assert_eq!(p.details["adopted_version_id"], json!(pv.id));

    // nothing else came into force, and no other adoption was raised
    let now = env.charter_of(&g).await;
    assert_eq!(now.charter, None);
    assert_eq!(now.development_plan.map(|p| p.version.id), Some(pv.id));
    let events = events_after(&env, "charter.adopted", 1).await;
    assert_eq!(count(&events, "charter.adopted"), 1);

    // a dissolved group's council takes no more: no draft, no edit, no adoption
    env.dissolve(g.id).await;
    let p = refused(
        env.draft(None, charter(&g)).await,
        ErrorCode::GroupDissolved,
    );
    assert_eq!(p.rule.as_deref(), Some("X-02"));
    refused(env.edit(&v, "改").await, ErrorCode::GroupDissolved);
    refused(
        env.adopt(None, v.id, Some(charter_decision)).await,
        ErrorCode::GroupDissolved,
    );
    // its record stays readable
    assert_eq!(env.charter_of(&g).await.history.len(), 3);
}

#[tokio::test]
async fn g01_the_plan_carries_its_timetable_and_roadmap() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;
    let v = env.draft(None, plan(&g)).await.unwrap();
    let due: Vec<_> = v
        .milestones
        .iter()
        .map(|m| (m.due_on, m.school_year, m.semester, m.school_name.as_str()))
        .collect();
    assert_eq!(
        due,
        [
            (Some(day(2027, 6, 30)), None, None, "龙头中学"),
            (
                None,
                Some(SchoolYear(2026)),
                Some(Semester::Autumn),
                "成员中学0"
            ),
        ]
    );

    // without milestones, or with a school outside the group: refused, naming the field
    let bare = NewCharterVersion {
        milestones: Vec::new(),
        ..plan(&g)
    };
    let p = refused(env.draft(None, bare).await, ErrorCode::ValidationFailed);
    assert_eq!(
        (p.details["field"].as_str(), p.rule.as_deref()),
        (Some("milestones"), Some("G-01"))
    );
    let g2 = env.group_named("邻县", 1).await;
    let mut body = CharterDraft {
        version_id: v.id,
        title: v.title.clone(),
        body: v.body.clone(),
        milestones: plan(&g).milestones,
    };
    body.milestones[1].school_id = g2.members[0];
    let p = refused(
        env.bus()
            .call::<EditCharterDraft>(&env.actor, None, body.clone())
            .await,
        ErrorCode::SchoolNotInGroup,
    );
    assert_eq!(p.details["field"], "milestones[1].school_id");
    // the member school responsible now, and one more milestone: edited
    body.milestones[1].school_id = g.members[1];
    body.milestones.push(NewMilestone {
        due_on: None,
        school_year: Some(SchoolYear(2028)),
        semester: None,
        what: "集团办学质量评估达到优秀".into(),
        school_id: g.lead,
    });
    let edited = env
        .bus()
        .call::<EditCharterDraft>(&env.actor, None, body.clone())
        .await
        .unwrap();
    assert_eq!(edited.milestones.len(), 3);
    assert_eq!(edited.milestones[1].school_name, "成员中学1");
    // the same text again changes nothing and raises no second edit
    let same = env
        .bus()
        .call::<EditCharterDraft>(&env.actor, None, body)
        .await
        .unwrap();
    assert_eq!(same.edited_at, edited.edited_at);

    let decision = env
        .decision(&c, today(), DecisionCategory::DevelopmentPlan)
        .await;
    env.adopt(None, v.id, Some(decision)).await.unwrap();
    let now = env.charter_of(&g).await;
    let in_force = now.development_plan.unwrap();
    assert_eq!(in_force.version.milestones.len(), 3);
    assert_eq!(
        in_force.version.milestones[2].what,
        "集团办学质量评估达到优秀"
    );
    let events = events_until(&env.bus, |e| count(e, "charter.adopted") >= 1).await;
    assert_eq!(count(&events, "charter.edited"), 1);
}

#[tokio::test]
async fn m2_each_member_school_acknowledges_the_version_in_force() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;
    let (a, b) = (g.members[0], g.members[1]);
    let v1 = env.draft(None, charter(&g)).await.unwrap();
    // a draft is not acknowledged
    let p = refused(
        env.acknowledge(v1.id, a).await,
        ErrorCode::CharterVersionNotInForce,
    );
    assert_eq!(
        (p.rule.as_deref(), &p.details["status"]),
        (Some("M2"), &json!("draft"))
    );
    let decision = env.decision(&c, today(), DecisionCategory::Charter).await;
    env.adopt(None, v1.id, Some(decision)).await.unwrap();

    // the member acknowledges; again changes nothing
    let ack = env.acknowledge(v1.id, a).await.unwrap();
    assert_eq!(
        (ack.school_id, ack.role, ack.implied),
        (a, MemberRole::Member, false)
    );
    assert_eq!(ack.school_name, "成员中学0");
    assert_eq!(ack.acknowledged_by.as_deref(), Some(env.actor.sub.as_str()));
    let again = env.acknowledge(v1.id, a).await.unwrap();
    assert_eq!(again.acknowledged_at, ack.acknowledged_at);
    // the lead's is implied; a school outside the group has nothing to acknowledge
    let p = refused(env.acknowledge(v1.id, g.lead).await, ErrorCode::NotAMember);
    assert_eq!(
        (p.rule.as_deref(), &p.details["lead_school"]),
        (Some("M2"), &json!(true))
    );
    let g2 = env.group_named("邻县", 1).await;
    let p = refused(
        env.acknowledge(v1.id, g2.members[0]).await,
        ErrorCode::NotAMember,
    );
    assert_eq!(p.details["lead_school"], false);

    // who acknowledged and who has not: the lead first (implied), then the members
    let now = env.charter_of(&g).await.charter.unwrap();
    assert_eq!((now.acknowledged, now.members), (1, 2));
    let rows: Vec<(SchoolId, bool, bool)> = now
        .acknowledgements
        .iter()
        .map(|x| (x.school_id, x.implied, x.acknowledged_at.is_some()))
        .collect();
    assert_eq!(
        rows,
        [(g.lead, true, false), (a, false, true), (b, false, false)]
    );
    assert_eq!(now.acknowledgements[1].acknowledged_at, ack.acknowledged_at);

    // once version 2 is in force, version 1 is not acknowledged any more, and version 2
    // starts with nobody's acknowledgement
    let v2 = env.draft(None, charter(&g)).await.unwrap();
    let second = env.decision(&c, today(), DecisionCategory::Charter).await;
    env.adopt(None, v2.id, Some(second)).await.unwrap();
    let p = refused(
        env.acknowledge(v1.id, b).await,
        ErrorCode::CharterVersionNotInForce,
    );
    assert_eq!(p.details["status"], "superseded");
    assert_eq!(p.details["in_force_version_id"], json!(v2.id));
    assert_eq!(p.details["in_force_version"], 2);
    let now = env.charter_of(&g).await.charter.unwrap();
    assert_eq!((now.version.id, now.acknowledged), (v2.id, 0));
    env.acknowledge(v2.id, b).await.unwrap();

    // one charter.acknowledged per school and version
    let events = events_after(&env, "charter.acknowledged", 2).await;
    let acks: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "charter.acknowledged")
        .collect();
    assert_eq!(acks.len(), 2);
    let first = acks
        .iter()
        .find(|e| e.payload["version_id"] == json!(v1.id))
        .unwrap();
    assert_eq!(first.school_id, Some(a));
    assert_eq!(first.payload["school_id"], json!(a));
    assert_eq!(first.payload["kind"], "charter");
    assert_eq!(first.payload["version"], 1);

    // a dissolved group takes no acknowledgement
    env.dissolve(g.id).await;
    refused(env.acknowledge(v2.id, a).await, ErrorCode::GroupDissolved);
}

#[tokio::test]
async fn g14_retries_and_races_write_once() {
    let env = env().await;
    let g = env.group(1).await;
    let c = env.complete_council(&g).await;

    // a retried draft with its key: the first answer, one version, one event
    let first = env
        .draft(Some("charter-2026-v1"), charter(&g))
        .await
        .unwrap();
    let tries = (0..5).map(|_| env.draft(Some("charter-2026-v1"), charter(&g)));
    for again in futures::future::join_all(tries).await {
        assert_eq!(again.unwrap(), first);
    }
    let other = NewCharterVersion {
        title: "另一章程".into(),
        ..charter(&g)
    };
    refused(
        env.draft(Some("charter-2026-v1"), other).await,
        ErrorCode::IdempotencyKeyReused,
    );
    // a retried adoption with its key answers the adoption; without one, it is refused
    let decision = env.decision(&c, today(), DecisionCategory::Charter).await;
    let adopted = env
        .adopt(Some("adopt-v1"), first.id, Some(decision))
        .await
        .unwrap();
    assert_eq!(
        env.adopt(Some("adopt-v1"), first.id, Some(decision))
            .await
            .unwrap(),
        adopted
    );
    refused(
        env.adopt(None, first.id, Some(decision)).await,
        ErrorCode::CharterAlreadyAdopted,
    );

    // drafts sent at once without keys: one is the draft, the others are told of it
    let racing = (0..6).map(|_| env.draft(None, plan(&g)));
    let answers = futures::future::join_all(racing).await;
    let (won, lost): (Vec<_>, Vec<_>) = answers.into_iter().partition(Result::is_ok);
    assert_eq!(won.len(), 1, "{lost:?}");
    for l in lost {
        refused(l, ErrorCode::CharterDraftExists);
    }
    // adoptions of one draft by two decisions at once: one adopts it
    let draft = won.into_iter().next().unwrap().unwrap();
    let d1 = env
        .decision(&c, today(), DecisionCategory::DevelopmentPlan)
        .await;
    let d2 = env
        .decision(&c, today(), DecisionCategory::DevelopmentPlan)
        .await;
    let (r1, r2) = tokio::join!(
        env.adopt(None, draft.id, Some(d1)),
        env.adopt(None, draft.id, Some(d2))
    );
    let (ok, refusal) = if r1.is_ok() { (r1, r2) } else { (r2, r1) };
    assert_eq!(ok.unwrap().status, CharterStatus::InForce);
    refused(refusal, ErrorCode::CharterAlreadyAdopted);

    let events = events_after(&env, "charter.adopted", 2).await;
    assert_eq!(count(&events, "charter.drafted"), 2);
    assert_eq!(count(&events, "charter.adopted"), 2);
}
