//! Council meetings service (理事会, DOMAIN.md §3, RULES.md G-01..G-19): the council's seats
//! kept in step with membership (G-02..G-05), meetings with their agenda and attendance,
//! quorum that knows constituencies, motions, votes and decisions (G-07, G-09), member
//! schools' major matters on record with the decision that decided each (G-09), a group's
//! past meetings loaded by the bureau with their real dates, minutes that never change once
//! published, the quarterly written report to the bureau (G-08), the monthly and yearly
//! cadence (G-06, G-15, V-06, M2), and the group's charter and development plan adopted by
//! the council's decisions and acknowledged by the members (G-14, G-07, M2). Owns the
//! `council` schema;
//! learns group membership from the membership service's events.
//!
//! One folder per aggregate, each with its pure rules, its queries and their tests: [`seats`]
//! (the composition), [`meetings`] (agenda, attendance, quorum, minutes, cadence), [`motions`]
//! (votes and decisions), [`reports`] (the quarterly report and overdue sweep),
//! [`major_matters`], [`past`] (past meetings loaded by the bureau) and [`charter`] (the
//! charter and development plan in versions).

pub mod charter;
pub mod error;
pub mod major_matters;
pub mod meetings;
pub mod motions;
pub mod past;
mod projection;
pub mod reports;
mod schema;
pub mod seats;
mod service;
#[cfg(test)]
mod test_days;

use std::time::Duration;

use diesel_migrations::embed_migrations;
use edu_bus::Bus;
use edu_bus::server::ServiceHost;
use edu_contracts::ServiceName;
use edu_contracts::council as ops;
use edu_db::{DbConfig, EmbeddedMigrations};

pub use service::CouncilService;

/// This service's migrations (after the infrastructure ones of edu-db).
pub const MIGRATIONS: &[EmbeddedMigrations] = &[
    embed_migrations!("migrations"),
    edu_bus::policy::MIGRATIONS,
    edu_bus::membership_view::MIGRATIONS,
];

/// How often the service looks for quarterly reports that became overdue (G-08). Reads of
/// reports look too, so the bureau never sees a stale state.
const OVERDUE_SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Migrates the schema, starts the outbox relay, the membership projection and the overdue
/// sweep, and registers the endpoints on the bus.
pub async fn start(bus: &Bus, db: DbConfig) -> anyhow::Result<ServiceHost> {
    let (mut host, pool) = ServiceHost::start_with_db(
        bus,
        ServiceName::Council,
        "理事会 council meetings",
        db,
        MIGRATIONS,
    )
    .await?;
    host.follow_membership(
        pool.clone(),
        projection::CONSUMER,
        projection::CouncilReactions,
    );
    let service = CouncilService::new(pool);
    let sweeper = service.clone();
    host.spawn_task(async move {
        let mut every = tokio::time::interval(OVERDUE_SWEEP_EVERY);
        loop {
            every.tick().await;
            if let Err(e) = sweeper.sweep_all().await {
                tracing::warn!(error = %e, "overdue report sweep failed; next run retries");
            }
        }
    });
    edu_bus::serve_operations!(host, service, {
        // seats: the council's composition (G-02..G-05)
        ops::GetCouncil => get_council,
        ops::SetCouncil => set_council,
        // meetings: scheduling, attendance and quorum, the past ones, minutes, cadence
        ops::ScheduleMeeting => schedule,
        ops::GetMeeting => get_meeting,
        ops::ListMeetings => list_meetings,
        ops::LoadPastMeetings => load_past_meetings,
        ops::RecordAttendance => attendance,
        ops::WriteMinutes => write_minutes,
        ops::CirculateMinutes => circulate,
        ops::PublishMinutes => publish,
        ops::CorrectMinutes => correct,
        ops::GetCadence => cadence,
        // motions: votes and decisions (G-07, G-09)
        ops::ProposeMotion => propose_motion,
        ops::GetMotion => get_motion,
        ops::CastVotes => vote,
        ops::FindDecisions => find_decisions,
        // major matters of member schools (G-09)
        ops::RecordMajorMatter => record_major_matter,
        ops::ListMajorMatters => list_major_matters,
        // the charter and development plan (G-14, G-07, M2)
        ops::DraftCharterVersion => draft_charter,
        ops::EditCharterDraft => edit_charter,
        ops::AdoptCharterVersion => adopt_charter,
        ops::AcknowledgeCharter => acknowledge_charter,
        ops::GetCharterVersion => get_charter_version,
        ops::GetCharter => get_charter,
        // reports to the bureau (G-08)
        ops::GetReport => get_report,
        ops::SubmitReport => submit_report,
        ops::ListReports => list_reports,
    });
    Ok(host)
}
