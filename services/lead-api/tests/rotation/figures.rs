//! The E-08 figures of a group and its county; trainings and hours (E-05, E-06, E-19).

use super::*;

#[actix_web::test]
async fn e08_compliance_of_a_group_and_its_county() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = &g.lead_admin;
    let member_admin = &g.member_admin;
    // ten eligible teachers, one a county backbone teacher; one more who is not eligible
    let mut rows: Vec<String> = (1..=9)
        .map(|i| format!("L{i:03},教师{i},学科教师,数学,无,是"))
        .collect();
    rows.push("L010,骨干,学科教师,语文,县级,是".into());
    rows.push("L011,新教师,学科教师,英语,无,否".into());
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let staff = g.lead_roster(&env, &rows).await;
    // one of them rotated: 1 of 10 = 10 %, the backbone share 100 %
    let body = posting(
        &teacher(&staff, "L010"),
        &g.member,
        "secondment",
        autumn_2025(),
    );
    let (status, p) = propose(&env, lead_admin, &g.id, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let (status, body) = env
        .post(
            member_admin,
            &format!("/postings/{}/confirm", p["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let check = |c: &Value| {
        assert_eq!(c["school_year"], 2025, "{c}");
        assert_eq!(c["as_of"], "2026-03-01", "{c}");
        assert_eq!(c["eligible"], 10, "{c}");
        assert_eq!(c["rotation_min_pct"], 10, "{c}");
        assert_eq!(c["backbone_min_pct"], 20, "{c}");
        assert_eq!(c["actual"]["rotated"], 1, "{c}");
        assert_eq!(c["actual"]["backbone_rotated"], 1, "{c}");
        assert_eq!(c["actual"]["ratio_pct"], 10.0, "{c}");
        assert_eq!(c["actual"]["ratio_met"], true, "{c}");
        assert_eq!(c["actual"]["share_met"], true, "{c}");
        assert_eq!(c["actual"]["shortfall"], 0, "{c}");
        assert_eq!(c["rotated_teachers"].as_array().unwrap().len(), 1, "{c}");
    };
    let (status, group) = env
        .get(
            member_admin,
            &format!("/groups/{}/rotation?year=2025&as_of=2026-03-01", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!(group["scope"], json!({"type": "group", "group_id": g.id}));
    check(&group);
    let auditor = env.token(Role::Auditor, REGION, None);
    let (status, county) = env
        .get(
            &auditor,
            &format!("/regions/{REGION}/rotation?year=2025&as_of=2026-03-01"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{county}");
    assert_eq!(county["scope"], json!({"type": "region", "region": REGION}));
    check(&county);
    // before the posting started nobody had rotated yet; the forecast counts it
    let (_, early) = env
        .get(
            &env.bureau(),
            &format!("/groups/{}/rotation?year=2025&as_of=2025-08-31", g.id),
        )
        .await;
    assert_eq!(early["actual"]["rotated"], 0, "{early}");
    assert_eq!(early["actual"]["shortfall"], 1, "{early}");
    assert_eq!(early["forecast"]["rotated"], 1, "{early}");
    // a malformed date
    let (status, body) = env
        .get(
            &env.bureau(),
            &format!("/groups/{}/rotation?year=2025&as_of=March", g.id),
        )
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}

#[actix_web::test]
async fn the_lead_school_delivers_trainings_and_member_staff_earn_hours() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = &g.lead_admin;
    let member_admin = &g.member_admin;
    let staff = g
        .member_roster(
            &env,
            &[
                "M001,王芳,学科教师,数学,县级,是",
                "M002,刘洋,中层管理人员,语文,无,是",
                "M003,陈静,校级领导,英语,无,否",
            ],
        )
        .await;
    let (wang, liu, chen) = (
        teacher(&staff, "M001"),
        teacher(&staff, "M002"),
        teacher(&staff, "M003"),
    );
    // E-09: 刘洋 shadows at the lead school in autumn 2025 (this also waits until the
    // rotation service knows the group's schools)
    let (status, p) = propose(
        &env,
        member_admin,
        &g.id,
        posting(&liu, &g.lead, "shadowing", autumn_2025()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let confirm = format!("/postings/{}/confirm", p["id"].as_str().unwrap());
    let (status, body) = env.post(lead_admin, &confirm, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // E-05/E-06: the lead school's office records the four kinds in autumn 2025; an August
    // training prepares the coming autumn
    let autumn = [
        training("subject", "2025-09-20", 8, &[&wang]),
        training("special", "2025-10-15", 16, &[&wang, &liu]),
        training("induction", "2025-08-25", 24, &[&wang]),
    ];
    for body in autumn {
        let (status, t) = train(&env, lead_admin, &g.id, body).await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        assert_eq!(t["school_year"], 2025, "{t}");
        assert_eq!(t["semester"], "autumn", "{t}");
        assert_eq!(t["provider_school_id"], g.lead.as_str(), "{t}");
        assert_eq!(t["group_id"], g.id.as_str(), "{t}");
    }
    // a retry with the same Idempotency-Key records once
    let mut ids = Vec::new();
    for _ in 0..2 {
        let req = test::TestRequest::post()
            .uri(&format!("/api/v1/groups/{}/trainings", g.id))
            .insert_header(("Authorization", format!("Bearer {lead_admin}")))
            .insert_header(("Idempotency-Key", "showcase-2025-11"))
            .set_json(training(
                "teaching_showcase",
                "2025-11-12",
                6,
                &[&wang, &liu],
            ));
        let (status, t) = env.send(req).await;
        assert_eq!(status, StatusCode::CREATED, "{t}");
        ids.push(t["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids[0], ids[1]);
    let (status, t) = train(
        &env,
        lead_admin,
        &g.id,
        training("subject", "2026-03-10", 18, &[&wang]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["semester"], "spring", "{t}");
    // the group's bureau records too (a spring 2025 training, school year 2024)
    let (status, t) = train(
        &env,
        &env.bureau(),
        &g.id,
        training("special", "2025-05-10", 10, &[&wang]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["school_year"], 2024, "{t}");
    // autumn: all four kinds held, none missing
    let (status, list) = env
        .get(
            member_admin,
            &format!("/groups/{}/trainings?year=2025&semester=autumn", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 4, "{list}");
    assert_eq!(list["semesters"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["semesters"][0]["semester"], "autumn", "{list}");
    assert_eq!(list["semesters"][0]["held"].as_array().unwrap().len(), 4);
    assert_eq!(list["semesters"][0]["missing"], json!([]), "{list}");
    // the whole year: spring so far has only subject training
    let (_, list) = env
        .get(
            &env.bureau(),
            &format!("/groups/{}/trainings?year=2025", g.id),
        )
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 5, "{list}");
    let spring = &list["semesters"][1];
    assert_eq!(spring["semester"], "spring", "{list}");
    assert_eq!(spring["held"], json!(["subject"]), "{list}");
    assert_eq!(
        spring["missing"],
        json!(["special", "induction", "teaching_showcase"]),
        "{list}"
    );
    // only the lead school and the bureau record: a member school, a teacher may not
    let body = training("subject", "2025-12-01", 4, &[&wang]);
    let (status, refusal) = train(&env, member_admin, &g.id, body.clone()).await;
    assert_refusal(status, &refusal, StatusCode::FORBIDDEN, "forbidden");
    let teacher_token = env.school_token(Role::Teacher, &g.lead);
    let (status, refusal) = train(&env, &teacher_token, &g.id, body.clone()).await;
    assert_refusal(status, &refusal, StatusCode::FORBIDDEN, "forbidden");
    // participants are teachers of the group; unknown fields (the group) are refused
    let stranger_id = SchoolId::new().to_string();
    let (status, refusal) = train(
        &env,
        lead_admin,
        &g.id,
        training("subject", "2025-12-01", 4, &[&stranger_id]),
    )
    .await;
    assert_refusal(
        status,
        &refusal,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );
    let mut extra = body.clone();
    extra["group_id"] = json!(g.id);
    let (status, refusal) = train(&env, lead_admin, &g.id, extra).await;
    assert_refusal(
        status,
        &refusal,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );
    // E-19: 王芳 reached 72 hours in 2025 (8 + 16 + 24 + 6 + 18), 刘洋 22, 陈静 none
    let hours = format!("/schools/{}/training-hours?year=2025", g.member);
    let (status, report) = env.get(member_admin, &hours).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["required_hours"], 72, "{report}");
    assert_eq!(report["school_year"], 2025, "{report}");
    let of = |report: &Value, id: &str| {
        report["teachers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["teacher_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(of(&report, &wang)["hours"], 72, "{report}");
    assert_eq!(of(&report, &wang)["met"], true, "{report}");
    assert_eq!(of(&report, &wang)["name"], "王芳", "{report}");
    assert_eq!(of(&report, &liu)["hours"], 22, "{report}");
    assert_eq!(of(&report, &liu)["met"], false, "{report}");
    assert_eq!(of(&report, &chen)["hours"], 0, "{report}");
    let pct = report["completion_pct"].as_f64().unwrap();
    assert!((pct - 100.0 / 3.0).abs() < 0.01, "{report}");
    let (_, earlier) = env
        .get(
            member_admin,
            &format!("/schools/{}/training-hours?year=2024", g.member),
        )
        .await;
    assert_eq!(of(&earlier, &wang)["hours"], 10, "{earlier}");
    // who reads the roster reads the hours: the group's lead school yes, a teacher no,
    // another group's lead school no, another region's bureau does not learn the school
    assert_eq!(env.get(lead_admin, &hours).await.0, StatusCode::OK);
    let member_teacher = env.school_token(Role::Teacher, &g.member);
    let (status, refusal) = env.get(&member_teacher, &hours).await;
    assert_refusal(status, &refusal, StatusCode::FORBIDDEN, "forbidden");
    let other_lead = env.school("三中", "junior", REGION).await;
    env.group("三中教育集团", "alliance", &other_lead).await;
    let other_admin = env.school_token(Role::LeadAdmin, &other_lead);
    let (status, refusal) = env.get(&other_admin, &hours).await;
    assert_refusal(status, &refusal, StatusCode::FORBIDDEN, "forbidden");
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, refusal) = env.get(&far_bureau, &hours).await;
    assert_refusal(status, &refusal, StatusCode::NOT_FOUND, "not_found");
    // E-09: of the member's managers and subject teachers (not 陈静, a school leader),
    // 刘洋 has shadowed; 王芳 not yet
    let coverage = format!("/groups/{}/shadowing-coverage?as_of=2026-06-30", g.id);
    let (status, c) = env.get(member_admin, &coverage).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["as_of"], "2026-06-30", "{c}");
    assert_eq!(c["since"], "2023-06-30", "{c}");
    assert_eq!(c["staff"], 2, "{c}");
    assert_eq!(c["covered"], 1, "{c}");
    assert_eq!(c["coverage_pct"], 50.0, "{c}");
    let not_yet = c["not_yet"].as_array().unwrap();
    assert_eq!(not_yet.len(), 1, "{c}");
    assert_eq!(not_yet[0]["teacher_id"], wang.as_str(), "{c}");
    assert_eq!(not_yet[0]["name"], "王芳", "{c}");
    assert_eq!(not_yet[0]["home_school_id"], g.member.as_str(), "{c}");
    // before the posting nobody had shadowed
    let (_, before) = env
        .get(
            &env.bureau(),
            &format!("/groups/{}/shadowing-coverage?as_of=2025-08-31", g.id),
        )
        .await;
    assert_eq!(before["covered"], 0, "{before}");
    // another group's school sees none of it
    let (status, refusal) = env.get(&other_admin, &coverage).await;
    assert_refusal(status, &refusal, StatusCode::NOT_FOUND, "not_found");
    let trainings = format!("/groups/{}/trainings?year=2025", g.id);
    let (status, refusal) = env.get(&other_admin, &trainings).await;
    assert_refusal(status, &refusal, StatusCode::NOT_FOUND, "not_found");
    let (status, refusal) = train(&env, &other_admin, &g.id, body).await;
    assert_refusal(status, &refusal, StatusCode::NOT_FOUND, "not_found");
    // a semester that does not exist
    let (status, refusal) = env
        .get(
            member_admin,
            &format!("/groups/{}/trainings?year=2025&semester=summer", g.id),
        )
        .await;
    assert_refusal(
        status,
        &refusal,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );
}
