//! The obligations through the real actix `App` with every service behind it
//! (PostgreSQL, NATS):
//! region policy (DESIGN.md "Policy as data"), the obligation ledger (G-06 and the rest),
//! sanctions (X-01, G-09, §5c) with the other services' reactions, the refusal that spans
//! services (a member under an open persuade-out gets no lead-to-member postings), and the
//! per-school notification feed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use chrono::Utc;
use common::{Env, OTHER_REGION, REGION, assert_refusal, env, until};
use edu_domain::{Role, SchoolYear};
use serde_json::{Value, json};

fn obligation<'a>(ledger: &'a Value, key: &str) -> &'a Value {
    ledger["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {ledger}"))
}

struct Group {
    id: String,
    lead: String,
    members: Vec<String>,
}

async fn group_with(env: &Env, members: &[&str]) -> Group {
    let lead = env.school("一中", "junior", REGION).await;
    let id = env.group("一中教育集团", "alliance", &lead).await;
    let mut out = Vec::new();
    for name in members {
        let school = env.school(name, "junior", REGION).await;
        let (status, body) = env.admit(&env.bureau(), &id, &school).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        out.push(school);
    }
    Group {
        id,
        lead,
        members: out,
    }
}

#[actix_web::test]
async fn the_bureau_tightens_its_alliance_cap_and_the_fourth_admission_names_the_version() {
    let env = env().await;
    let policy = format!("/regions/{REGION}/policy");
    let (status, body) = env.get(&env.bureau(), &policy).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["current"]["version"], 0);
    assert_eq!(body["current"]["policy"]["cap_alliance"], 5);
    // only this region's bureau
    let other = env.token(Role::Bureau, OTHER_REGION, None);
    assert_eq!(env.get(&other, &policy).await.0, StatusCode::FORBIDDEN);
    let lead = env.school("一中", "junior", REGION).await;
    let office = env.school_token(Role::LeadAdmin, &lead);
    let (status, body) = env
        .put(&office, &policy, json!({"policy": {}, "reason": "x"}))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env.get(&env.bureau(), "/regions/41162/policy").await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // weights must sum to 100
    let bad = json!({"policy": {"evaluation_weights": {"value_added": 99}}, "reason": "x"});
    let (status, body) = env.put(&env.bureau(), &policy, bad).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");

    let tighten = json!({"policy": {"cap_alliance": 3}, "reason": "联盟型集团规模收紧为 3 所"});
    let (status, v1) = env.put(&env.bureau(), &policy, tighten).await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["policy"]["cap_alliance"], 3);
    assert_eq!(
        v1["policy"]["cap_tight"], 3,
        "missing fields take the defaults"
    );

    let group = env.group("一中教育集团", "alliance", &lead).await;
    for name in ["二中", "三中", "四中"] {
        let school = env.school(name, "junior", REGION).await;
        let (status, body) = env.admit(&env.bureau(), &group, &school).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["policy_version"], 1);
    }
    let fourth = env.school("五中", "junior", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &group, &fourth).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_cap_exceeded");
    assert_eq!(body["error"]["rule"], "F-09");
    assert_eq!(body["error"]["details"]["policy_version"], 1, "{body}");
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("政策版本 1")
    );
    let (_, body) = env.get(&env.bureau(), &policy).await;
    assert_eq!(body["current"]["version"], 1);
    assert_eq!(body["versions"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn g06_a_month_without_a_council_meeting_is_missing_and_met_once_one_is_recorded() {
    let env = env().await;
    let g = group_with(&env, &["二中"]).await;
    let path = format!("/groups/{}/obligations?period=2026-10", g.id);
    let bureau = env.bureau();
    let (status, ledger) = until(|| env.get(&bureau, &path), |s, _| s == StatusCode::OK).await;
    assert_eq!(status, StatusCode::OK, "{ledger}");
    let o = obligation(&ledger, "G-06/2026-10");
    assert_eq!(o["status"], "missing", "{o}");
    assert_eq!(o["rule"], "G-06");
    assert_eq!(o["due_on"], "2026-10-31");
    assert_eq!(ledger["summary"]["missing"], 1);

    env.council_meeting(&g.id, &g.lead, g.members.len(), "2026-10-15", None)
        .await;
    let (_, ledger) = until(|| env.get(&bureau, &path), |_, l| l["summary"]["met"] == 1).await;
    let o = obligation(&ledger, "G-06/2026-10");
    assert_eq!(o["status"], "met", "{ledger}");
    assert_eq!(o["records"][0]["kind"], "meeting");
    assert!(
        o["records"][0]["href"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/meetings/")
    );

    // a quarter has its months and its report (G-08, due 15 days after it)
    let (status, q) = env
        .get(
            &bureau,
            &format!("/groups/{}/obligations?period=2026Q3", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}");
    assert_eq!(obligation(&q, "G-08/2026Q3")["status"], "overdue");
    assert_eq!(obligation(&q, "G-08/2026Q3")["due_on"], "2026-10-15");
    // a member school sees the group's and its own; not another school's
    let member = env.school_token(Role::MemberAdmin, &g.members[0]);
    let (status, semester) = env
        .get(
            &member,
            &format!("/groups/{}/obligations?period=2026-spring", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{semester}");
    assert!(
        semester["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["obligor"] == "group" || o["school_id"] == g.members[0].as_str())
    );
    let (status, body) = env
        .get(
            &member,
            &format!(
                "/groups/{}/obligations?period=2026&school_id={}",
                g.id, g.lead
            ),
        )
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    for bad in ["2026-13", "2026Q5", "next-year", ""] {
        let (status, body) = env
            .get(
                &bureau,
                &format!("/groups/{}/obligations?period={bad}", g.id),
            )
            .await;
        assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    }

    // the member's feed: the month's meeting due soon, the recorded meeting as a change
    let feed = format!("/schools/{}/notifications?as_of=2026-11-26", g.members[0]);
    let (status, body) = env.get(&member, &feed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["kind"] == "due_soon" && i["obligation_key"] == "G-06/2026-11"),
        "{body}"
    );
    assert!(
        items
            .iter()
            .any(|i| i["kind"] == "changed" && i["title"].as_str().unwrap().contains("held")),
        "{body}"
    );
    // another school's office does not read it
    let lead = env.school_token(Role::LeadAdmin, &g.lead);
    assert_eq!(env.get(&lead, &feed).await.0, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn persuade_out_needs_a_warning_and_a_decision_and_after_the_bureau_confirms_the_school_leaves()
 {
    let env = env().await;
    let g = group_with(&env, &["二中", "三中"]).await;
    let (lead, member) = (g.lead.clone(), g.members[0].clone());
    let office = env.school_token(Role::LeadAdmin, &lead);
    let member_office = env.school_token(Role::MemberAdmin, &member);
    let bureau = env.bureau();

    // a lead teacher posted to the member next autumn, confirmed by the member
    let csv = "工号,姓名,岗位,学科,骨干级别,符合交流条件\nT001,张三,学科教师,数学,县级,是\nT002,李四,学科教师,语文,无,是\n";
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/schools/{lead}/teachers/import?school_year=2025"
        ))
        .insert_header(("Authorization", format!("Bearer {office}")))
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .set_payload(csv.as_bytes().to_vec());
    let (status, body) = env.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, teachers) = env
        .get(
            &office,
            &format!("/schools/{lead}/teachers?school_year=2025"),
        )
        .await;
    let teacher = |n: usize| teachers["items"][n]["id"].as_str().unwrap().to_owned();
    let next_year = SchoolYear::containing(Utc::now().date_naive()).0 + 1;
    let posting = |t: String| {
        json!({"teacher_id": t, "to_school_id": member, "kind": "post_holding", "host_post": "教务处副主任",
               "term": {"type": "semester", "school_year": next_year, "semester": "autumn"}})
    };
    let postings = format!("/groups/{}/postings", g.id);
    let (status, p) = until(
        || env.post(&office, &postings, posting(teacher(0))),
        |_, r| common::group_known(r),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let posting_id = p["id"].as_str().unwrap().to_owned();
    let (status, p) = env
        .post(
            &member_office,
            &format!("/postings/{posting_id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    // the member reads the group's library: a lesson plan of the lead school
    let library = format!("/groups/{}/resources", g.id);
    let resource = json!({
        "kind": "lesson_plan", "subject": "数学", "stage": "junior", "grade": "八年级",
        "course_type": "national", "tier": "county", "title": "一次函数大单元教学设计",
        "description": "八年级数学", "authors": ["张老师"], "tags": [],
    });
    let (status, r) = until(
        || env.post(&office, &library, resource.clone()),
        |s, _| s == StatusCode::CREATED,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let resource_path = format!("/resources/{}", r["id"].as_str().unwrap());
    let (status, r) = env
        .post(
            &office,
            &format!("{resource_path}/approval"),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let (status, body) = until(
        || env.get(&member_office, &resource_path),
        |s, _| s == StatusCode::OK,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let persuade = format!("/groups/{}/members/{member}/persuade-out", g.id);
    let reason = json!({"reason": "警告后仍不履行成员学校职责"});
    // X-01/§8.7: no warning, no failing evaluation
    let (status, body) = env.post(&office, &persuade, reason.clone()).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "warning_or_failed_evaluation_required",
    );
    assert_eq!(body["error"]["rule"], "X-01");
    // warnings are the lead office's
    let warnings = format!("/groups/{}/members/{member}/warnings", g.id);
    let warning = json!({"reason": "本学期未向资源库贡献资源", "evidence": [format!("M5/2026-spring/{member}")]});
    let (status, body) = env.post(&member_office, &warnings, warning.clone()).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, w) = env.post(&office, &warnings, warning).await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["active"], true);
    // G-09: the council has not decided about the school
    let (status, body) = env.post(&office, &persuade, reason.clone()).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "council_decision_required",
    );
    assert_eq!(body["error"]["rule"], "G-09");

    let today = Utc::now().date_naive().to_string();
    env.council_meeting(&g.id, &g.lead, g.members.len(), &today, Some(&member))
        .await;
    let (status, proposed) = env.post(&office, &persuade, reason).await;
    assert_eq!(status, StatusCode::CREATED, "{proposed}");
    assert_eq!(proposed["status"], "proposed");
    assert_eq!(proposed["warning_ids"][0], w["id"]);

    // item 4: while the bureau decides, no new lead-to-member postings for that school
    let (status, body) = until(
        || env.post(&office, &postings, posting(teacher(1))),
        |_, r| r["error"]["code"] == "member_under_persuade_out",
    )
    .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "member_under_persuade_out",
    );
    assert_eq!(body["error"]["rule"], "X-01");

    // the bureau confirms (the lead office cannot)
    let decision = format!("{persuade}/decision");
    let (status, body) = env.post(&office, &decision, json!({"confirm": true})).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, confirmed) = env
        .post(
            &bureau,
            &decision,
            json!({"confirm": true, "note": "同意劝退"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    let (_, members) = env
        .get(
            &bureau,
            &format!("/groups/{}/members?include_history=true", g.id),
        )
        .await;
    let ended = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["school_id"] == member.as_str())
        .unwrap();
    assert_eq!(ended["exit_reason"], "persuaded_out", "{members}");

    // rotation reacts: the member's posting is cancelled (it had not started)
    let posting_path = format!("/postings/{posting_id}");
    let (_, p) = until(
        || env.get(&bureau, &posting_path),
        |_, p| p["status"] == "cancelled",
    )
    .await;
    assert_eq!(p["status"], "cancelled", "{p}");
    // and its access to the group's library ends (the catalogue reacts to member.exited)
    let (status, body) = until(
        || env.get(&member_office, &resource_path),
        |s, _| s != StatusCode::OK,
    )
    .await;
    assert!(
        status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
        "{status} {body}"
    );
    // the sanctions stay on record for the bureau
    let (status, s) = env
        .get(
            &bureau,
            &format!("/groups/{}/sanctions?school_id={member}", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["persuade_outs"][0]["status"], "confirmed");
    assert_eq!(s["warnings"][0]["active"], false);
}
