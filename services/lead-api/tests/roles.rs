//! Least privilege, declared once: every write operation of the committed
//! `openapi/openapi.json` × every role, against the role table in `src/permissions.rs`. A role
//! the table leaves out is refused with 403 `forbidden` naming the roles that may, before
//! anything of the request is read; a role it lists is never refused for its role (what it
//! meets instead is the scope check or the data: 400, 403 without a role list, 404, 409).
//! The document's `x-roles` is the table.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use actix_web::http::{Method, StatusCode, header};
use actix_web::test::TestRequest;
use common::{REGION, env};
use edu_domain::{Role, SchoolId};
use edu_lead_api::permissions::WRITES;
use serde_json::{Value, json};

const ROLES: [Role; 5] = [
    Role::Bureau,
    Role::LeadAdmin,
    Role::MemberAdmin,
    Role::Teacher,
    Role::Auditor,
];

/// An id nothing has.
const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn spec() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The spec's write operations: (method, path, operation).
fn spec_writes(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method != "get" {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn concrete(path: &str) -> String {
    let mut out = String::new();
    for (i, part) in path.split(['{', '}']).enumerate() {
        // odd parts are parameter names
        out.push_str(match (i % 2, part) {
            (0, text) => text,
            (_, "region") => REGION,
            (_, "school_year") => "2025",
            (_, "period") => "2026-Q1",
            _ => NIL,
        });
    }
    out
}

#[test]
fn the_table_lists_every_write_of_the_document_and_nothing_else() {
    let spec = spec();
    let documented: BTreeSet<(String, String)> = spec_writes(&spec)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let listed: BTreeSet<(String, String)> = WRITES
        .iter()
        .map(|w| (w.method.to_string(), w.path.to_owned()))
        .collect();
    assert_eq!(
        documented.difference(&listed).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "writes of the document the role table does not list (refused to every role)"
    );
    assert_eq!(
        listed.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rows of the role table for no operation of the document"
    );
    for (method, path, op) in spec_writes(&spec) {
        let row = WRITES
            .iter()
            .find(|w| w.method.as_str() == method && w.path == path)
            .unwrap();
        assert_eq!(op["x-roles"], json!(row.roles), "{method} {path}");
    }
}

#[actix_web::test]
async fn every_write_answers_every_role_as_the_table_says() {
    let env = env().await;
    let school: Option<SchoolId> = NIL.parse().ok();
    let spec = spec();
    let mut failures = Vec::new();
    let mut calls = 0;
    for (method, path, op) in spec_writes(&spec) {
        let allowed = WRITES
            .iter()
            .find(|w| w.method.as_str() == method && w.path == path)
            .map_or(&[][..], |w| w.roles);
        for role in ROLES {
            let county_wide = matches!(role, Role::Bureau | Role::Auditor);
            let token = env.token(role, REGION, if county_wide { None } else { school });
            let content = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.keys().next().cloned());
            let mut req = TestRequest::default()
                .method(Method::from_bytes(method.as_bytes()).unwrap())
                .uri(&concrete(&path))
                .insert_header(("Authorization", format!("Bearer {token}")));
            req = match content.as_deref() {
                Some("application/json") => req.set_json(json!({})),
                Some(other) => req
                    .insert_header((header::CONTENT_TYPE, other.to_owned()))
                    .set_payload(&b"bytes"[..]),
                None => req,
            };
            let (status, body) = env.send(req).await;
            calls += 1;
            let what = format!("{role:?} {method} {path} → {status}: {body}");
            let role_refusal = status == StatusCode::FORBIDDEN
                && body["error"]["details"].get("allowed_roles").is_some();
            if status.is_server_error() {
                failures.push(format!("5xx: {what}"));
            } else if allowed.contains(&role) && role_refusal {
                failures.push(format!("refused a role the table lists: {what}"));
            } else if !allowed.contains(&role) {
                let names_who_may = body["error"]["code"] == "forbidden"
                    && body["error"]["details"]["allowed_roles"] == json!(allowed)
                    && body["error"]["message_zh"]
                        .as_str()
                        .is_some_and(|m| m.starts_with('仅'));
                if !(role_refusal && names_who_may) {
                    failures.push(format!("not refused for its role: {what}"));
                }
            }
        }
    }
    println!("role table: {calls} calls");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[actix_web::test]
async fn an_auditors_write_is_refused_before_its_body_is_read() {
    let env = env().await;
    let token = env.token(Role::Auditor, REGION, None);
    // a body that is not even JSON: the role is refused first, and says who may
    let req = TestRequest::post()
        .uri("/api/v1/groups")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{not json");
    let (status, body) = env.send(req).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(body["error"]["message_zh"], "仅县教育局可执行此操作");
    assert_eq!(
        body["error"]["message"],
        "only the county education bureau may do this"
    );
    assert_eq!(body["error"]["details"]["allowed_roles"], json!(["bureau"]));
    // without a token the same request is 401, as before
    let req = TestRequest::post()
        .uri("/api/v1/groups")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{}");
    let (status, body) = env.send(req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
}
