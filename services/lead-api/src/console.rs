//! The browser console (控制台): one page and its script and style, served from the binary,
//! plus two small helpers the page uses: the development tokens `edugroup-dev up` minted (only
//! when it has any) and the rotation chart as SVG. The page signs in with a bearer token kept
//! in the tab's `sessionStorage` and calls the JSON API under `/api/v1` with it; every rule
//! stays in the API, the page shows its answers and refusals.

mod chart;

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use edu_domain::{ErrorCode, Problem};
use serde::Serialize;

use crate::AppState;
use crate::error::ApiError;
use crate::render;

/// The page, written once ([`render::console_page`]); it takes nothing from the request.
static INDEX: LazyLock<String> = LazyLock::new(render::console_page);
const SCRIPT: &str = include_str!("console/app.js");
/// Pages in files of their own (app.js is long enough): the bureau's page for loading a
/// group's past, the posting planner, the council's meetings, the group's charter and
/// development plan, the bureau's evaluation pages
/// (the year's data, rounds, scorecards), consent across counties, the group's office and leaders, the county's coverage and weak schools, the group's library (its
/// list and a resource's page), what every list and lower page carries (a total, a filter,
/// a CSV export of the rows shown, breadcrumbs), the group's funds (G-17), and the form helpers they share. Each is served at
/// `/console/<name>`.
const PAGE_SCRIPTS: &[(&str, &str)] = &[
    ("history.js", include_str!("console/history.js")),
    ("forms.js", include_str!("console/forms.js")),
    ("names.js", include_str!("console/names.js")),
    ("postings.js", include_str!("console/postings.js")),
    ("teacher.js", include_str!("console/teacher.js")),
    ("council.js", include_str!("console/council.js")),
    ("charter.js", include_str!("console/charter.js")),
    ("evaluation.js", include_str!("console/evaluation.js")),
    ("consent.js", include_str!("console/consent.js")),
    ("library.js", include_str!("console/library.js")),
    ("todo.js", include_str!("console/todo.js")),
    ("lists.js", include_str!("console/lists.js")),
    ("rules.js", include_str!("console/rules.js")),
    ("office.js", include_str!("console/office.js")),
    ("coverage.js", include_str!("console/coverage.js")),
    ("funds.js", include_str!("console/funds.js")),
];
const STYLE: &str = include_str!("console/app.css");

/// A token `edugroup-dev up` minted for a demo role, offered on the sign-in page in development.
#[derive(Debug, Clone, Serialize)]
pub struct DevToken {
    /// The role claim (`bureau`, `lead_admin`, …).
    pub role: String,
    /// Who the token speaks for (the name claim).
    pub name: String,
    pub token: String,
}

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/console/app.js", web::get().to(script))
        .route("/console/{page}.js", web::get().to(page_script))
        .route("/console/app.css", web::get().to(style))
        .route("/console/dev-tokens", web::get().to(dev_tokens))
        .route(
            "/console/charts/rotation.svg",
            web::get().to(chart::rotation),
        )
        .route("/docs", web::get().to(docs));
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

async fn index() -> HttpResponse {
    asset("text/html; charset=utf-8", &INDEX)
}

async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn page_script(page: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let file = format!("{page}.js");
    PAGE_SCRIPTS
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, body)| asset("text/javascript; charset=utf-8", body))
        .ok_or_else(|| ApiError(Problem::not_found("script", "脚本")))
}

async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}

#[derive(Serialize)]
struct DevTokens<'a> {
    tokens: &'a [DevToken],
}

/// The demo tokens, or 404 when there are none (a production identity provider, or no demo).
async fn dev_tokens(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.dev_tokens.is_empty() {
        return Err(ApiError(Problem::new(
            ErrorCode::NotFound,
            "no development tokens: sign in with a token from your identity provider",
            "未提供开发令牌:请使用身份认证系统签发的令牌登录",
        )));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DevTokens {
            tokens: &state.dev_tokens,
        }))
}

async fn docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}
