//! Backups that restore: a consistent copy of the database taken while
//! kehu serves and writes, checked before it is trusted (the copy's
//! integrity and its rows per table), recorded in `backups`, and restored
//! only into an empty database with the same checks.
//!
//! SQLite is copied with `VACUUM INTO` (one read transaction, so writers go
//! on); PostgreSQL with `pg_dump` reading a snapshot kehu exported and
//! counted in, so the dump's rows can be compared exactly.

mod files;
mod postgres;
mod records;
mod restore;
mod sqlite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use utoipa::ToSchema;

pub use files::{default_dir, file_name};
pub use records::{BackupSettings, Pruned};
pub use restore::{restore, Restored};

use crate::{redact_url, Backend, Store};

/// Tables whose rows are only ever added (records are deleted softly): in
/// an SQLite copy taken while others write, each holds at least as many
/// rows as before the copy began and at most as many as after it ended.
pub const MAIN_TABLES: &[&str] = &[
    "users",
    "customers",
    "contacts",
    "leads",
    "interactions",
    "tasks",
    "opportunities",
    "orders",
    "payments",
    "products",
    "history",
];

/// Longest message kept with a backup (a tool's error output can be long).
const MAX_MESSAGE: usize = 2_000;

/// What started a backup or restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// `kehu backup` or `kehu restore`.
    Cli,
    /// The daily backup of `kehu serve`.
    Daily,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Cli => "cli",
            Origin::Daily => "daily",
        }
    }
}

/// One backup or restore, as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BackupRecord {
    pub id: i64,
    /// `backup` or `restore`.
    pub kind: String,
    /// `cli` or `daily`.
    pub origin: String,
    /// The operating-system user of the command, or the server's host.
    pub started_by: String,
    /// Milliseconds since the Unix epoch.
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub file: String,
    pub size_bytes: Option<i64>,
    /// `running`, `ok` or `failed`.
    pub status: String,
    /// Rows per table in the copy.
    pub counts: BTreeMap<String, i64>,
    /// Why it failed, or what the checks found.
    pub message: Option<String>,
    /// When retention removed the file.
    pub removed_at: Option<i64>,
}

/// Why a backup or restore did not happen or did not verify. Messages
/// never hold a database password.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the database {url} is not empty ({tables} tables); restore only into a new, empty database"
    )]
    NotEmpty { url: String, tables: i64 },
    #[error("the backup did not verify: {0}")]
    Verify(String),
    #[error("{0}")]
    Tool(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::Error),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> BackupError {
        BackupError::Store(e.into())
    }
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Where and how to back up: the database's own URL (PostgreSQL's tools
/// connect with it) and the folder for daily backups. Its `Debug` hides
/// the password.
#[derive(Clone)]
pub struct Plan {
    pub url: String,
    pub dir: PathBuf,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("url", &redact_url(&self.url))
            .field("dir", &self.dir)
            .finish()
    }
}

impl Store {
    /// Backs the database that `url` names (this store's) up into `file`,
    /// which must not exist, then checks the copy and records the attempt.
    /// The file is written beside its final name and renamed only once it
    /// verified; a failed attempt leaves no file and a `failed` record.
    pub async fn backup(
        &self,
        url: &str,
        file: &Path,
        origin: Origin,
        started_by: &str,
    ) -> Result<BackupRecord, BackupError> {
        let id = self
            .start_record("backup", origin, started_by, file)
            .await?;
        self.backup_claimed(id, url, file).await
    }

    /// Runs the backup whose record `id` is already `running`.
    pub(crate) async fn backup_claimed(
        &self,
        id: i64,
        url: &str,
        file: &Path,
    ) -> Result<BackupRecord, BackupError> {
        let partial = files::partial(file);
        let outcome = async {
            if file.exists() {
                return Err(BackupError::Tool(format!(
                    "{} exists already; name a new file",
                    file.display()
                )));
            }
            let counts = match self.backend() {
                Backend::Sqlite => sqlite::backup(self, &partial).await?,
                Backend::Postgres => postgres::backup(url, &partial).await?,
            };
            std::fs::rename(&partial, file).map_err(io_error(file))?;
            let size = std::fs::metadata(file).map_err(io_error(file))?.len();
            Ok((counts, size))
        }
        .await;
        match outcome {
            Ok((counts, size)) => {
                self.finish_record(id, "ok", Some(size), &counts, None)
                    .await?;
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                let message = e.to_string();
                // The failure is the news: a record that cannot be written
                // must not hide it.
                if let Err(e2) = self
                    .finish_record(id, "failed", None, &BTreeMap::new(), Some(&message))
                    .await
                {
                    tracing::error!(error = %e2, "cannot record a failed backup");
                }
                return Err(e);
            }
        }
        self.backup_record(id).await.map_err(Into::into)
    }
}

/// `text` cut to [`MAX_MESSAGE`] bytes at a character boundary.
pub(crate) fn bounded(text: &str) -> String {
    if text.len() <= MAX_MESSAGE {
        return text.to_owned();
    }
    let mut end = MAX_MESSAGE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Tables whose counts differ between two sets of counts, described.
pub(crate) fn differences(
    expected: &BTreeMap<String, i64>,
    found: &BTreeMap<String, i64>,
) -> Vec<String> {
    expected
        .iter()
        .filter_map(|(table, n)| {
            let m = found.get(table).copied().unwrap_or(0);
            (m != *n).then(|| format!("{table}: {n} expected, {m} found"))
        })
        .collect()
}
