//! F-04 across counties through the HTTP API: the lead office of one county asks to admit a
//! school of another; until that county's bureau consents the school is not a member and the
//! group sees none of its data; the bureau approves (the admission then counts under the
//! group's rules) or declines with a reason, once. A posting that would take a teacher into
//! the other county waits, in the same way, for the bureau of the teacher's own county.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use common::rotation::{next_autumn, posting, propose, roster, teacher};
use common::{Env, OTHER_REGION, REGION, assert_refusal, env};
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

/// A group of this county with a member school of the other county (consented), and both
/// schools' rosters: (group, lead, far, lead teachers, far teachers).
struct CrossCounty {
    group: String,
    lead: String,
    far: String,
    lead_teachers: Vec<(String, String)>,
    far_teachers: Vec<(String, String)>,
}

async fn cross_county(env: &Env, tag: &str) -> CrossCounty {
    let lead = env.school(&format!("{tag}一中"), "junior", REGION).await;
    let group = env
        .group(&format!("{tag}一中教育集团"), "alliance", &lead)
        .await;
    let far = env
        .school(&format!("{tag}邻县中学"), "junior", OTHER_REGION)
        .await;
    let (status, request) = env.admit(&env.bureau(), &group, &far).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let decision = format!(
        "/consent-requests/{}/decision",
        request["id"].as_str().unwrap()
    );
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env
        .post(&far_bureau, &decision, json!({"decision": "approve"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let lead_office = env.school_token(Role::LeadAdmin, &lead);
    let far_office = env.token(Role::MemberAdmin, OTHER_REGION, far.parse().ok());
    let lead_teachers = roster(
        env,
        &lead_office,
        &lead,
        &[
            "L001,王老师,学科教师,数学,县级,是",
            "L002,赵老师,学科教师,语文,无,是",
        ],
    )
    .await;
    let far_teachers = roster(env, &far_office, &far, &["F001,韩老师,学科教师,英语,无,是"]).await;
    CrossCounty {
        group,
        lead,
        far,
        lead_teachers,
        far_teachers,
    }
}

#[actix_web::test]
async fn f04_a_posting_into_another_county_waits_for_the_teachers_own_bureau() {
    let env = env().await;
    let g = cross_county(&env, "交流").await;
    let lead_office = env.school_token(Role::LeadAdmin, &g.lead);
    let far_office = env.token(Role::MemberAdmin, OTHER_REGION, g.far.parse().ok());
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);

    // the far school's teacher shadows at the lead school, in this county: it waits for the
    // far county's bureau
    let body = posting(
        &teacher(&g.far_teachers, "F001"),
        &g.lead,
        "shadowing",
        next_autumn(),
    );
    let (status, proposed) = propose(&env, &far_office, &g.group, body).await;
    assert_eq!(status, StatusCode::CREATED, "{proposed}");
    assert_eq!(proposed["status"], "proposed");
    assert_eq!(proposed["consent"]["status"], "pending", "{proposed}");
    assert_eq!(proposed["consent"]["region"], OTHER_REGION);
    assert_eq!(proposed["consent"]["to_region"], REGION);
    let id = proposed["id"].as_str().unwrap();

    // the receiving school cannot confirm it yet
    let confirm = format!("/postings/{id}/confirm");
    let (status, body) = env.post(&lead_office, &confirm, json!({})).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "county_consent_required",
    );
    assert_eq!(body["error"]["rule"], "F-04");
    assert_eq!(body["error"]["details"]["region"], OTHER_REGION);

    // only the teacher's county decides: not the group's bureau, not an office
    let consent = format!("/postings/{id}/consent");
    let (status, body) = env
        .post(&env.bureau(), &consent, json!({"decision": "approve"}))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(body["error"]["rule"], "F-04");
    let (status, body) = env
        .post(&lead_office, &consent, json!({"decision": "approve"}))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(body["error"]["details"]["allowed_roles"], json!(["bureau"]));

    // the far county sees what waits for it; declining needs a note
    let (status, waiting) = env
        .get(&far_bureau, "/posting-consents?status=pending")
        .await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    assert_eq!(waiting["total"], 1, "{waiting}");
    assert_eq!(waiting["items"][0]["id"], id);
    assert_eq!(waiting["items"][0]["teacher_name"], "韩老师");
    let (_, none) = env
        .get(&env.bureau(), "/posting-consents?status=pending")
        .await;
    assert_eq!(
        none["total"], 0,
        "the group's county decides none of it: {none}"
    );
    let (status, body) = env
        .post(&far_bureau, &consent, json!({"decision": "decline"}))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "note");

    // approved: the receiving school confirms; the decision stands
    let (status, approved) = env
        .post(&far_bureau, &consent, json!({"decision": "approve"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["consent"]["status"], "approved");
    assert_eq!(
        approved["consent"]["decided_by"],
        format!("bureau-{OTHER_REGION}")
    );
    assert_eq!(approved["status"], "proposed");
    let (status, confirmed) = env.post(&lead_office, &confirm, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["status"], "confirmed");
    let (status, body) = env
        .post(
            &far_bureau,
            &consent,
            json!({"decision": "decline", "note": "改变主意"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "consent_state_invalid");
    assert_eq!(body["error"]["rule"], "F-04");
}

#[actix_web::test]
async fn f04_a_declined_posting_is_cancelled_and_the_teachers_own_bureau_consents_by_proposing() {
    let env = env().await;
    let g = cross_county(&env, "拒派").await;
    let lead_office = env.school_token(Role::LeadAdmin, &g.lead);

    // the lead office sends its teacher into the other county: this county's bureau decides
    let body = posting(
        &teacher(&g.lead_teachers, "L001"),
        &g.far,
        "secondment",
        next_autumn(),
    );
    let (status, proposed) = propose(&env, &lead_office, &g.group, body).await;
    assert_eq!(status, StatusCode::CREATED, "{proposed}");
    assert_eq!(proposed["consent"]["status"], "pending", "{proposed}");
    assert_eq!(proposed["consent"]["region"], REGION);
    let consent = format!("/postings/{}/consent", proposed["id"].as_str().unwrap());
    let note = "该教师本学年承担毕业班教学任务";
    let (status, declined) = env
        .post(
            &env.bureau(),
            &consent,
            json!({"decision": "decline", "note": note}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(declined["consent"]["status"], "declined");
    assert_eq!(declined["consent"]["note"], note);
    assert_eq!(declined["status"], "cancelled");
    assert_eq!(declined["closing_reason"], note);

    // proposed by the bureau of the teacher's county itself: consented at once
    let body = posting(
        &teacher(&g.lead_teachers, "L002"),
        &g.far,
        "secondment",
        next_autumn(),
    );
    let (status, own) = propose(&env, &env.bureau(), &g.group, body).await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    assert_eq!(own["consent"]["status"], "approved", "{own}");
    assert!(own["consent"]["decided_at"].is_string(), "{own}");
    let far_office = env.token(Role::MemberAdmin, OTHER_REGION, g.far.parse().ok());
    let (status, confirmed) = env
        .post(
            &far_office,
            &format!("/postings/{}/confirm", own["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{confirmed}");

    // a posting within one county needs no consent, and there is none to decide
    let lead2 = env.school("拒派二中", "junior", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &g.group, &lead2).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let body = posting(
        &teacher(&g.lead_teachers, "L001"),
        &lead2,
        "secondment",
        next_autumn(),
    );
    let (status, within) = propose(&env, &lead_office, &g.group, body).await;
    assert_eq!(status, StatusCode::CREATED, "{within}");
    assert!(within["consent"].is_null(), "{within}");
    let (status, body) = env
        .post(
            &env.bureau(),
            &format!("/postings/{}/consent", within["id"].as_str().unwrap()),
            json!({"decision": "approve"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "consent_state_invalid");
}
