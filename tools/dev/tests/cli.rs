//! The development tool offers what the production binary leaves out: `up` (with the demo
//! county, its tokens and its own bus) and development tokens. The markers the root crate's
//! tests/binary.rs looks for in vain in `edugroup` are here, so that test's silence means
//! something.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::time::Duration;

use edu_auth::{AuthConfig, Verifier};
use edu_testkit::process::{help_commands, run_clean};
use secrecy::SecretString;

const BIN: &str = env!("CARGO_BIN_EXE_edugroup-dev");

#[test]
fn the_tool_offers_up_and_development_tokens() {
    let (ok, help) = run_clean(BIN, &["--help"], &[]);
    assert!(ok, "{help}");
    assert_eq!(help_commands(&help), ["up", "token"], "{help}");
    let (ok, up) = run_clean(BIN, &["up", "--help"], &[]);
    assert!(ok, "{up}");
    assert!(up.contains("--no-demo"), "{up}");
    assert!(up.contains("[env: EDUGROUP_DEV_STATE_DIR="), "{up}");
}

#[test]
fn the_tool_holds_the_demo_county_its_bus_and_the_banner() {
    let bytes = std::fs::read(BIN).unwrap();
    // as tests/binary.rs of the root crate lists them
    for marker in [
        "demo-group-alliance",
        "up-nats",
        "edugroup is up  集团化办学管理平台已启动",
    ] {
        let held = bytes.utf8_chunks().any(|c| c.valid().contains(marker));
        assert!(held, "{BIN} lacks {marker:?}");
    }
}

/// Signed with the public development secret (no EDUGROUP_JWT_SECRET given), for the demo
/// county unless told another; `edugroup` refuses that secret (tests/binary.rs) and `serve`
/// its tokens (src/config.rs tests).
#[tokio::test]
async fn a_development_token_is_signed_with_the_development_secret_for_the_demo_county() {
    let (ok, token) = run_clean(BIN, &["token", "--role", "bureau"], &[]);
    assert!(ok, "{token}");
    let development = AuthConfig {
        issuer: "edugroup-dev".into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from(edugroup::config::DEV_SECRET)),
        jwks: None,
        max_lifetime: Duration::from_secs(8 * 24 * 3600),
    };
    let claims = Verifier::new(&development)
        .await
        .unwrap()
        .verify(token.trim())
        .unwrap();
    assert_eq!(claims.region.as_str(), "411627");
}
