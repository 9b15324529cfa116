//! Writing any record type with its history: one insert, update or delete
//! path for customers, contacts, interactions and tasks alike, so no record
//! type can change without leaving a trace in `history`.

use kehu_core::entry::{Kind, Patch, Spec, Stored};
use kehu_core::{Actor, ChangeSource, Role, UserId};

use crate::db::{decodes_as, q, stored_arg, Arg, Backend, Tx};
use crate::{now_ms, Error, Result};

/// Who is writing and through which door: stamped on records and history.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub actor: Actor,
    pub source: ChangeSource,
    /// The import or batch update this write belongs to: stamped on its
    /// history rows, which is how the batch is undone.
    pub batch: Option<i64>,
}

impl Ctx {
    pub fn new(actor: Actor, source: ChangeSource) -> Ctx {
        Ctx {
            actor,
            source,
            batch: None,
        }
    }

    /// kehu itself, acting from the command line (first administrator,
    /// demo data): an administrator that is no user.
    pub fn system(source: ChangeSource) -> Ctx {
        Ctx {
            actor: Actor {
                user_id: UserId(0),
                role: Role::Admin,
                team_id: None,
            },
            source,
            batch: None,
        }
    }

    /// The same writer, writing for a batch.
    pub fn in_batch(self, batch: i64) -> Ctx {
        Ctx {
            batch: Some(batch),
            ..self
        }
    }

    /// The user to stamp on rows; none for kehu itself.
    pub fn by(&self) -> Option<i64> {
        Some(self.actor.user_id.get()).filter(|id| *id > 0)
    }
}

/// A record type: its table, its name in history, and its settable fields.
pub(crate) struct Table {
    pub table: &'static str,
    pub entity: &'static str,
    pub specs: &'static [Spec],
}

