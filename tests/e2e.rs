//! End to end over real sockets: all five services and the lead-school API started as the
//! binary starts them, against real PostgreSQL and NATS, driven by an HTTP client.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::net::SocketAddr;
use std::time::Duration;

use edu_auth::{AuthConfig, Minter, TokenRequest, Verifier};
use edu_domain::{RegionCode, Role};
use edu_lead_api::{ApiConfig, AppState};
use edu_testkit::{TestBus, TestDb};
use secrecy::SecretString;
use serde_json::{Value, json};

fn auth() -> AuthConfig {
    AuthConfig {
        issuer: "edugroup-e2e".into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from("e2e-secret-0123456789abcdef0123456789")),
        jwks: None,
        max_lifetime: edu_auth::DEFAULT_MAX_LIFETIME,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_system_serves_http_with_every_service_ready() {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    edugroup::system::run_backend(
        &bus.bus,
        |schema| db.config(schema),
        Default::default(),
        std::future::pending,
    )
    .await
    .unwrap();
    let verifier = Verifier::new(&auth()).await.unwrap();
    let state = AppState::new(bus.bus.clone(), verifier).await.unwrap();
    let config = ApiConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        workers: 1,
    };
    let (server, addrs) = edu_lead_api::serve(&config, state).unwrap();
    tokio::spawn(server);
    let base = format!("http://{}", addrs[0]);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    let status = ready.status();
    assert_eq!(status, 200, "{}", ready.text().await.unwrap());
    assert_eq!(
        http.get(format!("{base}/docs/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let spec: Value = http
        .get(format!("{base}/api-docs/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["openapi"], "3.1.0");

    let token = Minter::new(&auth())
        .unwrap()
        .mint(&TokenRequest {
            sub: "e2e".into(),
            name: String::new(),
            role: Role::Bureau,
            region: RegionCode::parse("411627").unwrap(),
            school_id: None,
            ttl: Duration::from_secs(600),
        })
        .unwrap();
    let post = |path: String, body: Value| {
        http.post(format!("{base}/api/v1{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let mut ids = Vec::new();
    for i in 0..4 {
        let body = json!({"name": format!("城关{i}小"), "stage": "primary", "region": "411627", "principal_name": "校长", "legal_person": "x"});
        let school: Value = post("/schools".into(), body)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(school["id"].as_str().unwrap().to_owned());
    }
    let body = json!({"name": "城关小学集团", "model": "tight", "lead_school_id": ids[0], "plaque_date": "2025-09-01"});
    let group: Value = post("/groups".into(), body)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let gid = group["id"].as_str().unwrap();
    for id in &ids[1..] {
        assert_eq!(
            post(format!("/groups/{gid}/members"), json!({"school_id": id}))
                .await
                .unwrap()
                .status(),
            201
        );
    }
    let body = json!({"name": "城关4小", "stage": "primary", "region": "411627", "principal_name": "校长", "legal_person": "x"});
    let fourth: Value = post("/schools".into(), body)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refused = post(
        format!("/groups/{gid}/members"),
        json!({"school_id": fourth["id"]}),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "group_cap_exceeded");
    // every write left through the outbox: one group.established and three member.admitted
    let events = bus.wait_for_events(4).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event_type == "member.admitted")
            .count(),
        3
    );
}
