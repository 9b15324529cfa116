//! Merging duplicate customers (合并) and undoing a merge.
//!
//! A merge folds records into a survivor in one transaction: the survivor
//! takes the chosen value of each field (by default the value of the most
//! recently verified record, else of the most complete, else of the
//! newest), every tag of every record, and everything attached to the
//! others (contacts, interactions, tasks). The others go to the bin and
//! point at the survivor, so their ids still lead somewhere. What the
//! merge changed is kept with it, and [`Store::undo_merge`] puts back both
//! records and what was moved, exactly.

use std::collections::{BTreeMap, BTreeSet};

use kehu_core::{schema, Actor, ChangeSource, Code, CustomerId, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

mod survivor;
mod undo;

pub use survivor::{default_choice, rank};
pub(crate) use survivor::{field_choices, first_having};
use survivor::{merge_fields, survivor_input, value_of};

use crate::customers::{locked, tags_of, update_in, Customer};
use crate::db::{json, q, Arg, Tx};
use crate::dedupe::{mark_not_duplicate_in, Entity};
use crate::time::Time;
use crate::write::{write_history, Change, Ctx, HISTORY_COLUMNS};
use crate::{now_ms, Error, Result, Store};

/// Most records one merge folds together.
pub const MAX_MERGE: usize = 20;

/// Tables of records that hang off a customer and move with a merge:
/// (table, entity name in history). A later record type (deals) adds
/// itself here.
const ATTACHED: &[(&str, &str)] = &[
    ("contacts", "contact"),
    ("interactions", "interaction"),
    ("tasks", "task"),
    ("orders", "order"),
];

/// What to merge, as a person (or a rule) decided it.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    /// The record that stays.
    pub survivor: CustomerId,
    /// The records folded into it.
    pub merged: Vec<CustomerId>,
    /// Per field (a built-in field name, or `custom.KEY`), the record whose
    /// value the survivor keeps. Fields not named follow [`default_choice`].
    pub choose: BTreeMap<String, CustomerId>,
    /// The duplicate score and reasons that led here, kept with the merge.
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    /// The merge rule that merged these without review.
    pub rule: Option<i64>,
}

impl MergeRequest {
    /// A merge a person asked for: the first of `ids` stays.
    pub fn manual(ids: &[CustomerId], choose: BTreeMap<String, CustomerId>) -> MergeRequest {
        MergeRequest {
            survivor: ids.first().copied().unwrap_or(CustomerId(0)),
            merged: ids.iter().skip(1).copied().collect(),
            choose,
            score: None,
            reasons: Vec::new(),
            rule: None,
        }
    }
}

/// A merge as kept: who, when, which records, and whether it was undone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Merge {
    pub id: i64,
    pub survivor_id: i64,
    pub merged_ids: Vec<i64>,
    /// `manual` or `rule`.
    pub source: String,
    pub rule_id: Option<i64>,
    pub score: Option<f64>,
    pub reasons: Vec<String>,
    /// Fields of the survivor the merge changed.
    pub changed_fields: Vec<String>,
    /// Contacts, interactions and tasks moved to the survivor.
    pub moved: i64,
    pub actor_id: Option<i64>,
    pub created_at: Time,
    pub undone_at: Option<Time>,
    pub undone_by: Option<i64>,
}

/// What undoing a merge did, or why it did not.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UndoMerge {
    pub merge: Merge,
    /// False when a later change would be overwritten and undo was not
    /// forced: nothing was changed.
    pub done: bool,
    /// Why undo asks first: `survivor_changed` (the survivor was edited
    /// after the merge).
    pub conflicts: Vec<String>,
}

/// One field of a planned merge: each record's value, and which is kept.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldChoice {
    /// Built-in field name or `custom.KEY`.
    pub field: String,
    /// (record id, value as history writes it) for records that have one.
    pub values: Vec<(i64, String)>,
    /// The record whose value is kept.
    pub chosen: i64,
}

/// The default merge of some records, for a person to review and adjust.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MergePlan {
    /// The records, best first (see [`rank`]).
    pub records: Vec<Customer>,
    pub survivor: i64,
    /// Fields on which the records differ.
    pub fields: Vec<FieldChoice>,
}

