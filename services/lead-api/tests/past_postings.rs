//! A group's past postings loaded by its bureau through HTTP (E-02, E-04, E-08), against the
//! real membership and rotation services, PostgreSQL and NATS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use common::{Env, REGION, assert_refusal, env, group_known, until};
use edu_domain::Role;
use serde_json::{Value, json};

/// A group loaded with its past: formed 2022-09-01, member `a` since then, member `b` since
/// 2024-03-01; the lead's 2023 roster has ten eligible teachers, L000 a county backbone.
async fn past_group(env: &Env) -> (String, String, String, String) {
    let lead = env.school("老集团一中", "junior", REGION).await;
    let a = env.school("老集团二中", "junior", REGION).await;
    let b = env.school("老集团三中", "junior", REGION).await;
    let history = json!({
        "name": "老集团一中教育集团", "model": "alliance", "lead_school_id": lead,
        "plaque_date": "2022-09-10", "formed_on": "2022-09-01",
        "members": [{"school_id": a, "joined_on": "2022-09-01"},
                    {"school_id": b, "joined_on": "2024-03-01"}],
    });
    let (status, list) = env.post(&env.bureau(), "/groups/import", history).await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    let group = list["group"]["id"].as_str().unwrap().to_owned();
    let mut csv = String::from("工号,姓名,岗位,学科,骨干级别,符合交流条件\n");
    for i in 0..10 {
        let level = if i == 0 { "县级" } else { "无" };
        csv.push_str(&format!("L{i:03},教师{i},学科教师,数学,{level},是\n"));
    }
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/schools/{lead}/teachers/import?school_year=2023"
        ))
        .insert_header(("Authorization", format!("Bearer {}", env.bureau())))
        .insert_header((header::CONTENT_TYPE, "text/csv"))
        .set_payload(csv);
    let (status, report) = env.send(req).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    (group, lead, a, b)
}

/// Loads, retried while the rotation service has not yet learnt the group's past.
async fn load_once_known(env: &Env, path: &str, body: &Value) -> (StatusCode, Value) {
    let bureau = env.bureau();
    until(
        || env.post(&bureau, path, body.clone()),
        |_, reply| group_known(reply),
    )
    .await
}

fn entry(lead: &str, staff_no: &str, to: &str, kind: &str, start: &str, end: &str) -> Value {
    json!({"from_school_id": lead, "staff_no": staff_no, "to_school_id": to, "kind": kind,
           "host_post": "初二数学", "start": start, "end": end})
}

/// E-08: the bureau loads 2023's postings and the group's 2023 figures count them; the lead
/// school's office cannot write the group's past.
#[actix_web::test]
async fn e08_the_bureau_loads_past_postings_and_the_years_figures_count_them() {
    let env = env().await;
    let (group, lead, a, _) = past_group(&env).await;
    let path = format!("/groups/{group}/postings/import");
    let mut ended = entry(
        &lead,
        "L001",
        &a,
        "post_holding",
        "2024-02-01",
        "2024-07-10",
    );
    ended["ended_on"] = json!("2024-05-31");
    let body = json!({"postings": [
        entry(&lead, "L000", &a, "secondment", "2023-09-01", "2024-01-15"),
        ended,
    ]});
    let (status, answer) = env
        .post(
            &env.school_token(Role::LeadAdmin, &lead),
            &path,
            body.clone(),
        )
        .await;
    assert_refusal(status, &answer, StatusCode::FORBIDDEN, "forbidden");
    let (status, loaded) = load_once_known(&env, &path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{loaded}");
    assert_eq!(loaded["count"], 2);
    assert_eq!(loaded["postings"][0]["status"], "confirmed");
    assert_eq!(loaded["postings"][1]["status"], "ended_early");
    assert_eq!(loaded["postings"][1]["ended_on"], "2024-05-31");
    assert_eq!(loaded["postings"][0]["payroll_unit_id"], lead.as_str());

    let figures = format!("/groups/{group}/rotation?year=2023&as_of=2024-08-31");
    let (status, figures) = env.get(&env.bureau(), &figures).await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    assert_eq!(figures["eligible"], 10, "{figures}");
    assert_eq!(figures["actual"]["rotated"], 2, "{figures}");
    assert_eq!(figures["actual"]["backbone_rotated"], 1, "{figures}");
    assert_eq!(figures["actual"]["ratio_met"], true, "{figures}");
}

/// E-02: an entry whose receiving school was not yet in the group refuses the whole load
/// with the live write's code and status, naming the entry; nothing of the load is written.
#[actix_web::test]
async fn e02_a_refused_entry_names_itself_and_the_load_writes_nothing() {
    let env = env().await;
    let (group, lead, a, b) = past_group(&env).await;
    let path = format!("/groups/{group}/postings/import");
    // Waits until the rotation service knows `b`'s stay (April 2024 is within it).
    let april =
        json!({"postings": [entry(&lead, "L009", &b, "secondment", "2024-04-01", "2024-04-30")]});
    let (status, loaded) = load_once_known(&env, &path, &april).await;
    assert_eq!(status, StatusCode::CREATED, "{loaded}");
    let body = json!({"postings": [
        entry(&lead, "L000", &a, "secondment", "2023-10-01", "2023-12-31"),
        entry(&lead, "L001", &b, "secondment", "2023-10-01", "2023-12-31"),
    ]});
    let (status, answer) = env.post(&env.bureau(), &path, body).await;
    assert_refusal(status, &answer, StatusCode::CONFLICT, "school_not_in_group");
    assert_eq!(answer["error"]["rule"], "E-02");
    assert_eq!(answer["error"]["details"]["entry"]["row"], 1, "{answer}");
    assert_eq!(answer["error"]["details"]["entry"]["date"], "2023-10-01");
    let (status, page) = env
        .get(
            &env.bureau(),
            &format!("/groups/{group}/postings?school_year=2023"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1, "only April's posting: {page}");
    // A start after today is invalid input, named the same way.
    let body =
        json!({"postings": [entry(&lead, "L002", &a, "secondment", "2099-09-01", "2099-12-31")]});
    let (status, answer) = env.post(&env.bureau(), &path, body).await;
    assert_refusal(
        status,
        &answer,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    );
    assert_eq!(answer["error"]["details"]["entry"]["row"], 0, "{answer}");
    assert_eq!(answer["error"]["details"]["field"], "start", "{answer}");
}
