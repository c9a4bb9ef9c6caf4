//! The system on the 3-node nats-server cluster of deploy/nats/cluster (private ports and
//! stores): each process on its own node, so requests cross the routes (API on node 3 →
//! rotation on node 1) and events too (rotation's relay publishes through node 1, evaluation
//! consumes through node 2); a second rotation instance on node 2 shares the load through the
//! queue group, both answering.

use std::path::Path;
use std::time::Duration;

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use edu_testkit::TestDb;
use futures::StreamExt as _;

use crate::support::{
    Fixture, NatsServer, Proc, ScratchDir, SystemEnv, free_port, private_config, wait_ready,
};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Requests served by each instance of a service, from `$SRV.STATS.<service>`.
async fn requests_per_instance(client: &async_nats::Client, service: &str) -> Vec<u64> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await.unwrap();
    client
        .publish_with_reply(format!("$SRV.STATS.{service}"), inbox, "".into())
        .await
        .unwrap();
    let mut counts = Vec::new();
    while let Ok(Some(reply)) = tokio::time::timeout(Duration::from_secs(1), replies.next()).await {
        let stats: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
        let served = stats["endpoints"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["num_requests"].as_u64()).sum())
            .unwrap_or_default();
        counts.push(served);
    }
    counts.sort_unstable();
    counts
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
        nats_auth: false,
    };
    let api = SystemEnv {
        api_port: free_port(),
        ..on(2)
    };
    let mut procs: Vec<Proc> = vec![
        on(0).serve("membership"),
        on(0).serve("rotation"),
        on(1).serve("catalogue"),
        on(1).serve("council"),
        on(1).serve("evaluation"),
        api.serve("lead-api"),
    ];
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let base = api.base();
    wait_ready(&http, &base, Duration::from_secs(60)).await;
    let fixture = Fixture::create(&http, &base).await;
    fixture.wait_until_trainings_accepted(&http, &base).await;

    // a second rotation instance, on node 2: both share the queue group
    procs.push(on(1).serve("rotation"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while requests_per_instance(&probe, "rotation").await.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second rotation did not join"
        );
    }
    let trainings = 40;
    for n in 0..trainings {
        let r = http
            .post(format!("{base}/api/v1/groups/{}/trainings", fixture.group))
            .bearer_auth(&fixture.lead_admin)
            .json(&fixture.training(&format!("cluster-{n}"), n))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let served = requests_per_instance(&probe, "rotation").await;
    println!("cluster: requests served per rotation instance: {served:?}");
    assert_eq!(served.len(), 2);
    assert!(served.iter().all(|n| *n > 0), "{served:?}");

    // the events reached evaluation through another node: its projection has every training
    let mut conn = AsyncPgConnection::establish(&db.url()).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        use diesel_async::RunQueryDsl as _;
        let seen = diesel::sql_query(
            "SELECT count(*) AS n FROM evaluation.trainings t JOIN rotation.trainings r \
             ON r.id = t.training_id WHERE r.title LIKE 'cluster-%'",
        )
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n;
        if seen == trainings as i64 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "evaluation saw {seen} of {trainings} trainings"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let stream = async_nats::jetstream::new(async_nats::connect(nodes[2].url()).await.unwrap())
        .get_stream("EDU_EVENTS")
        .await
        .unwrap()
        .get_info()
        .await
        .unwrap();
    println!(
        "cluster: {trainings} trainings through node 3 → rotation on nodes 1 and 2 → evaluation on node 2; stream EDU_EVENTS holds {} events, led by {:?}",
        stream.state.messages,
        stream.cluster.and_then(|c| c.leader)
    );
}
