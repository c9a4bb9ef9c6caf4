//! Idempotent event consumers: a durable JetStream pull consumer whose every event is
//! applied inside one database transaction together with an `inbox` row keyed by the
//! event id. A redelivered event finds its inbox row and changes nothing; the message is
//! acknowledged only after the transaction commits.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{AckPolicy, pull};
use diesel::prelude::*;
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use edu_contracts::{Event, EventEnvelope};
use edu_db::DbPool;
use edu_db::prepared::Prepared;
use futures::StreamExt;
use futures::future::BoxFuture;
use tokio::sync::Notify;

use crate::Bus;

/// Events applied in one transaction at most.
const BATCH: usize = 64;

/// What handling an event did to the consumer's own data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The handler wrote (a projection, a notification, …).
    Changed,
    /// An event of a type this consumer does not keep: only its inbox row is written.
    Ignored,
}

/// The event's payload as its type, inside a handler: a payload that does not read is a
/// deserialization error, which rolls the batch back so the event is retried, never skipped.
pub fn payload<E: Event>(event: &EventEnvelope) -> QueryResult<E> {
    event.decode().map_err(|e| {
        diesel::result::Error::DeserializationError(format!("{} payload: {e}", E::TYPE).into())
    })
}

/// Applies one event inside the consumer's transaction.
pub trait EventHandler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<Applied>>;
}

/// What a consumer listens to.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// Durable consumer name; also the `consumer` column of the inbox.
    pub name: String,
    /// The event subject (wildcards allowed), e.g. from [`crate::BusConfig::service_events`].
    /// One subject: nats-server 2.9 (Debian's) knows only the singular `filter_subject` and
    /// silently ignores the plural field, which would deliver every event of the stream.
    pub filter_subject: String,
}

