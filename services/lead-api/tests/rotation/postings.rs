//! Postings through the API: directions (E-02, E-03), concurrency, scope, the region's policy (E-12).

use super::*;

#[actix_web::test]
async fn postings_follow_e02_e03_and_end_when_a_school_leaves() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = &g.lead_admin;
    let member_admin = &g.member_admin;
    let lead_staff = g
        .lead_roster(
            &env,
            &[
                "L001,赵一,中层管理人员,数学,县级,是",
                "L002,钱二,学科教师,语文,无,是",
                "L003,孙三,学科教师,物理,市级,是",
            ],
        )
        .await;
    let member_staff = g
        .member_roster(
            &env,
            &[
                "M001,周四,学科教师,英语,无,是",
                "M002,吴五,学科教师,化学,校级,是",
            ],
        )
        .await;
    // E-02: the lead office seconds a lead teacher to the member school
    let l1 = teacher(&lead_staff, "L001");
    let body = posting(&l1, &g.member, "secondment", autumn_2025());
    let (status, p1) = propose(&env, lead_admin, &g.id, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p1}");
    assert_eq!(p1["status"], "proposed");
    assert_eq!(p1["from_school_id"], g.lead.as_str());
    assert_eq!(p1["to_school_id"], g.member.as_str());
    assert_eq!(p1["payroll_unit_id"], g.lead.as_str()); // E-04
    assert_eq!(p1["identity_unchanged"], true);
    assert_eq!(p1["start"], "2025-09-01");
    let p1_id = p1["id"].as_str().unwrap();
    // only the receiving school (or the bureau) confirms
    let confirm = format!("/postings/{p1_id}/confirm");
    let (status, body) = env.post(lead_admin, &confirm, json!({})).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env.post(member_admin, &confirm, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "confirmed");
    assert!(!body["confirmed_at"].is_null(), "{body}");
    let (status, body) = env.post(member_admin, &confirm, json!({})).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "posting_state_invalid");
    // E-02: no secondment member → lead
    let m1 = teacher(&member_staff, "M001");
    let body = posting(&m1, &g.lead, "secondment", autumn_2025());
    let (status, body) = env
        .post(member_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "posting_direction_invalid",
    );
    assert_eq!(body["error"]["rule"], "E-02");
    // E-03: shadowing member → lead is accepted, proposed by the member school
    let body = posting(&m1, &g.lead, "shadowing", autumn_2025());
    let (status, p2) = env
        .post(member_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p2}");
    assert_eq!(p2["kind"], "shadowing");
    assert_eq!(p2["payroll_unit_id"], g.member.as_str());
    // one posting at a time per teacher
    let term = json!({"type": "dates", "start": "2025-10-01", "end": "2025-12-31"});
    let body = posting(&l1, &g.member, "post_holding", term);
    let (status, body) = env
        .post(lead_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "posting_overlaps");
    // both ends are schools of the group
    let outsider = env.school("四中", "junior", REGION).await;
    let l2 = teacher(&lead_staff, "L002");
    let body = posting(&l2, &outsider, "secondment", autumn_2025());
    let (status, body) = env
        .post(lead_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "school_not_in_group");
    // an unknown teacher
    let body = posting(
        &SchoolId::new().to_string(),
        &g.member,
        "secondment",
        autumn_2025(),
    );
    let (status, body) = env
        .post(lead_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    // 支教 is off by default (E-12)
    let body = posting(&l2, &g.member, "support_teaching", autumn_2025());
    let (status, body) = env
        .post(lead_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "posting_kind_disabled");
    // a retry with the same Idempotency-Key proposes once
    let upcoming = next_autumn();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let req = test::TestRequest::post()
            .uri(&format!("/api/v1/groups/{}/postings", g.id))
            .insert_header(("Authorization", format!("Bearer {lead_admin}")))
            .insert_header(("Idempotency-Key", "l2-next-autumn"))
            .set_json(posting(&l2, &g.member, "secondment", upcoming.clone()));
        let (status, body) = env.send(req).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids[0], ids[1]);
    let p3_id = ids[0].clone();
    let (status, body) = env
        .post(
            member_admin,
            &format!("/postings/{p3_id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["phase"], "upcoming");
    // the group's postings, filtered
    let (status, page) = env
        .get(lead_admin, &format!("/groups/{}/postings", g.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 3, "{page}");
    let (_, page) = env
        .get(
            member_admin,
            &format!("/groups/{}/postings?teacher_id={m1}&school_year=2025", g.id),
        )
        .await;
    assert_eq!(page["total"], 1, "{page}");
    // the bureau ends the membership: the member's open postings end with it
    let (status, body) = env
        .post(
            &env.bureau(),
            &format!("/groups/{}/members/{}/exit", g.id, g.member),
            json!({"reason": "bureau_decision"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let closed = loop {
        let (status, body) = env.get(&env.bureau(), &format!("/postings/{p3_id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["status"] == "cancelled" || body["status"] == "ended_early" {
            break body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still open 5 s after the exit: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!closed["closing_reason"].is_null(), "{closed}");
    // and the school is no longer in the group
    let body = posting(
        &teacher(&lead_staff, "L003"),
        &g.member,
        "secondment",
        upcoming,
    );
    let (status, body) = env
        .post(lead_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "school_not_in_group");
}

/// One posting at a time per teacher, under contention through the API:
/// fifty overlapping postings of one teacher sent at once give one; the forty-nine others
/// are refused `posting_overlaps`.
#[actix_web::test]
async fn fifty_overlapping_postings_of_one_teacher_at_once_give_one() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = &g.lead_admin;
    let staff = g
        .lead_roster(&env, &["L001,赵一,学科教师,数学,无,是"])
        .await;
    let t = teacher(&staff, "L001");
    // the rotation service knows the group before the race starts
    let warm_up = json!({"type": "dates", "start": "2025-07-01", "end": "2025-07-02"});
    let (status, body) = propose(
        &env,
        lead_admin,
        &g.id,
        posting(&t, &g.member, "secondment", warm_up),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let path = format!("/groups/{}/postings", g.id);
    let tries = (0..50).map(|i| {
        // every term overlaps every other: all contain 2025-10-01
        let term = json!({"type": "dates", "start": format!("2025-09-{:02}", 1 + i % 28), "end": "2025-12-31"});
        env.post(lead_admin, &path, posting(&t, &g.member, "secondment", term))
    });
    assert_one_created(
        futures::future::join_all(tries).await,
        "posting_overlaps",
        None,
    );
}

#[actix_web::test]
async fn postings_are_scoped_to_the_group_and_the_region() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = &g.lead_admin;
    let member_admin = &g.member_admin;
    let staff = g
        .lead_roster(&env, &["L001,赵一,学科教师,数学,无,是"])
        .await;
    let body = posting(
        &teacher(&staff, "L001"),
        &g.member,
        "secondment",
        next_autumn(),
    );
    let (status, p) = propose(&env, lead_admin, &g.id, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let p_id = p["id"].as_str().unwrap();
    let postings = format!("/groups/{}/postings", g.id);
    // another region's bureau: the group does not exist for it
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body_) = env.get(&far_bureau, &postings).await;
    assert_refusal(status, &body_, StatusCode::NOT_FOUND, "not_found");
    let (status, body_) = env.get(&far_bureau, &format!("/postings/{p_id}")).await;
    assert_refusal(status, &body_, StatusCode::NOT_FOUND, "not_found");
    // a school of another group neither
    let other_lead = env.school("三中", "junior", REGION).await;
    let other_group = env.group("三中教育集团", "alliance", &other_lead).await;
    let other_member = env.school("五中", "junior", REGION).await;
    assert_eq!(
        env.admit(&env.bureau(), &other_group, &other_member)
            .await
            .0,
        StatusCode::CREATED
    );
    let stranger = env.school_token(Role::MemberAdmin, &other_member);
    let (status, body_) = env.get(&stranger, &postings).await;
    assert_refusal(status, &body_, StatusCode::NOT_FOUND, "not_found");
    let (status, body_) = env.get(&stranger, &format!("/postings/{p_id}")).await;
    assert_refusal(status, &body_, StatusCode::NOT_FOUND, "not_found");
    let (status, body_) = env
        .post(&stranger, &format!("/postings/{p_id}/confirm"), json!({}))
        .await;
    assert_refusal(status, &body_, StatusCode::NOT_FOUND, "not_found");
    let (status, body_) = env.post(&stranger, &postings, body.clone()).await;
    assert_refusal(status, &body_, StatusCode::NOT_FOUND, "not_found");
    let (status, body_) = env
        .get(&stranger, &format!("/groups/{}/rotation?year=2025", g.id))
        .await;
    assert_refusal(status, &body_, StatusCode::NOT_FOUND, "not_found");
    // a teacher of the group sees its postings but proposes nothing; an auditor reads only
    let teacher_token = env.school_token(Role::Teacher, &g.member);
    assert_eq!(env.get(&teacher_token, &postings).await.0, StatusCode::OK);
    let (status, body_) = env.post(&teacher_token, &postings, body.clone()).await;
    assert_refusal(status, &body_, StatusCode::FORBIDDEN, "forbidden");
    let auditor = env.token(Role::Auditor, REGION, None);
    assert_eq!(
        env.get(&auditor, &format!("/postings/{p_id}")).await.0,
        StatusCode::OK
    );
    let (status, body_) = env
        .post(&auditor, &format!("/postings/{p_id}/confirm"), json!({}))
        .await;
    assert_refusal(status, &body_, StatusCode::FORBIDDEN, "forbidden");
    // cancelling: the sending side may, a teacher may not; the reason is required
    let cancel = format!("/postings/{p_id}/cancel");
    let (status, body_) = env
        .post(&teacher_token, &cancel, json!({"reason": "x"}))
        .await;
    assert_refusal(status, &body_, StatusCode::FORBIDDEN, "forbidden");
    let (status, body_) = env.post(lead_admin, &cancel, json!({})).await;
    assert_refusal(status, &body_, StatusCode::BAD_REQUEST, "validation_failed");
    let (status, body_) = env
        .post(member_admin, &cancel, json!({"reason": "岗位调整"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body_}");
    assert_eq!(body_["status"], "cancelled");
    assert_eq!(body_["closing_reason"], "岗位调整");
    let (status, body_) = env
        .post(
            lead_admin,
            &format!("/postings/{p_id}/end"),
            json!({"reason": "x"}),
        )
        .await;
    assert_refusal(
        status,
        &body_,
        StatusCode::CONFLICT,
        "posting_state_invalid",
    );
    // unknown fields are refused
    let mut extra = body.clone();
    extra["from_school_id"] = json!(g.member);
    let (status, body_) = env.post(lead_admin, &postings, extra).await;
    assert_refusal(status, &body_, StatusCode::BAD_REQUEST, "validation_failed");
    // a county's figures: its bureau and auditors only
    let (status, body_) = env
        .get(
            &env.bureau(),
            &format!("/regions/{OTHER_REGION}/rotation?year=2025"),
        )
        .await;
    assert_refusal(status, &body_, StatusCode::FORBIDDEN, "forbidden");
    let (status, body_) = env
        .get(lead_admin, &format!("/regions/{REGION}/rotation?year=2025"))
        .await;
    assert_refusal(status, &body_, StatusCode::FORBIDDEN, "forbidden");
    let (status, body_) = env
        .get(&env.bureau(), "/regions/4116/rotation?year=2025")
        .await;
    assert_refusal(status, &body_, StatusCode::BAD_REQUEST, "validation_failed");
}

/// E-12/E-15 follow the region's policy (DESIGN.md "Policy as data"): 支教 is refused under
/// the defaults and accepted once the bureau enables it.
#[actix_web::test]
async fn support_teaching_follows_the_regions_policy() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead = &g.lead_admin;
    let staff = g
        .lead_roster(&env, &["L001,王老师,学科教师,数学,县级,是"])
        .await;
    let body = posting(
        &teacher(&staff, "L001"),
        &g.member,
        "support_teaching",
        next_autumn(),
    );
    let (status, reply) = propose(&env, lead, &g.id, body.clone()).await;
    assert_refusal(
        status,
        &reply,
        StatusCode::CONFLICT,
        "posting_kind_disabled",
    );

    let enable = json!({"policy": {"support_postings": true}, "reason": "开展支教试点"});
    let (status, policy) = env
        .put(&env.bureau(), &format!("/regions/{REGION}/policy"), enable)
        .await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    // rotation learns the new version from its event
    let path = format!("/groups/{}/postings", g.id);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, reply) = env.post(lead, &path, body.clone()).await;
        if status == StatusCode::CREATED {
            assert_eq!(reply["kind"], "support_teaching");
            break;
        }
        assert_eq!(reply["error"]["code"], "posting_kind_disabled", "{reply}");
        assert!(tokio::time::Instant::now() < deadline, "{reply}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
