//! The browser console's entry page, and `/docs` → `/docs/`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("console/index.html");

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/docs", web::get().to(docs));
}

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(INDEX)
}

async fn docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}
