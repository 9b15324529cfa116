//! Merging duplicate contacts of one customer, and undoing it.
//!
//! The same person is often entered twice as a contact of a company (by
//! two reps, or once by hand and once from a business card import). A
//! merge keeps one contact with the chosen value of each field, moves the
//! follow-ups that named the others to it, and puts the others in the bin;
//! what it changed is kept so undo restores all of it exactly.

use std::collections::BTreeMap;

use kehu_core::{ChangeSource, Code, ContactId, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{json, q, Arg, Tx};
use crate::dedupe::{mark_not_duplicate_in, Entity};
use crate::merge::{
    check_id_list, field_choices, first_having, id_list, push_history, FieldChoice,
};
use crate::records::{Contact, CONTACT_COLUMNS as COLUMNS};
use crate::time::Time;
use crate::write::{write_history, Change, Ctx, HISTORY_COLUMNS};
use crate::{now_ms, Error, Result, Store};

/// The fields a contact merge chooses between.
const FIELDS: &[&str] = &[
    "name",
    "country",
    "title",
    "gender",
    "birth_date",
    "language",
    "mobile",
    "phone",
    "email",
    "notes",
];

/// What to merge: `survivor` stays, `merged` go; per field, the contact
/// whose value is kept (others: the most complete contact's, else the
/// most recently updated one's).
#[derive(Debug, Clone)]
pub struct ContactMergeRequest {
    pub survivor: ContactId,
    pub merged: Vec<ContactId>,
    pub choose: BTreeMap<String, ContactId>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactMerge {
    pub id: i64,
    pub survivor_id: i64,
    pub merged_ids: Vec<i64>,
    pub changed_fields: Vec<String>,
    /// Follow-ups moved to the survivor.
    pub moved: i64,
    pub actor_id: Option<i64>,
    pub created_at: Time,
    pub undone_at: Option<Time>,
    pub undone_by: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UndoContactMerge {
    pub merge: ContactMerge,
    pub done: bool,
    /// `survivor_changed` when undo would overwrite a later edit.
    pub conflicts: Vec<String>,
}

/// The default merge of some contacts, for a person to adjust.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactMergePlan {
    /// Best first.
    pub records: Vec<Contact>,
    pub survivor: i64,
    pub fields: Vec<FieldChoice>,
}

fn value_of<'a>(c: &'a Contact, field: &str) -> Option<&'a str> {
    match field {
        "name" => Some(c.name.as_str()),
        "country" => Some(c.country.as_str()),
        "title" => c.title.as_deref(),
        "gender" => c.gender.as_deref(),
        "birth_date" => c.birth_date.as_deref(),
        "language" => c.language.as_deref(),
        "mobile" => c.mobile.as_deref(),
        "phone" => c.phone.as_deref(),
        "email" => c.email.as_deref(),
        "notes" => c.notes.as_deref(),
        _ => None,
    }
    .filter(|v| !v.is_empty())
}

/// The most complete contact first, then the most recently updated.
fn rank(records: &[Contact]) -> Vec<usize> {
    let filled = |c: &Contact| FIELDS.iter().filter(|f| value_of(c, f).is_some()).count();
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&records[a], &records[b]);
        filled(rb)
            .cmp(&filled(ra))
            .then(rb.updated_at.cmp(&ra.updated_at))
            .then(rb.id.cmp(&ra.id))
    });
    order
}

fn default_choice(records: &[Contact], order: &[usize], field: &str) -> usize {
    first_having(order, |i| value_of(&records[i], field).is_some())
}

fn check_ids(ids: &[ContactId]) -> Result<()> {
    check_id_list(&ids.iter().map(|c| c.get()).collect::<Vec<_>>())
}

/// A new version of a contact, by the actor, now.
async fn touch(tx: &mut Tx, ctx: &Ctx, id: i64, now: i64) -> Result<()> {
    tx.execute(
        q(
            "UPDATE contacts SET version = version + 1, updated_at = $1, updated_by = $2 \
           WHERE id = $3",
        )
        .bind(now)
        .bind(ctx.by())
        .bind(id),
    )
    .await?;
    Ok(())
}

/// Live contacts of live customers the actor may see, in the order asked.
async fn read(tx: &mut Tx, ctx: &Ctx, ids: &[ContactId]) -> Result<Vec<Contact>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let c: Option<Contact> = tx
            .optional(
                q(format!(
                    "SELECT {COLUMNS} FROM contacts x JOIN customers c ON c.id = x.customer_id \
                     WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND {} AND x.id = $1",
                    crate::customers::visible(ctx.actor.scope(), "c")
                ))
                .bind(id.get()),
            )
            .await?;
        out.push(c.ok_or(Error::NotFound)?);
    }
    if out.iter().any(|c| c.customer_id != out[0].customer_id) {
        return Err(Invalid::one("ids", Code::Mismatch).into());
    }
    Ok(out)
}

