//! The access log (访问日志): who read personal data out of kehu in bulk,
//! when, with which filter and how many rows; and who looked records up by
//! a whole number or address they see masked ([`crate::lookups`]).

use kehu_core::Actor;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::q;
use crate::time::Time;
use crate::{now_ms, Error, Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct AccessEntry {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity: String,
    /// The list's query string (`stage=lead&owner_id=3`).
    pub filter: String,
    pub format: Option<String>,
    pub row_count: i64,
    pub at: Time,
}

impl Store {
    /// Records an export.
    pub async fn log_export(
        &self,
        actor: &Actor,
        entity: &str,
        filter: &str,
        format: &str,
        rows: i64,
    ) -> Result<()> {
        self.write_access(actor, "export", entity, filter, Some(format), rows)
            .await
    }

    /// One row of the access log, now.
    pub(crate) async fn write_access(
        &self,
        actor: &Actor,
        action: &str,
        entity: &str,
        filter: &str,
        format: Option<&str>,
        rows: i64,
    ) -> Result<()> {
        self.db
            .execute(
                q("INSERT INTO access_log (actor_id, action, entity, filter, format, row_count, at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0))
                .bind(action)
                .bind(entity)
                .bind(filter)
                .bind(format)
                .bind(rows)
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }

    /// The newest entries first; for administrators only.
    pub async fn access_log(&self, actor: &Actor, limit: i64) -> Result<Vec<AccessEntry>> {
        if !actor.is_admin() {
            return Err(Error::Forbidden);
        }
        self.db
            .all(
                q("SELECT id, actor_id, action, entity, filter, format, row_count, at FROM access_log \
                   ORDER BY id DESC LIMIT $1")
                .bind(limit),
            )
            .await
    }
}
