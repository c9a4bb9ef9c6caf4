//! What a school reads in the library before it adopts a resource: who adopted it already,
//! and the safe way its files are served (the type a file is downloaded as).
//!
//! Scope is the catalogue service's, as for every read of a resource (R-05: the schools of
//! its group, its bureau and auditors; a school that left sees its own only): a resource
//! outside the caller's reach is 404, its adopters too.

use actix_web::get;
use edu_contracts::catalogue::{Adopters, ListAdopters, ResourceRef};
use edu_domain::ResourceId;

use crate::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::web;
use crate::responses::{NoToken, Unavailable};

/// The schools that adopted a resource, each with the version it adopted last (and whether
/// a newer one exists), most recent adoption first.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_resource_adoptions",
    params(("resource_id" = ResourceId, Path, description = "Resource id")),
    responses(
        (status = 200, description = "The adopting schools", body = Adopters),
        (status = 404, description = "No such resource for the caller (outside the group, or left it)", body = ErrorBody),
        NoToken, Unavailable,
    ),
    security(("bearer" = [])),
)]
#[get("/resources/{resource_id}/adoptions")]
pub async fn list_resource_adoptions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ResourceId>,
) -> Result<web::Json<Adopters>, ApiError> {
    let body = ResourceRef {
        resource_id: path.into_inner(),
    };
    Ok(web::Json(
        state
            .bus
            .call::<ListAdopters>(&caller.actor(), None, body)
            .await?,
    ))
}

/// Types a browser shows without running anything the uploader wrote: documents, images
/// (SVG excluded: it carries scripts), audio, video, archives and office files.
const PASSIVE_PREFIXES: &[&str] = &["image/", "audio/", "video/"];
const PASSIVE_TYPES: &[&str] = &[
    "application/pdf",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "text/plain",
    "text/csv",
];
const OFFICE_PREFIX: &str = "application/vnd.openxmlformats-officedocument.";

/// The type a stored file is served as: what the uploader declared when it is passive, else
/// `application/octet-stream` (HTML, SVG, XML or scripts an uploader sent are never handed to
/// the browser as such, even with the download's `nosniff` and `attachment`).
pub fn served_content_type(declared: &str) -> String {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let passive = PASSIVE_TYPES.contains(&essence.as_str())
        || essence.starts_with(OFFICE_PREFIX)
        || (PASSIVE_PREFIXES.iter().any(|p| essence.starts_with(p)) && !essence.contains("svg"));
    if passive && !essence.contains(['"', '\\', ' ']) {
        essence
    } else {
        "application/octet-stream".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::served_content_type;

    #[test]
    fn only_passive_types_are_served_as_declared() {
        for (declared, served) in [
            ("application/pdf", "application/pdf"),
            ("IMAGE/PNG", "image/png"),
            ("text/plain; charset=utf-8", "text/plain"),
            (
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ),
            ("text/html", "application/octet-stream"),
            ("image/svg+xml", "application/octet-stream"),
            ("application/xhtml+xml", "application/octet-stream"),
            ("text/javascript", "application/octet-stream"),
            ("", "application/octet-stream"),
        ] {
            assert_eq!(served_content_type(declared), served, "{declared}");
        }
    }
}
