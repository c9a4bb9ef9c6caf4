//! The console's own routes through the real `App` (its pages are tested in a browser by
//! `e2e/`): the page and its assets, the development tokens (none unless `edugroup-dev up`
//! offers them), the rotation chart, and the policy every role of the region reads (the
//! posting planner offers only the kinds it enables).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use common::{OTHER_REGION, REGION, assert_refusal, env};
use edu_domain::Role;

fn text(body: &[u8]) -> String {
    String::from_utf8(body.to_vec()).unwrap()
}

#[actix_web::test]
async fn serves_the_page_its_assets_and_no_dev_tokens_by_default() {
    let env = env().await;
    let (status, headers, body) = env.call(test::TestRequest::get().uri("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = text(&body);
    assert!(page.contains(r#"<html lang="zh-CN">"#));
    assert!(page.contains("/console/app.js"));
    assert!(page.contains("/console/history.js"));

    for (path, kind) in [
        ("/console/app.js", "text/javascript"),
        ("/console/history.js", "text/javascript"),
        ("/console/forms.js", "text/javascript"),
        ("/console/names.js", "text/javascript"),
        ("/console/teacher.js", "text/javascript"),
        ("/console/postings.js", "text/javascript"),
        ("/console/council.js", "text/javascript"),
        ("/console/charter.js", "text/javascript"),
        ("/console/evaluation.js", "text/javascript"),
        ("/console/consent.js", "text/javascript"),
        ("/console/library.js", "text/javascript"),
        ("/console/todo.js", "text/javascript"),
        ("/console/lists.js", "text/javascript"),
        ("/console/rules.js", "text/javascript"),
        ("/console/app.css", "text/css"),
    ] {
        assert!(page.contains(path), "{path} not loaded by the page");
        let (status, headers, body) = env.call(test::TestRequest::get().uri(path)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers
                .get(header::CONTENT_TYPE)
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(kind)
        );
        assert!(!body.is_empty());
    }

    let (status, body) = env
        .send(test::TestRequest::get().uri("/console/nothing.js"))
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");

    // an API instance that was not given demo tokens (production) offers none
    let (status, body) = env
        .send(test::TestRequest::get().uri("/console/dev-tokens"))
        .await;
    assert_refusal(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("令牌")
    );
}

#[actix_web::test]
async fn draws_the_rotation_chart_and_refuses_what_is_not_a_percentage() {
    let env = env().await;
    let uri = "/console/charts/rotation.svg?ratio=4.5&ratio_forecast=12&ratio_min=10\
               &share=0&share_forecast=25&share_min=20&lang=en";
    let (status, headers, body) = env.call(test::TestRequest::get().uri(uri)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    let svg = text(&body);
    assert!(svg.starts_with("<svg") && svg.contains("4.5%") && svg.contains("minimum 20%"));

    let bad = "/console/charts/rotation.svg?ratio=140&ratio_forecast=12&ratio_min=10\
               &share=0&share_forecast=25&share_min=20";
    let (status, body) = env.send(test::TestRequest::get().uri(bad)).await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "ratio");

    let (status, body) = env
        .send(test::TestRequest::get().uri("/console/charts/rotation.svg?ratio=1"))
        .await;
    assert_refusal(status, &body, StatusCode::BAD_REQUEST, "validation_failed");
}

#[actix_web::test]
async fn every_role_of_the_region_reads_its_policy_and_no_other_regions() {
    let env = env().await;
    let lead = env.school("政策一中", "junior", REGION).await;
    let path = format!("/regions/{REGION}/policy");
    for role in [Role::LeadAdmin, Role::MemberAdmin, Role::Teacher] {
        let (status, body) = env.get(&env.school_token(role, &lead), &path).await;
        assert_eq!(status, StatusCode::OK, "{role:?}: {body}");
        assert_eq!(body["current"]["policy"]["support_postings"], false);
    }
    let auditor = env.token(Role::Auditor, REGION, None);
    let (status, body) = env.get(&auditor, &path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let other = env.token(Role::Bureau, OTHER_REGION, None);
    let (status, body) = env.get(&other, &path).await;
    assert_refusal(status, &body, StatusCode::FORBIDDEN, "forbidden");
}
