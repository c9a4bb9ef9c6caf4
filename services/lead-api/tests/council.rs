//! The council (理事会, RULES.md §2) through the real actix `App`, against the real
//! membership and council services, PostgreSQL and NATS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use common::{Env, OTHER_REGION, REGION, assert_refusal, env, uuid_in};
use edu_domain::Role;
use serde_json::{Value, json};

/// A lead school and two members in one alliance group (every principal is "校长").
struct Group {
    id: String,
    lead: String,
    members: Vec<String>,
}

async fn group_of_three(env: &Env) -> Group {
    let lead = env.school("一中", "junior", REGION).await;
    let id = env.group("一中教育集团", "alliance", &lead).await;
    let mut members = Vec::new();
    for name in ["二中", "三中"] {
        let member = env.school(name, "junior", REGION).await;
        let (status, body) = env.admit(&env.bureau(), &id, &member).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        members.push(member);
    }
    Group { id, lead, members }
}

async fn put(env: &Env, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let req = test::TestRequest::put()
        .uri(&format!("/api/v1{path}"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .set_json(body);
    env.send(req).await
}

/// Polls the council until `ok` holds (the membership projection is asynchronous).
async fn council_until(env: &Env, token: &str, group: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, council) = env.get(token, &format!("/groups/{group}/council")).await;
        if status == StatusCode::OK && ok(&council) {
            return council;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "council never got there: {status} {council}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn vice_chairs(council: &Value) -> Vec<String> {
    council["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["role"] == "vice_chair")
        .map(|s| s["school_id"].as_str().unwrap().to_owned())
        .collect()
}

fn seat_ids(council: &Value, school: Option<&str>) -> Vec<Value> {
    council["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| school.is_none_or(|id| s["school_id"] == id))
        .map(|s| s["id"].clone())
        .collect()
}

/// Schedules a council meeting, records everyone present, and passes one major motion.
async fn decide(
    env: &Env,
    lead: &str,
    g: &Group,
    council: &Value,
    on: &str,
    motion: Value,
) -> Value {
    let meeting = schedule(env, lead, &g.id, "council", on).await;
    let all = seat_ids(council, None);
    let (status, body) = env
        .post(
            lead,
            &format!("/meetings/{meeting}/attendance"),
            json!({ "present": all }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, m) = env
        .post(lead, &format!("/meetings/{meeting}/motions"), motion)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let votes: Vec<Value> = all
        .iter()
        .map(|s| json!({"seat_id": s, "choice": "yes"}))
        .collect();
    let (status, m) = env
        .post(
            lead,
            &format!("/motions/{}/votes", m["id"].as_str().unwrap()),
            json!({ "votes": votes }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["status"], "passed", "{m}");
    m
}

async fn schedule(env: &Env, lead: &str, group: &str, kind: &str, on: &str) -> String {
    let body = json!({
        "kind": kind,
        "title": format!("{on} 会议"),
        "held_on": on,
        "start_time": "14:30:00",
        "place": "一中会议室",
        "agenda": [{"title": "审议交流方案", "owner": "集团办公室", "documents": ["https://example.org/plan.pdf"]}],
    });
    let (status, meeting) = env
        .post(lead, &format!("/groups/{group}/meetings"), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{meeting}");
    meeting["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_council_is_seeded_and_follows_admissions_and_exits() {
    let env = env().await;
    let lead = env.school("一中", "junior", REGION).await;
    let id = env.group("一中教育集团", "alliance", &lead).await;
    let bureau = env.bureau();
    // G-03: seeded when the group is established, the lead's principal in the chair
    let council = council_until(&env, &bureau, &id, |c| {
        c["seats"].as_array().is_some_and(|s| !s.is_empty())
    })
    .await;
    assert_eq!(council["seats"][0]["role"], "chair");
    assert_eq!(council["seats"][0]["school_id"], lead.as_str());
    assert_eq!(council["missing"], json!(["secretary_general"]));
    // G-04: a vice-chair seat appears when a member is admitted…
    let member = env.school("二中", "junior", REGION).await;
    let (status, body) = env.admit(&bureau, &id, &member).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let council = council_until(&env, &bureau, &id, |c| {
        vice_chairs(c) == std::slice::from_ref(&member)
    })
    .await;
    assert_eq!(vice_chairs(&council), std::slice::from_ref(&member));
    // …and disappears when it exits
    let (status, body) = env
        .post(
            &bureau,
            &format!("/groups/{id}/members/{member}/exit"),
            json!({"reason": "voluntary"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    council_until(&env, &bureau, &id, |c| vice_chairs(c).is_empty()).await;
    // another region's bureau does not know the group exists
    let other = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env.get(&other, &format!("/groups/{id}/council")).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[actix_web::test]
async fn quorum_votes_minutes_reports_and_cadence_through_http() {
    let env = env().await;
    let g = group_of_three(&env).await;
    let lead = env.school_token(Role::LeadAdmin, &g.lead);
    let member = env.school_token(Role::MemberAdmin, &g.members[0]);
    council_until(&env, &lead, &g.id, |c| vice_chairs(c).len() == 2).await;

    // composition: only the lead office sets it; G-03 refusals are clear
    let seats = |chair_name: &str| {
        json!({"seats": [
            {"role": "chair", "school_id": g.lead, "holder_name": chair_name, "post": "principal"},
            {"role": "vice_chair", "school_id": g.members[0], "holder_name": "校长", "post": "principal"},
            {"role": "vice_chair", "school_id": g.members[1], "holder_name": "校长", "post": "principal"},
            {"role": "secretary_general", "school_id": g.lead, "holder_name": "赵秘书", "post": "vice_principal"},
        ]})
    };
    let path = format!("/groups/{}/council", g.id);
    let (status, body) = put(&env, &member, &path, seats("校长")).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = put(&env, &lead, &path, seats("某副校长")).await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "chair_must_be_lead_principal",
    );
    assert_eq!(body["error"]["rule"], "G-03");
    let (status, council) = put(&env, &lead, &path, seats("校长")).await;
    assert_eq!(status, StatusCode::OK, "{council}");
    assert_eq!(council["missing"], json!([]));

    // a meeting with only the lead's seats present cannot vote (quorum)
    let meeting = schedule(&env, &lead, &g.id, "council", "2026-01-15").await;
    let lead_seats = seat_ids(&council, Some(&g.lead));
    let (status, held) = env
        .post(
            &lead,
            &format!("/meetings/{meeting}/attendance"),
            json!({ "present": lead_seats }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{held}");
    assert_eq!(held["quorum"]["met"], false);
    let motion = json!({"title": "同意二中申报省级课改实验校", "category": "member_major_matter", "major": true, "subject_school_id": g.members[0]});
    let (status, m) = env
        .post(
            &lead,
            &format!("/meetings/{meeting}/motions"),
            motion.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let votes: Vec<Value> = lead_seats
        .iter()
        .map(|s| json!({"seat_id": s, "choice": "yes"}))
        .collect();
    let (status, body) = env
        .post(
            &lead,
            &format!("/motions/{}/votes", m["id"].as_str().unwrap()),
            json!({ "votes": votes }),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "quorum_not_met");

    // a full meeting votes a member-major-matter decision
    let d1 = decide(&env, &lead, &g, &council, "2026-01-22", motion).await;
    let d2 = decide(
        &env,
        &lead,
        &g,
        &council,
        "2026-03-20",
        json!({"title": "集团2026年工作计划", "category": "work_plan", "major": true}),
    )
    .await;
    // G-09: is there a member-major-matter decision about 二中? (any school of the group may ask)
    let (status, found) = env
        .get(
            &member,
            &format!(
                "/groups/{}/decisions?category=member_major_matter&school_id={}",
                g.id, g.members[0]
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["id"], d1["decision_id"]);

    // minutes: draft → circulated → published, then never edited
    let mpath = format!("/meetings/{meeting}/minutes");
    let (status, body) = put(&env, &lead, &mpath, json!({"text": "一、出席情况"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = env
        .post(&lead, &format!("{mpath}/circulate"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = env
        .post(&lead, &format!("{mpath}/publish"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published");
    let (status, body) = put(&env, &lead, &mpath, json!({"text": "改写"})).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "minutes_published");
    let (status, body) = env
        .post(
            &lead,
            &format!("{mpath}/corrections"),
            json!({"text": "更正", "reason": "笔误"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["text"], "一、出席情况");

    // G-08: the Q1 report leaving out one of two major decisions is refused…
    let rpath = format!("/groups/{}/reports/2026-Q1", g.id);
    let (status, draft) = env.get(&lead, &rpath).await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(draft["state"], "overdue");
    let report =
        |ids: Vec<&Value>| json!({"summary": "本季度作出重大决策两项。", "decision_ids": ids});
    let (status, body) = env
        .post(&lead, &rpath, report(vec![&d1["decision_id"]]))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "report_missing_major_decisions",
    );
    assert_eq!(
        body["error"]["details"]["missing_decision_ids"][0],
        d2["decision_id"]
    );
    // …and the complete one accepted
    let (status, body) = env
        .post(
            &lead,
            &rpath,
            report(vec![&d1["decision_id"], &d2["decision_id"]]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "submitted_late");
    let (status, body) = env
        .get(&lead, &format!("/groups/{}/reports/2026-Q5", g.id))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // the printable document
    let req = test::TestRequest::get()
        .uri(&format!("/api/v1{rpath}/print"))
        .insert_header(("Authorization", format!("Bearer {lead}")));
    let (status, headers, html) = env.call(req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = String::from_utf8(html.to_vec()).unwrap();
    common::assert_print_style_allowed(&headers, &html);
    assert!(
        html.contains("2026年第一季度理事会重大决策书面汇报"),
        "{html}"
    );
    assert!(html.contains("同意二中申报省级课改实验校"), "{html}");
    // names where people read: the group, the county, the school a decision concerns
    assert!(
        html.contains("一中教育集团") && html.contains("太康县教育局"),
        "{html}"
    );
    assert!(html.contains("<td>二中</td>"), "{html}");
    assert_eq!(uuid_in(&html), None, "an id where a name belongs: {html}");
    assert!(!html.contains("2026-Q1"), "{html}");
    // overdue reports are visible to the bureau (2025-Q3 was never submitted)
    let (status, overdue) = env
        .get(&env.bureau(), &format!("/regions/{REGION}/reports/overdue"))
        .await;
    assert_eq!(status, StatusCode::OK, "{overdue}");
    let periods: Vec<&str> = overdue
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert!(
        periods.contains(&"2025-Q3") && !periods.contains(&"2026-Q1"),
        "{periods:?}"
    );
    let (status, body) = env
        .get(&lead, &format!("/regions/{REGION}/reports/overdue"))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // G-06: a month without a council meeting shows as missing (February 2026)
    let (status, cadence) = env
        .get(
            &lead,
            &format!("/groups/{}/council/cadence?year=2026", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{cadence}");
    assert_eq!(cadence["months"][0]["state"], "met");
    assert_eq!(cadence["months"][1]["state"], "missing");
    assert!(
        cadence["months_missing"]
            .as_array()
            .unwrap()
            .contains(&json!(2))
    );

    // the meetings as iCalendar
    let req = test::TestRequest::get()
        .uri(&format!("/api/v1/groups/{}/meetings.ics?year=2026", g.id))
        .insert_header(("Authorization", format!("Bearer {lead}")));
    let (status, headers, ics) = env.call(req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = String::from_utf8(ics.to_vec()).unwrap();
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 3, "{ics}");
    assert!(ics.contains("DTSTART:20260115T063000Z"), "{ics}");

    // meeting held, decision recorded, report submitted and report overdue are on the stream
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let wanted = [
        "meeting.held",
        "decision.recorded",
        "report.submitted",
        "report.overdue",
    ];
    loop {
        let events = env.bus.events().await.unwrap();
        let has = |t: &str| events.iter().any(|e| e.event_type == t);
        if wanted.iter().all(|t| has(t)) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "missing events among {:?}",
            events.iter().map(|e| &e.event_type).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn council_inputs_are_validated_and_scoped() {
    let env = env().await;
    let g = group_of_three(&env).await;
    let lead = env.school_token(Role::LeadAdmin, &g.lead);
    council_until(&env, &lead, &g.id, |c| vice_chairs(c).len() == 2).await;
    // no place and no link
    let (status, body) = env
        .post(
            &lead,
            &format!("/groups/{}/meetings", g.id),
            json!({"kind": "council", "title": "x", "held_on": "2026-01-05"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // unknown kind
    let (status, body) = env
        .post(
            &lead,
            &format!("/groups/{}/meetings", g.id),
            json!({"kind": "party", "title": "x", "held_on": "2026-01-05", "place": "p"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // a member school's office does not schedule the council's meetings
    let member = env.school_token(Role::MemberAdmin, &g.members[0]);
    let (status, body) = env
        .post(
            &member,
            &format!("/groups/{}/meetings", g.id),
            json!({"kind": "council", "title": "x", "held_on": "2026-01-05", "place": "p"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // an idempotent create returns the first meeting
    let req = || {
        test::TestRequest::post()
            .uri(&format!("/api/v1/groups/{}/meetings", g.id))
            .insert_header(("Authorization", format!("Bearer {lead}")))
            .insert_header(("Idempotency-Key", "meeting-2026-01"))
            .set_json(json!({"kind": "work_planning", "title": "2026年工作计划会", "held_on": "2026-01-05", "online_link": "https://meeting.example.org/1"}))
    };
    let (status, first) = env.send(req()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = env.send(req()).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(first["id"], again["id"]);
    // unknown meetings and motions
    let (status, body) = env
        .get(&lead, "/meetings/0199c0de-0000-7000-8000-000000000000")
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = env.get(&lead, "/motions/not-a-uuid").await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}
