//! Group membership service (DOMAIN.md §1): schools, education groups, memberships with
//! their history, and the rules of group formation — model caps (F-08, F-09), same stage
//! (F-03), legal person and plaque by model (F-06, F-07), the lead never a member (F-01),
//! one group per school (§8.5); the bureau's scale decisions and the lead school's yearly
//! quality, which gates admissions (F-08, V-07); the region policy versions (DESIGN.md "Policy as data");
//! consent across counties (F-04); the sanctions: warnings, persuade-out with the bureau's confirmation (X-01, §8.7, G-09)
//! and dissolution on a failing evaluation; the group's own administration: its office,
//! leader recommendations and cross-appointments (G-10..G-13), its sharing agreements
//! and its funds (G-17, funds/);
//! the bureau's county view: group coverage of junior schools (F-16) and weak-school
//! designation rounds (F-17). Owns the `membership` PostgreSQL schema.

mod admission;
mod agreements;
mod consent;
mod consequences;
mod county;
pub mod error;
mod funds;
mod history;
mod office;
mod policy;
pub mod rules;
mod sanctions;
mod scale;
mod schema;
pub mod service;
mod store;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use edu_bus::Bus;
use edu_bus::consumer::ConsumerSpec;
use edu_bus::server::ServiceHost;
use edu_contracts::ServiceName;
use edu_contracts::agreements as agreement_ops;
use edu_contracts::consent as consent_ops;
use edu_contracts::county as county_ops;
use edu_contracts::funds as funds_ops;
use edu_contracts::membership as ops;
use edu_contracts::office as office_ops;
use edu_contracts::policy as policy_ops;
use edu_contracts::sanctions as sanction_ops;
use edu_db::DbConfig;

pub use service::MembershipService;

/// This service's migrations (after the infrastructure ones of edu-db).
pub const MIGRATIONS: &[EmbeddedMigrations] = &[embed_migrations!("migrations")];

/// Migrates the schema, starts the outbox relay and registers the endpoints on the bus.
/// The returned host serves until [`ServiceHost::run_until`] ends.
pub async fn start(bus: &Bus, mut db: DbConfig) -> anyhow::Result<ServiceHost> {
    // Every statement here looks rows up by key; the group view reads its schools by an
    // array of ids, which PostgreSQL would otherwise plan again on every call.
    db.generic_plans = true;
    // The member list is the API's most frequent read and its one statement is short: a
    // connection is mostly held waiting for the service's task to take the answer, not for
    // PostgreSQL. Twice the configured pool keeps PostgreSQL busy (GET members at 64
    // connections, 8 → 16 connections: 6.9k → 8.0k req/s, medians of four alternating runs).
    db.pool_size *= 2;
    let (mut host, pool) = ServiceHost::start_with_db(
        bus,
        ServiceName::Membership,
        "集团成员管理 group membership",
        db,
        MIGRATIONS,
    )
    .await?;
    // confirmed evaluation consequences (a member's exit, the group's dissolution).
    host.spawn_consumer(
        pool.clone(),
        ConsumerSpec {
            name: consequences::CONSUMER.to_owned(),
            filter_subject: bus.config().service_events(ServiceName::Evaluation),
        },
        Arc::new(consequences::EvaluationConsequences),
    );
    let service = MembershipService::new(pool, bus.clone());
    edu_bus::serve_operations!(host, service, {
        ops::CreateSchool => create_school,
        ops::GetSchool => get_school,
        ops::ListSchools => list_schools,
        ops::CreateGroup => create_group,
        ops::GetGroup => get_group,
        ops::ListGroups => list_groups,
        ops::DissolveGroup => dissolve,
        ops::AdmitMember => admit,
        ops::ListMembers => list_members,
        ops::ExitMember => exit,
        ops::ImportGroup => import_group,
        ops::ChangeScale => change_scale,
        ops::ListScaleDecisions => list_scale_decisions,
        ops::RecordLeadQuality => record_lead_quality,
        ops::ListLeadQuality => list_lead_quality,
        consent_ops::RequestConsent => request_consent,
        consent_ops::DecideConsent => decide_consent,
        consent_ops::ListConsents => list_consents,
        policy_ops::GetRegionPolicy => get_policy,
        policy_ops::PublishPolicy => publish_policy,
        sanction_ops::IssueWarning => issue_warning,
        sanction_ops::ListSanctions => list_sanctions,
        sanction_ops::ProposePersuadeOut => propose_persuade_out,
        sanction_ops::DecidePersuadeOut => decide_persuade_out,
        office_ops::AppointOfficer => appoint_officer,
        office_ops::EndOfficeAppointment => end_office_appointment,
        office_ops::GetOffice => get_office,
        office_ops::RecommendLeader => recommend_leader,
        office_ops::DecideLeaderRecommendation => decide_leader_recommendation,
        office_ops::RecordCrossAppointment => record_cross_appointment,
        office_ops::EndCrossAppointment => end_cross_appointment,
        agreement_ops::RecordAgreement => record_agreement,
        agreement_ops::EndAgreement => end_agreement,
        agreement_ops::ListAgreements => list_agreements,
        county_ops::GetCoverage => coverage,
        county_ops::ListWeakRounds => list_weak_rounds,
        county_ops::OpenWeakRound => open_weak_round,
        county_ops::DesignateWeakSchool => designate_weak_school,
        county_ops::LiftDesignation => lift_designation,
        funds_ops::GrantFunds => grant_funds,
        funds_ops::SetBudget => set_budget,
        funds_ops::RecordSpending => record_spending,
        funds_ops::ReverseSpending => reverse_spending,
        funds_ops::GetSpending => get_spending,
        funds_ops::GetStatement => funds_statement,
    });
    Ok(host)
}
