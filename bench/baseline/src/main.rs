//! The baseline of every budget in bench/README.md: a bare axum handler, built with the same
//! profile and the same axum/hyper/tokio versions as `partner-center`, so that every budget is a
//! ratio measured in the same run on the same machine.
//!
//! `bench-baseline [ADDR]` (default `127.0.0.1:8090`) serves:
//! - `GET /` → `Hello, World!` (text/plain), the "H" baseline;
//! - `POST /json` → echoes a small JSON object (parse + serialise), for comparison.
//!
//! No logging, no middleware: this is the floor the real server is measured against.

use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize)]
struct Echo {
    #[serde(default)]
    message: String,
    #[serde(default)]
    n: i64,
}

async fn hello() -> &'static str {
    "Hello, World!"
}

async fn echo(Json(body): Json<Echo>) -> Json<Echo> {
    Json(body)
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_string());
    let app = Router::new()
        .route("/", get(hello))
        .route("/json", post(echo));
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench-baseline: cannot listen on {addr}: {e}");
            std::process::exit(2);
        }
    };
    println!("bench-baseline listening on http://{addr}");
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = tokio::signal::ctrl_c() => {}, _ = term.recv() => {} }
    };
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("bench-baseline: {e}");
        std::process::exit(1);
    }
}
