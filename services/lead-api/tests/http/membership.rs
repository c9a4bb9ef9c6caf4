//! Membership through the API: caps (F-08, F-09), rules with their codes, exit and dissolution, the past of a group.

use super::*;

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
