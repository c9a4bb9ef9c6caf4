//! Test isolation on the real servers. Every test gets its own PostgreSQL database
//! ([`TestDb`], dropped when the test ends, leftovers of killed runs swept) and its own
//! namespace on the one nats-server ([`TestBus`]: a unique subject prefix and its own
//! stream, deleted when the test ends), so tests run in parallel and leave nothing behind.
//!
//! Where the servers are: `EDUGROUP_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and `EDUGROUP_TEST_NATS_URL` (default
//! `nats://127.0.0.1:4222`), logged in with the development credentials when this
//! installation has them (see [`nats_config`]).

pub mod county;
pub mod process;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use edu_bus::dev::DevCredentials;
use edu_bus::{Bus, BusConfig};
use edu_contracts::EventEnvelope;
use edu_db::DbConfig;

const DB_PREFIX: &str = "edut_";
/// Databases of test runs older than this are assumed abandoned (a killed run) and dropped.
const ABANDONED_AFTER: Duration = Duration::from_secs(2 * 3600);

/// The admin URL of the test PostgreSQL server.
pub fn database_server_url() -> String {
    std::env::var("EDUGROUP_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The test nats-server, logged in with the development credentials when this installation
/// has them: deploy/dev-stack.sh starts the local server with them, and a server without
/// authorization takes them too.
pub fn nats_config() -> anyhow::Result<BusConfig> {
    let url =
        std::env::var("EDUGROUP_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut config = BusConfig::new(&url);
    if let Some(credentials) = DevCredentials::load(&edu_bus::dev::state_dir_from_env()?)? {
        credentials.apply(&mut config);
    }
    Ok(config)
}

/// Logs of the code under test, shown for failing tests (`RUST_LOG` picks the level).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_test_writer()
        .try_init();
}

fn unique_suffix() -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    id[id.len() - 12..].to_owned()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A fresh, empty database, dropped when this value is dropped.
pub struct TestDb {
    name: String,
    server: String,
}

impl TestDb {
    pub async fn new() -> anyhow::Result<Self> {
        init_tracing();
        let server = database_server_url();
        let name = format!("{DB_PREFIX}{}_{}", now_secs(), unique_suffix());
        let mut admin = AsyncPgConnection::establish(&server)
            .await
            .context("connecting to the test PostgreSQL")?;
        sweep_abandoned(&mut admin).await;
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .context("creating the test database")?;
        Ok(Self { name, server })
    }

    /// The URL of this database (no `search_path`).
    pub fn url(&self) -> String {
        match self.server.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{}", self.name),
            None => self.server.clone(),
        }
    }

    /// Runs SQL in this database: a state the API cannot produce on demand (e.g. a round
    /// caught while it computes).
    pub async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        let mut conn = AsyncPgConnection::establish(&self.url())
            .await
            .context("connecting to the test database")?;
        conn.batch_execute(sql).await.context("running test SQL")
    }

    /// A small-pool configuration for a service schema in this database.
    pub fn config(&self, schema: &str) -> DbConfig {
        let mut c = DbConfig::new(&self.url(), schema);
        c.pool_size = 4;
        // Concurrency tests queue many requests on a small pool; a loaded CI machine must
        // not turn that wait into a spurious `service_unavailable`.
        c.acquire_timeout = Duration::from_secs(30);
        c
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs outside any runtime we may block; use a thread with its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut admin = AsyncPgConnection::establish(&server).await?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await?;
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!(
                "edu-testkit: could not drop test database {} (swept by a later run)",
                self.name
            );
        }
    }
}

async fn sweep_abandoned(admin: &mut AsyncPgConnection) {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;

    #[derive(QueryableByName)]
    struct Db {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let Ok(dbs) = diesel::sql_query(format!(
        "SELECT datname FROM pg_database WHERE datname LIKE '{DB_PREFIX}%'"
    ))
    .load::<Db>(admin)
    .await
    else {
        return;
    };
    let cutoff = now_secs().saturating_sub(ABANDONED_AFTER.as_secs());
    for db in dbs {
        let created = db
            .datname
            .trim_start_matches(DB_PREFIX)
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|t| t < cutoff) {
            let _ = admin
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    db.datname
                ))
                .await;
        }
    }
}

