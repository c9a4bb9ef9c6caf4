//! The HTTP answers a browser or a script meets before any rule: the security headers on
//! every response (the console, the API, a refusal), and the rate limits per token and per
//! client address with 429 `rate_limited` and `Retry-After`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod common;

use actix_web::http::{StatusCode, header};
use actix_web::test;
use common::env_with;
use edu_lead_api::ratelimit::{Rate, RateLimits};

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let env = env_with(|state| state.with_hsts(true)).await;
    for (path, token) in [
        ("/", None),
        ("/console/app.js", None),
        ("/api/v1/groups", None),
        ("/api/v1/groups", Some(env.bureau())),
        ("/api/v1/nothing-here", Some(env.bureau())),
    ] {
        let mut req = test::TestRequest::get().uri(path);
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let (_, headers, _) = env.call(req).await;
        let csp = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(
            headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        assert_eq!(headers.get(header::REFERRER_POLICY).unwrap(), "no-referrer");
        assert!(
            headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "{path}"
        );
    }
    // without TLS configured, no HSTS
    let plain = common::env().await;
    let (_, headers, _) = plain.call(test::TestRequest::get().uri("/")).await;
    assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
}

#[actix_web::test]
async fn a_token_over_its_rate_gets_429_with_retry_after_and_others_go_on() {
    let env =
        env_with(|state| state.with_rate_limits(RateLimits::new(None, Rate::new(1, 3)))).await;
    let busy = env.bureau();
    for _ in 0..3 {
        assert_eq!(env.get(&busy, "/groups").await.0, StatusCode::OK);
    }
    let req = test::TestRequest::get()
        .uri("/api/v1/groups")
        .insert_header(("Authorization", format!("Bearer {busy}")));
    let (status, headers, body) = env.call(req).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=2).contains(&wait), "{wait}");
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("请求过于频繁")
    );
    // another token is not held back; nor are the console and liveness
    let other = env.token(edu_domain::Role::Auditor, common::REGION, None);
    assert_eq!(env.get(&other, "/groups").await.0, StatusCode::OK);
    let (status, _, _) = env.call(test::TestRequest::get().uri("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
}

#[actix_web::test]
async fn a_client_address_over_its_rate_gets_429_whatever_token_it_sends() {
    let env =
        env_with(|state| state.with_rate_limits(RateLimits::new(Rate::new(1, 2), None))).await;
    let from = "203.0.113.7:40000".parse().unwrap();
    let call = |token: String| {
        env.call(
            test::TestRequest::get()
                .uri("/api/v1/groups")
                .peer_addr(from)
                .insert_header(("Authorization", format!("Bearer {token}"))),
        )
    };
    assert_eq!(call(env.bureau()).await.0, StatusCode::OK);
    assert_eq!(call(env.bureau()).await.0, StatusCode::OK);
    let other = env.token(edu_domain::Role::Auditor, common::REGION, None);
    assert_eq!(call(other).await.0, StatusCode::TOO_MANY_REQUESTS);
}
