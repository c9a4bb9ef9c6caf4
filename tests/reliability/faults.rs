//! Fault injection on the real processes: `edugroup serve <service>` for every service and
//! the API, a private nats-server and a fresh database, under a steady write load (trainings,
//! each with its own `Idempotency-Key`, retried on 503 and on transport errors). Faults:
//! SIGKILL of the rotation and evaluation processes and a restart; SIGKILL of nats-server and a
//! restart on the same store; every backend of the database terminated by PostgreSQL (the
//! shared cluster is never restarted: other tests use it). Afterwards: each accepted request's
//! row is in the database once, its event on the stream once and its effect in the consumer
//! once; refusals were 503 with Retry-After; nothing hung; every process is still running.

use std::collections::HashMap;
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_testkit::TestDb;

use crate::support::{
    CLIENT_TIMEOUT, Fixture, Load, NatsServer, PROCESSES, Proc, ScratchDir, SystemEnv, count,
    free_port, wait_ready,
};

/// Steady load between faults.
const STEADY: Duration = Duration::from_secs(3);

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

    let load = Load::start(&http, &base, fixture, "fault");
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
    let ran = load.stop().await;
    for (name, p) in procs.iter_mut() {
        assert!(p.is_running(), "{name} exited instead of reconnecting");
    }
    load.verify(&db.url(), &nats.url(), "fault injection", ran)
        .await;
    let tally = load.tally.lock().await;
    assert!(
        tally.refused > 0,
        "the faults refused nothing: were they injected?"
    );
}
