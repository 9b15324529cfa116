//! SQLite: `VACUUM INTO` writes a consistent copy in one read transaction,
//! so writers go on meanwhile (WAL). The copy is checked with
//! `PRAGMA integrity_check`, and its rows per table must fall between the
//! database's counts before and after the copy.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};

use super::{differences, files, io_error, BackupError, MAIN_TABLES};
use crate::db::q;
use crate::Store;

/// Problems `integrity_check` lists at most: enough to tell it failed.
const INTEGRITY_ROWS: i64 = 20;

/// Copies the database into `partial` (created empty with 0600 first, so
/// the copy never exists with wider permissions) and checks the copy.
pub(super) async fn backup(
    store: &Store,
    partial: &Path,
) -> Result<BTreeMap<String, i64>, BackupError> {
    let before = store.table_counts(MAIN_TABLES).await?;
    drop(files::create_private(partial)?);
    let target = partial
        .to_str()
        .ok_or_else(|| BackupError::Tool("the backup file's name is not UTF-8".into()))?;
    store.db.execute(q("VACUUM INTO $1").bind(target)).await?;
    let after = store.table_counts(MAIN_TABLES).await?;
    let counts = inspect(partial).await?;
    let outside: Vec<String> = MAIN_TABLES
        .iter()
        .filter_map(|t| {
            let (lo, hi) = (before[*t].min(after[*t]), before[*t].max(after[*t]));
            let n = counts.get(*t).copied().unwrap_or(-1);
            (n < lo || n > hi).then(|| format!("{t}: {n} rows, the database had {lo}–{hi}"))
        })
        .collect();
    if !outside.is_empty() {
        return Err(BackupError::Verify(outside.join("; ")));
    }
    Ok(counts)
}

/// Opens an SQLite file without changing it.
async fn open_read_only(path: &Path) -> Result<SqliteConnection, BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    Ok(options.connect().await?)
}

/// Checks an SQLite file's integrity and counts the rows of its tables.
pub(super) async fn inspect(path: &Path) -> Result<BTreeMap<String, i64>, BackupError> {
    let mut conn = open_read_only(path).await?;
    let result = check_and_count(&mut conn).await;
    let _ = conn.close().await;
    result
}

async fn check_and_count(
    conn: &mut SqliteConnection,
) -> Result<BTreeMap<String, i64>, BackupError> {
    integrity(conn).await?;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = BTreeMap::new();
    for (table,) in tables {
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\""));
        let (n,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *conn).await?;
        counts.insert(table, n);
    }
    Ok(counts)
}

/// `PRAGMA integrity_check`: every page, index entry and constraint of the
/// file read and found consistent.
async fn integrity(conn: &mut SqliteConnection) -> Result<(), BackupError> {
    let problems: Vec<(String,)> =
        sqlx::query_as(&format!("PRAGMA integrity_check({INTEGRITY_ROWS})"))
            .fetch_all(&mut *conn)
            .await?;
    if problems.len() != 1 || problems[0].0 != "ok" {
        let list: Vec<String> = problems.into_iter().map(|(p,)| p).collect();
        return Err(BackupError::Verify(format!(
            "integrity check: {}",
            list.join("; ")
        )));
    }
    Ok(())
}

/// The file an `sqlite:` URL names.
pub(super) fn file_of(url: &str) -> Result<std::path::PathBuf, BackupError> {
    let options = SqliteConnectOptions::from_str(url)?;
    Ok(options.get_filename().to_path_buf())
}

/// How many tables the SQLite file holds; a missing or empty file, none.
async fn tables_in(path: &Path) -> Result<i64, BackupError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(path)(e)),
        Ok(m) if m.len() == 0 => return Ok(0),
        Ok(_) => {}
    }
    let mut conn = open_read_only(path).await?;
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_one(&mut conn)
    .await?;
    let _ = conn.close().await;
    Ok(n)
}

/// Checks the backup `file`, then copies it to the empty database `url`
/// names. Returns the backup's counts, which the restored database must
/// match.
pub(super) async fn restore(url: &str, file: &Path) -> Result<BTreeMap<String, i64>, BackupError> {
    let target = file_of(url)?;
    let tables = tables_in(&target).await?;
    if tables > 0 {
        return Err(BackupError::NotEmpty {
            url: crate::redact_url(url),
            tables,
        });
    }
    let counts = inspect(file).await?;
    let partial = files::partial(&target);
    let copied = (|| {
        let mut out = files::create_private(&partial)?;
        let mut input = std::fs::File::open(file).map_err(io_error(file))?;
        std::io::copy(&mut input, &mut out).map_err(io_error(&partial))?;
        out.sync_all().map_err(io_error(&partial))?;
        // An empty target's journal files belong to nothing now.
        for suffix in ["-wal", "-shm"] {
            let mut name = target.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
        std::fs::rename(&partial, &target).map_err(io_error(&target))
    })();
    if copied.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    copied?;
    Ok(counts)
}

impl Store {
    /// Rows per table, for the tables named.
    pub(crate) async fn table_counts(
        &self,
        tables: &[&str],
    ) -> crate::Result<BTreeMap<String, i64>> {
        let mut counts = BTreeMap::new();
        for table in tables {
            let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\""));
            let (n,): (i64,) = self.db.one(q(sql).once()).await?;
            counts.insert((*table).to_owned(), n);
        }
        Ok(counts)
    }

    /// The live database's integrity (SQLite) and its rows compared with
    /// `expected`: what a restore checks before it reports success.
    pub(super) async fn verify_counts(
        &self,
        expected: &BTreeMap<String, i64>,
    ) -> Result<(), BackupError> {
        if let crate::db::Pool::Sqlite(pool) = &self.db.pool {
            let mut conn = pool.acquire().await?;
            integrity(&mut conn).await?;
        }
        let tables: Vec<&str> = expected.keys().map(String::as_str).collect();
        let found = self.table_counts(&tables).await?;
        let wrong = differences(expected, &found);
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(BackupError::Verify(wrong.join("; ")))
        }
    }
}
