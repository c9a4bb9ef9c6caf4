//! Configuration: defaults, overridden by `EDUGROUP_*` environment variables, overridden by
//! flags. An `EDUGROUP_*` variable the program does not know is an error at start, so a
//! typo never silently falls back to a default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use edu_auth::{AuthConfig, JwksSource};
use edu_bus::BusConfig;
use secrecy::SecretString;

/// The development HS256 secret; `edugroup up` warns when it is in use.
pub const DEV_SECRET: &str = "edugroup-development-secret-change-me-in-production";

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
    /// NATS server (JetStream enabled).
    #[arg(
        long,
        env = "EDUGROUP_NATS_URL",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub nats_url: String,
    /// NATS user (deploy/ gives each service its own).
    #[arg(long, env = "EDUGROUP_NATS_USER")]
    pub nats_user: Option<String>,
    /// NATS password.
    #[arg(long, env = "EDUGROUP_NATS_PASSWORD", hide_env_values = true)]
    pub nats_password: Option<String>,
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
    /// HS256 secret for development tokens.
    #[arg(long, env = "EDUGROUP_JWT_SECRET", hide_env_values = true, default_value = DEV_SECRET)]
    pub jwt_secret: String,
    /// JWKS of the production identity provider: a file path or an https URL.
    #[arg(long, env = "EDUGROUP_JWKS")]
    pub jwks: Option<String>,
    /// Required `iss` claim.
    #[arg(long, env = "EDUGROUP_JWT_ISSUER", default_value = "edugroup-dev")]
    pub jwt_issuer: String,
    /// Required `aud` claim.
    #[arg(long, env = "EDUGROUP_JWT_AUDIENCE", default_value = "edugroup")]
    pub jwt_audience: String,
    /// Directory of the catalogue's file store (resource files, by SHA-256).
    #[arg(long, env = "EDUGROUP_FILES_DIR", default_value = "data/files")]
    pub files_dir: PathBuf,
}

/// The variables [`Settings`] reads; anything else under `EDUGROUP_` is refused.
const KNOWN: [&str; 15] = [
    "EDUGROUP_DATABASE_URL",
    "EDUGROUP_DB_POOL_SIZE",
    "EDUGROUP_NATS_URL",
    "EDUGROUP_NATS_USER",
    "EDUGROUP_NATS_PASSWORD",
    "EDUGROUP_NATS_STREAM_REPLICAS",
    "EDUGROUP_BIND",
    "EDUGROUP_HTTP_WORKERS",
    "EDUGROUP_HTTP_MAX_IN_FLIGHT",
    "EDUGROUP_JWT_SECRET",
    "EDUGROUP_JWKS",
    "EDUGROUP_JWT_ISSUER",
    "EDUGROUP_JWT_AUDIENCE",
    "EDUGROUP_FILES_DIR",
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

impl Settings {
    pub fn bus(&self) -> BusConfig {
        let mut c = BusConfig::new(&self.nats_url);
        c.stream_replicas = self.nats_stream_replicas;
        if let (Some(user), Some(password)) = (&self.nats_user, &self.nats_password) {
            c.credentials = Some((user.clone(), password.clone()));
        }
        c
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

    pub fn auth(&self) -> AuthConfig {
        AuthConfig {
            issuer: self.jwt_issuer.clone(),
            audience: self.jwt_audience.clone(),
            hs256_secret: Some(SecretString::from(self.jwt_secret.clone())),
            jwks: self.jwks.as_ref().map(|j| {
                if j.starts_with("https://") || j.starts_with("http://") {
                    JwksSource::Url(j.clone())
                } else {
                    JwksSource::File(PathBuf::from(j))
                }
            }),
        }
    }
}