impl Store {
    /// What merging these contacts (of one customer) keeps by default.
    pub async fn contact_merge_plan(
        &self,
        ctx: &Ctx,
        ids: &[ContactId],
    ) -> Result<ContactMergePlan> {
        check_ids(ids)?;
        let mut tx = self.db.begin().await?;
        let mut records = read(&mut tx, ctx, ids).await?;
        // Shown as the reader sees the customer's contacts: masked for a
        // rep when the customer is in the pool.
        let (owner,): (Option<i64>,) = tx
            .one(q("SELECT owner_id FROM customers WHERE id = $1").bind(records[0].customer_id))
            .await?;
        tx.commit().await?;
        for c in &mut records {
            crate::mask::contact(&ctx.actor, owner, c);
        }
        let order = rank(&records);
        let fields = field_choices(
            &records,
            &order,
            FIELDS.iter().map(|f| (*f).to_owned()),
            |c| c.id,
            |c, f| value_of(c, f).map(str::to_owned),
        );
        let records: Vec<Contact> = order.iter().map(|&i| records[i].clone()).collect();
        Ok(ContactMergePlan {
            survivor: records[0].id,
            records,
            fields,
        })
    }

    /// Merges contacts of one customer in one transaction. Managers and
    /// administrators, as with customers.
    pub async fn merge_contacts(
        &self,
        ctx: &Ctx,
        req: &ContactMergeRequest,
    ) -> Result<ContactMerge> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let mut ids = vec![req.survivor];
        ids.extend(req.merged.iter().copied());
        check_ids(&ids)?;
        let mut invalid = Invalid::default();
        for (field, from) in &req.choose {
            if !FIELDS.contains(&field.as_str()) {
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
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let records = read(&mut tx, &ctx, &ids).await?;
        let survivor = records[0].clone();
        let order = rank(&records);

        let merge_id = tx
            .insert(
                q("INSERT INTO contact_merges (survivor_id, survivor_version, actor_id, created_at) \
                   VALUES ($1, 0, $2, $3) RETURNING id")
                .bind(survivor.id)
                .bind(ctx.by())
                .bind(now),
            )
            .await?;
        let merged: Vec<i64> = req.merged.iter().map(|c| c.get()).collect();
        for id in &merged {
            tx.execute(
                q(
                    "UPDATE contacts SET deleted_at = $1, updated_at = $1, updated_by = $2, \
                   version = version + 1 WHERE id = $3",
                )
                .bind(now)
                .bind(ctx.by())
                .bind(*id),
            )
            .await?;
            tx.execute(
                q("INSERT INTO contact_merge_members (merge_id, contact_id) VALUES ($1, $2)")
                    .bind(merge_id)
                    .bind(*id),
            )
            .await?;
            let change = Change {
                field: "merged_into".into(),
                old: None,
                new: Some(survivor.id.to_string()),
            };
            write_history(&mut tx, "contact", *id, &[change], &ctx, now).await?;
        }

        // Follow-ups that named a merged contact now name the survivor.
        let list = id_list(&merged);
        let moved: Vec<(i64, i64)> = tx
            .all(
                q(format!(
                    "SELECT id, contact_id FROM interactions WHERE contact_id IN ({list}) ORDER BY id"
                ))
                .once(),
            )
            .await?;
        tx.execute(
            q(format!(
                "UPDATE interactions SET contact_id = $1 WHERE contact_id IN ({list})"
            ))
            .once()
            .bind(survivor.id),
        )
        .await?;
        let (mut moves, mut history) = (Vec::new(), Vec::new());
        for (id, from) in &moved {
            moves.extend([Arg::from(merge_id), Arg::from(*id), Arg::from(*from)]);
            push_history(
                &mut history,
                "interaction",
                "contact_id",
                *id,
                *from,
                survivor.id,
                &ctx,
                now,
            );
        }
        tx.insert_rows(
            "contact_merge_moves",
            &["merge_id", "interaction_id", "from_id"],
            moves,
            false,
        )
        .await?;
        tx.insert_rows("history", HISTORY_COLUMNS, history, false)
            .await?;

        // The survivor takes the chosen values.
        let mut changes = Vec::new();
        for field in FIELDS {
            let from = match req.choose.get(*field) {
                Some(id) => records.iter().position(|c| c.id == id.get()).unwrap_or(0),
                None => default_choice(&records, &order, field),
            };
            let (old, new) = (value_of(&survivor, field), value_of(&records[from], field));
            if new.is_some() && old != new {
                changes.push(Change {
                    field: (*field).to_owned(),
                    old: old.map(str::to_owned),
                    new: new.map(str::to_owned),
                });
            }
        }
        if records.iter().any(|c| c.is_primary) && !survivor.is_primary {
            changes.push(Change {
                field: "is_primary".into(),
                old: Some("false".into()),
                new: Some("true".into()),
            });
        }
        for change in &changes {
            let value: Arg = if change.field == "is_primary" {
                Arg::from(true)
            } else {
                Arg::from(change.new.clone())
            };
            tx.execute(
                q(format!(
                    "UPDATE contacts SET {} = $1 WHERE id = $2",
                    change.field
                ))
                .bind(value)
                .bind(survivor.id),
            )
            .await?;
        }
        touch(&mut tx, &ctx, survivor.id, now).await?;
        let mut all = changes.clone();
        all.push(Change {
            field: "merged".into(),
            old: None,
            new: Some(list.clone()),
        });
        write_history(&mut tx, "contact", survivor.id, &all, &ctx, now).await?;
        let before: Vec<(String, Option<String>)> =
            changes.into_iter().map(|c| (c.field, c.old)).collect();
        let (version,): (i64,) = tx
            .one(q("SELECT version FROM contacts WHERE id = $1").bind(survivor.id))
            .await?;
        tx.execute(
            q("UPDATE contact_merges SET survivor_changes = $1, survivor_version = $2 WHERE id = $3")
                .bind(json(&before)?)
                .bind(version)
                .bind(merge_id),
        )
        .await?;
        let all_ids: Vec<i64> = ids.iter().map(|c| c.get()).collect();
        tx.execute(
            q(format!(
                "UPDATE duplicate_clusters SET status = 'merged', contact_merge_id = $1 \
                 WHERE status = 'open' AND entity = 'contact' AND id IN \
                 (SELECT cluster_id FROM contact_duplicate_members WHERE contact_id IN ({}))",
                id_list(&all_ids)
            ))
            .once()
            .bind(merge_id),
        )
        .await?;
        tx.commit().await?;
        self.contact_merge(&ctx, merge_id).await
    }

    /// Records that contacts `a` and `b` are two people: never proposed as
    /// duplicates again, and out of the review queue.
    pub async fn mark_contacts_not_duplicate(
        &self,
        ctx: &Ctx,
        a: ContactId,
        b: ContactId,
    ) -> Result<()> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        if a == b {
            return Err(Invalid::one("ids", Code::NotUnique).into());
        }
        self.contact_unmasked(&ctx.actor, a).await?;
        self.contact_unmasked(&ctx.actor, b).await?;
        let mut tx = self.db.begin().await?;
        mark_not_duplicate_in(&mut tx, ctx, Entity::Contact, a.get(), b.get()).await?;
        tx.commit().await
    }

