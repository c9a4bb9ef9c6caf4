//! The actix floor: the smallest actix-web server (the API's actix-web version, the API's
//! default of 2 HTTP workers), answering `GET /` with a short text. The read benchmark of
//! deploy/bench/load.sh measures it next to the API.
//!
//! `cargo run --release -p edu-bench --bin hello -- [bind] [workers]`

use actix_web::{App, HttpResponse, HttpServer, get};

#[get("/")]
async fn hello() -> HttpResponse {
    HttpResponse::Ok().body("hello")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:18081".into());
    let workers: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2);
    HttpServer::new(|| App::new().service(hello))
        .workers(workers.max(1))
        .bind(bind)?
        .run()
        .await
}
