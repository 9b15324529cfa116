//! Sweeps bring every stored value under the current key: clear text left
//! from before encryption (or from before a field was marked sensitive) is
//! sealed, values sealed under an older key are sealed again. Each sweep
//! walks one table by id in batches; a batch commits with the id it
//! reached, so a sweep that is stopped goes on from there when run again.
//! Once nothing uses an old key it is retired.

use std::collections::BTreeMap;

use kehu_core::field::FieldDef;
use serde::Serialize;
use serde_json::{Map, Value};

use super::values::{index_custom, open_custom, reseal_history, seal_custom, seal_pairs};
use super::{KeyError, Vault};
use crate::db::q;
use crate::{now_ms, Error, Result, Store};

/// The PostgreSQL advisory lock batches of sweeps take ("kehu", 0018).
const SWEEP_LOCK: i64 = 0x6b65_6875_0018;

/// The tables that hold sealed values, in the order sweeps run.
pub const TABLES: &[&str] = &[
    "customers",
    "history",
    "merges",
    "webhook_endpoints",
    "users",
    "import_issues",
    "uploads",
];

/// A column whose values are sealed whole: stored secrets, the cells of
/// import rows kept as rejected or skipped (a row of a customer list is
/// personal data, whatever its columns), and the keys of uploaded files.
struct SealedColumn {
    table: &'static str,
    column: &'static str,
    /// What the values are sealed for (the AAD).
    aad: fn() -> String,
}

const SEALED_COLUMNS: &[SealedColumn] = &[
    SealedColumn {
        table: "webhook_endpoints",
        column: "secret",
        aad: || super::Secret::aad(crate::webhooks::SECRET_PURPOSE),
    },
    SealedColumn {
        table: "users",
        column: "totp_secret",
        aad: || super::Secret::aad(crate::two_factor::SECRET_PURPOSE),
    },
    SealedColumn {
        table: "import_issues",
        column: "cells",
        aad: || crate::import::ISSUE_CELLS.to_owned(),
    },
    SealedColumn {
        table: "uploads",
        column: "file_key",
        aad: || crate::import::UPLOAD_KEY.to_owned(),
    },
];

fn sealed_column(table: &str) -> Option<&'static SealedColumn> {
    SEALED_COLUMNS.iter().find(|c| c.table == table)
}

/// The key a sweep walks a table's rows by: `id`, but import issues are
/// keyed by batch and row, so SQLite's rowid or PostgreSQL's `seq`.
fn row_key(table: &str, backend: crate::Backend) -> &'static str {
    match (table, backend) {
        ("import_issues", crate::Backend::Sqlite) => "rowid",
        ("import_issues", crate::Backend::Postgres) => "seq",
        _ => "id",
    }
}

/// What a run of [`Store::sweep`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Rows whose values were sealed or sealed again.
    pub rows: u64,
    pub batches: u64,
    /// Every table is done: all its values are under the current key.
    pub finished: bool,
}

/// How many stored values one key seals, per table.
#[derive(Debug, Clone, Serialize)]
pub struct KeyUse {
    pub id: String,
    pub current: bool,
    pub added_at: i64,
    pub retired_at: Option<i64>,
    /// Rows (customers, history entries, merges, webhook endpoints, users
    /// with two-factor sign-in, kept import rows, uploads) with a value
    /// sealed under this key, per table.
    pub rows: BTreeMap<String, i64>,
}

impl KeyUse {
    pub fn in_use(&self) -> bool {
        self.rows.values().any(|n| *n > 0)
    }
}

#[derive(sqlx::FromRow)]
struct SweepState {
    key_id: String,
    fields: String,
    after_id: i64,
    finished_at: Option<i64>,
}

impl Store {
    /// The store with these keys, refused when the database holds values
    /// sealed under a key they lack (nothing is written then). Registers
    /// the current key and seals what is still clear text.
    pub async fn unlock(self, vault: Vault) -> std::result::Result<Store, UnlockError> {
        let store = self.check_keys(vault).await?;
        store.sweep(1000, None).await?;
        Ok(store)
    }

    /// The store with these keys, refused (nothing written) when the
    /// database holds values sealed under a key they lack; the current key
    /// is registered. [`Store::unlock`] without the sweep.
    pub async fn check_keys(self, vault: Vault) -> std::result::Result<Store, UnlockError> {
        let missing = self.missing_keys(&vault).await?;
        if let Some(missing) = missing.into_iter().next() {
            return Err(UnlockError::Key(KeyError::WrongKey {
                missing,
                holder: vault.describe(),
            }));
        }
        let store = self.with_vault(vault);
        store.register_current_key().await?;
        Ok(store)
    }

