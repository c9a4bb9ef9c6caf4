//! PostgreSQL access shared by the services: an async connection pool (diesel-async +
//! deadpool, so no query ever blocks an executor thread), one schema per service selected
//! through the connection's `search_path`, embedded migrations run under an advisory lock,
//! and idempotency keys.

pub mod idempotency;
pub mod pipelined;
pub mod prepared;
pub mod schema;

use std::time::Duration;

use anyhow::Context as _;
use diesel::sql_query;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::embed_migrations;

pub use diesel::result::Error as DbError;
pub use diesel_migrations::EmbeddedMigrations;

/// A pool of connections whose `search_path` is one service's schema.
pub type DbPool = Pool<AsyncPgConnection>;
/// A connection taken from a [`DbPool`].
pub type PooledConn = Object<AsyncPgConnection>;

/// The outbox, inbox, idempotency and audit-trail tables every service schema has.
pub const INFRA_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Where a service keeps its data.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `postgres://user@host:port/database`, without a `search_path`.
    pub url: String,
    /// The service's own schema, e.g. `membership`.
    pub schema: String,
    /// Connections in the pool (at least 2: a task may need two at once).
    pub pool_size: usize,
    /// How long a request waits for a free connection before it is refused.
    pub acquire_timeout: Duration,
    /// Prepared statements always run their generic plan (`plan_cache_mode`), planned once
    /// per connection. For a service whose statements are key lookups: PostgreSQL otherwise
    /// keeps re-planning a lookup by an array of ids on every call, because the generic
    /// plan's estimate (for an array of unknown length) looks costlier.
    pub generic_plans: bool,
}

impl DbConfig {
    pub fn new(url: &str, schema: &str) -> Self {
        Self {
            url: url.to_owned(),
            schema: schema.to_owned(),
            pool_size: 8,
            acquire_timeout: Duration::from_secs(5),
            generic_plans: false,
        }
    }

    /// The database URL with `search_path` set to the schema, so every statement of the
    /// service resolves unqualified names in its own schema (and the plan cache mode).
    pub fn schema_url(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        let plans = if self.generic_plans {
            "%20-c%20plan_cache_mode%3Dforce_generic_plan"
        } else {
            ""
        };
        format!(
            "{}{sep}options=-c%20search_path%3D{}{plans}",
            self.url, self.schema
        )
    }
}

/// Builds the pool. Connections are opened lazily. A returned connection is reused without a
/// test query (one round trip less per request); one the server closed meanwhile fails its
/// next statement with `ClosedConnection`, which callers answer as 503 (retry), and is then
/// dropped from the pool.
pub fn pool(config: &DbConfig) -> anyhow::Result<DbPool> {
    let mut manager_config = ManagerConfig::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        config.schema_url(),
        manager_config,
    );
    Pool::builder(manager)
        .max_size(config.pool_size.max(2))
        .wait_timeout(Some(config.acquire_timeout))
        .create_timeout(Some(config.acquire_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Opens one connection outside the pool (for LISTEN, or a one-off check).
pub async fn connect(config: &DbConfig) -> anyhow::Result<AsyncPgConnection> {
    AsyncPgConnection::establish(&config.schema_url())
        .await
        .with_context(|| format!("connecting to PostgreSQL for schema {}", config.schema))
}

/// Creates the service's schema and runs the infrastructure migrations and then the
/// service's own, under a per-schema advisory lock so that several instances starting at
/// once don't race. Runs on a blocking thread: diesel's migration harness is synchronous.
pub async fn migrate(
    config: &DbConfig,
    migrations: &'static [EmbeddedMigrations],
) -> anyhow::Result<()> {
    validate_schema_name(&config.schema)?;
    let url = config.schema_url();
    let schema = config.schema.clone();
    tokio::task::spawn_blocking(move || blocking::migrate(&url, &schema, migrations))
        .await
        .context("migration task")?
}

mod blocking {
    use anyhow::Context as _;
    use diesel::Connection as _;
    use diesel::connection::SimpleConnection as _;
    use diesel::migration::{Migration, MigrationSource};
    use diesel::pg::Pg;
    use diesel_async::AsyncPgConnection;
    use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
    use diesel_migrations::{EmbeddedMigrations, MigrationHarness as _};

    use super::INFRA_MIGRATIONS;

    /// Runs on a blocking thread (diesel's harness is synchronous).
    /// The infrastructure migrations followed by a service's own, as one source.
    struct Sources(&'static [EmbeddedMigrations]);

    impl MigrationSource<Pg> for Sources {
        fn migrations(&self) -> diesel::migration::Result<Vec<Box<dyn Migration<Pg>>>> {
            let mut all = MigrationSource::<Pg>::migrations(&INFRA_MIGRATIONS)?;
            for source in self.0 {
                all.extend(MigrationSource::<Pg>::migrations(source)?);
            }
            Ok(all)
        }
    }

    pub(super) fn migrate(
        url: &str,
        schema: &str,
        migrations: &'static [EmbeddedMigrations],
    ) -> anyhow::Result<()> {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(url)
            .with_context(|| format!("connecting to migrate schema {schema}"))?;
        let lock = format!("hashtext('edu.migrate.{schema}')");
        conn.batch_execute(&format!("SELECT pg_advisory_lock({lock})"))?;
        let outcome = (|| -> anyhow::Result<()> {
            conn.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))?;
            conn.run_pending_migrations(Sources(migrations))
                .map_err(|e| anyhow::anyhow!("migrating schema {schema}: {e}"))?;
            Ok(())
        })();
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({lock})"))?;
        outcome
    }
}

/// The ways a service's storage can fail, common to every service.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] DbError),
    #[error("database pool: {0}")]
    Pool(String),
    #[error("idempotency key reused for a different request")]
    KeyReused,
}

