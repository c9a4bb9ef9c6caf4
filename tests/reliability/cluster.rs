//! The system on the 3-node nats-server cluster of deploy/nats/cluster (private ports and
//! stores): each process on its own node, so requests cross the routes (API on
//! node 3 → rotation on nodes 1 and 2) and events too (rotation's relay publishes through node
//! 1, evaluation consumes through node 2); the processes create EDU_EVENTS with 3 replicas
//! (`EDUGROUP_NATS_STREAM_REPLICAS=3`, as deploy/compose and deploy/k8s do). A second rotation
//! instance shares the load through the queue group, both answering. Under a steady write load
//! the node leading the stream is killed (SIGKILL) and later restarted on its store:
//! afterwards every accepted write is in the database once, its event on the stream once and
//! its effect in the consumer once.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use edu_testkit::TestDb;
use futures::StreamExt as _;

use crate::support::{
    CLIENT_TIMEOUT, Fixture, Load, NatsLogin, NatsServer, Proc, ScratchDir, SystemEnv, free_port,
    private_config, wait_ready,
};

/// Requests served so far by each instance of a service (instance id → count), from
/// `$SRV.STATS.<service>`.
async fn requests_per_instance(
    client: &async_nats::Client,
    service: &str,
) -> BTreeMap<String, u64> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await.unwrap();
    client
        .publish_with_reply(format!("$SRV.STATS.{service}"), inbox, "".into())
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    while let Ok(Some(reply)) = tokio::time::timeout(Duration::from_secs(1), replies.next()).await {
        let stats: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
        let served = stats["endpoints"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["num_requests"].as_u64()).sum())
            .unwrap_or_default();
        counts.insert(stats["id"].as_str().unwrap_or_default().to_owned(), served);
    }
    counts
}

