//! The `backups` table: each attempt recorded, the daily backup claimed
//! once across processes, and the retention an administrator sets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kehu_core::{Actor, Code, Invalid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{bounded, files, BackupError, BackupRecord, Origin, Plan};
use crate::db::{json, q, Backend};
use crate::write::Ctx;
use crate::{admin_only, now_ms, Result, Store};

/// The PostgreSQL advisory lock that makes one process take the daily
/// backup ("kehu" 备份).
const DAILY_LOCK: i64 = 0x6b65_6875_0017;

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// A daily backup is due when none succeeded or started this long ago:
/// less than a day, so a loop that wakes a little early still takes it.
const DAILY_EVERY_MS: i64 = 20 * HOUR_MS;

/// A backup still `running` after this long belongs to a process that
/// died; it no longer holds the day's claim.
const ABANDONED_MS: i64 = 6 * HOUR_MS;

/// Most records the list shows, and most files one retention pass
/// considers.
const MAX_LISTED: i64 = 1_000;

/// How the daily backup runs and how long its files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BackupSettings {
    /// Whether `kehu serve` takes a backup every day.
    pub daily: bool,
    /// Daily backups older than this many days are removed.
    pub keep_days: i64,
    /// At most this many daily backups are kept.
    pub keep_count: i64,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            daily: true,
            keep_days: 14,
            keep_count: 14,
        }
    }
}

impl BackupSettings {
    /// Refuses a retention outside what the table allows (and what makes
    /// sense: at least one backup, for at least a day).
    pub fn check(&self) -> Result<(), Invalid> {
        let mut invalid = Invalid::default();
        for (field, value, max) in [
            ("keep_days", self.keep_days, 3650),
            ("keep_count", self.keep_count, 1000),
        ] {
            if value < 1 {
                invalid.push(field, Code::BelowMin { min: "1".into() });
            } else if value > max {
                invalid.push(
                    field,
                    Code::AboveMax {
                        max: max.to_string(),
                    },
                );
            }
        }
        invalid.into_result()
    }
}

/// What a retention pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Pruned {
    /// Backups whose file was deleted (or was gone already).
    pub removed: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    origin: String,
    started_by: String,
    started_at: i64,
    finished_at: Option<i64>,
    file: String,
    size_bytes: Option<i64>,
    status: String,
    counts: Option<String>,
    message: Option<String>,
    removed_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, origin, started_by, started_at, finished_at, file, size_bytes, \
                       status, counts, message, removed_at";

impl From<Row> for BackupRecord {
    fn from(r: Row) -> BackupRecord {
        BackupRecord {
            counts: r
                .counts
                .and_then(|c| serde_json::from_str(&c).ok())
                .unwrap_or_default(),
            id: r.id,
            kind: r.kind,
            origin: r.origin,
            started_by: r.started_by,
            started_at: r.started_at,
            finished_at: r.finished_at,
            file: r.file,
            size_bytes: r.size_bytes,
            status: r.status,
            message: r.message,
            removed_at: r.removed_at,
        }
    }
}