impl Store {
    /// The default merge of `ids` (two to [`MAX_MERGE`] live customers the
    /// actor may see): survivor, and per differing field the value kept.
    pub async fn merge_plan(&self, actor: &Actor, ids: &[CustomerId]) -> Result<MergePlan> {
        check_ids(ids)?;
        let mut records = Vec::with_capacity(ids.len());
        for id in ids {
            // A rep looking at a cluster beside a pool record sees its
            // numbers masked here as everywhere (only managers merge).
            records.push(self.customer(actor, *id).await?);
        }
        let order = rank(&records);
        let fields = field_choices(&records, &order, merge_fields(&records), |c| c.id, value_of);
        let records: Vec<Customer> = order.iter().map(|&i| records[i].clone()).collect();
        Ok(MergePlan {
            survivor: records[0].id,
            records,
            fields,
        })
    }

    /// Merges customers as `req` says, in one transaction, which also
    /// writes the `customer.merged` webhook event. Managers and
    /// administrators only, as deleting is.
    pub async fn merge_customers(&self, ctx: &Ctx, req: &MergeRequest) -> Result<Merge> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let mut ids = vec![req.survivor];
        ids.extend(req.merged.iter().copied());
        check_ids(&ids)?;
        let fields_known = |f: &str| {
            f.strip_prefix("custom.").is_some() || schema::CUSTOMER.iter().any(|s| s.name == f)
        };
        let mut invalid = Invalid::default();
        for (field, from) in &req.choose {
            if !fields_known(field) {
                invalid.push(format!("choose.{field}"), Code::UnknownField);
            } else if !ids.contains(from) {
                invalid.push(format!("choose.{field}"), Code::NotFound);
            }
        }
        invalid.into_result()?;

        let ctx = Ctx {
            source: ChangeSource::Merge,
            ..*ctx
        };
        let defs = self.field_defs().await?;
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let mut records = Vec::with_capacity(ids.len());
        for id in &ids {
            let mut c = locked(&mut tx, &ctx.actor, *id).await?;
            c.tags = tags_of(&mut tx, id.get()).await?;
            records.push(c);
        }
        let survivor = records[0].clone();
        let order = rank(&records);
        let input = survivor_input(&records, &order, &req.choose);

        let merge_id = tx
            .insert(
                q("INSERT INTO merges (survivor_id, source, rule_id, score, reasons, survivor_version, \
                   actor_id, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7) RETURNING id")
                .bind(survivor.id)
                .bind(if req.rule.is_some() { "rule" } else { "manual" })
                .bind(req.rule)
                .bind(req.score)
                .bind(json(&req.reasons)?)
                .bind(ctx.by())
                .bind(now),
            )
            .await?;

        // The others go to the bin first, so the survivor may take a value
        // only one live record may hold (an external id, a unique field).
        let merged: Vec<i64> = req.merged.iter().map(|c| c.get()).collect();
        for id in &merged {
            tx.execute(
                q(
                    "UPDATE customers SET deleted_at = $1, deleted_by = $2, merged_into = $3, \
                   updated_at = $1, updated_by = $2, version = version + 1 WHERE id = $4",
                )
                .bind(now)
                .bind(ctx.by())
                .bind(survivor.id)
                .bind(*id),
            )
            .await?;
            tx.execute(
                q("INSERT INTO merge_members (merge_id, customer_id) VALUES ($1, $2)")
                    .bind(merge_id)
                    .bind(*id),
            )
            .await?;
            let change = Change {
                field: "merged_into".into(),
                old: None,
                new: Some(survivor.id.to_string()),
            };
            write_history(&mut tx, "customer", *id, &[change], &ctx, now).await?;
        }
        move_attached(&mut tx, &ctx, merge_id, &merged, survivor.id, now).await?;

