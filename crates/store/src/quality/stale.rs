//! Stale records: customers nobody verified or updated for the period the
//! administrator set. Each owned one gets one open verification task for
//! its owner; "mark verified" resets the clock and completes the task.

use kehu_core::quality::stale_cutoff;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{q, Backend, Tx};
use crate::time::Time;
use crate::write::{write_history, Change, Ctx};
use crate::Result;
use crate::Store;

/// The PostgreSQL advisory lock that serialises sweeps ("kehu" 核对).
const SWEEP_LOCK: i64 = 0x6b65_6875_0001;

/// A verification task is due this long after the sweep that made it.
const TASK_DUE_MS: i64 = 7 * 24 * 3600 * 1000;

/// What one sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct StaleSweep {
    /// Verification tasks created (records already holding an open one,
    /// and records in the shared pool, get none).
    pub tasks_created: i64,
}

impl Store {
    /// Gives the owner of every stale customer a verification task, unless
    /// one is open already. `now` is the sweep's clock (tests move it).
    /// Safe to run twice and from several processes at once: sweeps take
    /// turns, and a record with an open verification task gets no other.
    pub async fn sweep_stale(&self, now: Time) -> Result<StaleSweep> {
        let rules = self.quality_rules().await?;
        let cutoff = stale_cutoff(now.0, rules.stale_days);
        let mut tx = self.db.begin().await?;
        // One sweep at a time, whichever process runs it: SQLite's write
        // transaction is exclusive already; PostgreSQL takes a lock that the
        // transaction's end releases.
        if tx.backend() == Backend::Postgres {
            tx.execute(q("SELECT pg_advisory_xact_lock($1)").bind(SWEEP_LOCK))
                .await?;
        }
        // Tasks made from here on are this sweep's: their history is found
        // by id, not by scanning every task.
        let (before,): (i64,) = tx.one(q("SELECT COALESCE(MAX(id), 0) FROM tasks")).await?;
        let created = tx
            .execute(
                q("INSERT INTO tasks (customer_id, title, due_at, assignee_id, status, purpose, \
                   version, created_at, updated_at) \
                   SELECT c.id, CASE WHEN u.lang = 'en' THEN 'Verify customer details: ' ELSE '核对客户资料：' END \
                   || SUBSTR(c.name, 1, 150), $1, c.owner_id, 'open', 'verify', 1, $2, $2 \
                   FROM customers c JOIN users u ON u.id = c.owner_id \
                   WHERE c.deleted_at IS NULL AND c.owner_id IS NOT NULL AND c.updated_at < $3 \
                   AND (c.verified_at IS NULL OR c.verified_at < $3) \
                   AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.customer_id = c.id AND t.purpose = 'verify' \
                   AND t.status = 'open' AND t.deleted_at IS NULL)")
                .bind(now.0 + TASK_DUE_MS)
                .bind(now.0)
                .bind(cutoff),
            )
            .await?;
        // The tasks' history, a `created` row as every created record has,
        // by kehu's rules.
        tx.execute(
            q("INSERT INTO history (entity, entity_id, field, old_value, new_value, source, actor_id, at) \
               SELECT 'task', t.id, 'created', NULL, NULL, 'rule', NULL, $1 FROM tasks t \
               WHERE t.id > $2 AND t.purpose = 'verify' AND t.created_at = $1 AND t.created_by IS NULL")
            .bind(now.0)
            .bind(before),
        )
        .await?;
        tx.commit().await?;
        Ok(StaleSweep {
            tasks_created: i64::try_from(created).unwrap_or(i64::MAX),
        })
    }
}

/// Completes the open verification task of a customer just verified, in
/// the verifying transaction.
pub(crate) async fn complete_verification(
    tx: &mut Tx,
    ctx: &Ctx,
    customer_id: i64,
    now: i64,
) -> Result<()> {
    let open: Vec<(i64,)> = tx
        .all(
            q("SELECT id FROM tasks WHERE customer_id = $1 AND purpose = 'verify' AND status = 'open' \
               AND deleted_at IS NULL")
            .bind(customer_id),
        )
        .await?;
    for (task,) in open {
        tx.execute(
            q("UPDATE tasks SET status = 'done', completed_at = $1, updated_at = $1, updated_by = $2, \
               version = version + 1 WHERE id = $3")
            .bind(now)
            .bind(ctx.by())
            .bind(task),
        )
        .await?;
        let change = Change {
            field: "status".into(),
            old: Some("open".into()),
            new: Some("done".into()),
        };
        write_history(tx, "task", task, &[change], ctx, now).await?;
    }
    Ok(())
}
