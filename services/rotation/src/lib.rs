//! Teacher rotation service (交流轮岗, DOMAIN.md §4): teachers and their rosters, postings
//! both ways with their life cycle (E-02, E-03, E-04), the yearly 10 % / 20 % rule with its
//! forecast (E-08). Owns the `rotation` PostgreSQL schema; learns group membership from
//! the membership service's events.

mod consent;
pub mod error;
mod past;
mod projection;
mod roster;
pub mod rules;
mod schema;
pub mod service;
mod store;

use diesel_migrations::embed_migrations;
use edu_bus::Bus;
use edu_bus::server::ServiceHost;
use edu_contracts::ServiceName;
use edu_contracts::rotation as ops;
use edu_db::{DbConfig, EmbeddedMigrations};

pub use service::RotationService;

/// This service's migrations (after the infrastructure ones of edu-db).
pub const MIGRATIONS: &[EmbeddedMigrations] = &[
    embed_migrations!("migrations"),
    edu_bus::policy::MIGRATIONS,
    edu_bus::membership_view::MIGRATIONS,
];

/// Migrates the schema, starts the outbox relay and the membership projection, and
/// registers the endpoints on the bus.
pub async fn start(bus: &Bus, db: DbConfig) -> anyhow::Result<ServiceHost> {
    let (mut host, pool) = ServiceHost::start_with_db(
        bus,
        ServiceName::Rotation,
        "教师交流轮岗 teacher rotation",
        db,
        MIGRATIONS,
    )
    .await?;
    host.follow_membership(
        pool.clone(),
        projection::CONSUMER,
        projection::RotationReactions,
    );
    let service = RotationService::new(pool);
    edu_bus::serve_operations!(host, service, {
        ops::ImportTeachers => import,
        ops::ListTeachers => list_teachers,
        ops::ExportTeachers => export,
        ops::ProposePosting => propose,
        ops::GetPosting => get,
        ops::ListPostings => list,
        ops::ConfirmPosting => confirm,
        ops::CancelPosting => cancel,
        ops::EndPosting => end,
        ops::DecidePostingConsent => decide_consent,
        ops::ListPostingConsents => consents,
        ops::LoadPastPostings => load_past,
        ops::GetCompliance => compliance,
        ops::GetGroupsCompliance => compliance_of_groups,
        ops::RecordTraining => record_training,
        ops::ListTrainings => trainings,
        ops::GetTrainingHours => hours,
        ops::GetShadowingCoverage => coverage,
    });
    Ok(host)
}
