//! The bus is not a back door: with deploy/nats/nats-auth.conf every process logs in as its
//! own NATS user and may use only its own subjects. The whole system works that way (schools,
//! a group, a member, a roster and trainings, which cross membership, evaluation, council and
//! rotation by requests and by events), and a process with wrong or no credentials, or with
//! another service's, cannot call membership, answer its requests, forge its events or delete
//! the stream.

use std::path::Path;
use std::time::Duration;

use edu_contracts::{Actor, Command};
use edu_domain::{RegionCode, Role};
use edu_testkit::TestDb;
use futures::StreamExt as _;
use serde_json::json;

use crate::support::{
    Fixture, NatsLogin, NatsServer, PROCESSES, Proc, REGION, ScratchDir, SystemEnv, free_port,
    nats_password, nats_user, private_config, token, wait_ready,
};

fn auth_config() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/nats/nats-auth.conf")
        .display()
        .to_string()
}

async fn connect(
    url: &str,
    user: Option<&str>,
    password: &str,
) -> anyhow::Result<async_nats::Client> {
    let mut options = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(3))
        .request_timeout(Some(Duration::from_secs(2)));
    if let Some(user) = user {
        options = options.user_and_password(user.to_owned(), password.to_owned());
    }
    Ok(options.connect(url).await?)
}

/// A `school.create` command claiming to come from the bureau: what membership would obey.
fn forged_school(name: &str) -> bytes::Bytes {
    let command = Command {
        actor: Actor {
            sub: "intruder".into(),
            role: Some(Role::Bureau),
            region: Some(RegionCode::parse(REGION).unwrap()),
            school_id: None,
        },
        idempotency_key: None,
        body: json!({"name": name, "stage": "junior", "region": REGION, "principal_name": "x", "legal_person": "x"}),
    };
    serde_json::to_vec(&command).unwrap().into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_right_nats_user_may_call_membership() {
    let dir = ScratchDir::new("bus-access");
    let db = TestDb::new().await.unwrap();
    let env: Vec<(String, String)> = PROCESSES
        .iter()
        .map(|s| {
            let user = nats_user(s);
            (
                format!("EDU_NATS_{}_PASSWORD", user.to_uppercase()),
                nats_password(&user),
            )
        })
        .collect();
    let nats = NatsServer::start(
        "nats",
        dir.path(),
        free_port(),
        &[
            "-c".to_owned(),
            private_config(&auth_config(), dir.path(), "nats", &[]),
        ],
        &env,
    )
    .await;
    let system = SystemEnv {
        database_url: db.url(),
        nats_url: nats.url(),
        dir: dir.path().to_owned(),
        api_port: free_port(),
        nats_login: NatsLogin::OwnUser,
    };
    let _procs: Vec<Proc> = PROCESSES.iter().map(|s| system.serve(s)).collect();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let base = system.base();
    // the system works with its own users' permissions
    wait_ready(&http, &base, Duration::from_secs(60)).await;
    let fixture = Fixture::create(&http, &base).await;
    fixture.wait_until_trainings_accepted(&http, &base).await;
    let schools = |http: reqwest::Client, base: String| async move {
        let page: serde_json::Value = http
            .get(format!("{base}/api/v1/schools?limit=200"))
            .bearer_auth(token(Role::Bureau, REGION, None))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["total"].as_u64().unwrap()
    };
    let before = schools(http.clone(), base.clone()).await;
    let subject = "edu.membership.v1.school.create";
    let violations = nats
        .log_text()
        .lines()
        .filter(|l| l.contains("Violation"))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert!(
        violations.is_empty(),
        "the system itself ran into its permissions: {violations:#?}"
    );

    // wrong password, no credentials: not even connected
    let url = nats.url();
    assert!(connect(&url, Some("membership"), "guessed").await.is_err());
    assert!(connect(&url, Some("lead_api"), "").await.is_err());
    assert!(connect(&url, None, "").await.is_err());
    println!("bus access: wrong password and anonymous connections refused");

    // another service's identity: no calling membership, no answering for it, no forging
    let rotation = connect(&url, Some("rotation"), &nats_password("rotation"))
        .await
        .unwrap();
    let call = rotation.request(subject, forged_school("后门中学")).await;
    assert!(call.is_err(), "rotation called membership: {call:?}");
    let mut stolen = rotation.subscribe("edu.membership.v1.>").await.unwrap();
    rotation.flush().await.unwrap();
    assert_eq!(schools(http.clone(), base.clone()).await, before);
    let got = tokio::time::timeout(Duration::from_millis(500), stolen.next()).await;
    assert!(
        !matches!(got, Ok(Some(_))),
        "rotation received a membership request"
    );
    let js = async_nats::jetstream::new(rotation.clone());
    let forged = async {
        js.publish("edu.events.membership.group.dissolved", "{}".into())
            .await?
            .await
    };
    let forged = tokio::time::timeout(Duration::from_secs(5), forged).await;
    assert!(
        !matches!(forged, Ok(Ok(_))),
        "rotation published a membership event"
    );
    let deleted =
        tokio::time::timeout(Duration::from_secs(5), js.delete_stream("EDU_EVENTS")).await;
    assert!(!matches!(deleted, Ok(Ok(_))), "rotation deleted the stream");
    println!(
        "bus access: the rotation user cannot call, serve or forge membership, nor delete the stream"
    );

    // the control: the API's user may make the same call, so the refusals above were the
    // permissions, not a malformed request
    let api = connect(&url, Some("lead_api"), &nats_password("lead_api"))
        .await
        .unwrap();
    let reply = api
        .request(subject, forged_school("正门中学"))
        .await
        .unwrap();
    let reply: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert!(reply.get("ok").is_some(), "{reply}");
    assert_eq!(schools(http.clone(), base.clone()).await, before + 1);
    let stream = async_nats::jetstream::new(api)
        .get_stream("EDU_EVENTS")
        .await;
    assert!(stream.is_ok(), "the stream is gone");
    let log = nats.log_text();
    assert!(
        log.contains(r#"User "rotation", Subject "edu.membership.v1.school.create""#),
        "{log}"
    );
}