    /// The store with these keys, unchecked: for tests and tools that
    /// check on their own.
    pub fn with_vault(self, vault: Vault) -> Store {
        Store {
            db: crate::db::Db {
                pool: self.db.pool,
                vault: std::sync::Arc::new(vault),
            },
        }
    }

    pub fn vault(&self) -> &Vault {
        &self.db.vault
    }

    /// Keys the database still uses (not retired) that `vault` lacks.
    pub async fn missing_keys(&self, vault: &Vault) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .db
            .all(q(
                "SELECT id FROM encryption_keys WHERE retired_at IS NULL ORDER BY added_at, id",
            ))
            .await?;
        let ring = vault.ring().ok();
        Ok(rows
            .into_iter()
            .map(|(id,)| id)
            .filter(|id| ring.as_ref().is_none_or(|r| r.get(id).is_none()))
            .collect())
    }

    async fn register_current_key(&self) -> Result<()> {
        let id = self.vault().ring()?.current().id().to_owned();
        self.db
            .execute(
                q(
                    "INSERT INTO encryption_keys (id, added_at) VALUES ($1, $2) \
                   ON CONFLICT (id) DO UPDATE SET retired_at = NULL",
                )
                .bind(id)
                .bind(now_ms()),
            )
            .await?;
        Ok(())
    }

    /// Runs the sweeps of every table, `batch` rows at a time, until all
    /// are finished or `max_batches` batches have committed (`None`: no
    /// limit). A sweep already finished for the current key and sensitive
    /// fields costs one query.
    pub async fn sweep(&self, batch: i64, max_batches: Option<u64>) -> Result<SweepReport> {
        self.register_current_key().await?;
        let defs = self.field_defs().await?;
        let mut report = SweepReport::default();
        for table in TABLES {
            let fields = target_fields(table, &defs);
            let mut state = self.sweep_state(table, &fields).await?;
            while state.finished_at.is_none() {
                if max_batches.is_some_and(|max| report.batches >= max) {
                    return Ok(report);
                }
                let (rows, last, done) = match *table {
                    "customers" => self.sweep_customers(&defs, state.after_id, batch).await?,
                    "history" => self.sweep_history(&fields, state.after_id, batch).await?,
                    "merges" => self.sweep_merges(&defs, state.after_id, batch).await?,
                    other => self.sweep_column(other, state.after_id, batch).await?,
                };
                report.rows += rows;
                report.batches += 1;
                state.after_id = last;
                state.finished_at = done.then(now_ms);
            }
        }
        report.finished = true;
        if report.rows > 0 && self.backend() == crate::Backend::Sqlite {
            // SQLite leaves the bytes of overwritten values in free space
            // and in the write-ahead log: rewrite the file so the clear
            // text a sweep sealed is gone from the disk too.
            self.db
                .execute(q("PRAGMA wal_checkpoint(TRUNCATE)"))
                .await?;
            self.db.execute(q("VACUUM")).await?;
            self.db
                .execute(q("PRAGMA wal_checkpoint(TRUNCATE)"))
                .await?;
        }
        Ok(report)
    }

    /// The sweep of `table` towards the current key and `fields`: the one
    /// under way if it has that target, else a new one from the start.
    async fn sweep_state(&self, table: &str, fields: &str) -> Result<SweepState> {
        let key = self.vault().ring()?.current().id().to_owned();
        let found: Option<SweepState> = self
            .db
            .optional(
                q("SELECT key_id, fields, after_id, finished_at FROM encryption_sweeps WHERE name = $1")
                    .bind(table),
            )
            .await?;
        if let Some(s) = found.filter(|s| s.key_id == key && s.fields == fields) {
            return Ok(s);
        }
        self.db
            .execute(
                q(
                    "INSERT INTO encryption_sweeps (name, key_id, fields, after_id, finished_at) \
                   VALUES ($1, $2, $3, 0, NULL) ON CONFLICT (name) DO UPDATE \
                   SET key_id = $2, fields = $3, after_id = 0, finished_at = NULL",
                )
                .bind(table)
                .bind(key.as_str())
                .bind(fields),
            )
            .await?;
        Ok(SweepState {
            key_id: key,
            fields: fields.to_owned(),
            after_id: 0,
            finished_at: None,
        })
    }

    /// One batch of customers after `after`: returns rows changed, the
    /// last id seen and whether the table is done.
    async fn sweep_customers(
        &self,
        defs: &[FieldDef],
        after: i64,
        batch: i64,
    ) -> Result<(u64, i64, bool)> {
        let mut tx = self.begin_batch().await?;
        let rows: Vec<(i64, String)> = tx
            .all(
                q("SELECT id, custom FROM customers WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(batch),
            )
            .await?;
        let vault = tx.vault.clone();
        let mut changed = 0;
        for (id, text) in &rows {
            let mut custom: Map<String, Value> = serde_json::from_str(text)
                .map_err(|e| Error::internal(format!("customer {id}: custom: {e}")))?;
            if !seal_custom(&vault, defs, &mut custom)? {
                continue;
            }
            tx.execute(
                q("UPDATE customers SET custom = $1 WHERE id = $2")
                    .bind(Value::Object(custom.clone()).to_string())
                    .bind(*id),
            )
            .await?;
            open_custom(&vault, &mut custom)?;
            index_custom(&mut tx, *id, defs, &custom).await?;
            changed += 1;
        }
        self.finish_batch(tx, "customers", &rows, batch, changed)
            .await
    }

    async fn sweep_history(
        &self,
        fields: &str,
        after: i64,
        batch: i64,
    ) -> Result<(u64, i64, bool)> {
        let mut tx = self.begin_batch().await?;
        // History of every custom field: a value sealed while its field was
        // sensitive stays sealed (under the current key) after it is not.
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = tx
            .all(
                q(
                    "SELECT id, field, old_value, new_value FROM history WHERE id > $1 \
                   AND entity = 'customer' AND field LIKE 'custom.%' ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(batch),
            )
            .await?;
        let vault = tx.vault.clone();
        let sensitive: Vec<&str> = fields.split(',').filter(|f| !f.is_empty()).collect();
        let mut changed = 0;
        for (id, field, old, new) in &rows {
            let is_sensitive = sensitive.contains(&field.as_str());
            let reseal = |v: &Option<String>| -> Result<Option<String>> {
                match v {
                    Some(v) if is_sensitive || kehu_core::crypto::is_sealed(v) => {
                        reseal_history(&vault, field, v)
                    }
                    _ => Ok(None),
                }
            };
            let (o, n) = (reseal(old)?, reseal(new)?);
            if o.is_none() && n.is_none() {
                continue;
            }
            tx.execute(
                q("UPDATE history SET old_value = $1, new_value = $2 WHERE id = $3")
                    .bind(o.or(old.clone()))
                    .bind(n.or(new.clone()))
                    .bind(*id),
            )
            .await?;
            changed += 1;
        }
        let ids: Vec<(i64, String)> = rows.into_iter().map(|(id, f, _, _)| (id, f)).collect();
        self.finish_batch(tx, "history", &ids, batch, changed).await
    }

    /// Merges keep the survivor's previous values for undo.
    async fn sweep_merges(
        &self,
        defs: &[FieldDef],
        after: i64,
        batch: i64,
    ) -> Result<(u64, i64, bool)> {
        let mut tx = self.begin_batch().await?;
        let rows: Vec<(i64, String)> = tx
            .all(
                q("SELECT id, survivor_changes FROM merges WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(batch),
            )
            .await?;
        let vault = tx.vault.clone();
        let mut changed = 0;
        for (id, text) in &rows {
            let mut pairs: Vec<(String, Option<String>)> = serde_json::from_str(text)
                .map_err(|e| Error::internal(format!("merge {id}: {e}")))?;
            if seal_pairs(&vault, defs, &mut pairs)? {
                tx.execute(
                    q("UPDATE merges SET survivor_changes = $1 WHERE id = $2")
                        .bind(crate::db::json(&pairs)?)
                        .bind(*id),
                )
                .await?;
                changed += 1;
            }
        }
        self.finish_batch(tx, "merges", &rows, batch, changed).await
    }

    /// One batch of the values of `table` sealed whole (see
    /// [`SEALED_COLUMNS`]).
    async fn sweep_column(&self, table: &str, after: i64, batch: i64) -> Result<(u64, i64, bool)> {
        let sealed = sealed_column(table)
            .ok_or_else(|| Error::internal(format!("no sweep for the table {table}")))?;
        let (column, aad) = (sealed.column, (sealed.aad)());
        let key = row_key(table, self.backend());
        let mut tx = self.begin_batch().await?;
        let rows: Vec<(i64, Option<String>)> = tx
            .all(
                q(format!(
                    "SELECT {key}, {column} FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT $2"
                ))
                .bind(after)
                .bind(batch),
            )
            .await?;
        let vault = tx.vault.clone();
        let mut changed = 0;
        for (id, stored) in &rows {
            let Some(stored) = stored else { continue };
            if let Some(resealed) = vault.reseal(&aad, stored)? {
                tx.execute(
                    q(format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2"))
                        .bind(resealed)
                        .bind(*id),
                )
                .await?;
                changed += 1;
            }
        }
        self.finish_batch(tx, table, &rows, batch, changed).await
    }

    /// A batch's transaction. Several servers starting at once on one
    /// PostgreSQL database take turns, so the second finds the rows the
    /// first sealed (SQLite's write lock does the same by itself).
    async fn begin_batch(&self) -> Result<crate::db::Tx> {
        let mut tx = self.db.begin().await?;
        if tx.backend() == crate::Backend::Postgres {
            tx.execute(q("SELECT pg_advisory_xact_lock($1)").bind(SWEEP_LOCK))
                .await?;
        }
        Ok(tx)
    }

    /// Records how far the sweep of `table` got, in the batch's own
    /// transaction, and commits both.
    async fn finish_batch<T>(
        &self,
        mut tx: crate::db::Tx,
        table: &str,
        rows: &[(i64, T)],
        batch: i64,
        changed: u64,
    ) -> Result<(u64, i64, bool)> {
        let last = rows.last().map(|r| r.0);
        let done = (rows.len() as i64) < batch;
        tx.execute(
            q("UPDATE encryption_sweeps SET after_id = COALESCE($1, after_id), finished_at = $2 WHERE name = $3")
                .bind(last)
                .bind(done.then(now_ms))
                .bind(table),
        )
        .await?;
        tx.commit().await?;
        Ok((changed, last.unwrap_or_default(), done))
    }

    /// Every key the database knows, with what it seals.
    pub async fn key_status(&self) -> Result<Vec<KeyUse>> {
        let keys: Vec<(String, i64, Option<i64>)> = self
            .db
            .all(q(
                "SELECT id, added_at, retired_at FROM encryption_keys ORDER BY added_at, id",
            ))
            .await?;
        let current = self.vault().current_id();
        let mut out = Vec::new();
        for (id, added_at, retired_at) in keys {
            let mut rows = BTreeMap::new();
            let pattern = format!("%{}{id}:%", kehu_core::crypto::SEALED_PREFIX);
            let fields = [
                ("customers", "custom LIKE $1".to_owned()),
                (
                    "history",
                    "(old_value LIKE $1 OR new_value LIKE $1)".to_owned(),
                ),
                ("merges", "survivor_changes LIKE $1".to_owned()),
            ];
            let whole = SEALED_COLUMNS
                .iter()
                .map(|c| (c.table, format!("{} LIKE $1", c.column)));
            for (table, cond) in fields.into_iter().chain(whole) {
                let (n,): (i64,) = self
                    .db
                    .one(
                        q(format!("SELECT COUNT(*) FROM {table} WHERE {cond}"))
                            .bind(pattern.as_str()),
                    )
                    .await?;
                rows.insert(table.to_owned(), n);
            }
            out.push(KeyUse {
                current: current.as_deref() == Some(id.as_str()),
                id,
                added_at,
                retired_at,
                rows,
            });
        }
        Ok(out)
    }

    /// Retires every key but the current one that nothing uses any more,
    /// and returns their ids (to remove from the key file). A key still in
    /// use is kept, whatever a sweep's bookkeeping says.
    pub async fn retire_unused_keys(&self) -> Result<Vec<String>> {
        let mut retired = Vec::new();
        for k in self.key_status().await? {
            if k.current || k.retired_at.is_some() || k.in_use() {
                continue;
            }
            self.db
                .execute(
                    q("UPDATE encryption_keys SET retired_at = $1 WHERE id = $2")
                        .bind(now_ms())
                        .bind(k.id.as_str()),
                )
                .await?;
            retired.push(k.id);
        }
        Ok(retired)
    }
}

/// What a table's sweep seals: the sensitive fields (customers, history),
/// or the secrets column.
fn target_fields(table: &str, defs: &[FieldDef]) -> String {
    if let Some(sealed) = sealed_column(table) {
        return sealed.column.to_owned();
    }
    match table {
        "history" | "merges" => defs
            .iter()
            .filter(|d| d.sensitive)
            .map(|d| format!("custom.{}", d.key.as_str()))
            .collect::<Vec<_>>()
            .join(","),
        _ => defs
            .iter()
            .filter(|d| d.sensitive)
            .map(|d| d.key.as_str().to_owned())
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// Why a store was not unlocked.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] Error),
}
