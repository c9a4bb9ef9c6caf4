//! The evaluation year through the real actix `App` with every service behind it: a round
//! opened as a draft, recomputed after a data correction and completed (V-03, X-02), the
//! rounds listed for the bureau and the auditor, and a school year's data imported from an
//! XLSX sheet all-or-none.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use common::evaluation::{balance, computed, group, members_known, school_data};
use common::{REGION, assert_refusal, env, until};
use edu_domain::Role;
use serde_json::json;

/// The evaluation year end to end: a draft opened on incomplete data shows the missing
/// figure as no data; the bureau corrects the data and recomputes, and the score changes;
/// the auditor lists the round but cannot recompute or complete it, a lead office cannot
/// list rounds; completing makes it final (a second completion, a recompute and another
/// round of the year are refused, V-03) and locks the year's data.
#[actix_web::test]
async fn v03_a_draft_is_recomputed_after_a_correction_and_completing_locks_the_year() {
    let env = env().await;
    let bureau = env.bureau();
    let auditor = env.token(Role::Auditor, REGION, None);
    let g = group(&env, "草稿", "junior", "2024-09-01", &["二中", "三中"]).await;
    school_data(&env, &g.lead, 80.0, 82.0, 60).await;
    school_data(&env, &g.members[0], 70.0, 72.0, 50).await;
    // the second member's data of 2025 is not entered yet
    let last = format!("/evaluation-data/2024/schools/{}", g.members[1]);
    let (status, body) = env
        .put(&bureau, &last, json!({"quality_score": 60.0}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    members_known(&env, &g).await;

    let (status, round) = until(
        || {
            env.post(
                &bureau,
                "/evaluation-rounds",
                json!({"school_year": 2025, "group_ids": [g.id]}),
            )
        },
        |_, b| b["error"]["code"] != "not_found",
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{round}");
    let round_id = round["id"].as_str().unwrap().to_owned();
    let round = computed(&env, &round_id).await;
    assert_eq!(round["state"], "draft", "{round}");
    let card_path = format!("/evaluation-rounds/{round_id}/groups/{}", g.id);
    let (_, draft) = env.get(&bureau, &card_path).await;
    let mean = format!("{card_path}/figures/teaching_quality.members_score");
    let (_, figure) = env.get(&bureau, &mean).await;
    assert!(
        figure["value"].is_null(),
        "a member's score is missing: {figure}"
    );
    assert_eq!(figure["score"], 0.0, "{figure}");

    // the bureau and the auditor see the round in the region's list; a lead office does not
    for who in [&bureau, &auditor] {
        let (status, list) = env
            .get(who, "/evaluation-rounds?school_year=2025&status=draft")
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["total"], 1, "{list}");
        assert_eq!(list["items"][0]["id"], round_id.as_str(), "{list}");
        assert_eq!(list["items"][0]["groups"], 1, "{list}");
    }
    let office = env.school_token(Role::LeadAdmin, &g.lead);
    let (status, body) = env.get(&office, "/evaluation-rounds").await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    for step in ["recompute", "complete"] {
        let (status, body) = env
            .post(
                &auditor,
                &format!("/evaluation-rounds/{round_id}/{step}"),
                json!({}),
            )
            .await;
        assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }

    // the correction, then the recompute: the figure has data and the score changes
    let now = format!("/evaluation-data/2025/schools/{}", g.members[1]);
    let (status, body) = env
        .put(
            &bureau,
            &now,
            json!({"quality_score": 66.0, "balance": balance(1000, 55)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, again) = env
        .post(
            &bureau,
            &format!("/evaluation-rounds/{round_id}/recompute"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["status"], "computing", "{again}");
    computed(&env, &round_id).await;
    let (_, figure) = env.get(&bureau, &mean).await;
    assert_eq!(figure["value"], 69.0, "(72 + 66) / 2: {figure}");
    let (_, recomputed) = env.get(&bureau, &card_path).await;
    assert!(
        recomputed["total"].as_f64().unwrap() > draft["total"].as_f64().unwrap(),
        "{} then {}",
        draft["total"],
        recomputed["total"]
    );

    // complete: final; a second completion, a recompute and another round are refused
    let complete = format!("/evaluation-rounds/{round_id}/complete");
    let (status, done) = env.post(&bureau, &complete, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "completed", "{done}");
    assert!(done["completed_at"].is_string(), "{done}");
    for step in ["complete", "recompute"] {
        let (status, body) = env
            .post(
                &bureau,
                &format!("/evaluation-rounds/{round_id}/{step}"),
                json!({}),
            )
            .await;
        assert_refusal(
            status,
            &body,
            StatusCode::CONFLICT,
            "evaluation_round_state_invalid",
        );
        assert_eq!(body["error"]["rule"], "V-03", "{body}");
    }
    let open = json!({"school_year": 2025, "group_ids": [g.id]});
    let (status, body) = env.post(&bureau, "/evaluation-rounds", open).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "evaluation_already_exists",
    );
    // the year's data of its schools and its scored items are final
    let (status, body) = env.put(&bureau, &now, json!({"quality_score": 90.0})).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "evaluation_data_locked",
    );
    let items = format!("/evaluation-data/2025/groups/{}/scored-items", g.id);
    let (status, body) = env.put(&bureau, &items, json!({"items": []})).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "evaluation_data_locked",
    );
    let (status, body) = env.get(&auditor, &items).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, list) = env
        .get(&auditor, "/evaluation-rounds?status=completed")
        .await;
    assert_eq!(list["items"][0]["state"], "completed", "{list}");
    let (_, list) = env.get(&auditor, "/evaluation-rounds?status=draft").await;
    assert_eq!(list["total"], 0, "{list}");
}

/// An XLSX upload of a school year's data: a sheet with an unknown school and a cell that
/// is no number imports nothing and names each bad row; the corrected sheet imports every
/// row. Only the bureau imports.
#[actix_web::test]
async fn an_xlsx_import_is_all_or_none_with_its_row_errors() {
    let env = env().await;
    let bureau = env.bureau();
    let one = env.school("导入一中", "junior", REGION).await;
    let two = env.school("导入二中", "junior", REGION).await;
    let sheet = |rows: &[[&str; 4]]| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    };
    let upload = |token: &str, bytes: Vec<u8>| {
        test::TestRequest::post()
            .uri("/api/v1/evaluation-data/2025/import")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header((
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ))
            .set_payload(bytes)
    };
    let head = ["学校", "质量得分", "在校生数", "备注"];
    // each refused sheet answers 422 xlsx_invalid with its rows' (line, column)
    let refused = async |bytes: Vec<u8>| {
        let (status, body) = env.send(upload(&bureau, bytes)).await;
        assert_refusal(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "xlsx_invalid",
        );
        body["error"]["details"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap(),
                    r["column"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let bad = sheet(&[
        head,
        ["导入一中", "81.5", "", ""],
        ["不存在的学校", "70", "", ""],
        ["导入二中", "七十", "", ""],
    ]);
    // the cells are read first: the number that is none
    assert_eq!(refused(bad).await, vec![(4, "质量得分".to_owned())]);
    // then the schools: the one the region does not have
    let bad = sheet(&[
        head,
        ["导入一中", "81.5", "", ""],
        ["不存在的学校", "70", "", ""],
    ]);
    assert_eq!(refused(bad).await, vec![(3, "学校".to_owned())]);
    // nothing was imported
    let (status, _) = env
        .get(&bureau, &format!("/evaluation-data/2025/schools/{one}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // only the bureau imports
    let good = sheet(&[
        head,
        ["导入一中", "81.5", "", ""],
        [two.as_str(), "70", "", ""],
    ]);
    let (status, body) = env
        .send(upload(
            &env.token(Role::Auditor, REGION, None),
            good.clone(),
        ))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env.send(upload(&bureau, good)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["schools"].as_array().unwrap().len(), 2, "{body}");
    let (_, data) = env
        .get(&bureau, &format!("/evaluation-data/2025/schools/{two}"))
        .await;
    assert_eq!(data["quality_score"], 70.0, "{data}");
    // a quality score over 100 is refused by the same rule as a single entry
    let over = sheet(&[head, ["导入一中", "120", "", ""]]);
    assert_eq!(refused(over).await, vec![(2, "质量得分".to_owned())]);
}

/// OWASP "CSV Injection": names typed as formulas (a school, its group) reach both exports of
/// a round as text — no cell of the CSV or of the XLSX sheet starts a formula.
#[actix_web::test]
async fn names_typed_as_formulas_reach_the_round_exports_as_text() {
    let env = env().await;
    let bureau = env.bureau();
    let g = group(
        &env,
        "=HYPERLINK(\"http://evil.example\",\"点我\")",
        "junior",
        "2024-09-01",
        &["+二中"],
    )
    .await;
    school_data(&env, &g.lead, 80.0, 82.0, 60).await;
    school_data(&env, &g.members[0], 70.0, 72.0, 50).await;
    members_known(&env, &g).await;
    let (status, round) = env
        .post(
            &bureau,
            "/evaluation-rounds",
            json!({"school_year": 2025, "group_ids": [g.id]}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{round}");
    let round_id = round["id"].as_str().unwrap().to_owned();
    computed(&env, &round_id).await;
    let starts_a_formula = |cell: &str| cell.starts_with(['=', '+', '-', '@', '\t', '\r']);

    let req = test::TestRequest::get()
        .uri(&format!("/api/v1/evaluation-rounds/{round_id}/export.csv"))
        .insert_header(("Authorization", format!("Bearer {bureau}")));
    let (status, _, body) = env.call(req).await;
    assert_eq!(status, StatusCode::OK);
    let mut cells = Vec::new();
    for record in csv::Reader::from_reader(&body[..]).records() {
        cells.extend(record.unwrap().iter().map(str::to_owned));
    }
    assert!(
        cells.iter().any(|c| c.starts_with("'=HYPERLINK(")),
        "{cells:?}"
    );
    let bad: Vec<_> = cells.iter().filter(|c| starts_a_formula(c)).collect();
    assert!(bad.is_empty(), "CSV cells that run as formulas: {bad:?}");

    let req = test::TestRequest::get()
        .uri(&format!("/api/v1/evaluation-rounds/{round_id}/export.xlsx"))
        .insert_header(("Authorization", format!("Bearer {bureau}")));
    let (status, _, body) = env.call(req).await;
    assert_eq!(status, StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let texts: Vec<String> = sheet
        .used_cells()
        .filter_map(|(_, _, c)| match c {
            calamine::Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(
        texts.iter().any(|c| c.starts_with("'=HYPERLINK(")),
        "{texts:?}"
    );
    let bad: Vec<_> = texts.iter().filter(|c| starts_a_formula(c)).collect();
    assert!(bad.is_empty(), "XLSX cells that run as formulas: {bad:?}");
}
