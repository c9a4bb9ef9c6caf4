//! The idempotent consumer and the outbox relay on the real servers: an event's effect
//! happens exactly once, however often it is applied, re-published or redelivered.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_nats::jetstream::consumer::pull;
use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use edu_bus::consumer::{self, ConsumerSpec, EventHandler};
use edu_bus::{outbox, relay};
use edu_contracts::events::{MemberAdmitted, MemberExited};
use edu_contracts::{Actor, Event, EventEnvelope, ServiceName};
use edu_db::{DbConfig, DbPool};
use edu_domain::EventId;
use edu_testkit::{TestBus, TestDb};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::Notify;

/// The probe's own table `applied(event_id, n)`.
const MIGRATIONS: &[EmbeddedMigrations] = &[embed_migrations!("tests/migrations")];
const SCHEMA: &str = "probe";

type TestResult = anyhow::Result<()>;

/// Upserts `applied`: a first application inserts `n = 1`, any further one increments it.
struct Probe {
    /// Fail this many calls first (after writing), to show the effect rolls back with the inbox.
    fail_first: AtomicUsize,
    calls: AtomicUsize,
}

impl Probe {
    fn new() -> Self {
        Self {
            fail_first: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
        }
    }

    /// How often the handler ran (committed or not). `AtomicUsize::load` by path: diesel's
    /// `RunQueryDsl::load` would shadow the method.
    fn calls(&self) -> usize {
        AtomicUsize::load(&self.calls, Ordering::SeqCst)
    }

    fn failing(n: usize) -> Self {
        Self {
            fail_first: AtomicUsize::new(n),
            calls: AtomicUsize::new(0),
        }
    }
}

impl EventHandler for Probe {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<consumer::Applied>> {
        async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            diesel::sql_query(
                "INSERT INTO applied (event_id, n) VALUES ($1, 1) \
                 ON CONFLICT (event_id) DO UPDATE SET n = applied.n + 1",
            )
            .bind::<SqlUuid, _>(event.id.0)
            .execute(conn)
            .await?;
            let failed = self
                .fail_first
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failed {
                return Err(diesel::result::Error::RollbackTransaction);
            }
            Ok(consumer::Applied::Changed)
        }
        .boxed()
    }
}

#[derive(QueryableByName)]
struct Applied {
    #[diesel(sql_type = Integer)]
    n: i32,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn setup(db: &TestDb) -> anyhow::Result<(DbConfig, DbPool)> {
    let config = db.config(SCHEMA);
    edu_db::migrate(&config, MIGRATIONS).await?;
    let pool = edu_db::pool(&config)?;
    Ok((config, pool))
}

/// How often the effect of `event` ran (0: never).
async fn applied(pool: &DbPool, event: EventId) -> anyhow::Result<i32> {
    let mut conn = pool.get().await?;
    let rows: Vec<Applied> = diesel::sql_query("SELECT n FROM applied WHERE event_id = $1")
        .bind::<SqlUuid, _>(event.0)
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().next().map(|r| r.n).unwrap_or(0))
}

async fn count(pool: &DbPool, sql: &str) -> anyhow::Result<i64> {
    let mut conn = pool.get().await?;
    Ok(diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await?
        .count)
}

fn actor() -> Actor {
    Actor::system("bus-test")
}

fn admitted() -> MemberAdmitted {
    edu_testkit::sample_admission()
}

fn envelope(event: &MemberAdmitted) -> anyhow::Result<EventEnvelope> {
    Ok(EventEnvelope {
        id: EventId::new(),
        event_type: MemberAdmitted::TYPE.into(),
        version: MemberAdmitted::VERSION,
        occurred_at: Utc::now(),
        actor: actor(),
        policy_version: None,
        group_id: Some(event.group_id),
        school_id: Some(event.school_id),
        payload: serde_json::to_value(event)?,
    })
}

