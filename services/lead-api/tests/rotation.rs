//! Teacher rotation (交流轮岗, RULES.md §3) through the real actix `App`, against the real
//! membership and rotation services, PostgreSQL and NATS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use common::rotation::{
    HEADER, autumn_2025, group_of_two, import, next_autumn, posting, propose, roster, teacher,
    train, training,
};
use common::{OTHER_REGION, REGION, assert_one_created, assert_refusal, env};
use edu_domain::{Role, SchoolId};
use serde_json::{Value, json};

#[actix_web::test]
async fn a_roster_is_imported_whole_or_not_at_all_and_exported_for_excel() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let member_admin = env.school_token(Role::MemberAdmin, &g.member);
    // line 3 has an unknown post: 422, the line is named, nothing is imported
    let bad = format!(
        "{HEADER}\nT001,张三,学科教师,数学,县级,是\nT002,李四,校长,语文,无,是\nT003,王五,中层管理人员,英语,校级,否\n"
    );
    let (status, body) = import(&env, &member_admin, &g.member, bad.as_bytes()).await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "csv_invalid",
    );
    assert_eq!(body["error"]["details"]["rows"][0]["line"], 3, "{body}");
    let list = format!("/schools/{}/teachers?school_year=2025", g.member);
    let (status, page) = env.get(&member_admin, &list).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 0, "{page}");
    // Chinese and English values, with a BOM as Excel writes it
    let good = format!(
        "\u{feff}{HEADER}\nT001,张三,学科教师,数学,县级,是\nT002,李四,school_leader,语文,none,yes\nT003,王五,中层管理人员,英语,校级,否\n"
    );
    let (status, body) = import(&env, &member_admin, &g.member, good.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], 3, "{body}");
    let (_, page) = env.get(&member_admin, &list).await;
    assert_eq!(page["total"], 3, "{page}");
    let zhang = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["staff_no"] == "T001")
        .unwrap();
    assert_eq!(zhang["post"], "subject_teacher");
    assert_eq!(zhang["backbone"], "county");
    assert_eq!(zhang["eligible"], true);
    assert_eq!(zhang["home_school_id"], g.member.as_str());
    // the export: CSV with a UTF-8 BOM, as an attachment
    let req = test::TestRequest::get()
        .uri(&format!(
            "/api/v1/schools/{}/teachers/export?school_year=2025",
            g.member
        ))
        .insert_header(("Authorization", format!("Bearer {member_admin}")));
    let (status, headers, body) = env.call(req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains(&format!("teachers-{}-2025.csv", g.member)),
        "{disposition}"
    );
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}'), "{text}");
    assert!(text.contains("T001") && text.contains("王五"), "{text}");
    // the group's lead office reads a member's roster; the bureau too; another group's lead does not
    let lead_admin = env.school_token(Role::LeadAdmin, &g.lead);
    assert_eq!(env.get(&lead_admin, &list).await.0, StatusCode::OK);
    assert_eq!(env.get(&env.bureau(), &list).await.0, StatusCode::OK);
    let other_lead = env.school("三中", "junior", REGION).await;
    env.group("三中教育集团", "alliance", &other_lead).await;
    let other_admin = env.school_token(Role::LeadAdmin, &other_lead);
    let (status, body) = env.get(&other_admin, &list).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = import(&env, &other_admin, &g.member, good.as_bytes()).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // another region's bureau does not learn the school exists
    let far_bureau = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env.get(&far_bureau, &list).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = import(&env, &far_bureau, &g.member, good.as_bytes()).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    // a file that is not UTF-8 (GBK from an old Excel), and a JSON body
    let gbk: &[u8] = b"\xb9\xa4\xba\xc5,\xd0\xd5\xc3\xfb\n";
    let (status, body) = import(&env, &member_admin, &g.member, gbk).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/schools/{}/teachers/import?school_year=2025",
            g.member
        ))
        .insert_header(("Authorization", format!("Bearer {member_admin}")))
        .set_json(json!({"csv": good}));
    let (status, body) = env.send(req).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    // over 2 MiB; and under it, but more than one bus message carries
    let huge = vec![b'x'; edu_lead_api::CSV_LIMIT + 1];
    let (status, body) = import(&env, &member_admin, &g.member, &huge).await;
    assert_refusal(
        status,
        &body,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let max_payload = env.bus.bus.client().server_info().max_payload;
    if max_payload < edu_lead_api::CSV_LIMIT {
        let big = vec![b'x'; max_payload];
        let (status, body) = import(&env, &member_admin, &g.member, &big).await;
        assert_refusal(
            status,
            &body,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        );
    }
    // the school year is required
    let (status, body) = env
        .get(&member_admin, &format!("/schools/{}/teachers", g.member))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}

