//! Daily maintenance of `kehu serve`: work that keeps the data trustworthy
//! without anyone asking. Each step is safe to run in several processes at
//! once (stale sweeps take turns through a database lock and skip records
//! that already have an open verification task), so every server runs the
//! loop.

use std::time::Duration;

use kehu_store::quality::StaleSweep;
use kehu_store::time::Time;
use kehu_store::Store;
use serde::Serialize;

use crate::AppState;

const DAY: Duration = Duration::from_secs(24 * 3600);
/// The first run waits a little, so a starting server serves first.
const FIRST_RUN: Duration = Duration::from_secs(60);

/// What one day's maintenance did.
#[derive(Debug, Clone, Serialize)]
pub struct Maintenance {
    pub stale: StaleSweep,
    /// Merges made by merge rules with a daily schedule.
    pub merged_by_rules: usize,
    /// Leads and customers returned to the shared pool for want of a
    /// follow-up.
    pub pool: kehu_store::leads::Swept,
    /// Webhook deliveries finished more than a quarter ago, removed with
    /// their attempts and events.
    pub webhook_deliveries_pruned: u64,
    /// Soft-deleted records older than the retention, erased.
    pub retention: kehu_store::privacy::Purged,
}

/// Everything the daily loop does, once, at `now`: stale records get a
/// verification task for their owner; where a merge rule runs daily, a
/// fresh duplicate scan and the rule over it; leads and customers idle
/// longer than their team's pool rule allows go back to the pool; webhook
/// deliveries finished over a quarter ago are pruned; soft-deleted
/// customers and leads older than the retention an administrator set are
/// erased (each once: a record erased by one server is skipped by another).
pub async fn run_daily(store: &Store, now: Time) -> Result<Maintenance, kehu_store::Error> {
    let stale = store.sweep_stale(now).await?;
    let merged_by_rules = crate::api::duplicates::daily(store, now).await?;
    let pool = store.sweep_pool(now.0).await?;
    let webhook_deliveries_pruned = store.prune_webhook_deliveries(now).await?;
    let retention = store.purge_expired(now.0).await?;
    Ok(Maintenance {
        stale,
        merged_by_rules,
        pool,
        webhook_deliveries_pruned,
        retention,
    })
}

/// Where and as whom the daily backup is taken.
#[derive(Debug, Clone)]
pub struct DailyBackup {
    pub plan: kehu_store::backup::Plan,
    /// Recorded with each backup: which server took it.
    pub started_by: String,
}

/// The daily backup and its retention, if this process is the one to take
/// it today: the claim is a database lock and a record, so several
/// servers take one backup between them.
pub async fn backup_daily(store: &Store, daily: &DailyBackup) {
    match store.daily_backup(&daily.plan, &daily.started_by).await {
        Ok(Some((record, pruned))) => tracing::info!(
            file = record.file,
            bytes = record.size_bytes,
            old_backups_removed = pruned.removed.len(),
            "daily backup done and verified"
        ),
        Ok(None) => tracing::debug!("daily backup off, or taken already"),
        Err(e) => tracing::error!(error = %e, "daily backup failed"),
    }
}

/// Runs [`run_daily`] a minute after start and then once a day, followed
/// by the daily backup.
pub fn start_daily(state: &AppState) {
    let store = state.store.clone();
    let backups = state.backups.clone();
    tokio::spawn(async move {
        let waits = std::iter::once(FIRST_RUN).chain(std::iter::repeat(DAY));
        for wait in waits {
            tokio::time::sleep(wait).await;
            // The backup first: it holds the data as it was before the
            // day's automatic changes (merges by rule, returns to the
            // pool), should one of them need undoing by hand.
            if let Some(daily) = &backups {
                backup_daily(&store, daily).await;
            }
            match run_daily(&store, Time::now()).await {
                Ok(done) => tracing::info!(
                    verification_tasks = done.stale.tasks_created,
                    merged_by_rules = done.merged_by_rules,
                    leads_to_pool = done.pool.leads,
                    customers_to_pool = done.pool.customers,
                    webhook_deliveries_pruned = done.webhook_deliveries_pruned,
                    customers_erased = done.retention.customers,
                    leads_erased = done.retention.leads,
                    erasures_deferred = done.retention.deferred,
                    "daily maintenance done"
                ),
                Err(e) => tracing::error!(error = %e, "daily maintenance failed"),
            }
        }
    });
}
