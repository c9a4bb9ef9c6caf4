//! The outbox relay: publishes committed outbox rows to JetStream in commit order, with the
//! event id as `Nats-Msg-Id` so a re-publish is deduplicated by the stream.
//!
//! - Woken by the `outbox_<schema>` NOTIFY that fires when an outbox insert commits, and by a
//!   poll tick in case a notification is missed.
//! - One publisher per schema at a time (transaction advisory lock), so the stream receives a
//!   service's events in order even with several instances running.
//! - Published rows are kept for [`RETENTION`]. After NATS reconnects, rows published within
//!   [`REPUBLISH_WINDOW`] are sent again: nats-server acknowledges before its periodic disk
//!   flush, so an unclean restart can lose acknowledged events (DESIGN.md, "Durability").

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use edu_contracts::ServiceName;
use edu_db::schema::outbox;
use edu_db::{DbConfig, DbPool};
use futures::StreamExt;

use crate::Bus;

/// Rows published this recently are re-published after a reconnect. Must stay inside the
/// stream's duplicate window ([`crate::DUPLICATE_WINDOW`]) and above nats-server's 60 s flush.
pub const REPUBLISH_WINDOW: Duration = Duration::from_secs(180);
/// Published rows older than this are deleted.
pub const RETENTION: Duration = Duration::from_secs(15 * 60);
const BATCH: i64 = 256;
const POLL: Duration = Duration::from_millis(500);
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

/// Relays one service's outbox until the task is dropped.
pub async fn run(bus: Bus, pool: DbPool, db: DbConfig, service: ServiceName) {
    Relay {
        bus,
        pool,
        db,
        service,
    }
    .run()
    .await
}

struct Relay {
    bus: Bus,
    pool: DbPool,
    db: DbConfig,
    service: ServiceName,
}

impl Relay {
    async fn run(self) {
        let mut listener: Option<AsyncPgConnection> = None;
        let mut reconnects = self.bus.reconnects();
        let mut last_sweep = Instant::now();
        let mut failing = false;
        loop {
            if listener.is_none() {
                listener = self.listen().await;
            }
            match self.publish_batch().await {
                Ok(n) => {
                    if failing {
                        tracing::info!(service = self.service.as_str(), "outbox relay recovered");
                        failing = false;
                    }
                    if n == BATCH as usize {
                        continue;
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
                woke = next_notification(listener.as_mut()) => {
                    if !woke {
                        listener = None;
                    }
                }
                _ = tokio::time::sleep(POLL) => {}
                changed = reconnects.changed() => {
                    // The first connection is not a reconnect.
                    if changed.is_ok() && *reconnects.borrow_and_update() > 1 {
                        self.republish_recent().await;
                    }
                }
            }
        }
    }

    async fn listen(&self) -> Option<AsyncPgConnection> {
        let mut conn = edu_db::connect(&self.db).await.ok()?;
        let sql = format!("LISTEN outbox_{}", self.db.schema);
        conn.batch_execute(&sql).await.ok()?;
        Some(conn)
    }

    async fn publish_batch(&self) -> Result<usize, RelayError> {
        let mut conn = self
            .pool
            .get()
            .await
            .map_err(|e| RelayError::Pool(e.to_string()))?;
        let bus = &self.bus;
        let service = self.service;
        conn.transaction(async |conn| {
            let locked: bool = diesel::select(diesel::dsl::sql::<Bool>(
                "pg_try_advisory_xact_lock(hashtext('edu.outbox.' || current_schema()))",
            ))
            .get_result(conn)
            .await?;
            if !locked {
                return Ok(0);
            }
            let rows: Vec<(i64, uuid::Uuid, String, serde_json::Value)> = outbox::table
                .filter(outbox::published_at.is_null())
                .order(outbox::seq)
                .limit(BATCH)
                .select((
                    outbox::seq,
                    outbox::id,
                    outbox::event_type,
                    outbox::envelope,
                ))
                .for_update()
                .skip_locked()
                .load(conn)
                .await?;
            if rows.is_empty() {
                return Ok(0);
            }
            let mut acks = Vec::with_capacity(rows.len());
            for (_, id, event_type, envelope) in &rows {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(async_nats::header::NATS_MESSAGE_ID, id.to_string().as_str());
                let subject = bus.config().event_subject(service, event_type);
                let body =
                    serde_json::to_vec(envelope).map_err(|e| RelayError::Publish(e.to_string()))?;
                let ack = bus
                    .jetstream()
                    .publish_with_headers(subject, headers, body.into())
                    .await
                    .map_err(|e| RelayError::Publish(e.to_string()))?;
                acks.push(ack);
            }
            for ack in acks {
                ack.await.map_err(|e| RelayError::Publish(e.to_string()))?;
            }
            let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
            diesel::update(outbox::table.filter(outbox::seq.eq_any(&seqs)))
                .set(outbox::published_at.eq(diesel::dsl::now))
                .execute(conn)
                .await?;
            Ok(rows.len())
        })
        .await
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

/// Waits for the next notification; `false` when the listening connection is gone.
async fn next_notification(listener: Option<&mut AsyncPgConnection>) -> bool {
    match listener {
        Some(conn) => {
            let mut stream = std::pin::pin!(conn.notifications_stream());
            matches!(stream.next().await, Some(Ok(_)))
        }
        None => std::future::pending().await,
    }
}
