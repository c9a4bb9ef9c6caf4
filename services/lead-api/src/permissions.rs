//! Least privilege, declared once (DESIGN.md, "Auth and tenancy"): which roles may call each
//! write operation of the API. A middleware consults this table on every write before the
//! handler reads anything of the request, so a write no role is listed for is refused for
//! everyone; a test walks every operation of the OpenAPI document × every role against it,
//! and the document carries it as `x-roles`.
//!
//! The table answers "may this role ever do this"; which bureau, which office and which
//! school (the group's county, the lead school, the school's own staff) is the handler's
//! scope check (scope.rs) and the owning service's rule. Reads are scoped by their data and
//! are not listed. The auditor writes nothing; a teacher writes nothing through this API
//! (its postings, trainings and meetings are recorded by the offices).

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use edu_domain::{Problem, Role};
use serde_json::json;
use utoipa::openapi::OpenApi;
use utoipa::openapi::extensions::Extensions;

use crate::auth::{Caller, authenticate};
use crate::error::ApiError;

/// One write operation: method and path as the OpenAPI document names them, and the roles
/// that may call it.
#[derive(Debug)]
pub struct Write {
    pub method: Method,
    pub path: &'static str,
    pub roles: &'static [Role],
}

const BUREAU: &[Role] = &[Role::Bureau];
const LEAD: &[Role] = &[Role::LeadAdmin];
/// A member school's own office (M2: it acknowledges the charter in force).
const MEMBER: &[Role] = &[Role::MemberAdmin];
/// A school's own office, lead or member (the library, its own roster, its own seat).
const OFFICES: &[Role] = &[Role::LeadAdmin, Role::MemberAdmin];
const BUREAU_LEAD: &[Role] = &[Role::Bureau, Role::LeadAdmin];
const BUREAU_OFFICES: &[Role] = &[Role::Bureau, Role::LeadAdmin, Role::MemberAdmin];

macro_rules! writes {
    ($($method:ident $path:literal => $roles:expr,)*) => {
        &[$(Write { method: Method::$method, path: concat!("/api/v1", $path), roles: $roles },)*]
    };
}

