//! F-04 across counties through the HTTP API: the lead office of one county asks to admit a
//! school of another; until that county's bureau consents the school is not a member and the
//! group sees none of its data; the bureau approves (the admission then counts under the
//! group's rules) or declines with a reason, once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use common::{OTHER_REGION, REGION, assert_refusal, env};
use edu_domain::Role;
use serde_json::json;

#[actix_web::test]
async fn f04_a_school_of_another_county_joins_only_with_its_bureaus_consent() {
    let env = env().await;
    let lead = env.school("跨县一中", "junior", REGION).await;
    let group = env.group("跨县一中教育集团", "alliance", &lead).await;
    let office = env.school_token(Role::LeadAdmin, &lead);
    let far = env.school("邻县三中", "junior", OTHER_REGION).await;
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let roster = format!("/schools/{far}/teachers?school_year=2025");

    // the lead office asks: 202, the request waits; a retry with the key is the same request
    let members = format!("/groups/{group}/members");
    let ask = || {
        env.send(
            test::TestRequest::post()
                .uri(&format!("/api/v1{members}"))
                .insert_header(("Authorization", format!("Bearer {office}")))
                .insert_header(("Idempotency-Key", "ask-far-1"))
                .set_json(json!({"school_id": far})),
        )
    };
    let (status, request) = ask().await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    assert_eq!(request["status"], "pending");
    assert_eq!(request["school_region"], OTHER_REGION);
    assert_eq!(request["group_name"], "跨县一中教育集团");
    let (status, again) = ask().await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], request["id"]);
    let decision = format!(
        "/consent-requests/{}/decision",
        request["id"].as_str().unwrap()
    );

    // meanwhile the school is no member, and the group reads none of its data
    let (_, list) = env.get(&office, &members).await;
    assert_eq!(list["members"].as_array().unwrap().len(), 1, "{list}");
    let (status, _) = env.get(&office, &roster).await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );

    // only the school's own county decides: not the group's bureau, not the lead office
    for token in [env.bureau(), office.clone()] {
        let (status, body) = env
            .post(&token, &decision, json!({"decision": "approve"}))
            .await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    // the school's county sees what waits for it, and approves
    let (status, waiting) = env
        .get(&far_bureau, "/consent-requests?status=pending")
        .await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    assert_eq!(waiting["total"], 1);
    assert_eq!(waiting["items"][0]["id"], request["id"]);
    let (status, decided) = env
        .post(&far_bureau, &decision, json!({"decision": "approve"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["status"], "approved");
    assert!(decided["membership_id"].is_string());
    let (_, list) = env.get(&office, &members).await;
    let joined = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["school_id"] == far.as_str())
        .cloned()
        .expect("admitted on consent");
    assert_eq!(joined["cross_region"], true);
    assert_eq!(joined["id"], decided["membership_id"]);
    // a decision stands
    let (status, body) = env
        .post(
            &far_bureau,
            &decision,
            json!({"decision": "decline", "reason": "改变主意"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "consent_state_invalid");
    assert_eq!(body["error"]["rule"], "F-04");
    // the group's bureau sees the request too, decided
    let (_, ours) = env.get(&env.bureau(), "/consent-requests").await;
    assert_eq!(ours["items"][0]["status"], "approved");
}

#[actix_web::test]
async fn f04_the_other_county_declines_with_a_reason_and_the_school_stays_out() {
    let env = env().await;
    let lead = env.school("拒绝一中", "junior", REGION).await;
    let group = env.group("拒绝一中教育集团", "alliance", &lead).await;
    let far = env.school("邻县四中", "junior", OTHER_REGION).await;
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, request) = env.admit(&env.bureau(), &group, &far).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let decision = format!(
        "/consent-requests/{}/decision",
        request["id"].as_str().unwrap()
    );
    let (status, body) = env
        .post(&far_bureau, &decision, json!({"decision": "decline"}))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "reason");
    let (status, declined) = env
        .post(
            &far_bureau,
            &decision,
            json!({"decision": "decline", "reason": "该校已纳入本县集团化办学规划"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["reason"], "该校已纳入本县集团化办学规划");
    let (_, list) = env
        .get(&env.bureau(), &format!("/groups/{group}/members"))
        .await;
    assert_eq!(list["members"].as_array().unwrap().len(), 1, "{list}");
    // an auditor reads the county's requests; a school office does not
    let auditor = env.token(Role::Auditor, OTHER_REGION, None);
    let (status, _) = env.get(&auditor, "/consent-requests").await;
    assert_eq!(status, StatusCode::OK);
    let office = env.school_token(Role::LeadAdmin, &lead);
    let (status, body) = env.get(&office, "/consent-requests").await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
}
