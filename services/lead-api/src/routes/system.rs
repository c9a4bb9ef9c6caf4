//! Liveness and readiness.

use actix_web::{HttpResponse, get};
use edu_contracts::ServiceName;
use futures::future::join_all;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::extract::web;

/// Readiness of one dependency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Check {
    pub name: String,
    pub ok: bool,
}

/// Readiness: NATS, and every service answering with a working database.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub ready: bool,
    pub checks: Vec<Check>,
}

/// The process is alive.
#[utoipa::path(tag = "system", operation_id = "get_healthz", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Ready to serve: NATS connected, every service answering, every service's PostgreSQL up.
#[utoipa::path(
    tag = "system",
    operation_id = "get_readyz",
    responses((status = 200, description = "Ready", body = Readiness), (status = 503, description = "Not ready", body = Readiness))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let mut checks = vec![Check {
        name: "nats".into(),
        ok: state.bus.is_connected(),
    }];
    let answers = join_all(ServiceName::ALL.map(|s| state.bus.health(s))).await;
    for (service, answer) in ServiceName::ALL.iter().zip(answers) {
        let (up, db) = match answer {
            Ok(h) => (true, h.database),
            Err(_) => (false, false),
        };
        checks.push(Check {
            name: service.as_str().to_owned(),
            ok: up,
        });
        checks.push(Check {
            name: format!("{}.postgresql", service.as_str()),
            ok: db,
        });
    }
    let ready = checks.iter().all(|c| c.ok);
    let body = Readiness { ready, checks };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
