//! Batches as kept in the database: starting, listing, claiming for a
//! resume and finishing them.

use kehu_core::Actor;

use crate::db::q;
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

use super::{Batch, BatchKind, Counts, ImportOptions};
impl Store {
    /// Starts a batch. `file_path` is where the file is kept for a resume.
    pub async fn begin_import(
        &self,
        ctx: &Ctx,
        file_name: &str,
        file_path: Option<&str>,
        file_sha256: Option<&str>,
        options: &ImportOptions,
    ) -> Result<Batch> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let now = now_ms();
        let options_json =
            serde_json::to_string(options).map_err(|e| Error::internal(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q("INSERT INTO import_batches (kind, status, file_name, file_path, file_sha256, options, \
                   actor_id, heartbeat_at, created_at, runner) \
                   VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id")
                .bind(options.kind.as_str())
                .bind(file_name)
                .bind(file_path)
                .bind(file_sha256)
                .bind(options_json)
                .bind(ctx.by())
                .bind(now)
                .bind(runner_token()),
            )
            .await?;
        tx.commit().await?;
        self.import_batch(&ctx.actor, id).await
    }

    /// A batch the actor may see: their own, or any for an administrator.
    pub async fn import_batch(&self, actor: &Actor, id: i64) -> Result<Batch> {
        let row: Option<BatchRow> = self
            .db
            .optional(
                q(format!(
                    "SELECT {BATCH_COLUMNS} FROM import_batches WHERE id = $1"
                ))
                .bind(id),
            )
            .await?;
        let batch = row.ok_or(Error::NotFound)?.into_batch()?;
        if !actor.is_admin() && batch.actor_id != Some(actor.user_id.get()) {
            return Err(Error::NotFound);
        }
        Ok(batch)
    }

    /// The actor's batches (an administrator's: everyone's), newest first.
    pub async fn import_batches(&self, actor: &Actor, limit: i64) -> Result<Vec<Batch>> {
        let condition = if actor.is_admin() {
            "1 = 1".to_owned()
        } else {
            format!("actor_id = {}", actor.user_id.get())
        };
        let rows: Vec<BatchRow> = self
            .db
            .all(
                q(format!(
                    "SELECT {BATCH_COLUMNS} FROM import_batches WHERE {condition} ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit),
            )
            .await?;
        rows.into_iter().map(BatchRow::into_batch).collect()
    }

    /// The unfinished batch of the same file by the same user, if any:
    /// running the same import again resumes it instead of starting over.
    pub async fn resumable_import(
        &self,
        actor: &Actor,
        file_sha256: &str,
    ) -> Result<Option<Batch>> {
        let rows: Vec<BatchRow> = self
            .db
            .all(
                q(format!(
                    "SELECT {BATCH_COLUMNS} FROM import_batches WHERE file_sha256 = $1 AND status = 'running' \
                     AND actor_id IS NOT DISTINCT FROM $2 ORDER BY id DESC"
                ))
                .bind(file_sha256)
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0)),
            )
            .await?;
        rows.into_iter()
            .next()
            .map(BatchRow::into_batch)
            .transpose()
    }

    /// Takes an unfinished batch over for this process. Whoever wrote it
    /// before (a process that was killed, or one still running) can commit
    /// no further chunk of it, so resuming never writes a row twice.
    pub async fn claim_import(&self, actor: &Actor, id: i64) -> Result<Batch> {
        let batch = self.import_batch(actor, id).await?;
        if batch.status != "running" {
            return Err(Error::Conflict("batch_finished"));
        }
        let n = self
            .db
            .execute(
                q(
                    "UPDATE import_batches SET heartbeat_at = $1, runner = $2 WHERE id = $3 \
                   AND status = 'running'",
                )
                .bind(now_ms())
                .bind(runner_token())
                .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(Error::Conflict("batch_finished"));
        }
        self.import_batch(actor, id).await
    }

    /// Marks a batch whose every row is committed as done.
    pub async fn finish_import(&self, actor: &Actor, batch: &Batch) -> Result<Batch> {
        let now = now_ms();
        self.db
            .execute(
                q("UPDATE import_batches SET status = 'done', finished_at = $1, heartbeat_at = $1, \
                   file_path = NULL WHERE id = $2 AND status = 'running'")
                .bind(now)
                .bind(batch.id),
            )
            .await?;
        self.import_batch(actor, batch.id).await
    }

    /// Closes the batch of a bulk change with its counts.
    pub(crate) async fn finish_bulk_batch(
        &self,
        batch: &Batch,
        outcome: &crate::bulk_change::BulkOutcome,
    ) -> Result<()> {
        let now = now_ms();
        self.db
            .execute(
                q(
                    "UPDATE import_batches SET status = 'done', rows_done = $1, updated = $2, \
                   unchanged = $3, finished_at = $4, heartbeat_at = $4 WHERE id = $5",
                )
                .bind(outcome.matched as i64)
                .bind(outcome.changed as i64)
                .bind((outcome.matched - outcome.changed) as i64)
                .bind(now)
                .bind(batch.id),
            )
            .await?;
        Ok(())
    }
}
/// A random token naming the process that writes a batch.
fn runner_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

const BATCH_COLUMNS: &str =
    "id, kind, status, file_name, file_path, file_sha256, runner, options, actor_id, \
     rows_done, created, updated, unchanged, skipped, rejected, warned, heartbeat_at, created_at, \
     finished_at, undone_at";

#[derive(sqlx::FromRow)]
struct BatchRow {
    id: i64,
    kind: String,
    status: String,
    file_name: String,
    file_path: Option<String>,
    file_sha256: Option<String>,
    runner: String,
    options: String,
    actor_id: Option<i64>,
    rows_done: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
    skipped: i64,
    rejected: i64,
    warned: i64,
    heartbeat_at: i64,
    created_at: i64,
    finished_at: Option<i64>,
    undone_at: Option<i64>,
}

impl BatchRow {
    fn into_batch(self) -> Result<Batch> {
        let options: ImportOptions = serde_json::from_str(&self.options)
            .map_err(|e| Error::internal(format!("batch {} options: {e}", self.id)))?;
        let kind = if self.kind == "update" {
            BatchKind::Update
        } else {
            BatchKind::Import
        };
        Ok(Batch {
            id: self.id,
            kind,
            status: self.status,
            file_name: self.file_name,
            file_path: self.file_path,
            file_sha256: self.file_sha256,
            runner: self.runner,
            options,
            actor_id: self.actor_id,
            rows_done: self.rows_done,
            counts: Counts {
                created: self.created,
                updated: self.updated,
                unchanged: self.unchanged,
                skipped: self.skipped,
                rejected: self.rejected,
                warned: self.warned,
            },
            created_at: Time(self.created_at),
            heartbeat_at: Time(self.heartbeat_at),
            finished_at: self.finished_at.map(Time),
            undone_at: self.undone_at.map(Time),
        })
    }
}