impl From<idempotency::ClaimError> for StoreError {
    fn from(e: idempotency::ClaimError) -> Self {
        match e {
            idempotency::ClaimError::Db(e) => Self::Db(e),
            idempotency::ClaimError::Reused => Self::KeyReused,
        }
    }
}

impl StoreError {
    /// The client's view: a pool that cannot give a connection, or a connection the server
    /// closed, is an unavailable service (503, retry: nothing was committed); any other
    /// database error is logged here and answered as `internal`.
    pub fn into_problem(self, service: &str) -> edu_domain::Problem {
        match self {
            Self::KeyReused => idempotency::ClaimError::reused_problem(),
            Self::Pool(e) => {
                tracing::warn!(service, error = %e, "database unavailable");
                edu_domain::Problem::unavailable(service)
            }
            Self::Db(DbError::DatabaseError(kind, info)) if connection_lost(&kind, &*info) => {
                tracing::warn!(
                    service,
                    error = info.message(),
                    "database connection closed"
                );
                edu_domain::Problem::unavailable(service)
            }
            Self::Db(e) => {
                tracing::error!(service, error = %e, "database error");
                edu_domain::Problem::internal()
            }
        }
    }
}

/// The connection is gone, not the statement wrong: closed by the server, or a command that
/// could not be sent (diesel-async reports a dead socket that way), or PostgreSQL terminating
/// the backend (SQLSTATE 57P01/57P02, 25P03, ...: diesel exposes no SQLSTATE for these, and
/// every such server message begins "terminating connection"). Found by the fault-injection
/// test (`pg_terminate_backend`), where these were answered 500.
fn connection_lost(
    kind: &diesel::result::DatabaseErrorKind,
    info: &(dyn diesel::result::DatabaseErrorInformation + Send + Sync),
) -> bool {
    use diesel::result::DatabaseErrorKind::{ClosedConnection, UnableToSendCommand};
    matches!(kind, ClosedConnection | UnableToSendCommand)
        || info.message().starts_with("terminating connection")
}

/// A connection from the pool, or `StoreError::Pool`.
pub async fn conn(pool: &DbPool) -> Result<PooledConn, StoreError> {
    pool.get()
        .await
        .map_err(|e| StoreError::Pool(e.to_string()))
}

/// `SELECT 1` through the pool: the database answers.
pub async fn ping(pool: &DbPool) -> bool {
    match pool.get().await {
        Ok(mut conn) => conn.batch_execute("SELECT 1").await.is_ok(),
        Err(_) => false,
    }
}

/// Schema names are interpolated into DDL, so only plain identifiers are accepted.
fn validate_schema_name(schema: &str) -> anyhow::Result<()> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    anyhow::ensure!(ok, "invalid schema name {schema:?}");
    Ok(())
}

/// Whether an error is a unique-constraint violation on the named constraint or index.
pub fn is_unique_violation(err: &DbError, constraint: &str) -> bool {
    use diesel::result::DatabaseErrorKind;
    matches!(err, DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
        if info.constraint_name() == Some(constraint))
}

/// Runs a statement that needs no result, e.g. `SET LOCAL`.
pub async fn execute(conn: &mut AsyncPgConnection, sql: &str) -> Result<usize, DbError> {
    sql_query(sql).execute(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_url_sets_search_path() {
        let c = DbConfig::new("postgres://postgres@127.0.0.1:5432/edu", "membership");
        assert_eq!(
            c.schema_url(),
            "postgres://postgres@127.0.0.1:5432/edu?options=-c%20search_path%3Dmembership"
        );
        let c = DbConfig::new("postgres://h/edu?sslmode=disable", "council");
        assert!(
            c.schema_url()
                .ends_with("?sslmode=disable&options=-c%20search_path%3Dcouncil")
        );
        let mut c = DbConfig::new("postgres://h/edu", "membership");
        c.generic_plans = true;
        assert_eq!(
            c.schema_url(),
            "postgres://h/edu?options=-c%20search_path%3Dmembership%20-c%20plan_cache_mode%3Dforce_generic_plan"
        );
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(validate_schema_name("membership").is_ok());
        assert!(validate_schema_name("x\"; drop").is_err());
        assert!(validate_schema_name("").is_err());
    }
}
