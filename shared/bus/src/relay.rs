//! The outbox relay: publishes committed outbox rows to JetStream in order, with the event
//! id as `Nats-Msg-Id` so a re-publish is deduplicated by the stream.
//!
//! - Order and position: rows go out in `(tx, seq)` order (writing transaction, then order
//!   within it), and only once every transaction with a lower id has ended, so no row can
//!   later appear behind what was published. The relay therefore keeps a position
//!   (`outbox_published`, one row per batch) instead of marking each row: outbox rows are
//!   written once, by the business transaction. Transaction ids are cluster-wide, so a row
//!   may wait for another service's (or database's) transaction; the relay then looks
//!   again shortly ([`WAITING_RETRY`]), as nothing here is woken when that one ends.
//! - Woken in process by its service host when a request or an event handler wrote to the
//!   outbox (see [`crate::outbox::track`]), and by a poll tick for rows written otherwise.
//!   (A NOTIFY per write would take PostgreSQL's global notification lock at every commit.)
//! - One publisher per schema at a time (transaction advisory lock), so the stream receives a
//!   service's events in order even with several instances running; an instance that finds
//!   the lock taken looks again shortly, so its own rows never wait for a poll tick.
//! - Published rows are kept for [`RETENTION`]. After NATS reconnects, the position moves
//!   back to where it was [`REPUBLISH_WINDOW`] ago: nats-server acknowledges before its
//!   periodic disk flush, so an unclean restart can lose acknowledged events (DESIGN.md,
//!   "Durability").
//! - A batch's position commits without waiting for the WAL flush (`synchronous_commit =
//!   off` for that transaction only): a position lost in a PostgreSQL crash only makes the
//!   relay send those events again, which the stream's duplicate window and the consumers'
//!   inbox absorb. The events themselves were committed durably by the business transaction.
//! - Envelopes leave as the bytes PostgreSQL stores (`json` text), not decoded and encoded
//!   again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::context::PublishAckFuture;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{BigInt, Bool, Json, Text, Uuid as SqlUuid};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use edu_contracts::ServiceName;
use edu_db::DbPool;
use edu_db::pipelined::Tx;
use edu_db::prepared::Prepared;
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
/// How soon to look again when committed rows wait for an older transaction to end.
const WAITING_RETRY: Duration = Duration::from_millis(2);
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The publishing lock of the connection's schema, and the batch's commit mode.
const LOCK: &str = "SELECT pg_try_advisory_xact_lock(hashtext('edu.outbox.' || current_schema())) \
                    AND set_config('synchronous_commit', 'off', true) = 'off' AS locked";

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

/// A `json` value as the text PostgreSQL stores and sends.
#[derive(Debug, FromSqlRow)]
struct StoredJson(bytes::Bytes);

impl FromSql<Json, Pg> for StoredJson {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        Ok(Self(bytes::Bytes::copy_from_slice(value.as_bytes())))
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// An outbox row after the relay's position.
#[derive(QueryableByName)]
struct Pending {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = SqlUuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = Json)]
    envelope: StoredJson,
    /// Every transaction with a lower id has ended: nothing can appear before this row.
    #[diesel(sql_type = Bool)]
    ready: bool,
}

struct Relay {
    bus: Bus,
    pool: DbPool,
    service: ServiceName,
    wake: Arc<Notify>,
}

/// When to look at the outbox again after a batch.
enum Next {
    /// A full batch went out; more may be there.
    Now,
    /// Committed rows wait for an older transaction to end.
    Waiting,
    /// Another instance is publishing this schema's outbox.
    Locked,
    /// Nothing was left: at a wake-up or the poll tick.
    Idle,
}

