//! Undoing a batch from the history rows it stamped with its id.

use kehu_core::entry::{Kind, Stored};
use kehu_core::field::{FieldDef, FieldKind};
use kehu_core::{schema, CustomerId};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::customers::{update_in, CustomerInput};
use crate::db::{q, Arg};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// What undoing a batch did, or why it did not.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct UndoReport {
    pub batch_id: i64,
    /// Whether the batch is now undone. When not, `conflicts` says why.
    pub done: bool,
    /// Records the batch created, now moved to the bin.
    pub removed: i64,
    /// Records whose fields the batch changed, given their previous values.
    pub restored: i64,
    /// How many records were changed by someone else after the batch, so
    /// undoing would overwrite their work.
    pub conflict_count: i64,
    /// The first of those records.
    pub conflicts: Vec<i64>,
}

/// Records per transaction while undoing.
const UNDO_CHUNK: i64 = 20_000;

impl Store {
    /// Takes back everything a batch did: the records it created go to the
    /// bin, the fields it changed get their previous values (from history).
    /// Refuses, listing them, when records were changed after the batch by
    /// someone else, unless `force`. An undo that was stopped half-way
    /// continues where it stopped.
    pub async fn undo_import(&self, ctx: &Ctx, id: i64, force: bool) -> Result<UndoReport> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let batch = self.import_batch(&ctx.actor, id).await?;
        match batch.status.as_str() {
            "undone" => return Err(Error::Conflict("already_undone")),
            "running" if !batch.is_interrupted() => return Err(Error::Conflict("batch_running")),
            _ => {}
        }
        let mut report = UndoReport {
            batch_id: id,
            ..UndoReport::default()
        };
        if batch.status != "undoing" {
            let conflicts: Vec<(i64,)> = self.db.all(q(CONFLICTS_SQL).bind(id)).await?;
            report.conflict_count = conflicts.len() as i64;
            report.conflicts = conflicts.into_iter().take(100).map(|(c,)| c).collect();
            if report.conflict_count > 0 && !force {
                return Ok(report);
            }
            self.db
                .execute(
                    q("UPDATE import_batches SET status = 'undoing', heartbeat_at = $1 WHERE id = $2 \
                       AND status IN ('running', 'done')")
                    .bind(now_ms())
                    .bind(id),
                )
                .await?;
        }

