//! The outbox relay: publishes committed outbox rows to JetStream in commit order, with the
//! event id as `Nats-Msg-Id` so a re-publish is deduplicated by the stream.
//!
//! - Woken in process by its service host when a request or an event handler wrote to the
//!   outbox (see [`crate::outbox::track`]), and by a poll tick for rows written otherwise.
//!   (A NOTIFY per write would take PostgreSQL's global notification lock at every commit.)
//! - One publisher per schema at a time (transaction advisory lock), so the stream receives a
//!   service's events in order even with several instances running; an instance that finds
//!   the lock taken looks again shortly, so its own rows never wait for a poll tick. The lock
//!   is the only one needed: the batch is read without row locks (each would be one more
//!   heap write and WAL record per event).
//! - Published rows are kept for [`RETENTION`]. After NATS reconnects, rows published within
//!   [`REPUBLISH_WINDOW`] are sent again: nats-server acknowledges before its periodic disk
//!   flush, so an unclean restart can lose acknowledged events (DESIGN.md, "Durability").
//! - Marking rows published commits without waiting for the WAL flush
//!   (`synchronous_commit = off` for that transaction only): a mark lost in a PostgreSQL
//!   crash only makes the relay send those events again, which the stream's duplicate window
//!   and the consumers' inbox absorb. The events themselves were committed durably by the
//!   business transaction.
//! - Envelopes leave as the bytes PostgreSQL stores (the `jsonb` text), not decoded and
//!   encoded again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::context::PublishAckFuture;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Jsonb};
use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
use edu_contracts::ServiceName;
use edu_db::DbPool;
use edu_db::schema::outbox;
use tokio::sync::Notify;

use crate::Bus;

/// Rows published this recently are re-published after a reconnect. Must stay inside the
/// stream's duplicate window ([`crate::DUPLICATE_WINDOW`]) and above nats-server's 60 s flush.
pub const REPUBLISH_WINDOW: Duration = Duration::from_secs(180);
/// Published rows older than this are deleted.
pub const RETENTION: Duration = Duration::from_secs(15 * 60);
/// Rows one transaction publishes, awaiting their acknowledgements together.
const BATCH: i64 = 256;
const POLL: Duration = Duration::from_millis(500);
/// How soon to look again when another instance holds the publishing lock.
const LOCKED_RETRY: Duration = Duration::from_millis(20);
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Why a batch did not go out; the relay logs it and tries again.
#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("database: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("publishing: {0}")]
    Publish(String),
}

/// Relays one service's outbox until the task is dropped; `wake` says new rows committed.
pub async fn run(bus: Bus, pool: DbPool, service: ServiceName, wake: Arc<Notify>) {
    Relay {
        bus,
        pool,
        service,
        wake,
    }
    .run()
    .await
}

/// A `jsonb` value as the JSON text PostgreSQL sends (its binary format is a version byte
/// followed by the text).
#[derive(Debug, FromSqlRow)]
struct StoredJson(bytes::Bytes);

impl FromSql<Jsonb, Pg> for StoredJson {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes().split_first() {
            Some((1, text)) => Ok(Self(bytes::Bytes::copy_from_slice(text))),
            _ => Err("unsupported jsonb encoding".into()),
        }
    }
}

/// `(seq, id, event_type, envelope)` of an outbox row not yet published.
type Unpublished = (i64, uuid::Uuid, String, StoredJson);

struct Relay {
    bus: Bus,
    pool: DbPool,
    service: ServiceName,
    wake: Arc<Notify>,
}

/// What one look at the outbox did.
enum Batch {
    Published(usize),
    /// Another instance is publishing this schema's outbox.
    Locked,
}