#[actix_web::test]
async fn postings_follow_e02_e03_and_end_when_a_school_leaves() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = env.school_token(Role::LeadAdmin, &g.lead);
    let member_admin = env.school_token(Role::MemberAdmin, &g.member);
    let lead_staff = roster(
        &env,
        &lead_admin,
        &g.lead,
        &[
            "L001,赵一,中层管理人员,数学,县级,是",
            "L002,钱二,学科教师,语文,无,是",
            "L003,孙三,学科教师,物理,市级,是",
        ],
    )
    .await;
    let member_staff = roster(
        &env,
        &member_admin,
        &g.member,
        &[
            "M001,周四,学科教师,英语,无,是",
            "M002,吴五,学科教师,化学,校级,是",
        ],
    )
    .await;
    // E-02: the lead office seconds a lead teacher to the member school
    let l1 = teacher(&lead_staff, "L001");
    let body = posting(&l1, &g.member, "secondment", autumn_2025());
    let (status, p1) = propose(&env, &lead_admin, &g.id, body).await;
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
    let (status, body) = env.post(&lead_admin, &confirm, json!({})).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env.post(&member_admin, &confirm, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "confirmed");
    assert!(!body["confirmed_at"].is_null(), "{body}");
    let (status, body) = env.post(&member_admin, &confirm, json!({})).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "posting_state_invalid");
    // E-02: no secondment member → lead
    let m1 = teacher(&member_staff, "M001");
    let body = posting(&m1, &g.lead, "secondment", autumn_2025());
    let (status, body) = env
        .post(&member_admin, &format!("/groups/{}/postings", g.id), body)
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
        .post(&member_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p2}");
    assert_eq!(p2["kind"], "shadowing");
    assert_eq!(p2["payroll_unit_id"], g.member.as_str());
    // one posting at a time per teacher
    let term = json!({"type": "dates", "start": "2025-10-01", "end": "2025-12-31"});
    let body = posting(&l1, &g.member, "post_holding", term);
    let (status, body) = env
        .post(&lead_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "posting_overlaps");
    // both ends are schools of the group
    let outsider = env.school("四中", "junior", REGION).await;
    let l2 = teacher(&lead_staff, "L002");
    let body = posting(&l2, &outsider, "secondment", autumn_2025());
    let (status, body) = env
        .post(&lead_admin, &format!("/groups/{}/postings", g.id), body)
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
        .post(&lead_admin, &format!("/groups/{}/postings", g.id), body)
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    // 支教 is off by default (E-12)
    let body = posting(&l2, &g.member, "support_teaching", autumn_2025());
    let (status, body) = env
        .post(&lead_admin, &format!("/groups/{}/postings", g.id), body)
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
            &member_admin,
            &format!("/postings/{p3_id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["phase"], "upcoming");
    // the group's postings, filtered
    let (status, page) = env
        .get(&lead_admin, &format!("/groups/{}/postings", g.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 3, "{page}");
    let (_, page) = env
        .get(
            &member_admin,
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
        .post(&lead_admin, &format!("/groups/{}/postings", g.id), body)
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
    let lead_admin = env.school_token(Role::LeadAdmin, &g.lead);
    let staff = roster(
        &env,
        &lead_admin,
        &g.lead,
        &["L001,赵一,学科教师,数学,无,是"],
    )
    .await;
    let t = teacher(&staff, "L001");
    // the rotation service knows the group before the race starts
    let warm_up = json!({"type": "dates", "start": "2025-07-01", "end": "2025-07-02"});
    let (status, body) = propose(
        &env,
        &lead_admin,
        &g.id,
        posting(&t, &g.member, "secondment", warm_up),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let path = format!("/groups/{}/postings", g.id);
    let tries = (0..50).map(|i| {
        // every term overlaps every other: all contain 2025-10-01
        let term = json!({"type": "dates", "start": format!("2025-09-{:02}", 1 + i % 28), "end": "2025-12-31"});
        env.post(&lead_admin, &path, posting(&t, &g.member, "secondment", term))
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
    let lead_admin = env.school_token(Role::LeadAdmin, &g.lead);
    let member_admin = env.school_token(Role::MemberAdmin, &g.member);
    let staff = roster(
        &env,
        &lead_admin,
        &g.lead,
        &["L001,赵一,学科教师,数学,无,是"],
    )
    .await;
    let body = posting(
        &teacher(&staff, "L001"),
        &g.member,
        "secondment",
        next_autumn(),
    );
    let (status, p) = propose(&env, &lead_admin, &g.id, body.clone()).await;
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
    let (status, body_) = env.post(&lead_admin, &cancel, json!({})).await;
    assert_refusal(status, &body_, StatusCode::BAD_REQUEST, "validation_failed");
    let (status, body_) = env
        .post(&member_admin, &cancel, json!({"reason": "岗位调整"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body_}");
    assert_eq!(body_["status"], "cancelled");
    assert_eq!(body_["closing_reason"], "岗位调整");
    let (status, body_) = env
        .post(
            &lead_admin,
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
    let (status, body_) = env.post(&lead_admin, &postings, extra).await;
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
        .get(
            &lead_admin,
            &format!("/regions/{REGION}/rotation?year=2025"),
        )
        .await;
    assert_refusal(status, &body_, StatusCode::FORBIDDEN, "forbidden");
    let (status, body_) = env
        .get(&env.bureau(), "/regions/4116/rotation?year=2025")
        .await;
    assert_refusal(status, &body_, StatusCode::BAD_REQUEST, "validation_failed");
}

#[actix_web::test]
async fn e08_compliance_of_a_group_and_its_county() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead_admin = env.school_token(Role::LeadAdmin, &g.lead);
    let member_admin = env.school_token(Role::MemberAdmin, &g.member);
    // ten eligible teachers, one a county backbone teacher; one more who is not eligible
    let mut rows: Vec<String> = (1..=9)
        .map(|i| format!("L{i:03},教师{i},学科教师,数学,无,是"))
        .collect();
    rows.push("L010,骨干,学科教师,语文,县级,是".into());
    rows.push("L011,新教师,学科教师,英语,无,否".into());
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let staff = roster(&env, &lead_admin, &g.lead, &rows).await;
    // one of them rotated: 1 of 10 = 10 %, the backbone share 100 %
    let body = posting(
        &teacher(&staff, "L010"),
        &g.member,
        "secondment",
        autumn_2025(),
    );
    let (status, p) = propose(&env, &lead_admin, &g.id, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let (status, body) = env
        .post(
            &member_admin,
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
            &member_admin,
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
    let lead_admin = env.school_token(Role::LeadAdmin, &g.lead);
    let member_admin = env.school_token(Role::MemberAdmin, &g.member);
    let staff = roster(
        &env,
        &member_admin,
        &g.member,
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
        &member_admin,
        &g.id,
        posting(&liu, &g.lead, "shadowing", autumn_2025()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let confirm = format!("/postings/{}/confirm", p["id"].as_str().unwrap());
    let (status, body) = env.post(&lead_admin, &confirm, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // E-05/E-06: the lead school's office records the four kinds in autumn 2025; an August
    // training prepares the coming autumn
    let autumn = [
        training("subject", "2025-09-20", 8, &[&wang]),
        training("special", "2025-10-15", 16, &[&wang, &liu]),
        training("induction", "2025-08-25", 24, &[&wang]),
    ];
    for body in autumn {
        let (status, t) = train(&env, &lead_admin, &g.id, body).await;
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
        &lead_admin,
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
            &member_admin,
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
    let (status, refusal) = train(&env, &member_admin, &g.id, body.clone()).await;
    assert_refusal(status, &refusal, StatusCode::FORBIDDEN, "forbidden");
    let teacher_token = env.school_token(Role::Teacher, &g.lead);
    let (status, refusal) = train(&env, &teacher_token, &g.id, body.clone()).await;
    assert_refusal(status, &refusal, StatusCode::FORBIDDEN, "forbidden");
    // participants are teachers of the group; unknown fields (the group) are refused
    let stranger_id = SchoolId::new().to_string();
    let (status, refusal) = train(
        &env,
        &lead_admin,
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
    let (status, refusal) = train(&env, &lead_admin, &g.id, extra).await;
    assert_refusal(
        status,
        &refusal,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );
    // E-19: 王芳 reached 72 hours in 2025 (8 + 16 + 24 + 6 + 18), 刘洋 22, 陈静 none
    let hours = format!("/schools/{}/training-hours?year=2025", g.member);
    let (status, report) = env.get(&member_admin, &hours).await;
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
            &member_admin,
            &format!("/schools/{}/training-hours?year=2024", g.member),
        )
        .await;
    assert_eq!(of(&earlier, &wang)["hours"], 10, "{earlier}");
    // who reads the roster reads the hours: the group's lead school yes, a teacher no,
    // another group's lead school no, another region's bureau does not learn the school
    assert_eq!(env.get(&lead_admin, &hours).await.0, StatusCode::OK);
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
    let (status, c) = env.get(&member_admin, &coverage).await;
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
            &member_admin,
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

/// E-12/E-15 follow the region's policy (DESIGN.md "Policy as data"): 支教 is refused under
/// the defaults and accepted once the bureau enables it.
#[actix_web::test]
async fn support_teaching_follows_the_regions_policy() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let lead = env.school_token(Role::LeadAdmin, &g.lead);
    let staff = roster(&env, &lead, &g.lead, &["L001,王老师,学科教师,数学,县级,是"]).await;
    let body = posting(
        &teacher(&staff, "L001"),
        &g.member,
        "support_teaching",
        next_autumn(),
    );
    let (status, reply) = propose(&env, &lead, &g.id, body.clone()).await;
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
        let (status, reply) = env.post(&lead, &path, body.clone()).await;
        if status == StatusCode::CREATED {
            assert_eq!(reply["kind"], "support_teaching");
            break;
        }
        assert_eq!(reply["error"]["code"], "posting_kind_disabled", "{reply}");
        assert!(tokio::time::Instant::now() < deadline, "{reply}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
