//! Sharing agreements through the HTTP API (R-10, M6): the lead office records them, every
//! school of the group reads them, and a posting that no staff-exchange agreement covers is
//! listed for the council.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use common::rotation::{autumn_2025, group_of_two, posting, propose, teacher};
use common::{REGION, assert_refusal, env};
use serde_json::json;

#[actix_web::test]
async fn r10_postings_rest_on_a_staff_exchange_agreement_or_are_flagged() {
    let env = env().await;
    let g = group_of_two(&env).await;
    let staff = g
        .lead_roster(&env, &["L001,王芳,学科教师,数学,县级,是"])
        .await;
    let body = posting(
        &teacher(&staff, "L001"),
        &g.member,
        "secondment",
        autumn_2025(),
    );
    let (status, p) = propose(&env, &g.lead_admin, &g.id, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");

    let read = format!("/groups/{}/agreements?year=2025", g.id);
    let (status, a) = env.get(&g.member_admin, &read).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["agreements"], json!([]));
    assert_eq!(a["postings_outside_agreements"][0]["id"], p["id"]);

    let path = format!("/groups/{}/agreements", g.id);
    let agreement = |scopes: serde_json::Value, parties: serde_json::Value| {
        json!({"title": "一中—二中交流协议", "school_ids": parties, "scopes": scopes,
               "starts_on": "2025-09-01", "ends_on": "2028-08-31", "document_ref": "集团〔2025〕3号"})
    };
    let both = json!([g.lead, g.member]);
    // the lead office keeps the agreements; a member office may not record one
    let (status, body) = env
        .post(
            &g.member_admin,
            &path,
            agreement(json!(["teaching"]), both.clone()),
        )
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // two parties at least, of the group's active schools, and something shared
    let (status, body) = env
        .post(
            &g.lead_admin,
            &path,
            agreement(json!(["teaching"]), json!([g.lead])),
        )
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "school_ids");
    let (status, body) = env
        .post(&g.lead_admin, &path, agreement(json!([]), both.clone()))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "scopes");
    let outsider = env.school("协议外校", "junior", REGION).await;
    let (status, body) = env
        .post(
            &g.lead_admin,
            &path,
            agreement(json!(["teaching"]), json!([g.lead, outsider])),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "not_a_member");

    // a teaching agreement does not cover a teacher's exchange
    let (status, teaching) = env
        .post(
            &g.lead_admin,
            &path,
            agreement(json!(["teaching"]), both.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{teaching}");
    let (_, a) = env.get(&g.lead_admin, &read).await;
    assert_eq!(
        a["postings_outside_agreements"].as_array().unwrap().len(),
        1
    );
    // a staff-exchange one does
    let (status, exchange) = env
        .post(
            &g.lead_admin,
            &path,
            agreement(json!(["staff_exchange", "research"]), both),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{exchange}");
    let (_, a) = env.get(&env.bureau(), &read).await;
    assert_eq!(a["agreements"].as_array().unwrap().len(), 2);
    assert_eq!(a["postings_outside_agreements"], json!([]));

    // terminated later, it still covers the posting that began while it was in force;
    // it is terminated once
    let end = format!("{path}/{}/end", exchange["id"].as_str().unwrap());
    let (status, ended) = env
        .post(
            &g.lead_admin,
            &end,
            json!({"ended_on": "2026-01-31", "reason": "双方协商终止"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    let (status, body) = env
        .post(
            &g.lead_admin,
            &end,
            json!({"ended_on": "2026-02-01", "reason": "再次终止"}),
        )
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "agreement_state_invalid",
    );
    assert_eq!(body["error"]["rule"], "R-10");
    let (_, a) = env.get(&g.lead_admin, &read).await;
    assert_eq!(
        a["postings_outside_agreements"].as_array().unwrap().len(),
        0
    );
}