    /// A contact merge whose survivor's customer the actor may see.
    pub async fn contact_merge(&self, ctx: &Ctx, id: i64) -> Result<ContactMerge> {
        let row: Option<MergeRow> = self
            .db
            .optional(
                q(format!(
                    "SELECT m.id, m.survivor_id, m.survivor_changes, m.actor_id, m.created_at, \
                     m.undone_at, m.undone_by FROM contact_merges m \
                     JOIN contacts x ON x.id = m.survivor_id JOIN customers c ON c.id = x.customer_id \
                     WHERE m.id = $1 AND {}",
                    crate::customers::visible(ctx.actor.scope(), "c")
                ))
                .bind(id),
            )
            .await?;
        let row = row.ok_or(Error::NotFound)?;
        let merged: Vec<(i64,)> = self
            .db
            .all(
                q(
                    "SELECT contact_id FROM contact_merge_members WHERE merge_id = $1 \
                   ORDER BY contact_id",
                )
                .bind(id),
            )
            .await?;
        let (moved,): (i64,) = self
            .db
            .one(q("SELECT COUNT(*) FROM contact_merge_moves WHERE merge_id = $1").bind(id))
            .await?;
        let changes: Vec<(String, Option<String>)> = serde_json::from_str(&row.survivor_changes)
            .map_err(|e| Error::internal(format!("contact merge {id}: {e}")))?;
        Ok(ContactMerge {
            id: row.id,
            survivor_id: row.survivor_id,
            merged_ids: merged.into_iter().map(|(m,)| m).collect(),
            changed_fields: changes.into_iter().map(|(f, _)| f).collect(),
            moved,
            actor_id: row.actor_id,
            created_at: row.created_at,
            undone_at: row.undone_at,
            undone_by: row.undone_by,
        })
    }