        // Created records go to the bin, a chunk per transaction.
        let mut after = 0i64;
        loop {
            let page: Vec<(i64, i64)> = self
                .db
                .all(
                    q("SELECT entity_id, entity_id FROM history WHERE batch_id = $1 AND entity = 'customer' \
                       AND field = 'created' AND entity_id > $2 ORDER BY entity_id LIMIT $3")
                    .bind(id)
                    .bind(after)
                    .bind(UNDO_CHUNK),
                )
                .await?;
            let Some(&(last, _)) = page.last() else { break };
            after = last;
            let ids: Vec<String> = page.iter().map(|(_, c)| c.to_string()).collect();
            let now = now_ms();
            let mut tx = self.db.begin().await?;
            let removed: Vec<(i64,)> = tx
                .all(
                    q(format!(
                        "UPDATE customers SET deleted_at = $1, deleted_by = $2, updated_at = $1, \
                         updated_by = $2, version = version + 1 \
                         WHERE id IN ({}) AND deleted_at IS NULL RETURNING id",
                        ids.join(", ")
                    ))
                    .once()
                    .bind(now)
                    .bind(ctx.by()),
                )
                .await?;
            let mut rows = Vec::with_capacity(removed.len() * crate::write::HISTORY_COLUMNS.len());
            for (customer,) in &removed {
                rows.extend([
                    Arg::from("customer"),
                    (*customer).into(),
                    "deleted".into(),
                    Arg::Text(None),
                    Some(format!("undo of batch {id}")).into(),
                    ctx.source.as_str().into(),
                    ctx.by().into(),
                    now.into(),
                    Arg::Int(None),
                ]);
            }
            tx.insert_rows("history", crate::write::HISTORY_COLUMNS, rows, false)
                .await?;
            tx.execute(
                q("UPDATE import_batches SET heartbeat_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id),
            )
            .await?;
            tx.commit().await?;
            report.removed += removed.len() as i64;
        }

        // Changed records get each field's value from before the batch:
        // the old value of the batch's first change to it.
        let defs = self.field_defs().await?;
        let mut after = 0i64;
        loop {
            let page: Vec<(i64,)> = self
                .db
                .all(
                    q("SELECT DISTINCT h.entity_id FROM history h WHERE h.batch_id = $1 \
                       AND h.entity = 'customer' AND h.field <> 'created' AND h.entity_id > $2 \
                       AND NOT EXISTS (SELECT 1 FROM history c WHERE c.batch_id = $1 \
                           AND c.entity = 'customer' AND c.field = 'created' AND c.entity_id = h.entity_id) \
                       ORDER BY h.entity_id LIMIT $3")
                    .bind(id)
                    .bind(after)
                    .bind(UNDO_CHUNK / 10),
                )
                .await?;
            let Some(&(last,)) = page.last() else { break };
            after = last;
            let mut tx = self.db.begin().await?;
            for (customer,) in page {
                let changes: Vec<(String, Option<String>)> = tx
                    .all(
                        q("SELECT field, old_value FROM history WHERE batch_id = $1 AND entity = 'customer' \
                           AND entity_id = $2 ORDER BY id")
                        .bind(id)
                        .bind(customer),
                    )
                    .await?;
                // Old values of sensitive fields are kept sealed.
                let mut changes = changes;
                for (field, old) in &mut changes {
                    crate::vault::values::history_value(&tx.vault.clone(), field, old, true)?;
                }
                let input = previous_values(&defs, changes);
                match update_in(&mut tx, ctx, &defs, CustomerId(customer), input, None).await {
                    Ok(changes) if !changes.is_empty() => report.restored += 1,
                    Ok(_) => {}
                    // Deleted since: there is nothing to give values back to.
                    Err(Error::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
            tx.execute(
                q("UPDATE import_batches SET heartbeat_at = $1 WHERE id = $2")
                    .bind(now_ms())
                    .bind(id),
            )
            .await?;
            tx.commit().await?;
        }

        self.db
            .execute(
                q(
                    "UPDATE import_batches SET status = 'undone', undone_at = $1, undone_by = $2, \
                   heartbeat_at = $1 WHERE id = $3",
                )
                .bind(now_ms())
                .bind(ctx.by())
                .bind(id),
            )
            .await?;
        report.done = true;
        Ok(report)
    }
}

/// Records a batch touched that someone else changed after it: a record it
/// created that was changed or given contacts, follow-ups or tasks; a field
/// it changed that was changed again.
const CONFLICTS_SQL: &str = "\
SELECT DISTINCT h.entity_id FROM history h WHERE h.batch_id = $1 AND h.entity = 'customer' AND (
    EXISTS (SELECT 1 FROM history l WHERE l.entity = 'customer' AND l.entity_id = h.entity_id
            AND l.id > h.id AND (l.batch_id IS NULL OR l.batch_id <> $1)
            AND (h.field = 'created' OR l.field = h.field))
    OR (h.field = 'created' AND (
        EXISTS (SELECT 1 FROM contacts x WHERE x.customer_id = h.entity_id AND x.deleted_at IS NULL)
        OR EXISTS (SELECT 1 FROM interactions x WHERE x.customer_id = h.entity_id AND x.deleted_at IS NULL)
        OR EXISTS (SELECT 1 FROM tasks x WHERE x.customer_id = h.entity_id AND x.deleted_at IS NULL))))
ORDER BY h.entity_id";

/// The change that puts back each field's value from before a batch, from
/// the batch's history rows of one record in order.
pub(crate) fn previous_values(
    defs: &[FieldDef],
    changes: Vec<(String, Option<String>)>,
) -> CustomerInput {
    let mut input = CustomerInput::default();
    let mut done: Vec<String> = Vec::new();
    for (field, old) in changes {
        // The first change of a field holds its value from before.
        if done.contains(&field) {
            continue;
        }
        done.push(field.clone());
        if field == "tags" {
            input.tags = Some(
                old.map(|o| o.split(", ").map(str::to_owned).collect())
                    .unwrap_or_default(),
            );
        } else if let Some(key) = field.strip_prefix("custom.") {
            let value = match (old, defs.iter().find(|d| d.key.as_str() == key)) {
                (None, _) => Value::Null,
                (Some(text), Some(def))
                    if matches!(
                        def.kind,
                        FieldKind::Integer
                            | FieldKind::Bool
                            | FieldKind::Money
                            | FieldKind::MultiSelect { .. }
                    ) =>
                {
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                }
                (Some(text), _) => Value::String(text),
            };
            input
                .custom
                .get_or_insert_with(Map::new)
                .insert(key.to_owned(), value);
        } else if let Some(spec) = schema::CUSTOMER.iter().find(|s| s.name == field) {
            let value = old.and_then(|text| match spec.kind {
                Kind::Id | Kind::DateTime => text.parse().ok().map(Stored::Int),
                Kind::Bool => Some(Stored::Bool(text == "true")),
                _ => Some(Stored::Text(text)),
            });
            input.patch.set.push((spec.name, value));
        }
        // Derived columns (sort key, company core) follow from the fields.
    }
    input
}