/// Consumes until the task is dropped; on errors it reconnects and resumes from the durable
/// consumer's position. `outbox_written` is told when a handler wrote events.
pub async fn run<H: EventHandler>(
    bus: Bus,
    pool: DbPool,
    spec: ConsumerSpec,
    handler: Arc<H>,
    outbox_written: Arc<Notify>,
) {
    loop {
        if let Err(e) = consume(&bus, &pool, &spec, &handler, &outbox_written).await {
            tracing::warn!(consumer = %spec.name, error = %e, "consumer stopped; restarting");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn consume<H: EventHandler>(
    bus: &Bus,
    pool: &DbPool,
    spec: &ConsumerSpec,
    handler: &Arc<H>,
    outbox_written: &Notify,
) -> anyhow::Result<()> {
    let stream = bus.ensure_stream().await?;
    let config = pull::Config {
        durable_name: Some(spec.name.clone()),
        filter_subject: spec.filter_subject.clone(),
        ack_policy: AckPolicy::Explicit,
        ack_wait: Duration::from_secs(30),
        ..Default::default()
    };
    let mut consumer = stream
        .get_or_create_consumer(&spec.name, config.clone())
        .await
        .map_err(|e| anyhow::anyhow!("creating consumer {}: {e}", spec.name))?;
    if consumer.cached_info().config.filter_subject != spec.filter_subject {
        // A durable consumer from an older configuration (the server cannot change its
        // filter): replace it. It starts again from the stream's first event; the inbox
        // skips those already applied.
        tracing::info!(consumer = %spec.name, "replacing the durable consumer with a new filter");
        stream
            .delete_consumer(&spec.name)
            .await
            .map_err(|e| anyhow::anyhow!("deleting consumer {}: {e}", spec.name))?;
        consumer = stream
            .create_consumer(config)
            .await
            .map_err(|e| anyhow::anyhow!("creating consumer {}: {e}", spec.name))?;
    }
    let messages = consumer
        .messages()
        .await
        .map_err(|e| anyhow::anyhow!("pulling: {e}"))?;
    // The events already delivered are applied together, in one transaction: under load a
    // consumer commits once per batch, not once per event.
    let mut batches = messages.ready_chunks(BATCH);
    while let Some(batch) = batches.next().await {
        let mut decoded = Vec::with_capacity(batch.len());
        for message in batch {
            let message = message.map_err(|e| anyhow::anyhow!("receiving: {e}"))?;
            match serde_json::from_slice::<EventEnvelope>(&message.payload) {
                Ok(envelope) => decoded.push((message, envelope)),
                Err(e) => {
                    tracing::error!(consumer = %spec.name, subject = %message.subject, error = %e, "undecodable event dropped");
                    message
                        .ack_with(AckKind::Term)
                        .await
                        .map_err(|e| anyhow::anyhow!("terminating: {e}"))?;
                }
            }
        }
        let events: Vec<&EventEnvelope> = decoded.iter().map(|(_, e)| e).collect();
        let (applied, written) =
            crate::outbox::track(apply_batch(pool, &spec.name, handler.as_ref(), &events)).await;
        if written {
            outbox_written.notify_one();
        }
        if applied.is_ok() {
            for (message, _) in &decoded {
                message
                    .ack()
                    .await
                    .map_err(|e| anyhow::anyhow!("acknowledging: {e}"))?;
            }
            continue;
        }
        // One event of the batch failed: apply them one by one, so only that one waits.
        for (message, envelope) in &decoded {
            let (applied, written) =
                crate::outbox::track(apply(pool, &spec.name, handler.as_ref(), envelope)).await;
            if written {
                outbox_written.notify_one();
            }
            match applied {
                Ok(()) => message
                    .ack()
                    .await
                    .map_err(|e| anyhow::anyhow!("acknowledging: {e}"))?,
                Err(e) => {
                    tracing::warn!(consumer = %spec.name, event.id = %envelope.id, error = %e, "event not applied; will retry");
                    message
                        .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                        .await
                        .map_err(|e| anyhow::anyhow!("nak: {e}"))?;
                }
            }
        }
    }
    Ok(())
}

/// Applies an event once: the inbox row and the handler's effect commit together.
pub async fn apply<H: EventHandler + ?Sized>(
    pool: &DbPool,
    consumer: &str,
    handler: &H,
    event: &EventEnvelope,
) -> anyhow::Result<()> {
    apply_batch(pool, consumer, handler, &[event]).await
}

/// An inbox row the batch's INSERT took.
#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    event_id: uuid::Uuid,
}

/// Applies events in order, each once (also one that appears twice), in one transaction:
/// all of them or none.
pub async fn apply_batch<H: EventHandler + ?Sized>(
    pool: &DbPool,
    consumer: &str,
    handler: &H,
    events: &[&EventEnvelope],
) -> anyhow::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut conn = pool
        .get()
        .await
        .map_err(|e| anyhow::anyhow!("database pool: {e}"))?;
    conn.transaction(async |conn| {
        // One statement of fixed text (prepared once per connection) claims the batch's
        // inbox rows; it returns the events not seen before.
        let ids: Vec<uuid::Uuid> = events.iter().map(|e| e.id.0).collect();
        let mut fresh: HashSet<uuid::Uuid> =
            Prepared::new("INSERT INTO inbox (consumer, event_id) SELECT ")
                .bind::<Text, _>(consumer)
                .sql(", unnest(")
                .bind::<Array<SqlUuid>, _>(ids)
                .sql(") ON CONFLICT DO NOTHING RETURNING event_id")
                .load::<Claimed>(conn)
                .await?
                .into_iter()
                .map(|c| c.event_id)
                .collect();
        let mut changed = false;
        for event in events {
            // `remove`: an event delivered twice in one batch is applied once.
            if fresh.remove(&event.id.0) {
                // Each event is its own decision: its policy version is not the previous one's.
                changed |=
                    crate::outbox::decision(handler.handle(conn, event)).await? == Applied::Changed;
            }
        }
        if !changed {
            // Only inbox rows: the commit need not wait for the disk. Should a crash lose
            // them after the events were acknowledged, nothing of this service is lost, and
            // an event delivered again changes nothing again. (Under a posting load the
            // evaluation consumer's batches are all `posting.proposed`, which it does not
            // keep: waiting for the disk there doubled the WAL flushes on the write path.)
            Prepared::new("SELECT set_config('synchronous_commit', 'off', true)")
                .execute(conn)
                .await?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .await?;
    Ok(())
}