/// Polls `check` until it holds or `within` passes; returns whether it held.
async fn eventually<F, Fut>(within: Duration, mut check: F) -> anyhow::Result<bool>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if check().await? {
            return Ok(true);
        }
        if tokio::time::Instant::now() > deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_twice_changes_once() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let probe = Probe::new();
    let event = envelope(&admitted())?;

    consumer::apply(&pool, "probe", &probe, &event).await?;
    consumer::apply(&pool, "probe", &probe, &event).await?;
    assert_eq!(applied(&pool, event.id).await?, 1, "the effect ran once");
    assert_eq!(probe.calls(), 1, "the handler was not even called again");
    assert_eq!(
        count(&pool, "SELECT count(*) AS count FROM inbox").await?,
        1
    );

    // Another event is another effect.
    let other = envelope(&admitted())?;
    consumer::apply(&pool, "probe", &probe, &other).await?;
    assert_eq!(applied(&pool, other.id).await?, 1);

    // The inbox is per consumer: a second consumer applies the same event once for itself.
    consumer::apply(&pool, "another", &probe, &event).await?;
    consumer::apply(&pool, "another", &probe, &event).await?;
    assert_eq!(applied(&pool, event.id).await?, 2, "once per consumer");
    assert_eq!(
        count(&pool, "SELECT count(*) AS count FROM inbox").await?,
        3
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_applies_each_event_once() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let probe = Probe::new();
    let (first, second) = (envelope(&admitted())?, envelope(&admitted())?);

    // One INSERT claims the batch's inbox rows; an event twice in the batch runs once.
    consumer::apply_batch(&pool, "probe", &probe, &[&first, &second, &first]).await?;
    assert_eq!(applied(&pool, first.id).await?, 1);
    assert_eq!(applied(&pool, second.id).await?, 1);
    assert_eq!(probe.calls(), 2);
    // A later batch with a known event applies only the new one.
    let third = envelope(&admitted())?;
    consumer::apply_batch(&pool, "probe", &probe, &[&second, &third]).await?;
    assert_eq!(applied(&pool, second.id).await?, 1);
    assert_eq!(applied(&pool, third.id).await?, 1);
    assert_eq!(probe.calls(), 3);
    assert_eq!(
        count(&pool, "SELECT count(*) AS count FROM inbox").await?,
        3
    );
    Ok(())
}

/// A consumer that keeps none of the events it is given.
struct Ignorer;

