//! The authorization matrix: every operation of the committed
//! `openapi/openapi.json` × every role × the caller's own group, a foreign group of the same
//! county and a group of another county. Nothing of a group outside the caller's scope is
//! answered with 2xx, no answer about such a target names its id or name, and nothing
//! answers 5xx. The intended rules are in `src/scope.rs`: 404 when existence is private,
//! 403 otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use actix_web::http::{Method, StatusCode, header};
use actix_web::test;
use chrono::Utc;
use common::{Env, OTHER_REGION, REGION, env, facility, meeting, resource, until};
use edu_domain::Role;
use serde_json::{Value, json};

/// Operations the matrix does not walk, and why. Everything else in the spec is walked.
const EXCLUDED: &[(&str, &str)] = &[
    // liveness and readiness: no data, no token (http.rs)
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    // a county's name by its code: public reference data (GB/T 2260), the same answer for
    // anyone signed in (me.rs)
    ("GET", "/api/v1/regions/{region}"),
];

/// Operations readable by everyone of a county: a 2xx for another group of the caller's
/// own county is expected there; another county stays out of reach.
const COUNTY_PUBLIC: &[(&str, &str)] = &[
    // the county's school directory (scope::can_see_school)
    ("GET", "/api/v1/schools/{school_id}"),
    // the rules every school of the county works under (scope::can_read_policy)
    ("GET", "/api/v1/regions/{region}/policy"),
];

/// Reads of a group's oversight records, answered inside the group to its bureau, its
/// county's auditors and its lead office only: the group's member offices and teachers, who
/// know the group exists, get 403.
const OVERSIGHT_READS: &[(&str, &str)] = &[
    // R-11 (invariant 17): the refused brand transfers (scope::can_read_brand_refusals)
    ("GET", "/api/v1/groups/{group_id}/brand-refusals"),
];

/// Writes sent with a valid body: their refusal must come from the scope check (403/404),
/// never from validation.
const STRICT_WRITES: &[(&str, &str)] = &[
    ("POST", "/api/v1/groups/{group_id}/members"),
    ("POST", "/api/v1/groups/{group_id}/members/{school_id}/exit"),
    ("POST", "/api/v1/groups/{group_id}/dissolution"),
    ("POST", "/api/v1/groups/{group_id}/postings"),
    ("POST", "/api/v1/groups/{group_id}/resources"),
    ("POST", "/api/v1/groups/{group_id}/meetings"),
    ("POST", "/api/v1/groups/{group_id}/facilities"),
    ("POST", "/api/v1/facilities/{facility_id}/bookings"),
    ("POST", "/api/v1/postings/{posting_id}/confirm"),
    ("POST", "/api/v1/postings/{posting_id}/cancel"),
    ("POST", "/api/v1/postings/{posting_id}/end"),
    ("POST", "/api/v1/resources/{resource_id}/approval"),
    ("POST", "/api/v1/resources/{resource_id}/adoptions"),
    ("POST", "/api/v1/meetings/{meeting_id}/motions"),
    (
        "POST",
        "/api/v1/groups/{group_id}/members/{school_id}/warnings",
    ),
    (
        "POST",
        "/api/v1/groups/{group_id}/members/{school_id}/persuade-out",
    ),
    ("POST", "/api/v1/schools/{school_id}/teachers/import"),
    ("PUT", "/api/v1/groups/{group_id}/scale"),
    ("POST", "/api/v1/schools/{school_id}/lead-quality"),
    ("POST", "/api/v1/groups/{group_id}/major-matters"),
    ("POST", "/api/v1/groups/{group_id}/meetings/import"),
    ("POST", "/api/v1/consent-requests/{request_id}/decision"),
    ("POST", "/api/v1/groups/{group_id}/charter/versions"),
    ("PUT", "/api/v1/charter-versions/{version_id}"),
    ("POST", "/api/v1/charter-versions/{version_id}/adoption"),
    (
        "POST",
        "/api/v1/charter-versions/{version_id}/acknowledgements",
    ),
];

const ROSTER: &str =
    "工号,姓名,岗位,学科,骨干级别,符合交流条件\nT001,张老师,学科教师,数学,县级,是\n";