/// Every write of `/api/v1`, by area.
pub const WRITES: &[Write] = writes! {
    // the county's directory and its groups (F-01, F-02, F-08, X-02)
    POST "/schools" => BUREAU,
    POST "/schools/{school_id}/lead-quality" => BUREAU,
    POST "/groups" => BUREAU,
    POST "/groups/import" => BUREAU,
    POST "/groups/{group_id}/dissolution" => BUREAU,
    PUT "/groups/{group_id}/scale" => BUREAU,
    PUT "/regions/{region}/policy" => BUREAU,
    // the county view: weak-school designation rounds (F-17)
    POST "/regions/{region}/weak-school-rounds" => BUREAU,
    POST "/regions/{region}/weak-school-rounds/{round_id}/designations" => BUREAU,
    POST "/regions/{region}/weak-school-designations/{designation_id}/lift" => BUREAU,
    // membership: the lead office admits (F-03), the school's county consents (F-04), a
    // member leaves of its own accord, the lead office supervises, the bureau decides
    POST "/groups/{group_id}/members" => BUREAU_LEAD,
    POST "/consent-requests/{request_id}/decision" => BUREAU,
    POST "/groups/{group_id}/members/{school_id}/exit" => BUREAU_OFFICES,
    POST "/groups/{group_id}/members/{school_id}/warnings" => LEAD,
    POST "/groups/{group_id}/members/{school_id}/persuade-out" => LEAD,
    POST "/groups/{group_id}/members/{school_id}/persuade-out/decision" => BUREAU,
    // the group's administration: the lead office staffs its office and records its
    // vice-principals (G-10, G-11, G-13) and recommends leaders, the bureau decides (G-12)
    POST "/groups/{group_id}/office/appointments" => LEAD,
    POST "/groups/{group_id}/office/appointments/{appointment_id}/end" => LEAD,
    POST "/groups/{group_id}/cross-appointments" => LEAD,
    POST "/groups/{group_id}/cross-appointments/{appointment_id}/end" => LEAD,
    POST "/groups/{group_id}/leader-recommendations" => LEAD,
    POST "/groups/{group_id}/leader-recommendations/{recommendation_id}/decision" => BUREAU,
    // sharing agreements among the group's schools, kept by the lead office
    POST "/groups/{group_id}/agreements" => LEAD,
    POST "/groups/{group_id}/agreements/{agreement_id}/end" => LEAD,
    // rotation (E-02, E-03, E-05): offices plan and confirm for their own staff
    POST "/schools/{school_id}/teachers/import" => BUREAU_OFFICES,
    POST "/groups/{group_id}/postings" => BUREAU_OFFICES,
    POST "/groups/{group_id}/postings/import" => BUREAU,
    POST "/postings/{posting_id}/confirm" => BUREAU_OFFICES,
    POST "/postings/{posting_id}/cancel" => BUREAU_OFFICES,
    POST "/postings/{posting_id}/end" => BUREAU_OFFICES,
    // F-04: the bureau of the teacher's county consents to a posting across counties
    POST "/postings/{posting_id}/consent" => BUREAU,
    POST "/groups/{group_id}/trainings" => BUREAU_LEAD,
    // the council: the lead office keeps its records (G-05, G-08, G-10); a member office
    // amends the minutes for its own seat and records its own major matters (G-09)
    PUT "/groups/{group_id}/council" => LEAD,
    POST "/groups/{group_id}/meetings" => LEAD,
    POST "/groups/{group_id}/meetings/import" => BUREAU,
    POST "/meetings/{meeting_id}/attendance" => LEAD,
    POST "/meetings/{meeting_id}/motions" => LEAD,
    POST "/motions/{motion_id}/votes" => LEAD,
    PUT "/meetings/{meeting_id}/minutes" => OFFICES,
    POST "/meetings/{meeting_id}/minutes/circulate" => LEAD,
    POST "/meetings/{meeting_id}/minutes/publish" => LEAD,
    POST "/meetings/{meeting_id}/minutes/corrections" => LEAD,
    POST "/groups/{group_id}/reports/{period}" => LEAD,
    POST "/groups/{group_id}/major-matters" => OFFICES,
    // the charter and development plan: the lead office drafts and records the council's
    // adoption (G-14, L4, G-07); each member school acknowledges the version in force (M2)
    POST "/groups/{group_id}/charter/versions" => LEAD,
    PUT "/charter-versions/{version_id}" => LEAD,
    POST "/charter-versions/{version_id}/adoption" => LEAD,
    POST "/charter-versions/{version_id}/acknowledgements" => MEMBER,
    // the shared library: the schools' offices write (R-03 review by the lead office)
    POST "/groups/{group_id}/resources" => OFFICES,
    POST "/groups/{group_id}/files" => OFFICES,
    POST "/resources/{resource_id}/versions" => OFFICES,
    POST "/resources/{resource_id}/approval" => LEAD,
    POST "/resources/{resource_id}/adoptions" => OFFICES,
    POST "/resources/{resource_id}/shares" => OFFICES,
    POST "/groups/{group_id}/facilities" => OFFICES,
    POST "/facilities/{facility_id}/bookings" => OFFICES,
    // the group's funds (G-17): the bureau grants, each school's office budgets and spends
    // its own (the lead office the bureau's fund, G-10)
    POST "/groups/{group_id}/funds/grants" => BUREAU,
    POST "/groups/{group_id}/funds/budgets" => OFFICES,
    POST "/groups/{group_id}/funds/spending" => OFFICES,
    POST "/funds/spending/{spending_id}/reversal" => OFFICES,
    // the bureau's evaluation year (V-01 to V-08)
    PUT "/evaluation-data/{school_year}/schools/{school_id}" => BUREAU,
    POST "/evaluation-data/{school_year}/import" => BUREAU,
    PUT "/evaluation-data/{school_year}/groups/{group_id}/scored-items" => BUREAU,
    POST "/evaluation-rounds" => BUREAU,
    POST "/evaluation-rounds/{round_id}/recompute" => BUREAU,
    POST "/evaluation-rounds/{round_id}/complete" => BUREAU,
    POST "/evaluation-rounds/{round_id}/groups/{group_id}/consequences/{consequence_id}/decision" => BUREAU,
};

/// Whether a method changes something (and so must be listed).
fn writes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The roles that may call `method` on the route `pattern`; `None` for a read. A write that
/// is not listed is open to no role.
pub fn roles_for(method: &Method, pattern: Option<&str>) -> Option<&'static [Role]> {
    if !writes(method) {
        return None;
    }
    Some(
        pattern
            .and_then(|p| WRITES.iter().find(|w| w.method == *method && w.path == p))
            .map_or(&[], |w| w.roles),
    )
}

