//! Admission control (edu_lead_api::shed): past the in-flight limit an `/api/` request is
//! answered at once with 503 `overloaded`, a bilingual message and a Retry-After — never
//! queued, never a 500 — while liveness stays answered and a freed place admits again.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test, web};
use edu_lead_api::shed::{self, InFlight};
use serde_json::Value;
use tokio::sync::Notify;

#[actix_web::test]
async fn the_request_over_the_limit_is_shed_with_503_and_retry_after() {
    let release = Arc::new(Notify::new());
    let held = Arc::clone(&release);
    let app = test::init_service(
        App::new()
            .app_data(web::Data::from(InFlight::new(1)))
            .wrap(from_fn(shed::limit))
            .route(
                "/api/v1/slow",
                web::get().to(move || {
                    let held = Arc::clone(&held);
                    async move {
                        held.notified().await;
                        HttpResponse::Ok().finish()
                    }
                }),
            )
            .route("/healthz", web::get().to(HttpResponse::Ok)),
    )
    .await;

    // The first request takes the only place and waits there.
    let first = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/v1/slow").to_request(),
    );
    let second = async {
        // Let the first request enter before the second arrives.
        tokio::task::yield_now().await;
        let shed = test::call_service(
            &app,
            test::TestRequest::get().uri("/api/v1/slow").to_request(),
        )
        .await;
        let status = shed.status();
        let retry_after = shed.headers().get(RETRY_AFTER).cloned();
        let body: Value = test::read_body_json(shed).await;
        let health =
            test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request())
                .await
                .status();
        release.notify_one();
        (status, retry_after, body, health)
    };
    let (first, (status, retry_after, body, health)) = tokio::join!(first, second);

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        retry_after.as_ref().and_then(|v| v.to_str().ok()),
        Some("2"),
        "a shed request says when to retry"
    );
    assert_eq!(body["error"]["code"], "overloaded");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(
        body["error"]["message_zh"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(health, StatusCode::OK, "liveness is never shed");
    assert_eq!(
        first.status(),
        StatusCode::OK,
        "the admitted request completes"
    );

    // Its place is free again.
    release.notify_one();
    let again = test::call_service(
        &app,
        test::TestRequest::get().uri("/api/v1/slow").to_request(),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_limit_is_at_least_one() {
    assert_eq!(InFlight::new(0).limit(), 1);
    assert_eq!(
        InFlight::new(shed::DEFAULT_MAX_IN_FLIGHT).limit(),
        shed::DEFAULT_MAX_IN_FLIGHT
    );
}
