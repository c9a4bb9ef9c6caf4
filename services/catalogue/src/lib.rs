//! Shared-course catalogue service (优质课程资源库, DOMAIN.md §5, RULES.md §4): the group's
//! library of resources with immutable versions and their files, review by the
//! lead office, Chinese and English search, adoptions and reuse analytics, the brand rule
//! (R-11, M7) with every refused transfer kept on record for the group's bureau, auditors and
//! lead office (invariant 17), and the group's shared facilities with race-free bookings
//! . Owns the `catalogue` PostgreSQL schema and its file store; learns group
//! membership from the membership service's events.

pub mod error;
pub mod files;
mod projection;
pub mod rules;
mod schema;
mod search_index;
pub mod service;
mod store;

use std::path::PathBuf;
use std::sync::Arc;

use diesel_migrations::embed_migrations;
use edu_bus::Bus;
use edu_bus::server::ServiceHost;
use edu_contracts::ServiceName;
use edu_contracts::catalogue::{self as ops, MAX_FILE_BYTES};
use edu_db::{DbConfig, EmbeddedMigrations};

pub use service::CatalogueService;

/// This service's migrations (after the infrastructure ones of edu-db).
pub const MIGRATIONS: &[EmbeddedMigrations] = &[
    embed_migrations!("migrations"),
    edu_bus::policy::MIGRATIONS,
    edu_bus::membership_view::MIGRATIONS,
];

/// Where files go and how large they may be.
#[derive(Debug, Clone)]
pub struct CatalogueConfig {
    /// The local file store's directory.
    pub files_dir: PathBuf,
    /// Largest file accepted (at most [`MAX_FILE_BYTES`]).
    pub max_file_bytes: u64,
}

impl Default for CatalogueConfig {
    /// Files under the system's temporary directory (for tests and demos; production sets
    /// `EDUGROUP_FILES_DIR`).
    fn default() -> Self {
        Self {
            files_dir: std::env::temp_dir().join("edugroup-files"),
            max_file_bytes: MAX_FILE_BYTES,
        }
    }
}

/// [`start_with`] the default configuration.
pub async fn start(bus: &Bus, db: DbConfig) -> anyhow::Result<ServiceHost> {
    start_with(bus, db, CatalogueConfig::default()).await
}

/// Migrates the schema, starts the outbox relay and the membership projection, and
/// registers the endpoints on the bus.
pub async fn start_with(
    bus: &Bus,
    db: DbConfig,
    config: CatalogueConfig,
) -> anyhow::Result<ServiceHost> {
    let (mut host, pool) = ServiceHost::start_with_db(
        bus,
        ServiceName::Catalogue,
        "优质课程资源库 shared-course catalogue",
        db,
        MIGRATIONS,
    )
    .await?;
    // Before the endpoints serve searches: rows indexed the way an older version did it.
    let refreshed = search_index::refresh(&mut *edu_db::conn(&pool).await?).await?;
    if refreshed > 0 {
        tracing::info!(resources = refreshed, "catalogue search index refreshed");
    }
    host.follow_membership(
        pool.clone(),
        projection::CONSUMER,
        projection::CatalogueReactions,
    );
    let files = Arc::new(files::LocalFileStore::new(config.files_dir));
    let service = CatalogueService::new(pool, files, config.max_file_bytes.min(MAX_FILE_BYTES));
    edu_bus::serve_operations!(host, service, {
        ops::SubmitResource => submit,
        ops::GetResource => get,
        ops::SearchResources => search,
        ops::AddVersion => add_version,
        ops::ReviewResource => review,
        ops::AdoptResource => adopt,
        ops::ListAdopters => adopters,
        ops::ShareResource => share,
        ops::ListBrandRefusals => list_brand_refusals,
        ops::GetReuse => reuse,
        ops::BeginUpload => begin_upload,
        ops::UploadChunk => upload_chunk,
        ops::FinishUpload => finish_upload,
        ops::ReadFile => read_file,
        ops::RegisterFacility => register_facility,
        ops::ListFacilities => list_facilities,
        ops::BookFacility => book,
        ops::ListBookings => list_bookings,
    });
    Ok(host)
}
