//! Annual evaluation service (DOMAIN.md §6): indicators, balance CV, scorecards.
//!
//! Its schema, endpoints and event consumers arrive with its own issue; until then it owns
//! its (infrastructure-only) schema and answers on the bus, so discovery and readiness see it.

use edu_bus::Bus;
use edu_bus::server::ServiceHost;
use edu_contracts::ServiceName;
use edu_db::{DbConfig, EmbeddedMigrations};

/// This service's own migrations (none yet; the infrastructure tables come from edu-db).
pub const MIGRATIONS: &[EmbeddedMigrations] = &[];

/// Migrates the schema, starts the outbox relay and registers the service on the bus.
pub async fn start(bus: &Bus, db: DbConfig) -> anyhow::Result<ServiceHost> {
    let (host, _pool) = ServiceHost::start_with_db(
        bus,
        ServiceName::Evaluation,
        "年度考核评估 annual evaluation",
        db,
        MIGRATIONS,
    )
    .await?;
    Ok(host)
}