impl EventHandler for Ignorer {
    fn handle<'a>(
        &'a self,
        _conn: &'a mut AsyncPgConnection,
        _event: &'a EventEnvelope,
    ) -> BoxFuture<'a, QueryResult<consumer::Applied>> {
        async { Ok(consumer::Applied::Ignored) }.boxed()
    }
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    synchronous_commit: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_events_are_still_recorded_once_and_durability_comes_back() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let (first, second) = (envelope(&admitted())?, envelope(&admitted())?);
    // A batch of events nobody keeps commits without waiting for the disk…
    consumer::apply_batch(&pool, "ignorer", &Ignorer, &[&first, &second]).await?;
    consumer::apply_batch(&pool, "ignorer", &Ignorer, &[&second]).await?;
    let sql = "SELECT count(*) AS count FROM inbox WHERE consumer = 'ignorer'";
    assert_eq!(count(&pool, sql).await?, 2, "each event recorded once");
    // …and only that transaction: every pooled connection is back to synchronous commits.
    let conns =
        futures::future::try_join_all((0..pool.status().max_size).map(|_| pool.get())).await?;
    for mut conn in conns {
        let setting: Setting = diesel::sql_query("SHOW synchronous_commit")
            .get_result(&mut *conn)
            .await?;
        assert_eq!(setting.synchronous_commit, "on");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_apply_leaves_no_trace_and_is_retried() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let probe = Probe::failing(1);
    let event = envelope(&admitted())?;

    assert!(
        consumer::apply(&pool, "probe", &probe, &event)
            .await
            .is_err()
    );
    assert_eq!(applied(&pool, event.id).await?, 0, "the effect rolled back");
    assert_eq!(
        count(&pool, "SELECT count(*) AS count FROM inbox").await?,
        0,
        "and so did the inbox row"
    );

    consumer::apply(&pool, "probe", &probe, &event).await?;
    consumer::apply(&pool, "probe", &probe, &event).await?;
    assert_eq!(applied(&pool, event.id).await?, 1);
    assert_eq!(probe.calls(), 2, "failed once, applied once, skipped once");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_applies_of_one_event_change_once() -> TestResult {
    let db = TestDb::new().await?;
    let (_, pool) = setup(&db).await?;
    let probe = Arc::new(Probe::new());
    let event = Arc::new(envelope(&admitted())?);

    let tasks = (0..8).map(|_| {
        let (pool, probe, event) = (pool.clone(), Arc::clone(&probe), Arc::clone(&event));
        tokio::spawn(async move { consumer::apply(&pool, "probe", probe.as_ref(), &event).await })
    });
    for result in futures::future::join_all(tasks).await {
        result??;
    }
    assert_eq!(applied(&pool, event.id).await?, 1);
    assert_eq!(probe.calls(), 1);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_relay_and_consumer_apply_each_event_once() -> TestResult {
    let db = TestDb::new().await?;
    let test_bus = TestBus::new().await?;
    let bus = test_bus.bus.clone();
    let (config, pool) = setup(&db).await?;

    // The business transaction writes the event to the outbox ...
    let event = admitted();
    let mut conn = edu_db::connect(&config).await?;
    let id = conn
        .transaction(async |conn| {
            outbox::enqueue(
                conn,
                &actor(),
                Some(event.group_id),
                Some(event.school_id),
                &event,
            )
            .await
        })
        .await?;
    // ... and a rolled-back one writes nothing that leaves.
    let rolled_back: Result<EventId, diesel::result::Error> = conn
        .transaction(async |conn| {
            outbox::enqueue(conn, &actor(), None, None, &admitted()).await?;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(rolled_back.is_err());

    // Written outside any service host: nobody wakes the relay, its poll finds the row.
    let relay = tokio::spawn(relay::run(
        bus.clone(),
        pool.clone(),
        ServiceName::Membership,
        Arc::new(Notify::new()),
    ));
    let spec = ConsumerSpec {
        name: "probe".into(),
        filter_subject: bus
            .config()
            .event_subject(ServiceName::Membership, MemberAdmitted::TYPE),
    };
    // A durable consumer of the same name from an older configuration (no filter) is
    // replaced by one with the spec's filter.
    bus.ensure_stream()
        .await?
        .create_consumer(pull::Config {
            durable_name: Some(spec.name.clone()),
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("creating the old consumer: {e}"))?;
    let consumer = tokio::spawn(consumer::run(
        bus.clone(),
        pool.clone(),
        spec,
        Arc::new(Probe::new()),
        Arc::new(Notify::new()),
    ));

    assert!(
        eventually(Duration::from_secs(10), || async {
            Ok(applied(&pool, id).await? >= 1)
        })
        .await?
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(applied(&pool, id).await?, 1);
    let events = test_bus.events().await?;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].id, id);
    assert_eq!(events[0].group_id, Some(event.group_id));
    assert_eq!(
        serde_json::from_value::<MemberAdmitted>(events[0].payload.clone())?,
        event
    );
    assert_eq!(
        count(&pool, "SELECT count(*) AS count FROM outbox_pending").await?,
        0
    );

    // The relay publishes the same row again (its position moved back, as after a NATS
    // reconnect): the stream deduplicates on Nats-Msg-Id, so there is still one message and
    // one effect.
    conn.batch_execute("INSERT INTO outbox_published (tx, seq) VALUES ('0', 0)")
        .await?;
    let republished = eventually(Duration::from_secs(10), || async {
        Ok(count(&pool, "SELECT count(*) AS count FROM outbox_pending").await? == 0)
    })
    .await?;
    assert!(republished, "the relay published the row again");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        test_bus.events().await?.len(),
        1,
        "Nats-Msg-Id deduplicated the re-publish"
    );
    assert_eq!(applied(&pool, id).await?, 1);

    // An event outside the consumer's filter never reaches it (nats-server 2.9 honours only
    // the singular filter subject).
    let foreign = EventEnvelope {
        id: EventId::new(),
        ..events[0].clone()
    };
    bus.jetstream()
        .publish(
            bus.config()
                .event_subject(ServiceName::Membership, MemberExited::TYPE),
            serde_json::to_vec(&foreign)?.into(),
        )
        .await?
        .await?;

    // A duplicate the stream cannot recognise (no Nats-Msg-Id, as after the duplicate window)
    // reaches the consumer, whose inbox skips it.
    let subject = bus
        .config()
        .event_subject(ServiceName::Membership, MemberAdmitted::TYPE);
    bus.jetstream()
        .publish(subject, serde_json::to_vec(&events[0])?.into())
        .await?
        .await?;
    assert_eq!(test_bus.events().await?.len(), 3);
    let stream = bus.ensure_stream().await?;
    let consumed = eventually(Duration::from_secs(10), || {
        let stream = &stream;
        async move {
            let info = stream
                .consumer_info("probe")
                .await
                .map_err(|e| anyhow::anyhow!("consumer info: {e}"))?;
            Ok(info.ack_floor.stream_sequence >= 3 && info.num_ack_pending == 0)
        }
    })
    .await?;
    assert!(consumed, "the consumer acknowledged the duplicate");
    assert_eq!(
        applied(&pool, id).await?,
        1,
        "the inbox skipped the redelivered event"
    );
    assert_eq!(
        count(&pool, "SELECT count(*) AS count FROM inbox").await?,
        1,
        "neither the duplicate nor the event outside the filter was applied"
    );
    assert_eq!(applied(&pool, foreign.id).await?, 0);

    relay.abort();
    consumer.abort();
    Ok(())
}

/// A row committed while an older transaction that also writes events is still open waits
/// for it: the older one's row is published first, and nothing is skipped by the position.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_waits_for_older_transactions_and_none_is_skipped() -> TestResult {
    let db = TestDb::new().await?;
    let test_bus = TestBus::new().await?;
    let bus = test_bus.bus.clone();
    let (config, pool) = setup(&db).await?;
    let relay = tokio::spawn(relay::run(
        bus.clone(),
        pool.clone(),
        ServiceName::Membership,
        Arc::new(Notify::new()),
    ));

    // The older transaction has its id (it wrote a row) and stays open ...
    let mut older = edu_db::connect(&config).await?;
    older
        .batch_execute("BEGIN; CREATE TEMP TABLE hold (n int); INSERT INTO hold VALUES (1)")
        .await?;
    // ... while a younger one commits its event.
    let mut younger = edu_db::connect(&config).await?;
    let second = younger
        .transaction(async |conn| outbox::enqueue(conn, &actor(), None, None, &admitted()).await)
        .await?;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        test_bus.events().await?.is_empty(),
        "nothing leaves while an older transaction is open"
    );

    // The older transaction writes its event and commits: both leave, the older one first.
    let first = outbox::enqueue(&older, &actor(), None, None, &admitted()).await?;
    older.batch_execute("COMMIT").await?;
    let events = test_bus.wait_for_events(2).await?;
    let ids: Vec<EventId> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids, [first, second]);
    assert_eq!(
        count(&pool, "SELECT count(*) AS count FROM outbox_pending").await?,
        0
    );
    relay.abort();
    Ok(())
}