/// One field's change, as history records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Table {
    fn spec(&self, name: &str) -> Result<&Spec> {
        self.specs
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| Error::internal(format!("{} has no field {name}", self.table)))
    }

    /// Inserts a record from the fields set in `patch` plus `extra` columns,
    /// stamps creation, and writes a `created` history row.
    pub async fn insert(
        &self,
        tx: &mut Tx,
        patch: &Patch,
        extra: Vec<(&'static str, Arg)>,
        ctx: &Ctx,
    ) -> Result<i64> {
        let now = now_ms();
        let mut columns = Vec::new();
        let mut args = Vec::new();
        for (name, value) in &patch.set {
            if value.is_some() {
                columns.push(*name);
                args.push(stored_arg(self.spec(name)?.kind, value.clone()));
            }
        }
        for (name, arg) in extra {
            columns.push(name);
            args.push(arg);
        }
        let uid = ctx.by();
        for (name, arg) in [
            ("created_at", Arg::from(now)),
            ("created_by", uid.into()),
            ("updated_at", now.into()),
            ("updated_by", uid.into()),
        ] {
            columns.push(name);
            args.push(arg);
        }
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let mut stmt = q(format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING id",
            self.table,
            columns.join(", "),
            placeholders.join(", ")
        ));
        for arg in args {
            stmt = stmt.bind(arg);
        }
        let id = tx.insert(stmt).await?;
        let created = Change {
            field: "created".into(),
            old: None,
            new: None,
        };
        write_history(tx, self.entity, id, &[created], ctx, now).await?;
        Ok(id)
    }

    /// Applies `patch` (and `extra` columns, already checked by the caller)
    /// to a live record, bumping its version. Only fields whose value really
    /// changes are written and recorded. With `expected_version`, a record
    /// changed by someone else in the meantime is a conflict.
    pub async fn update(
        &self,
        tx: &mut Tx,
        id: i64,
        patch: &Patch,
        extra: Vec<(&'static str, Kind, Option<Stored>)>,
        ctx: &Ctx,
        expected_version: Option<i64>,
    ) -> Result<Vec<Change>> {
        let names: Vec<&str> = patch.set.iter().map(|(n, _)| *n).collect();
        let mut shapes = vec![Stored::Int(0)];
        for name in &names {
            shapes.push(decodes_as(self.spec(name)?.kind));
        }
        let extra_names: Vec<&str> = extra.iter().map(|(n, _, _)| *n).collect();
        for (_, kind, _) in &extra {
            shapes.push(decodes_as(*kind));
        }
        let mut select = vec!["version"];
        select.extend(&names);
        select.extend(&extra_names);
        let lock = if tx.backend() == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let current = tx
            .values(
                q(format!(
                    "SELECT {} FROM {} WHERE id = $1 AND deleted_at IS NULL{lock}",
                    select.join(", "),
                    self.table
                ))
                .bind(id),
                &shapes,
            )
            .await?
            .ok_or(Error::NotFound)?;
        let version = current[0].as_ref().and_then(Stored::as_int).unwrap_or(0);
        if expected_version.is_some_and(|v| v != version) {
            return Err(Error::Conflict("version"));
        }
        let mut changes = Vec::new();
        let mut sets = Vec::new();
        let mut args = Vec::new();
        for (i, (name, new)) in patch.set.iter().enumerate() {
            let old = &current[i + 1];
            if old != new {
                changes.push(change(name, old, new));
                sets.push(*name);
                args.push(stored_arg(self.spec(name)?.kind, new.clone()));
            }
        }
        for (i, (name, kind, new)) in extra.into_iter().enumerate() {
            let old = &current[names.len() + 1 + i];
            if *old != new {
                changes.push(change(name, old, &new));
                sets.push(name);
                args.push(stored_arg(kind, new));
            }
        }
        if changes.is_empty() {
            return Ok(changes);
        }
        let now = now_ms();
        let mut assignments: Vec<String> = sets
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let n = sets.len();
        assignments.push(format!("updated_at = ${}", n + 1));
        assignments.push(format!("updated_by = ${}", n + 2));
        assignments.push("version = version + 1".into());
        let mut stmt = q(format!(
            "UPDATE {} SET {} WHERE id = ${} AND deleted_at IS NULL",
            self.table,
            assignments.join(", "),
            n + 3
        ));
        for arg in args {
            stmt = stmt.bind(arg);
        }
        stmt = stmt.bind(now).bind(ctx.by()).bind(id);
        tx.execute(stmt).await?;
        write_history(tx, self.entity, id, &changes, ctx, now).await?;
        Ok(changes)
    }

    /// Soft-deletes a live record, so it can be restored.
    pub async fn delete(&self, tx: &mut Tx, id: i64, ctx: &Ctx) -> Result<()> {
        self.set_deleted(tx, id, ctx, true).await
    }

    pub async fn restore(&self, tx: &mut Tx, id: i64, ctx: &Ctx) -> Result<()> {
        self.set_deleted(tx, id, ctx, false).await
    }

    async fn set_deleted(&self, tx: &mut Tx, id: i64, ctx: &Ctx, delete: bool) -> Result<()> {
        let now = now_ms();
        let (set, when, field) = if delete {
            ("deleted_at = $1", "deleted_at IS NULL", "deleted")
        } else {
            ("deleted_at = NULL", "deleted_at IS NOT NULL", "restored")
        };
        let n = tx
            .execute(
                q(format!(
                    "UPDATE {} SET {set}, updated_at = $1, updated_by = $2, version = version + 1 \
                     WHERE id = $3 AND {when}",
                    self.table
                ))
                .bind(now)
                .bind(ctx.by())
                .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        let change = Change {
            field: field.into(),
            old: None,
            new: None,
        };
        write_history(tx, self.entity, id, &[change], ctx, now).await
    }
}

fn change(field: &str, old: &Option<Stored>, new: &Option<Stored>) -> Change {
    Change {
        field: field.to_owned(),
        old: old.as_ref().map(Stored::to_history),
        new: new.as_ref().map(Stored::to_history),
    }
}

/// Appends history rows.
pub(crate) async fn write_history(
    tx: &mut Tx,
    entity: &str,
    id: i64,
    changes: &[Change],
    ctx: &Ctx,
    at: i64,
) -> Result<()> {
    let mut rows = Vec::with_capacity(changes.len() * HISTORY_COLUMNS.len());
    for c in changes {
        rows.extend([
            entity.into(),
            id.into(),
            c.field.as_str().into(),
            c.old.clone().into(),
            c.new.clone().into(),
            ctx.source.as_str().into(),
            ctx.by().into(),
            at.into(),
            ctx.batch.into(),
        ]);
    }
    tx.insert_rows("history", HISTORY_COLUMNS, rows, false)
        .await
}

pub(crate) const HISTORY_COLUMNS: &[&str] = &[
    "entity",
    "entity_id",
    "field",
    "old_value",
    "new_value",
    "source",
    "actor_id",
    "at",
    "batch_id",
];