/// A seeded group with a few objects, named so that a leak of its name is found.
struct Seeded {
    id: String,
    name: String,
    region: &'static str,
    lead: String,
    member: String,
    lead_name: String,
    member_name: String,
    posting: String,
    resource: String,
    meeting: String,
    motion: String,
    facility: String,
    round: String,
    consent: String,
    charter_version: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Own,
    ForeignGroup,
    ForeignRegion,
}

async fn until_ok<F, Fut>(mut call: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (StatusCode, Value)>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = call().await;
        if status.is_success() {
            return body;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn seed(env: &Env, tag: &str, region: &'static str) -> Seeded {
    let bureau = env.token(Role::Bureau, region, None);
    let lead_name = format!("{tag}龙头中学");
    let member_name = format!("{tag}成员中学");
    let lead = env.school(&lead_name, "junior", region).await;
    let member = env.school(&member_name, "junior", region).await;
    let name = format!("{tag}教育集团");
    let body = json!({"name": name, "model": "alliance", "lead_school_id": lead, "plaque_date": "2024-09-01"});
    let (status, group) = env.post(&bureau, "/groups", body).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let id = group["id"].as_str().unwrap().to_owned();
    let (status, body) = env.admit(&bureau, &id, &member).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let office = env.token(Role::LeadAdmin, region, Some(lead.parse().unwrap()));

    // a posting of the lead school's teacher to the member school
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/schools/{lead}/teachers/import?school_year=2025"
        ))
        .insert_header(("Authorization", format!("Bearer {office}")))
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .set_payload(ROSTER);
    let (status, body) = env.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, page) = env
        .get(
            &office,
            &format!("/schools/{lead}/teachers?school_year=2025"),
        )
        .await;
    let teacher = page["items"][0]["id"].as_str().unwrap().to_owned();
    let posting_body = json!({"teacher_id": teacher, "to_school_id": member, "kind": "secondment",
        "term": {"type": "semester", "school_year": 2025, "semester": "autumn"}, "host_post": "教务处副主任"});
    let path = format!("/groups/{id}/postings");
    let posting = until_ok(|| env.post(&office, &path, posting_body.clone())).await;

    // a resource, a facility, a meeting with a motion
    let path = format!("/groups/{id}/resources");
    let resource = until_ok(|| env.post(&office, &path, resource())).await;
    // an attempt to re-export the resource into another group, refused and on record
    let (status, body) = env
        .post(
            &office,
            &format!("/resources/{}/shares", resource["id"].as_str().unwrap()),
            json!({"target": {"type": "group", "group_id": uuid::Uuid::now_v7()}}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "brand_transfer_forbidden", "{body}");
    let (status, facility) = env
        .post(&office, &format!("/groups/{id}/facilities"), facility())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{facility}");
    let path = format!("/groups/{id}/meetings");
    let meeting = until_ok(|| env.post(&office, &path, meeting())).await;
    let meeting_id = meeting["id"].as_str().unwrap().to_owned();
    let path = format!("/groups/{id}/council");
    let council = until_ok(|| env.get(&office, &path)).await;
    let seats: Vec<Value> = council["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    let (status, body) = env
        .post(
            &office,
            &format!("/meetings/{meeting_id}/attendance"),
            json!({ "present": seats }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, motion) = env
        .post(
            &office,
            &format!("/meetings/{meeting_id}/motions"),
            motion_body(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{motion}");

    // the county's evaluation round over this group (its plaque is over a year old),
    // computed in the background: polled until its scorecard is stored
    let (status, round) = env
        .post(
            &bureau,
            "/evaluation-rounds",
            json!({"school_year": 2025, "group_ids": [id]}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{round}");
    let round_path = format!("/evaluation-rounds/{}", round["id"].as_str().unwrap());
    let (_, round) = until(
        || env.get(&bureau, &round_path),
        |_, r| r["status"] != "computing",
    )
    .await;
    assert_eq!(round["status"], "computed", "{round}");

    // F-04: a school of a third county asked to join, waiting for that county's consent (no
    // role of the matrix is of that county: it decides nothing here)
    let far = env
        .school(&format!("{tag}外县中学"), "junior", THIRD_REGION)
        .await;
    let (status, consent) = env.admit(&bureau, &id, &far).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{consent}");

    // a draft of the group's charter (G-14), by the lead office
    let path = format!("/groups/{id}/charter/versions");
    let charter_version = until_ok(|| env.post(&office, &path, charter_body())).await;

    Seeded {
        id,
        name,
        region,
        lead,
        member,
        lead_name,
        member_name,
        posting: posting["id"].as_str().unwrap().to_owned(),
        resource: resource["id"].as_str().unwrap().to_owned(),
        meeting: meeting_id,
        motion: motion["id"].as_str().unwrap().to_owned(),
        facility: facility["id"].as_str().unwrap().to_owned(),
        round: round["id"].as_str().unwrap().to_owned(),
        consent: consent["id"].as_str().unwrap().to_owned(),
        charter_version: charter_version["id"].as_str().unwrap().to_owned(),
    }
}

fn charter_body() -> Value {
    json!({"kind": "charter", "title": "集团章程", "body": "第一章 总则\n第一条"})
}

fn motion_body() -> Value {
    json!({"title": "集团2026年工作计划", "category": "work_plan", "major": true})
}

/// A valid body for the main writes (built from the target), `{}` for the rest.
fn body_for(method: &str, path: &str, t: &Seeded, spare_school: &str) -> Value {
    let start = Utc::now() + chrono::Duration::days(3);
    match (method, path) {
        ("POST", "/api/v1/groups") => {
            json!({"name": "新集团", "model": "alliance", "lead_school_id": t.member, "plaque_date": "2025-09-01"})
        }
        ("POST", "/api/v1/schools") => {
            json!({"name": "新学校", "stage": "junior", "region": t.region, "principal_name": "校长", "legal_person": "新学校"})
        }
        ("POST", "/api/v1/evaluation-rounds") => {
            json!({"school_year": 2025, "group_ids": [t.id]})
        }
        ("POST", "/api/v1/groups/{group_id}/members") => json!({"school_id": spare_school}),
        ("POST", "/api/v1/groups/{group_id}/members/{school_id}/exit") => {
            json!({"reason": "voluntary"})
        }
        ("POST", "/api/v1/groups/{group_id}/dissolution")
        | ("POST", "/api/v1/groups/{group_id}/members/{school_id}/warnings")
        | ("POST", "/api/v1/groups/{group_id}/members/{school_id}/persuade-out")
        | ("POST", "/api/v1/postings/{posting_id}/cancel")
        | ("POST", "/api/v1/postings/{posting_id}/end") => json!({"reason": "测试"}),
        ("POST", "/api/v1/groups/{group_id}/postings") => json!({
            "teacher_id": NIL, "to_school_id": t.member, "kind": "secondment",
            "term": {"type": "semester", "school_year": 2025, "semester": "spring"},
            "host_post": "教务处副主任"}),
        ("POST", "/api/v1/groups/{group_id}/resources") => resource(),
        ("POST", "/api/v1/groups/{group_id}/facilities") => facility(),
        ("POST", "/api/v1/groups/{group_id}/meetings") => meeting(),
        ("POST", "/api/v1/meetings/{meeting_id}/motions") => motion_body(),
        ("POST", "/api/v1/facilities/{facility_id}/bookings") => json!({
            "start": start, "end": start + chrono::Duration::minutes(90), "purpose": "分组实验"}),
        ("POST", "/api/v1/resources/{resource_id}/approval") => json!({"decision": "approve"}),
        ("PUT", "/api/v1/groups/{group_id}/scale") => {
            json!({"scale_cap": 4, "reason": "局务会决定"})
        }
        ("POST", "/api/v1/schools/{school_id}/lead-quality") => {
            json!({"school_year": 2025, "score": 85.0, "improving": true})
        }
        ("POST", "/api/v1/groups/{group_id}/major-matters") => json!({
            "school_id": t.member, "kind": "budget", "title": "2026年度预算",
            "effective_on": "2026-04-01", "decision_id": NIL}),
        ("POST", "/api/v1/groups/{group_id}/meetings/import") => json!({"meetings": [
            {"kind": "council", "title": "理事会议", "held_on": "2025-01-10",
             "schools_present": [t.lead, t.member]}]}),
        ("POST", "/api/v1/consent-requests/{request_id}/decision") => {
            json!({"decision": "approve"})
        }
        ("POST", "/api/v1/groups/{group_id}/charter/versions") => charter_body(),
        ("PUT", "/api/v1/charter-versions/{version_id}") => {
            json!({"title": "集团章程", "body": "第一条"})
        }
        ("POST", "/api/v1/charter-versions/{version_id}/adoption") => json!({"decision_id": NIL}),
        ("PUT", "/api/v1/meetings/{meeting_id}/minutes") => json!({"text": "纪要"}),
        ("POST", "/api/v1/meetings/{meeting_id}/minutes/corrections") => {
            json!({"text": "更正", "reason": "笔误"})
        }
        _ => json!({}),
    }
}

/// A county none of the matrix's callers belongs to.
const THIRD_REGION: &str = "411628";

/// An id nothing has.
const NIL: &str = "00000000-0000-0000-0000-000000000000";

fn substitute(path: &str, t: &Seeded) -> String {
    let params: BTreeMap<&str, &str> = [
        ("group_id", t.id.as_str()),
        ("school_id", t.member.as_str()),
        ("posting_id", t.posting.as_str()),
        ("resource_id", t.resource.as_str()),
        ("meeting_id", t.meeting.as_str()),
        ("motion_id", t.motion.as_str()),
        ("facility_id", t.facility.as_str()),
        ("round_id", t.round.as_str()),
        ("consequence_id", NIL),
        // the funds' reversal finds no spending of that id: 404 for everyone (G-17's own
        // scope checks are walked in tests/funds.rs)
        ("spending_id", NIL),
        // the office's appointments, the bureau's recommendations and designations: none of
        // that id (G-10..G-13 and F-17 scopes are walked in tests/office.rs)
        ("appointment_id", NIL),
        ("recommendation_id", NIL),
        ("designation_id", NIL),
        ("agreement_id", NIL),
        ("request_id", t.consent.as_str()),
        ("version_id", t.charter_version.as_str()),
        ("region", t.region),
        ("school_year", "2025"),
        ("period", "2026-Q1"),
        ("key", "teacher_team.rotation_ratio"),
    ]
    .into_iter()
    .collect();
    let mut out = path.to_owned();
    for (name, value) in &params {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    assert!(!out.contains('{'), "unknown path parameter in {path}");
    out
}

/// Values for the query parameters the spec marks required.
fn required_query(op: &Value) -> String {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let pairs: Vec<String> = params
        .iter()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let value = match name {
                "name" => "x.txt",
                "period" => "2026Q1",
                _ => "2025", // year, school_year
            };
            format!("{name}={value}")
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

#[actix_web::test]
async fn no_role_reads_or_changes_another_groups_private_data() {
    let env = env().await;
    let own = seed(&env, "本方", REGION).await;
    let foreign = seed(&env, "邻组", REGION).await;
    let far = seed(&env, "外县", OTHER_REGION).await;
    // a school in no group, for admissions
    let spare = env.school("待入中学", "junior", REGION).await;

    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json"),
        )
        .unwrap(),
    )
    .unwrap();

    let own_lead = own.lead.parse().ok();
    let own_member = own.member.parse().ok();
    let roles = [
        (Role::Bureau, env.token(Role::Bureau, REGION, None)),
        (Role::Auditor, env.token(Role::Auditor, REGION, None)),
        (
            Role::LeadAdmin,
            env.token(Role::LeadAdmin, REGION, own_lead),
        ),
        (
            Role::MemberAdmin,
            env.token(Role::MemberAdmin, REGION, own_member),
        ),
        (Role::Teacher, env.token(Role::Teacher, REGION, own_member)),
    ];
    let targets = [
        (Target::Own, &own),
        (Target::ForeignGroup, &foreign),
        (Target::ForeignRegion, &far),
    ];

    let mut walked = BTreeSet::new();
    let mut calls = 0usize;
    let mut failures = Vec::new();
    let mut statuses: BTreeMap<(String, String), Vec<u16>> = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let key = (method.as_str(), path.trim_start_matches("/api/v1"));
            if EXCLUDED.contains(&key) || EXCLUDED.contains(&(method.as_str(), path.as_str())) {
                continue;
            }
            walked.insert((method.clone(), path.clone()));
            let op_key = (method.as_str(), path.as_str());
            let is_write = method != "GET";
            for (role, token) in &roles {
                for (target, t) in &targets {
                    let county_wide = matches!(role, Role::Bureau | Role::Auditor);
                    let out_of_scope = match target {
                        Target::Own => false,
                        Target::ForeignGroup => !county_wide && !COUNTY_PUBLIC.contains(&op_key),
                        Target::ForeignRegion => true,
                    };
                    // writes inside the caller's scope are the services' own tests
                    if is_write && !out_of_scope {
                        continue;
                    }
                    let uri = format!("{}{}", substitute(path, t), required_query(op));
                    let content = op["requestBody"]["content"]
                        .as_object()
                        .and_then(|c| c.keys().next().cloned());
                    let mut req = test::TestRequest::default()
                        .method(Method::from_bytes(method.as_bytes()).unwrap())
                        .uri(&uri)
                        .insert_header(("Authorization", format!("Bearer {token}")));
                    req = match content.as_deref() {
                        Some("application/json") => {
                            req.set_json(body_for(&method, path, t, &spare))
                        }
                        Some("text/csv") => req
                            .insert_header((header::CONTENT_TYPE, "text/csv"))
                            .set_payload(ROSTER),
                        Some(other) => req
                            .insert_header((header::CONTENT_TYPE, other.to_owned()))
                            .set_payload(&b"bytes"[..]),
                        None => req,
                    };
                    let (status, _, body) = env.call(req).await;
                    calls += 1;
                    statuses
                        .entry((method.clone(), path.clone()))
                        .or_default()
                        .push(status.as_u16());
                    let text = String::from_utf8_lossy(&body);
                    let what = format!("{role:?} {target:?} {method} {uri} → {status}: {text}");
                    if status.is_server_error() {
                        failures.push(format!("5xx: {what}"));
                        continue;
                    }
                    if OVERSIGHT_READS.contains(&op_key) && !out_of_scope {
                        let overseer =
                            county_wide || (*role == Role::LeadAdmin && *target == Target::Own);
                        if overseer && !(status.is_success() && text.contains(&t.resource)) {
                            failures.push(format!("overseer not answered the record: {what}"));
                        }
                        if !overseer && status != StatusCode::FORBIDDEN {
                            failures.push(format!("a school of the group not 403: {what}"));
                        }
                    }
                    if !out_of_scope {
                        continue;
                    }
                    // a list (no path parameter) answers 2xx with what the caller may see;
                    // only the names below are checked
                    let refused = (!is_write && !path.contains('{'))
                        || status == StatusCode::FORBIDDEN
                        || status == StatusCode::NOT_FOUND
                        || (is_write
                            && !STRICT_WRITES.contains(&op_key)
                            && matches!(status.as_u16(), 400 | 409 | 422));
                    if !refused {
                        failures.push(format!("not refused: {what}"));
                    }
                    // a county-wide caller's answer about another county, or a school's about
                    // another group, never names that group
                    for secret in [t.id.as_str(), t.name.as_str()] {
                        if text.contains(secret) {
                            failures.push(format!("leaks {secret}: {what}"));
                        }
                    }
                    if *target == Target::ForeignRegion
                        && (text.contains(&t.lead_name) || text.contains(&t.member_name))
                    {
                        failures.push(format!("leaks a school's name: {what}"));
                    }
                }
            }
        }
    }

    // the lists: nobody sees a group outside their scope
    for (role, token) in &roles {
        for path in ["/groups?include_dissolved=true", "/schools?limit=200"] {
            let (status, body) = env.get(token, path).await;
            assert!(status.is_success(), "{role:?} {path}: {status} {body}");
            let text = body.to_string();
            assert!(
                !text.contains(&far.id) && !text.contains(&far.lead_name),
                "{role:?} {path}: {text}"
            );
            if !matches!(role, Role::Bureau | Role::Auditor) {
                assert!(!text.contains(&foreign.id), "{role:?} {path}: {text}");
            }
        }
    }

    println!(
        "authz matrix: {} operations walked ({} excluded) × {} roles × 3 targets = {calls} calls",
        walked.len(),
        EXCLUDED.len(),
        roles.len()
    );
    for ((method, path), codes) in &statuses {
        println!("  {method:6} {path}: {codes:?}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
