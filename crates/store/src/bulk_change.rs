//! Changing many customers at once (批量修改): a new owner, a tag added or
//! removed, a new stage. Each record goes through the same update path as
//! a single edit, so permissions, the team that follows the owner and the
//! history rows are the same. Work is done a chunk of records per
//! transaction, so a change over a whole filter neither holds one giant
//! transaction nor loads every id at once.
//!
//! (Not to be confused with [`crate::bulk`], the path that loads millions
//! of new rows.)

use std::collections::HashMap;

use kehu_core::entry::{parse_object_in, Mode, Patch};
use kehu_core::{schema, Code, CustomerId, Invalid, UserId};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::customers::{assign_owner, update_in, CustomerInput};
use crate::db::{q, Tx};
use crate::list::CustomerFilter;
use crate::tags::tag_name;
use crate::write::Ctx;
use crate::{Error, Result, Store};

/// The most ids one request may name; larger selections go by filter.
pub const MAX_IDS: usize = 10_000;
/// Records changed per transaction.
const CHUNK: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkChange {
    /// A new owner; `None` returns the records to the shared pool.
    Owner(Option<UserId>),
    AddTag(String),
    RemoveTag(String),
    Stage(String),
}

/// Which records to change: named ones, or all that a list filter finds.
#[derive(Debug, Clone)]
pub enum Selection {
    Ids(Vec<CustomerId>),
    Filter(Box<CustomerFilter>),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct BulkOutcome {
    /// Records selected that the actor may see.
    pub matched: u64,
    /// Of those, the ones that really changed (and got a history row).
    pub changed: u64,
    /// The batch the change was recorded as: `kehu import undo` (or the
    /// imports page) takes it back.
    pub batch_id: Option<i64>,
}

impl BulkChange {
    /// The change in a few words, kept with its batch.
    fn describe(&self) -> String {
        match self {
            BulkChange::Owner(Some(id)) => format!("owner_id={}", id.get()),
            BulkChange::Owner(None) => "owner_id=none".into(),
            BulkChange::AddTag(t) => format!("+tag={t}"),
            BulkChange::RemoveTag(t) => format!("-tag={t}"),
            BulkChange::Stage(s) => format!("stage={s}"),
        }
    }
}

/// A change checked once, before any record is touched.
enum Checked {
    Fields(Patch),
    AddTag(String),
    RemoveTag(String),
}

impl Store {
    /// Applies `change` to every selected record the actor may see. Ids
    /// the actor cannot see are silently not matched. Bad input is refused
    /// before anything changes; a database failure half-way keeps the
    /// chunks already committed.
    pub async fn bulk_change(
        &self,
        ctx: &Ctx,
        selection: Selection,
        change: BulkChange,
    ) -> Result<BulkOutcome> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        if let Selection::Ids(ids) = &selection {
            if ids.len() > MAX_IDS {
                return Err(Invalid::one("ids", Code::TooManyValues { max: MAX_IDS }).into());
            }
        }
        let description = change.describe();
        let change = self.check_change(ctx, change).await?;
        let options = crate::import::ImportOptions {
            kind: crate::import::BatchKind::Update,
            policy: crate::import::Policy::Overwrite,
            headers: Vec::new(),
            mapping: Vec::new(),
            sheet: None,
            header_row: None,
            strict: false,
            description: Some(description.clone()),
        };
        let batch = self
            .begin_import(ctx, &description, None, None, &options)
            .await?;
        let ctx = &ctx.in_batch(batch.id);
        let mut outcome = BulkOutcome {
            batch_id: Some(batch.id),
            ..BulkOutcome::default()
        };
        match selection {
            Selection::Ids(mut ids) => {
                ids.sort();
                ids.dedup();
                for chunk in ids.chunks(CHUNK) {
                    self.change_chunk(ctx, chunk, &change, &mut outcome).await?;
                }
            }
            Selection::Filter(filter) => {
                let mut walk = filter.walk(CHUNK as u64);
                loop {
                    let page = self.list_customers(&ctx.actor, &walk).await?;
                    let ids: Vec<CustomerId> =
                        page.items.iter().map(|c| CustomerId(c.id)).collect();
                    self.change_chunk(ctx, &ids, &change, &mut outcome).await?;
                    match page.next_cursor {
                        Some(cursor) => walk.resume(&cursor)?,
                        None => break,
                    }
                }
            }
        }
        self.finish_bulk_batch(&batch, &outcome).await?;
        Ok(outcome)
    }

