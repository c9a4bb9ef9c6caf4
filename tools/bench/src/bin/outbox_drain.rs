//! Draining an outbox backlog: N committed outbox rows (the shape of a real `posting.proposed`
//! envelope) in a scratch schema, then either
//! - `relay`: the outbox relay of `edu-bus` started on them, timed until every row is
//!   published (the relay's position is past it), or
//! - `raw`: the same N bodies published to JetStream with `Nats-Msg-Id` and acknowledged,
//!   `window` at a time (the relay's batch), with no database in the loop.
//!
//! Each run has its own stream and subject prefix (`BENCH_DRAIN`, `benchdrain`), so no
//! service consumes the events; both are removed afterwards, with the schema.
//!
//! `cargo run --release -p edu-bench --bin outbox_drain -- <database-url> <nats-url>
//!  relay|raw [events] [window]` prints `events/s` and `seconds`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use diesel::sql_types::{Bool, Text, Uuid as SqlUuid};
use diesel::{QueryableByName, sql_query};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use edu_bus::{Bus, BusConfig};
use edu_contracts::ServiceName;
use edu_db::DbConfig;
use tokio::sync::Notify;

const SCHEMA: &str = "bench_drain";
const SERVICE: ServiceName = ServiceName::Rotation;

#[derive(QueryableByName)]
struct Left {
    #[diesel(sql_type = Bool)]
    left_over: bool,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    envelope: String,
}

/// The scratch schema with `events` unpublished outbox rows.
async fn backlog(db: &DbConfig, events: u64) -> anyhow::Result<()> {
    let mut conn = edu_db::connect(db).await?;
    conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        .await?;
    edu_db::migrate(db, &[]).await?;
    conn.batch_execute(&format!(
        "INSERT INTO outbox (id, event_type, envelope)
         SELECT id, 'posting.proposed', jsonb_build_object(
           'id', id, 'type', 'posting.proposed', 'version', 1, 'occurred_at', now(),
           'actor', jsonb_build_object('sub', 'bench', 'role', 'lead_admin', 'region', '411627',
                                       'school_id', gen_random_uuid()),
           'group_id', gen_random_uuid(), 'school_id', gen_random_uuid(),
           'payload', jsonb_build_object('posting_id', gen_random_uuid(),
             'group_id', gen_random_uuid(), 'teacher_id', gen_random_uuid(),
             'from_school_id', gen_random_uuid(), 'to_school_id', gen_random_uuid(),
             'kind', 'secondment', 'start', '2026-09-01', 'end', '2027-07-15',
             'school_year', 2026, 'host_post', 'bench', 'payroll_unit_id', gen_random_uuid()))::json
         FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, {events})) s;
         ANALYZE outbox;"
    ))
    .await?;
    Ok(())
}

async fn unpublished(conn: &mut diesel_async::AsyncPgConnection) -> anyhow::Result<bool> {
    // EXISTS stops at the first unpublished row; a count would scan the backlog at every look.
    let left: Left = sql_query("SELECT EXISTS (SELECT 1 FROM outbox_pending) AS left_over")
        .get_result(conn)
        .await?;
    Ok(left.left_over)
}

/// The relay of `edu_bus` on the backlog, until nothing is left unpublished.
async fn relay(bus: Bus, db: &DbConfig) -> anyhow::Result<Duration> {
    let mut conn = edu_db::connect(db).await?;
    let pool = edu_db::pool(db)?;
    let start = Instant::now();
    let task = tokio::spawn(edu_bus::relay::run(
        bus,
        pool,
        SERVICE,
        Arc::new(Notify::new()),
    ));
    while unpublished(&mut conn).await? {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = start.elapsed();
    task.abort();
    Ok(elapsed)
}

/// The same bodies (the stored JSON text, read before the clock starts) straight to
/// JetStream, `window` publishes then their acks.
async fn raw(bus: Bus, db: &DbConfig, window: usize) -> anyhow::Result<Duration> {
    let mut conn = edu_db::connect(db).await?;
    let rows: Vec<Row> =
        sql_query("SELECT id, envelope::text AS envelope FROM outbox ORDER BY seq")
            .load(&mut conn)
            .await?;
    let subject = bus.config().event_subject(SERVICE, "posting.proposed");
    let start = Instant::now();
    for chunk in rows.chunks(window.max(1)) {
        let mut acks = Vec::with_capacity(chunk.len());
        for row in chunk {
            let mut headers = async_nats::HeaderMap::new();
            headers.insert(
                async_nats::header::NATS_MESSAGE_ID,
                row.id.to_string().as_str(),
            );
            acks.push(
                bus.jetstream()
                    .publish_with_headers(subject.clone(), headers, row.envelope.clone().into())
                    .await?,
            );
        }
        for ack in acks {
            ack.await?;
        }
    }
    Ok(start.elapsed())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(database), Some(nats), Some(mode)) = (args.next(), args.next(), args.next()) else {
        anyhow::bail!("usage: outbox_drain <database-url> <nats-url> relay|raw [events] [window]");
    };
    let events: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let window: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(256);
    let db = DbConfig::new(&database, SCHEMA);
    let mut config = BusConfig::new(&nats);
    config.prefix = "benchdrain".into();
    config.stream = "BENCH_DRAIN".into();
    let bus = Bus::connect(config, "bench-outbox-drain").await?;
    let _ = bus.jetstream().delete_stream("BENCH_DRAIN").await;
    bus.ensure_stream().await?;
    backlog(&db, events).await?;
    let elapsed = match mode.as_str() {
        "relay" => relay(bus.clone(), &db).await?,
        "raw" => raw(bus.clone(), &db, window).await?,
        other => anyhow::bail!("unknown mode {other}: relay or raw"),
    };
    let mut stream = bus.jetstream().get_stream("BENCH_DRAIN").await?;
    let stored = stream.info().await?.state.messages;
    bus.jetstream()
        .delete_stream("BENCH_DRAIN")
        .await
        .context("removing the stream")?;
    edu_db::connect(&db)
        .await?
        .batch_execute(&format!("DROP SCHEMA {SCHEMA} CASCADE"))
        .await?;
    anyhow::ensure!(
        stored == events,
        "the stream holds {stored} of {events} events"
    );
    println!("events/s {:.0}", events as f64 / elapsed.as_secs_f64());
    println!("seconds {:.3}", elapsed.as_secs_f64());
    Ok(())
}
