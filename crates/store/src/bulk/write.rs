//! Writing a prepared batch in one transaction: the columns of each table
//! a batch fills, and the multi-row inserts with the ids filled in.

use kehu_core::entry::Spec;
use kehu_core::schema;

use super::{BulkCustomer, PreparedBulk};
use crate::customers::CUSTOMERS;
use crate::db::{q, Arg, Tx};
use crate::write::{Ctx, HISTORY_COLUMNS};
use crate::{now_ms, Error, Result, Store};

fn customer_columns() -> Vec<&'static str> {
    let mut columns = vec!["id"];
    columns.extend(schema::CUSTOMER.iter().map(|s| s.name));
    columns.extend([
        "custom",
        "sort_key",
        "company_core",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]);
    columns
}

const STAMPS: [&str; 4] = ["created_at", "created_by", "updated_at", "updated_by"];

fn columns_of(specs: &[Spec], first: Option<&'static str>) -> Vec<&'static str> {
    first
        .into_iter()
        .chain(specs.iter().map(|s| s.name))
        .chain(STAMPS)
        .collect()
}

const TASK_COLUMNS: [&str; 10] = [
    "customer_id",
    "interaction_id",
    "title",
    "due_at",
    "assignee_id",
    "status",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
];

impl Store {
    /// Inserts customers. Only administrators (and kehu itself) may write
    /// in bulk: owners are taken as given.
    pub async fn bulk_insert_customers(
        &self,
        ctx: &Ctx,
        batch: &[BulkCustomer],
    ) -> Result<Vec<i64>> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let defs = self.field_defs().await?;
        let p = PreparedBulk::new(ctx, self.vault(), &defs, &mut batch.to_vec())?;
        self.write_bulk(ctx, p).await
    }

    /// Writes a prepared batch in one transaction and returns the new
    /// customers' ids, in the batch's order.
    pub async fn write_bulk(&self, ctx: &Ctx, p: PreparedBulk) -> Result<Vec<i64>> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        // Bulk writes touch index pages all over the file: give this
        // connection a larger page cache while it does.
        tx.set_bulk_cache(true).await?;
        let ids = write_bulk_in(&mut tx, p).await?;
        tx.set_bulk_cache(false).await?;
        tx.commit().await?;
        Ok(ids)
    }
}

/// Writes a prepared batch inside `tx`; the caller has decided the writer
/// may. Returns the new customers' ids, in the batch's order.
pub(crate) async fn write_bulk_in(tx: &mut Tx, p: PreparedBulk) -> Result<Vec<i64>> {
    let now = now_ms();
    let ids = tx.reserve_ids("customers", p.customers).await?;
    let interaction_ids = tx.reserve_ids("interactions", p.interactions).await?;

    tx.insert_rows(
        CUSTOMERS.table,
        &customer_columns(),
        p.customer_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    // New customers' keys cannot clash (each customer's come deduplicated):
    // plain rows, which PostgreSQL takes by COPY.
    tx.insert_rows(
        "customer_search",
        &["term", "customer_id"],
        p.search_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    if !p.tags.is_empty() {
        let tag_rows = p
            .tags
            .iter()
            .flat_map(|n| [Arg::from(n), now.into(), now.into()])
            .collect();
        tx.insert_rows(
            "tags",
            &["name", "created_at", "updated_at"],
            tag_rows,
            true,
        )
        .await?;
        let known: Vec<(i64, String)> = tx.all(q("SELECT id, name FROM tags")).await?;
        let known: std::collections::HashMap<&str, i64> = known
            .iter()
            .map(|(id, name)| (name.as_str(), *id))
            .collect();
        let mut links = Vec::with_capacity(p.tag_links.len() * 2);
        for (i, tag) in &p.tag_links {
            let tag_id = known
                .get(tag.as_str())
                .ok_or_else(|| Error::internal("tag vanished"))?;
            links.extend([Arg::from(ids[*i]), (*tag_id).into()]);
        }
        tx.insert_rows("customer_tags", &["customer_id", "tag_id"], links, true)
            .await?;
    }
    tx.insert_rows(
        "contacts",
        &columns_of(schema::CONTACT, None),
        p.contact_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    tx.insert_rows(
        "interactions",
        &columns_of(schema::INTERACTION, Some("id")),
        p.interaction_rows.fill(&ids, &interaction_ids),
        false,
    )
    .await?;
    tx.insert_rows(
        "tasks",
        &TASK_COLUMNS,
        p.task_rows.fill(&ids, &interaction_ids),
        false,
    )
    .await?;
    tx.insert_rows(
        "history",
        HISTORY_COLUMNS,
        p.history_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    for (i, clear) in &p.clear {
        crate::vault::values::index_custom(tx, ids[*i], &p.defs, clear).await?;
    }
    Ok(ids)
}
