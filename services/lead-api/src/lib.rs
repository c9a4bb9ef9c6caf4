//! The lead-school API: the one HTTP front of the system (actix-web). It authenticates
//! callers (JWT), scopes what they may see and do, forwards to the owning service over NATS,
//! and turns every refusal into a clear error with a stable code, a bilingual message and
//! the right status. It depends on the contracts crate, never on a service crate.

pub mod audit_export;
pub mod auth;
mod console;
pub mod error;
mod extract;
pub mod group_cache;
mod headers;
mod ics;
mod invalid;
pub mod permissions;
pub mod ratelimit;
mod render;
pub mod responses;
mod routes;
pub mod scope;
pub mod shed;

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError};
use actix_web::{App, HttpServer, web};
use edu_auth::Verifier;
use edu_bus::Bus;
use edu_domain::{ErrorCode, Problem};
use tracing_actix_web::TracingLogger;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

pub use crate::audit_export::AuditSigner;
pub use crate::console::DevToken;
use crate::error::ApiError;
use crate::group_cache::GroupCache;
use crate::ratelimit::RateLimits;
use crate::shed::InFlight;

/// What every request handler shares.
pub struct AppState {
    pub bus: Bus,
    pub verifier: Verifier,
    /// Groups for scope checks, kept fresh by membership events.
    pub groups: Arc<GroupCache>,
    /// Demo tokens the console's sign-in page offers; empty unless `edugroup-dev up` made a
    /// demo county with the development secret and no production identity provider.
    pub dev_tokens: Vec<DevToken>,
    /// `/api/` requests in progress, shared by every worker; the excess is shed (503).
    pub in_flight: Arc<InFlight>,
    /// Reached over HTTPS only (behind a TLS proxy): responses carry HSTS.
    pub hsts: bool,
    /// Requests per client address and per token (429 over them); off unless configured.
    pub rate_limits: Arc<RateLimits>,
    /// Signs the bureau's audit exports; none: exports answer 503 `audit_signing_unconfigured`.
    pub audit_signer: Option<Arc<AuditSigner>>,
}

impl AppState {
    /// The state of an API instance; subscribes to the membership events its cache needs.
    pub async fn new(bus: Bus, verifier: Verifier) -> anyhow::Result<Self> {
        let groups = GroupCache::subscribe(&bus).await?;
        Ok(Self {
            bus,
            verifier,
            groups,
            dev_tokens: Vec::new(),
            in_flight: InFlight::new(shed::DEFAULT_MAX_IN_FLIGHT),
            hsts: false,
            rate_limits: RateLimits::off(),
            audit_signer: None,
        })
    }

    /// Signs audit exports with `signer`.
    pub fn with_audit_signer(mut self, signer: Option<AuditSigner>) -> Self {
        self.audit_signer = signer.map(Arc::new);
        self
    }

    /// Serves at most `limit` `/api/` requests at a time and lets
    /// [`shed::DEFAULT_QUEUE_PER_PLACE`] times as many wait briefly; the rest gets 503
    /// `overloaded`.
    pub fn with_max_in_flight(mut self, limit: usize) -> Self {
        self.in_flight = InFlight::new(limit);
        self
    }

    /// Limits requests per client address and per token.
    pub fn with_rate_limits(mut self, limits: Arc<RateLimits>) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Sends HSTS with every response (the API is reached over HTTPS only).
    pub fn with_hsts(mut self, hsts: bool) -> Self {
        self.hsts = hsts;
        self
    }

    /// Offers these tokens on the console's sign-in page (development only).
    pub fn with_dev_tokens(mut self, tokens: Vec<DevToken>) -> Self {
        self.dev_tokens = tokens;
        self
    }
}

/// Largest JSON body accepted (STYLE.md trap 8: actix's default is 2 MiB).
pub const JSON_LIMIT: usize = 64 * 1024;

