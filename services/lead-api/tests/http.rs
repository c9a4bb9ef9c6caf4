//! The lead-school API through the real actix `App`, against the real membership service,
//! PostgreSQL and NATS (each test with its own database and bus namespace).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test;
use common::{OTHER_REGION, REGION, assert_one_created, assert_refusal, env, until};
use edu_domain::{Role, SchoolId};
use serde_json::json;

#[actix_web::test]
async fn f09_alliance_takes_five_members_and_refuses_the_sixth() {
    let env = env().await;
    let lead = env.school("一中", "junior", REGION).await;
    let group = env.group("一中教育集团", "alliance", &lead).await;
    for i in 0..5 {
        let school = env.school(&format!("成员{i}"), "junior", REGION).await;
        let (status, m) = env.admit(&env.bureau(), &group, &school).await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(m["plaque_text"], "一中教育集团成员学校"); // F-06
        assert_eq!(m["legal_person_retained"], true);
        assert_eq!(m["independent_leadership"], true);
    }
    let sixth = env.school("成员5", "junior", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &group, &sixth).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_cap_exceeded");
    assert_eq!(body["error"]["rule"], "F-09");
    assert_eq!(body["error"]["details"]["cap"], 5);
}

/// F-09 under contention through the API: four members in, fifty schools
/// ask for the last place at once; one gets it, forty-nine are refused `group_cap_exceeded`.
#[actix_web::test]
async fn f09_fifty_admissions_at_once_fill_the_last_place_once() {
    let env = env().await;
    let lead = env.school("三中", "junior", REGION).await;
    let group = env.group("三中教育集团", "alliance", &lead).await;
    for i in 0..4 {
        let school = env.school(&format!("在册{i}"), "junior", REGION).await;
        let (status, m) = env.admit(&env.bureau(), &group, &school).await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
    }
    let mut contenders = Vec::new();
    for i in 0..50 {
        contenders.push(env.school(&format!("申请{i}"), "junior", REGION).await);
    }
    let bureau = env.bureau();
    let tries = contenders.iter().map(|s| env.admit(&bureau, &group, s));
    assert_one_created(
        futures::future::join_all(tries).await,
        "group_cap_exceeded",
        Some("F-09"),
    );
    let (status, list) = env.get(&bureau, &format!("/groups/{group}/members")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["group"]["active_members"], 5);
}

#[actix_web::test]
async fn f09_tight_refuses_the_fourth_and_members_are_campuses() {
    let env = env().await;
    let lead = env.school("城关一小", "primary", REGION).await;
    let group = env.group("城关一小教育集团", "tight", &lead).await;
    for i in 0..3 {
        let school = env.school(&format!("校区{i}"), "primary", REGION).await;
        let (status, m) = env.admit(&env.bureau(), &group, &school).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(m["plaque_text"], "城关一小教育集团校区"); // F-07
        assert_eq!(m["legal_person_retained"], false);
        assert_eq!(m["independent_leadership"], false);
    }
    let fourth = env.school("校区3", "primary", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &group, &fourth).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_cap_exceeded");
}

#[actix_web::test]
async fn membership_rules_are_refused_with_their_codes() {
    let env = env().await;
    let lead = env.school("一中", "junior", REGION).await;
    let group = env.group("一中集团", "alliance", &lead).await;
    // F-03
    let primary = env.school("一小", "primary", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &group, &primary).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "stage_mismatch");
    assert_eq!(body["error"]["rule"], "F-03");
    // F-01: the lead as its own member
    let (status, body) = env.admit(&env.bureau(), &group, &lead).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "lead_cannot_be_member");
    // §8.5: a school already in a group
    let member = env.school("二中", "junior", REGION).await;
    assert_eq!(
        env.admit(&env.bureau(), &group, &member).await.0,
        StatusCode::CREATED
    );
    let other_lead = env.school("三中", "junior", REGION).await;
    let other = env.group("三中集团", "alliance", &other_lead).await;
    let (status, body) = env.admit(&env.bureau(), &other, &member).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "school_already_in_group",
    );
    // F-01: another group's lead as a member
    let (status, body) = env.admit(&env.bureau(), &other, &lead).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "lead_cannot_be_member");
    // a school already in a group cannot lead a new one
    let body = json!({"name": "新集团", "model": "alliance", "lead_school_id": member, "plaque_date": "2025-09-01"});
    let (status, body) = env.post(&env.bureau(), "/groups", body).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "school_already_in_group",
    );
    // §8.3: a scale cap above the model cap needs a reason
    let lead4 = env.school("四中", "junior", REGION).await;
    let body = json!({"name": "四中集团", "model": "tight", "lead_school_id": lead4, "plaque_date": "2025-09-01", "scale_cap": 4});
    let (status, body) = env.post(&env.bureau(), "/groups", body).await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cap_exception_reason_required",
    );
}

