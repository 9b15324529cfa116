//! Running a scan of the customers: recording it, reading and profiling
//! rows page by page, comparing them, and writing the review queue.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kehu_core::dedupe::{clusters, Cluster, NotDuplicates, Profile, Scanner};
use kehu_core::Invalid;

use super::rows::{profile_parallel, ContactRow, ScanRow};
use super::{
    score_out_of_range, DedupeRun, ScanOptions, ScanProgress, ScanStep, PAGE, SCAN_LEASE_MS,
};
use crate::db::{json, q, Arg};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

impl Store {
    /// Scans every live customer for duplicates and replaces the review
    /// queue's open clusters with what it finds. Managers and
    /// administrators only; one scan at a time.
    pub async fn scan_duplicates(
        &self,
        ctx: &Ctx,
        options: ScanOptions,
        progress: &(dyn Fn(ScanProgress) + Sync),
    ) -> Result<DedupeRun> {
        let run = self.begin_scan(ctx, options).await?;
        self.run_scan(run.id, options, progress).await
    }

    /// Records a scan as started, for [`Store::run_scan`] to carry out
    /// (in the background, say): the checks of [`Store::scan_duplicates`].
    pub async fn begin_scan(&self, ctx: &Ctx, options: ScanOptions) -> Result<DedupeRun> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        if let Some(code) = score_out_of_range(f64::from(options.threshold)) {
            return Err(Invalid::one("threshold", code).into());
        }
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let running: Option<(i64,)> = tx
            .optional(
                q("SELECT id FROM dedupe_runs WHERE finished_at IS NULL AND started_at > $1 LIMIT 1")
                    .bind(now - SCAN_LEASE_MS),
            )
            .await?;
        if running.is_some() {
            return Err(Error::Conflict("scan_running"));
        }
        let id = tx
            .insert(
                q("INSERT INTO dedupe_runs (actor_id, threshold, started_at) VALUES ($1, $2, $3) \
                   RETURNING id")
                .bind(ctx.by())
                .bind(f64::from(options.threshold))
                .bind(now),
            )
            .await?;
        tx.commit().await?;
        self.dedupe_run(id).await
    }

    /// Carries out a scan [`Store::begin_scan`] recorded. A scan that fails
    /// is removed, so the next may start at once.
    pub async fn run_scan(
        &self,
        run: i64,
        options: ScanOptions,
        progress: &(dyn Fn(ScanProgress) + Sync),
    ) -> Result<DedupeRun> {
        match self.scan_into(run, options, progress).await {
            Ok(()) => self.dedupe_run(run).await,
            Err(e) => {
                let _ = self
                    .db
                    .execute(q("DELETE FROM dedupe_runs WHERE id = $1").bind(run))
                    .await;
                Err(e)
            }
        }
    }

    async fn scan_into(
        &self,
        run: i64,
        options: ScanOptions,
        progress: &(dyn Fn(ScanProgress) + Sync),
    ) -> Result<()> {
        let threads = options.threads.max(1);
        let excluded: NotDuplicates = self.not_duplicates().await?.into_iter().collect();
        let mut scanner = Scanner::new()
            .threshold(options.threshold)
            .threads(threads)
            .excluding(excluded.clone());
        let (total,): (i64,) = self
            .db
            .one(q("SELECT COUNT(*) FROM customers WHERE deleted_at IS NULL"))
            .await?;
        let total = total as u64;
        scanner.reserve(total as usize);
        let mut read = 0u64;
        progress(ScanProgress {
            step: ScanStep::Reading,
            done: 0,
            total,
        });

        // Profiles of one page are built on the blocking pool while the
        // next page is read.
        let mut after = 0i64;
        let mut pending: Option<tokio::task::JoinHandle<Vec<Profile>>> = None;
        loop {
            let rows: Vec<ScanRow> = self
                .db
                .all(
                    q("SELECT id, kind, name, company, mobile, phone, email, uscc, province, city, \
                       address, postal_code, birth_date FROM customers WHERE deleted_at IS NULL AND id > $1 \
                       ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(PAGE as i64),
                )
                .await?;
            let last = rows.last().map(|r| r.id);
            let contacts: Vec<ContactRow> = match last {
                Some(last) => {
                    self.db
                        .all(
                            q("SELECT customer_id, mobile, phone, email FROM contacts \
                               WHERE deleted_at IS NULL AND customer_id > $1 AND customer_id <= $2 \
                               ORDER BY customer_id, id")
                            .bind(after)
                            .bind(last),
                        )
                        .await?
                }
                None => Vec::new(),
            };
            if let Some(done) = pending.take() {
                let profiles = done.await.map_err(|e| Error::internal(e.to_string()))?;
                read += profiles.len() as u64;
                for profile in profiles {
                    scanner.push(profile);
                }
                progress(ScanProgress {
                    step: ScanStep::Reading,
                    done: read,
                    total,
                });
            }
            let Some(last) = last else { break };
            after = last;
            pending = Some(tokio::task::spawn_blocking(move || {
                profile_parallel(rows, contacts, threads)
            }));
        }
        let records = scanner.len() as i64;

        // Pairs are compared on the blocking pool; the count compared so
        // far is relayed from there.
        let compared = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
        let counter = compared.clone();
        let mut scanning = tokio::task::spawn_blocking(move || {
            let candidates = scanner.scan_with(|p| {
                counter.0.store(p.compared as u64, Ordering::Relaxed);
                counter.1.store(p.total as u64, Ordering::Relaxed);
            });
            let pairs = candidates.len();
            (pairs, clusters(candidates, &excluded))
        });
        let (pairs, found) = loop {
            match tokio::time::timeout(Duration::from_millis(250), &mut scanning).await {
                Ok(done) => break done.map_err(|e| Error::internal(e.to_string()))?,
                Err(_) => progress(ScanProgress {
                    step: ScanStep::Comparing,
                    done: compared.0.load(Ordering::Relaxed),
                    total: compared.1.load(Ordering::Relaxed),
                }),
            }
        };
        let (contact_pairs, contact_found) = self.scan_contacts(options).await?;
        progress(ScanProgress {
            step: ScanStep::Saving,
            done: 0,
            total: (found.len() + contact_found.len()) as u64,
        });
        let found = [("customer", found), ("contact", contact_found)];
        self.save_clusters(run, records, (pairs + contact_pairs) as i64, &found)
            .await
    }

    /// Writes a scan's clusters and retires the open clusters of earlier
    /// scans, in one transaction.
    async fn save_clusters(
        &self,
        run: i64,
        records: i64,
        pairs: i64,
        found: &[(&str, Vec<Cluster>)],
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let stale = "SELECT id FROM duplicate_clusters WHERE status = 'open' AND run_id <> $1";
        for table in [
            "duplicate_pairs",
            "duplicate_members",
            "contact_duplicate_members",
        ] {
            tx.execute(q(format!("DELETE FROM {table} WHERE cluster_id IN ({stale})")).bind(run))
                .await?;
        }
        tx.execute(
            q("DELETE FROM duplicate_clusters WHERE status = 'open' AND run_id <> $1").bind(run),
        )
        .await?;

        let total: usize = found.iter().map(|(_, f)| f.len()).sum();
        let mut ids = tx
            .reserve_ids("duplicate_clusters", total)
            .await?
            .into_iter();
        for (entity, clusters) in found {
            let (mut heads, mut members, mut links) = (Vec::new(), Vec::new(), Vec::new());
            for (cluster, id) in clusters.iter().zip(ids.by_ref()) {
                let score = cluster
                    .pairs
                    .iter()
                    .map(|p| p.scored.score)
                    .fold(0.0f32, f32::max);
                heads.extend([
                    Arg::from(id),
                    Arg::from(run),
                    Arg::from(*entity),
                    Arg::from(f64::from(score)),
                    Arg::from(cluster.members.len() as i64),
                ]);
                for m in &cluster.members {
                    members.extend([Arg::from(id), Arg::from(*m)]);
                }
                for p in &cluster.pairs {
                    let reasons: Vec<&str> = p.scored.reasons.iter().map(|r| r.as_str()).collect();
                    links.extend([
                        Arg::from(id),
                        Arg::from(p.a),
                        Arg::from(p.b),
                        Arg::from(f64::from(p.scored.score)),
                        Arg::from(json(&reasons)?),
                        Arg::from(p.scored.related_only),
                    ]);
                }
            }
            tx.insert_rows(
                "duplicate_clusters",
                &["id", "run_id", "entity", "score", "size"],
                heads,
                false,
            )
            .await?;
            let (table, column) = if *entity == "contact" {
                ("contact_duplicate_members", "contact_id")
            } else {
                ("duplicate_members", "customer_id")
            };
            tx.insert_rows(table, &["cluster_id", column], members, false)
                .await?;
            tx.insert_rows(
                "duplicate_pairs",
                &["cluster_id", "a_id", "b_id", "score", "reasons", "related"],
                links,
                false,
            )
            .await?;
        }
        tx.execute(
            q(
                "UPDATE dedupe_runs SET records = $1, pairs = $2, clusters = $3, finished_at = $4 \
               WHERE id = $5",
            )
            .bind(records)
            .bind(pairs)
            .bind(total as i64)
            .bind(now_ms())
            .bind(run),
        )
        .await?;
        tx.commit().await
    }
}