/// A private namespace on the test nats-server: subjects under a unique prefix and a
/// stream of its own, deleted when this value is dropped.
pub struct TestBus {
    pub bus: Bus,
}

impl TestBus {
    pub async fn new() -> anyhow::Result<Self> {
        init_tracing();
        let prefix = format!("t{}", unique_suffix());
        let mut config = nats_config()?;
        config.stream = format!("EDU_EVENTS_{prefix}");
        config.prefix = prefix;
        config.request_timeout = Duration::from_secs(10);
        let bus = Bus::connect(config, "edu-test").await?;
        bus.ensure_stream().await?;
        Ok(Self { bus })
    }

    pub fn config(&self) -> BusConfig {
        self.bus.config().clone()
    }

    /// Every event on this test's stream, in stream order.
    pub async fn events(&self) -> anyhow::Result<Vec<EventEnvelope>> {
        let mut stream = self.bus.ensure_stream().await?;
        let info = stream
            .info()
            .await
            .map_err(|e| anyhow::anyhow!("stream info: {e}"))?;
        let (first, last) = (info.state.first_sequence, info.state.last_sequence);
        let mut events = Vec::new();
        if info.state.messages == 0 {
            return Ok(events);
        }
        for seq in first..=last {
            let message = stream
                .get_raw_message(seq)
                .await
                .map_err(|e| anyhow::anyhow!("reading {seq}: {e}"))?;
            events.push(serde_json::from_slice(&message.payload)?);
        }
        Ok(events)
    }

    /// Waits until the stream holds at least `n` events (the relay is asynchronous).
    pub async fn wait_for_events(&self, n: usize) -> anyhow::Result<Vec<EventEnvelope>> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let events = self.events().await?;
            if events.len() >= n || tokio::time::Instant::now() > deadline {
                return Ok(events);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for TestBus {
    fn drop(&mut self) {
        let config = self.bus.config().clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut options = async_nats::ConnectOptions::new();
                if let Some((user, password)) = config.credentials {
                    options = options.user_and_password(user, password);
                }
                let client = options.connect(config.url).await?;
                let stream = config.stream;
                let _ = async_nats::jetstream::new(client)
                    .delete_stream(stream)
                    .await;
                anyhow::Ok(())
            })
        })
        .join();
    }
}

/// Runs a started service until the test's runtime ends, as `serve` runs it in production.
pub fn run_in_background(host: edu_bus::server::ServiceHost) {
    tokio::spawn(host.run_until(std::future::pending()));
}

/// Starts services on a test's own database and bus and runs them in the background, each on
/// the schema named beside it:
///
/// ```ignore
/// edu_testkit::serve!(db, bus; edu_membership::start => "membership", edu_rotation::start => "rotation");
/// ```
///
/// A service that cannot start fails the test and says which.
#[macro_export]
macro_rules! serve {
    ($db:expr, $bus:expr; $($start:path => $schema:literal),+ $(,)?) => {
        $(
            $crate::run_in_background(
                $start(&$bus.bus, $db.config($schema))
                    .await
                    .expect(concat!("the ", $schema, " service starts")),
            );
        )+
    };
}

/// An admission of a school nobody knows into a group nobody knows: an event to push through
/// the bus's machinery where its content does not matter.
pub fn sample_admission() -> edu_contracts::events::MemberAdmitted {
    use edu_domain::{GroupId, MembershipId, SchoolId};
    edu_contracts::events::MemberAdmitted {
        group_id: GroupId::new(),
        school_id: SchoolId::new(),
        membership_id: MembershipId::new(),
        plaque_text: "太康县第一初级中学教育集团成员学校".into(),
        legal_person_retained: true,
        independent_leadership: Some(true),
        cross_region: false,
        policy_version: 0,
        region: None,
        school_name: None,
        principal_name: None,
        joined_on: None,
    }
}
