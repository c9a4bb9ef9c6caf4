//! Member schools' major matters (成员学校重大事项) in the council service, over the bus against
//! real PostgreSQL and NATS: G-09 — "成员学校重大事项由集团理事会集体决策" — so a matter is
//! recorded only with the council's decision about that school, and the quarterly report
//! (G-08) lists it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use chrono::{NaiveDate, Utc};
use common::{Env, Group, count, day, env, events_until, refused};
use edu_contracts::council::{
    Council, DecisionCategory, DecisionId, GetReport, ListMajorMatters, MajorMatter,
    MajorMatterKind, MajorMatterQuery, NewMajorMatter, Paging, Quarter, RecordMajorMatter,
    ReportRef,
};
use edu_domain::{ErrorCode, Problem, SchoolId};
use serde_json::json;

/// The day the council decides in these tests, and a day after it.
fn decided_on() -> NaiveDate {
    day(2026, 3, 12)
}

fn new_matter(g: &Group, school: SchoolId, decision: Option<DecisionId>) -> NewMajorMatter {
    NewMajorMatter {
        group_id: g.id,
        school_id: school,
        kind: MajorMatterKind::PrincipalAppointmentOrRemoval,
        title: "任命李明为成员中学校长".into(),
        description: Some("经理事会审议通过,报县教育局备案".into()),
        effective_on: day(2026, 3, 16),
        decision_id: decision,
    }
}

impl Env {
    async fn record(
        &self,
        key: Option<&str>,
        body: NewMajorMatter,
    ) -> Result<MajorMatter, Problem> {
        self.bus()
            .call::<RecordMajorMatter>(&self.actor, key.map(Into::into), body)
            .await
    }

    async fn matters(
        &self,
        g: &Group,
        school: Option<SchoolId>,
        paging: Paging,
    ) -> edu_contracts::council::Page<MajorMatter> {
        let q = MajorMatterQuery {
            group_id: g.id,
            school_id: school,
            paging,
        };
        self.bus()
            .call::<ListMajorMatters>(&self.actor, None, q)
            .await
            .unwrap()
    }

    /// The council's passed decision of `category` about `subject`, decided on `on`.
    async fn decision(
        &self,
        council: &Council,
        on: NaiveDate,
        category: DecisionCategory,
        subject: Option<SchoolId>,
    ) -> DecisionId {
        self.decided(council, on, category, subject)
            .await
            .decision_id
            .unwrap()
    }
}

/// A G-09 refusal: `council_decision_required`, the rule, both messages, and what is missing.
fn g09_refused(r: Result<MajorMatter, Problem>, missing: &str) -> Problem {
    let p = refused(r, ErrorCode::CouncilDecisionRequired);
    assert_eq!(p.rule.as_deref(), Some("G-09"), "{p:?}");
    assert!(p.message_zh.contains("理事会"), "{p:?}");
    assert!(p.message.contains("council"), "{p:?}");
    assert_eq!(p.details["missing"], missing, "{p:?}");
    assert_eq!(
        p.details["needed"]["category"], "member_major_matter",
        "{p:?}"
    );
    p
}

#[tokio::test]
async fn g09_a_member_schools_major_matter_is_recorded_with_the_councils_decision() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;
    let school = g.members[0];
    let decision = env
        .decision(
            &c,
            decided_on(),
            DecisionCategory::MemberMajorMatter,
            Some(school),
        )
        .await;
    let m = env
        .record(None, new_matter(&g, school, Some(decision)))
        .await
        .unwrap();
    assert_eq!((m.group_id, m.school_id), (g.id, school));
    assert_eq!(m.school_name, "成员中学0");
    assert_eq!(m.kind, MajorMatterKind::PrincipalAppointmentOrRemoval);
    assert_eq!(m.title, "任命李明为成员中学校长");
    assert_eq!(m.effective_on, day(2026, 3, 16));
    assert_eq!((m.decision_id, m.decided_on), (decision, decided_on()));
    assert_eq!(m.decision_title, "成员学校重大事项 议案");
    assert_eq!(m.recorded_by, env.actor.sub);

    // the matter takes effect on the very day the council decides it: allowed
    let same_day = NewMajorMatter {
        kind: MajorMatterKind::Budget,
        title: "2026年度预算".into(),
        effective_on: decided_on(),
        ..new_matter(&g, school, Some(decision))
    };
    env.record(None, same_day).await.unwrap();

    // G-08: the quarterly report of the quarter it was recorded in lists it
    let now = Quarter::containing(Utc::now().date_naive());
    let report = env
        .bus()
        .call::<GetReport>(
            &env.actor,
            None,
            ReportRef {
                group_id: g.id,
                period: now,
            },
        )
        .await
        .unwrap();
    assert_eq!(report.major_matters.len(), 2, "{report:?}");
    assert_eq!(report.major_matters[0].id, m.id, "oldest first");
    // …and the quarter of the decision (long over) has the decision but not the matters
    let decided_quarter = env
        .bus()
        .call::<GetReport>(
            &env.actor,
            None,
            ReportRef {
                group_id: g.id,
                period: Quarter::containing(decided_on()),
            },
        )
        .await
        .unwrap();
    assert_eq!(decided_quarter.decisions.len(), 1);
    assert!(decided_quarter.major_matters.is_empty());

    // major_matter.recorded, through the outbox, for each
    let events = events_until(&env.bus, |e| count(e, "major_matter.recorded") >= 2).await;
    let recorded: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "major_matter.recorded")
        .collect();
    assert_eq!(recorded.len(), 2);
    let first = recorded
        .iter()
        .find(|e| e.payload["major_matter_id"] == json!(m.id))
        .unwrap();
    assert_eq!(first.group_id, Some(g.id));
    assert_eq!(first.school_id, Some(school));
    assert_eq!(first.payload["decision_id"], json!(decision));
    assert_eq!(first.payload["kind"], "principal_appointment_or_removal");
}

