//! Reading field history.

use crate::customers::Customer;
use kehu_core::{Actor, ProductId};
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
    /// The history of a customer the actor has read, newest first, its old
    /// and new values masked as the record is (see [`Store::customer`]).
    pub async fn customer_history(
        &self,
        actor: &Actor,
        customer: &Customer,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>> {
        let mut rows = self.history_of("customer", customer.id, limit).await?;
        // Values of sensitive fields are kept sealed; the actor read the
        // customer, so they are opened, then masked where the actor is not
        // entitled to them.
        for r in &mut rows {
            let field = r.field.clone();
            crate::vault::values::history_value(self.vault(), &field, &mut r.old_value, true)?;
            crate::vault::values::history_value(self.vault(), &field, &mut r.new_value, true)?;
        }
        let defs = self.field_definitions().await?;
        crate::mask::history(actor, customer.owner_id, &defs, &mut rows);
        Ok(rows)
    }

    /// The history of a product of the catalogue, newest first.
    pub async fn product_history(&self, id: ProductId, limit: i64) -> Result<Vec<HistoryEntry>> {
        self.history_of("product", id.get(), limit).await
    }

    pub(crate) async fn history_of(
        &self,
        entity: &str,
        id: i64,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>> {
        self.db
            .all(
                q("SELECT id, entity, entity_id, field, old_value, new_value, source, actor_id, at \
                   FROM history WHERE entity = $1 AND entity_id = $2 ORDER BY id DESC LIMIT $3")
                .bind(entity)
                .bind(id)
                .bind(limit.clamp(1, 1000)),
            )
            .await
    }
}
