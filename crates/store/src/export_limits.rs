//! Limits on how much personal data one user takes out of kehu in an
//! hour: exports of the customer list and downloads of rejected rows,
//! quality reports and re-validation lists. Counted from the access log
//! (every such download is written there), so every kehu process on one
//! database shares the count; refused beyond the administrator's limits,
//! each refusal recorded (at most one a minute per user); and the users
//! who took the most lately are listed for administrators.
//!
//! Paging through the customer list is limited the same way: the rows a
//! user's list pages showed are counted per minute (not in the access log,
//! which would fill with every page) and refused beyond an hourly limit.

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
    /// Rows a user's customer and lead list pages may show in an hour;
    /// the page that crosses it is shown, the next is refused.
    pub list_rows_per_hour: i64,
}

impl Default for ExportLimits {
    fn default() -> ExportLimits {
        // A manager exports a team's list a few times a day, the whole
        // database (a million customers) now and then; a script copying
        // everything again and again is what this stops.
        // A rep works through a few hundred list pages on a long day; a
        // script walking every page of a large list needs thousands.
        ExportLimits {
            per_hour: 20,
            rows_per_hour: 1_000_000,
            list_rows_per_hour: 20_000,
        }
    }
}

impl ExportLimits {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut invalid = Invalid::default();
        for (field, value, max) in [
            ("per_hour", self.per_hour, MAX_PER_HOUR),
            ("rows_per_hour", self.rows_per_hour, MAX_ROWS_PER_HOUR),
            (
                "list_rows_per_hour",
                self.list_rows_per_hour,
                MAX_ROWS_PER_HOUR,
            ),
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
    /// minute is recorded), list pages included.
    pub refused: i64,
    pub last_at: crate::time::Time,
    /// Rows their customer list pages showed in the last hour.
    #[sqlx(default)]
    pub listed_last_hour: i64,
}

impl Store {
    /// The limits in force: the administrator's, else the defaults.
    pub async fn export_limits(&self) -> Result<ExportLimits> {
        Ok(self
            .db
            .optional(q(
                "SELECT per_hour, rows_per_hour, list_rows_per_hour FROM export_settings WHERE id = 1",
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
                q("INSERT INTO export_settings (id, per_hour, rows_per_hour, list_rows_per_hour, \
                   updated_by, updated_at) VALUES (1, $1, $2, $5, $3, $4) ON CONFLICT (id) DO UPDATE \
                   SET per_hour = $1, rows_per_hour = $2, list_rows_per_hour = $5, updated_by = $3, \
                   updated_at = $4")
                .bind(limits.per_hour)
                .bind(limits.rows_per_hour)
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0))
                .bind(now_ms())
                .bind(limits.list_rows_per_hour),
            )
            .await?;
        Ok(())
    }

    /// The customer list as a user pages through it (the list page and
    /// `GET /api/v1/customers`): [`Store::list_customers`] within the
    /// user's hourly list limit (see [`Store::listing`]).
    pub async fn browse_customers(
        &self,
        actor: &Actor,
        f: &crate::list::CustomerFilter,
    ) -> Result<crate::list::Page<crate::customers::Customer>> {
        self.listing(actor, "customers.list").await?;
        let page = self.list_customers(actor, f).await?;
        self.listed(actor, page.items.len()).await?;
        Ok(page)
    }

    /// The leads list as a user pages through it (the leads page and
    /// `GET /api/v1/leads`), within the same hourly list limit.
    pub async fn browse_leads(
        &self,
        actor: &Actor,
        f: &crate::leads::LeadFilter,
    ) -> Result<Vec<crate::leads::Lead>> {
        self.listing(actor, "leads.list").await?;
        let leads = self.leads(actor, f).await?;
        self.listed(actor, leads.len()).await?;
        Ok(leads)
    }

