//! What verifying a bearer token costs: the API's verifier (HS256 development secret, issuer
//! and audience checked) on a real minted token, in a loop on one thread.
//!
//! `cargo run --release -p edu-bench --bin jwt_verify -- [seconds]` prints `verifications/s`
//! and `ns/verification`; deploy/bench/load.sh turns that into a share of an endpoint's
//! per-request CPU.

use std::time::{Duration, Instant};

use edu_auth::{AuthConfig, Minter, TokenRequest, Verifier};
use edu_domain::{RegionCode, Role};
use secrecy::SecretString;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let config = AuthConfig {
        issuer: "edugroup-dev".into(),
        audience: "edugroup".into(),
        hs256_secret: Some(SecretString::from(
            "edugroup-development-secret-change-me-in-production",
        )),
        jwks: None,
        max_lifetime: edu_auth::DEFAULT_MAX_LIFETIME,
    };
    let token = Minter::new(&config)?.mint(&TokenRequest {
        sub: "bench".into(),
        name: "压测".into(),
        role: Role::Bureau,
        region: RegionCode::parse("411627").map_err(|p| anyhow::anyhow!(p.message))?,
        school_id: None,
        ttl: Duration::from_secs(3600),
    })?;
    let verifier = Verifier::new(&config).await?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut n: u64 = 0;
    while Instant::now() < deadline {
        for _ in 0..1000 {
            std::hint::black_box(verifier.verify(std::hint::black_box(&token))?);
        }
        n += 1000;
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!("verifications/s {:.0}", n as f64 / elapsed);
    println!("ns/verification {:.0}", elapsed * 1e9 / n as f64);
    Ok(())
}
