//! The group's own administration through the HTTP API: the lead office staffs the group's
//! office (G-10, G-11) and records member principals as its vice-principals (G-13); it
//! recommends a member school's leaders and the group's bureau decides (G-12). Each role's
//! refusals, and who reads the recommendations (personnel matters).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use common::{OTHER_REGION, REGION, assert_refusal, env};
use edu_domain::Role;
use serde_json::json;

#[actix_web::test]
async fn g10_g11_the_lead_office_staffs_the_groups_office() {
    let env = env().await;
    let lead = env.school("管理一中", "junior", REGION).await;
    let member = env.school("管理二中", "junior", REGION).await;
    let group = env.group("管理一中教育集团", "alliance", &lead).await;
    assert_eq!(
        env.admit(&env.bureau(), &group, &member).await.0,
        StatusCode::CREATED
    );
    let office = env.school_token(Role::LeadAdmin, &lead);
    let member_office = env.school_token(Role::MemberAdmin, &member);
    let path = format!("/groups/{group}/office/appointments");
    let appoint = |post: &str, name: &str, on: &str| json!({"post": post, "person_name": name, "staff_no": "L0012", "appointed_on": on});

    // nobody but the lead office appoints: the member office and the bureau are refused
    for token in [&member_office, &env.bureau()] {
        let (status, body) = env
            .post(token, &path, appoint("director", "李晓明", "2025-09-01"))
            .await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, director) = env
        .post(&office, &path, appoint("director", "李晓明", "2025-09-01"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{director}");
    assert_eq!(
        director["school_id"],
        lead.as_str(),
        "G-10: at the lead school"
    );
    for name in ["王丽", "赵强"] {
        let (status, body) = env
            .post(
                &office,
                &path,
                appoint("deputy_director", name, "2025-09-01"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // G-11: a third deputy
    let (status, body) = env
        .post(
            &office,
            &path,
            appoint("deputy_director", "孙敏", "2025-10-01"),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "office_full");
    assert_eq!(body["error"]["rule"], "G-11");
    // before the plaque date: the field is named
    let (status, body) = env
        .post(&office, &path, appoint("director", "周杰", "2025-08-01"))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "appointed_on");

    // the director leaves; the office reads unstaffed until a successor comes
    let id = director["id"].as_str().unwrap();
    let end = format!("{path}/{id}/end");
    let (status, ended) = env
        .post(
            &office,
            &end,
            json!({"ended_on": "2026-07-31", "reason": "调任"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    let (status, body) = env
        .post(&office, &end, json!({"ended_on": "2026-08-31"}))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "appointment_state_invalid",
    );

    // every school of the group and the bureau read the office
    for token in [&office, &member_office, &env.bureau()] {
        let (status, read) = env.get(token, &format!("/groups/{group}/office")).await;
        assert_eq!(status, StatusCode::OK, "{read}");
        assert_eq!(read["staffed"], false);
        assert_eq!(read["deputies"].as_array().unwrap().len(), 2);
        assert_eq!(read["history"].as_array().unwrap().len(), 3);
    }
    // another county's bureau does not see the group at all
    let far = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env.get(&far, &format!("/groups/{group}/office")).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[actix_web::test]
async fn g12_g13_recommendations_are_decided_by_the_bureau_and_read_by_whom_they_concern() {
    let env = env().await;
    let lead = env.school("任免一中", "junior", REGION).await;
    let member = env.school("任免二中", "junior", REGION).await;
    let other = env.school("任免三中", "junior", REGION).await;
    let group = env.group("任免一中教育集团", "alliance", &lead).await;
    for school in [&member, &other] {
        assert_eq!(
            env.admit(&env.bureau(), &group, school).await.0,
            StatusCode::CREATED
        );
    }
    let office = env.school_token(Role::LeadAdmin, &lead);
    let member_office = env.school_token(Role::MemberAdmin, &member);
    let other_office = env.school_token(Role::MemberAdmin, &other);
    let recommendations = format!("/groups/{group}/leader-recommendations");
    let recommend = |school: &str| {
        json!({"school_id": school, "action": "appoint", "post": "vice_principal",
               "person_name": "张伟", "reason": "集团跟岗两年,考核优秀"})
    };

    // G-12: the lead recommends; a member office may not
    let (status, body) = env
        .post(&member_office, &recommendations, recommend(&member))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // only about a member school: the lead school is none
    let (status, body) = env.post(&office, &recommendations, recommend(&lead)).await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "not_a_member");
    let (status, rec) = env
        .post(&office, &recommendations, recommend(&member))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rec}");
    assert_eq!(rec["status"], "proposed");

    // the bureau decides, once; the lead office cannot decide its own recommendation
    let decision = format!("{recommendations}/{}/decision", rec["id"].as_str().unwrap());
    let (status, body) = env.post(&office, &decision, json!({"accept": true})).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, decided) = env
        .post(
            &env.bureau(),
            &decision,
            json!({"accept": true, "note": "同意"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["status"], "accepted");
    let (status, body) = env
        .post(&env.bureau(), &decision, json!({"accept": false}))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "recommendation_state_invalid",
    );
    assert_eq!(body["error"]["rule"], "G-12");

    // G-13: the member's principal as the lead's vice-principal, outside its quota
    let (status, cross) = env
        .post(
            &office,
            &format!("/groups/{group}/cross-appointments"),
            json!({"school_id": member, "appointed_on": "2025-09-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cross}");
    assert_eq!(cross["post"], "vice_principal");
    assert_eq!(cross["counts_against_lead_quota"], false);

    // who reads the recommendation: the lead office and the bureau; the member concerned;
    // not another member school
    let read = |token: String| {
        let path = format!("/groups/{group}/office");
        let env = &env;
        async move {
            let (status, body) = env.get(&token, &path).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["recommendations"].as_array().unwrap().len()
        }
    };
    assert_eq!(read(office.clone()).await, 1);
    assert_eq!(read(env.bureau()).await, 1);
    assert_eq!(read(member_office.clone()).await, 1);
    assert_eq!(read(other_office.clone()).await, 0);
    assert_eq!(read(env.token(Role::Auditor, REGION, None)).await, 1);

    // a dissolved group takes no appointment
    let (status, body) = env
        .post(
            &env.bureau(),
            &format!("/groups/{group}/dissolution"),
            json!({"reason": "布局调整", "override_reason": "县政府批复撤并"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = env
        .post(
            &office,
            &format!("/groups/{group}/office/appointments"),
            json!({"post": "director", "person_name": "李晓明", "appointed_on": "2026-09-01"}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_dissolved");
}

#[actix_web::test]
async fn f16_f17_the_bureau_reads_coverage_and_runs_the_weak_school_round() {
    let env = env().await;
    let bureau = env.bureau();
    let lead = env.school("覆盖一中", "junior", REGION).await;
    let member = env.school("覆盖二中", "junior", REGION).await;
    let weak = env.school("覆盖三中", "junior", REGION).await;
    env.school("覆盖小学", "primary", REGION).await;
    let group = env.group("覆盖一中教育集团", "alliance", &lead).await;
    assert_eq!(
        env.admit(&bureau, &group, &member).await.0,
        StatusCode::CREATED
    );
    let coverage = format!("/regions/{REGION}/coverage");
    let (status, c) = env.get(&bureau, &coverage).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["junior_schools"], 3);
    assert_eq!(c["covered"], 2);
    assert_eq!(c["covered_pct"], 66.7);
    assert_eq!(c["line_pct"], 80);
    assert_eq!(c["met"], false);
    assert_eq!(c["uncovered"][0]["school_id"], weak.as_str());

    // who reads it: the county's bureau and auditors; not a school, not another county
    let (status, _) = env
        .get(&env.token(Role::Auditor, REGION, None), &coverage)
        .await;
    assert_eq!(status, StatusCode::OK);
    for token in [
        env.school_token(Role::LeadAdmin, &lead),
        env.token(Role::Bureau, OTHER_REGION, None),
    ] {
        let (status, body) = env.get(&token, &coverage).await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }

    // F-17: the bureau opens a round; an overlapping one is refused; a lead office may not
    let rounds = format!("/regions/{REGION}/weak-school-rounds");
    let body = json!({"first_school_year": 2025, "basis": "2022—2024 学年发展性评估"});
    let (status, refused) = env
        .post(
            &env.school_token(Role::LeadAdmin, &lead),
            &rounds,
            body.clone(),
        )
        .await;
    assert_refusal(status, &refused, StatusCode::FORBIDDEN, "forbidden");
    let (status, round) = env.post(&bureau, &rounds, body).await;
    assert_eq!(status, StatusCode::CREATED, "{round}");
    assert_eq!(round["last_school_year"], 2027);
    let (status, overlap) = env
        .post(
            &bureau,
            &rounds,
            json!({"first_school_year": 2026, "basis": "重复"}),
        )
        .await;
    assert_refusal(
        status,
        &overlap,
        StatusCode::CONFLICT,
        "weak_round_overlaps",
    );
    assert_eq!(overlap["error"]["rule"], "F-17");

    let designations = format!("{rounds}/{}/designations", round["id"].as_str().unwrap());
    let designate = json!({"school_id": weak, "assessment": "2022 C、2023 C、2024 D", "plan": "一校一案:结对帮扶"});
    let (status, d) = env.post(&bureau, &designations, designate.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let (status, again) = env.post(&bureau, &designations, designate).await;
    assert_refusal(
        status,
        &again,
        StatusCode::CONFLICT,
        "designation_state_invalid",
    );

    // the coverage marks the weak school that no group covers yet
    let (_, c) = env.get(&bureau, &coverage).await;
    assert_eq!(c["uncovered"][0]["designated_weak"], true);
    assert_eq!(c["round"]["designated_share_pct"], 33.3);

    let lift = format!(
        "/regions/{REGION}/weak-school-designations/{}/lift",
        d["id"].as_str().unwrap()
    );
    let (status, lifted) = env
        .post(
            &bureau,
            &lift,
            json!({"lifted_on": "2026-07-01", "reason": "评估为 B"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{lifted}");
    assert_eq!(lifted["lifted_on"], "2026-07-01");
    let (status, listed) = env.get(&bureau, &rounds).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed[0]["designations"][0]["lift_reason"], "评估为 B");
}