        let old_tags = survivor.tags.join(", ");
        let changes = update_in(&mut tx, &ctx, &defs, CustomerId(survivor.id), input, None).await?;
        let before: Vec<(String, Option<String>)> = changes
            .into_iter()
            .map(|c| {
                if c.field == "tags" {
                    (c.field, Some(old_tags.clone()).filter(|t| !t.is_empty()))
                } else {
                    (c.field, c.old)
                }
            })
            .collect();
        let merged_list = merged
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let change = Change {
            field: "merged".into(),
            old: None,
            new: Some(merged_list),
        };
        write_history(&mut tx, "customer", survivor.id, &[change], &ctx, now).await?;
        // Their orders came along: the survivor's purchase figures add up.
        for id in merged.iter().chain([&survivor.id]) {
            crate::orders::refresh_figures(&mut tx, &ctx, *id).await?;
        }
        // What undo puts back must not keep sensitive values in clear.
        let mut sealed_before = before.clone();
        crate::vault::values::seal_pairs(&tx.vault.clone(), &defs, &mut sealed_before)?;
        let (version,): (i64,) = tx
            .one(q("SELECT version FROM customers WHERE id = $1").bind(survivor.id))
            .await?;
        tx.execute(
            q("UPDATE merges SET survivor_changes = $1, survivor_version = $2 WHERE id = $3")
                .bind(json(&sealed_before)?)
                .bind(version)
                .bind(merge_id),
        )
        .await?;
        crate::webhooks::outbox::emit_merge(
            &mut tx,
            merge_id,
            CustomerId(survivor.id),
            &merged,
            &defs,
        )
        .await?;
        // The review queue's clusters holding these records are settled.
        tx.execute(
            q(format!(
                "UPDATE duplicate_clusters SET status = 'merged', merge_id = $1 WHERE status = 'open' \
                 AND id IN (SELECT cluster_id FROM duplicate_members WHERE customer_id IN ({}))",
                id_list(&ids.iter().map(|c| c.get()).collect::<Vec<_>>())
            ))
            .once()
            .bind(merge_id),
        )
        .await?;
        tx.commit().await?;
        self.merge(&ctx.actor, merge_id).await
    }

    /// A merge the actor may see (one whose survivor they may see).
    pub async fn merge(&self, actor: &Actor, id: i64) -> Result<Merge> {
        let row: Option<MergeRow> = self
            .db
            .optional(
                q(format!(
                    "SELECT m.id, m.survivor_id, m.source, m.rule_id, m.score, m.reasons, \
                     m.survivor_changes, m.actor_id, m.created_at, m.undone_at, m.undone_by \
                     FROM merges m JOIN customers c ON c.id = m.survivor_id WHERE m.id = $1 AND {}",
                    crate::customers::visible(actor.scope(), "c")
                ))
                .bind(id),
            )
            .await?;
        let row = row.ok_or(Error::NotFound)?;
        let merged: Vec<(i64,)> = self
            .db
            .all(
                q("SELECT customer_id FROM merge_members WHERE merge_id = $1 ORDER BY customer_id")
                    .bind(id),
            )
            .await?;
        let (moved,): (i64,) = self
            .db
            .one(q("SELECT COUNT(*) FROM merge_moves WHERE merge_id = $1").bind(id))
            .await?;
        row.into_merge(merged.into_iter().map(|(m,)| m).collect(), moved)
    }

    /// Merges that folded records into `survivor`, newest first.
    pub async fn merges_into(&self, actor: &Actor, survivor: CustomerId) -> Result<Vec<Merge>> {
        let ids: Vec<(i64,)> = self
            .db
            .all(
                q("SELECT id FROM merges WHERE survivor_id = $1 ORDER BY id DESC LIMIT 100")
                    .bind(survivor.get()),
            )
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.push(self.merge(actor, id).await?);
        }
        Ok(out)
    }

    /// The live record a merged customer's id now leads to, following
    /// merges of merges; `None` when `id` was not merged. Only a record
    /// the actor may see is returned.
    pub async fn merged_into(&self, actor: &Actor, id: CustomerId) -> Result<Option<CustomerId>> {
        let mut at = id.get();
        let mut moved = false;
        // A chain longer than this is not a chain of merges.
        for _ in 0..32 {
            let row: Option<(Option<i64>, Option<i64>)> = self
                .db
                .optional(q("SELECT merged_into, deleted_at FROM customers WHERE id = $1").bind(at))
                .await?;
            match row {
                Some((Some(next), Some(_))) => {
                    at = next;
                    moved = true;
                }
                Some((_, None)) if moved => {
                    return match self.customer_unmasked(actor, CustomerId(at)).await {
                        Ok(_) => Ok(Some(CustomerId(at))),
                        Err(Error::NotFound) => Ok(None),
                        Err(e) => Err(e),
                    };
                }
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Records that a person decided `a` and `b` are not duplicates: the
    /// pair is never proposed again.
    pub async fn mark_not_duplicate(&self, ctx: &Ctx, a: CustomerId, b: CustomerId) -> Result<()> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        if a == b {
            return Err(Invalid::one("ids", Code::NotUnique).into());
        }
        self.customer_unmasked(&ctx.actor, a).await?;
        self.customer_unmasked(&ctx.actor, b).await?;
        let mut tx = self.db.begin().await?;
        mark_not_duplicate_in(&mut tx, ctx, Entity::Customer, a.get(), b.get()).await?;
        tx.commit().await
    }

    /// Every pair marked as not duplicates, as (smaller id, larger id).
    pub async fn not_duplicates(&self) -> Result<BTreeSet<(i64, i64)>> {
        let rows: Vec<(i64, i64)> = self
            .db
            .all(q("SELECT a_id, b_id FROM not_duplicates"))
            .await?;
        Ok(rows.into_iter().collect())
    }
}

/// Two to [`MAX_MERGE`] distinct ids.
fn check_ids(ids: &[CustomerId]) -> Result<()> {
    check_id_list(&ids.iter().map(|c| c.get()).collect::<Vec<_>>())
}

/// Two to [`MAX_MERGE`] distinct ids of records of any kind.
pub(crate) fn check_id_list(ids: &[i64]) -> Result<()> {
    let distinct: BTreeSet<i64> = ids.iter().copied().collect();
    if ids.len() < 2 {
        return Err(Invalid::one("ids", Code::TooShort { min: 2 }).into());
    }
    if ids.len() > MAX_MERGE {
        return Err(Invalid::one("ids", Code::TooLong { max: MAX_MERGE }).into());
    }
    if distinct.len() != ids.len() {
        return Err(Invalid::one("ids", Code::NotUnique).into());
    }
    Ok(())
}

/// Moves every record attached to `merged` (binned ones too, so they come
/// back to the right customer if restored) to `survivor`, noting each move
/// for undo and in its history.
async fn move_attached(
    tx: &mut Tx,
    ctx: &Ctx,
    merge_id: i64,
    merged: &[i64],
    survivor: i64,
    now: i64,
) -> Result<()> {
    let list = id_list(merged);
    let mut moves = Vec::new();
    let mut history = Vec::new();
    for (table, entity) in ATTACHED {
        let rows: Vec<(i64, i64)> = tx
            .all(
                q(format!(
                    "SELECT id, customer_id FROM {table} WHERE customer_id IN ({list}) ORDER BY id"
                ))
                .once(),
            )
            .await?;
        if rows.is_empty() {
            continue;
        }
        tx.execute(
            q(format!(
                "UPDATE {table} SET customer_id = $1 WHERE customer_id IN ({list})"
            ))
            .once()
            .bind(survivor),
        )
        .await?;
        for (id, from) in rows {
            moves.extend([
                Arg::from(merge_id),
                (*entity).into(),
                id.into(),
                from.into(),
            ]);
            push_history(
                &mut history,
                entity,
                "customer_id",
                id,
                from,
                survivor,
                ctx,
                now,
            );
        }
    }
    tx.insert_rows(
        "merge_moves",
        &["merge_id", "entity", "entity_id", "from_id"],
        moves,
        false,
    )
    .await?;
    tx.insert_rows("history", HISTORY_COLUMNS, history, false)
        .await
}

/// A history row for a record moved from one record to another (its
/// `field`, e.g. `customer_id`, changed from `from` to `to`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn push_history(
    rows: &mut Vec<Arg>,
    entity: &str,
    field: &str,
    id: i64,
    from: i64,
    to: i64,
    ctx: &Ctx,
    now: i64,
) {
    rows.extend([
        Arg::from(entity),
        id.into(),
        field.into(),
        Some(from.to_string()).into(),
        Some(to.to_string()).into(),
        ctx.source.as_str().into(),
        ctx.by().into(),
        now.into(),
        ctx.batch.into(),
    ]);
}

pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(sqlx::FromRow)]
struct MergeRow {
    id: i64,
    survivor_id: i64,
    source: String,
    rule_id: Option<i64>,
    score: Option<f64>,
    reasons: String,
    survivor_changes: String,
    actor_id: Option<i64>,
    created_at: Time,
    undone_at: Option<Time>,
    undone_by: Option<i64>,
}

impl MergeRow {
    fn into_merge(self, merged_ids: Vec<i64>, moved: i64) -> Result<Merge> {
        let bad = |e: serde_json::Error| Error::internal(format!("merge {}: {e}", self.id));
        let reasons: Vec<String> = serde_json::from_str(&self.reasons).map_err(bad)?;
        let mut changes: Vec<(String, Option<String>)> =
            serde_json::from_str(&self.survivor_changes).map_err(bad)?;
        // Shown in lists of merges: sensitive values stay hidden there.
        for (_, value) in &mut changes {
            if value.as_deref().is_some_and(kehu_core::crypto::is_sealed) {
                *value = Some(crate::vault::values::HIDDEN.to_owned());
            }
        }
        Ok(Merge {
            id: self.id,
            survivor_id: self.survivor_id,
            merged_ids,
            source: self.source,
            rule_id: self.rule_id,
            score: self.score,
            reasons,
            changed_fields: changes.into_iter().map(|(f, _)| f).collect(),
            moved,
            actor_id: self.actor_id,
            created_at: self.created_at,
            undone_at: self.undone_at,
            undone_by: self.undone_by,
        })
    }
}
