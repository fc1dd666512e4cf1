//! The PostgreSQL pool holds at most `ConnectOptions::pg_max_connections` connections: many
//! concurrent reads share them instead of opening more (what `--db-pool` sizes, so that several
//! instances fit PostgreSQL's `max_connections`). Runs only when `PC_TEST_POSTGRES_URL` is set.

use pc_app::store::{sql, testing, ConnectOptions, Db};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_pool_never_exceeds_its_size() {
    let Some(admin) = testing::postgres_admin_url() else {
        return;
    };
    let url = testing::fresh_postgres_url(&admin, "pool").await;
    let db = Db::connect_with(
        &url,
        &ConnectOptions {
            pg_max_connections: 3,
        },
    )
    .await
    .expect("connect");
    let name: String = sql::query_scalar("SELECT current_database()")
        .fetch_one(db.read())
        .await
        .expect("database name");
    // 12 reads at once, each holding its connection for 200 ms.
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            sql::query("SELECT pg_sleep(0.2)")
                .execute(db.read())
                .await
                .expect("sleep");
        }));
    }
    // A separate connection (not from the pool) counts the database's backends meanwhile.
    let watcher = Db::connect(&admin).await.expect("admin connection");
    let mut most = 0i64;
    for _ in 0..10 {
        let n: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
        )
        .bind(&name)
        .fetch_one(watcher.read())
        .await
        .expect("count backends");
        most = most.max(n);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for t in tasks {
        t.await.expect("read task");
    }
    assert!(
        most >= 2,
        "the reads ran concurrently ({most} backends seen)"
    );
    assert!(most <= 3, "{most} connections open, the pool allows 3");
}
