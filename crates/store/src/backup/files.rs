//! Backup files on disk: their names, their folder, and permissions that
//! let only kehu's own user read them (a backup holds every customer).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::{io_error, BackupError};
use crate::Backend;

/// The folder daily backups go to when none is configured: `backups/`
/// beside an SQLite file, `kehu-backups/` in the working directory for
/// PostgreSQL (its data lives elsewhere).
pub fn default_dir(url: &str) -> PathBuf {
    let sqlite_file = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .filter(|rest| !rest.contains(":memory:") && !rest.is_empty())
        .map(|rest| rest.split('?').next().unwrap_or(rest));
    match sqlite_file {
        Some(file) => Path::new(file)
            .parent()
            .map(|p| p.join("backups"))
            .unwrap_or_else(|| PathBuf::from("backups")),
        None => PathBuf::from("kehu-backups"),
    }
}

/// `kehu-YYYYMMDD-HHMMSS-mmm.sqlite` (or `.pgdump`), in UTC: names that sort
/// by time.
pub fn file_name(backend: Backend, at_ms: i64) -> String {
    let at = chrono::DateTime::from_timestamp_millis(at_ms).unwrap_or_default();
    let ext = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "pgdump",
    };
    format!("kehu-{}.{ext}", at.format("%Y%m%d-%H%M%S-%3f"))
}

/// Where a backup is written before it verified.
pub(crate) fn partial(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    file.with_file_name(name)
}

/// Creates `dir` (and its parents) if needed; a folder kehu creates is
/// readable by its own user only.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), BackupError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))
}

/// A new, empty file only kehu's user may read or write (0600). Fails if
/// it exists: a backup never overwrites anything.
pub(crate) fn create_private(path: &Path) -> Result<File, BackupError> {
    if let Some(parent) = path.parent() {
        ensure_dir(parent)?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(io_error(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_backups_go_beside_an_sqlite_file() {
        assert_eq!(
            default_dir("sqlite:///srv/kehu/kehu.db?mode=rwc"),
            PathBuf::from("/srv/kehu/backups")
        );
        assert_eq!(default_dir("sqlite://kehu.db"), PathBuf::from("backups"));
        assert_eq!(
            default_dir("postgres://kehu:pw@db/kehu"),
            PathBuf::from("kehu-backups")
        );
    }

    #[test]
    fn names_sort_by_time() {
        assert_eq!(
            file_name(Backend::Sqlite, 1_796_612_400_000),
            "kehu-20261207-030000-000.sqlite"
        );
        assert_eq!(
            partial(Path::new("/b/kehu.pgdump")),
            PathBuf::from("/b/kehu.pgdump.partial")
        );
    }
}
