//! The group's charter and development plan (集团章程、集团发展规划) through the real actix
//! `App`, against the real membership and council services, PostgreSQL and NATS: the lead
//! school's office drafts, edits and records the council's adoption (G-14, L4, G-07); each
//! member school's office acknowledges the version in force (M2); the group's schools, its
//! county's bureau and auditors read them. Each role's allowed and refused calls, with the
//! status and code a client sees.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::Utc;
use common::{Env, OTHER_REGION, REGION, assert_refusal, env, until};
use edu_domain::Role;
use serde_json::{Value, json};

/// A group (一中 leads 二中 and 三中) with its council complete, and a group of another lead
/// in the same county.
struct Fixture {
    id: String,
    lead: String,
    ours: String,
    theirs: String,
    other_lead: String,
}

async fn fixture(env: &Env) -> Fixture {
    let (id, lead, members) = env.alliance_of("一中", &["二中", "三中"]).await;
    env.council_meeting(&id, &lead, 2, &today(), None).await;
    let other_lead = env.school("五中", "junior", REGION).await;
    env.group("五中教育集团", "alliance", &other_lead).await;
    Fixture {
        id,
        lead,
        ours: members[0].clone(),
        theirs: members[1].clone(),
        other_lead,
    }
}

fn today() -> String {
    Utc::now().date_naive().to_string()
}

fn charter() -> Value {
    json!({"kind": "charter", "title": "一中教育集团章程",
        "body": "第一章 总则\n第一条 为规范集团化办学,制定本章程。"})
}

fn plan(f: &Fixture) -> Value {
    json!({"kind": "development_plan", "title": "集团三年发展规划", "body": "一、发展目标\n二、主要任务",
    "milestones": [
        {"due_on": "2027-06-30", "what": "建成集团优质课程资源库", "school_id": f.lead},
        {"school_year": 2026, "semester": "autumn", "what": "成员校教师跟岗学习全覆盖", "school_id": f.ours},
    ]})
}

impl Env {
    /// Drafts `body` in the group as the lead office, waiting until the council knows the
    /// group (its projection is asynchronous); the draft's id.
    async fn drafted(&self, f: &Fixture, body: Value) -> String {
        let office = self.school_token(Role::LeadAdmin, &f.lead);
        let path = format!("/groups/{}/charter/versions", f.id);
        let (status, v) = self.post(&office, &path, body).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        assert_eq!(v["status"], "draft", "{v}");
        v["id"].as_str().unwrap().to_owned()
    }

    /// `token` records the adoption of the version by `decision` (none: cites nothing).
    async fn adopt(
        &self,
        token: &str,
        version: &str,
        decision: Option<&str>,
    ) -> (StatusCode, Value) {
        let path = format!("/charter-versions/{version}/adoption");
        self.post(token, &path, json!({ "decision_id": decision }))
            .await
    }

    /// The council's decision of `category`, today.
    async fn decided(&self, f: &Fixture, category: &str) -> String {
        self.council_decision(&f.id, &f.lead, &today(), category, "审议通过")
            .await
    }
}

