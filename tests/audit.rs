//! `edugroup audit verify` and `verify-export` as an operator and a bureau run them: the
//! binary against a database that every service wrote to through its real write paths
//! (requests over HTTP to the lead-school API). An intact county passes both; an export
//! changed after download fails its check; a record changed in SQL behind the triggers' back
//! is named, and the exit codes say so.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::net::SocketAddr;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use edu_auth::{AuthConfig, Minter, TokenRequest, Verifier};
use edu_domain::{RegionCode, Role};
use edu_lead_api::{ApiConfig, AppState, AuditSigner};
use edu_testkit::{TestBus, TestDb};
use secrecy::SecretString;
use serde_json::{Value, json};

const COUNTY: &str = "411627";

fn auth() -> AuthConfig {
    AuthConfig {
        issuer: "edugroup-audit".into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from(
            "audit-secret-0123456789abcdef0123456789",
        )),
        jwks: None,
        max_lifetime: edu_auth::DEFAULT_MAX_LIFETIME,
    }
}

/// The key the lead-school API signs with (a test key, `openssl genpkey -algorithm ed25519`).
fn signer() -> AuditSigner {
    AuditSigner::from_pem(include_str!(
        "../services/lead-api/tests/fixtures/audit-signing-key.pem"
    ))
    .unwrap()
}

