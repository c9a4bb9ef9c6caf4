//! Writing events: inside the business transaction, an event is one more row in the
//! service's `outbox` table. It leaves only if the transaction commits; the relay
//! publishes it afterwards.
//!
//! The relay learns of new rows in process: a request or event handled under [`track`]
//! reports whether it wrote to the outbox, and its host then wakes the relay (the
//! transaction has ended by then). Rows written elsewhere are found by the relay's poll.

use std::cell::Cell;

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use edu_contracts::{Actor, Event, EventEnvelope};
use edu_db::schema::outbox;
use edu_domain::{EventId, GroupId, SchoolId};

tokio::task_local! {
    static WRITTEN: Cell<bool>;
}

/// Runs `work` and says whether it enqueued an event (committed or not: a rolled-back
/// write only costs the relay one look).
pub async fn track<T>(work: impl Future<Output = T>) -> (T, bool) {
    WRITTEN
        .scope(Cell::new(false), async {
            let out = work.await;
            (out, WRITTEN.with(Cell::get))
        })
        .await
}

/// Builds the envelope of `event` and inserts it into the outbox of the current schema.
pub async fn enqueue<E: Event>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    group_id: Option<GroupId>,
    school_id: Option<SchoolId>,
    event: &E,
) -> QueryResult<EventId> {
    let payload = serde_json::to_value(event)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let envelope = EventEnvelope {
        id: EventId::new(),
        event_type: E::TYPE.to_owned(),
        version: E::VERSION,
        occurred_at: Utc::now(),
        actor: actor.clone(),
        group_id,
        school_id,
        payload,
    };
    let json = serde_json::to_value(&envelope)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(envelope.id.0),
            outbox::event_type.eq(E::TYPE),
            outbox::envelope.eq(json),
        ))
        .execute(conn)
        .await?;
    // Outside `track` (a background task) nobody is told; the relay's poll finds the row.
    let _ = WRITTEN.try_with(|written| written.set(true));
    Ok(envelope.id)
}
