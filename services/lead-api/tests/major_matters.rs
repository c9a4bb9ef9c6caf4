//! Member schools' major matters (成员学校重大事项) through the real actix `App`, against the
//! real membership and council services, PostgreSQL and NATS. G-09: "成员学校重大事项由集团
//! 理事会集体决策" — a matter is recorded only with the council's decision about that school,
//! by the lead office or the school's own office, and the quarter's report lists it (G-08).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::StatusCode;
use actix_web::test;
use chrono::{Datelike, Utc};
use common::{OTHER_REGION, REGION, assert_refusal, env};
use edu_domain::Role;
use serde_json::{Value, json};

fn matter(school: &str, decision: Option<&str>) -> Value {
    json!({
        "school_id": school, "kind": "principal_appointment_or_removal",
        "title": "任命李明为二中校长", "description": "经理事会审议通过",
        "effective_on": "2026-03-16", "decision_id": decision,
    })
}

/// A G-09 refusal through HTTP: 409 `council_decision_required`, the rule, both messages and
/// what is missing.
fn assert_g09(status: StatusCode, body: &Value, missing: &str) {
    assert_refusal(
        status,
        body,
        StatusCode::CONFLICT,
        "council_decision_required",
    );
    assert_eq!(body["error"]["rule"], "G-09", "{body}");
    assert_eq!(body["error"]["details"]["missing"], missing, "{body}");
}

#[actix_web::test]
async fn g09_member_major_matters_need_the_councils_decision_and_reach_the_quarters_report() {
    let env = env().await;
    let bureau = env.bureau();
    let (id, lead, members) = env.alliance_of("一中", &["二中", "三中"]).await;
    let (ours, theirs) = (members[0].as_str(), members[1].as_str());
    // the council decides 二中's major matter (G-09) on 2026-03-12, and nothing about 三中
    let decision = env
        .council_meeting(&id, &lead, 2, "2026-03-12", Some(ours))
        .await
        .unwrap();
    let office = env.school_token(Role::LeadAdmin, &lead);
    let our_office = env.school_token(Role::MemberAdmin, ours);
    let their_office = env.school_token(Role::MemberAdmin, theirs);
    let path = format!("/groups/{id}/major-matters");

    // G-09: no decision cited, or the decision about another school: refused
    let (status, body) = env.post(&office, &path, matter(ours, None)).await;
    assert_g09(status, &body, "decision_cited");
    assert_eq!(
        body["error"]["details"]["needed"]["category"],
        "member_major_matter"
    );
    let (status, body) = env
        .post(&office, &path, matter(theirs, Some(&decision)))
        .await;
    assert_g09(status, &body, "same_school");
    // the lead school's own matters are not member major matters
    let (status, body) = env
        .post(&office, &path, matter(&lead, Some(&decision)))
        .await;
    assert_refusal(status, &body, StatusCode::CONFLICT, "not_a_member");
    assert_eq!(body["error"]["rule"], "G-09");

    // who records: not the bureau, not another member's office
    let (status, body) = env
        .post(&bureau, &path, matter(ours, Some(&decision)))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = env
        .post(&their_office, &path, matter(ours, Some(&decision)))
        .await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // the school's own office records it, with the council's decision; a retry with the
    // same key answers the same matter
    let req = || {
        test::TestRequest::post()
            .uri(&format!("/api/v1{path}"))
            .insert_header(("Authorization", format!("Bearer {our_office}")))
            .insert_header(("Idempotency-Key", "major-matter-2026-03"))
            .set_json(matter(ours, Some(&decision)))
    };
    let (status, recorded) = env.send(req()).await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(recorded["school_name"], "二中");
    assert_eq!(recorded["decision_id"], decision.as_str());
    assert_eq!(recorded["decision_title"], "劝退该成员学校");
    assert_eq!(recorded["decided_on"], "2026-03-12");
    let (status, again) = env.send(req()).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], recorded["id"]);
    // the lead office records another of 二中's matters on the same decision
    let budget = json!({"school_id": ours, "kind": "other", "title": "校服采购",
        "description": "统一采购校服,经费 30 万元", "effective_on": "2026-04-01", "decision_id": decision});
    let (status, body) = env.post(&office, &path, budget).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // whoever sees the group lists them, newest first; another county does not see it
    for token in [
        &bureau,
        &env.token(Role::Auditor, REGION, None),
        &office,
        &their_office,
    ] {
        let (status, page) = env.get(token, &format!("{path}?school_id={ours}")).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["total"], 2, "{page}");
        assert_eq!(page["items"][0]["title"], "校服采购");
    }
    let (status, page) = env
        .get(&office, &format!("{path}?school_id={theirs}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 0);
    let (status, page) = env.get(&office, &format!("{path}?limit=1")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        (
            page["total"].as_i64(),
            page["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    let far = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env.get(&far, &path).await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");

    // G-08: this quarter's report lists the matters recorded in it, in its JSON and in print
    let today = Utc::now().date_naive();
    let quarter = format!("{}-Q{}", today.year(), today.month0() / 3 + 1);
    let rpath = format!("/groups/{id}/reports/{quarter}");
    let (status, report) = env.get(&bureau, &rpath).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let titles: Vec<&str> = report["major_matters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["任命李明为二中校长", "校服采购"], "{report}");
    assert_eq!(report["major_matters"][0]["decision_id"], decision.as_str());
    let req = test::TestRequest::get()
        .uri(&format!("/api/v1{rpath}/print"))
        .insert_header(("Authorization", format!("Bearer {bureau}")));
    let (status, _, html) = env.call(req).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(html.to_vec()).unwrap();
    assert!(html.contains("成员学校重大事项"), "{html}");
    assert!(html.contains("任命李明为二中校长"), "{html}");
    assert!(
        html.contains("校长任免") && html.contains("劝退该成员学校"),
        "{html}"
    );
    // the decision's quarter (2026-Q1) is long over: its report has the decision, not the
    // matters (they were recorded later)
    let (status, q1) = env
        .get(&bureau, &format!("/groups/{id}/reports/2026-Q1"))
        .await;
    assert_eq!(status, StatusCode::OK, "{q1}");
    assert!(
        q1["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == decision.as_str()),
        "{q1}"
    );
    if quarter != "2026-Q1" {
        assert_eq!(q1["major_matters"], json!([]), "{q1}");
    }
}
