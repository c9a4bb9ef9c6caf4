//! Admission control: the API admits at most a bounded number of `/api/` requests at a time
//! and answers the excess at once with 503 `overloaded` and a `Retry-After`, instead of
//! queueing it behind the services' connection pools until the bus times out (issue 9,
//! load benchmarks: overload at 4 × the knee sheds the excess, never a 500).
//!
//! The count is shared by every HTTP worker (one [`InFlight`] in the application's data);
//! liveness, readiness, the console and the docs are never refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use edu_domain::{ErrorCode, Problem};

use crate::error::{ApiError, RETRY_AFTER_SECS};

/// Requests admitted at once by default: eight per connection of a service's pool at its
/// default size of 8. Each API request holds at most one pooled connection in one service,
/// so more in flight than this only waits in the pools' queues (see deploy/bench/load.sh).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

/// The number of `/api/` requests in progress and how many are admitted.
#[derive(Debug)]
pub struct InFlight {
    limit: usize,
    now: AtomicUsize,
}

impl InFlight {
    /// At most `limit` requests at a time (at least one).
    pub fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit: limit.max(1),
            now: AtomicUsize::new(0),
        })
    }

    /// The most admitted at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    fn enter(self: &Arc<Self>) -> Option<Admitted> {
        self.now
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Admitted(Arc::clone(self)))
    }
}

/// One admitted request; leaving its scope frees its place.
struct Admitted(Arc<InFlight>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The refusal of a request over the limit: 503 `overloaded`, with when to retry.
fn overloaded(limit: usize) -> actix_web::HttpResponse {
    let problem = Problem::new(
        ErrorCode::Overloaded,
        format!("the API is serving as many requests as it admits ({limit}); please retry shortly"),
        format!("系统繁忙(同时处理的请求已达上限 {limit}),请稍后重试"),
    );
    let mut response = ApiError(problem).error_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    response
}

/// The middleware (`actix_web::middleware::from_fn(shed::limit)`): counts `/api/` requests
/// against the [`InFlight`] in the application's data; without one it admits everything.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let in_flight = match req.app_data::<web::Data<InFlight>>() {
        Some(in_flight) if req.path().starts_with("/api/") => in_flight.clone().into_inner(),
        _ => return Ok(next.call(req).await?.map_into_left_body()),
    };
    match in_flight.enter() {
        Some(_admitted) => Ok(next.call(req).await?.map_into_left_body()),
        None => Ok(req
            .into_response(overloaded(in_flight.limit()))
            .map_into_right_body()),
    }
}