    async fn check_change(&self, ctx: &Ctx, change: BulkChange) -> Result<Checked> {
        // Values set on many records at once are read by the instance's
        // country's rules, or by the country the change itself sets.
        let home = self.default_country().await?;
        let fields = |object: Value| {
            let object = object.as_object().cloned().unwrap_or_default();
            parse_object_in(&object, schema::CUSTOMER, &[], Mode::Update, home)
        };
        Ok(match change {
            BulkChange::Owner(owner) => {
                if !ctx.actor.may_assign_owner() {
                    return Err(Invalid::one("owner_id", Code::ReadOnly).into());
                }
                let patch = fields(json!({ "owner_id": owner.map(UserId::get) }))?;
                // The owner must be an active user the actor may hand
                // records to: decided as for one record, then rolled back.
                let mut tx = self.db.begin().await?;
                assign_owner(&mut tx, &ctx.actor, &patch, None).await?;
                drop(tx);
                Checked::Fields(patch)
            }
            BulkChange::Stage(stage) => Checked::Fields(fields(json!({ "stage": stage }))?),
            BulkChange::AddTag(tag) => {
                Checked::AddTag(tag_name(&tag).map_err(|c| Invalid::one("tag", c))?)
            }
            BulkChange::RemoveTag(tag) => {
                let tag = tag_name(&tag).map_err(|c| Invalid::one("tag", c))?;
                let known: Option<(i64,)> = self
                    .db
                    .optional(q("SELECT id FROM tags WHERE name = $1").bind(&tag))
                    .await?;
                if known.is_none() {
                    return Err(Invalid::one("tag", Code::NotFound).into());
                }
                Checked::RemoveTag(tag)
            }
        })
    }

    /// Changes one chunk of records in one transaction.
    async fn change_chunk(
        &self,
        ctx: &Ctx,
        ids: &[CustomerId],
        change: &Checked,
        outcome: &mut BulkOutcome,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        let mut tags = match change {
            Checked::Fields(_) => HashMap::new(),
            _ => tags_of(&mut tx, ids).await?,
        };
        let mut done = BulkOutcome::default();
        for id in ids {
            let input = match change {
                Checked::Fields(patch) => CustomerInput {
                    patch: patch.clone(),
                    ..Default::default()
                },
                Checked::AddTag(tag) | Checked::RemoveTag(tag) => {
                    let mut list = tags.remove(&id.get()).unwrap_or_default();
                    list.retain(|t| t != tag);
                    if matches!(change, Checked::AddTag(_)) {
                        list.push(tag.clone());
                    }
                    CustomerInput {
                        tags: Some(list),
                        ..Default::default()
                    }
                }
            };
            // Custom values are never part of a bulk change, so no field
            // definitions are needed.
            match update_in(&mut tx, ctx, &[], *id, input, None).await {
                Ok(changes) => {
                    done.matched += 1;
                    done.changed += u64::from(!changes.is_empty());
                }
                // Deleted, or not the actor's to see.
                Err(Error::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        outcome.matched += done.matched;
        outcome.changed += done.changed;
        Ok(())
    }
}

/// The tags of the given customers, read inside `tx`.
async fn tags_of(tx: &mut Tx, ids: &[CustomerId]) -> Result<HashMap<i64, Vec<String>>> {
    // Ids are integers, so formatting them in is safe.
    let list: Vec<String> = ids.iter().map(|id| id.get().to_string()).collect();
    let rows: Vec<(i64, String)> = tx
        .all(q(format!(
            "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id \
             WHERE ct.customer_id IN ({})",
            list.join(", ")
        )))
        .await?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in rows {
        out.entry(id).or_default().push(name);
    }
    Ok(out)
}
