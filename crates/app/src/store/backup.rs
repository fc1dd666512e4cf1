//! An online copy of an SQLite database (`partner-center backup --to FILE`), made with SQLite's
//! backup API while servers keep writing: the whole database is copied in one step, inside one
//! read transaction, so the copy is the database as of one commit (WAL: the writers are not held
//! up). The copy is written beside its destination as `FILE.partial`, checked
//! (`PRAGMA quick_check`), turned into a single self-contained file (rollback journal, no `-wal`),
//! synced to disk, and only then renamed to `FILE`: a backup that fails leaves no file that looks
//! like one. PostgreSQL databases are backed up with `pg_dump` (docs/deploy.md).

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::db::sqlite_path;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub file: PathBuf,
    pub bytes: u64,
    /// The newest migration in the copy (what `migrate` had applied).
    pub schema_version: i64,
}

/// Copies the SQLite database of `url` to `to`, which must not exist yet. Blocking: call it off
/// the async runtime's threads.
pub fn sqlite(url: &str, to: &Path) -> Result<Copied, String> {
    if !url.starts_with("sqlite:") {
        return Err(
            "backup copies an SQLite database; back up PostgreSQL with pg_dump (docs/deploy.md)"
                .into(),
        );
    }
    let source = sqlite_path(url);
    if source.is_empty() || !Path::new(source).is_file() {
        return Err(format!("no SQLite database at {source:?}"));
    }
    if to.exists() {
        return Err(format!(
            "{} exists: a backup never overwrites a file (choose another name or remove it)",
            to.display()
        ));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let result = copy(source, &partial, to);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn copy(source: &str, partial: &Path, to: &Path) -> Result<Copied, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    // Read-write without create, as the server's readers open it (a read-only connection could
    // not open a WAL database whose `-shm` file is missing), and then only reading.
    let src = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|c| {
        c.execute_batch("PRAGMA query_only = ON")?;
        c.busy_timeout(Duration::from_secs(10))?;
        Ok(c)
    })
    .map_err(|e| fail(&format!("cannot open {source}"), &e))?;
    let mut dst = Connection::open(partial)
        .map_err(|e| fail(&format!("cannot create {}", partial.display()), &e))?;
    {
        let backup =
            Backup::new(&src, &mut dst).map_err(|e| fail("cannot start the backup", &e))?;
        // -1: every page in one step, so one read transaction sees one commit; a busy or locked
        // source (a checkpoint truncating the WAL) is retried after a pause, for a minute at most.
        let mut waits = 0;
        loop {
            match backup.step(-1).map_err(|e| fail("the backup failed", &e))? {
                StepResult::Done => break,
                StepResult::More => {}
                _ if waits < 1200 => {
                    waits += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => return Err("the database stayed busy for a minute; try again".into()),
            }
        }
    }
    drop(src);
    let check: String = dst
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| fail("cannot check the copy", &e))?;
    if check != "ok" {
        return Err(format!("the copy failed its check: {check}"));
    }
    let schema_version: i64 = dst
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(|e| fail("the copy has no schema_migrations table", &e))?;
    dst.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .map_err(|e| fail("cannot leave WAL mode in the copy", &e))?;
    dst.close()
        .map_err(|(_, e)| fail("cannot close the copy", &e))?;
    let file = std::fs::File::open(partial).map_err(|e| fail("cannot reopen the copy", &e))?;
    file.sync_all()
        .map_err(|e| fail("cannot sync the copy", &e))?;
    let bytes = file
        .metadata()
        .map_err(|e| fail("cannot read the copy's size", &e))?
        .len();
    std::fs::rename(partial, to)
        .map_err(|e| fail(&format!("cannot rename the copy to {}", to.display()), &e))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself is durable once the folder is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(Copied {
        file: to.to_path_buf(),
        bytes,
        schema_version,
    })
}
