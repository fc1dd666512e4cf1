//! Fresh databases for tests: a temporary SQLite file, and a new PostgreSQL database per call on the
//! server named by `PC_TEST_POSTGRES_URL`. Used by this workspace's integration tests; harmless
//! in production builds (nothing calls it).

use super::db::Db;
use super::migrate;

/// A path for a new SQLite database under the system temp folder.
pub fn temp_sqlite_url(tag: &str) -> String {
    let dir = std::env::temp_dir().join("pc-tests");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{tag}-{}.db", pc_domain::ids::random_hex(6)));
    format!("sqlite://{}", path.display())
}

/// The admin URL for PostgreSQL tests, or `None` (and a loud line on stderr) when unset.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("PC_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            eprintln!("!!! PC_TEST_POSTGRES_URL is not set: PostgreSQL tests were SKIPPED !!!");
            None
        }
    }
}

/// Creates a new, empty database on the PostgreSQL server and returns its URL. Its name is
/// `pc_test_<run>_<tag>_<random>` when `PC_TEST_DB_RUN` names the run (`scripts/test.sh` and
/// `scripts/proof.sh` set it, and drop the run's databases when it passes), else
/// `pc_test_<tag>_<random>`.
pub async fn fresh_postgres_url(admin_url: &str, tag: &str) -> String {
    let run = std::env::var("PC_TEST_DB_RUN")
        .ok()
        .filter(|r| {
            !r.is_empty()
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        .map(|r| format!("{r}_"))
        .unwrap_or_default();
    // PostgreSQL cuts names at 63 bytes: 8 + 10 (run) + 30 (tag) + 13 fit.
    let tag: String = tag.chars().take(30).collect();
    let name = format!("pc_test_{run}{tag}_{}", pc_domain::ids::random_hex(6));
    super::pg::admin_batch(admin_url, &format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database on PC_TEST_POSTGRES_URL");
    // Replace the database name (the last path segment) in the admin URL.
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let cut = base
        .rfind('/')
        .filter(|&i| i > base.find("://").map(|s| s + 2).unwrap_or(0))
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..cut])
}

/// The engines a test should run on: always SQLite, PostgreSQL when configured.
pub async fn engines(tag: &str) -> Vec<(String, Db)> {
    let mut out = Vec::new();
    let url = temp_sqlite_url(tag);
    let db = Db::connect(&url).await.expect("open sqlite");
    migrate::run(&db).await.expect("migrate sqlite");
    out.push(("sqlite".to_string(), db));
    if let Some(admin) = postgres_admin_url() {
        let url = fresh_postgres_url(&admin, tag).await;
        let db = Db::connect(&url).await.expect("open postgres");
        migrate::run(&db).await.expect("migrate postgres");
        out.push(("postgres".to_string(), db));
    }
    out
}
