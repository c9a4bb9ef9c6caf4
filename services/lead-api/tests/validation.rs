//! Malformed input through the real `App`: every bad field of a body, a query or a path is a
//! 400 `validation_failed` naming the field in `details.field`, with Chinese and English
//! messages a clerk understands and none of the parser's own words.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use common::{Env, REGION, assert_refusal, env};
use edu_domain::Role;
use serde_json::{Value, json};
use uuid::Uuid;

/// Words only a parser says (serde, serde_json, uuid, chrono).
const PARSER_TEXT: &[&str] = &[
    "line 1",
    "column",
    "UUID parsing failed",
    "expected u8",
    "expected",
    "invalid type",
    "invalid value",
    "premature end",
    "invalid digit",
    "`",
];

/// The refusal is a 400 about `field`, and neither message has parser text in it.
fn assert_field(status: StatusCode, body: &Value, field: &str) {
    assert_refusal(status, body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], field, "{body}");
    for key in ["message", "message_zh"] {
        let text = body["error"][key].as_str().unwrap();
        for word in PARSER_TEXT {
            assert!(
                !text.contains(word),
                "{key} has parser text {word:?}: {text}"
            );
        }
    }
}

/// The refusal says this, in Chinese and in English.
fn assert_says(body: &Value, message_zh: &str, message: &str) {
    assert_eq!(zh(body), message_zh, "{body}");
    assert_eq!(en(body), message, "{body}");
}

fn zh(body: &Value) -> &str {
    body["error"]["message_zh"].as_str().unwrap()
}

fn en(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap()
}

/// A lead office's meeting in a group it is not in: the body is checked before the scope.
fn meeting(env: &Env) -> (String, String) {
    let office = env.school_token(Role::LeadAdmin, &Uuid::now_v7().to_string());
    (office, format!("/groups/{}/meetings", Uuid::now_v7()))
}

#[actix_web::test]
async fn a_bad_uuid_in_a_body_names_the_field_as_an_id() {
    let env = env().await;
    let path = format!("/groups/{}/members", Uuid::now_v7());
    let (status, body) = env
        .post(&env.bureau(), &path, json!({"school_id": "not-a-uuid"}))
        .await;
    assert_field(status, &body, "school_id");
    assert_says(&body, "学校编号格式不正确", "school_id is not a valid id");
}

#[actix_web::test]
async fn a_missing_field_is_named_as_required() {
    let env = env().await;
    let (token, path) = meeting(&env);
    let body = json!({"kind": "council", "title": "例会", "place": "会议室"});
    let (status, body) = env.post(&token, &path, body).await;
    assert_field(status, &body, "held_on");
    assert_says(&body, "缺少必填项:held_on", "held_on is required");
}

#[actix_web::test]
async fn a_wrong_type_and_an_out_of_range_number_say_what_the_field_holds() {
    let env = env().await;
    let path = format!("/groups/{}/scale", Uuid::now_v7());
    let (status, body) = env
        .put(
            &env.bureau(),
            &path,
            json!({"scale_cap": "two", "reason": "调整"}),
        )
        .await;
    assert_field(status, &body, "scale_cap");
    assert_eq!(zh(&body), "scale_cap 应为整数");

    let (status, body) = env
        .put(
            &env.bureau(),
            &path,
            json!({"scale_cap": 300, "reason": "调整"}),
        )
        .await;
    assert_field(status, &body, "scale_cap");
    assert!(zh(&body).contains("数值超出范围"), "{body}");
    assert!(en(&body).contains("out of range"), "{body}");
    assert_eq!(body["error"]["details"]["max"], 255);
}

#[actix_web::test]
async fn an_unknown_enum_value_lists_the_allowed_ones() {
    let env = env().await;
    let school = json!({"name": "x", "stage": "college", "region": REGION,
        "principal_name": "x", "legal_person": "x"});
    let (status, body) = env.post(&env.bureau(), "/schools", school).await;
    assert_field(status, &body, "stage");
    for allowed in ["primary", "junior", "senior"] {
        assert!(zh(&body).contains(allowed), "{body}");
        assert!(en(&body).contains(allowed), "{body}");
    }
    assert!(
        body["error"]["details"]["allowed"]
            .as_array()
            .unwrap()
            .contains(&json!("junior"))
    );
}

#[actix_web::test]
async fn a_nested_field_is_named_by_its_path() {
    let env = env().await;
    let (token, path) = meeting(&env);
    let body = json!({"kind": "council", "title": "例会", "held_on": "2026-03-02",
        "place": "会议室", "agenda": [{"title": "一", "owner": "办公室"}, {"owner": "教研室"}]});
    let (status, body) = env.post(&token, &path, body).await;
    assert_field(status, &body, "agenda[1].title");
    assert_eq!(zh(&body), "缺少必填项:agenda[1].title");

    // a date inside the posting's term
    let path = format!("/groups/{}/postings", Uuid::now_v7());
    let posting = json!({"teacher_id": Uuid::now_v7(), "to_school_id": Uuid::now_v7(),
        "kind": "secondment", "host_post": "副校长",
        "term": {"type": "dates", "start": "2026-13-40", "end": "2027-01-31"}});
    let (status, body) = env.post(&token, &path, posting).await;
    assert_field(status, &body, "term.start");
    assert!(zh(&body).contains("YYYY-MM-DD"), "{body}");
}

#[actix_web::test]
async fn a_bad_query_parameter_is_named() {
    let env = env().await;
    let teachers = format!("/schools/{}/teachers", Uuid::now_v7());
    let (status, body) = env
        .get(
            &env.bureau(),
            &format!("{teachers}?school_year=2025&limit=many"),
        )
        .await;
    assert_field(status, &body, "limit");
    assert_eq!(zh(&body), "limit 应为整数");
    let (status, body) = env
        .get(
            &env.bureau(),
            &format!("{teachers}?school_year=2025&limit=99999999"),
        )
        .await;
    assert_field(status, &body, "limit");
    assert!(zh(&body).contains("数值超出范围"), "{body}");
    let (status, body) = env
        .get(
            &env.bureau(),
            &format!("{teachers}?school_year=2025&colour=red"),
        )
        .await;
    assert_field(status, &body, "colour");
}

/// Every list reads its query the same way: an offset past its range is named, as JSON, on
/// the lists added later too (the fuzz found one that still answered in plain text).
#[actix_web::test]
async fn every_lists_query_refusal_names_the_field() {
    let env = env().await;
    for list in [
        "/groups",
        "/schools",
        "/evaluation-rounds",
        "/consent-requests",
    ] {
        let (status, body) = env
            .get(&env.bureau(), &format!("{list}?offset=4294967296"))
            .await;
        assert_field(status, &body, "offset");
    }
}

#[actix_web::test]
async fn a_bad_path_id_is_named() {
    let env = env().await;
    let (status, body) = env.get(&env.bureau(), "/groups/not-a-uuid").await;
    assert_field(status, &body, "group_id");
    assert_says(&body, "集团编号格式不正确", "group_id is not a valid id");
}

#[actix_web::test]
async fn a_body_that_is_not_json_says_so_without_the_parsers_position() {
    let env = env().await;
    let req = test::TestRequest::post()
        .uri("/api/v1/schools")
        .insert_header(("Authorization", format!("Bearer {}", env.bureau())))
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"name\":");
    let (status, body) = env.send(req).await;
    assert_field(status, &body, "body");
    assert_eq!(zh(&body), "请求内容不是有效的 JSON:内容不完整");
    assert_eq!(body["error"]["details"]["line"], 1);
}
