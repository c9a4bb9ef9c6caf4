//! Fault injection on the real processes: `edugroup serve <service>` for every service and
//! the API, a private nats-server and a fresh database, under a steady write load (trainings,
//! each with its own `Idempotency-Key`, retried on 503 and on transport errors). Faults:
//! SIGKILL of the rotation and evaluation processes and a restart; SIGKILL of nats-server and a
//! restart on the same store; every backend of the database terminated by PostgreSQL (the
//! shared cluster is never restarted: other tests use it). Afterwards: each accepted request's
//! row is in the database once, its event on the stream once and its effect in the consumer
//! once; refusals were 503 with Retry-After; nothing hung; every process is still running.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use edu_contracts::EventEnvelope;
use edu_testkit::TestDb;
use tokio::sync::Mutex;

use crate::support::{
    Fixture, NatsServer, PROCESSES, Proc, ScratchDir, SystemEnv, free_port, wait_ready,
};

/// A client gives up on one HTTP attempt after this; a request that needs it is a hang.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);
/// Load generators running at once.
const WORKERS: usize = 4;
/// The longest a client honours `Retry-After` here, so the load stays steady.
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// Steady load between faults.
const STEADY: Duration = Duration::from_secs(3);
/// A logical request is abandoned (and counted) after retrying this long.
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Tally {
    /// Logical requests started.
    sent: usize,
    /// HTTP attempts, retries included.
    attempts: usize,
    /// Logical requests answered 2xx: title → training id.
    accepted: HashMap<String, String>,
    /// Attempts answered 503.
    refused: usize,
    refused_without_retry_after: usize,
    /// Attempts that ran into the client's timeout.
    hung: usize,
    /// Attempts that could not reach the API.
    transport_errors: usize,
    /// Answers other than 2xx and 503.
    unexpected: Vec<String>,
    /// Logical requests abandoned after [`GIVE_UP_AFTER`].
    abandoned: usize,
    slowest: Duration,
}

struct Load {
    http: reqwest::Client,
    base: String,
    fixture: Fixture,
    stop: AtomicBool,
    accepted: AtomicUsize,
    tally: Mutex<Tally>,
}

impl Load {
    async fn worker(self: Arc<Self>, worker: usize) {
        let mut n = 0;
        while !self.stop.load(Ordering::Relaxed) {
            n += 1;
            let title = format!("fault-{worker}-{n}");
            self.one(&title, worker * 1000 + n).await;
        }
    }

    /// One logical request, retried with its key until it is accepted or refused for good.
    async fn one(&self, title: &str, n: usize) {
        let key = uuid::Uuid::now_v7().to_string();
        let body = self.fixture.training(title, n);
        let url = format!(
            "{}/api/v1/groups/{}/trainings",
            self.base, self.fixture.group
        );
        let started = Instant::now();
        self.tally.lock().await.sent += 1;
        loop {
            let attempt = Instant::now();
            let sent = self
                .http
                .post(&url)
                .bearer_auth(&self.fixture.lead_admin)
                .header("Idempotency-Key", &key)
                .json(&body)
                .send()
                .await;
            let took = attempt.elapsed();
            let mut backoff = Duration::from_millis(200);
            {
                let mut t = self.tally.lock().await;
                t.attempts += 1;
                t.slowest = t.slowest.max(took);
                match sent {
                    Ok(r) if r.status().is_success() => {
                        let training: serde_json::Value = match r.json().await {
                            Ok(v) => v,
                            Err(e) => {
                                t.unexpected.push(format!("undecodable 2xx: {e}"));
                                return;
                            }
                        };
                        let id = training["id"].as_str().unwrap_or_default().to_owned();
                        t.accepted.insert(title.to_owned(), id);
                        self.accepted.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    Ok(r) if r.status() == 503 => {
                        t.refused += 1;
                        match r
                            .headers()
                            .get("Retry-After")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok())
                        {
                            Some(secs) => backoff = Duration::from_secs(secs).min(MAX_BACKOFF),
                            None => t.refused_without_retry_after += 1,
                        }
                    }
                    Ok(r) => {
                        let status = r.status();
                        let text = r.text().await.unwrap_or_default();
                        t.unexpected.push(format!("{status} {text}"));
                        return;
                    }
                    Err(e) if e.is_timeout() => t.hung += 1,
                    Err(_) => t.transport_errors += 1,
                }
                if started.elapsed() > GIVE_UP_AFTER {
                    t.abandoned += 1;
                    return;
                }
            }
            tokio::time::sleep(backoff).await;
        }
    }

