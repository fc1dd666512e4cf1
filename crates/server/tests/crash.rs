//! Durability under a crash (DESIGN §8 "faults"): the real `partner-center serve` on the embedded
//! SQLite database takes concurrent signed money writes, is killed with SIGKILL in the middle, and
//! is started again. Every write it acknowledged (HTTP 200) is still there — its transfer, its
//! idempotency row (a retry answers the same response) — `partner-center verify` passes, and the
//! customer's balance is exactly the sum of the transfers stored.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{signed, Creds};

const BIN: &str = env!("CARGO_BIN_EXE_partner-center");
const MASTER_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn cli(db: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .args(["--database", db, "--master-key", MASTER_KEY])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn serve(db: &str, port: u16) -> Child {
    Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--database", db, "--master-key", MASTER_KEY])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends one request over a fresh connection; the status, or `None` if the server went away.
async fn send(port: u16, req: axum::http::Request<axum::body::Body>) -> Option<(u16, String)> {
    use http_body_util::BodyExt;
    let (parts, body) = req.into_parts();
    let body = body.collect().await.ok()?.to_bytes();
    let mut head = format!("{} {} HTTP/1.1\r\n", parts.method, parts.uri);
    for (k, v) in &parts.headers {
        if k != "host" {
            head.push_str(&format!("{k}: {}\r\n", v.to_str().ok()?));
        }
    }
    // The signature covers `host: 127.0.0.1:8080` (tests/common's signer); send it as signed.
    head.push_str("host: 127.0.0.1:8080\r\n");
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&body);
    // Plain blocking I/O on a worker thread: enough for a test, and no extra tokio features.
    let out = tokio::task::spawn_blocking(move || -> Option<Vec<u8>> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
        s.write_all(&bytes).ok()?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).ok()?;
        Some(out)
    })
    .await
    .ok()??;
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Some((status, body))
}

async fn wait_ready(port: u16) {
    for _ in 0..200 {
        let req = axum::http::Request::get("/healthz")
            .body(axum::body::Body::empty())
            .unwrap();
        if let Some((200, _)) = send(port, req).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start");
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = std::env::temp_dir().join(format!("pc-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/pc.db", dir.display());
    let p: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &[
            "admin",
            "create-partner",
            "--name",
            "Crash Co",
            "--type",
            "distributor",
            "--json",
        ],
    ))
    .unwrap();
    let partner_id = p["partner_id"].as_str().unwrap().to_string();
    cli(&db, &["admin", "credit-partner", &partner_id, "100000.00"]);
    let c: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &[
            "admin",
            "create-customer",
            "--partner",
            &partner_id,
            "--association",
            "resale",
            "--json",
        ],
    ))
    .unwrap();
    let customer_id = c["customer_id"].as_str().unwrap().to_string();
    let creds = Creds {
        ak: p["access_key"].as_str().unwrap().into(),
        sk: p["secret_key"].as_str().unwrap().into(),
        domain_id: p["domain_id"].as_str().unwrap().into(),
    };
    let port = free_port();
    let mut server = serve(&db, port);
    wait_ready(port).await;

    let path = "/v2/accounts/partner-accounts/adjust-amount";
    let body = format!(r#"{{"customer_id": "{customer_id}", "amount": 0.01}}"#);
    let date = now_ms();
    let mut tasks = Vec::new();
    for i in 0..400 {
        let key = format!("crash-{i}");
        let req = signed(
            &creds,
            "POST",
            path,
            &body,
            date,
            &[("x-idempotency-key", &key)],
        );
        tasks.push(tokio::spawn(async move { (key, send(port, req).await) }));
        if i == 150 {
            // Let some be acknowledged, then pull the plug while the rest are in flight.
            tokio::time::sleep(Duration::from_millis(30)).await;
            server.kill().unwrap();
        }
    }
    let mut acked = Vec::new();
    for t in tasks {
        if let (key, Some((200, resp))) = t.await.unwrap() {
            acked.push((key, resp));
        }
    }
    let _ = server.wait();
    assert!(
        !acked.is_empty(),
        "some writes were acknowledged before the kill"
    );
    eprintln!("{} of 400 writes acknowledged before the kill", acked.len());
    assert!(acked.len() < 400, "the kill interrupted the run");

    // Restart on the same file: what was acknowledged is there, and it all verifies.
    let port2 = free_port();
    let mut server = serve(&db, port2);
    wait_ready(port2).await;
    let verify = Command::new(BIN)
        .args(["verify", "--database", &db, "--master-key", MASTER_KEY])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    for (key, resp) in &acked {
        // The same key and body answer the saved response: the write and its idempotency row
        // were committed together.
        let req = signed(
            &creds,
            "POST",
            path,
            &body,
            now_ms(),
            &[("x-idempotency-key", key)],
        );
        let (status, again) = send(port2, req)
            .await
            .expect("the restarted server answers");
        assert_eq!(status, 200);
        assert_eq!(&again, resp, "{key}");
    }
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&db)
        .await
        .unwrap();
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'allocate_customer'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        stored >= acked.len() as i64,
        "{stored} stored < {} acknowledged",
        acked.len()
    );
    eprintln!("{stored} transfers stored after the restart");
    let balance: i64 = sqlx::query_scalar("SELECT balance FROM ledger_accounts WHERE id = $1")
        .bind(format!("customer_cash:{customer_id}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(balance, stored, "one cent per stored transfer");
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
