//! The system's services and how a process starts them: one service (`edugroup serve`) or all
//! of them in one process (`edugroup-dev up`) — the same code path either way, the services
//! talking over NATS even when they share a process.

use std::future::Future;
use std::pin::Pin;

use anyhow::Context as _;
use clap::ValueEnum;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use edu_auth::{AuthConfig, Verifier};
use edu_bus::Bus;
use edu_bus::server::ServiceHost;
use edu_lead_api::{AppState, AuditSigner};
use tokio::sync::watch;

use crate::config::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Service {
    Membership,
    Rotation,
    Catalogue,
    Council,
    Evaluation,
    LeadApi,
}

impl Service {
    /// The services behind the API, each with its own schema, in start order.
    pub const BACKEND: [Service; 5] = [
        Self::Membership,
        Self::Rotation,
        Self::Catalogue,
        Self::Council,
        Self::Evaluation,
    ];

    pub fn schema(self) -> &'static str {
        match self {
            Self::Membership => "membership",
            Self::Rotation => "rotation",
            Self::Catalogue => "catalogue",
            Self::Council => "council",
            Self::Evaluation => "evaluation",
            Self::LeadApi => "lead_api",
        }
    }

    pub fn migrations(self) -> &'static [edu_db::EmbeddedMigrations] {
        match self {
            Self::Membership => edu_membership::MIGRATIONS,
            Self::Rotation => edu_rotation::MIGRATIONS,
            Self::Catalogue => edu_catalogue::MIGRATIONS,
            Self::Council => edu_council::MIGRATIONS,
            Self::Evaluation => edu_evaluation::MIGRATIONS,
            Self::LeadApi => &[],
        }
    }

    /// Starts a backend service on the bus (migrating its schema first).
    pub async fn start(self, bus: &Bus, settings: &Settings) -> anyhow::Result<ServiceHost> {
        self.start_on(bus, settings.db(self.schema()), settings.catalogue())
            .await
    }

    /// [`Service::start`] on a database of the caller's choosing (a test's own).
    pub async fn start_on(
        self,
        bus: &Bus,
        db: edu_db::DbConfig,
        catalogue: edu_catalogue::CatalogueConfig,
    ) -> anyhow::Result<ServiceHost> {
        match self {
            Self::Membership => edu_membership::start(bus, db).await,
            Self::Rotation => edu_rotation::start(bus, db).await,
            Self::Catalogue => edu_catalogue::start_with(bus, db, catalogue).await,
            Self::Council => edu_council::start(bus, db).await,
            Self::Evaluation => edu_evaluation::start(bus, db).await,
            Self::LeadApi => anyhow::bail!("the lead-api is not a bus service"),
        }
    }
}

/// Starts every backend service on `bus`, each on the database `db` gives for its schema, and
/// runs it until `stop()` resolves: `edugroup-dev up` with its settings, a test with its own
/// database. The running services, in start order.
pub async fn run_backend<F>(
    bus: &Bus,
    db: impl Fn(&str) -> edu_db::DbConfig,
    catalogue: edu_catalogue::CatalogueConfig,
    stop: impl Fn() -> F,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>>
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut running = Vec::new();
    for service in Service::BACKEND {
        let host = service
            .start_on(bus, db(service.schema()), catalogue.clone())
            .await
            .with_context(|| format!("starting {}", service.schema()))?;
        running.push(tokio::spawn(host.run_until(stop())));
    }
    Ok(running)
}

/// Logs to stderr, filtered by `RUST_LOG`, else by `default`.
pub fn init_tracing(default: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
}

/// Listens for Ctrl-C and SIGTERM from the moment it is called (not from its first poll);
/// resolves at the first of them.
pub fn stop_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        let (Ok(mut interrupt), Ok(mut terminate)) = (interrupt, terminate) else {
            // no handlers: the signals keep their default action and end the process
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    }
}

/// A stop switch for services sharing a process: the sender flips it, each call of the
/// function gives a future that resolves once it is flipped.
pub fn shutdown_channel() -> (
    watch::Sender<bool>,
    impl Fn() -> Pin<Box<dyn Future<Output = ()> + Send>>,
) {
    let (tx, rx) = watch::channel(false);
    let wait = move || {
        let mut rx = rx.clone();
        Box::pin(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }) as Pin<Box<dyn Future<Output = ()> + Send>>
    };
    (tx, wait)
}

/// Connects to the bus and makes sure the events stream exists.
pub async fn connect_bus(config: edu_bus::BusConfig, name: &str) -> anyhow::Result<Bus> {
    let bus = Bus::connect(config, name).await?;
    bus.ensure_stream().await?;
    Ok(bus)
}

/// The lead-school API's state from the settings: how it checks tokens, its limits, and the
/// key that signs audit exports (none: exports answer 503).
pub async fn lead_api_state(
    settings: &Settings,
    auth: &AuthConfig,
    signer: Option<AuditSigner>,
    bus: Bus,
) -> anyhow::Result<AppState> {
    let verifier = Verifier::new(auth).await?;
    match &signer {
        Some(signer) => {
            tracing::info!(public_key = %signer.public_key(), development = signer.is_development(), "audit exports are signed")
        }
        None => tracing::warn!(
            "EDUGROUP_AUDIT_SIGNING_KEY is not set: audit exports answer 503 audit_signing_unconfigured"
        ),
    }
    Ok(AppState::new(bus, verifier)
        .await?
        .with_max_in_flight(settings.http_max_in_flight)
        .with_hsts(settings.hsts)
        .with_rate_limits(settings.rate_limits())
        .with_audit_signer(signer))
}

/// Creates the system's database when it does not exist yet.
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let (server, name) = url
        .rsplit_once('/')
        .context("EDUGROUP_DATABASE_URL has no database name")?;
    let name = name.split('?').next().unwrap_or(name);
    anyhow::ensure!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "database name {name:?} must be a plain identifier"
    );
    if AsyncPgConnection::establish(url).await.is_ok() {
        return Ok(());
    }
    let mut admin = AsyncPgConnection::establish(&format!("{server}/postgres"))
        .await
        .context("connecting to PostgreSQL (is it running? see deploy/dev-stack.sh)")?;
    if let Err(e) = admin
        .batch_execute(&format!("CREATE DATABASE \"{name}\""))
        .await
    {
        // Another process may have created it meanwhile.
        AsyncPgConnection::establish(url)
            .await
            .map_err(|_| e)
            .context("creating the database")?;
    }
    Ok(())
}