    /// Waits until `more` further requests have been accepted: the system recovered.
    async fn wait_for_progress(&self, more: usize, what: &str) -> Duration {
        let from = self.accepted.load(Ordering::Relaxed);
        let started = Instant::now();
        while self.accepted.load(Ordering::Relaxed) < from + more {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no recovery within 60 s after {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        started.elapsed()
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    title: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl as _;
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .n
}

/// Terminates every other backend connected to the database, as a crash or restart of
/// PostgreSQL would.
async fn terminate_backends(url: &str, database: &str) -> i64 {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    count(
        &mut conn,
        &format!(
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        ),
    )
    .await
}

/// Every event of the private stream (the services' default `EDU_EVENTS`).
async fn stream_events(nats_url: &str) -> Vec<EventEnvelope> {
    let client = async_nats::connect(nats_url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js.get_stream("EDU_EVENTS").await.unwrap();
    let info = stream.get_info().await.unwrap();
    let mut events = Vec::new();
    if info.state.messages == 0 {
        return events;
    }
    for seq in info.state.first_sequence..=info.state.last_sequence {
        if let Ok(m) = stream.get_raw_message(seq).await {
            events.push(serde_json::from_slice(&m.payload).unwrap());
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_writes_survive_killed_services_nats_restarts_and_dropped_connections() {
    let dir = ScratchDir::new("faults");
    let db = TestDb::new().await.unwrap();
    let database = db.url().rsplit('/').next().unwrap().to_owned();
    let mut nats = NatsServer::start("nats", dir.path(), free_port(), &[], &[]).await;
    let system = SystemEnv {
        database_url: db.url(),
        nats_url: nats.url(),
        dir: dir.path().to_owned(),
        api_port: free_port(),
        nats_auth: false,
    };
    let mut procs: HashMap<&str, Proc> = HashMap::new();
    for service in PROCESSES {
        procs.insert(service, system.serve(service));
    }
    let http = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .unwrap();
    let base = system.base();
    wait_ready(&http, &base, Duration::from_secs(60)).await;
    let fixture = Fixture::create(&http, &base).await;
    fixture.wait_until_trainings_accepted(&http, &base).await;

    let load = Arc::new(Load {
        http: http.clone(),
        base: base.clone(),
        fixture,
        stop: AtomicBool::new(false),
        accepted: AtomicUsize::new(0),
        tally: Mutex::new(Tally::default()),
    });
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| tokio::spawn(Arc::clone(&load).worker(w)))
        .collect();
    let started = Instant::now();
    load.wait_for_progress(50, "starting the load").await;

    // (a) SIGKILL the service that takes the writes and the one that consumes their events
    for service in ["rotation", "evaluation"] {
        if let Some(p) = procs.get_mut(service) {
            p.kill9();
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for service in ["rotation", "evaluation"] {
        procs.insert(service, system.serve(service));
    }
    let a = load.wait_for_progress(50, "restarting rotation").await;
    eprintln!(
        "faults: (a) rotation and evaluation killed; writes accepted again {a:?} after the restart"
    );

    // (b) SIGKILL nats-server, restart it on the same store
    nats.kill9();
    tokio::time::sleep(Duration::from_secs(2)).await;
    nats.restart().await;
    let b = load.wait_for_progress(50, "restarting nats-server").await;
    eprintln!("faults: (b) nats-server killed; writes accepted again {b:?} after its restart");
    tokio::time::sleep(STEADY).await;

    // (c) PostgreSQL drops every connection of the system, three times
    let mut terminated = 0;
    for _ in 0..3 {
        terminated += terminate_backends(&edu_testkit::database_server_url(), &database).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let c = load
        .wait_for_progress(50, "terminating the database backends")
        .await;
    eprintln!(
        "faults: (c) {terminated} database connections terminated; writes accepted again {c:?} later"
    );

    tokio::time::sleep(STEADY).await;
    load.stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let load_time = started.elapsed();
    for (name, p) in procs.iter_mut() {
        assert!(p.is_running(), "{name} exited instead of reconnecting");
    }

    // The database: one row per accepted request, none twice.
    use diesel_async::RunQueryDsl as _;
    let mut conn = AsyncPgConnection::establish(&db.url()).await.unwrap();
    conn.batch_execute("SET search_path TO rotation")
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(
        &mut conn,
        "SELECT count(*) AS n FROM rotation.outbox WHERE published_at IS NULL",
    )
    .await
        > 0
    {
        assert!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id::text AS id, title FROM rotation.trainings WHERE title LIKE 'fault-%'",
    )
    .get_results(&mut conn)
    .await
    .unwrap();
    let tally = load.tally.lock().await;
    let mut by_title: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in &rows {
        by_title.entry(&r.title).or_default().push(&r.id);
    }
    let duplicated_rows = by_title.values().filter(|ids| ids.len() > 1).count();
    let lost_rows = tally
        .accepted
        .iter()
        .filter(|(title, id)| by_title.get(title.as_str()) != Some(&vec![id.as_str()]))
        .count();

    // The stream: one training.held per row, none for anything else.
    let row_ids: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut per_training: HashMap<String, usize> = HashMap::new();
    for e in stream_events(&nats.url()).await {
        if e.event_type == "training.held" {
            let id = e.payload["training_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            *per_training.entry(id).or_default() += 1;
        }
    }
    let duplicated_events = per_training.values().filter(|n| **n > 1).count();
    let lost_events = row_ids
        .iter()
        .filter(|id| !per_training.contains_key(**id))
        .count();

    // The consumer (evaluation) applied each event once.
    let deadline = Instant::now() + Duration::from_secs(60);
    let consumed = loop {
        let seen: Vec<Row> = diesel::sql_query(
            "SELECT training_id::text AS id, '' AS title FROM evaluation.trainings",
        )
        .get_results(&mut conn)
        .await
        .unwrap();
        let seen: std::collections::HashSet<String> = seen.into_iter().map(|r| r.id).collect();
        let missing = row_ids.iter().filter(|id| !seen.contains(**id)).count();
        if missing == 0 || Instant::now() > deadline {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let inbox_duplicates = count(
        &mut conn,
        "SELECT count(*) AS n FROM (SELECT 1 FROM evaluation.inbox GROUP BY consumer, event_id HAVING count(*) > 1) d",
    )
    .await;

    let lost = lost_rows + lost_events + consumed;
    let duplicated = duplicated_rows + duplicated_events + inbox_duplicates as usize;
    println!(
        "fault injection over {:.1} s: sent {} accepted {} refused {} (503 answers, {} retries in all) lost {} duplicated {}",
        load_time.as_secs_f64(),
        tally.sent,
        tally.accepted.len(),
        tally.refused,
        tally.attempts - tally.sent,
        lost,
        duplicated
    );
    println!(
        "  rows {} (accepted or abandoned), events {}, consumer effects missing {consumed}; transport errors {}, hung {}, abandoned {}, slowest attempt {:?}",
        rows.len(),
        per_training.len(),
        tally.transport_errors,
        tally.hung,
        tally.abandoned,
        tally.slowest
    );
    assert_eq!(
        lost, 0,
        "lost rows {lost_rows}, events {lost_events}, effects {consumed}"
    );
    assert_eq!(duplicated, 0);
    assert!(tally.unexpected.is_empty(), "{:?}", tally.unexpected);
    assert_eq!(tally.refused_without_retry_after, 0);
    assert_eq!(tally.hung, 0, "attempts hit the {CLIENT_TIMEOUT:?} timeout");
    assert_eq!(tally.abandoned, 0);
    assert!(
        tally.refused > 0,
        "the faults refused nothing: were they injected?"
    );
    assert_eq!(tally.sent, tally.accepted.len());
}
