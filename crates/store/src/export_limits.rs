//! Limits on how much personal data one user takes out of kehu in an
//! hour: exports of the customer list and downloads of rejected rows,
//! quality reports and re-validation lists. Counted from the access log
//! (every such download is written there), so every kehu process on one
//! database shares the count; refused beyond the administrator's limits,
//! each refusal recorded (at most one a minute per user); and the users
//! who took the most lately are listed for administrators.

use kehu_core::{Actor, Code, Invalid};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::q;
use crate::{admin_only, now_ms, Error, Result, Store};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// No limit above this: it would be no limit at all.
const MAX_PER_HOUR: i64 = 10_000;
const MAX_ROWS_PER_HOUR: i64 = 100_000_000;

/// The hourly limits in force (the last 60 minutes, sliding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct ExportLimits {
    /// Exports and downloads a user may start in an hour.
    pub per_hour: i64,
    /// Rows a user may take out in an hour; the export that crosses it
    /// completes, the next is refused.
    pub rows_per_hour: i64,
}

impl Default for ExportLimits {
    fn default() -> ExportLimits {
        // A manager exports a team's list a few times a day, the whole
        // database (a million customers) now and then; a script copying
        // everything again and again is what this stops.
        ExportLimits {
            per_hour: 20,
            rows_per_hour: 1_000_000,
        }
    }
}

impl ExportLimits {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut invalid = Invalid::default();
        for (field, value, max) in [
            ("per_hour", self.per_hour, MAX_PER_HOUR),
            ("rows_per_hour", self.rows_per_hour, MAX_ROWS_PER_HOUR),
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

/// What a user took out lately, for administrators.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ExportVolume {
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// Exports and downloads in the last hour, and their rows.
    pub last_hour: i64,
    pub rows_last_hour: i64,
    /// The same over the last 24 hours.
    pub last_day: i64,
    pub rows_last_day: i64,
    /// Times the limits refused them in the last 24 hours (at most one a
    /// minute is recorded).
    pub refused: i64,
    pub last_at: crate::time::Time,
}

impl Store {
    /// The limits in force: the administrator's, else the defaults.
    pub async fn export_limits(&self) -> Result<ExportLimits> {
        Ok(self
            .db
            .optional(q(
                "SELECT per_hour, rows_per_hour FROM export_settings WHERE id = 1",
            ))
            .await?
            .unwrap_or_default())
    }

    /// Sets the limits (administrators only).
    pub async fn set_export_limits(&self, actor: &Actor, limits: ExportLimits) -> Result<()> {
        admin_only(actor)?;
        limits.check()?;
        self.db
            .execute(
                q("INSERT INTO export_settings (id, per_hour, rows_per_hour, updated_by, updated_at) \
                   VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET per_hour = $1, \
                   rows_per_hour = $2, updated_by = $3, updated_at = $4")
                .bind(limits.per_hour)
                .bind(limits.rows_per_hour)
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0))
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }

    /// Whether `actor` may start another export of `entity` now; beyond
    /// the limits the refusal is recorded and [`Error::TooManyExports`]
    /// returned. The export itself is recorded by [`Store::log_export`]
    /// once its rows are known.
    pub async fn allow_export(&self, actor: &Actor, entity: &str) -> Result<()> {
        let user = actor.user_id.get();
        let now = now_ms();
        let (count, rows): (i64, i64) = self
            .db
            .one(
                q(
                    "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(row_count), 0) AS BIGINT) \
                   FROM access_log WHERE actor_id = $1 AND action = 'export' AND at > $2",
                )
                .bind(user)
                .bind(now - HOUR_MS),
            )
            .await?;
        let limits = self.export_limits().await?;
        if count < limits.per_hour && rows < limits.rows_per_hour {
            return Ok(());
        }
        tracing::warn!(
            user,
            entity,
            count,
            rows,
            "export refused by the hourly limits"
        );
        let recent: Option<(i64,)> = self
            .db
            .optional(
                q("SELECT id FROM access_log WHERE actor_id = $1 AND at > $2 \
                   AND action = 'export_refused' LIMIT 1")
                .bind(user)
                .bind(now - MINUTE_MS),
            )
            .await?;
        if recent.is_none() {
            self.write_access(actor, "export_refused", entity, "", None, 0)
                .await?;
        }
        Err(Error::TooManyExports)
    }

    /// Users who exported or downloaded personal data in the last 24
    /// hours, the most rows in the last hour first; those the limits
    /// refused among them. Administrators only.
    pub async fn export_volumes(&self, actor: &Actor) -> Result<Vec<ExportVolume>> {
        admin_only(actor)?;
        let now = now_ms();
        self.db
            .all(
                q("SELECT l.actor_id AS user_id, MAX(COALESCE(u.name, u.email)) AS user_name, \
                   CAST(SUM(CASE WHEN l.action = 'export' AND l.at > $1 THEN 1 ELSE 0 END) AS BIGINT) AS last_hour, \
                   CAST(SUM(CASE WHEN l.action = 'export' AND l.at > $1 THEN l.row_count ELSE 0 END) AS BIGINT) AS rows_last_hour, \
                   CAST(SUM(CASE WHEN l.action = 'export' THEN 1 ELSE 0 END) AS BIGINT) AS last_day, \
                   CAST(SUM(CASE WHEN l.action = 'export' THEN l.row_count ELSE 0 END) AS BIGINT) AS rows_last_day, \
                   CAST(SUM(CASE WHEN l.action = 'export_refused' THEN 1 ELSE 0 END) AS BIGINT) AS refused, \
                   MAX(l.at) AS last_at \
                   FROM access_log l LEFT JOIN users u ON u.id = l.actor_id \
                   WHERE l.at > $2 AND l.action IN ('export', 'export_refused') \
                   GROUP BY l.actor_id \
                   ORDER BY rows_last_hour DESC, rows_last_day DESC, user_id LIMIT 100")
                .bind(now - HOUR_MS)
                .bind(now - DAY_MS),
            )
            .await
    }
}