#[actix_web::test]
async fn g14_the_lead_office_drafts_edits_and_records_the_councils_adoption() {
    let env = env().await;
    let f = fixture(&env).await;
    let office = env.school_token(Role::LeadAdmin, &f.lead);
    let our_office = env.school_token(Role::MemberAdmin, &f.ours);
    let path = format!("/groups/{}/charter/versions", f.id);

    // who drafts: the lead office only (403 for every other role of the group; 404 for the
    // lead office of another group, which does not see this one)
    for token in [
        env.bureau(),
        env.token(Role::Auditor, REGION, None),
        our_office.clone(),
        env.school_token(Role::Teacher, &f.ours),
    ] {
        let (status, body) = env.post(&token, &path, charter()).await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let stranger = env.school_token(Role::LeadAdmin, &f.other_lead);
    let (status, body) = env.post(&stranger, &path, charter()).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");

    // the lead office drafts version 1, with a retry under the same key answering it again
    let req = || {
        test::TestRequest::post()
            .uri(&format!("/api/v1{path}"))
            .insert_header(("Authorization", format!("Bearer {office}")))
            .insert_header(("Idempotency-Key", "charter-v1"))
            .set_json(charter())
    };
    let (status, v1) = env.send(req()).await;
    assert_eq!(status, StatusCode::CREATED, "{v1}");
    assert_eq!(
        (v1["kind"].as_str(), v1["version"].as_u64()),
        (Some("charter"), Some(1))
    );
    let (status, again) = env.send(req()).await;
    assert_eq!((status, &again["id"]), (StatusCode::CREATED, &v1["id"]));
    let id = v1["id"].as_str().unwrap();
    // one draft of a kind at a time; a plan without its roadmap is refused, naming the field
    let (status, body) = env.post(&office, &path, charter()).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "charter_draft_exists");
    assert_eq!(body["error"]["details"]["version_id"], id);
    let bare = json!({"kind": "development_plan", "title": "规划", "body": "正文"});
    let (status, body) = env.post(&office, &path, bare).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "milestones");

    // the draft is edited by the lead office only
    let version_path = format!("/charter-versions/{id}");
    let edit = json!({"title": "一中教育集团章程(修订稿)", "body": "第一章 总则\n第一条 修订。"});
    let (status, body) = env.put(&our_office, &version_path, edit.clone()).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, edited) = env.put(&office, &version_path, edit.clone()).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["title"], "一中教育集团章程(修订稿)");

    // G-14: adopted only by this group's council decision of category charter
    let (status, body) = env.adopt(&office, id, None).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "council_decision_required",
    );
    assert_eq!(body["error"]["rule"], "G-14");
    assert_eq!(body["error"]["details"]["missing"], "decision_cited");
    assert_eq!(body["error"]["details"]["needed"]["category"], "charter");
    let work_plan = env.decided(&f, "work_plan").await;
    let (status, body) = env.adopt(&office, id, Some(&work_plan)).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "council_decision_required",
    );
    assert_eq!(body["error"]["details"]["missing"], "same_category");
    let decision = env.decided(&f, "charter").await;
    let (status, body) = env.adopt(&our_office, id, Some(&decision)).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, adopted) = env.adopt(&office, id, Some(&decision)).await;
    assert_eq!(status, StatusCode::OK, "{adopted}");
    assert_eq!(adopted["status"], "in_force");
    assert_eq!(adopted["adoption"]["decision_id"], decision.as_str());
    assert_eq!(adopted["adoption"]["decision_title"], "审议通过");

    // adopted: never adopted again, never edited
    let (status, body) = env.adopt(&office, id, Some(&decision)).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "charter_already_adopted",
    );
    let (status, body) = env.put(&office, &version_path, edit).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "charter_version_final");
    assert_eq!(body["error"]["rule"], "G-14");

    // the development plan with its milestones, adopted by a development_plan decision (G-07)
    let plan_id = env.drafted(&f, plan(&f)).await;
    let another_charter = env.decided(&f, "charter").await;
    let (status, body) = env.adopt(&office, &plan_id, Some(&another_charter)).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "council_decision_required",
    );
    assert_eq!(body["error"]["rule"], "G-07");
    let plan_decision = env.decided(&f, "development_plan").await;
    let (status, body) = env.adopt(&office, &plan_id, Some(&plan_decision)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // version 2 of the charter supersedes version 1
    let v2 = env.drafted(&f, charter()).await;
    let (status, body) = env.adopt(&office, &v2, Some(&another_charter)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, now) = env.get(&office, &format!("/groups/{}/charter", f.id)).await;
    assert_eq!(status, StatusCode::OK, "{now}");
    assert_eq!(now["charter"]["version"]["id"], v2.as_str());
    assert_eq!(now["charter"]["version"]["version"], 2);
    assert_eq!(now["development_plan"]["version"]["id"], plan_id.as_str());
    let milestones = &now["development_plan"]["version"]["milestones"];
    assert_eq!(milestones[1]["school_name"], "二中", "{milestones}");
    assert_eq!(milestones[1]["semester"], "autumn");
    let statuses: Vec<(&str, u64, &str)> = now["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["kind"].as_str().unwrap(),
                v["version"].as_u64().unwrap(),
                v["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("charter", 2, "in_force"),
            ("development_plan", 1, "in_force"),
            ("charter", 1, "superseded"),
        ]
    );
    assert_eq!(now["history"][2]["superseded_by"], v2.as_str());
}

