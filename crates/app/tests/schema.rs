//! Both engines' migrations build the same schema: the same tables, and in each table the same
//! columns in the same order with the same type family, nullability and primary key. The
//! migrations are one source where the SQL is identical (`migrations/common/`) and a pair where an
//! engine needs its own syntax (`migrations/sqlite/`, `migrations/postgres/`); this test is what
//! keeps a pair in step. Runs when `PC_TEST_POSTGRES_URL` names a server (it needs both).

use std::collections::BTreeMap;

use pc_app::store::sql::{self};
use pc_app::store::testing;

/// One column as both engines can describe it.
#[derive(Debug, PartialEq, Eq)]
struct Column {
    name: String,
    family: &'static str,
    not_null: bool,
    primary_key: bool,
}

/// Declared types folded into the families the code relies on. SQLite's `INTEGER PRIMARY KEY
/// AUTOINCREMENT` and PostgreSQL's `BIGSERIAL` are both a 64-bit integer key.
fn family(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    match t.as_str() {
        "integer" | "bigint" | "int" | "int8" | "int4" | "smallint" | "bigserial" | "serial" => {
            "integer"
        }
        "text" | "character varying" | "varchar" => "text",
        "boolean" | "bool" => "boolean",
        "blob" | "bytea" => "bytes",
        "double precision" | "real" => "float",
        other => panic!("a column of type {other}: add it to the families"),
    }
}

type Schema = BTreeMap<String, Vec<Column>>;

async fn sqlite_schema(url: &str) -> Schema {
    let db = pc_app::Db::connect(url).await.unwrap();
    pc_app::store::migrate::run(&db).await.unwrap();
    let pool = db.read();
    let tables: Vec<String> = sql::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Schema::new();
    for t in tables {
        let rows = sql::query(&format!(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{t}') ORDER BY cid"
        ))
        .fetch_all(pool)
        .await
        .unwrap();
        let cols = rows
            .iter()
            .map(|r| {
                let pk: i64 = r.get(3);
                Column {
                    name: r.get(0),
                    family: family(&r.get::<String, _>(1)),
                    // SQLite lets a primary key column hold NULL unless declared NOT NULL; the
                    // schema treats every primary key as required, as PostgreSQL does.
                    not_null: r.get::<i64, _>(2) == 1 || pk > 0,
                    primary_key: pk > 0,
                }
            })
            .collect();
        out.insert(t, cols);
    }
    out
}

async fn postgres_schema(url: &str) -> Schema {
    let db = pc_app::Db::connect(url).await.unwrap();
    pc_app::store::migrate::run(&db).await.unwrap();
    let pool = db.read();
    let rows = sql::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text,
                (EXISTS (SELECT 1 FROM information_schema.table_constraints tc
                         JOIN information_schema.key_column_usage k
                           ON k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name
                         WHERE tc.table_name = c.table_name AND tc.constraint_type = 'PRIMARY KEY'
                           AND k.column_name = c.column_name))::int
         FROM information_schema.columns c
         WHERE c.table_schema = 'public'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Schema::new();
    for r in rows {
        let table: String = r.get(0);
        out.entry(table).or_default().push(Column {
            name: r.get(1),
            family: family(&r.get::<String, _>(2)),
            not_null: r.get::<String, _>(3) == "NO",
            primary_key: r.get::<i32, _>(4) == 1,
        });
    }
    out
}

#[tokio::test]
async fn both_engines_build_the_same_schema() {
    let Some(admin) = testing::postgres_admin_url() else {
        return;
    };
    let sqlite = sqlite_schema(&testing::temp_sqlite_url("schema")).await;
    let pg = postgres_schema(&testing::fresh_postgres_url(&admin, "schema").await).await;
    let names = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&sqlite), names(&pg), "the same tables");
    let mut differences = Vec::new();
    for (table, cols) in &sqlite {
        if &pg[table] != cols {
            differences.push(format!(
                "{table}:\n  sqlite   {cols:?}\n  postgres {:?}",
                pg[table]
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert!(sqlite.len() > 30, "{} tables", sqlite.len());
}
