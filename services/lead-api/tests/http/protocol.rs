//! The HTTP surface itself: roles and scopes, bad input, health, unknown paths.

use super::*;

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
