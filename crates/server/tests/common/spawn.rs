//! The real `partner-center serve` process, for the proof suite's scenarios that must cross a
//! process boundary (SIGKILL, several instances, a client over TCP): a database per engine made
//! by the CLI, a server started on it and awaited on `/readyz`, a keep-alive HTTP/1.1 client, and
//! the CLI itself (`admin …`, `verify`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Creds;

pub const BIN: &str = env!("CARGO_BIN_EXE_partner-center");
/// Shared by every process of a scenario: what the CLI seals, each server opens.
pub const MASTER_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A database for a spawned server: an SQLite file in its own folder, or a fresh PostgreSQL
/// database on `PC_TEST_POSTGRES_URL`'s server.
pub struct ProofDb {
    pub engine: String,
    pub url: String,
    dir: Option<PathBuf>,
}

impl Drop for ProofDb {
    fn drop(&mut self) {
        if let Some(d) = &self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// One database per engine (SQLite always, PostgreSQL when configured), migrated by the CLI.
pub async fn proof_dbs(tag: &str) -> Vec<ProofDb> {
    let dir = std::env::temp_dir().join(format!(
        "pc-proof-{tag}-{}-{}",
        std::process::id(),
        pc_domain::ids::random_hex(4)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = vec![ProofDb {
        engine: "sqlite".into(),
        url: format!("sqlite://{}/pc.db", dir.display()),
        dir: Some(dir),
    }];
    if let Some(admin) = pc_app::store::testing::postgres_admin_url() {
        let url = pc_app::store::testing::fresh_postgres_url(&admin, tag).await;
        out.push(ProofDb {
            engine: "postgres".into(),
            url,
            dir: None,
        });
    }
    for db in &out {
        cli(&db.url, &["migrate"]);
    }
    out
}

/// Runs the CLI on `db`; panics unless it succeeds; its standard output.
pub fn cli(db: &str, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .env("PC_LANG", "en-US") // messages in English, whatever the locale
        .args(args)
        .args(["--database", db, "--master-key", MASTER_KEY])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The CLI's `--json` output.
pub fn cli_json(db: &str, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&cli(db, args)).unwrap()
}

/// `partner-center verify`: `Ok` or the report it printed.
pub fn verify(db: &str) -> Result<(), String> {
    let out = Command::new(BIN)
        .env("PC_LANG", "en-US") // messages in English, whatever the locale
        .args(["verify", "--database", db, "--master-key", MASTER_KEY])
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The credentials in `admin create-partner --json` / `create-customer --json` output.
pub fn creds_of(v: &serde_json::Value) -> Creds {
    Creds {
        ak: v["access_key"].as_str().unwrap().into(),
        sk: v["secret_key"].as_str().unwrap().into(),
        domain_id: v["domain_id"].as_str().unwrap().into(),
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A running `partner-center serve`.
pub struct Server {
    pub port: u16,
    child: Child,
    /// From spawning the process to its first `/readyz` 200.
    pub startup: Duration,
}

impl Server {
    /// Starts `serve` on `db` with `extra` flags and waits until `/readyz` answers 200.
    pub async fn start(db: &str, extra: &[&str]) -> Server {
        let port = free_port();
        let began = Instant::now();
        let child = Command::new(BIN)
            .env("PC_LANG", "en-US") // messages in English, whatever the locale
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", db, "--master-key", MASTER_KEY])
            .args(extra)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut s = Server {
            port,
            child,
            startup: Duration::ZERO,
        };
        let mut conn = Conn::new(port);
        for _ in 0..1200 {
            let ready = Request::get("/readyz").body(Body::empty()).unwrap();
            if let Some((200, _)) = conn.send(ready).await {
                s.startup = began.elapsed();
                return s;
            }
            if let Ok(Some(st)) = s.child.try_wait() {
                panic!("serve exited before it was ready: {st}");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("serve was not ready after 6 s");
    }

    /// SIGKILL: no shutdown hook runs, nothing is flushed.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn conn(&self) -> Conn {
        Conn::new(self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One keep-alive HTTP/1.1 connection to a local server, reopened when the server closes it.
/// Requests are sent as built (e.g. by `common::signed`, whose signature covers
/// `host: 127.0.0.1:8080`, so that `host` header is sent whatever the port).
pub struct Conn {
    port: u16,
    stream: Option<TcpStream>,
}

impl Conn {
    pub fn new(port: u16) -> Conn {
        Conn { port, stream: None }
    }

    /// The status and body, or `None` when the server is gone (refused, reset, cut off mid-answer).
    pub async fn send(&mut self, req: Request<Body>) -> Option<(u16, String)> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.ok()?.to_bytes();
        let mut head = format!("{} {} HTTP/1.1\r\n", parts.method, parts.uri);
        let mut has_host = false;
        for (k, v) in &parts.headers {
            has_host |= k == "host";
            head.push_str(&format!("{k}: {}\r\n", v.to_str().ok()?));
        }
        if !has_host {
            head.push_str("host: 127.0.0.1:8080\r\n");
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&body);
        // A kept-alive connection the server closed in between fails on first use: reopen once.
        for attempt in 0..2 {
            let fresh = self.stream.is_none();
            if fresh {
                self.stream = Some(TcpStream::connect(("127.0.0.1", self.port)).await.ok()?);
            }
            let s = self.stream.as_mut()?;
            let r = tokio::time::timeout(Duration::from_secs(60), exchange(s, &bytes)).await;
            match r {
                Ok(Ok(Some(out))) => return Some(out),
                _ => {
                    self.stream = None;
                    if fresh || attempt == 1 {
                        return None;
                    }
                }
            }
        }
        None
    }
}

async fn exchange(s: &mut TcpStream, bytes: &[u8]) -> std::io::Result<Option<(u16, String)>> {
    s.write_all(bytes).await?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status: u16 = match head.split(' ').nth(1).and_then(|s| s.parse().ok()) {
        Some(s) => s,
        None => return Ok(None),
    };
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).into_owned();
    Ok(Some((status, body)))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
