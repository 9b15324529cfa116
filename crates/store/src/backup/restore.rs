//! Restoring a backup into a new, empty database: the file is checked
//! first, loaded, the loaded database checked against the file's counts,
//! migrated to this kehu's schema, and the restore recorded in it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::{io_error, postgres, sqlite, BackupError, BackupRecord, Origin};
use crate::db::q;
use crate::{now_ms, Backend, Store};

/// What a restore loaded.
#[derive(Debug, Clone)]
pub struct Restored {
    /// Rows per table, in the backup and now in the database.
    pub counts: BTreeMap<String, i64>,
    /// The restore as recorded in the restored database.
    pub record: BackupRecord,
}

fn backend_of(url: &str) -> Option<Backend> {
    if url.starts_with("sqlite:") {
        Some(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Backend::Postgres)
    } else {
        None
    }
}

/// Which backend wrote the backup `file`, from its first bytes.
fn backend_of_file(file: &Path) -> Result<Backend, BackupError> {
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(file).map_err(io_error(file))?;
    let n = f.read(&mut head).map_err(io_error(file))?;
    if head[..n].starts_with(b"SQLite format 3\0") {
        Ok(Backend::Sqlite)
    } else if head[..n].starts_with(b"PGDMP") {
        Ok(Backend::Postgres)
    } else {
        Err(BackupError::Verify(format!(
            "{} is neither an SQLite backup nor a pg_dump archive",
            file.display()
        )))
    }
}

/// Restores `file` into the empty database `url` names, refusing one that
/// holds any table. `started_by` is recorded with the restore.
pub async fn restore(url: &str, file: &Path, started_by: &str) -> Result<Restored, BackupError> {
    let backend = backend_of(url).ok_or_else(|| {
        BackupError::Tool(format!(
            "unsupported database URL {}: use sqlite://FILE or postgres://…",
            crate::redact_url(url)
        ))
    })?;
    let written_by = backend_of_file(file)?;
    if written_by != backend {
        return Err(BackupError::Tool(format!(
            "{} is a {} backup and cannot be restored into {}",
            file.display(),
            name(written_by),
            name(backend)
        )));
    }
    let counts = match backend {
        Backend::Sqlite => sqlite::restore(url, file).await?,
        Backend::Postgres => postgres::restore(url, file).await?,
    };
    let store = Store::connect(url).await?;
    let checked = async {
        store.verify_counts(&counts).await?;
        store.migrate().await?;
        store.record_restore(file, started_by, &counts).await
    }
    .await;
    store.close().await;
    let record = checked?;
    Ok(Restored { counts, record })
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

impl Store {
    /// Records a verified restore. A backup that was still being written
    /// when its copy was taken shows as `running` in that copy: it is the
    /// one restored (it finished, or there would be no file) when the
    /// names match, and one that never finished otherwise.
    async fn record_restore(
        &self,
        file: &Path,
        started_by: &str,
        counts: &BTreeMap<String, i64>,
    ) -> Result<BackupRecord, BackupError> {
        let now = now_ms();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let running: Vec<(i64, String)> = self
            .db
            .all(q("SELECT id, file FROM backups WHERE status = 'running'"))
            .await?;
        for (id, recorded) in running {
            let this_one = Path::new(&recorded)
                .file_name()
                .map(|n| n.to_string_lossy())
                == Some(name.as_str().into());
            let (status, message) = if this_one {
                ("ok", "restored from this backup")
            } else {
                ("failed", "unfinished when the restored copy was taken")
            };
            self.db
                .execute(
                    q("UPDATE backups SET status = $1, message = $2, finished_at = $3 WHERE id = $4")
                        .bind(status)
                        .bind(message)
                        .bind(now)
                        .bind(id),
                )
                .await?;
        }
        let id = self
            .start_record("restore", Origin::Cli, started_by, file)
            .await?;
        let size = std::fs::metadata(file).map_err(io_error(file))?.len();
        self.finish_record(id, "ok", Some(size), counts, None)
            .await?;
        Ok(self.backup_record(id).await?)
    }
}
