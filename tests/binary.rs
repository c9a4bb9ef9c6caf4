//! The production binary holds the product only: its commands are `serve`, `migrate`,
//! `token`, `openapi` and `audit`; the development tool's `up`, its demo county, its banner
//! and its own nats-server are not in it (tools/dev/tests/cli.rs shows the same markers are
//! in the tool, so their absence here means something), and its `token` mints only tokens
//! a deployment accepts, never with the public development secret.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::collections::BTreeSet;
use std::time::Duration;

use edu_auth::{AuthConfig, Verifier};
use edu_testkit::process::{help_commands, run_clean};
use secrecy::SecretString;

const BIN: &str = env!("CARGO_BIN_EXE_edugroup");

/// Text only the development tool's code holds: an idempotency key of the demo county, the
/// directory of `up`'s own nats-server, the first line of `up`'s banner.
const DEVELOPMENT_MARKERS: [&str; 3] = [
    "demo-group-alliance",
    "up-nats",
    "edugroup is up  集团化办学管理平台已启动",
];

#[test]
fn edugroup_offers_the_production_commands_and_no_up() {
    let (ok, help) = run_clean(BIN, &["--help"], &[]);
    assert!(ok, "{help}");
    let commands: BTreeSet<String> = help_commands(&help).into_iter().collect();
    let expected = ["audit", "migrate", "openapi", "serve", "token"].map(str::to_owned);
    assert_eq!(commands, expected.into(), "{help}");
    assert!(!help.contains("--dev-state-dir"), "{help}");
    let (ok, out) = run_clean(BIN, &["up", "--no-demo"], &[]);
    assert!(!ok, "`edugroup up` ran: {out}");
    assert!(out.contains("unrecognized subcommand 'up'"), "{out}");
}

#[test]
fn edugroup_holds_no_demo_data_no_dev_bus_and_no_up_banner() {
    let bytes = std::fs::read(BIN).unwrap();
    // a marker is text, so it lies within one run of valid UTF-8
    for chunk in bytes.utf8_chunks() {
        let text = chunk.valid();
        if let Some(marker) = DEVELOPMENT_MARKERS.iter().find(|m| text.contains(*m)) {
            panic!("{BIN} contains {marker:?}");
        }
    }
}

#[tokio::test]
async fn edugroup_token_signs_only_with_the_deployments_own_secret() {
    let mint = |secret: Option<&str>| {
        let env: Vec<(String, String)> = secret
            .map(|s| ("EDUGROUP_JWT_SECRET".to_owned(), s.to_owned()))
            .into_iter()
            .collect();
        run_clean(
            BIN,
            &["token", "--role", "bureau", "--region", "411627"],
            &env,
        )
    };
    // no secret: nothing to sign with (the development secret is not taken instead)
    let (ok, out) = mint(None);
    assert!(!ok, "{out}");
    assert!(out.contains("EDUGROUP_JWT_SECRET"), "{out}");
    // the public development secret, or one too short to be a deployment's own: refused
    let (ok, out) = mint(Some(edugroup::config::DEV_SECRET));
    assert!(!ok && out.contains("public"), "{out}");
    let (ok, out) = mint(Some("too-short"));
    assert!(!ok && out.contains("shorter"), "{out}");
    // a deployment's own secret: a token `serve` accepts
    let secret = "a-county-secret-of-at-least-32-bytes!!";
    let (ok, out) = mint(Some(secret));
    assert!(ok, "{out}");
    let verifier = Verifier::new(&AuthConfig {
        issuer: "edugroup-dev".into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from(secret)),
        jwks: None,
        max_lifetime: Duration::from_secs(12 * 3600),
    })
    .await
    .unwrap();
    let claims = verifier.verify(out.trim()).unwrap();
    assert_eq!(claims.region.as_str(), "411627");
}