/// Runs the binary against the test's database.
async fn edugroup(db: &TestDb, args: &[&str]) -> Output {
    let url = db.url();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_edugroup"))
            .args(&args)
            .env("EDUGROUP_DATABASE_URL", url)
            .env("RUST_BACKTRACE", "0")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[derive(QueryableByName)]
struct Event {
    #[diesel(sql_type = SqlUuid)]
    event_id: uuid::Uuid,
}

/// Every service and the API on a free port; its base URL.
async fn system(db: &TestDb, bus: &TestBus) -> String {
    edugroup::system::run_backend(
        &bus.bus,
        |schema| db.config(schema),
        Default::default(),
        std::future::pending,
    )
    .await
    .unwrap();
    let verifier = Verifier::new(&auth()).await.unwrap();
    let state = AppState::new(bus.bus.clone(), verifier)
        .await
        .unwrap()
        .with_audit_signer(Some(signer()));
    let config = ApiConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        workers: 1,
    };
    let (server, addrs) = edu_lead_api::serve(&config, state).unwrap();
    tokio::spawn(server);
    format!("http://{}/api/v1", addrs[0])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_commands_pass_an_intact_county_and_name_what_was_changed() {
    let db = TestDb::new().await.unwrap();
    let bus = TestBus::new().await.unwrap();
    let migrated = edugroup(&db, &["migrate"]).await;
    assert!(migrated.status.success(), "{migrated:?}");
    let api = system(&db, &bus).await;
    let token = Minter::new(&auth())
        .unwrap()
        .mint(&TokenRequest {
            sub: "bureau-411627".into(),
            name: String::new(),
            role: Role::Bureau,
            region: RegionCode::parse(COUNTY).unwrap(),
            school_id: None,
            ttl: Duration::from_secs(600),
        })
        .unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let post = |path: String, body: Value| {
        http.post(format!("{api}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    // the bureau forms a group and admits two members: three events of the county
    let mut schools = Vec::new();
    for name in [
        "太康县第一初级中学",
        "太康县第二初级中学",
        "太康县第三初级中学",
    ] {
        let body = json!({"name": name, "stage": "junior", "region": COUNTY, "principal_name": "校长", "legal_person": name});
        let school: Value = post("/schools".into(), body)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        schools.push(school["id"].as_str().unwrap().to_owned());
    }
    let body = json!({"name": "太康县第一初级中学教育集团", "model": "alliance", "lead_school_id": schools[0], "plaque_date": "2024-09-01"});
    let group: Value = post("/groups".into(), body)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let group = group["id"].as_str().unwrap().to_owned();
    for school in &schools[1..] {
        let admitted = post(
            format!("/groups/{group}/members"),
            json!({ "school_id": school }),
        )
        .await
        .unwrap();
        assert_eq!(admitted.status(), 201);
    }

    let intact = edugroup(&db, &["audit", "verify", "--county", COUNTY]).await;
    let text = stdout(&intact);
    assert!(intact.status.success(), "{intact:?}");
    assert!(text.contains("太康县"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("membership") && l.contains("OK") && l.contains("3 records")),
        "{text}"
    );

    // the bureau downloads its county's export; it verifies against the published key
    let key: Value = http
        .get(format!("{api}/audit/public-key"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = key["public_key"].as_str().unwrap().to_owned();
    let export = http
        .get(format!("{api}/regions/{COUNTY}/audit/export"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let export = export.bytes().await.unwrap();
    let dir = std::env::temp_dir().join(format!("edugroup-audit-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("export.jsonl");
    std::fs::write(&file, &export).unwrap();
    let path = file.to_str().unwrap();
    let checked = edugroup(&db, &["audit", "verify-export", path, "--public-key", &key]).await;
    let text = stdout(&checked);
    assert!(checked.status.success(), "{checked:?}");
    assert!(text.contains("signature 签名  OK"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("membership") && l.contains("OK") && l.contains("3 records")),
        "{text}"
    );
    // checked against an earlier export the bureau kept (here: itself)
    let args = [
        "audit",
        "verify-export",
        path,
        "--public-key",
        &key,
        "--previous",
        path,
    ];
    let again = edugroup(&db, &args).await;
    assert!(again.status.success(), "{again:?}");
    assert!(
        stdout(&again)
            .lines()
            .any(|l| l.contains("membership") && l.contains("OK 一致")),
        "{again:?}"
    );
    // the same file with one of its records changed
    let changed =
        String::from_utf8(export.to_vec())
            .unwrap()
            .replacen("bureau-411627", "bureau-411628", 1);
    let tampered = dir.join("tampered.jsonl");
    std::fs::write(&tampered, changed).unwrap();
    let refused = edugroup(
        &db,
        &[
            "audit",
            "verify-export",
            tampered.to_str().unwrap(),
            "--public-key",
            &key,
        ],
    )
    .await;
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        stderr(&refused).contains("changed after it was signed"),
        "{refused:?}"
    );
    remove(&dir);

    // the second record (the first admission) is changed in SQL, as a superuser can
    let mut conn = AsyncPgConnection::establish(&db.url()).await.unwrap();
    let second: Event = diesel::sql_query(
        "SELECT event_id FROM membership.audit_records WHERE chain = $1 AND seq = 2",
    )
    .bind::<Text, _>(COUNTY)
    .get_result(&mut conn)
    .await
    .unwrap();
    TestDb::execute(
        &db,
        &format!(
            "SET session_replication_role = replica; \
             UPDATE membership.audit_records SET content = replace(content, 'bureau-411627', 'nobody') \
              WHERE chain = '{COUNTY}' AND seq = 2"
        ),
    )
    .await
    .unwrap();

    let broken = edugroup(&db, &["audit", "verify", "--county", COUNTY]).await;
    let text = stdout(&broken);
    assert!(!broken.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("membership"))
        .unwrap_or_default();
    assert!(line.contains("BROKEN"), "{text}");
    assert!(line.contains("record 第 2 条"), "{text}");
    assert!(line.contains(&second.event_id.to_string()), "{text}");
    assert!(line.contains("altered"), "{text}");
    assert!(stderr(&broken).contains("审计链已被破坏"), "{broken:?}");
    // another county's trail is untouched
    let other = edugroup(&db, &["audit", "verify", "--county", "411621"]).await;
    assert!(other.status.success(), "{other:?}");
}

fn remove(dir: &Path) {
    std::fs::remove_dir_all(dir).unwrap();
}