fn label(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Bureau => ("the county education bureau", "县教育局"),
        Role::LeadAdmin => ("the lead school's office", "龙头学校集团办公室"),
        Role::MemberAdmin => ("a member school's office", "成员学校"),
        Role::Teacher => ("a teacher", "教师"),
        Role::Auditor => ("the auditor", "督导审计人员"),
    }
}

/// Ok when the role may make this request; the refusal names the roles that may.
pub fn permit(method: &Method, pattern: Option<&str>, role: Role) -> Result<(), Problem> {
    let Some(allowed) = roles_for(method, pattern) else {
        return Ok(());
    };
    if allowed.contains(&role) {
        return Ok(());
    }
    let (en, zh): (Vec<_>, Vec<_>) = allowed.iter().map(|r| label(*r)).unzip();
    let (en, zh) = match (en.split_last(), zh.split_last()) {
        (Some((en_last, [])), Some((zh_last, []))) => (
            format!("only {en_last} may do this"),
            format!("仅{zh_last}可执行此操作"),
        ),
        (Some((en_last, en_rest)), Some((zh_last, zh_rest))) => (
            format!("only {} or {en_last} may do this", en_rest.join(", ")),
            format!("仅{}或{zh_last}可执行此操作", zh_rest.join("、")),
        ),
        _ => (
            "no role may do this".to_owned(),
            "任何角色均无权执行此操作".to_owned(),
        ),
    };
    Err(Problem::forbidden(&en, &zh).details(json!({
        "role": role,
        "allowed_roles": allowed,
    })))
}

/// The middleware: a write by a role the table does not list for it gets 403 `forbidden`,
/// naming the roles that may, before its path, query or body is read. A write without a
/// valid token goes on to its handler, whose extractor answers 401.
pub async fn authorize(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if writes(req.method())
        && let Ok(caller) = authenticate(req.request())
    {
        if let Err(problem) = permit(req.method(), req.match_pattern().as_deref(), caller.0.role) {
            let response = ApiError(problem).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
        req.extensions_mut().insert::<Caller>(caller);
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Writes the table into the OpenAPI document: each write operation's `x-roles`.
pub fn document(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            (Method::PUT, &mut item.put),
            (Method::POST, &mut item.post),
            (Method::DELETE, &mut item.delete),
            (Method::PATCH, &mut item.patch),
        ];
        for (method, operation) in operations {
            let (Some(operation), Some(roles)) = (operation, roles_for(&method, Some(path))) else {
                continue;
            };
            operation
                .extensions
                .get_or_insert_with(Extensions::default)
                .insert("x-roles".to_owned(), json!(roles));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edu_domain::ErrorCode;

    #[test]
    fn the_auditor_and_the_teacher_write_nothing() {
        for w in WRITES {
            assert!(!w.roles.contains(&Role::Auditor), "{} {}", w.method, w.path);
            assert!(!w.roles.contains(&Role::Teacher), "{} {}", w.method, w.path);
        }
    }

    #[test]
    fn each_write_is_listed_once() {
        for (i, w) in WRITES.iter().enumerate() {
            assert!(
                !WRITES[i + 1..]
                    .iter()
                    .any(|o| o.method == w.method && o.path == w.path),
                "{} {} listed twice",
                w.method,
                w.path
            );
        }
    }

    #[test]
    fn a_write_nobody_listed_is_refused_and_reads_pass() {
        let refusal = permit(&Method::POST, Some("/api/v1/unlisted"), Role::Bureau);
        assert_eq!(
            refusal.map_err(|p| (p.code, p.message_zh)),
            Err((ErrorCode::Forbidden, "任何角色均无权执行此操作".to_owned()))
        );
        assert!(permit(&Method::GET, Some("/api/v1/unlisted"), Role::Auditor).is_ok());
        let teacher = permit(
            &Method::POST,
            Some("/api/v1/groups/{group_id}/postings"),
            Role::Teacher,
        );
        let problem = teacher.err().map(|p| (p.message_zh, p.details));
        assert_eq!(
            problem,
            Some((
                "仅县教育局、龙头学校集团办公室或成员学校可执行此操作".to_owned(),
                json!({"role": "teacher", "allowed_roles": ["bureau", "lead_admin", "member_admin"]})
            ))
        );
    }
}
