//! Fault injection on the real processes: `edugroup serve <service>` for every service and
//! the API, a private nats-server and a private PostgreSQL server (its own cluster, port and
//! data directory: the shared cluster on 5432 is never restarted, other tests use it), under a
//! steady write load (trainings, each with its own `Idempotency-Key`, retried on 503 and on
//! transport errors). Faults: SIGKILL of the rotation and evaluation processes and a restart;
//! SIGKILL of nats-server and a restart on the same store; PostgreSQL stopped as in a crash
//! (`pg_ctl stop -m immediate`: no checkpoint, every connection cut) and started again on the
//! same data directory (WAL replay). Afterwards: each accepted request's row is in the
//! database once, its event on the stream once and its effect in the consumer once; refusals
//! were 503 with Retry-After; nothing hung; every process is still running (it reconnected by
//! itself).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::{
    CLIENT_TIMEOUT, Fixture, Load, NatsLogin, NatsServer, PROCESSES, PgServer, Proc, ScratchDir,
    SystemEnv, free_port, wait_ready,
};

/// Steady load between faults.
const STEADY: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_writes_survive_killed_services_and_nats_and_postgres_restarts() {
    let dir = ScratchDir::new("faults");
    let mut pg = PgServer::start("postgres", dir.path(), free_port()).await;
    let mut nats = NatsServer::start("nats", dir.path(), free_port(), &[], &[]).await;
    let system = SystemEnv {
        database_url: pg.url(),
        nats_url: nats.url(),
        dir: dir.path().to_owned(),
        api_port: free_port(),
        nats_login: NatsLogin::Insecure,
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

    // (c) PostgreSQL crashes (immediate shutdown) and is started again on its data directory
    let stopped = Instant::now();
    tokio::task::block_in_place(|| pg.stop_immediate());
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.restart().await;
    let down = stopped.elapsed();
    assert!(
        pg.log_text()
            .contains("not properly shut down; automatic recovery in progress"),
        "PostgreSQL restarted without crash recovery"
    );
    let c = load.wait_for_progress(50, "restarting PostgreSQL").await;
    eprintln!(
        "faults: (c) PostgreSQL restarted (pg_ctl stop -m immediate, down {:.1} s); writes accepted again {c:?} later",
        down.as_secs_f64()
    );

    tokio::time::sleep(STEADY).await;
    let ran = load.stop().await;
    for (name, p) in procs.iter_mut() {
        assert!(p.is_running(), "{name} exited instead of reconnecting");
    }
    load.verify(&pg.url(), &nats.url(), "fault injection", ran)
        .await;
    let tally = load.tally.lock().await;
    assert!(
        tally.refused > 0,
        "the faults refused nothing: were they injected?"
    );
}
