//! Reading field history.

use kehu_core::{Actor, CustomerId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::q;
use crate::time::Time;
use crate::{Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub source: String,
    pub actor_id: Option<i64>,
    pub at: Time,
}

impl Store {
    /// The history of a customer the actor may see, newest first.
    pub async fn customer_history(
        &self,
        actor: &Actor,
        id: CustomerId,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>> {
        self.customer(actor, id).await?;
        self.db
            .all(
                q("SELECT id, entity, entity_id, field, old_value, new_value, source, actor_id, at \
                   FROM history WHERE entity = 'customer' AND entity_id = $1 ORDER BY id DESC LIMIT $2")
                .bind(id.get())
                .bind(limit.clamp(1, 1000)),
            )
            .await
    }
}
