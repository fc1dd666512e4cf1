//! `partner-center backup --to FILE`: an online copy of an SQLite database taken while a server
//! runs on it and the CLI keeps writing: each copy opens, passes `verify` and is one file; the last
//! one, taken once writing stopped, holds what the database holds. It refuses to overwrite a
//! file and sends PostgreSQL to pg_dump.

mod common;

use std::process::Command;

use common::spawn::{cli, verify, Server, BIN, MASTER_KEY};

fn backup(db: &str, to: &std::path::Path) -> std::process::Output {
    Command::new(BIN)
        .env("PC_LANG", "en-US") // messages in English, whatever the locale
        .args(["backup", "--to", to.to_str().unwrap()])
        .args(["--database", db, "--master-key", MASTER_KEY])
        .output()
        .unwrap()
}

#[tokio::test]
async fn sqlite_is_backed_up_online_consistent_and_never_over_a_file() {
    let dir = std::env::temp_dir().join(format!(
        "pc-backup-{}-{}",
        std::process::id(),
        pc_domain::ids::random_hex(4)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/pc.db", dir.display());
    cli(&db, &["migrate"]);
    let p: serde_json::Value = serde_json::from_str(&cli(
        &db,
        &[
            "admin",
            "create-partner",
            "--name",
            "Backed up",
            "--type",
            "distributor",
            "--json",
        ],
    ))
    .unwrap();
    let partner = p["partner_id"].as_str().unwrap().to_string();
    let _server = Server::start(&db, &[]).await;

    // Writes go on (each a transfer and its audit row) while three backups are taken.
    let writer = {
        let (db, partner) = (db.clone(), partner.clone());
        std::thread::spawn(move || {
            for _ in 0..15 {
                cli(&db, &["admin", "credit-partner", &partner, "1.00"]);
            }
        })
    };
    for i in 0..3 {
        let to = dir.join(format!("online-{i}.db"));
        let out = backup(&db, &to);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("schema version"), "{said}");
        assert!(said.contains("master key"), "{said}");
        let mut partial = to.as_os_str().to_owned();
        partial.push(".partial");
        assert!(!std::path::Path::new(&partial).exists());
        // One self-contained file: no write-ahead log beside it.
        assert!(!dir.join(format!("online-{i}.db-wal")).exists());
        verify(&format!("sqlite://{}", to.display())).unwrap();
    }
    writer.join().unwrap();

    let last = dir.join("last.db");
    assert!(backup(&db, &last).status.success());
    let copy = format!("sqlite://{}", last.display());
    verify(&copy).unwrap();
    let balances = ["admin", "partner-balances", "--json"];
    let copied = cli(&copy, &balances);
    assert_eq!(copied, cli(&db, &balances));
    assert!(copied.contains("15.00"), "{copied}");

    // Never over an existing file: it is left as it was.
    let before = std::fs::read(&last).unwrap();
    let again = backup(&db, &last);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));
    assert_eq!(std::fs::read(&last).unwrap(), before);
    // PostgreSQL: pg_dump.
    let pg = backup("postgres://nobody@127.0.0.1:1/none", &dir.join("pg.db"));
    assert!(!pg.status.success());
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
    assert!(!dir.join("pg.db").exists());
    drop(_server);
    let _ = std::fs::remove_dir_all(&dir);
}
