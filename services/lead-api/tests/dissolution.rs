//! X-02 (invariant 20) through the HTTP API: a dissolved group accepts no change from anyone
//! whose role may make it (409 `group_dissolved`, never a scope's 403 or 404 for those who may
//! see it), while its history stays readable to the bureau, the auditor and the office of its
//! former lead school. A role that may never make a change is told that first (the role table).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::{Method, StatusCode};
use common::{REGION, assert_refusal, env, facility, meeting, resource, until};
use edu_domain::Role;
use edu_lead_api::permissions;
use serde_json::json;

#[actix_web::test]
async fn x02_a_dissolved_group_refuses_every_change_and_keeps_its_history() {
    let env = env().await;
    let bureau = env.bureau();
    let lead = env.school("撤销一中", "junior", REGION).await;
    let member = env.school("撤销二中", "junior", REGION).await;
    let spare = env.school("撤销三中", "junior", REGION).await;
    let group = env.group("撤销一中教育集团", "alliance", &lead).await;
    assert_eq!(
        env.admit(&bureau, &group, &member).await.0,
        StatusCode::CREATED
    );
    let office = env.school_token(Role::LeadAdmin, &lead);
    // the catalogue learns the group from membership's events, asynchronously
    let facilities = format!("/groups/{group}/facilities");
    let (status, lab) = until(
        || env.post(&office, &facilities, facility()),
        |_, reply| common::group_known(reply),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{lab}");
    let lab = lab["id"].as_str().unwrap().to_owned();

    let (status, dissolved) = env
        .post(
            &bureau,
            &format!("/groups/{group}/dissolution"),
            json!({"reason": "布局调整", "override_reason": "县政府批复撤并"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{dissolved}");
    assert_eq!(dissolved["status"], "dissolved");

    // Every change, by the bureau and by the former lead office, each where its role may.
    let writes = [
        (
            "POST",
            format!("/groups/{group}/members"),
            json!({"school_id": spare}),
        ),
        ("POST", format!("/groups/{group}/meetings"), meeting()),
        (
            "POST",
            format!("/groups/{group}/postings"),
            json!({"teacher_id": "00000000-0000-0000-0000-000000000000", "to_school_id": member,
                   "kind": "secondment", "host_post": "教务处副主任",
                   "term": {"type": "semester", "school_year": 2026, "semester": "spring"}}),
        ),
        ("POST", format!("/groups/{group}/resources"), resource()),
        ("POST", format!("/groups/{group}/facilities"), facility()),
        (
            "POST",
            format!("/groups/{group}/members/{member}/warnings"),
            json!({"reason": "未按期参加理事会议"}),
        ),
        (
            "POST",
            format!("/groups/{group}/trainings"),
            json!({"kind": "subject", "title": "学科培训", "held_on": "2026-10-20", "hours": 4,
                   "participant_ids": ["00000000-0000-0000-0000-000000000000"]}),
        ),
        (
            "POST",
            format!("/groups/{group}/major-matters"),
            json!({"school_id": member, "kind": "budget", "title": "2026年度预算",
                   "effective_on": "2026-04-01", "decision_id": "00000000-0000-0000-0000-000000000000"}),
        ),
        (
            "POST",
            format!("/groups/{group}/charter/versions"),
            json!({"kind": "charter", "title": "集团章程", "body": "第一条"}),
        ),
        (
            "PUT",
            format!("/groups/{group}/scale"),
            json!({"scale_cap": 2, "reason": "调整"}),
        ),
        (
            "POST",
            format!("/groups/{group}/dissolution"),
            json!({"reason": "再次撤销"}),
        ),
    ];
    for (method, path, body) in &writes {
        let pattern = format!("/api/v1{path}")
            .replace(&group, "{group_id}")
            .replace(&member, "{school_id}");
        let roles = permissions::roles_for(
            &Method::from_bytes(method.as_bytes()).unwrap(),
            Some(&pattern),
        )
        .unwrap();
        assert!(!roles.is_empty(), "{method} {pattern} is in the role table");
        for (role, token) in [(Role::Bureau, &bureau), (Role::LeadAdmin, &office)] {
            let (status, answer) = match *method {
                "PUT" => env.put(token, path, body.clone()).await,
                _ => env.post(token, path, body.clone()).await,
            };
            if roles.contains(&role) {
                assert_refusal(status, &answer, StatusCode::CONFLICT, "group_dissolved");
                assert_eq!(answer["error"]["rule"], "X-02", "{method} {path}");
            } else {
                assert_refusal(status, &answer, StatusCode::FORBIDDEN, "forbidden");
                assert_eq!(answer["error"]["details"]["allowed_roles"], json!(roles));
            }
        }
    }
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let booking = json!({"start": start, "end": start + chrono::Duration::minutes(90), "purpose": "分组实验"});
    // The catalogue owns bookings and learns the dissolution from its event (milliseconds
    // after the dissolution commits), so this one refusal is waited for.
    let bookings = format!("/facilities/{lab}/bookings");
    let (status, answer) = until(
        || env.post(&office, &bookings, booking.clone()),
        |_, b| b["error"]["code"] == "group_dissolved",
    )
    .await;
    assert_refusal(status, &answer, StatusCode::CONFLICT, "group_dissolved");

    // The history stays readable to the bureau, the auditor and the former lead office.
    let auditor = env.token(Role::Auditor, REGION, None);
    let history = format!("/groups/{group}/members?include_history=true");
    for token in [&bureau, &auditor, &office] {
        let (status, list) = until(|| env.get(token, &history), |s, _| s == StatusCode::OK).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let reasons: Vec<_> = list["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["exit_reason"].clone())
            .collect();
        assert_eq!(reasons, vec![json!("dissolution"), json!("dissolution")]);
    }
    // The former member's office no longer sees it.
    let (status, body) = env
        .get(
            &env.school_token(Role::MemberAdmin, &member),
            &format!("/groups/{group}"),
        )
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
}
