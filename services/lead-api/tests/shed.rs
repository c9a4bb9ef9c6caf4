//! Admission control (edu_lead_api::shed): past the in-flight limit an `/api/` request
//! waits a moment for a place; past the queue, or after the wait, it is answered with 503
//! `overloaded`, a bilingual message and a Retry-After — never a 500 — while liveness stays
//! answered and a freed place admits the one waiting.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test, web};
use edu_lead_api::shed::{self, InFlight};
use serde_json::Value;
use tokio::sync::Semaphore;

/// An app whose `/api/v1/slow` answers once `gate` has a permit, behind `in_flight`.
fn app(
    in_flight: Arc<InFlight>,
    gate: Arc<Semaphore>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(web::Data::from(in_flight))
        .wrap(from_fn(shed::limit))
        .route(
            "/api/v1/slow",
            web::get().to(move || {
                let gate = Arc::clone(&gate);
                async move {
                    let _open = gate.acquire().await;
                    HttpResponse::Ok().finish()
                }
            }),
        )
        .route("/healthz", web::get().to(HttpResponse::Ok))
}

fn slow() -> test::TestRequest {
    test::TestRequest::get().uri("/api/v1/slow")
}

/// Status, Retry-After and body of a shed request.
async fn refusal(
    response: ServiceResponse<impl MessageBody>,
) -> (StatusCode, Option<String>, Value) {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry_after, test::read_body_json(response).await)
}

fn assert_shed((status, retry_after, body): &(StatusCode, Option<String>, Value)) {
    assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        retry_after.as_deref(),
        Some("2"),
        "a shed request says when to retry"
    );
    assert_eq!(body["error"]["code"], "overloaded");
    for message in ["message", "message_zh"] {
        assert!(
            body["error"][message]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[actix_web::test]
async fn one_request_waits_for_a_place_and_the_next_is_shed_with_503_and_retry_after() {
    let gate = Arc::new(Semaphore::new(0));
    let app = test::init_service(app(
        InFlight::with_queue(1, 1, Duration::from_secs(10)),
        Arc::clone(&gate),
    ))
    .await;

    // The first request takes the only place and stays; the second waits for it; the
    // third finds the queue full (join! polls them in this order).
    let first = test::call_service(&app, slow().to_request());
    let second = test::call_service(&app, slow().to_request());
    let third = async {
        tokio::task::yield_now().await;
        let shed = refusal(test::call_service(&app, slow().to_request()).await).await;
        let health =
            test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request())
                .await
                .status();
        gate.add_permits(1);
        (shed, health)
    };
    let (first, second, (shed, health)) = tokio::join!(first, second, third);

    assert_shed(&shed);
    assert_eq!(health, StatusCode::OK, "liveness is never shed");
    assert_eq!(
        first.status(),
        StatusCode::OK,
        "the admitted request completes"
    );
    assert_eq!(
        second.status(),
        StatusCode::OK,
        "the waiting request got the freed place"
    );
    // Places and queue are free again.
    assert_eq!(
        test::call_service(&app, slow().to_request()).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_request_that_waits_too_long_is_shed() {
    let gate = Arc::new(Semaphore::new(0));
    let app = test::init_service(app(
        InFlight::with_queue(1, 1, Duration::from_millis(50)),
        Arc::clone(&gate),
    ))
    .await;
    let first = test::call_service(&app, slow().to_request());
    let second = async {
        let shed = refusal(test::call_service(&app, slow().to_request()).await).await;
        gate.add_permits(1);
        shed
    };
    let (first, shed) = tokio::join!(first, second);
    assert_shed(&shed);
    assert_eq!(first.status(), StatusCode::OK);
}

#[actix_web::test]
async fn the_limit_is_at_least_one_and_the_queue_a_multiple_of_it() {
    assert_eq!(InFlight::new(0).limit(), 1);
    let default = InFlight::new(shed::DEFAULT_MAX_IN_FLIGHT);
    assert_eq!(default.limit(), shed::DEFAULT_MAX_IN_FLIGHT);
    assert_eq!(
        default.queue(),
        shed::DEFAULT_QUEUE_PER_PLACE * shed::DEFAULT_MAX_IN_FLIGHT
    );
}

#[actix_web::test]
async fn the_queue_holds_several_requests_per_place() {
    let gate = Arc::new(Semaphore::new(0));
    let app = test::init_service(app(
        InFlight::with_queue(1, 3, Duration::from_secs(10)),
        Arc::clone(&gate),
    ))
    .await;
    // One served, three waiting, the fifth shed; then all four complete in turn.
    let served =
        futures::future::join_all((0..4).map(|_| test::call_service(&app, slow().to_request())));
    let fifth = async {
        tokio::task::yield_now().await;
        let shed = refusal(test::call_service(&app, slow().to_request()).await).await;
        gate.add_permits(4);
        shed
    };
    let (served, shed) = tokio::join!(served, fifth);
    assert_shed(&shed);
    assert!(served.iter().all(|r| r.status() == StatusCode::OK));
}
