//! Writing events: inside the business transaction, an event is one more row in the
//! service's `outbox` table. It leaves only if the transaction commits; the relay
//! publishes it afterwards.
//!
//! The relay learns of new rows in process: a request or event handled under [`track`]
//! reports whether it wrote to the outbox, and its host then wakes the relay (the
//! transaction has ended by then). Rows written elsewhere are found by the relay's poll.
//!
//! The database also appends every outbox row to its county's audit chain when the
//! transaction commits ([`crate::audit`]): nothing here has to remember to.
//!
//! Audit (who, when, what, which policy version): every envelope names its
//! actor, time, type and payload, and the version of the region's policy the decision that
//! wrote it consulted. A [`decision`] (every request and every event handled, see [`track`]
//! and the consumers) starts with none; [`crate::policy::stored`] notes the version it reads,
//! and [`enqueue`] stamps it, so no call site passes it along.

use std::cell::Cell;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::{Actor, Event, EventEnvelope};
use edu_db::schema::outbox;
use edu_domain::{EventId, GroupId, SchoolId};

tokio::task_local! {
    static WRITTEN: Cell<bool>;
    static POLICY_VERSION: Cell<Option<i32>>;
}

/// Runs `work` as one [`decision`] and says whether it enqueued an event (committed or not:
/// a rolled-back write only costs the relay one look).
pub async fn track<T>(work: impl Future<Output = T>) -> (T, bool) {
    WRITTEN
        .scope(Cell::new(false), async {
            let out = decision(work).await;
            (out, WRITTEN.with(Cell::get))
        })
        .await
}

/// Runs `work` as one decision: the events it enqueues carry the version
/// of the last policy it consulted, or none if it consulted none. For work outside a
/// request or an event (background tasks), and for each of several decisions in one task.
pub async fn decision<T>(work: impl Future<Output = T>) -> T {
    POLICY_VERSION.scope(Cell::new(None), work).await
}

/// Notes that the current decision consults policy `version` (0: the documents' defaults).
pub(crate) fn consulted(version: i32) {
    // Outside a decision (a read-only task) there is no write to stamp.
    let _ = POLICY_VERSION.try_with(|v| v.set(Some(version)));
}

/// The envelope of `event` (what [`enqueue`] and [`enqueue_all`] write) and its JSON.
fn envelope<E: Event>(
    actor: &Actor,
    group_id: Option<GroupId>,
    school_id: Option<SchoolId>,
    event: &E,
) -> QueryResult<(EventId, serde_json::Value)> {
    let mut envelope = EventEnvelope::of(actor.clone(), group_id, school_id, event)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    envelope.policy_version = POLICY_VERSION.try_with(Cell::get).ok().flatten();
    let json = serde_json::to_value(&envelope)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    Ok((envelope.id, json))
}

/// Builds the envelope of `event` and inserts it into the outbox of the current schema.
///
/// It takes a shared reference so that its INSERT can be sent together with others on the
/// same connection (diesel-async pipelines futures polled concurrently).
pub async fn enqueue<E: Event>(
    mut conn: &AsyncPgConnection,
    actor: &Actor,
    group_id: Option<GroupId>,
    school_id: Option<SchoolId>,
    event: &E,
) -> QueryResult<EventId> {
    let (id, json) = envelope(actor, group_id, school_id, event)?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(id.0),
            outbox::event_type.eq(E::TYPE),
            outbox::envelope.eq(json),
        ))
        .execute(&mut conn)
        .await?;
    // Outside `track` (a background task) nobody is told; the relay's poll finds the row.
    let _ = WRITTEN.try_with(|written| written.set(true));
    Ok(id)
}

/// Rows per INSERT of [`enqueue_all`] (three bind parameters each; PostgreSQL allows 65,535).
const ENQUEUE_CHUNK: usize = 1000;

/// [`enqueue`] of many events of one actor, each with its group and school, in multi-row
/// INSERTs: the same envelopes and rows, one round trip per thousand events instead of
/// one per event (an evaluation round of a province writes ~2,000 in one transaction).
pub async fn enqueue_all<E: Event>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    events: &[(Option<GroupId>, Option<SchoolId>, E)],
) -> QueryResult<Vec<EventId>> {
    let mut ids = Vec::with_capacity(events.len());
    for chunk in events.chunks(ENQUEUE_CHUNK) {
        let mut rows = Vec::with_capacity(chunk.len());
        for (group_id, school_id, event) in chunk {
            let (id, json) = envelope(actor, *group_id, *school_id, event)?;
            ids.push(id);
            rows.push((
                outbox::id.eq(id.0),
                outbox::event_type.eq(E::TYPE),
                outbox::envelope.eq(json),
            ));
        }
        diesel::insert_into(outbox::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    if !ids.is_empty() {
        let _ = WRITTEN.try_with(|written| written.set(true));
    }
    Ok(ids)
}
