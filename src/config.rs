//! Configuration: defaults, overridden by `EDUGROUP_*` environment variables, overridden by
//! flags. An `EDUGROUP_*` variable the program does not know is an error at start, so a
//! typo never silently falls back to a default.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use edu_auth::{AuthConfig, JwksSource};
use edu_bus::BusConfig;
use edu_lead_api::AuditSigner;
use secrecy::SecretString;

/// The development HS256 secret. It is public (it is in the repository): `edugroup` refuses
/// it; the development tool (`edugroup-dev up`, `edugroup-dev token`) takes it only on a
/// loopback address and says so.
pub const DEV_SECRET: &str = "edugroup-development-secret-change-me-in-production";
/// The shortest HS256 secret accepted outside development (RFC 7518 §3.2: a key of at least
/// the hash's size, 256 bits).
const MIN_SECRET_BYTES: usize = 32;
/// How long a token signed with the development secret may live: `up`'s demo tokens last 7
/// days.
const DEV_MAX_LIFETIME: Duration = Duration::from_secs(8 * 24 * 3600);

/// How the process runs: the development tool (`edugroup-dev`) is development on this
/// machine; everything the production binary `edugroup` does is a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Development,
    Production,
}

/// Every setting, each with its environment variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// PostgreSQL database of the system (each service uses its own schema in it).
    #[arg(
        long,
        env = "EDUGROUP_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/edugroup"
    )]
    pub database_url: String,
    /// Connections per service pool (membership keeps twice as many: its member list is the
    /// API's most frequent read).
    #[arg(long, env = "EDUGROUP_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: usize,
    /// NATS server (JetStream enabled). `serve` uses nats://127.0.0.1:4222 when none is given;
    /// `edugroup-dev up` then runs a server of its own that requires the development
    /// credentials.
    #[arg(long, env = "EDUGROUP_NATS_URL")]
    pub nats_url: Option<String>,
    /// NATS user (deploy/ gives each service its own). Without a user and password `serve`
    /// refuses to start unless told `--insecure-bus`.
    #[arg(long, env = "EDUGROUP_NATS_USER")]
    pub nats_user: Option<String>,
    /// NATS password.
    #[arg(long, env = "EDUGROUP_NATS_PASSWORD", hide_env_values = true)]
    pub nats_password: Option<String>,
    /// Connect to NATS without credentials (a server on this machine only): then any process
    /// that reaches it may call any service as any actor and publish events. For tests and
    /// benchmarks against an anonymous nats-server.
    #[arg(
        long,
        env = "EDUGROUP_INSECURE_BUS",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub insecure_bus: bool,
    /// Copies of the events stream when this process creates it: 3 on the NATS cluster of
    /// deploy/ (a node may fail without losing or stopping the stream), 1 on a single server.
    #[arg(long, env = "EDUGROUP_NATS_STREAM_REPLICAS", default_value_t = 1)]
    pub nats_stream_replicas: usize,
    /// Address of the lead-school API and console.
    #[arg(long, env = "EDUGROUP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// HTTP worker threads.
    #[arg(long, env = "EDUGROUP_HTTP_WORKERS", default_value_t = 2)]
    pub http_workers: usize,
    /// API requests in progress at once; four times as many more may wait a moment for a
    /// place, the rest is answered 503 `overloaded` with a Retry-After (edu_lead_api::shed).
    #[arg(long, env = "EDUGROUP_HTTP_MAX_IN_FLIGHT", default_value_t = edu_lead_api::shed::DEFAULT_MAX_IN_FLIGHT)]
    pub http_max_in_flight: usize,
    /// HS256 secret (at least 32 bytes). Without it the development tool (`edugroup-dev up`
    /// and `token`) uses the public development secret, on a loopback address only, unless
    /// `EDUGROUP_JWKS` is set; `edugroup` never accepts the development secret.
    #[arg(long, env = "EDUGROUP_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// JWKS of the production identity provider: a file path or an https URL.
    #[arg(long, env = "EDUGROUP_JWKS")]
    pub jwks: Option<String>,
    /// Required `iss` claim.
    #[arg(long, env = "EDUGROUP_JWT_ISSUER", default_value = "edugroup-dev")]
    pub jwt_issuer: String,
    /// Required `aud` claim.
    #[arg(long, env = "EDUGROUP_JWT_AUDIENCE", default_value = "edugroup")]
    pub jwt_audience: String,
    /// The longest lifetime (`exp` − `iat`) a token may have, in hours (tokens signed with the
    /// development secret: 8 days).
    #[arg(long, env = "EDUGROUP_JWT_MAX_LIFETIME_HOURS", default_value_t = 12)]
    pub jwt_max_lifetime_hours: u64,
    /// API requests a second from one client address (0: no limit); over it, 429 with
    /// Retry-After.
    #[arg(long, env = "EDUGROUP_RATE_PER_ADDRESS", default_value_t = 100)]
    pub rate_per_address: u32,
    /// The burst allowed above that rate.
    #[arg(long, env = "EDUGROUP_RATE_BURST_PER_ADDRESS", default_value_t = 400)]
    pub rate_burst_per_address: u32,
    /// API requests a second with one bearer token (0: no limit).
    #[arg(long, env = "EDUGROUP_RATE_PER_TOKEN", default_value_t = 50)]
    pub rate_per_token: u32,
    /// The burst allowed above that rate (a console page asks up to a few dozen things at
    /// once, the evaluation grid one per school).
    #[arg(long, env = "EDUGROUP_RATE_BURST_PER_TOKEN", default_value_t = 200)]
    pub rate_burst_per_token: u32,
    /// The API is reached over HTTPS only (behind a TLS proxy): responses carry HSTS.
    #[arg(long, env = "EDUGROUP_HSTS")]
    pub hsts: bool,
    /// Directory of the catalogue's file store (resource files, by SHA-256).
    #[arg(long, env = "EDUGROUP_FILES_DIR", default_value = "data/files")]
    pub files_dir: PathBuf,
    /// The Ed25519 private key (a PKCS#8 PEM file: `openssl genpkey -algorithm ed25519`)
    /// that signs the bureau's audit exports. Without it `serve` exports nothing (503) and
    /// `edugroup-dev up` signs with the public development key (on a loopback address only).
    #[arg(long, env = "EDUGROUP_AUDIT_SIGNING_KEY")]
    pub audit_signing_key: Option<PathBuf>,
}

