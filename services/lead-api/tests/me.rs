//! A teacher's own page through the real `App`: `GET /me/teaching` links the token to the
//! roster row whose 工号 is its subject and answers that teacher's postings and training
//! hours, never another teacher's; county names by code (`GET /regions/{code}`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use common::rotation::{autumn_2025, group_of_two, posting, propose, teacher, train, training};
use common::{assert_refusal, env};
use edu_domain::Role;
use serde_json::json;

#[actix_web::test]
async fn a_teacher_reads_their_own_postings_and_hours_and_nobody_elses() {
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
            ],
        )
        .await;
    let (wang, liu) = (teacher(&staff, "M001"), teacher(&staff, "M002"));
    // 刘洋 shadows at the lead school in autumn 2025; 王芳 trains 16 hours
    let (status, p) = propose(
        &env,
        member_admin,
        &g.id,
        posting(&liu, &g.lead, "shadowing", autumn_2025()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let body = training("special", "2025-10-15", 16, &[&wang]);
    let (status, t) = train(&env, lead_admin, &g.id, body).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");

    let member = Some(g.member.parse().unwrap());
    let liu_token = env.named_token(Role::Teacher, member, "M002", "刘洋");
    let (status, mine) = env.get(&liu_token, "/me/teaching?year=2025").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["teacher"]["id"], liu.as_str(), "{mine}");
    assert_eq!(mine["postings"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["postings"][0]["id"], p["id"], "{mine}");
    assert_eq!(mine["hours"]["teacher_id"], liu.as_str(), "{mine}");
    assert_eq!(mine["required_hours"], 72, "{mine}");

    // 王芳 reads her hours and no posting of 刘洋's
    let wang_token = env.named_token(Role::Teacher, member, "M001", "王芳");
    let (status, mine) = env.get(&wang_token, "/me/teaching?year=2025").await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["teacher"]["name"], "王芳", "{mine}");
    assert_eq!(mine["postings"], json!([]), "{mine}");
    assert_eq!(mine["hours"]["hours"], 16, "{mine}");

    // a subject on no roster reads nothing of anyone's; the lead school has no M002
    for (school, sub) in [(member, "M009"), (Some(g.lead.parse().unwrap()), "M002")] {
        let stranger = env.named_token(Role::Teacher, school, sub, "某老师");
        let (status, mine) = env.get(&stranger, "/me/teaching?year=2025").await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert!(mine["teacher"].is_null(), "{mine}");
        assert_eq!(mine["postings"], json!([]), "{mine}");
        assert!(mine["hours"].is_null(), "{mine}");
    }

    // the page is a teacher's: an office's token is refused
    let (status, body) = env.get(member_admin, "/me/teaching?year=2025").await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[actix_web::test]
async fn a_county_reads_by_name_and_an_unknown_code_by_its_code() {
    let env = env().await;
    let token = env.bureau();
    for (code, name) in [
        ("411627", "太康县"),
        ("411621", "扶沟县"),
        ("110101", "行政区划 110101"),
    ] {
        let (status, region) = env.get(&token, &format!("/regions/{code}")).await;
        assert_eq!(status, StatusCode::OK, "{region}");
        assert_eq!(region["region_name"], name, "{region}");
    }
    let (status, body) = env.get(&token, "/regions/4116").await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}
