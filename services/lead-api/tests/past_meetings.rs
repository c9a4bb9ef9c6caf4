//! A group's past council meetings (理事会会议 held before this system), loaded by the bureau
//! through the real actix `App`, against the real membership, council and evaluation
//! services, PostgreSQL and NATS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use common::{Env, OTHER_REGION, REGION, assert_refusal, env, until};
use edu_domain::Role;
use serde_json::{Value, json};

/// A group loaded with its past: plaque 2024-09-01, `a` a member from then on, `b` from
/// 2025-03-01. Answers the group's id, its lead and its two members, once the council knows
/// all three schools.
async fn past_group(env: &Env) -> (String, String, String, String) {
    let lead = env.school("老集团一中", "junior", REGION).await;
    let a = env.school("老集团二中", "junior", REGION).await;
    let b = env.school("老集团三中", "junior", REGION).await;
    let body = json!({
        "name": "老集团一中教育集团", "model": "alliance", "lead_school_id": lead,
        "plaque_date": "2024-09-01",
        "members": [
            {"school_id": a, "joined_on": "2024-09-01"},
            {"school_id": b, "joined_on": "2025-03-01"},
        ],
    });
    let (status, list) = env.post(&env.bureau(), "/groups/import", body).await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    let id = list["group"]["id"].as_str().unwrap().to_owned();
    // the council learns the group and its members from membership events
    let path = format!("/groups/{id}/council");
    let bureau = env.bureau();
    let (status, council) = until(
        || env.get(&bureau, &path),
        |s, c| s == StatusCode::OK && c["seats"].as_array().map_or(0, Vec::len) == 3,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{council}");
    (id, lead, a, b)
}

fn meeting(kind: &str, on: &str, present: &[&str]) -> Value {
    json!({"kind": kind, "title": format!("{on} 理事会议"), "held_on": on, "place": "一中会议室",
           "schools_present": present})
}

#[actix_web::test]
async fn g06_the_bureau_loads_past_meetings_and_the_cadence_counts_them() {
    let env = env().await;
    let (id, lead, a, b) = past_group(&env).await;
    let path = format!("/groups/{id}/meetings/import");
    let mut planning = meeting("work_planning", "2025-02-20", &[&lead, &a]);
    planning["minutes_summary"] = json!("审议2025年集团工作计划");
    let body = json!({"meetings": [
        meeting("council", "2025-01-10", &[&lead, &a]),
        planning,
        meeting("council", "2025-04-10", &[&lead, &a, &b]),
    ]});

    // the lead school's office runs the council but does not load its past
    let office = env.school_token(Role::LeadAdmin, &lead);
    let (status, answer) = env.post(&office, &path, body.clone()).await;
    assert_refusal(status, &answer, StatusCode::FORBIDDEN, "forbidden");
    // another county's bureau does not learn the group exists
    let far = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, answer) = env.post(&far, &path, body.clone()).await;
    assert_refusal(status, &answer, StatusCode::NOT_FOUND, "not_found");

    let keyed = || {
        test::TestRequest::post()
            .uri(&format!("/api/v1{path}"))
            .insert_header(("Authorization", format!("Bearer {}", env.bureau())))
            .insert_header(("Idempotency-Key", "past-meetings-1"))
            .set_json(body.clone())
    };
    let (status, loaded) = env.send(keyed()).await;
    assert_eq!(status, StatusCode::CREATED, "{loaded}");
    let meetings = loaded["meetings"].as_array().unwrap();
    assert_eq!(meetings.len(), 3);
    assert!(meetings.iter().all(|m| m["held"] == true), "{loaded}");
    assert_eq!(meetings[2]["quorum"]["seats"], 3, "{loaded}");
    assert_eq!(meetings[2]["quorum"]["met"], true, "{loaded}");
    assert_eq!(meetings[1]["minutes"]["status"], "published", "{loaded}");
    // replayed with its key: the first answer, nothing written twice
    let (status, again) = env.send(keyed()).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again, loaded);

    // the group's meetings list shows them
    let (status, list) = env
        .get(&office, &format!("/groups/{id}/meetings?year=2025"))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 3, "{list}");
    // G-06: January and April met, February (a planning meeting only) and March did not;
    // G-15: the planning meeting was held
    let (status, cadence) = env
        .get(&office, &format!("/groups/{id}/council/cadence?year=2025"))
        .await;
    assert_eq!(status, StatusCode::OK, "{cadence}");
    let months: Vec<&str> = cadence["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        &months[..4],
        &["met", "missing", "missing", "met"],
        "{cadence}"
    );
    assert_eq!(cadence["yearly"][0]["kind"], "work_planning");
    assert_eq!(cadence["yearly"][0]["held"], true, "{cadence}");
    // the evaluation's obligation ledger counts them with their real days
    let ledger = format!("/groups/{id}/obligations?period=2025-01");
    let met = |l: &Value| {
        l["obligations"].as_array().is_some_and(|all| {
            all.iter()
                .any(|o| o["key"] == "G-06/2025-01" && o["status"] == "met")
        })
    };
    let bureau = env.bureau();
    let (status, l) = until(|| env.get(&bureau, &ledger), |_, l| met(l)).await;
    assert!(status == StatusCode::OK && met(&l), "{status} {l}");
}

#[actix_web::test]
async fn g02_a_refused_entry_is_named_and_nothing_is_loaded() {
    let env = env().await;
    let (id, lead, a, b) = past_group(&env).await;
    let path = format!("/groups/{id}/meetings/import");
    // `b` joined on 2025-03-01: it had no seat on 2025-02-14
    let body = json!({"meetings": [
        meeting("council", "2025-01-10", &[&lead, &a]),
        meeting("council", "2025-02-14", &[&lead, &b]),
    ]});
    let (status, answer) = env.post(&env.bureau(), &path, body).await;
    assert_refusal(status, &answer, StatusCode::CONFLICT, "school_not_in_group");
    let error = &answer["error"];
    assert_eq!(error["rule"], "G-02");
    assert_eq!(error["details"]["entry"]["row"], 1, "{answer}");
    assert_eq!(error["details"]["entry"]["date"], "2025-02-14", "{answer}");
    assert_eq!(error["details"]["school_id"], b.as_str(), "{answer}");
    // G-06: a meeting before the plaque date
    let body = json!({"meetings": [meeting("council", "2024-08-30", &[&lead])]});
    let (status, answer) = env.post(&env.bureau(), &path, body).await;
    assert_refusal(
        status,
        &answer,
        StatusCode::CONFLICT,
        "meeting_state_invalid",
    );
    assert_eq!(answer["error"]["details"]["entry"]["row"], 0, "{answer}");
    // a body field the contract does not know
    let body = json!({"meetings": [meeting("council", "2025-01-10", &[&lead])], "extra": 1});
    let (status, answer) = env.post(&env.bureau(), &path, body).await;
    assert_refusal(
        status,
        &answer,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );

    let (status, list) = env
        .get(&env.bureau(), &format!("/groups/{id}/meetings?year=2025"))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 0, "{list}");
}
