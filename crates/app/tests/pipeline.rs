//! Deferred statements (`Query::defer`) and lazily opened transactions: what PostgreSQL's
//! pipelining (`store/pg.rs`) must not change. A deferred statement runs before the statements
//! after it, its failure fails and rolls back the whole write, and a write cancelled half-way
//! leaves nothing behind and no connection stuck in its transaction. Both engines (PostgreSQL when
//! `PC_TEST_POSTGRES_URL` is set).

use pc_app::error::AppError;
use pc_app::store::{sql, testing, ConnectOptions, Db};

async fn scratch(db: &Db) {
    db.write(|c| {
        Box::pin(async move {
            sql::query("CREATE TABLE scratch (k TEXT PRIMARY KEY, v BIGINT)")
                .execute(c)
                .await?;
            Ok::<_, AppError>(())
        })
    })
    .await
    .expect("create the scratch table");
}

async fn value_of(db: &Db, k: &str) -> Option<i64> {
    sql::query_scalar("SELECT v FROM scratch WHERE k = $1")
        .bind(k)
        .fetch_optional(db.read())
        .await
        .expect("read scratch")
}

#[tokio::test]
async fn deferred_statements_run_in_order_and_commit_with_the_write() {
    for (engine, db) in testing::engines("pipeline_order").await {
        scratch(&db).await;
        let seen = db
            .write(|c| {
                Box::pin(async move {
                    sql::query("INSERT INTO scratch (k, v) VALUES ($1, $2)")
                        .bind("a")
                        .bind(1i64)
                        .defer(c)
                        .await?;
                    sql::query("UPDATE scratch SET v = v + 1 WHERE k = $1")
                        .bind("a")
                        .defer(c)
                        .await?;
                    // Sent after the two deferred statements, in the same write: sees both.
                    let v: i64 = sql::query_scalar("SELECT v FROM scratch WHERE k = $1")
                        .bind("a")
                        .fetch_one(&mut *c)
                        .await?;
                    // Deferred last: travels with COMMIT.
                    sql::query("INSERT INTO scratch (k, v) VALUES ($1, $2)")
                        .bind("z")
                        .bind(None::<i64>)
                        .defer(c)
                        .await?;
                    Ok::<_, AppError>(v)
                })
            })
            .await
            .expect("write");
        assert_eq!(seen, 2, "{engine}: the select saw both deferred statements");
        assert_eq!(value_of(&db, "a").await, Some(2), "{engine}");
        let z: Option<Option<i64>> = sql::query_scalar("SELECT v FROM scratch WHERE k = 'z'")
            .fetch_optional(db.read())
            .await
            .expect("read z");
        assert_eq!(z, Some(None), "{engine}: the last deferred row committed");
    }
}

#[tokio::test]
async fn a_failing_deferred_statement_fails_and_rolls_back_the_write() {
    for (engine, db) in testing::engines("pipeline_fail").await {
        scratch(&db).await;
        db.write(|c| {
            Box::pin(async move {
                sql::query("INSERT INTO scratch (k, v) VALUES ('taken', 0)")
                    .execute(c)
                    .await?;
                Ok::<_, AppError>(())
            })
        })
        .await
        .expect("seed");
        let r = db
            .write(|c| {
                Box::pin(async move {
                    sql::query("INSERT INTO scratch (k, v) VALUES ('mine', 1)")
                        .execute(&mut *c)
                        .await?;
                    // The primary key refuses it: on PostgreSQL at COMMIT, on SQLite at once.
                    sql::query("INSERT INTO scratch (k, v) VALUES ('taken', 2)")
                        .defer(c)
                        .await?;
                    Ok::<_, AppError>(())
                })
            })
            .await;
        assert!(r.is_err(), "{engine}: the write failed");
        assert_eq!(value_of(&db, "mine").await, None, "{engine}: rolled back");
        assert_eq!(value_of(&db, "taken").await, Some(0), "{engine}");
        // The connection is usable again.
        db.write(|c| {
            Box::pin(async move {
                sql::query("INSERT INTO scratch (k, v) VALUES ('after', 3)")
                    .execute(c)
                    .await?;
                Ok::<_, AppError>(())
            })
        })
        .await
        .expect("a write after the failed one");
        assert_eq!(value_of(&db, "after").await, Some(3), "{engine}");
    }
}

/// PostgreSQL only: a write whose request is cancelled while its transaction is open (a client
/// that hangs up) leaves nothing, and the pool's only connection is not handed out again inside
/// that transaction.
#[tokio::test]
async fn a_cancelled_write_leaves_nothing_and_the_pool_recovers() {
    let Some(admin) = testing::postgres_admin_url() else {
        return;
    };
    let url = testing::fresh_postgres_url(&admin, "pipeline_cancel").await;
    let db = Db::connect_with(
        &url,
        &ConnectOptions {
            pg_max_connections: 1,
        },
    )
    .await
    .expect("connect");
    scratch(&db).await;
    let cancelled = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        db.write(|c| {
            Box::pin(async move {
                sql::query("INSERT INTO scratch (k, v) VALUES ('half', 1)")
                    .execute(c)
                    .await?;
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                Ok::<_, AppError>(())
            })
        }),
    )
    .await;
    assert!(cancelled.is_err(), "the write was cancelled");
    db.write(|c| {
        Box::pin(async move {
            sql::query("INSERT INTO scratch (k, v) VALUES ('next', 2)")
                .execute(c)
                .await?;
            Ok::<_, AppError>(())
        })
    })
    .await
    .expect("the next write");
    assert_eq!(
        value_of(&db, "half").await,
        None,
        "the cancelled insert is gone"
    );
    assert_eq!(value_of(&db, "next").await, Some(2));
}
