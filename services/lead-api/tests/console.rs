//! The console's own routes through the real `App` (its pages are tested in a browser by
//! `e2e/`): the page and its assets, the development tokens (none unless `edugroup up`
//! offers them), and the rotation chart.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use common::{assert_refusal, env};

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
        ("/console/postings.js", "text/javascript"),
        ("/console/council.js", "text/javascript"),
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
