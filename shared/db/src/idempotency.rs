//! Idempotency keys (DESIGN.md: "a retry with the same key returns the first result, never
//! a second row"). Inside the creating transaction the service first [`claim`]s the key:
//! the insert either takes it (and other transactions with the same key wait on the unique
//! index until this one commits or rolls back), or finds it already taken and returns the
//! stored reply. After the work the service [`complete`]s it with the reply. A refusal rolls
//! the claim back with everything else, so a retry after a refusal is judged afresh.

use std::future::Future;

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use edu_domain::{ErrorCode, Problem};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::schema::idempotency_keys::dsl as k;

/// Keys are 1..=128 visible ASCII characters (a UUID is typical).
pub fn validate_key(key: &str) -> Result<(), Problem> {
    if !key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(Problem::validation(
            "Idempotency-Key",
            "Idempotency-Key must be 1 to 128 visible ASCII characters",
            "Idempotency-Key 必须是 1 到 128 个可见 ASCII 字符",
        ))
    }
}

/// What identifies "the same request": who sent it and what it said.
pub fn fingerprint<T: Serialize>(actor_sub: &str, body: &T) -> String {
    let mut h = Sha256::new();
    h.update(actor_sub.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(body).unwrap_or_default());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The outcome of claiming a key.
pub enum Claim<T> {
    /// The key is ours: do the work, then [`complete`].
    Fresh,
    /// The key was used before for this same request: return its reply.
    Replay(T),
}

/// Errors of [`claim`]: the database, or a key reused for a different request.
#[derive(Debug)]
pub enum ClaimError {
    Db(diesel::result::Error),
    Reused,
}

impl From<diesel::result::Error> for ClaimError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

impl ClaimError {
    /// The refusal for a reused key.
    pub fn reused_problem() -> Problem {
        Problem::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used for a different request",
            "该 Idempotency-Key 已用于另一个不同的请求",
        )
    }
}

/// Claims `key` for `operation` inside the current transaction.
pub async fn claim<T: DeserializeOwned>(
    mut conn: &AsyncPgConnection,
    operation: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Claim<T>, ClaimError> {
    let inserted = diesel::insert_into(k::idempotency_keys)
        .values((
            k::operation.eq(operation),
            k::key.eq(key),
            k::fingerprint.eq(fingerprint),
        ))
        .on_conflict_do_nothing()
        .execute(&mut conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored_fp, response): (String, Option<serde_json::Value>) = k::idempotency_keys
        .filter(k::operation.eq(operation).and(k::key.eq(key)))
        .select((k::fingerprint, k::response))
        .first(&mut conn)
        .await?;
    if stored_fp != fingerprint {
        return Err(ClaimError::Reused);
    }
    let reply = response
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| {
            diesel::result::Error::DeserializationError("stored idempotent reply".into())
        })?;
    Ok(Claim::Replay(reply))
}

/// Stores the reply of a fresh claim, in the same transaction as the work.
pub async fn complete<T: Serialize>(
    mut conn: &AsyncPgConnection,
    operation: &str,
    key: &str,
    reply: &T,
) -> Result<(), diesel::result::Error> {
    let value = serde_json::to_value(reply)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::update(k::idempotency_keys.filter(k::operation.eq(operation).and(k::key.eq(key))))
        .set(k::response.eq(value))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// The work of a transaction, with a nameable future so that its `Send`-ness can be
/// required (the same device diesel-async uses for `transaction`).
pub trait TxWork<C, R>: AsyncFnOnce(C) -> R + FnOnce(C) -> <Self as TxWork<C, R>>::Fut {
    type Fut: Future<Output = R>;
}

impl<F, C, Fut, R> TxWork<C, R> for F
where
    F: AsyncFnOnce(C) -> R + FnOnce(C) -> Fut,
    Fut: Future<Output = R>,
{
    type Fut = Fut;
}

/// Runs `work` in one transaction. With a `key`, the key is claimed first: a retry of the
/// same request returns the first reply and does nothing again; a different request with
/// the same key is refused (`ClaimError::Reused`, via `E`).
pub async fn transaction<T, E, F>(
    conn: &mut AsyncPgConnection,
    operation: &str,
    key: Option<&str>,
    fingerprint: &str,
    work: F,
) -> Result<T, E>
where
    for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<T, E>
        + TxWork<&'r mut AsyncPgConnection, Result<T, E>, Fut: Send>
        + Send,
    T: Serialize + DeserializeOwned + Send + Sync,
    E: From<diesel::result::Error> + From<ClaimError> + Send,
{
    conn.transaction(async move |conn| {
        if let Some(key) = key
            && let Claim::Replay(reply) = claim::<T>(conn, operation, key, fingerprint).await?
        {
            return Ok(reply);
        }
        let reply = work(conn).await?;
        if let Some(key) = key {
            complete(conn, operation, key, &reply).await?;
        }
        Ok(reply)
    })
    .await
}

/// [`transaction`] for a request: validates the key and fingerprints who sent what.
pub async fn for_request<T, E, B, F>(
    conn: &mut AsyncPgConnection,
    operation: &str,
    actor_sub: &str,
    key: Option<&str>,
    body: &B,
    work: F,
) -> Result<T, E>
where
    for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<T, E>
        + TxWork<&'r mut AsyncPgConnection, Result<T, E>, Fut: Send>
        + Send,
    T: Serialize + DeserializeOwned + Send + Sync,
    B: Serialize,
    E: From<diesel::result::Error> + From<ClaimError> + From<Problem> + Send,
{
    if let Some(key) = key {
        validate_key(key)?;
    }
    let fingerprint = fingerprint(actor_sub, body);
    transaction(conn, operation, key, &fingerprint, work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bounded_visible_ascii() {
        assert!(validate_key("0b7e8a52-6f5e-4c1e-9a4e-3c2d1b0a9f8e").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("has space").is_err());
        assert!(validate_key("键").is_err());
        assert!(validate_key(&"k".repeat(129)).is_err());
    }

    #[test]
    fn fingerprint_depends_on_actor_and_body() {
        let a = fingerprint("u1", &serde_json::json!({"x": 1}));
        assert_eq!(a, fingerprint("u1", &serde_json::json!({"x": 1})));
        assert_ne!(a, fingerprint("u2", &serde_json::json!({"x": 1})));
        assert_ne!(a, fingerprint("u1", &serde_json::json!({"x": 2})));
    }
}