impl Relay {
    async fn run(self) {
        let mut reconnects = self.bus.reconnects();
        let mut last_sweep = Instant::now();
        let mut failing = false;
        loop {
            let wait = match self.publish_batch().await {
                Ok(next) => {
                    if failing {
                        tracing::info!(service = self.service.as_str(), "outbox relay recovered");
                        failing = false;
                    }
                    match next {
                        Next::Now => continue,
                        Next::Waiting => WAITING_RETRY,
                        Next::Locked => LOCKED_RETRY,
                        Next::Idle => POLL,
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
            };
            if last_sweep.elapsed() >= SWEEP_EVERY {
                if let Err(e) = self.sweep().await {
                    tracing::warn!(service = self.service.as_str(), error = %e, "outbox sweep failed");
                }
                last_sweep = Instant::now();
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                changed = reconnects.changed() => {
                    // The first connection is not a reconnect.
                    if changed.is_ok() && *reconnects.borrow_and_update() > 1 {
                        match self.republish_recent().await {
                            Ok(()) => tracing::info!(
                                service = self.service.as_str(),
                                "re-publishing recent events after a NATS reconnect"
                            ),
                            Err(e) => tracing::warn!(
                                service = self.service.as_str(), error = %e,
                                "could not move the outbox position back for re-publishing"
                            ),
                        }
                    }
                }
            }
        }
    }

    async fn connection(&self) -> Result<edu_db::PooledConn, RelayError> {
        self.pool
            .get()
            .await
            .map_err(|e| RelayError::Pool(e.to_string()))
    }

    async fn sweep(&self) -> Result<(), RelayError> {
        Ok(sweep(&mut *self.connection().await?).await?)
    }

    async fn republish_recent(&self) -> Result<(), RelayError> {
        Ok(republish_recent(&mut *self.connection().await?).await?)
    }

    async fn publish_batch(&self) -> Result<Next, RelayError> {
        // BEGIN, the lock and the batch in one round trip ([`Tx`]); the batch is read after
        // the lock is granted, so it sees the previous holder's position.
        let tx = Tx::new(self.connection().await?);
        let (lock, rows) = tx
            .begin(async |conn| {
                let lock = async {
                    let mut conn = conn;
                    Prepared::new(LOCK).get_result::<Locked>(&mut conn).await
                };
                let batch = async {
                    let mut conn = conn;
                    Prepared::new(
                        "SELECT seq, id, event_type, envelope, \
                                tx < pg_snapshot_xmin(pg_current_snapshot()) AS ready \
                           FROM outbox \
                          WHERE (tx, seq) > (SELECT tx, seq FROM outbox_published \
                                              ORDER BY batch DESC LIMIT 1) \
                          ORDER BY tx, seq LIMIT ",
                    )
                    .bind::<BigInt, _>(BATCH)
                    .load::<Pending>(&mut conn)
                    .await
                };
                futures::try_join!(lock, batch)
            })
            .await?;
        if !lock.locked {
            tx.rollback().await?;
            return Ok(Next::Locked);
        }
        // Ready rows come first: a row waiting for an older transaction has a higher id.
        let ready = rows.iter().take_while(|r| r.ready).count();
        let next = if ready < rows.len() {
            Next::Waiting
        } else if ready == BATCH as usize {
            Next::Now
        } else {
            Next::Idle
        };
        let Some(last) = rows[..ready].last() else {
            tx.rollback().await?;
            return Ok(next);
        };
        // A failure from here on drops `tx`, which rolls back: the position stays.
        let acks = self.publish_rows(&rows[..ready]).await?;
        futures::future::try_join_all(acks.into_iter().map(IntoFuture::into_future))
            .await
            .map_err(|e| RelayError::Publish(e.to_string()))?;
        // Every event acknowledged: the new position and COMMIT in one round trip.
        tx.commit(async |conn| {
            let mut conn = conn;
            Prepared::new(
                "INSERT INTO outbox_published (tx, seq) SELECT tx, seq FROM outbox WHERE seq = ",
            )
            .bind::<BigInt, _>(last.seq)
            .execute(&mut conn)
            .await
        })
        .await?;
        Ok(next)
    }

    async fn publish_rows(&self, rows: &[Pending]) -> Result<Vec<PublishAckFuture>, RelayError> {
        let mut acks = Vec::with_capacity(rows.len());
        for Pending {
            id,
            event_type,
            envelope,
            ..
        } in rows
        {
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
}

/// Moves the schema's relay position back to where it was [`REPUBLISH_WINDOW`] ago (or
/// leaves it, if a re-publish is still catching up from further back); to the start when
/// the outbox is younger than that. Under the publishing lock, so no batch in flight writes
/// its position after this one.
pub async fn republish_recent(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "BEGIN;
         SELECT pg_advisory_xact_lock(hashtext('edu.outbox.' || current_schema()));
         INSERT INTO outbox_published (tx, seq)
         SELECT tx, seq FROM (
           (SELECT tx, seq FROM outbox_published ORDER BY batch DESC LIMIT 1)
           UNION ALL
           (SELECT tx, seq FROM outbox_published WHERE at <= now() - interval '{window} seconds'
             ORDER BY batch DESC LIMIT 1)
           UNION ALL
           (SELECT '0'::xid8, 0 WHERE NOT EXISTS
             (SELECT FROM outbox_published WHERE at <= now() - interval '{window} seconds'))
         ) p ORDER BY tx, seq LIMIT 1;
         COMMIT;",
        window = REPUBLISH_WINDOW.as_secs()
    ))
    .await
}

/// Deletes the rows published before [`RETENTION`] and not re-published since, and the
/// positions older than the one in force then (the position table never empties).
pub async fn sweep(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    conn.batch_execute(&format!(
        "WITH boundary AS (SELECT batch FROM outbox_published
                            WHERE at < now() - interval '{retention} seconds'
                            ORDER BY batch DESC LIMIT 1),
              bound AS (SELECT tx, seq FROM outbox_published
                         WHERE batch >= (SELECT batch FROM boundary)
                         ORDER BY tx, seq LIMIT 1),
              published AS (DELETE FROM outbox WHERE (tx, seq) <= (SELECT tx, seq FROM bound))
         DELETE FROM outbox_published WHERE batch < (SELECT batch FROM boundary)",
        retention = RETENTION.as_secs()
    ))
    .await
}