/// Records that the relay's position was after event `id` `ago` seconds ago.
async fn position_at(conn: &mut AsyncPgConnection, id: EventId, ago: i64) -> TestResult {
    diesel::sql_query(
        "INSERT INTO outbox_published (tx, seq, at) \
         SELECT tx, seq, now() - make_interval(secs => $2) FROM outbox WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id.0)
    .bind::<diesel::sql_types::Double, _>(ago as f64)
    .execute(conn)
    .await?;
    Ok(())
}

async fn ids_in(conn: &mut AsyncPgConnection, from: &str) -> anyhow::Result<Vec<EventId>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: uuid::Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(format!("SELECT id FROM {from} ORDER BY tx, seq"))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| EventId(r.id)).collect())
}

/// After a NATS reconnect the position moves back by the re-publish window, never forward
/// past rows a re-publish still has to send; the sweep deletes only rows published before
/// the retention and not re-published since.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn republish_moves_back_and_the_sweep_keeps_what_may_be_sent_again() -> TestResult {
    let db = TestDb::new().await?;
    let (config, _pool) = setup(&db).await?;
    let mut conn = edu_db::connect(&config).await?;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(
            conn.transaction(async |c| outbox::enqueue(c, &actor(), None, None, &admitted()).await)
                .await?,
        );
    }
    let window = relay::REPUBLISH_WINDOW.as_secs() as i64;
    let retention = relay::RETENTION.as_secs() as i64;
    conn.batch_execute("UPDATE outbox_published SET at = now() - interval '1 day'")
        .await?;
    position_at(&mut conn, ids[2], retention + 300).await?;
    position_at(&mut conn, ids[5], window + 400).await?;
    position_at(&mut conn, ids[7], 60).await?;

    // Published up to the 8th, 6th where it was a window ago: 7 to 10 go again.
    relay::republish_recent(&mut conn).await?;
    assert_eq!(ids_in(&mut conn, "outbox_pending").await?, ids[6..]);

    // The sweep: the 3rd was the position at the retention's edge and none since went
    // back further, so rows 1 to 3 go.
    relay::sweep(&mut conn).await?;
    assert_eq!(ids_in(&mut conn, "outbox").await?, ids[3..]);

    // A second reconnect while catching up: the position a window ago (the 8th, published
    // a minute before the first re-publish, now older than the window) is ahead of where
    // the re-publish has got to (the 7th); it stays there.
    conn.batch_execute("UPDATE outbox_published SET at = at - interval '170 seconds'")
        .await?;
    position_at(&mut conn, ids[6], 0).await?;
    relay::republish_recent(&mut conn).await?;
    assert_eq!(ids_in(&mut conn, "outbox_pending").await?, ids[7..]);
    Ok(())
}
