//! Admission control: the API serves a bounded number of `/api/` requests at a time, lets a
//! bounded number more wait a moment for a place, and answers the rest at once with 503
//! `overloaded` and a `Retry-After`, instead of queueing everything behind the services'
//! connection pools until the bus times out (load benchmarks: overload at 4 × the
//! knee keeps its throughput and sheds the excess, never a 500).
//!
//! The short wait absorbs a burst that the services clear within milliseconds; shedding it
//! would make clients that ignore `Retry-After` come straight back, and answering them costs
//! the CPU the admitted requests need. So the queue is several times the places
//! ([`DEFAULT_QUEUE_PER_PLACE`]): at 4 × the connections where throughput levels off (64 on
//! the benchmark machine), every request still gets a place within the wait, while a waiting
//! request holds no pooled connection, only its small future.
//!
//! The count is shared by every HTTP worker (one [`InFlight`] in the application's data);
//! liveness, readiness, the console and the docs are never refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use edu_domain::{ErrorCode, Problem};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ApiError, RETRY_AFTER_SECS};

/// Requests served at once by default: eight per connection of a service's pool at its
/// default size of 8. Each API request holds at most one pooled connection in one service,
/// so more in flight than this only waits in the pools' queues (see deploy/bench/load.sh).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// How long a request over the limit may wait for a place before it is shed.
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_millis(250);
/// Requests that may wait for a place, per place.
pub const DEFAULT_QUEUE_PER_PLACE: usize = 4;

/// The `/api/` requests in progress, those waiting for a place, and how many of each are
/// allowed.
#[derive(Debug)]
pub struct InFlight {
    limit: usize,
    queue: usize,
    places: Arc<Semaphore>,
    waiting: AtomicUsize,
    wait: Duration,
}

impl InFlight {
    /// At most `limit` requests at a time (at least one), [`DEFAULT_QUEUE_PER_PLACE`] times as
    /// many more waiting up to [`DEFAULT_QUEUE_WAIT`].
    pub fn new(limit: usize) -> Arc<Self> {
        let limit = limit.max(1);
        Self::with_queue(limit, DEFAULT_QUEUE_PER_PLACE * limit, DEFAULT_QUEUE_WAIT)
    }

    /// At most `limit` requests at a time (at least one), `queue` more waiting up to `wait`.
    pub fn with_queue(limit: usize, queue: usize, wait: Duration) -> Arc<Self> {
        let limit = limit.max(1);
        Arc::new(Self {
            limit,
            queue,
            places: Arc::new(Semaphore::new(limit)),
            waiting: AtomicUsize::new(0),
            wait,
        })
    }

    /// The most served at once.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The most waiting for a place.
    pub fn queue(&self) -> usize {
        self.queue
    }

    /// A place now, or after waiting in the bounded queue; `None`: shed.
    async fn enter(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(place) = Arc::clone(&self.places).try_acquire_owned() {
            return Some(place);
        }
        self.waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.queue).then_some(n + 1)
            })
            .ok()?;
        let _queued = Waiting(&self.waiting);
        tokio::time::timeout(self.wait, Arc::clone(&self.places).acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

/// One waiting request; leaving its scope (admitted, timed out or cancelled) frees its
/// place in the queue.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The refusal of a request over the limit: 503 `overloaded`, with when to retry.
fn overloaded(limit: usize, queue: usize) -> actix_web::HttpResponse {
    let problem = Problem::new(
        ErrorCode::Overloaded,
        format!(
            "the API is serving as many requests as it admits ({limit}) and {queue} more are waiting; please retry shortly"
        ),
        format!("系统繁忙(处理中的请求已达上限 {limit},排队中的已达 {queue}),请稍后重试"),
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
    match in_flight.enter().await {
        Some(_admitted) => Ok(next.call(req).await?.map_into_left_body()),
        None => Ok(req
            .into_response(overloaded(in_flight.limit(), in_flight.queue()))
            .map_into_right_body()),
    }
}