impl Store {
    pub(crate) async fn start_record(
        &self,
        kind: &str,
        origin: Origin,
        started_by: &str,
        file: &Path,
    ) -> Result<i64> {
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q(
                    "INSERT INTO backups (kind, origin, started_by, started_at, file, status) \
                   VALUES ($1, $2, $3, $4, $5, 'running') RETURNING id",
                )
                .bind(kind)
                .bind(origin.as_str())
                .bind(bounded(started_by))
                .bind(now_ms())
                .bind(file.display().to_string()),
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn finish_record(
        &self,
        id: i64,
        status: &str,
        size: Option<u64>,
        counts: &BTreeMap<String, i64>,
        message: Option<&str>,
    ) -> Result<()> {
        self.db
            .execute(
                q(
                    "UPDATE backups SET status = $1, size_bytes = $2, counts = $3, message = $4, \
                   finished_at = $5 WHERE id = $6",
                )
                .bind(status)
                .bind(size.and_then(|s| i64::try_from(s).ok()))
                .bind(json(counts)?)
                .bind(message.map(bounded))
                .bind(now_ms())
                .bind(id),
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn backup_record(&self, id: i64) -> Result<BackupRecord> {
        let row: Row = self
            .db
            .one(q(format!("SELECT {COLUMNS} FROM backups WHERE id = $1")).bind(id))
            .await?;
        Ok(row.into())
    }

    /// The newest backups and restores first (administrators only).
    pub async fn backups(&self, actor: &Actor, limit: i64) -> Result<Vec<BackupRecord>> {
        admin_only(actor)?;
        let rows: Vec<Row> = self
            .db
            .all(
                q(format!(
                    "SELECT {COLUMNS} FROM backups ORDER BY started_at DESC, id DESC LIMIT $1"
                ))
                .bind(limit.clamp(1, MAX_LISTED)),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn backup_settings(&self) -> Result<BackupSettings> {
        let row: Option<(bool, i64, i64)> = self
            .db
            .optional(q(
                "SELECT daily, keep_days, keep_count FROM backup_settings WHERE id = 1",
            ))
            .await?;
        Ok(row
            .map(|(daily, keep_days, keep_count)| BackupSettings {
                daily,
                keep_days,
                keep_count,
            })
            .unwrap_or_default())
    }

    /// Sets the daily backup and its retention (administrators only).
    pub async fn set_backup_settings(
        &self,
        ctx: &Ctx,
        s: BackupSettings,
    ) -> Result<BackupSettings> {
        admin_only(&ctx.actor)?;
        s.check()?;
        self.db
            .execute(
                q("INSERT INTO backup_settings (id, daily, keep_days, keep_count, updated_by, updated_at) \
                   VALUES (1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET daily = $1, \
                   keep_days = $2, keep_count = $3, updated_by = $4, updated_at = $5")
                .bind(s.daily)
                .bind(s.keep_days)
                .bind(s.keep_count)
                .bind(ctx.by())
                .bind(now_ms()),
            )
            .await?;
        Ok(s)
    }

    /// Claims today's backup for this process, writing its `running`
    /// record, unless another process (or an earlier run) took one in the
    /// last 20 hours. Claims take turns: SQLite's write transaction is
    /// exclusive, PostgreSQL takes an advisory lock.
    pub async fn claim_daily_backup(
        &self,
        now: i64,
        started_by: &str,
        file: &Path,
    ) -> Result<Option<i64>> {
        let mut tx = self.db.begin().await?;
        if tx.backend() == Backend::Postgres {
            tx.execute(q("SELECT pg_advisory_xact_lock($1)").bind(DAILY_LOCK))
                .await?;
        }
        let (recent,): (i64,) = tx
            .one(
                q("SELECT COUNT(*) FROM backups WHERE kind = 'backup' AND origin = 'daily' \
                   AND started_at > $1 AND (status = 'ok' OR (status = 'running' AND started_at > $2))")
                .bind(now - DAILY_EVERY_MS)
                .bind(now - ABANDONED_MS),
            )
            .await?;
        if recent > 0 {
            return Ok(None);
        }
        let id = tx
            .insert(
                q(
                    "INSERT INTO backups (kind, origin, started_by, started_at, file, status) \
                   VALUES ('backup', 'daily', $1, $2, $3, 'running') RETURNING id",
                )
                .bind(bounded(started_by))
                .bind(now)
                .bind(file.display().to_string()),
            )
            .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// The daily backup, if it is on, due and this process claims it; then
    /// the retention. `None` when another process had it or it is off.
    pub async fn daily_backup(
        &self,
        plan: &Plan,
        started_by: &str,
    ) -> Result<Option<(BackupRecord, Pruned)>, BackupError> {
        let settings = self.backup_settings().await?;
        if !settings.daily {
            return Ok(None);
        }
        let now = now_ms();
        let file = plan.dir.join(files::file_name(self.backend(), now));
        let Some(id) = self.claim_daily_backup(now, started_by, &file).await? else {
            return Ok(None);
        };
        let record = self.backup_claimed(id, &plan.url, &file).await?;
        let pruned = self.prune_backups(now).await?;
        Ok(Some((record, pruned)))
    }

    /// Removes the daily backups beyond the retention: older than
    /// `keep_days`, or past the newest `keep_count`. The newest successful
    /// backup is always kept, whatever the settings. Backups taken by hand
    /// are the operator's to remove.
    pub async fn prune_backups(&self, now: i64) -> Result<Pruned> {
        let settings = self.backup_settings().await?;
        let rows: Vec<(i64, String, i64)> = self
            .db
            .all(
                q("SELECT id, file, started_at FROM backups WHERE kind = 'backup' AND origin = 'daily' \
                   AND status = 'ok' AND removed_at IS NULL ORDER BY started_at DESC, id DESC LIMIT $1")
                .bind(MAX_LISTED),
            )
            .await?;
        let cutoff = now - settings.keep_days * DAY_MS;
        let mut pruned = Pruned::default();
        for (n, (id, file, started_at)) in rows.into_iter().enumerate() {
            let keep = n == 0
                || (i64::try_from(n).unwrap_or(i64::MAX) < settings.keep_count
                    && started_at >= cutoff);
            if keep {
                continue;
            }
            match std::fs::remove_file(PathBuf::from(&file)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    // Left recorded as present, so the next pass tries again.
                    tracing::warn!(file, error = %e, "cannot remove an old backup");
                    continue;
                }
            }
            self.db
                .execute(
                    q("UPDATE backups SET removed_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(id),
                )
                .await?;
            pruned.removed.push(file);
        }
        Ok(pruned)
    }
}