#[tokio::test]
async fn g09_refused_without_the_councils_decision_about_that_school() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;
    let (school, other_school) = (g.members[0], g.members[1]);

    // no decision cited
    let p = g09_refused(
        env.record(None, new_matter(&g, school, None)).await,
        "decision_cited",
    );
    assert_eq!(p.details["needed"]["subject_school_id"], json!(school));
    assert_eq!(p.details["needed"]["group_id"], json!(g.id));
    // an id that is no decision of the council (a motion, say, or a typo)
    let unknown = DecisionId::new();
    let p = g09_refused(
        env.record(None, new_matter(&g, school, Some(unknown)))
            .await,
        "decision",
    );
    assert_eq!(p.details["decision_id"], json!(unknown));
    // the council's decision about another member school
    let about_other = env
        .decision(
            &c,
            decided_on(),
            DecisionCategory::MemberMajorMatter,
            Some(other_school),
        )
        .await;
    let p = g09_refused(
        env.record(None, new_matter(&g, school, Some(about_other)))
            .await,
        "same_school",
    );
    assert_eq!(p.details["decision_subject_school_id"], json!(other_school));
    // a decision of another category (the group's work plan)
    let work_plan = env
        .decision(&c, decided_on(), DecisionCategory::WorkPlan, None)
        .await;
    let p = g09_refused(
        env.record(None, new_matter(&g, school, Some(work_plan)))
            .await,
        "same_category",
    );
    assert_eq!(p.details["decision_category"], "work_plan");
    // another group's council decision about one of its own members
    let g2 = env.group_named("邻县", 1).await;
    let c2 = env.complete_council(&g2).await;
    let theirs = env
        .decision(
            &c2,
            decided_on(),
            DecisionCategory::MemberMajorMatter,
            Some(g2.members[0]),
        )
        .await;
    let p = g09_refused(
        env.record(None, new_matter(&g, school, Some(theirs))).await,
        "same_group",
    );
    // the other group is not described (its caller may not see it)
    assert!(
        p.details.get("decision_subject_school_id").is_none(),
        "{p:?}"
    );
    // the right decision, but made after the matter took effect
    let later = env
        .decision(
            &c,
            day(2026, 4, 2),
            DecisionCategory::MemberMajorMatter,
            Some(school),
        )
        .await;
    let p = g09_refused(
        env.record(None, new_matter(&g, school, Some(later))).await,
        "decided_by_effective_date",
    );
    assert_eq!(p.details["decided_on"], "2026-04-02");

    // the lead school's matters are not member major matters; nor an outsider's
    let p = refused(
        env.record(None, new_matter(&g, g.lead, Some(later))).await,
        ErrorCode::NotAMember,
    );
    assert_eq!(p.rule.as_deref(), Some("G-09"));
    assert_eq!(p.details["lead_school"], true);
    let outsider = g2.members[0];
    let p = refused(
        env.record(None, new_matter(&g, outsider, Some(theirs)))
            .await,
        ErrorCode::NotAMember,
    );
    assert_eq!(p.details["lead_school"], false);

    // "other" says what it is
    let vague = NewMajorMatter {
        kind: MajorMatterKind::Other,
        description: None,
        ..new_matter(&g, school, Some(later))
    };
    let p = refused(env.record(None, vague).await, ErrorCode::ValidationFailed);
    assert_eq!(p.details["field"], "description");

    // nothing was recorded, and no event raised
    let page = env.matters(&g, None, Paging::default()).await;
    assert_eq!(page.total, 0);
    let events = env.bus.events().await.unwrap();
    assert_eq!(count(&events, "major_matter.recorded"), 0);

    // a dissolved group's council takes no more
    env.dissolve(g.id).await;
    let good = NewMajorMatter {
        effective_on: day(2026, 4, 2),
        ..new_matter(&g, school, Some(later))
    };
    let p = refused(env.record(None, good).await, ErrorCode::GroupDissolved);
    assert_eq!(p.rule.as_deref(), Some("X-02"));
}