impl Relay {
    async fn run(self) {
        let mut reconnects = self.bus.reconnects();
        let mut last_sweep = Instant::now();
        let mut failing = false;
        loop {
            let mut wait = POLL;
            match self.publish_batch().await {
                Ok(batch) => {
                    if failing {
                        tracing::info!(service = self.service.as_str(), "outbox relay recovered");
                        failing = false;
                    }
                    match batch {
                        Batch::Published(n) if n == BATCH as usize => continue,
                        Batch::Published(_) => {}
                        Batch::Locked => wait = LOCKED_RETRY,
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(service = self.service.as_str(), error = %e, "outbox relay cannot publish; retrying");
                        failing = true;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
            if last_sweep.elapsed() >= SWEEP_EVERY {
                self.sweep().await;
                last_sweep = Instant::now();
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                changed = reconnects.changed() => {
                    // The first connection is not a reconnect.
                    if changed.is_ok() && *reconnects.borrow_and_update() > 1 {
                        self.republish_recent().await;
                    }
                }
            }
        }
    }

    async fn publish_batch(&self) -> Result<Batch, RelayError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| RelayError::Pool(e.to_string()))?;
        conn.transaction(async |conn| {
            let locked: bool = diesel::select(diesel::dsl::sql::<Bool>(
                "pg_try_advisory_xact_lock(hashtext('edu.outbox.' || current_schema())) \
                 AND set_config('synchronous_commit', 'off', true) = 'off'",
            ))
            .get_result(conn)
            .await?;
            if !locked {
                return Ok(Batch::Locked);
            }
            let rows: Vec<Unpublished> = outbox::table
                .filter(outbox::published_at.is_null())
                .order(outbox::seq)
                .limit(BATCH)
                .select((
                    outbox::seq,
                    outbox::id,
                    outbox::event_type,
                    outbox::envelope,
                ))
                .load(conn)
                .await?;
            if rows.is_empty() {
                return Ok(Batch::Published(0));
            }
            // The marks are written while the acknowledgements are awaited; they commit
            // only if every event was acknowledged (otherwise the transaction rolls back).
            let acks = self.publish_rows(&rows).await?;
            let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let mark = diesel::update(outbox::table.filter(outbox::seq.eq_any(&seqs)))
                .set(outbox::published_at.eq(diesel::dsl::now))
                .execute(conn);
            let (acked, marked) = futures::join!(
                futures::future::try_join_all(acks.into_iter().map(IntoFuture::into_future)),
                mark
            );
            acked.map_err(|e| RelayError::Publish(e.to_string()))?;
            marked?;
            Ok(Batch::Published(rows.len()))
        })
        .await
    }

    /// Publishes rows; returns their pending acknowledgements.
    async fn publish_rows(
        &self,
        rows: &[Unpublished],
    ) -> Result<Vec<PublishAckFuture>, RelayError> {
        let mut acks = Vec::with_capacity(rows.len());
        for (_, id, event_type, envelope) in rows {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert(async_nats::header::NATS_MESSAGE_ID, id.to_string().as_str());
            let subject = self.bus.config().event_subject(self.service, event_type);
            let ack = self
                .bus
                .jetstream()
                .publish_with_headers(subject, headers, envelope.0.clone())
                .await
                .map_err(|e| RelayError::Publish(e.to_string()))?;
            acks.push(ack);
        }
        Ok(acks)
    }

    async fn republish_recent(&self) {
        let sql = format!(
            "UPDATE outbox SET published_at = NULL WHERE published_at > now() - interval '{} seconds'",
            REPUBLISH_WINDOW.as_secs()
        );
        if let Ok(mut conn) = self.pool.get().await {
            match conn.batch_execute(&sql).await {
                Ok(()) => tracing::info!(
                    service = self.service.as_str(),
                    "re-publishing recent events after a NATS reconnect"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "could not mark recent events for re-publishing")
                }
            }
        }
    }

    async fn sweep(&self) {
        let sql = format!(
            "DELETE FROM outbox WHERE published_at < now() - interval '{} seconds'",
            RETENTION.as_secs()
        );
        if let Ok(mut conn) = self.pool.get().await
            && let Err(e) = conn.batch_execute(&sql).await
        {
            tracing::warn!(error = %e, "outbox sweep failed");
        }
    }
}
