//! Annual evaluation service (DOMAIN.md §6): the bureau's annual evaluation — rounds opened
//! as drafts, recomputed from corrected data and completed (V-03), scorecards over the V-01
//! indicator tree with the policy's weights and grades, value added (V-02, V-08), the Q-12
//! balance indicators and V-17 CVs, and the consequences the bureau confirms; the
//! obligation ledger (G-06, G-08, G-15, V-06, M2, M5, E-05, E-06, E-08 as a KPI, E-09), a
//! projection built from every service's events, never from their tables; the evaluation
//! standing the sanctions ask for; and each school's notification feed. Owns the
//! `evaluation` schema.
//!
//! One module per aggregate, each with its rules (pure), its store (diesel queries) and its
//! unit tests: `rounds` (V-03), `scorecards` (V-01), `balance` (Q-12, V-17),
//! `consequences`, `ledger` (the obligations), `year` (the bureau's data of a school
//! year and its lock), and `projection` (what this service learns from events).

mod balance;
mod consequences;
mod error;
mod ledger;
mod projection;
mod rounds;
mod schema;
mod scorecards;
pub mod service;
mod year;

use std::sync::Arc;

use diesel_migrations::embed_migrations;
use edu_bus::Bus;
use edu_bus::consumer::ConsumerSpec;
use edu_bus::server::ServiceHost;
use edu_contracts::ServiceName;
use edu_contracts::evaluation as evaluation_ops;
use edu_contracts::evaluation_year as year_ops;
use edu_contracts::obligations as ops;
use edu_db::{DbConfig, EmbeddedMigrations};

pub use service::EvaluationService;

/// This service's migrations (after the infrastructure ones of edu-db).
pub const MIGRATIONS: &[EmbeddedMigrations] = &[
    embed_migrations!("migrations"),
    edu_bus::policy::MIGRATIONS,
    edu_bus::membership_view::MIGRATIONS,
];

/// Migrates the schema, starts the outbox relay and the ledger projection (every service's
/// events), and registers the endpoints on the bus.
pub async fn start(bus: &Bus, db: DbConfig) -> anyhow::Result<ServiceHost> {
    let (mut host, pool) = ServiceHost::start_with_db(
        bus,
        ServiceName::Evaluation,
        "年度考核评估 annual evaluation",
        db,
        MIGRATIONS,
    )
    .await?;
    let spec = ConsumerSpec {
        name: projection::CONSUMER.to_owned(),
        filter_subject: bus.config().events_wildcard(),
    };
    host.spawn_consumer(pool.clone(), spec, Arc::new(projection::LedgerProjection));
    let service = EvaluationService::new(pool, bus.clone());
    host.spawn_task(service.clone().resume_rounds());
    edu_bus::serve_operations!(host, service, {
        ops::GetLedger => ledger,
        ops::GetStanding => standing,
        ops::GetNotifications => feed,
        evaluation_ops::SaveSchoolData => save_school_data,
        evaluation_ops::GetSchoolData => get_school_data,
        evaluation_ops::SaveScoredItems => save_scored_items,
        evaluation_ops::OpenRound => open_round,
        evaluation_ops::GetRound => get_round,
        evaluation_ops::ListScorecards => list_scorecards,
        evaluation_ops::GetScorecard => get_scorecard,
        evaluation_ops::DecideConsequence => decide_consequence,
        year_ops::ListRounds => list_rounds,
        year_ops::RecomputeRound => recompute_round,
        year_ops::CompleteRound => complete_round,
        year_ops::GetScoredItems => get_scored_items,
        year_ops::ImportSchoolData => import_school_data,
    });
    Ok(host)
}