    /// Refuses a list page with [`Error::TooManyListed`] once the user's
    /// list pages have shown more rows in the last hour than the
    /// administrator allows (the refusal logged once a minute).
    async fn listing(&self, actor: &Actor, what: &str) -> Result<()> {
        let user = actor.user_id.get();
        let now = now_ms();
        let (listed,): (i64,) = self
            .db
            .one(
                q(
                    "SELECT CAST(COALESCE(SUM(rows), 0) AS BIGINT) FROM list_reads \
                   WHERE user_id = $1 AND minute > $2",
                )
                .bind(user)
                .bind(now / MINUTE_MS - 60),
            )
            .await?;
        let limit = self.export_limits().await?.list_rows_per_hour;
        if listed < limit {
            return Ok(());
        }
        tracing::warn!(user, listed, what, "list page refused by the hourly limit");
        self.log_export_refusal(actor, what, now).await?;
        Err(Error::TooManyListed)
    }

    /// Counts the rows a list page showed the user.
    async fn listed(&self, actor: &Actor, rows: usize) -> Result<()> {
        let user = actor.user_id.get();
        let minute = now_ms() / MINUTE_MS;
        self.db
            .execute(
                q(
                    "INSERT INTO list_reads (user_id, minute, rows) VALUES ($1, $2, $3) \
                   ON CONFLICT (user_id, minute) DO UPDATE SET rows = list_reads.rows + $3",
                )
                .bind(user)
                .bind(minute)
                .bind(rows as i64),
            )
            .await?;
        if minute % 60 == 0 {
            // Once an hour at most per user: what is older than a day.
            self.db
                .execute(
                    q("DELETE FROM list_reads WHERE user_id = $1 AND minute < $2")
                        .bind(user)
                        .bind(minute - DAY_MS / MINUTE_MS),
                )
                .await?;
        }
        Ok(())
    }

    /// Records a refusal by the limits, at most one a minute per user.
    async fn log_export_refusal(&self, actor: &Actor, entity: &str, now: i64) -> Result<()> {
        let recent: Option<(i64,)> = self
            .db
            .optional(
                q("SELECT id FROM access_log WHERE actor_id = $1 AND at > $2 \
                   AND action = 'export_refused' LIMIT 1")
                .bind(actor.user_id.get())
                .bind(now - MINUTE_MS),
            )
            .await?;
        if recent.is_none() {
            self.write_access(actor, "export_refused", entity, "", None, 0)
                .await?;
        }
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
        self.log_export_refusal(actor, entity, now).await?;
        Err(Error::TooManyExports)
    }

    /// Users who exported or downloaded personal data in the last 24
    /// hours, the most rows in the last hour first; those the limits
    /// refused among them. Administrators only.
    pub async fn export_volumes(&self, actor: &Actor) -> Result<Vec<ExportVolume>> {
        admin_only(actor)?;
        let now = now_ms();
        let mut volumes: Vec<ExportVolume> = self
            .db
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
            .await?;
        // List pages, counted apart: those who only paged are listed too.
        let listed: Vec<(i64, Option<String>, i64, i64)> = self
            .db
            .all(
                q("SELECT r.user_id, MAX(COALESCE(u.name, u.email)), \
                   CAST(SUM(r.rows) AS BIGINT), MAX(r.minute) \
                   FROM list_reads r LEFT JOIN users u ON u.id = r.user_id \
                   WHERE r.minute > $1 GROUP BY r.user_id ORDER BY 3 DESC LIMIT 100")
                .bind(now / MINUTE_MS - 60),
            )
            .await?;
        for (user, name, rows, minute) in listed {
            match volumes.iter_mut().find(|v| v.user_id == Some(user)) {
                Some(v) => v.listed_last_hour = rows,
                None => volumes.push(ExportVolume {
                    user_id: Some(user),
                    user_name: name,
                    last_hour: 0,
                    rows_last_hour: 0,
                    last_day: 0,
                    rows_last_day: 0,
                    refused: 0,
                    last_at: crate::time::Time(minute * MINUTE_MS),
                    listed_last_hour: rows,
                }),
            }
        }
        Ok(volumes)
    }
}
