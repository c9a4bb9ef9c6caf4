//! The caller: a verified bearer token, extracted once per request.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use edu_auth::{AuthError, Claims};
use edu_contracts::Actor;
use edu_domain::Problem;
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, Required, Type};

use crate::AppState;
use crate::error::ApiError;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Claims);

impl Caller {
    /// The actor recorded on the events this request causes.
    pub fn actor(&self) -> Actor {
        Actor {
            sub: self.0.sub.clone(),
            role: Some(self.0.role),
            region: Some(self.0.region.clone()),
            school_id: self.0.school_id,
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // a write's caller was verified already by the permissions middleware
        let known = req.extensions().get::<Self>().cloned();
        ready(known.map_or_else(|| authenticate(req), Ok))
    }
}

/// The verified caller of a request, or the 401 refusal.
pub(crate) fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError(Problem::internal()))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(AuthError::Missing)
        .map_err(|e| ApiError(e.into()))?;
    state
        .verifier
        .verify(token)
        .map(Caller)
        .map_err(|e| ApiError(e.into()))
}

/// The optional `Idempotency-Key` header of a creating request.
///
/// A value that is not ASCII text is refused here; the owning service then checks
/// the full rule (`edu_db::idempotency::validate_key`: 1 to 128 visible ASCII characters),
/// which is the pattern the OpenAPI document gives the header.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

/// The header's documented shape: what `edu_db::idempotency::validate_key` accepts.
const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,128}$";

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "A retry with the same key returns the first result (1 to 128 visible ASCII \
                     characters, e.g. a UUID)",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(IDEMPOTENCY_KEY_PATTERN)),
                ))
                .build(),
        ]
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("Idempotency-Key") {
            None => Ok(None),
            Some(v) => v.to_str().map(|s| Some(s.to_owned())).map_err(|_| {
                ApiError(Problem::validation(
                    "Idempotency-Key",
                    "Idempotency-Key must be visible ASCII",
                    "Idempotency-Key 必须是可见 ASCII 字符",
                ))
            }),
        };
        ready(key.map(Self))
    }
}
