//! Rate limits on `/api/`: per client address and per bearer token, each the generic cell
//! rate algorithm (GCRA, ITU-T I.371: a steady rate and a burst, one instant kept per key).
//! Over either limit the answer is 429 `rate_limited` with the seconds to wait in
//! `Retry-After`; nothing is queued.
//!
//! Written here rather than taken from a crate: actix-governor is GPL-3.0 (this project is
//! Apache-2.0) and governor brings a second major version of hashbrown into the build, for
//! what is a map of instants under a mutex.
//!
//! The token's bucket is keyed by a digest of the whole credential, not by its `sub` claim:
//! the claim is read before the signature is checked, so keying on it would let anyone
//! drain a real user's bucket with forged tokens carrying that user's subject. Liveness,
//! readiness, the console and the docs are never limited.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use edu_domain::{ErrorCode, Problem};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// A steady rate and the burst above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Rate {
    /// `per_second` requests a second with bursts of `burst`; `None` when either is 0 (off).
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        Some(Self {
            per_second: NonZeroU32::new(per_second)?,
            burst: NonZeroU32::new(burst.max(per_second))?,
        })
    }

    fn limiter(self) -> Limiter {
        let interval = Duration::from_secs(1) / self.per_second.get();
        Limiter {
            interval,
            tolerance: interval * (self.burst.get() - 1),
            next: Mutex::new(HashMap::new()),
        }
    }
}

/// GCRA over keys: each key's theoretical arrival time; a request may come when that time is
/// at most `tolerance` (the burst) ahead of now, and moves it on by `interval`.
struct Limiter {
    interval: Duration,
    tolerance: Duration,
    next: Mutex<HashMap<String, Instant>>,
}

impl Limiter {
    /// Ok, or how long until this key may come again.
    fn check(&self, key: String, now: Instant) -> Result<(), Duration> {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let arrival = next.get(&key).copied().unwrap_or(now).max(now);
        let allowed_from = arrival.checked_sub(self.tolerance).unwrap_or(now);
        if allowed_from > now {
            return Err(allowed_from - now);
        }
        next.insert(key, arrival + self.interval);
        Ok(())
    }

    /// Forgets the keys whose bucket is full again (nothing to remember about them).
    fn prune(&self, now: Instant) {
        let mut next = self
            .next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        next.retain(|_, arrival| *arrival > now);
    }
}

/// How often the buckets of clients gone quiet are dropped (every this many checks).
const PRUNE_EVERY: u64 = 4096;

/// The limits of one API instance, shared by its workers.
pub struct RateLimits {
    per_address: Option<Limiter>,
    per_token: Option<Limiter>,
    checks: AtomicU64,
}

impl RateLimits {
    /// Limits per client address and per token; `None` leaves that one off.
    pub fn new(per_address: Option<Rate>, per_token: Option<Rate>) -> Arc<Self> {
        Arc::new(Self {
            per_address: per_address.map(Rate::limiter),
            per_token: per_token.map(Rate::limiter),
            checks: AtomicU64::new(0),
        })
    }

    /// No limits (tests, benchmarks).
    pub fn off() -> Arc<Self> {
        Self::new(None, None)
    }

    /// Whether a request from `address` with `credential` may go on now, or how many
    /// seconds it should wait.
    fn check(&self, address: Option<&str>, credential: Option<&[u8]>) -> Result<(), u64> {
        let now = Instant::now();
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            for limiter in [&self.per_address, &self.per_token].into_iter().flatten() {
                limiter.prune(now);
            }
        }
        let keyed = [
            (&self.per_address, address.map(str::to_owned)),
            (
                &self.per_token,
                credential.map(|c| hex_prefix(&Sha256::digest(c))),
            ),
        ];
        for (limiter, key) in keyed {
            if let (Some(limiter), Some(key)) = (limiter, key)
                && let Err(wait) = limiter.check(key, now)
            {
                return Err(wait.as_secs() + 1);
            }
        }
        Ok(())
    }
}

fn hex_prefix(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The middleware: `/api/` requests over a limit get 429 `rate_limited` with `Retry-After`.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limits = req.app_data::<web::Data<RateLimits>>().cloned();
    let verdict = match &limits {
        Some(limits) if req.path().starts_with("/api/") => {
            let address = req.peer_addr().map(|a| a.ip().to_string());
            let credential = req
                .headers()
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes);
            limits.check(address.as_deref(), credential)
        }
        _ => Ok(()),
    };
    match verdict {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(wait) => {
            let problem = Problem::new(
                ErrorCode::RateLimited,
                format!("too many requests; retry in {wait} s"),
                format!("请求过于频繁,请 {wait} 秒后重试"),
            );
            let mut response = ApiError(problem).error_response();
            if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Rate, RateLimits};

    #[test]
    fn a_burst_then_refusal_per_address_and_per_token_each() {
        let limits = RateLimits::new(Rate::new(1, 3), Rate::new(1, 2));
        // one token from one address: the token's burst of 2 binds first
        assert!(limits.check(Some("10.0.0.1"), Some(b"Bearer a")).is_ok());
        assert!(limits.check(Some("10.0.0.1"), Some(b"Bearer a")).is_ok());
        let wait = limits.check(Some("10.0.0.1"), Some(b"Bearer a"));
        assert!(matches!(wait, Err(s) if (1..=2).contains(&s)), "{wait:?}");
        // another token from the same address: the address has one request of its 3 left
        // (the refused one above counted against it too)
        assert!(limits.check(Some("10.0.0.1"), Some(b"Bearer b")).is_err());
        // another address and token: untouched
        assert!(limits.check(Some("10.0.0.2"), Some(b"Bearer c")).is_ok());
        // off: never refused
        let off = RateLimits::off();
        for _ in 0..100 {
            assert!(off.check(Some("10.0.0.1"), Some(b"Bearer a")).is_ok());
        }
    }
}
