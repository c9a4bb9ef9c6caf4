//! The HTTP resources under `/api/v1`, declared in one place.

pub mod groups;
pub mod rotation;
pub mod schools;
pub mod system;
pub mod training;

use utoipa_actix_web::service_config::ServiceConfig;

/// Every `/api/v1` route. Only `.service(...)` registrations reach the OpenAPI document.
pub fn config(cfg: &mut ServiceConfig) {
    cfg.service(schools::create_school)
        .service(schools::list_schools)
        .service(schools::get_school)
        .service(groups::create_group)
        .service(groups::list_groups)
        .service(groups::get_group)
        .service(groups::dissolve_group)
        .service(groups::admit_member)
        .service(groups::list_members)
        .service(groups::exit_member)
        .service(rotation::import_teachers)
        .service(rotation::list_teachers)
        .service(rotation::export_teachers)
        .service(rotation::create_posting)
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
        .service(training::get_shadowing_coverage);
}