#[tokio::test]
async fn g09_a_retry_with_the_same_key_records_once() {
    let env = env().await;
    let g = env.group(1).await;
    let c = env.complete_council(&g).await;
    let school = g.members[0];
    let decision = env
        .decision(
            &c,
            decided_on(),
            DecisionCategory::MemberMajorMatter,
            Some(school),
        )
        .await;
    let body = new_matter(&g, school, Some(decision));
    let first = env
        .record(Some("major-matter-2026-001"), body.clone())
        .await
        .unwrap();
    // retries at once and later: the first answer, no second row
    let tries = (0..5).map(|_| env.record(Some("major-matter-2026-001"), body.clone()));
    for again in futures::future::join_all(tries).await {
        assert_eq!(again.unwrap(), first);
    }
    let page = env.matters(&g, Some(school), Paging::default()).await;
    assert_eq!(page.total, 1);
    // the same key for another request is refused
    let other = NewMajorMatter {
        title: "另一事项".into(),
        ..body
    };
    refused(
        env.record(Some("major-matter-2026-001"), other).await,
        ErrorCode::IdempotencyKeyReused,
    );
    events_until(&env.bus, |e| count(e, "major_matter.recorded") >= 1).await;
    // give a second event the time to show, then count
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let events = env.bus.events().await.unwrap();
    assert_eq!(count(&events, "major_matter.recorded"), 1);
}

#[tokio::test]
async fn g09_listed_per_group_and_per_school_newest_first_with_totals() {
    let env = env().await;
    let g = env.group(2).await;
    let c = env.complete_council(&g).await;
    let (a, b) = (g.members[0], g.members[1]);
    let about_a = env
        .decision(
            &c,
            decided_on(),
            DecisionCategory::MemberMajorMatter,
            Some(a),
        )
        .await;
    let about_b = env
        .decision(
            &c,
            decided_on(),
            DecisionCategory::MemberMajorMatter,
            Some(b),
        )
        .await;
    for (school, decision, effective_on, kind) in [
        (
            a,
            about_a,
            day(2026, 3, 20),
            MajorMatterKind::EnrolmentPlanChange,
        ),
        (a, about_a, day(2026, 9, 1), MajorMatterKind::CampusChange),
        (
            b,
            about_b,
            day(2026, 5, 1),
            MajorMatterKind::MajorConstruction,
        ),
    ] {
        let body = NewMajorMatter {
            kind,
            title: format!("{} {effective_on}", kind.name_zh()),
            effective_on,
            ..new_matter(&g, school, Some(decision))
        };
        env.record(None, body).await.unwrap();
    }
    // the group's: newest first
    let all = env.matters(&g, None, Paging::default()).await;
    assert_eq!(all.total, 3);
    let days: Vec<NaiveDate> = all.items.iter().map(|m| m.effective_on).collect();
    assert_eq!(days, [day(2026, 9, 1), day(2026, 5, 1), day(2026, 3, 20)]);
    // one school's, paged: the total counts them all
    let page = env
        .matters(
            &g,
            Some(a),
            Paging {
                limit: 1,
                offset: 0,
            },
        )
        .await;
    assert_eq!(page.total, 2);
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].kind, MajorMatterKind::CampusChange);
    let next = env
        .matters(
            &g,
            Some(a),
            Paging {
                limit: 1,
                offset: 1,
            },
        )
        .await;
    assert_eq!(next.items[0].kind, MajorMatterKind::EnrolmentPlanChange);
    let only_b = env.matters(&g, Some(b), Paging::default()).await;
    assert_eq!(only_b.total, 1);
    assert!(only_b.items.iter().all(|m| m.school_id == b));
    // a paging beyond the limit is refused
    let q = MajorMatterQuery {
        group_id: g.id,
        school_id: None,
        paging: Paging {
            limit: 500,
            offset: 0,
        },
    };
    refused(
        env.bus()
            .call::<ListMajorMatters>(&env.actor, None, q)
            .await,
        ErrorCode::ValidationFailed,
    );
}
