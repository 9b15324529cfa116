//! Undoing a merge: the survivor's fields as they were, the merged records
//! out of the bin, and everything the merge moved put back where it was.

use kehu_core::{ChangeSource, CustomerId};

use crate::customers::{locked, update_in};
use crate::db::q;
use crate::import::previous_values;
use crate::write::{write_history, Change, Ctx, HISTORY_COLUMNS};
use crate::{now_ms, Error, Result, Store};

use super::{push_history, UndoMerge, ATTACHED};

impl Store {
    /// Undoes a merge: the survivor's fields as they were, the merged
    /// records out of the bin, everything moved back. When the survivor
    /// was changed after the merge, undo would overwrite that change: it
    /// reports the conflict and changes nothing unless `force`.
    pub async fn undo_merge(&self, ctx: &Ctx, id: i64, force: bool) -> Result<UndoMerge> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let merge = self.merge(&ctx.actor, id).await?;
        if merge.undone_at.is_some() {
            return Err(Error::Conflict("already_undone"));
        }
        let ctx = Ctx {
            source: ChangeSource::Merge,
            ..*ctx
        };
        let defs = self.field_defs().await?;
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let (changes_json, version_after): (String, i64) = tx
            .one(q("SELECT survivor_changes, survivor_version FROM merges WHERE id = $1").bind(id))
            .await?;
        let survivor = match locked(&mut tx, &ctx.actor, CustomerId(merge.survivor_id)).await {
            Ok(s) => s,
            // Merged into another record since, or deleted: that must be
            // undone (or restored) first.
            Err(Error::NotFound) => return Err(Error::Conflict("survivor_gone")),
            Err(e) => return Err(e),
        };
        let mut conflicts = Vec::new();
        if survivor.version != version_after {
            conflicts.push("survivor_changed".to_owned());
        }
        if !conflicts.is_empty() && !force {
            return Ok(UndoMerge {
                merge,
                done: false,
                conflicts,
            });
        }

        let mut before: Vec<(String, Option<String>)> =
            serde_json::from_str(&changes_json).map_err(|e| Error::internal(e.to_string()))?;
        for (field, value) in &mut before {
            crate::vault::values::history_value(&tx.vault.clone(), field, value, true)?;
        }
        let input = previous_values(&defs, before);
        update_in(&mut tx, &ctx, &defs, CustomerId(survivor.id), input, None).await?;

        let moves: Vec<(String, i64, i64)> = tx
            .all(
                q("SELECT entity, entity_id, from_id FROM merge_moves WHERE merge_id = $1 ORDER BY entity, entity_id")
                    .bind(id),
            )
            .await?;
        let mut history = Vec::new();
        for (entity, entity_id, from) in &moves {
            let Some((table, _)) = ATTACHED.iter().find(|(_, e)| e == entity) else {
                return Err(Error::internal(format!("merge moved unknown {entity}")));
            };
            let n = tx
                .execute(
                    q(format!(
                        "UPDATE {table} SET customer_id = $1 WHERE id = $2 AND customer_id = $3"
                    ))
                    .bind(*from)
                    .bind(*entity_id)
                    .bind(survivor.id),
                )
                .await?;
            if n > 0 {
                push_history(
                    &mut history,
                    entity,
                    "customer_id",
                    *entity_id,
                    survivor.id,
                    *from,
                    &ctx,
                    now,
                );
            }
        }
        tx.insert_rows("history", HISTORY_COLUMNS, history, false)
            .await?;

        for member in &merge.merged_ids {
            let n = tx
                .execute(
                    q("UPDATE customers SET deleted_at = NULL, deleted_by = NULL, merged_into = NULL, \
                       updated_at = $1, updated_by = $2, version = version + 1 \
                       WHERE id = $3 AND merged_into = $4 AND deleted_at IS NOT NULL")
                    .bind(now)
                    .bind(ctx.by())
                    .bind(*member)
                    .bind(survivor.id),
                )
                .await?;
            if n > 0 {
                let change = Change {
                    field: "merged_into".into(),
                    old: Some(survivor.id.to_string()),
                    new: None,
                };
                write_history(&mut tx, "customer", *member, &[change], &ctx, now).await?;
            }
        }
        let change = Change {
            field: "merge_undone".into(),
            old: None,
            new: Some(id.to_string()),
        };
        write_history(&mut tx, "customer", survivor.id, &[change], &ctx, now).await?;
        for customer in merge.merged_ids.iter().chain([&survivor.id]) {
            crate::orders::refresh_figures(&mut tx, &ctx, *customer).await?;
        }
        tx.execute(
            q("UPDATE merges SET undone_at = $1, undone_by = $2 WHERE id = $3")
                .bind(now)
                .bind(ctx.by())
                .bind(id),
        )
        .await?;
        // Duplicates again: back in the review queue.
        tx.execute(
            q("UPDATE duplicate_clusters SET status = 'open', merge_id = NULL WHERE merge_id = $1")
                .bind(id),
        )
        .await?;
        tx.commit().await?;
        Ok(UndoMerge {
            merge: self.merge(&ctx.actor, id).await?,
            done: true,
            conflicts,
        })
    }
}
