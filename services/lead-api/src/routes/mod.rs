//! The HTTP resources under `/api/v1`, declared in one place.

/// A list's query parameters: the struct as written, then the page every list takes
/// (`limit` 1–200, default 50; `offset` from 0), read by `paging()`.
macro_rules! list_params {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$field_meta:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$field_meta])* pub $field: $ty,)*
            #[serde(default)]
            #[param(minimum = 1, maximum = 200, default = 50)]
            pub limit: Option<u16>,
            #[serde(default)]
            #[param(minimum = 0, default = 0)]
            pub offset: Option<u32>,
        }

        impl $name {
            /// The page asked for, with the defaults where it says nothing.
            pub fn paging(&self) -> edu_contracts::Paging {
                edu_contracts::Paging::or_default(self.limit, self.offset)
            }
        }
    };
}

pub mod agreements;
pub mod audit;
pub mod catalogue;
pub mod charter;
pub mod consent;
pub mod council;
pub mod council_report;
pub mod county;
pub mod evaluation;
pub mod evaluation_export;
mod evaluation_sheet;
pub mod evaluation_year;
pub mod facilities;
pub mod files;
pub mod funds;
pub mod groups;
pub mod library;
pub mod major_matters;
pub mod me;
pub mod minutes;
pub(crate) mod names;
pub mod obligations;
pub mod office;
pub mod past_meetings;
pub mod policy;
pub mod reports;
pub mod rotation;
pub mod sanctions;
pub mod scale;
pub mod schools;
mod spreadsheet;
pub mod system;
pub mod teachers;
pub mod training;

use utoipa_actix_web::service_config::ServiceConfig;

/// Every `/api/v1` route. Only `.service(...)` registrations reach the OpenAPI document.
pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(schools::create_school)
        .service(schools::list_schools)
        .service(schools::get_school)
        .service(groups::create_group)
        .service(groups::import_group)
        .service(groups::list_groups)
        .service(groups::get_group)
        .service(groups::dissolve_group)
        .service(groups::admit_member)
        .service(groups::list_members)
        .service(groups::exit_member)
        .service(consent::list_consent_requests)
        .service(consent::decide_consent_request)
        .service(consent::list_posting_consents)
        .service(consent::decide_posting_consent)
        .service(scale::change_group_scale)
        .service(scale::list_group_scale_decisions)
        .service(scale::record_lead_quality)
        .service(scale::list_lead_quality)
        .service(office::get_office)
        .service(office::create_office_appointment)
        .service(office::end_office_appointment)
        .service(office::create_cross_appointment)
        .service(office::end_cross_appointment)
        .service(office::create_leader_recommendation)
        .service(office::decide_leader_recommendation)
        .service(agreements::list_agreements)
        .service(agreements::create_agreement)
        .service(agreements::end_agreement)
        .service(county::get_county_coverage)
        .service(county::list_weak_school_rounds)
        .service(county::create_weak_school_round)
        .service(county::create_weak_school_designation)
        .service(county::lift_weak_school_designation)
        .service(teachers::import_teachers)
        .service(teachers::list_teachers)
        .service(teachers::export_teachers)
        .service(rotation::create_posting)
        .service(rotation::load_past_postings)
        .service(rotation::list_postings)
        .service(rotation::export_postings_calendar)
        .service(rotation::get_posting)
        .service(rotation::confirm_posting)
        .service(rotation::cancel_posting)
        .service(rotation::end_posting)
        .service(rotation::get_group_rotation)
        .service(rotation::get_region_rotation)
        .service(training::record_training)
        .service(training::list_trainings)
        .service(training::get_training_hours)
        .service(training::get_shadowing_coverage)
        .service(council::get_council)
        .service(council::set_council)
        .service(council::get_council_cadence)
        .service(council::create_meeting)
        .service(past_meetings::import_past_meetings)
        .service(council::list_meetings)
        .service(council::export_meetings_calendar)
        .service(council::get_meeting)
        .service(council::record_attendance)
        .service(council::create_motion)
        .service(council::get_motion)
        .service(council::cast_votes)
        .service(minutes::write_minutes)
        .service(minutes::circulate_minutes)
        .service(minutes::publish_minutes)
        .service(minutes::create_minutes_correction)
        .service(council::list_decisions)
        .service(major_matters::record_major_matter)
        .service(major_matters::list_major_matters)
        .service(charter::get_group_charter)
        .service(charter::draft_charter_version)
        .service(charter::get_charter_version)
        .service(charter::edit_charter_draft)
        .service(charter::adopt_charter_version)
        .service(charter::acknowledge_charter_version)
        .service(reports::list_reports)
        .service(reports::list_overdue_reports)
        .service(council_report::print_report)
        .service(reports::get_report)
        .service(reports::submit_report)
        .service(catalogue::create_resource)
        .service(catalogue::list_resources)
        .service(catalogue::get_resource)
        .service(files::download_resource_file)
        .service(catalogue::create_resource_version)
        .service(catalogue::review_resource)
        .service(catalogue::adopt_resource)
        .service(library::list_resource_adoptions)
        .service(catalogue::share_resource)
        .service(catalogue::list_brand_refusals)
        .service(catalogue::get_resource_reuse)
        .service(files::upload_file)
        .service(facilities::create_facility)
        .service(facilities::list_facilities)
        .service(facilities::create_booking)
        .service(facilities::list_bookings)
        .service(sanctions::create_warning)
        .service(sanctions::list_sanctions)
        .service(sanctions::create_persuade_out)
        .service(sanctions::decide_persuade_out)
        .service(obligations::get_obligations)
        .service(obligations::list_notifications)
        .service(me::get_region)
        .service(me::get_my_teaching)
        .service(policy::get_region_policy)
        .service(policy::put_region_policy)
        .service(evaluation::create_evaluation_round)
        .service(evaluation::get_evaluation_round)
        .service(evaluation_export::export_evaluation_round_csv)
        .service(evaluation_export::export_evaluation_round_xlsx)
        .service(evaluation::get_scorecard)
        .service(evaluation::get_scorecard_figure)
        .service(evaluation_export::print_scorecard)
        .service(evaluation::decide_consequence)
        .service(evaluation::put_school_evaluation_data)
        .service(evaluation::get_school_evaluation_data)
        .service(evaluation::put_scored_items)
        .service(evaluation_year::list_evaluation_rounds)
        .service(evaluation_year::recompute_evaluation_round)
        .service(evaluation_year::complete_evaluation_round)
        .service(evaluation_year::get_scored_items)
        .service(evaluation_year::import_school_evaluation_data)
        .service(funds::grant_group_funds)
        .service(funds::set_school_funds_budget)
        .service(funds::record_funds_spending)
        .service(funds::reverse_funds_spending)
        .service(funds::get_group_funds)
        .service(funds::export_group_funds_xlsx)
        .service(funds::export_group_funds_csv)
        .service(audit::export_audit_trail)
        .service(audit::get_audit_public_key);
}
