//! The HTTP face of a [`Problem`]: its status comes from the code (one mapping, in
//! `ErrorCode::http_status`), its body is `{"error": {...}}`, and a 503 says when to retry.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use edu_domain::{ErrorCode, Problem};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;

use crate::responses;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: Problem,
}

/// A refusal or failure on its way to the client.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ApiError(pub Problem);

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        Self(p)
    }
}

/// Seconds a client should wait before retrying a 503.
pub const RETRY_AFTER_SECS: u32 = 2;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if self.0.code == ErrorCode::ServiceUnavailable {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS)));
        }
        if self.0.code == ErrorCode::Unauthenticated {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(ErrorBody {
            error: self.0.clone(),
        })
    }
}

/// What answers a request no route matches: a 404 with the body every error has, not
/// actix's empty one.
pub async fn no_route(req: HttpRequest) -> HttpResponse {
    ApiError(Problem::new(
        ErrorCode::NotFound,
        format!("no resource answers {} {}", req.method(), req.path()),
        format!("没有资源响应 {} {}", req.method(), req.path()),
    ))
    .error_response()
}

/// Every operation that takes a parameter or a body can be refused with 400 before its
/// handler runs: the path, query and JSON extractors' error handlers and the Idempotency-Key
/// check answer through [`ApiError`]. Documented here once for the operations whose own
/// annotation does not already describe their 400.
pub fn document_invalid_input(api: &mut OpenApi) {
    let operations = api.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
    });
    for operation in operations.flatten() {
        let takes_input = operation.request_body.is_some()
            || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
        if takes_input {
            responses::add_where_missing::<responses::InvalidRequest>(operation);
        }
    }
}