/// The variables [`Settings`] reads, and those the development tools read; anything else
/// under `EDUGROUP_` is refused.
const KNOWN: [&str; 24] = [
    "EDUGROUP_DATABASE_URL",
    "EDUGROUP_DB_POOL_SIZE",
    "EDUGROUP_NATS_URL",
    "EDUGROUP_NATS_USER",
    "EDUGROUP_NATS_PASSWORD",
    "EDUGROUP_INSECURE_BUS",
    "EDUGROUP_NATS_STREAM_REPLICAS",
    "EDUGROUP_BIND",
    "EDUGROUP_HTTP_WORKERS",
    "EDUGROUP_HTTP_MAX_IN_FLIGHT",
    "EDUGROUP_JWT_SECRET",
    "EDUGROUP_JWKS",
    "EDUGROUP_JWT_ISSUER",
    "EDUGROUP_JWT_AUDIENCE",
    "EDUGROUP_JWT_MAX_LIFETIME_HOURS",
    "EDUGROUP_FILES_DIR",
    "EDUGROUP_HSTS",
    "EDUGROUP_RATE_PER_ADDRESS",
    "EDUGROUP_RATE_BURST_PER_ADDRESS",
    "EDUGROUP_RATE_PER_TOKEN",
    "EDUGROUP_RATE_BURST_PER_TOKEN",
    "EDUGROUP_AUDIT_SIGNING_KEY",
    // The development bus's state (edu_bus::dev): read by `edugroup-dev up`, the dev stack
    // and the test kit, so a developer's shell may carry it into any of the binaries.
    edu_bus::dev::STATE_DIR_VAR,
    // Used by the test kit only.
    "EDUGROUP_TEST_DATABASE_URL",
];

