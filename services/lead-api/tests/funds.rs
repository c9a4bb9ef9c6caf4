//! The group's funds (集团化办学专项经费, G-17) through the real actix `App`, against the real
//! membership service, PostgreSQL and NATS: who may grant, budget, spend, reverse and read,
//! each refusal with its status and code, the budget held under concurrent spending, and the
//! statement's figures in JSON, XLSX and CSV.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::io::Cursor;

use actix_web::http::StatusCode;
use actix_web::test;
use calamine::{Data, Reader, Xlsx};
use common::{OTHER_REGION, REGION, assert_refusal, env};
use edu_domain::Role;
use futures::future::join_all;
use serde_json::{Value, json};

fn spending(source: &str, amount_fen: i64, spent_on: &str) -> Value {
    json!({
        "school_year": 2025, "source": source, "spent_on": spent_on, "amount_fen": amount_fen,
        "use": "quality_courses", "payee": "=HYPERLINK(\"http://x\")", "voucher_no": "记-031",
    })
}

/// (budget, spent, remaining) of the statement's account `i`.
fn figures(statement: &Value, i: usize) -> (i64, i64, i64) {
    let a = &statement["accounts"][i];
    (
        a["budget_fen"].as_i64().unwrap(),
        a["spent_fen"].as_i64().unwrap(),
        a["remaining_fen"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn g17_each_role_grants_budgets_spends_and_reads_what_it_may() {
    let env = env().await;
    let bureau = env.bureau();
    let lead = env.school("一中", "junior", REGION).await;
    let id = env.group("一中教育集团", "alliance", &lead).await;
    let (ours, theirs) = (
        env.school("二中", "junior", REGION).await,
        env.school("三中", "junior", REGION).await,
    );
    for s in [&ours, &theirs] {
        let (status, body) = env.admit(&bureau, &id, s).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let stranger = env.school("四中", "junior", REGION).await;
    env.group("四中教育集团", "alliance", &stranger).await;

    let office = env.school_token(Role::LeadAdmin, &lead);
    let our_office = env.school_token(Role::MemberAdmin, &ours);
    let their_office = env.school_token(Role::MemberAdmin, &theirs);
    let teacher = env.school_token(Role::Teacher, &lead);
    let auditor = env.token(Role::Auditor, REGION, None);
    let far = env.token(Role::Bureau, OTHER_REGION, None);
    let stranger_office = env.school_token(Role::LeadAdmin, &stranger);

    // the bureau grants; nobody else does
    let grants = format!("/groups/{id}/funds/grants");
    let grant =
        json!({"school_year": 2025, "amount_fen": 1_000_000, "document_ref": "太教财〔2025〕12号"});
    for token in [&office, &our_office, &auditor, &teacher] {
        let (status, body) = env.post(token, &grants, grant.clone()).await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, body) = env.post(&far, &grants, grant.clone()).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let req = || {
        test::TestRequest::post()
            .uri(&format!("/api/v1{grants}"))
            .insert_header(("Authorization", format!("Bearer {bureau}")))
            .insert_header(("Idempotency-Key", "grant-2025"))
            .set_json(grant.clone())
    };
    let (status, granted) = env.send(req()).await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    assert_eq!(
        (&granted["source"], &granted["amount_fen"]),
        (&json!("bureau"), &json!(1_000_000))
    );
    let (status, again) = env.send(req()).await;
    assert_eq!(
        (status, &again["id"]),
        (StatusCode::CREATED, &granted["id"])
    );

    // each school's office budgets its own school; the bureau does not
    let budgets = format!("/groups/{id}/funds/budgets");
    let (status, body) = env
        .post(
            &bureau,
            &budgets,
            json!({"school_year": 2025, "amount_fen": 1}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env
        .post(
            &stranger_office,
            &budgets,
            json!({"school_year": 2025, "amount_fen": 1}),
        )
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, budget) = env
        .post(
            &our_office,
            &budgets,
            json!({"school_year": 2025, "amount_fen": 300_000, "school_id": theirs}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{budget}");
    assert_eq!(
        budget["school_id"],
        ours.as_str(),
        "its own school, whatever the body says"
    );

    // spending: the bureau's fund by the lead office only (G-10), within budget and year
    let spend = format!("/groups/{id}/funds/spending");
    let (status, body) = env
        .post(&our_office, &spend, spending("bureau", 1, "2025-10-15"))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(body["error"]["rule"], "G-10");
    for token in [&bureau, &auditor, &teacher] {
        let (status, body) = env
            .post(token, &spend, spending("school", 1, "2025-10-15"))
            .await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, ours_spent) = env
        .post(
            &our_office,
            &spend,
            spending("school", 100_000, "2025-10-15"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ours_spent}");
    let (status, body) = env
        .post(
            &our_office,
            &spend,
            spending("school", 200_001, "2025-10-16"),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "budget_exceeded");
    assert_eq!(body["error"]["rule"], "G-17");
    assert_eq!(body["error"]["details"]["remaining_fen"], 200_000);
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("超出预算"),
        "{body}"
    );
    let (status, body) = env
        .post(&office, &spend, spending("bureau", 1, "2026-09-01"))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "spending_outside_school_year",
    );
    let (status, body) = env
        .post(&office, &spend, json!({"school_year": 2025, "source": "bureau", "spent_on": "2025-10-15", "amount_fen": 1, "use": "banquets", "payee": "x", "voucher_no": "1"}))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");

    // G-17 under concurrency: ten spends of 150,000 fen against 1,000,000: six pass
    let sends =
        (0..10).map(|_| env.post(&office, &spend, spending("bureau", 150_000, "2025-11-01")));
    let answers = join_all(sends).await;
    let passed = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(passed, 6, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_refusal(*status, body, StatusCode::CONFLICT, "budget_exceeded");
    }

    // a reversal: by the school that recorded it, once
    let reversal = format!(
        "/funds/spending/{}/reversal",
        ours_spent["id"].as_str().unwrap()
    );
    let reason = json!({"reason": "凭证号录入错误"});
    for (token, expected, code) in [
        (&their_office, StatusCode::FORBIDDEN, "forbidden"),
        (&office, StatusCode::FORBIDDEN, "forbidden"),
        (&bureau, StatusCode::FORBIDDEN, "forbidden"),
        (&stranger_office, StatusCode::NOT_FOUND, "not_found"),
    ] {
        let (status, body) = env.post(token, &reversal, reason.clone()).await;
        assert_refusal(status, &body, expected, code);
    }
    let (status, reversed) = env.post(&our_office, &reversal, reason.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{reversed}");
    assert_eq!(reversed["amount_fen"], -100_000);
    let (status, body) = env.post(&our_office, &reversal, reason.clone()).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "spending_already_reversed",
    );
    let unknown = "/funds/spending/0199a000-0000-7000-8000-000000000000/reversal";
    let (status, body) = env.post(&our_office, unknown, reason).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");

    // the statement: every school of the group, the county's bureau and auditors
    let read = format!("/groups/{id}/funds?year=2025");
    for token in [&bureau, &auditor, &office, &our_office, &their_office] {
        let (status, s) = env.get(token, &read).await;
        assert_eq!(status, StatusCode::OK, "{s}");
        assert_eq!(figures(&s, 0), (1_000_000, 900_000, 100_000), "{s}");
        assert_eq!(s["accounts"][0]["source"], "bureau");
        assert_eq!(figures(&s, 2), (300_000, 0, 300_000), "reversed: {s}");
        assert_eq!(s["accounts"][2]["school_id"], ours.as_str());
        assert_eq!(s["entries"].as_array().map(Vec::len), Some(8));
    }
    let (status, body) = env.get(&teacher, &read).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    for token in [&far, &stranger_office] {
        let (status, body) = env.get(token, &read).await;
        assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, body) = env.get(&bureau, &format!("/groups/{id}/funds")).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");

    // the export opens and holds the figures; what people typed is no formula there
    let get = |path: String| {
        test::TestRequest::get()
            .uri(&format!("/api/v1{path}"))
            .insert_header(("Authorization", format!("Bearer {bureau}")))
    };
    let (status, headers, body) = env
        .call(get(format!("/groups/{id}/funds/export.xlsx?year=2025")))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body.to_vec())).unwrap();
    let sheet = book.worksheet_range("2025学年经费").unwrap();
    assert_eq!(
        sheet.get_value((0, 4)),
        Some(&Data::String("预算(元) budget".into()))
    );
    assert_eq!(
        sheet.get_value((1, 0)),
        Some(&Data::String("一中教育集团".into()))
    );
    assert_eq!(
        sheet.get_value((1, 2)),
        Some(&Data::String("县教育局专项经费".into()))
    );
    assert_eq!(sheet.get_value((1, 4)), Some(&Data::Float(10_000.0)));
    assert_eq!(sheet.get_value((1, 5)), Some(&Data::Float(9_000.0)));
    assert_eq!(sheet.get_value((1, 6)), Some(&Data::Float(1_000.0)));
    assert_eq!(sheet.get_value((3, 3)), Some(&Data::String("二中".into())));
    let total = sheet.rows().next_back().unwrap();
    assert_eq!(total[2], Data::String("合计".into()));
    assert_eq!(total[4], Data::Float(13_000.0));

    let (status, _, body) = env
        .call(get(format!("/groups/{id}/funds/export.csv?year=2025")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(
        text.contains("县教育局专项经费,一中(龙头学校管理),10000.00,9000.00,1000.00"),
        "{text}"
    );
}

/// a dissolved group's funds take no change; its statement stays readable to its bureau.
#[actix_web::test]
async fn g17_a_dissolved_groups_funds_are_closed_and_readable() {
    let env = env().await;
    let bureau = env.bureau();
    let lead = env.school("一中", "junior", REGION).await;
    let id = env.group("一中教育集团", "alliance", &lead).await;
    let office = env.school_token(Role::LeadAdmin, &lead);
    let (status, body) = env
        .post(
            &bureau,
            &format!("/groups/{id}/funds/grants"),
            json!({"school_year": 2025, "amount_fen": 500, "document_ref": "太教财〔2025〕1号"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = env
        .post(
            &bureau,
            &format!("/groups/{id}/dissolution"),
            json!({"reason": "撤并", "override_reason": "县政府决定撤并"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = env
        .post(
            &office,
            &format!("/groups/{id}/funds/spending"),
            spending("bureau", 1, "2025-10-15"),
        )
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "group_dissolved");
    let (status, s) = env
        .get(&bureau, &format!("/groups/{id}/funds?year=2025"))
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["budget_fen"], 500);
}