/// Largest CSV upload accepted (the roster import only).
pub const CSV_LIMIT: usize = 2 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "edugroup lead-school API (集团化办学)",
        description = "The one HTTP front of the school-group system. Every error has the body \
            `{\"error\": {\"code\", \"message\", \"message_zh\", \"rule\", \"details\"}}`; codes are stable.",
        license(name = "Apache-2.0"),
    ),
    modifiers(&BearerAuth, &RateLimited),
    tags(
        (name = "schools", description = "学校 — the region's school directory"),
        (name = "groups", description = "教育集团 — groups, their models and caps"),
        (name = "members", description = "成员学校 — admission, history, exit"),
        (name = "rotation", description = "交流轮岗 — teacher rosters, postings between the group's schools, the E-08 figures"),
        (name = "training", description = "培训与跟岗 — trainings the lead school delivers (E-05/E-06), yearly hours (E-19), shadowing coverage (E-09)"),
        (name = "council", description = "理事会 — seats (G-02..G-05), meetings, quorum, votes and decisions (G-09), member schools' major matters recorded with the decision that decided each (G-09), the group's charter and development plan adopted by its decisions and acknowledged by the members (G-14, G-07, M2), minutes, the quarterly report to the bureau (G-08), cadence (G-06, G-15, V-06)"),
        (name = "catalogue", description = "优质课程资源库 — the group's library: resources, immutable versions and files (R-03, R-05), review, search, adoptions and reuse, the brand rule (R-11, M7) with every refused transfer on record, shared facilities and bookings (R-01)"),
        (name = "funds", description = "集团化办学专项经费 — the bureau's special fund per group and school year, each school's own group funds budget, spending by use against either within its budget (G-17; the bureau's fund spent by the lead office, G-10), reversals, the yearly statement and its XLSX/CSV export"),
        (name = "sanctions", description = "警告与劝退 — warnings and persuade-out by the lead school (X-01, L8), on a warning or a failing evaluation (§8.7) and a council decision (G-09), confirmed by the bureau"),
        (name = "office", description = "集团管理 — the group's management office at the lead school (G-10, G-11: one director, up to two deputies), member principals as the lead's vice-principals outside its quota (G-13), the lead school's leader recommendations decided by the bureau (G-12)"),
        (name = "agreements", description = "共享协议 — sharing agreements among the group's schools: parties, scopes (brand, management, institutions, teaching, research, staff exchange) and term (R-10, M6), with the school year's postings that no staff-exchange agreement covers"),
        (name = "county", description = "县域 — the county's group coverage of junior schools against the ≥ 80 % line (F-16) and its three-year rounds of weak-school designation, each school with its own plan (F-17)"),
        (name = "obligations", description = "义务台账 — each period's obligations of the group, the lead and the members (G-06, G-08, E-05, E-06, M5, E-09, G-15, V-06, M2, E-08) with their records, and each school's notifications"),
        (name = "policy", description = "政策 — the region's policy versions: caps, ratios, cadences, quorum, report deadline, library contribution, evaluation weights"),
        (name = "evaluation", description = "年度考核评估 — the bureau's annual evaluation: data it enters (quality scores, Q-12 balance inputs, scored items), rounds (V-03), scorecards over the V-01 dimensions with drill-down to the records, value added (V-02, V-08), enrolment-weighted balance CVs (加权差异系数, V-17, §8.12), grades and consequences (X-02), CSV/XLSX/HTML exports"),
        (name = "audit", description = "审计记录 — a county's tamper-evident audit trail: every write's record chained by SHA-256, exported signed (Ed25519) for its bureau and auditors"),
        (name = "system", description = "Liveness and readiness"),
    ),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Every `/api/` operation may answer 429 `rate_limited` ([`ratelimit`]): documented once
/// here rather than on each route.
struct RateLimited;

impl Modify for RateLimited {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let response = utoipa::openapi::ResponseBuilder::new()
            .description(
                "`rate_limited`: over this client address's or this token's rate; retry after `Retry-After` seconds",
            )
            .content(
                "application/json",
                utoipa::openapi::Content::new(Some(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                ))),
            )
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/") {
                continue;
            }
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                operation
                    .responses
                    .responses
                    .entry("429".to_owned())
                    .or_insert_with(|| response.clone().into());
            }
        }
    }
}

fn bad_request(field: &str, en: &str, zh: &str) -> actix_web::Error {
    ApiError(Problem::validation(field, en, zh)).into()
}

/// The body's own refusals (too large, not JSON, wrong content type); a body that is JSON
/// but does not fit the request is refused by [`extract::Json`], naming the field.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|err, _| match err {
            JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
                ApiError(Problem::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the body is larger than {JSON_LIMIT} bytes"),
                    format!("请求体超过 {JSON_LIMIT} 字节"),
                ))
                .into()
            }
            JsonPayloadError::ContentType => bad_request(
                "Content-Type",
                "Content-Type must be application/json",
                "Content-Type 必须为 application/json",
            ),
            JsonPayloadError::Deserialize(e) => ApiError(invalid::malformed_json(&e)).into(),
            _ => bad_request(
                "body",
                "the request body could not be read",
                "无法读取请求体",
            ),
        })
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|err: PathError, req| ApiError(invalid::path(req, &err)).into())
}

/// The routes with their OpenAPI document, collected from the real routing tree.
fn build(
    state: Option<web::Data<AppState>>,
) -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    OpenApiDoc,
) {
    let mut app = App::new().into_utoipa_app().openapi(ApiDoc::openapi());
    if let Some(state) = state {
        app = app.app_data(state);
    }
    let (app, mut api) = app
        .app_data(json_config())
        .app_data(path_config())
        .service(utoipa_actix_web::scope("/api/v1").configure(routes::config))
        .service(routes::system::healthz)
        .service(routes::system::readyz)
        .split_for_parts();
    error::document_invalid_input(&mut api);
    permissions::document(&mut api);
    (app, api)
}

/// The OpenAPI document of this API (the committed `openapi/openapi.json` is this).
pub fn openapi() -> OpenApiDoc {
    build(None).1
}

/// The whole application: API, docs at `/docs/`, the console at `/`.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let in_flight = web::Data::from(Arc::clone(&state.in_flight));
    let security_headers = headers::defaults(state.hsts);
    let rate_limits = web::Data::from(Arc::clone(&state.rate_limits));
    let (app, api) = build(Some(state));
    app.app_data(in_flight)
        .app_data(rate_limits)
        // innermost first: the role table for writes, rate limits, the log, shedding, and
        // the security headers on every response, refusals included
        .wrap(actix_web::middleware::from_fn(permissions::authorize))
        .wrap(actix_web::middleware::from_fn(ratelimit::limit))
        .wrap(TracingLogger::default())
        .wrap(actix_web::middleware::from_fn(shed::limit))
        .wrap(security_headers)
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api))
        .configure(console::config)
        .default_service(web::to(error::no_route))
}

/// Where and how the HTTP server listens.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub bind: SocketAddr,
    pub workers: usize,
}

/// Binds and starts the HTTP server; returns it with the addresses it listens on.
pub fn serve(config: &ApiConfig, state: AppState) -> anyhow::Result<(Server, Vec<SocketAddr>)> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || app(data.clone()))
        .workers(config.workers.max(1))
        .bind(config.bind)?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}