/// Fails on unknown `EDUGROUP_*` variables.
pub fn check_environment() -> anyhow::Result<()> {
    let unknown: Vec<String> = std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| {
            k.starts_with("EDUGROUP_")
                && !KNOWN.contains(&k.as_str())
                && k != "EDUGROUP_TEST_NATS_URL"
        })
        .collect();
    anyhow::ensure!(
        unknown.is_empty(),
        "unknown configuration variables: {}",
        unknown.join(", ")
    );
    Ok(())
}

/// The NATS server `serve` uses when `EDUGROUP_NATS_URL` is not given.
const DEFAULT_NATS_URL: &str = "nats://127.0.0.1:4222";

/// What a process without bus credentials warns about, in the log and in `up`'s banner.
pub const INSECURE_BUS_WARNING: &str = "the NATS bus is used WITHOUT credentials (--insecure-bus): any process that reaches the server may call any service as any actor and publish events  消息总线未使用凭据:任何能连上该服务器的进程都可以任意身份调用任何服务、发布事件";

impl Settings {
    /// The settings these flags and the environment give, as the binaries read them (for
    /// tests of what a setting does).
    pub fn from_flags(flags: &[&str]) -> Result<Self, clap::Error> {
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            settings: Settings,
        }
        let args = std::iter::once("edugroup").chain(flags.iter().copied());
        Ok(<Flags as clap::Parser>::try_parse_from(args)?.settings)
    }

    /// How this process reaches the NATS server it is pointed at. Refuses to go without
    /// credentials unless told `--insecure-bus`, and refuses that for a server on another
    /// machine: an anonymous bus lets whoever reaches it act as any service.
    pub fn bus(&self) -> anyhow::Result<BusConfig> {
        let mut c = BusConfig::new(self.nats_url.as_deref().unwrap_or(DEFAULT_NATS_URL));
        c.stream_replicas = self.nats_stream_replicas;
        match (&self.nats_user, &self.nats_password) {
            (Some(user), Some(password)) => {
                c.credentials = Some((user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => anyhow::bail!(
                "set both EDUGROUP_NATS_USER and EDUGROUP_NATS_PASSWORD, or neither  NATS 用户名和密码须同时设置"
            ),
        }
        // the message leaves the URL out: it holds a secret
        anyhow::ensure!(
            !c.url_has_credentials(),
            "EDUGROUP_NATS_URL carries a user or password, which the NATS client does not send (and a URL ends up in logs): give them as EDUGROUP_NATS_USER and EDUGROUP_NATS_PASSWORD  NATS 凭据请用 EDUGROUP_NATS_USER 和 EDUGROUP_NATS_PASSWORD 提供,不要写在 URL 中"
        );
        if !c.logs_in() {
            anyhow::ensure!(
                self.insecure_bus,
                "no NATS credentials: set EDUGROUP_NATS_USER and EDUGROUP_NATS_PASSWORD (deploy/nats/nats-auth.conf gives each service its own user), or pass --insecure-bus (EDUGROUP_INSECURE_BUS=1) to connect without them to a server on this machine  未配置 NATS 凭据:请设置 EDUGROUP_NATS_USER 和 EDUGROUP_NATS_PASSWORD,或以 --insecure-bus 明确选择无凭据连接本机服务器"
            );
            anyhow::ensure!(
                c.is_loopback(),
                "--insecure-bus connects without credentials to a server on this machine only, and {} is not one: set EDUGROUP_NATS_USER and EDUGROUP_NATS_PASSWORD  --insecure-bus 仅用于本机的 NATS 服务器,连接其他服务器须设置凭据",
                self.nats_url.as_deref().unwrap_or(DEFAULT_NATS_URL)
            );
        }
        Ok(c)
    }

    /// The API's rate limits (each off at 0).
    pub fn rate_limits(&self) -> std::sync::Arc<edu_lead_api::ratelimit::RateLimits> {
        use edu_lead_api::ratelimit::{Rate, RateLimits};
        RateLimits::new(
            Rate::new(self.rate_per_address, self.rate_burst_per_address),
            Rate::new(self.rate_per_token, self.rate_burst_per_token),
        )
    }

    pub fn api(&self) -> edu_lead_api::ApiConfig {
        edu_lead_api::ApiConfig {
            bind: self.bind,
            workers: self.http_workers,
        }
    }

    pub fn catalogue(&self) -> edu_catalogue::CatalogueConfig {
        edu_catalogue::CatalogueConfig {
            files_dir: self.files_dir.clone(),
            ..Default::default()
        }
    }

    pub fn db(&self, schema: &str) -> edu_db::DbConfig {
        let mut c = edu_db::DbConfig::new(&self.database_url, schema);
        c.pool_size = self.db_pool_size;
        c
    }

    /// The HS256 secret in use: the one given; in development without an identity provider,
    /// the public development secret; else none (HS256 off).
    pub fn hs256_secret(&self, profile: Profile) -> Option<&str> {
        match (&self.jwt_secret, profile, &self.jwks) {
            (Some(secret), _, _) => Some(secret),
            (None, Profile::Development, None) => Some(DEV_SECRET),
            _ => None,
        }
    }

    /// Whether tokens are checked with the public development secret.
    pub fn uses_dev_secret(&self, profile: Profile) -> bool {
        self.hs256_secret(profile) == Some(DEV_SECRET)
    }

    /// The key that signs audit exports: the one configured; in development without one,
    /// the public development key on a loopback address; else none (exports answer 503).
    /// Outside development the development key is refused, like the development secret.
    pub fn audit_signer(&self, profile: Profile) -> anyhow::Result<Option<AuditSigner>> {
        let Some(path) = &self.audit_signing_key else {
            let dev = profile == Profile::Development && self.bind.ip().is_loopback();
            return Ok(dev.then(AuditSigner::development));
        };
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("reading EDUGROUP_AUDIT_SIGNING_KEY {}", path.display()))?;
        let signer = AuditSigner::from_pem(&pem)
            .with_context(|| format!("EDUGROUP_AUDIT_SIGNING_KEY {}", path.display()))?;
        anyhow::ensure!(
            profile == Profile::Development || !signer.is_development(),
            "EDUGROUP_AUDIT_SIGNING_KEY is the development key, which is public: generate one of your own (openssl genpkey -algorithm ed25519)"
        );
        Ok(Some(signer))
    }

    /// How tokens are checked and minted. Refuses what is unsafe in `profile`: outside
    /// development the development secret, a secret under 32 bytes, or no way to check
    /// tokens at all; in development the development secret on an address other than
    /// loopback.
    pub fn auth(&self, profile: Profile) -> anyhow::Result<AuthConfig> {
        let secret = self.hs256_secret(profile);
        if let Some(secret) = secret {
            match profile {
                Profile::Production => {
                    anyhow::ensure!(
                        secret != DEV_SECRET,
                        "EDUGROUP_JWT_SECRET is the development secret, which is public: set a secret of your own, or EDUGROUP_JWKS"
                    );
                    anyhow::ensure!(
                        secret.len() >= MIN_SECRET_BYTES,
                        "EDUGROUP_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes"
                    );
                }
                Profile::Development => anyhow::ensure!(
                    secret != DEV_SECRET || self.bind.ip().is_loopback(),
                    "the development JWT secret is public and used only on a loopback address ({} is not): set EDUGROUP_JWT_SECRET or EDUGROUP_JWKS",
                    self.bind
                ),
            }
        }
        anyhow::ensure!(
            secret.is_some() || self.jwks.is_some(),
            "set EDUGROUP_JWKS (the identity provider's keys) or EDUGROUP_JWT_SECRET"
        );
        let max_lifetime = if secret == Some(DEV_SECRET) {
            DEV_MAX_LIFETIME
        } else {
            Duration::from_secs(self.jwt_max_lifetime_hours.saturating_mul(3600))
        };
        Ok(AuthConfig {
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
            hs256_secret: secret.map(SecretString::from),
            jwks: self.jwks.as_ref().map(|j| {
                if j.starts_with("https://") || j.starts_with("http://") {
                    JwksSource::Url(j.clone())
                } else {
                    JwksSource::File(PathBuf::from(j))
                }
            }),
            max_lifetime,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

    use std::time::Duration;

    use edu_auth::{AuthError, Minter, TokenRequest, Verifier};
    use edu_domain::{RegionCode, Role};

    use super::{DEV_SECRET, Profile, Settings};

    fn settings(flags: &[&str]) -> Settings {
        Settings::from_flags(flags).unwrap()
    }

    fn jwks() -> String {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/shared/auth/tests/fixtures/jwks.json"
        )
        .to_owned()
    }

    fn bureau_token(settings: &Settings) -> String {
        Minter::new(&settings.auth(Profile::Development).unwrap())
            .unwrap()
            .mint(&TokenRequest {
                sub: "forger".into(),
                name: String::new(),
                role: Role::Bureau,
                region: RegionCode::parse("411627").unwrap(),
                school_id: None,
                ttl: Duration::from_secs(600),
            })
            .unwrap()
    }

    #[test]
    fn serve_refuses_the_public_development_secret_and_short_secrets() {
        let dev = settings(&["--jwt-secret", DEV_SECRET]);
        let refused = dev.auth(Profile::Production).unwrap_err().to_string();
        assert!(refused.contains("public"), "{refused}");
        let short = settings(&["--jwt-secret", "too-short"]);
        assert!(short.auth(Profile::Production).is_err());
        // no secret and no identity provider: nothing could check a token
        assert!(settings(&[]).auth(Profile::Production).is_err());
        let own = settings(&["--jwt-secret", "a-county-secret-of-at-least-32-bytes!!"]);
        assert!(own.auth(Profile::Production).is_ok());
    }

    #[test]
    fn up_uses_the_development_secret_on_loopback_only() {
        let local = settings(&[]);
        assert!(local.uses_dev_secret(Profile::Development));
        assert!(local.auth(Profile::Development).is_ok());
        let exposed = settings(&["--bind", "0.0.0.0:8080"]);
        let refused = exposed.auth(Profile::Development).unwrap_err().to_string();
        assert!(refused.contains("loopback"), "{refused}");
        // with an identity provider and no secret given, HS256 is off even in development
        let with_idp = settings(&["--jwks", &jwks()]);
        assert!(!with_idp.uses_dev_secret(Profile::Development));
        assert!(
            with_idp
                .auth(Profile::Development)
                .unwrap()
                .hs256_secret
                .is_none()
        );
    }

    /// The test's directory of key files.
    fn key_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("edugroup-config-{}", std::process::id()))
    }

    /// A key file in [`key_dir`].
    fn key_file(name: &str, pem: &str) -> std::path::PathBuf {
        let dir = key_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, pem).unwrap();
        path
    }

    #[test]
    fn serve_refuses_the_public_development_audit_key_and_up_uses_it_on_loopback_only() {
        use ed25519_dalek::pkcs8::EncodePrivateKey as _;
        use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
        use edu_contracts::audit::Hash;

        // the development key, as anyone can derive it from this repository
        let dev = ed25519_dalek::SigningKey::from_bytes(
            &Hash::of(b"edugroup-development-audit-signing-key").0,
        );
        let dev_pem = dev.to_pkcs8_pem(LineEnding::LF).unwrap();
        let dev_file = key_file("dev.pem", &dev_pem);
        let flags = ["--audit-signing-key", dev_file.to_str().unwrap()];
        let refused = settings(&flags)
            .audit_signer(Profile::Production)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("public"), "{refused}");
        // a key of its own is taken, and signs as itself
        let own = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let own_file = key_file("own.pem", &own.to_pkcs8_pem(LineEnding::LF).unwrap());
        let signer = settings(&["--audit-signing-key", own_file.to_str().unwrap()])
            .audit_signer(Profile::Production)
            .unwrap()
            .unwrap();
        assert!(!signer.is_development());
        // no key: none in production, the development one in development on loopback only
        assert!(
            settings(&[])
                .audit_signer(Profile::Production)
                .unwrap()
                .is_none()
        );
        let local = settings(&[]).audit_signer(Profile::Development).unwrap();
        assert!(local.is_some_and(|s| s.is_development()));
        let exposed = settings(&["--bind", "0.0.0.0:8080"]);
        assert!(
            exposed
                .audit_signer(Profile::Development)
                .unwrap()
                .is_none()
        );
        // a file that is no key stops the start
        let junk = key_file("junk.pem", "not a key");
        let flags = ["--audit-signing-key", junk.to_str().unwrap()];
        assert!(settings(&flags).audit_signer(Profile::Production).is_err());
        std::fs::remove_dir_all(key_dir()).unwrap();
    }

    #[test]
    fn serve_refuses_a_bus_without_credentials_unless_told_insecure_and_local() {
        let refused = settings(&[]).bus().unwrap_err().to_string();
        assert!(refused.contains("no NATS credentials"), "{refused}");
        assert!(refused.contains("--insecure-bus"), "{refused}");
        assert!(refused.contains("未配置 NATS 凭据"), "{refused}");
        let half = settings(&["--nats-user", "membership"]).bus().unwrap_err();
        assert!(half.to_string().contains("both"), "{half}");

        let own = settings(&["--nats-user", "membership", "--nats-password", "pw"])
            .bus()
            .unwrap();
        assert!(own.logs_in());
        // the client would connect anonymously with these: refused, without echoing them
        let in_url = settings(&["--nats-url", "nats://membership:pw@nats:4222"])
            .bus()
            .unwrap_err()
            .to_string();
        assert!(in_url.contains("EDUGROUP_NATS_USER"), "{in_url}");
        assert!(!in_url.contains("pw@"), "{in_url}");

        let insecure = settings(&["--insecure-bus"]).bus().unwrap();
        assert!(!insecure.logs_in());
        let remote = settings(&["--insecure-bus", "--nats-url", "nats://nats:4222"])
            .bus()
            .unwrap_err()
            .to_string();
        assert!(remote.contains("this machine only"), "{remote}");
    }

    #[tokio::test]
    async fn a_token_signed_with_the_development_secret_gets_401_in_production() {
        let forged = bureau_token(&settings(&[]));
        let production = settings(&["--jwks", &jwks()])
            .auth(Profile::Production)
            .unwrap();
        let verifier = Verifier::new(&production).await.unwrap();
        let refused = verifier.verify(&forged).unwrap_err();
        assert_eq!(refused, AuthError::Algorithm);
        let problem = edu_domain::Problem::from(refused);
        assert_eq!(problem.code.http_status(), 401);
        // and a production secret of its own does not take the development one either
        let own = settings(&["--jwt-secret", "a-county-secret-of-at-least-32-bytes!!"])
            .auth(Profile::Production)
            .unwrap();
        let verifier = Verifier::new(&own).await.unwrap();
        assert_eq!(verifier.verify(&forged), Err(AuthError::BadSignature));
    }
}
