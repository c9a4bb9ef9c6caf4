//! The annual evaluation through the real actix `App` with every service behind it
//! (PostgreSQL, NATS):
//! the bureau's data, a round refused too early (V-03) and opened once per group and year,
//! the scorecard's rotation figure equal to the rotation service's E-08 figure with its
//! drill-down to the postings, value added (V-08) and balance (Q-12, V-17), a failing
//! member's proposed exit that changes nothing until the bureau confirms the persuade-out
//! (X-02, X-01, G-09), and the exports (CSV with BOM, XLSX read back, printable HTML).
//!
//! Over 600 lines because one test follows a whole evaluation year as the bureau lives it:
//! each step reads what the one before wrote, so it is kept in one piece.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use std::io::Cursor;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test;
use calamine::{Data, Reader, Xlsx};
use common::evaluation::{balance, group, members_known, school_data};
use common::{OTHER_REGION, REGION, assert_refusal, env, until, uuid_in};
use edu_domain::Role;
use serde_json::{Value, json};

/// A round is answered 202 and computes in the background: while it computes, its
/// scorecards are neither read nor
/// exported (an export would be an empty file); each is refused 409
/// `evaluation_round_computing`, bilingual.
#[actix_web::test]
async fn a_computing_rounds_scorecards_and_exports_are_refused() {
    let env = env().await;
    let bureau = env.bureau();
    let lead = env.school("计算中一中", "junior", REGION).await;
    let group = env.group("计算中教育集团", "alliance", &lead).await;
    // A round of the region as its opening transaction leaves it, before its computation.
    // Opened "in an hour": the evaluation service resumes left-behind rounds opened before
    // its start, and must not compute this one while the test looks at it.
    let round_id = uuid::Uuid::now_v7();
    env.db
        .execute(&format!(
            "INSERT INTO evaluation.rounds (round_id, region, school_year, as_of, policy_version, \
             opened_by, opened_at, skipped, status) VALUES ('{round_id}', '{REGION}', 2025, \
             '2026-08-31', 0, 'bureau-{REGION}', now() + interval '1 hour', '[]', 'computing')"
        ))
        .await
        .unwrap();
    let (status, round) = env
        .get(&bureau, &format!("/evaluation-rounds/{round_id}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{round}");
    assert_eq!(round["status"], "computing", "{round}");
    for path in [
        format!("/evaluation-rounds/{round_id}/export.csv"),
        format!("/evaluation-rounds/{round_id}/export.xlsx"),
        format!("/evaluation-rounds/{round_id}/groups/{group}/report.html"),
        format!("/evaluation-rounds/{round_id}/groups/{group}"),
    ] {
        // the new group reaches the API's view of groups asynchronously
        let (status, body) = until(
            || env.get(&bureau, &path),
            |_, b| b["error"]["code"] != "not_found",
        )
        .await;
        assert_refusal(
            status,
            &body,
            StatusCode::CONFLICT,
            "evaluation_round_computing",
        );
        assert_eq!(
            body["error"]["details"]["round_id"],
            round_id.to_string(),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn a_round_scores_from_the_records_and_a_failing_members_exit_waits_for_the_bureau() {
    let env = env().await;
    let bureau = env.bureau();
    let g = group(&env, "城关", "junior", "2024-09-01", &["二中", "三中"]).await;
    let young = group(&env, "新区", "junior", "2025-09-01", &[]).await;
    let (falling, rising) = (g.members[0].clone(), g.members[1].clone());
    let office = env.school_token(Role::LeadAdmin, &g.lead);

    // V-03: plaqued 2025-09-01, the group cannot be evaluated for 2025 (as of 2026-08-31)
    let too_early = json!({"school_year": 2025, "group_ids": [young.id]});
    let (status, body) = until(
        || env.post(&bureau, "/evaluation-rounds", too_early.clone()),
        |_, b| b["error"]["code"] != "not_found",
    )
    .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "evaluation_too_early");
    assert_eq!(body["error"]["rule"], "V-03");
    assert_eq!(
        body["error"]["details"]["groups"][0]["eligible_from"],
        "2026-09-01"
    );
    // only the bureau opens rounds
    let (status, body) = env.post(&office, "/evaluation-rounds", too_early).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // E-08: ten eligible lead teachers, one (a county backbone teacher) posted this autumn
    let mut csv = "工号,姓名,岗位,学科,骨干级别,符合交流条件\n".to_owned();
    for i in 1..=9 {
        csv.push_str(&format!("L{i:03},教师{i},学科教师,数学,无,是\n"));
    }
    csv.push_str("L010,骨干,学科教师,语文,县级,是\n");
    let req = test::TestRequest::post()
        .uri(&format!(
            "/api/v1/schools/{}/teachers/import?school_year=2025",
            g.lead
        ))
        .insert_header(("Authorization", format!("Bearer {office}")))
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .set_payload(csv.into_bytes());
    let (status, body) = env.send(req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, teachers) = env
        .get(
            &office,
            &format!("/schools/{}/teachers?school_year=2025&limit=200", g.lead),
        )
        .await;
    let backbone = teachers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["staff_no"] == "L010")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let posting = json!({"teacher_id": backbone, "to_school_id": rising, "kind": "secondment", "host_post": "教务处副主任",
                         "term": {"type": "semester", "school_year": 2025, "semester": "autumn"}});
    let postings = format!("/groups/{}/postings", g.id);
    let (status, p) = until(
        || env.post(&office, &postings, posting.clone()),
        |_, r| common::group_known(r),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let posting_id = p["id"].as_str().unwrap().to_owned();
    let rising_office = env.school_token(Role::MemberAdmin, &rising);
    let (status, body) = env
        .post(
            &rising_office,
            &format!("/postings/{posting_id}/confirm"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // the bureau's data: the lead 80 → 82, one member falls 70 → 65, the other rises 60 → 66
    school_data(&env, &g.lead, 80.0, 82.0, 60).await;
    school_data(&env, &falling, 70.0, 65.0, 40).await;
    school_data(&env, &rising, 60.0, 66.0, 55).await;
    let (status, body) = env
        .put(
            &bureau,
            &format!("/evaluation-data/2025/schools/{falling}"),
            json!({ "quality_score": 120.0 }),
        )
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    let items = json!({"items": [{"dimension": "group_model", "score": 80.0, "evidence": "联盟型章程与挂牌材料"},
                                 {"dimension": "teacher_team", "score": 80.0, "evidence": "x"}]});
    let scored = format!("/evaluation-data/2025/groups/{}/scored-items", g.id);
    let (status, body) = env.put(&bureau, &scored, items).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    let items = json!({"items": [{"dimension": "group_model", "score": 80.0, "evidence": "联盟型章程与挂牌材料"}]});
    let (status, body) = env.put(&bureau, &scored, items).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // wait until the evaluation service's projection knows both members and the posting
    members_known(&env, &g).await;

    // the round, once (Idempotency-Key: a retry answers the first reply)
    let open = json!({"school_year": 2025, "group_ids": [g.id]});
    let req = || {
        test::TestRequest::post()
            .uri("/api/v1/evaluation-rounds")
            .insert_header(("Authorization", format!("Bearer {bureau}")))
            .insert_header(("Idempotency-Key", "round-2025-cg"))
            .set_json(open.clone())
    };
    // it answers at once, computing, with its URL to poll (a province's round takes longer
    // than a request may wait)
    let (status, headers, round) = env.call(req()).await;
    let round: Value = serde_json::from_slice(&round).unwrap();
    assert_eq!(status, StatusCode::ACCEPTED, "{round}");
    assert_eq!(round["as_of"], "2026-08-31");
    assert_eq!(round["group_ids"], json!([g.id]), "{round}");
    let location = headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert_eq!(
        location,
        format!(
            "/api/v1/evaluation-rounds/{}",
            round["id"].as_str().unwrap()
        )
    );
    let (status, again) = env.send(req()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], round["id"]);
    assert_eq!(round["state"], "draft", "{round}");
    // V-03: the draft claims the group for the year; opening again points to it
    let round_id = round["id"].as_str().unwrap().to_owned();
    let (status, body) = env.post(&bureau, "/evaluation-rounds", open.clone()).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "evaluation_draft_exists",
    );
    assert_eq!(body["error"]["details"]["round_id"], round_id.as_str());
    // every group of the region: the young one is skipped, the one in the draft too
    let (status, body) = env
        .post(&bureau, "/evaluation-rounds", json!({"school_year": 2025}))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "evaluation_draft_exists",
    );
    let (status, round) = until(
        || env.get(&bureau, location.trim_start_matches("/api/v1")),
        |_, r| r["status"] != "computing",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{round}");
    assert_eq!(round["status"], "computed", "{round}");
    assert_eq!(round["scorecards"][0]["group_id"], g.id.as_str(), "{round}");
    let card_path = format!("/evaluation-rounds/{round_id}/groups/{}", g.id);
    let (status, card) = env.get(&bureau, &card_path).await;
    assert_eq!(status, StatusCode::OK, "{card}");

    // E-08: the scorecard's rotation figure is the rotation service's figure
    let (status, compliance) = env
        .get(
            &bureau,
            &format!("/groups/{}/rotation?year=2025&as_of=2026-08-31", g.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{compliance}");
    let figure_path = format!("{card_path}/figures/teacher_team.rotation_ratio");
    let (status, figure) = env.get(&bureau, &figure_path).await;
    assert_eq!(status, StatusCode::OK, "{figure}");
    assert_eq!(
        figure["value"], compliance["actual"]["ratio_pct"],
        "{figure}"
    );
    assert_eq!(figure["value"], 10.0);
    assert_eq!(figure["rule"], "E-08");
    // drill-down: the postings behind it
    let sources = figure["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1, "{figure}");
    assert_eq!(sources[0]["kind"], "posting");
    let href = sources[0]["href"].as_str().unwrap();
    assert_eq!(href, format!("/api/v1/postings/{posting_id}"));
    let (status, p) = env.get(&bureau, href.trim_start_matches("/api/v1")).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["teacher_id"], backbone.as_str());
    let (status, _) = env
        .get(&bureau, &format!("{card_path}/figures/no.such"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // V-08: value added per member; V-02: the falling member fails
    let member = |id: &str| {
        card["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["school_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(member(&falling)["value_added"], -5.0, "{card}");
    assert_eq!(member(&falling)["failing"], true);
    assert_eq!(member(&rising)["value_added"], 6.0);
    assert_eq!(member(&rising)["failing"], false);
    let value_added = &card["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dimension"] == "value_added")
        .unwrap()["figures"][0];
    assert_eq!(value_added["value"], 0.5, "{value_added}");
    assert_eq!(value_added["score"], 62.0);
    // drill-down of the figures computed here (a round stores the figures; the records
    // behind them are read on request, as the round read them): the members' school data of
    // both years, and the bureau's scored item with its evidence
    let (status, figure) = env
        .get(&bureau, &format!("{card_path}/figures/value_added.members"))
        .await;
    assert_eq!(status, StatusCode::OK, "{figure}");
    assert_eq!(figure["sources"], value_added["sources"], "{figure}");
    let hrefs: Vec<&str> = figure["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["href"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = [2025, 2024]
        .iter()
        .flat_map(|y| {
            [&falling, &rising]
                .into_iter()
                .map(move |m| format!("/api/v1/evaluation-data/{y}/schools/{m}"))
        })
        .collect();
    let mut got: Vec<String> = hrefs.iter().map(|h| (*h).to_owned()).collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{figure}");
    let (status, figure) = env
        .get(
            &bureau,
            &format!("{card_path}/figures/group_model.bureau_score"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{figure}");
    assert_eq!(figure["sources"][0]["kind"], "scored_item", "{figure}");
    assert_eq!(
        figure["sources"][0]["href"],
        "evidence: 联盟型章程与挂牌材料"
    );
    // 4.0 teachers per 100 students misses 5.3 by more than 15 %; V-17 against 0.45
    let b = &card["balance"];
    assert_eq!(b["stage"], "junior");
    let school = |id: &str| {
        b["schools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["school_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(school(&falling)["passed"], false, "{b}");
    assert_eq!(school(&g.lead)["passed"], true);
    assert_eq!(b["cv"][0]["stage"], "junior");
    assert_eq!(b["cv"][0]["limit"], 0.45);
    assert!(b["cv"][0]["group_cv"].as_f64().unwrap() > 0.0, "{b}");
    assert!(b["cv"][0]["county_cv"].is_number(), "{b}");
    // the grade follows the policy thresholds; the weights sum to 100
    let weights: u64 = card["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["weight"].as_u64().unwrap())
        .sum();
    assert_eq!(weights, 100);
    assert_eq!(card["grade"], "fail", "{card}");

    // the failing member's exit is only proposed; nothing has changed until the bureau
    // decides
    let consequences = card["consequences"].as_array().unwrap();
    let exit = consequences
        .iter()
        .find(|c| c["kind"] == "member_exit")
        .unwrap();
    assert_eq!(exit["school_id"], falling.as_str());
    assert_eq!(exit["status"], "proposed");
    let (_, grp) = env.get(&bureau, &format!("/groups/{}", g.id)).await;
    assert!(
        grp["active_school_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == falling.as_str()),
        "{grp}"
    );
    let decide = |id: &str| format!("{card_path}/consequences/{id}/decision");
    let warning = consequences
        .iter()
        .find(|c| c["kind"] == "warning")
        .unwrap();
    // a draft's consequences are not binding: decided once the round is completed
    let (status, body) = env
        .post(
            &bureau,
            &decide(warning["id"].as_str().unwrap()),
            json!({"confirm": true}),
        )
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "evaluation_round_not_completed",
    );
    assert_eq!(body["error"]["rule"], "X-02");
    let (status, done) = env
        .post(
            &bureau,
            &format!("/evaluation-rounds/{round_id}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "completed", "{done}");
    // V-03: now the group's evaluation of the year exists
    let (status, body) = env.post(&bureau, "/evaluation-rounds", open).await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "evaluation_already_exists",
    );
    assert_eq!(body["error"]["rule"], "V-03");
    let (status, body) = env
        .post(
            &bureau,
            &decide(warning["id"].as_str().unwrap()),
            json!({"confirm": true, "note": "通报"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "confirmed");

    // the bureau confirms the exit and it takes effect, once, with no second step: the
    // school leaves with exit reason `evaluation` and the consequence becomes effective
    let exit_id = exit["id"].as_str().unwrap().to_owned();
    let (status, body) = env
        .post(
            &bureau,
            &decide(&exit_id),
            json!({"confirm": true, "note": "连续考核不合格"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "confirmed");
    let history = format!("/groups/{}/members?include_history=true", g.id);
    let (_, members) = until(
        || env.get(&bureau, &history),
        |_, l| {
            l["members"].as_array().is_some_and(|ms| {
                ms.iter()
                    .any(|m| m["school_id"] == falling.as_str() && !m["left_at"].is_null())
            })
        },
    )
    .await;
    let left = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["school_id"] == falling.as_str())
        .unwrap();
    assert_eq!(left["exit_reason"], "evaluation", "{members}");
    assert_eq!(members["group"]["active_members"], 1, "{members}");
    // deciding it again changes nothing
    let (status, body) = env
        .post(&bureau, &decide(&exit_id), json!({"confirm": true}))
        .await;
    assert_refusal(
        status,
        &body,
        StatusCode::CONFLICT,
        "consequence_state_invalid",
    );
    let (_, card) = until(
        || env.get(&bureau, &card_path),
        |_, c| {
            c["consequences"]
                .as_array()
                .is_some_and(|cs| cs.iter().any(|c| c["status"] == "effective"))
        },
    )
    .await;
    let exit = card["consequences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "member_exit")
        .unwrap();
    assert_eq!(exit["status"], "effective", "{card}");

    // exports: CSV with a BOM, XLSX that reads back, printable HTML with SVG
    let export = |ext: &str| {
        test::TestRequest::get()
            .uri(&format!(
                "/api/v1/evaluation-rounds/{round_id}/export.{ext}"
            ))
            .insert_header(("Authorization", format!("Bearer {bureau}")))
    };
    let (status, headers, body) = env.call(export("csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(body.starts_with("\u{feff}".as_bytes()));
    let text = std::str::from_utf8(&body).unwrap();
    assert!(text.contains("总分") && text.contains("不合格"), "{text}");
    // names where people read, the group's id only in its own column
    let mut rows = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "城关教育集团");
    assert_eq!(&row[1], g.id.as_str());
    assert_eq!(&row[2], "太康县");
    assert_eq!(&row[3], "2025—2026学年");
    let shown: Vec<&str> = row
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, c)| c)
        .collect();
    let shown = shown.join(",");
    assert_eq!(uuid_in(&shown), None, "an id where a name belongs: {shown}");
    assert!(
        shown.contains("城关二中") && shown.contains("城关三中"),
        "{shown}"
    );
    assert!(shown.contains("成员校退出·已生效 城关二中"), "{shown}");
    assert!(
        !shown.contains("member_exit") && !shown.contains("effective"),
        "{shown}"
    );
    let (status, _, body) = env.call(export("xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(body.to_vec())).unwrap();
    let sheet = book.worksheet_range("2025考核").unwrap();
    assert_eq!(
        sheet.get_value((0, 4)),
        Some(&Data::String("总分 total".into()))
    );
    assert_eq!(
        sheet.get_value((1, 0)),
        Some(&Data::String("城关教育集团".into()))
    );
    assert_eq!(sheet.get_value((1, 1)), Some(&Data::String(g.id.clone())));
    assert_eq!(
        sheet.get_value((1, 2)),
        Some(&Data::String("太康县".into()))
    );
    assert_eq!(
        sheet.get_value((1, 4)),
        Some(&Data::Float(card["total"].as_f64().unwrap()))
    );
    assert_eq!(
        sheet.get_value((1, 5)),
        Some(&Data::String("不合格".into()))
    );
    // the printed report names the group, its schools, the county, the year and the
    // person who opened the round (the reader's token names them)
    let named = env.named_token(Role::Bureau, None, "bureau-411627", "太康县教育局 李明");
    let (status, headers, body) = env
        .call(
            test::TestRequest::get()
                .uri(&format!("/api/v1{card_path}/report.html"))
                .insert_header(("Authorization", format!("Bearer {named}"))),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = std::str::from_utf8(&body).unwrap();
    common::assert_print_style_allowed(&headers, html);
    assert!(html.contains("<svg") && html.contains("不合格"), "{html}");
    for name in [
        "城关教育集团",
        "城关一中",
        "城关二中",
        "城关三中",
        "太康县",
        "2025—2026学年",
        "开启 太康县教育局 李明",
        "成员校退出·已生效",
    ] {
        assert!(html.contains(name), "{name} in {html}");
    }
    assert_eq!(uuid_in(html), None, "an id where a name belongs: {html}");
    assert!(
        !html.contains("bureau-411627") && !html.contains("member_exit"),
        "{html}"
    );

    // scope: another region's bureau does not see the round; a member school sees its
    // group's scorecard, not the round
    let other = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env
        .get(&other, &format!("/evaluation-rounds/{round_id}"))
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(env.get(&rising_office, &card_path).await.0, StatusCode::OK);
    let (status, _) = env
        .get(&rising_office, &format!("/evaluation-rounds/{round_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, data) = env
        .get(&bureau, &format!("/evaluation-data/2025/schools/{rising}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{data}");
    assert_eq!(data["quality_score"], 66.0);
}

/// V-17, Q-12, RULES.md §8.12 and invariant 23 through the API: a group of five primary
/// schools with 45, 37, 89, 76 and 55 pupils and 279, 137, 935, 160 and 402 of a resource
/// (here the equipment value, indicator 6, whose per-pupil figure plays the method's books
/// per pupil) is judged by the enrolment-weighted CV, 0.515: over the primary line 0.50,
/// where the unweighted 0.489 would pass. A CV without data (a group of one school) has no
/// verdict, rather than a pass.
#[actix_web::test]
async fn v17_q12_s8_12_a_group_is_judged_by_the_enrolment_weighted_cv() {
    let env = env().await;
    let bureau = env.bureau();
    let g = group(
        &env,
        "均衡",
        "primary",
        "2024-09-01",
        &["二小", "三小", "四小", "五小"],
    )
    .await;
    let lone = group(&env, "独校", "junior", "2024-09-01", &[]).await;
    let schools: Vec<&String> = std::iter::once(&g.lead).chain(&g.members).collect();
    for (school, (pupils, figure)) in schools.iter().zip([
        (45, 279.0),
        (37, 137.0),
        (89, 935.0),
        (76, 160.0),
        (55, 402.0),
    ]) {
        let balance = json!({"enrolment": pupils, "teachers_above_degree": 3, "backbone_teachers": 1,
                             "pe_art_teachers": 1, "teaching_area_m2": 300.0, "sports_area_m2": 500.0,
                             "equipment_value_yuan": figure, "multimedia_rooms": 1});
        let (status, body) = env
            .put(
                &bureau,
                &format!("/evaluation-data/2025/schools/{school}"),
                json!({ "balance": balance }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["stage"], "primary", "{body}");
    }
    let (status, body) = env
        .put(
            &bureau,
            &format!("/evaluation-data/2025/schools/{}", lone.lead),
            json!({ "balance": balance(1000, 60) }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    members_known(&env, &g).await;
    let open = json!({"school_year": 2025, "group_ids": [g.id, lone.id]});
    let (status, round) = until(
        || env.post(&bureau, "/evaluation-rounds", open.clone()),
        |_, b| b["error"]["code"] != "not_found",
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{round}");
    let round_id = round["id"].as_str().unwrap().to_owned();
    let round_path = format!("/evaluation-rounds/{round_id}");
    let (_, round) = until(
        || env.get(&bureau, &round_path),
        |_, r| r["status"] != "computing",
    )
    .await;
    assert_eq!(round["status"], "computed", "{round}");

    let card_path = format!("/evaluation-rounds/{round_id}/groups/{}", g.id);
    let (status, card) = env.get(&bureau, &card_path).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    let cv = card["balance"]["cv"].as_array().unwrap();
    assert_eq!(cv.len(), 7, "one stage, seven indicators: {cv:?}");
    let equipment = cv.iter().find(|c| c["key"] == "equipment_value").unwrap();
    assert_eq!(equipment["stage"], "primary", "{equipment}");
    assert_eq!(equipment["limit"], 0.5, "{equipment}");
    assert_eq!(equipment["group_cv"], 0.515, "{equipment}");
    assert_eq!(equipment["group_within"], false, "{equipment}");
    // the county's primary schools with data are these five: the same weighted figure
    assert_eq!(equipment["county_cv"], 0.515, "{equipment}");
    assert_eq!(equipment["county_within"], false, "{equipment}");
    // no posting runs: the figure with postings is the same
    assert_eq!(equipment["group_cv_with_postings"], 0.515, "{equipment}");

    // a group of one school has no CV, and no verdict: not a pass
    let (status, card) = env
        .get(
            &bureau,
            &format!("/evaluation-rounds/{round_id}/groups/{}", lone.id),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{card}");
    let cv = card["balance"]["cv"].as_array().unwrap();
    assert_eq!(cv.len(), 7, "{cv:?}");
    assert!(
        cv.iter().all(|c| c["stage"] == "junior"
            && c["group_cv"].is_null()
            && c["group_within"].is_null()),
        "{cv:?}"
    );

    // the printed report shows the weighted figure per stage, and no data as such
    let report = |path: String| {
        test::TestRequest::get()
            .uri(&format!("/api/v1{path}/report.html"))
            .insert_header(("Authorization", format!("Bearer {bureau}")))
    };
    let (status, _, body) = env.call(report(card_path)).await;
    assert_eq!(status, StatusCode::OK);
    let html = std::str::from_utf8(&body).unwrap();
    assert!(
        html.contains("校际加权差异系数") && html.contains("小学") && html.contains(">51.5<"),
        "{html}"
    );
    let (status, _, body) = env
        .call(report(format!(
            "/evaluation-rounds/{round_id}/groups/{}",
            lone.id
        )))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = std::str::from_utf8(&body).unwrap();
    assert!(html.contains("初中") && html.contains("无数据"), "{html}");
}