#[actix_web::test]
async fn exit_keeps_history_and_dissolution_freezes_the_group() {
    let env = env().await;
    let lead = env.school("一中", "junior", REGION).await;
    let group = env.group("一中集团", "alliance", &lead).await;
    let member = env.school("二中", "junior", REGION).await;
    assert_eq!(
        env.admit(&env.bureau(), &group, &member).await.0,
        StatusCode::CREATED
    );
    // a member school may withdraw itself voluntarily, not persuade itself out
    let member_token = env.token(Role::MemberAdmin, REGION, Some(member.parse().unwrap()));
    let path = format!("/groups/{group}/members/{member}/exit");
    let (status, body) = env
        .post(&member_token, &path, json!({"reason": "persuaded_out"}))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env
        .post(
            &member_token,
            &path,
            json!({"reason": "voluntary", "note": "合并办学"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["exit_reason"], "voluntary");
    let (_, list) = env
        .get(
            &env.bureau(),
            &format!("/groups/{group}/members?include_history=true"),
        )
        .await;
    let members = list["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    assert!(
        members
            .iter()
            .any(|m| m["school_id"] == member.as_str() && !m["left_at"].is_null())
    );
    let (status, body) = env
        .post(&env.bureau(), &path, json!({"reason": "voluntary"}))
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "not_a_member");
    // dissolution: bureau only; then nothing changes any more
    let lead_token = env.token(Role::LeadAdmin, REGION, Some(lead.parse().unwrap()));
    let dissolve = format!("/groups/{group}/dissolution");
    assert_eq!(
        env.post(&lead_token, &dissolve, json!({"reason": "评估不合格"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // without a failing evaluation the bureau records why it dissolves anyway
    let (status, body) = env
        .post(&env.bureau(), &dissolve, json!({"reason": "评估不合格"}))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "failed_evaluation_required",
    );
    assert_eq!(body["error"]["rule"], "X-02");
    let (status, body) = env
        .post(
            &env.bureau(),
            &dissolve,
            json!({"reason": "评估不合格", "override_reason": "县政府决定撤并"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "dissolved");
    let again = env.school("三中", "junior", REGION).await;
    let (status, body) = env.admit(&env.bureau(), &group, &again).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_dissolved");
}

#[actix_web::test]
async fn roles_and_scopes() {
    let env = env().await;
    let lead = env.school("一中", "junior", REGION).await;
    let group = env.group("一中集团", "alliance", &lead).await;
    let member = env.school("二中", "junior", REGION).await;
    let lead_token = env.token(Role::LeadAdmin, REGION, Some(lead.parse().unwrap()));
    // the lead office admits into its own group
    assert_eq!(
        env.admit(&lead_token, &group, &member).await.0,
        StatusCode::CREATED
    );
    let member_token = env.token(Role::MemberAdmin, REGION, Some(member.parse().unwrap()));
    // a member school may not create groups (403) nor admit (403) but sees its group
    let body = json!({"name": "x", "model": "alliance", "lead_school_id": member, "plaque_date": "2025-09-01"});
    let (status, body) = env.post(&member_token, "/groups", body).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let third = env.school("三中", "junior", REGION).await;
    assert_eq!(
        env.admit(&member_token, &group, &third).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        env.get(&member_token, &format!("/groups/{group}")).await.0,
        StatusCode::OK
    );
    let (_, mine) = env.get(&member_token, "/groups").await;
    assert_eq!(mine["total"], 1);
    // a school outside the group, and another region's bureau, don't learn it exists (404)
    let outsider = env.token(Role::MemberAdmin, REGION, Some(third.parse().unwrap()));
    assert_eq!(
        env.get(&outsider, &format!("/groups/{group}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.get(&outsider, &format!("/groups/{group}/members"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    assert_eq!(
        env.get(&far_bureau, &format!("/groups/{group}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        env.get(&far_bureau, &format!("/schools/{lead}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, far_list) = env.get(&far_bureau, "/groups").await;
    assert_eq!(far_list["total"], 0);
    // F-04: once a school of the other region joins (with its bureau's consent, see
    // consent.rs), its bureau sees the group too
    let far_school = env.school("外县初中", "junior", OTHER_REGION).await;
    let (status, request) = env.admit(&env.bureau(), &group, &far_school).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{request}");
    let (status, decided) = env
        .post(
            &far_bureau,
            &format!(
                "/consent-requests/{}/decision",
                request["id"].as_str().unwrap()
            ),
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let (_, members) = env
        .get(&env.bureau(), &format!("/groups/{group}/members"))
        .await;
    let far_member = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["school_id"] == far_school.as_str())
        .cloned()
        .unwrap();
    assert_eq!(far_member["cross_region"], true);
    assert_eq!(
        env.get(&far_bureau, &format!("/groups/{group}")).await.0,
        StatusCode::OK
    );
    // a bureau registers schools only in its own region
    let body = json!({"name": "x", "stage": "junior", "region": OTHER_REGION, "principal_name": "x", "legal_person": "x"});
    assert_eq!(
        env.post(&env.bureau(), "/schools", body).await.0,
        StatusCode::FORBIDDEN
    );
}

#[actix_web::test]
async fn bad_input_gets_clear_errors() {
    let env = env().await;
    let bureau = env.bureau();
    let send = |req: test::TestRequest| {
        env.send(req.insert_header(("Authorization", format!("Bearer {bureau}"))))
    };
    // malformed JSON
    let req = test::TestRequest::post()
        .uri("/api/v1/groups")
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"name\":");
    let (status, body) = send(req).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // unknown field
    let req = test::TestRequest::post().uri("/api/v1/schools").set_json(json!({"name": "x", "stage": "junior", "region": REGION, "principal_name": "x", "legal_person": "x", "color": "red"}));
    let (status, body) = send(req).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert!(body["error"]["message"].as_str().unwrap().contains("color"));
    // an invalid enum value and an invalid region code
    let req = test::TestRequest::post().uri("/api/v1/schools").set_json(json!({"name": "x", "stage": "college", "region": "41", "principal_name": "x", "legal_person": "x"}));
    assert_eq!(send(req).await.0, StatusCode::BAD_REQUEST);
    // a NUL byte and an over-long name are refused before the database
    let req = test::TestRequest::post().uri("/api/v1/schools").set_json(json!({"name": "a\u{0}b", "stage": "junior", "region": REGION, "principal_name": "x", "legal_person": "x"}));
    let (status, body) = send(req).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    let req = test::TestRequest::post().uri("/api/v1/schools").set_json(json!({"name": "校".repeat(101), "stage": "junior", "region": REGION, "principal_name": "x", "legal_person": "x"}));
    let (status, body) = send(req).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // a path id that is not a UUID
    let (status, body) = send(test::TestRequest::get().uri("/api/v1/groups/not-a-uuid")).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // too large a body
    let huge = "x".repeat(edu_lead_api::JSON_LIMIT + 10);
    let req = test::TestRequest::post()
        .uri("/api/v1/schools")
        .insert_header(("content-type", "application/json"))
        .set_payload(format!("{{\"name\":\"{huge}\"}}"));
    let (status, body) = send(req).await;
    assert_refusal(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    // no token, a bad token
    let (status, body) = env
        .send(test::TestRequest::get().uri("/api/v1/groups"))
        .await;
    assert_refusal(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let req = test::TestRequest::get()
        .uri("/api/v1/groups")
        .insert_header(("Authorization", "Bearer abc.def.ghi"));
    assert_eq!(env.send(req).await.0, StatusCode::UNAUTHORIZED);
    // an unknown group
    let (status, body) = env
        .get(&env.bureau(), &format!("/groups/{}", uuid_like()))
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
}

fn uuid_like() -> String {
    SchoolId::new().to_string()
}

#[actix_web::test]
async fn retried_admission_with_the_same_key_admits_once_and_emits_one_event() {
    let env = env().await;
    let lead = env.school("一中", "junior", REGION).await;
    let group = env.group("一中集团", "alliance", &lead).await;
    let member = env.school("二中", "junior", REGION).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let req = test::TestRequest::post()
            .uri(&format!("/api/v1/groups/{group}/members"))
            .insert_header(("Authorization", format!("Bearer {}", env.bureau())))
            .insert_header(("Idempotency-Key", "admit-2-once"))
            .set_json(json!({ "school_id": member }));
        let (status, body) = env.send(req).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["id"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
    // group.established + one member.admitted, whatever the retries
    let events = env.bus.wait_for_events(2).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    let events = if events.len() == 2 {
        env.bus.events().await.unwrap()
    } else {
        events
    };
    let admitted: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "member.admitted")
        .collect();
    assert_eq!(admitted.len(), 1, "{events:?}");
    assert_eq!(admitted[0].school_id.map(|s| s.to_string()), Some(member));
    // the same key for another request is refused
    let other = env.school("三中", "junior", REGION).await;
    let req = test::TestRequest::post()
        .uri(&format!("/api/v1/groups/{group}/members"))
        .insert_header(("Authorization", format!("Bearer {}", env.bureau())))
        .insert_header(("Idempotency-Key", "admit-2-once"))
        .set_json(json!({ "school_id": other }));
    let (status, body) = env.send(req).await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
}

#[actix_web::test]
async fn health_and_readiness() {
    let env = env().await;
    let (status, _) = env.send(test::TestRequest::get().uri("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    // every service runs in this test: ready, and the body lists each check
    let (status, body) = env.send(test::TestRequest::get().uri("/readyz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let checks = body["checks"].as_array().unwrap();
    let ok = |name: &str| checks.iter().any(|c| c["name"] == name && c["ok"] == true);
    assert!(ok("nats"));
    for service in [
        "membership",
        "rotation",
        "catalogue",
        "council",
        "evaluation",
    ] {
        assert!(
            ok(service) && ok(&format!("{service}.postgresql")),
            "{body}"
        );
    }
}

/// The scope cache follows membership events: an exit made through another API instance
/// (here: straight on the bus) takes the school's sight of the group away once its event
/// arrives, while the exit made through this instance does so at once.
#[actix_web::test]
async fn group_scope_follows_membership_changes_made_elsewhere() {
    let env = env().await;
    let lead = env.school("一中", "junior", REGION).await;
    let group = env.group("一中集团", "alliance", &lead).await;
    let (first, second) = (
        env.school("二中", "junior", REGION).await,
        env.school("三中", "junior", REGION).await,
    );
    for school in [&first, &second] {
        assert_eq!(
            env.admit(&env.bureau(), &group, school).await.0,
            StatusCode::CREATED
        );
    }
    let path = format!("/groups/{group}");
    let first_token = env.token(Role::MemberAdmin, REGION, Some(first.parse().unwrap()));
    let second_token = env.token(Role::MemberAdmin, REGION, Some(second.parse().unwrap()));
    assert_eq!(env.get(&first_token, &path).await.0, StatusCode::OK);
    assert_eq!(env.get(&second_token, &path).await.0, StatusCode::OK);

    let exit = edu_contracts::membership::MemberExit {
        group_id: group.parse().unwrap(),
        school_id: first.parse().unwrap(),
        reason: edu_domain::ExitReason::Voluntary,
        note: None,
    };
    env.bus
        .bus
        .call::<edu_contracts::membership::ExitMember>(
            &edu_contracts::envelope::Actor::system("test"),
            None,
            exit,
        )
        .await
        .unwrap();
    let mut status = StatusCode::OK;
    for _ in 0..100 {
        status = env.get(&first_token, &path).await.0;
        if status == StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the exit event reached the API"
    );

    let exit = format!("/groups/{group}/members/{second}/exit");
    let (status, body) = env
        .post(&second_token, &exit, json!({"reason": "voluntary"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(env.get(&second_token, &path).await.0, StatusCode::NOT_FOUND);
}

/// Refusals added with the API fuzzing: a path no route matches is 404
/// `not_found` with the bilingual error body, not an empty answer; a council calendar year
/// outside 2000–2100 is 400 (was a 500 from a PostgreSQL date out of range); an E-08 school
/// year outside 2000–2100 is 400 (was a 200 with a deadline in year 0).
#[actix_web::test]
async fn unknown_paths_and_out_of_range_years_are_refused() {
    let env = env().await;
    let bureau = env.bureau();
    let (status, body) = env.get(&bureau, "/no/such/route").await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    // without a token too: no route, nothing to authenticate for
    let (status, body) = env
        .send(test::TestRequest::get().uri("/api/nothing/here"))
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");

    let lead = env.school("年份一中", "junior", REGION).await;
    let group = env.group("年份一中教育集团", "alliance", &lead).await;
    for year in ["-4713", "1999", "2101"] {
        for path in [
            format!("/groups/{group}/meetings?year={year}"),
            format!("/groups/{group}/rotation?year={year}"),
            format!("/regions/{REGION}/rotation?year={year}"),
        ] {
            // the new group reaches the API's view of groups asynchronously
            let (status, body) = until(
                || env.get(&bureau, &path),
                |_, b| b["error"]["code"] != "not_found",
            )
            .await;
            assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
            assert_eq!(body["error"]["details"]["field"], "year", "{path}: {body}");
        }
    }
}

/// F-08 through the API: the bureau lowers a group's scale below its members (nobody leaves,
/// admissions stop), with a reason, and everyone who sees the group reads the history; the
/// lead office cannot decide it.
#[actix_web::test]
async fn f08_bureau_changes_a_groups_scale_with_a_reason_and_history() {
    let env = env().await;
    let lead = env.school("五中", "junior", REGION).await;
    let group = env.group("五中教育集团", "alliance", &lead).await;
    for i in 0..3 {
        let school = env.school(&format!("五中成员{i}"), "junior", REGION).await;
        assert_eq!(
            env.admit(&env.bureau(), &group, &school).await.0,
            StatusCode::CREATED
        );
    }
    let path = format!("/groups/{group}/scale");
    let lead_office = env.school_token(Role::LeadAdmin, &lead);
    let (status, body) = env
        .put(
            &lead_office,
            &path,
            json!({"scale_cap": 2, "reason": "自定规模"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env.put(&env.bureau(), &path, json!({"scale_cap": 2})).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    let (status, decision) = env
        .put(
            &env.bureau(),
            &path,
            json!({"scale_cap": 2, "reason": "龙头学校质量评估持平,规模降为2所"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    assert_eq!(decision["effective_cap"], 2);
    assert_eq!(decision["active_members"], 3);
    let (_, list) = env
        .get(&env.bureau(), &format!("/groups/{group}/members"))
        .await;
    assert_eq!(
        list["group"]["active_members"], 3,
        "lowering removes nobody"
    );
    assert_eq!(list["group"]["effective_cap"], 2);
    let fourth = env.school("五中成员3", "junior", REGION).await;
    let (status, body) = env.admit(&lead_office, &group, &fourth).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_cap_exceeded");
    assert_eq!(body["error"]["rule"], "F-08");
    let (status, history) = env
        .get(&lead_office, &format!("/groups/{group}/scale-decisions"))
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history.as_array().map(Vec::len), Some(1));
    assert_eq!(history[0]["reason"], "龙头学校质量评估持平,规模降为2所");
    assert_eq!(history[0]["policy_version"], 0);
}

/// V-07/F-08 through the API: the bureau records the lead's yearly quality; while the latest
/// says it is not improving, neither the lead office nor the bureau can admit a member.
#[actix_web::test]
async fn v07_admission_refused_while_the_leads_quality_is_not_improving() {
    let env = env().await;
    let lead = env.school("六中", "junior", REGION).await;
    let group = env.group("六中教育集团", "alliance", &lead).await;
    let quality = format!("/schools/{lead}/lead-quality");
    let lead_office = env.school_token(Role::LeadAdmin, &lead);
    let (status, body) = env
        .post(
            &lead_office,
            &quality,
            json!({"school_year": 2025, "score": 95, "improving": true}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env
        .post(
            &env.bureau(),
            &quality,
            json!({"school_year": 2024, "score": 88.0, "improving": true}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = env
        .post(
            &env.bureau(),
            &quality,
            json!({"school_year": 2025, "score": 86.5, "evidence": ["2025学年质量评估报告"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["improving"], false, "86.5 after 88.0 is not improving");
    let member = env.school("六中成员", "junior", REGION).await;
    for token in [lead_office.clone(), env.bureau()] {
        let (status, body) = env.admit(&token, &group, &member).await;
        assert_refusal(
            status,
            &body,
            StatusCode::CONFLICT,
            "lead_quality_not_improving",
        );
        assert_eq!(body["error"]["rule"], "V-07");
        assert_eq!(body["error"]["details"]["school_year"], 2025);
    }
    // The lead office reads its own records; a member school's office does not.
    let (status, records) = env.get(&lead_office, &quality).await;
    assert_eq!(status, StatusCode::OK, "{records}");
    assert_eq!(records.as_array().map(Vec::len), Some(2));
    let other_lead = env.school("七中", "junior", REGION).await;
    let (status, body) = env
        .get(&env.school_token(Role::MemberAdmin, &other_lead), &quality)
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // Another county's bureau does not learn the school exists.
    let (status, body) = env
        .get(&env.token(Role::Bureau, OTHER_REGION, None), &quality)
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
}

/// Groups that already exist: the bureau loads one with its past, which the live rules judge
/// on each real date; the lead office cannot load one.
#[actix_web::test]
async fn f09_s85_the_bureau_loads_an_existing_groups_past() {
    let env = env().await;
    let lead = env.school("老集团一中", "junior", REGION).await;
    let a = env.school("老集团二中", "junior", REGION).await;
    let b = env.school("老集团三中", "junior", REGION).await;
    let body = json!({
        "name": "老集团一中教育集团", "model": "alliance", "lead_school_id": lead,
        "plaque_date": "2021-09-10", "formed_on": "2021-09-01",
        "members": [
            {"school_id": a, "joined_on": "2021-09-10"},
            {"school_id": b, "joined_on": "2022-02-20", "left_on": "2024-07-15",
             "exit_reason": "voluntary", "note": "划入新区集团"},
        ],
    });
    let (status, answer) = env
        .post(
            &env.school_token(Role::LeadAdmin, &lead),
            "/groups/import",
            body.clone(),
        )
        .await;
    assert_refusal(status, &answer, StatusCode::FORBIDDEN, "forbidden");
    let (status, list) = env.post(&env.bureau(), "/groups/import", body).await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    assert_eq!(list["group"]["plaque_date"], "2021-09-10");
    assert_eq!(list["group"]["active_members"], 1);
    let left = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["school_id"] == b.as_str())
        .unwrap();
    assert!(
        left["joined_at"]
            .as_str()
            .unwrap()
            .starts_with("2022-02-20"),
        "{left}"
    );
    assert!(
        left["left_at"].as_str().unwrap().starts_with("2024-07-15"),
        "{left}"
    );
    assert_eq!(left["exit_reason"], "voluntary");

    // §8.5 over time: `a` is still in that group, so no other group had it in 2023.
    let other = env.school("新区一中", "junior", REGION).await;
    let (status, answer) = env
        .post(
            &env.bureau(),
            "/groups/import",
            json!({"name": "新区一中教育集团", "model": "alliance", "lead_school_id": other,
                   "plaque_date": "2023-01-01", "members": [{"school_id": a, "joined_on": "2023-03-01"}]}),
        )
        .await;
    assert_refusal(
        status,
        &answer,
        StatusCode::CONFLICT,
        "school_already_in_group",
    );
    assert_eq!(answer["error"]["details"]["history"]["date"], "2023-03-01");
}