/// The stream as the cluster reports it: its leader, its followers (name, up to date?) and
/// its configured replicas; `None` while the cluster cannot answer (e.g. electing a leader).
async fn stream_cluster(
    client: &async_nats::Client,
) -> Option<(String, Vec<(String, bool)>, usize)> {
    let info = async_nats::jetstream::new(client.clone())
        .get_stream("EDU_EVENTS")
        .await
        .ok()?
        .get_info()
        .await
        .ok()?;
    let cluster = info.cluster.clone().unwrap_or_default();
    Some((
        cluster.leader.unwrap_or_default(),
        cluster
            .replicas
            .iter()
            .map(|r| (r.name.clone(), r.current))
            .collect(),
        info.config.num_replicas,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_runs_across_a_three_node_nats_cluster() {
    let dir = ScratchDir::new("cluster");
    let db = TestDb::new().await.unwrap();
    let clients: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let ports: Vec<(u16, u16)> = (0..3)
        .flat_map(|i| [(4301 + i as u16, clients[i]), (6301 + i as u16, routes[i])])
        .collect();
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nats/cluster");
    let mut nodes = Vec::new();
    for (i, port) in clients.iter().enumerate() {
        let name = format!("n{}", i + 1);
        let source = deploy.join(format!("node-{}.conf", i + 1));
        let config = private_config(&source.display().to_string(), dir.path(), &name, &ports);
        nodes.push(
            NatsServer::start(&name, dir.path(), *port, &["-c".to_owned(), config], &[]).await,
        );
    }
    // JetStream answers once the cluster has elected its meta leader
    let probe = async_nats::connect(nodes[0].url()).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let js_ready = |probe: async_nats::Client| async move {
        match probe.request("$JS.API.INFO", "".into()).await {
            Ok(reply) => serde_json::from_slice::<serde_json::Value>(&reply.payload)
                .is_ok_and(|v| v.get("error").is_none()),
            Err(_) => false,
        }
    };
    while !js_ready(probe.clone()).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no JetStream in the cluster"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let on = |node: usize| SystemEnv {
        database_url: db.url(),
        nats_url: nodes[node].url(),
        dir: dir.path().to_owned(),
        api_port: 0,
        nats_login: NatsLogin::Insecure,
    };
    let serve = |system: &SystemEnv, service: &str| {
        system.serve_with(service, &[("EDUGROUP_NATS_STREAM_REPLICAS", "3")])
    };
    let api = SystemEnv {
        api_port: free_port(),
        ..on(2)
    };
    // membership creates the stream first: six processes creating one replicated stream at
    // once in a cluster formed seconds ago have made one of them time out and exit at start
    let mut procs: Vec<Proc> = vec![serve(&on(0), "membership")];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stream_cluster(&probe).await.is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "membership did not create the stream"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    procs.extend([
        serve(&on(0), "rotation"),
        serve(&on(1), "catalogue"),
        serve(&on(1), "council"),
        serve(&on(1), "evaluation"),
        serve(&api, "lead-api"),
    ]);
    let http = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .unwrap();
    let base = api.base();
    wait_ready(&http, &base, Duration::from_secs(60)).await;
    let fixture = Fixture::create(&http, &base).await;
    fixture.wait_until_trainings_accepted(&http, &base).await;
    let (leader, replicas, copies) = stream_cluster(&probe).await.unwrap();
    println!("cluster: EDU_EVENTS has {copies} replicas, led by {leader}, followers {replicas:?}");
    assert_eq!(copies, 3);
    assert_eq!(replicas.len(), 2, "{replicas:?}");

    // a second rotation instance, on node 2: both share the queue group
    procs.push(serve(&on(1), "rotation"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let before = loop {
        let counts = requests_per_instance(&probe, "rotation").await;
        if counts.len() == 2 {
            break counts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second rotation did not join: {counts:?}"
        );
    };

    // steady writes through the API; the node leading the stream is killed, then restarted
    let load = Load::start(&http, &base, fixture, "node-kill");
    load.wait_for_progress(50, "starting the load").await;
    // deploy/nats/cluster names node i+1 `n<i+1>`
    let victim = leader[1..].parse::<usize>().unwrap() - 1;
    nodes[victim].kill9();
    let killed = Instant::now();
    let during = load
        .wait_for_progress(50, &format!("killing node {leader}"))
        .await;
    println!(
        "cluster: node {leader} (the stream's leader) killed; 50 more writes accepted {during:?} later, while it was down"
    );
    // steady writes while the node stays down
    tokio::time::sleep(Duration::from_secs(3)).await;
    nodes[victim].restart().await;
    let down = killed.elapsed();
    let after = load
        .wait_for_progress(50, &format!("restarting node {leader}"))
        .await;
    println!(
        "cluster: node {leader} restarted after {down:?} down; 50 more writes {after:?} later"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ran = load.stop().await;
    for p in procs.iter_mut() {
        assert!(p.is_running(), "{} exited instead of failing over", p.name);
    }

    // the restarted node catches up: every replica current again
    let survivor = nodes[(victim + 1) % 3].url();
    let client = async_nats::connect(&survivor).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let (leader_now, replicas) = loop {
        let state = stream_cluster(&client).await;
        if let Some((leader, replicas, _)) = &state
            && replicas.len() == 2
            && replicas.iter().all(|(_, current)| *current)
        {
            break (leader.clone(), replicas.clone());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream's replicas did not catch up: {state:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    println!("cluster: EDU_EVENTS now led by {leader_now}, followers {replicas:?}");
    load.verify(&db.url(), &survivor, "cluster node kill", ran)
        .await;

    let served = requests_per_instance(&client, "rotation").await;
    let during_load: Vec<u64> = served
        .iter()
        .map(|(id, n)| n - before.get(id).copied().unwrap_or_default())
        .collect();
    println!(
        "cluster: requests served per rotation instance during the load: {during_load:?} (in all {:?})",
        served.values().collect::<Vec<_>>()
    );
    assert_eq!(served.len(), 2, "{served:?}");
    assert!(during_load.iter().all(|n| *n > 0), "{during_load:?}");
}