#[actix_web::test]
async fn m2_member_schools_acknowledge_the_version_in_force_and_readers_see_who_did() {
    let env = env().await;
    let f = fixture(&env).await;
    let office = env.school_token(Role::LeadAdmin, &f.lead);
    let our_office = env.school_token(Role::MemberAdmin, &f.ours);
    let id = env.drafted(&f, charter()).await;
    let acks = format!("/charter-versions/{id}/acknowledgements");

    // a draft is not acknowledged
    let (status, body) = env.post(&our_office, &acks, json!(null)).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "charter_version_not_in_force",
    );
    assert_eq!(body["error"]["rule"], "M2");
    let decision = env.decided(&f, "charter").await;
    let (status, body) = env.adopt(&office, &id, Some(&decision)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // who acknowledges: a member school's office for itself; not the lead office (its
    // acknowledgement is implied), the bureau, the auditor or a teacher; another group's
    // member does not see the version
    for token in [
        office.clone(),
        env.bureau(),
        env.token(Role::Auditor, REGION, None),
        env.school_token(Role::Teacher, &f.ours),
    ] {
        let (status, body) = env.post(&token, &acks, json!(null)).await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let elsewhere = env.school("六中", "junior", REGION).await;
    let (status, body) = env
        .post(
            &env.school_token(Role::MemberAdmin, &elsewhere),
            &acks,
            json!(null),
        )
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, ack) = env.post(&our_office, &acks, json!(null)).await;
    assert_eq!(status, StatusCode::CREATED, "{ack}");
    assert_eq!(ack["school_id"], f.ours.as_str());
    assert_eq!(ack["school_name"], "二中");
    assert!(ack["acknowledged_at"].is_string(), "{ack}");
    // acknowledging again changes nothing
    let (status, again) = env.post(&our_office, &acks, json!(null)).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["acknowledged_at"], ack["acknowledged_at"]);

    // every reader of the group sees who acknowledged and who has not
    let charter_path = format!("/groups/{}/charter", f.id);
    for token in [
        env.bureau(),
        env.token(Role::Auditor, REGION, None),
        office.clone(),
        our_office.clone(),
        env.school_token(Role::MemberAdmin, &f.theirs),
        env.school_token(Role::Teacher, &f.theirs),
    ] {
        let (status, now) = env.get(&token, &charter_path).await;
        assert_eq!(status, StatusCode::OK, "{now}");
        let in_force = &now["charter"];
        assert_eq!(
            (
                in_force["acknowledged"].as_u64(),
                in_force["members"].as_u64()
            ),
            (Some(1), Some(2))
        );
        let rows: Vec<(&str, bool, bool)> = in_force["acknowledgements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["school_name"].as_str().unwrap(),
                    a["implied"].as_bool().unwrap(),
                    a["acknowledged_at"].is_string(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("一中", true, false),
                ("二中", false, true),
                ("三中", false, false)
            ]
        );
        let (status, version) = env.get(&token, &format!("/charter-versions/{id}")).await;
        assert_eq!(
            (status, &version["status"]),
            (StatusCode::OK, &json!("in_force"))
        );
    }
    // another county's bureau and another group's office do not see it
    for token in [
        env.token(Role::Bureau, OTHER_REGION, None),
        env.school_token(Role::LeadAdmin, &f.other_lead),
    ] {
        let (status, body) = env.get(&token, &charter_path).await;
        assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
        let (status, body) = env.get(&token, &format!("/charter-versions/{id}")).await;
        assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    }

    // a dissolved group takes no more drafts or acknowledgements; its record stays readable
    let (status, body) = env
        .post(
            &env.bureau(),
            &format!("/groups/{}/dissolution", f.id),
            json!({"reason": "撤销", "override_reason": "测试"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let their_office = env.school_token(Role::MemberAdmin, &f.theirs);
    let drafts = format!("/groups/{}/charter/versions", f.id);
    let (status, body) = until(
        || env.post(&office, &drafts, charter()),
        |s, _| s == StatusCode::CONFLICT,
    )
    .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_dissolved");
    let (status, body) = env.get(&env.bureau(), &charter_path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["charter"]["version"]["id"], id.as_str());
    // a member of a dissolved group no longer sees it (X-02: its bureau, auditor and former
    // lead office do)
    let (status, body) = env.post(&their_office, &acks, json!(null)).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
}