    /// Undoes a contact merge: the survivor's fields as they were, the
    /// merged contacts out of the bin, the follow-ups back. Asks first
    /// (changes nothing) when the survivor was edited since, unless `force`.
    pub async fn undo_contact_merge(
        &self,
        ctx: &Ctx,
        id: i64,
        force: bool,
    ) -> Result<UndoContactMerge> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let merge = self.contact_merge(ctx, id).await?;
        if merge.undone_at.is_some() {
            return Err(Error::Conflict("already_undone"));
        }
        let ctx = Ctx {
            source: ChangeSource::Merge,
            ..*ctx
        };
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let (changes, version_after): (String, i64) = tx
            .one(
                q("SELECT survivor_changes, survivor_version FROM contact_merges WHERE id = $1")
                    .bind(id),
            )
            .await?;
        let current: Option<(i64,)> = tx
            .optional(
                q("SELECT version FROM contacts WHERE id = $1 AND deleted_at IS NULL")
                    .bind(merge.survivor_id),
            )
            .await?;
        let Some((version,)) = current else {
            return Err(Error::Conflict("survivor_gone"));
        };
        if version != version_after && !force {
            return Ok(UndoContactMerge {
                merge,
                done: false,
                conflicts: vec!["survivor_changed".into()],
            });
        }
        let changes: Vec<(String, Option<String>)> = serde_json::from_str(&changes)
            .map_err(|e| Error::internal(format!("contact merge {id}: {e}")))?;
        let mut history = Vec::new();
        for (field, old) in &changes {
            if !FIELDS.contains(&field.as_str()) && field != "is_primary" {
                continue;
            }
            let value: Arg = if field == "is_primary" {
                Arg::from(old.as_deref() == Some("true"))
            } else {
                Arg::from(old.clone())
            };
            tx.execute(
                q(format!("UPDATE contacts SET {field} = $1 WHERE id = $2"))
                    .bind(value)
                    .bind(merge.survivor_id),
            )
            .await?;
            history.push(Change {
                field: field.clone(),
                old: None,
                new: old.clone(),
            });
        }
        touch(&mut tx, &ctx, merge.survivor_id, now).await?;
        history.push(Change {
            field: "merged".into(),
            old: Some(id_list(&merge.merged_ids)),
            new: None,
        });
        write_history(&mut tx, "contact", merge.survivor_id, &history, &ctx, now).await?;
        for m in &merge.merged_ids {
            tx.execute(
                q(
                    "UPDATE contacts SET deleted_at = NULL, updated_at = $1, updated_by = $2, \
                   version = version + 1 WHERE id = $3",
                )
                .bind(now)
                .bind(ctx.by())
                .bind(*m),
            )
            .await?;
            let change = Change {
                field: "merged_into".into(),
                old: Some(merge.survivor_id.to_string()),
                new: None,
            };
            write_history(&mut tx, "contact", *m, &[change], &ctx, now).await?;
        }
        let moves: Vec<(i64, i64)> = tx
            .all(
                q("SELECT interaction_id, from_id FROM contact_merge_moves WHERE merge_id = $1")
                    .bind(id),
            )
            .await?;
        let mut rows = Vec::new();
        for (interaction, from) in moves {
            tx.execute(
                q("UPDATE interactions SET contact_id = $1 WHERE id = $2")
                    .bind(from)
                    .bind(interaction),
            )
            .await?;
            push_history(
                &mut rows,
                "interaction",
                "contact_id",
                interaction,
                merge.survivor_id,
                from,
                &ctx,
                now,
            );
        }
        tx.insert_rows("history", HISTORY_COLUMNS, rows, false)
            .await?;
        tx.execute(
            q("UPDATE contact_merges SET undone_at = $1, undone_by = $2 WHERE id = $3")
                .bind(now)
                .bind(ctx.by())
                .bind(id),
        )
        .await?;
        // Duplicates again: back in the review queue.
        tx.execute(
            q(
                "UPDATE duplicate_clusters SET status = 'open', contact_merge_id = NULL \
               WHERE contact_merge_id = $1",
            )
            .bind(id),
        )
        .await?;
        tx.commit().await?;
        Ok(UndoContactMerge {
            merge: self.contact_merge(&ctx, id).await?,
            done: true,
            conflicts: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct MergeRow {
    id: i64,
    survivor_id: i64,
    survivor_changes: String,
    actor_id: Option<i64>,
    created_at: Time,
    undone_at: Option<Time>,
    undone_by: Option<i64>,
}
