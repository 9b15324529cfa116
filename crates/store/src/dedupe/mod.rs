//! Scanning the data already held for duplicates, and the review queue a
//! scan leaves (核对: 查重 over existing records).
//!
//! A scan streams every live customer, with its contacts' numbers and
//! e-mails, page by page into the domain's [`Scanner`]; profiles are built
//! on the blocking pool while the next page is read. The clusters it finds
//! replace the open clusters of earlier scans in one transaction, so the
//! queue always shows the latest picture, while clusters already merged or
//! dismissed stay for the audit report. Pairs a person marked as not
//! duplicates are never proposed again.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use kehu_core::dedupe::{clusters, Cluster, NotDuplicates, Profile, Reason, Record, Scanner};
use kehu_core::{Actor, Code, CustomerKind, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::visible;
use crate::db::{json, q, Arg, Tx};
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// Customers read (and profiled) per page.
const PAGE: usize = 20_000;

/// A scan not finished after this long is taken to have died with its
/// process: another may start. (A million customers take under half a
/// minute.)
pub const SCAN_LEASE_MS: i64 = 30 * 60 * 1000;

/// Most clusters one page of the review queue shows.
pub const MAX_PAGE: usize = 200;

/// How a scan is run.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Pairs scoring at least this (0 to 1) are reported.
    pub threshold: f32,
    /// Threads comparing pairs and building profiles.
    pub threads: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threshold: kehu_core::dedupe::DEFAULT_THRESHOLD,
            threads: 2,
        }
    }
}

/// The stage a running scan is in, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStep {
    /// Records read and profiled, of `total`.
    Reading,
    /// Candidate pairs compared, of `total`.
    Comparing,
    /// Writing the clusters.
    Saving,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    pub step: ScanStep,
    pub done: u64,
    pub total: u64,
}

/// One scan: when, by whom, with what threshold, and what it found.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct DedupeRun {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub threshold: f64,
    /// Live customers scanned.
    pub records: i64,
    /// Pairs scoring at least the threshold.
    pub pairs: i64,
    pub clusters: i64,
    /// Clusters merged by merge rules right after the scan.
    pub auto_merged: i64,
    pub started_at: Time,
    /// `None` while the scan runs.
    pub finished_at: Option<Time>,
}

/// A cluster of the review queue: records that look like one, and the
/// scored pairs that joined them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueCluster {
    pub id: i64,
    /// `customer` or `contact`: what the members are.
    pub entity: String,
    pub run_id: i64,
    /// `open`, `merged` or `dismissed`.
    pub status: String,
    /// The strongest pair's score.
    pub score: f64,
    /// Branches and head office of one company rather than one record:
    /// shown, not to be merged.
    pub related: bool,
    pub merge_id: Option<i64>,
    /// Every reason of every pair, each once.
    pub reasons: Vec<String>,
    pub members: Vec<QueueMember>,
    pub pairs: Vec<QueuePair>,
}

/// A record in a cluster, with what a reviewer compares at a glance.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct QueueMember {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub company: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub external_id: Option<String>,
    pub owner_id: Option<i64>,
    pub created_at: Time,
    pub updated_at: Time,
    /// Set once the record was merged into another or deleted.
    pub deleted_at: Option<Time>,
    /// A contact's customer.
    pub customer_id: Option<i64>,
    #[serde(skip)]
    #[sqlx(default)]
    cluster_id: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueuePair {
    pub a: i64,
    pub b: i64,
    pub score: f64,
    pub reasons: Vec<String>,
    pub related: bool,
}

/// Which clusters of the queue to list.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// `open` (the default), `merged` or `dismissed`.
    pub status: Option<String>,
    /// `customer` (the default) or `contact`.
    pub entity: Option<String>,
    /// Only related (`Some(true)`) or only duplicate (`Some(false)`) clusters.
    pub related: Option<bool>,
    pub limit: usize,
    pub offset: usize,
}

/// One page of the queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueuePage {
    pub clusters: Vec<QueueCluster>,
    /// Clusters matching the filter in all.
    pub total: i64,
    /// The latest finished scan.
    pub run: Option<DedupeRun>,
}

/// A customer row as the scan reads it.
#[derive(sqlx::FromRow)]
struct ScanRow {
    id: i64,
    kind: String,
    name: String,
    company: Option<String>,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    uscc: Option<String>,
    province: Option<String>,
    city: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    birth_date: Option<String>,
}

/// A live contact's numbers and e-mail, which count for its customer.
#[derive(sqlx::FromRow)]
struct ContactRow {
    customer_id: i64,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

/// A contact as the contact scan reads it, with its customer's name.
#[derive(sqlx::FromRow)]
struct ContactScanRow {
    id: i64,
    customer_id: i64,
    name: String,
    mobile: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    birth_date: Option<String>,
    kind: String,
    customer_name: String,
    company: Option<String>,
}

impl ContactScanRow {
    fn profile(&self) -> Profile {
        let employer = if self.kind == "company" {
            Some(self.customer_name.as_str())
        } else {
            self.company.as_deref()
        };
        let mobiles: Vec<&str> = self.mobile.as_deref().into_iter().collect();
        let phones: Vec<&str> = self.phone.as_deref().into_iter().collect();
        let emails: Vec<&str> = self.email.as_deref().into_iter().collect();
        Profile::new(&Record {
            company: employer,
            mobiles: &mobiles,
            phones: &phones,
            emails: &emails,
            birth_date: self.birth_date.as_deref(),
            ..Record::new(self.id, CustomerKind::Individual, &self.name)
        })
    }
}

/// Profiles of one page of customers; `contacts` sorted by customer.
fn profile_page(rows: &[ScanRow], contacts: &[ContactRow]) -> Vec<Profile> {
    rows.iter()
        .map(|row| {
            let start = contacts.partition_point(|c| c.customer_id < row.id);
            let len = contacts[start..].partition_point(|c| c.customer_id == row.id);
            profile_of(row, &contacts[start..start + len])
        })
        .collect()
}

/// A customer's own value of a kind (mobile, phone, e-mail) and its
/// contacts' values.
fn own_and_contacts<'a>(
    own: &'a Option<String>,
    contacts: &'a [ContactRow],
    pick: impl Fn(&'a ContactRow) -> &'a Option<String>,
) -> Vec<&'a str> {
    own.as_deref()
        .into_iter()
        .chain(contacts.iter().filter_map(|c| pick(c).as_deref()))
        .collect()
}

fn profile_of(row: &ScanRow, contacts: &[ContactRow]) -> Profile {
    let mobiles = own_and_contacts(&row.mobile, contacts, |c| &c.mobile);
    let phones = own_and_contacts(&row.phone, contacts, |c| &c.phone);
    let emails = own_and_contacts(&row.email, contacts, |c| &c.email);
    let kind = CustomerKind::parse(&row.kind).unwrap_or(CustomerKind::Individual);
    Profile::new(&Record {
        company: row.company.as_deref(),
        mobiles: &mobiles,
        phones: &phones,
        emails: &emails,
        uscc: row.uscc.as_deref(),
        province: row.province.as_deref(),
        city: row.city.as_deref(),
        address: row.address.as_deref(),
        postal_code: row.postal_code.as_deref(),
        birth_date: row.birth_date.as_deref(),
        ..Record::new(row.id, kind, &row.name)
    })
}

/// Profiles a page on `threads` threads.
fn profile_parallel(rows: Vec<ScanRow>, contacts: Vec<ContactRow>, threads: usize) -> Vec<Profile> {
    let per = rows.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(per)
            .map(|part| {
                let contacts = &contacts;
                s.spawn(move || profile_page(part, contacts))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("profiling thread panicked"))
            .collect()
    })
}

/// Why a score threshold (0 < x ≤ 1) is refused, if it is.
pub(crate) fn score_out_of_range(x: f64) -> Option<Code> {
    if x > 1.0 {
        Some(Code::AboveMax { max: "1".into() })
    } else if x > 0.0 {
        None
    } else {
        // Zero, negative or not a number.
        Some(Code::BelowMin { min: "0".into() })
    }
}

/// SQL true when the actor may see every record of cluster `k`.
fn all_visible(actor: &Actor) -> String {
    let vis = visible(actor.scope(), "c");
    format!(
        "((k.entity = 'customer' AND NOT EXISTS (SELECT 1 FROM duplicate_members vm \
         JOIN customers c ON c.id = vm.customer_id WHERE vm.cluster_id = k.id AND NOT {vis})) \
         OR (k.entity = 'contact' AND NOT EXISTS (SELECT 1 FROM contact_duplicate_members vm \
         JOIN contacts x ON x.id = vm.contact_id JOIN customers c ON c.id = x.customer_id \
         WHERE vm.cluster_id = k.id AND NOT {vis})))"
    )
}

/// Whether a cluster's every pair is only related: the SQL of
/// [`QueueCluster::related`].
const RELATED: &str =
    "NOT EXISTS (SELECT 1 FROM duplicate_pairs rp WHERE rp.cluster_id = k.id AND NOT rp.related)";

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

    /// Duplicate contacts: the same person twice among one customer's
    /// contacts. Pairs across customers are left to the customers' own
    /// scan (two customers sharing a contact are likely one customer).
    async fn scan_contacts(&self, options: ScanOptions) -> Result<(usize, Vec<Cluster>)> {
        let marked: Vec<(i64, i64)> = self
            .db
            .all(q("SELECT a_id, b_id FROM contact_not_duplicates"))
            .await?;
        let excluded: NotDuplicates = marked.into_iter().collect();
        let mut scanner = Scanner::new()
            .threshold(options.threshold)
            .threads(options.threads.max(1))
            .excluding(excluded.clone());
        let mut customer_of: HashMap<i64, i64> = HashMap::new();
        let mut after = 0i64;
        loop {
            let rows: Vec<ContactScanRow> = self
                .db
                .all(
                    q(
                        "SELECT x.id, x.customer_id, x.name, x.mobile, x.phone, x.email, x.birth_date, c.kind, \
                       c.name AS customer_name, c.company FROM contacts x \
                       JOIN customers c ON c.id = x.customer_id \
                       WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND x.id > $1 \
                       ORDER BY x.id LIMIT $2",
                    )
                    .bind(after)
                    .bind(PAGE as i64),
                )
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            customer_of.extend(rows.iter().map(|r| (r.id, r.customer_id)));
            let profiles = tokio::task::spawn_blocking(move || {
                rows.iter().map(ContactScanRow::profile).collect::<Vec<_>>()
            })
            .await
            .map_err(|e| Error::internal(e.to_string()))?;
            for profile in profiles {
                scanner.push(profile);
            }
        }
        tokio::task::spawn_blocking(move || {
            let candidates: Vec<_> = scanner
                .scan()
                .into_iter()
                .filter(|c| customer_of.get(&c.a) == customer_of.get(&c.b))
                .collect();
            (candidates.len(), clusters(candidates, &excluded))
        })
        .await
        .map_err(|e| Error::internal(e.to_string()))
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

    pub async fn dedupe_run(&self, id: i64) -> Result<DedupeRun> {
        self.db
            .optional(
                q(format!(
                    "SELECT {RUN_COLUMNS} FROM dedupe_runs WHERE id = $1"
                ))
                .bind(id),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    /// The latest scans, newest first.
    pub async fn dedupe_runs(&self, limit: usize) -> Result<Vec<DedupeRun>> {
        self.db
            .all(
                q(format!(
                    "SELECT {RUN_COLUMNS} FROM dedupe_runs ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit.clamp(1, MAX_PAGE) as i64),
            )
            .await
    }

    /// A page of the review queue, strongest clusters first. A cluster is
    /// listed only when the actor may see every record in it.
    pub async fn duplicate_queue(&self, actor: &Actor, filter: &QueueFilter) -> Result<QueuePage> {
        if !actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let status = filter.status.as_deref().unwrap_or("open");
        if !["open", "merged", "dismissed"].contains(&status) {
            return Err(Invalid::one("status", Code::InvalidChoice).into());
        }
        let entity = filter.entity.as_deref().unwrap_or("customer");
        if !["customer", "contact"].contains(&entity) {
            return Err(Invalid::one("entity", Code::InvalidChoice).into());
        }
        // Both are from fixed lists, checked above.
        let mut cond = format!(
            "k.status = '{status}' AND k.entity = '{entity}' AND {}",
            all_visible(actor)
        );
        match filter.related {
            Some(true) => cond.push_str(&format!(" AND {RELATED}")),
            Some(false) => cond.push_str(&format!(" AND NOT {RELATED}")),
            None => {}
        }
        let (total,): (i64,) = self
            .db
            .one(
                q(format!(
                    "SELECT COUNT(*) FROM duplicate_clusters k WHERE {cond}"
                ))
                .once(),
            )
            .await?;
        let order = if status == "open" {
            "k.score DESC, k.id"
        } else {
            "k.id DESC"
        };
        let heads: Vec<ClusterHead> = self
            .db
            .all(
                q(format!(
                    "SELECT {HEAD_COLUMNS}, {RELATED} AS related FROM duplicate_clusters k WHERE {cond} \
                     ORDER BY {order} LIMIT $1 OFFSET $2"
                ))
                .once()
                .bind(filter.limit.clamp(1, MAX_PAGE) as i64)
                .bind(filter.offset as i64),
            )
            .await?;
        let clusters = self.fill_clusters(heads).await?;
        let run: Option<DedupeRun> = self
            .db
            .optional(q(format!(
                "SELECT {RUN_COLUMNS} FROM dedupe_runs WHERE finished_at IS NOT NULL \
                 ORDER BY id DESC LIMIT 1"
            )))
            .await?;
        Ok(QueuePage {
            clusters,
            total,
            run,
        })
    }

    /// The clusters a scan found, in id order from `after` on: for reading
    /// a whole scan's result page by page, whatever became of each cluster.
    pub async fn run_clusters(
        &self,
        actor: &Actor,
        run: i64,
        after: i64,
        limit: usize,
    ) -> Result<Vec<QueueCluster>> {
        if !actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let heads: Vec<ClusterHead> = self
            .db
            .all(
                q(format!(
                    "SELECT {HEAD_COLUMNS}, {RELATED} AS related FROM duplicate_clusters k WHERE k.run_id = $1 \
                     AND k.id > $2 ORDER BY k.id LIMIT $3"
                ))
                .bind(run)
                .bind(after)
                .bind(limit.clamp(1, 10_000) as i64),
            )
            .await?;
        self.fill_clusters(heads).await
    }

    /// One cluster, if the actor may see every record in it.
    pub async fn duplicate_cluster(&self, actor: &Actor, id: i64) -> Result<QueueCluster> {
        if !actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let head: Option<ClusterHead> = self
            .db
            .optional(
                q(format!(
                    "SELECT {HEAD_COLUMNS}, {RELATED} AS related FROM duplicate_clusters k WHERE k.id = $1 \
                     AND {}",
                    all_visible(actor)
                ))
                .bind(id),
            )
            .await?;
        let head = head.ok_or(Error::NotFound)?;
        Ok(self.fill_clusters(vec![head]).await?.remove(0))
    }

    /// "Not a duplicate" on a cluster of the queue: with `member`, that
    /// record is not a duplicate of any other in the cluster and leaves it;
    /// without, none of the records is a duplicate of another. The pairs
    /// are remembered and never proposed again. A cluster left with fewer
    /// than two records is dismissed.
    pub async fn dismiss_cluster(
        &self,
        ctx: &Ctx,
        id: i64,
        member: Option<i64>,
    ) -> Result<QueueCluster> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let cluster = self.duplicate_cluster(&ctx.actor, id).await?;
        if cluster.status != "open" {
            return Err(Error::Conflict("cluster_closed"));
        }
        let ids: Vec<i64> = cluster.members.iter().map(|m| m.id).collect();
        let entity = Entity::of(&cluster);
        let leaving: Vec<i64> = match member {
            Some(m) if ids.contains(&m) => vec![m],
            Some(_) => return Err(Invalid::one("member", Code::NotFound).into()),
            None => ids.clone(),
        };
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let mut marked = BTreeSet::new();
        for &x in &leaving {
            for &y in &ids {
                if x != y && marked.insert((x.min(y), x.max(y))) {
                    not_duplicate_in(&mut tx, ctx, entity, x, y, now).await?;
                }
            }
        }
        let staying = ids.len() - leaving.len();
        if staying < 2 {
            tx.execute(
                q("UPDATE duplicate_clusters SET status = 'dismissed' WHERE id = $1").bind(id),
            )
            .await?;
        } else {
            let gone = leaving[0];
            tx.execute(
                q("DELETE FROM duplicate_pairs WHERE cluster_id = $1 AND (a_id = $2 OR b_id = $2)")
                    .bind(id)
                    .bind(gone),
            )
            .await?;
            let (members, column) = entity.members();
            tx.execute(
                q(format!(
                    "DELETE FROM {members} WHERE cluster_id = $1 AND {column} = $2"
                ))
                .bind(id)
                .bind(gone),
            )
            .await?;
            tx.execute(
                q("UPDATE duplicate_clusters SET size = size - 1, score = COALESCE((SELECT MAX(score) \
                   FROM duplicate_pairs WHERE cluster_id = $1), score) WHERE id = $1")
                .bind(id),
            )
            .await?;
        }
        tx.commit().await?;
        self.duplicate_cluster(&ctx.actor, id).await
    }

    async fn fill_clusters(&self, heads: Vec<ClusterHead>) -> Result<Vec<QueueCluster>> {
        if heads.is_empty() {
            return Ok(Vec::new());
        }
        let list = heads
            .iter()
            .map(|h| h.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let members: Vec<QueueMember> = self
            .db
            .all(
                q(format!(
                    "SELECT m.cluster_id, c.id, c.kind, c.name, c.company, c.mobile, c.email, \
                     c.city, c.external_id, c.owner_id, c.created_at, c.updated_at, c.deleted_at, \
                     CAST(NULL AS BIGINT) AS customer_id \
                     FROM duplicate_members m JOIN customers c ON c.id = m.customer_id \
                     WHERE m.cluster_id IN ({list}) \
                     UNION ALL \
                     SELECT m.cluster_id, x.id, 'contact', x.name, c.name, x.mobile, x.email, \
                     c.city, CAST(NULL AS TEXT), c.owner_id, x.created_at, x.updated_at, x.deleted_at, \
                     x.customer_id FROM contact_duplicate_members m JOIN contacts x ON x.id = m.contact_id \
                     JOIN customers c ON c.id = x.customer_id \
                     WHERE m.cluster_id IN ({list}) ORDER BY 1, 2"
                ))
                .once(),
            )
            .await?;
        let pairs: Vec<PairRow> = self
            .db
            .all(
                q(format!(
                    "SELECT cluster_id, a_id, b_id, score, reasons, related FROM duplicate_pairs \
                     WHERE cluster_id IN ({list}) ORDER BY cluster_id, score DESC, a_id, b_id"
                ))
                .once(),
            )
            .await?;
        let mut out = Vec::with_capacity(heads.len());
        for head in heads {
            let members: Vec<QueueMember> = members
                .iter()
                .filter(|m| m.cluster_id == head.id)
                .cloned()
                .collect();
            let mut reasons = BTreeSet::new();
            let mut links = Vec::new();
            for p in pairs.iter().filter(|p| p.cluster_id == head.id) {
                let codes: Vec<String> = serde_json::from_str(&p.reasons)
                    .map_err(|e| Error::internal(format!("cluster {}: {e}", head.id)))?;
                reasons.extend(codes.iter().cloned());
                links.push(QueuePair {
                    a: p.a_id,
                    b: p.b_id,
                    score: p.score,
                    reasons: codes,
                    related: p.related,
                });
            }
            out.push(QueueCluster {
                entity: head.entity,
                id: head.id,
                run_id: head.run_id,
                status: head.status,
                score: head.score,
                related: head.related,
                merge_id: head.merge_id.or(head.contact_merge_id),
                reasons: in_reason_order(reasons),
                members,
                pairs: links,
            });
        }
        Ok(out)
    }
}

/// Reason codes in the order the reasons are declared (strongest
/// evidence first), unknown ones last.
fn in_reason_order(codes: BTreeSet<String>) -> Vec<String> {
    let mut codes: Vec<String> = codes.into_iter().collect();
    let rank = |c: &String| {
        Reason::ALL
            .iter()
            .position(|r| r.as_str() == c)
            .unwrap_or(usize::MAX)
    };
    codes.sort_by_key(rank);
    codes
}

/// What the members of a cluster are: customers or contacts, each with
/// its own tables of members and of pairs marked as not duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entity {
    Customer,
    Contact,
}

impl Entity {
    fn of(cluster: &QueueCluster) -> Entity {
        if cluster.entity == "contact" {
            Entity::Contact
        } else {
            Entity::Customer
        }
    }

    fn name(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Contact => "contact",
        }
    }

    /// The members table and its record column.
    fn members(self) -> (&'static str, &'static str) {
        match self {
            Entity::Customer => ("duplicate_members", "customer_id"),
            Entity::Contact => ("contact_duplicate_members", "contact_id"),
        }
    }

    fn not_duplicates(self) -> &'static str {
        match self {
            Entity::Customer => "not_duplicates",
            Entity::Contact => "contact_not_duplicates",
        }
    }
}

/// Remembers that records `x` and `y` are not duplicates, inside `tx`.
async fn not_duplicate_in(
    tx: &mut Tx,
    ctx: &Ctx,
    entity: Entity,
    x: i64,
    y: i64,
    now: i64,
) -> Result<()> {
    tx.execute(
        q(format!(
            "INSERT INTO {} (a_id, b_id, actor_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
            entity.not_duplicates()
        ))
        .bind(x.min(y))
        .bind(x.max(y))
        .bind(ctx.by())
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Remembers that two records are not duplicates, and takes the pair out
/// of the review queue: an open cluster of just these two is dismissed,
/// a larger one loses the pair.
pub(crate) async fn mark_not_duplicate_in(
    tx: &mut Tx,
    ctx: &Ctx,
    entity: Entity,
    a: i64,
    b: i64,
) -> Result<()> {
    let (lo, hi) = (a.min(b), a.max(b));
    not_duplicate_in(tx, ctx, entity, lo, hi, now_ms()).await?;
    let (members, column) = entity.members();
    let open_with_both = format!(
        "SELECT id FROM duplicate_clusters WHERE status = 'open' AND entity = '{}' AND id IN \
         (SELECT cluster_id FROM {members} WHERE {column} = $1 \
          INTERSECT SELECT cluster_id FROM {members} WHERE {column} = $2)",
        entity.name()
    );
    tx.execute(
        q(format!(
            "UPDATE duplicate_clusters SET status = 'dismissed' WHERE size = 2 \
             AND id IN ({open_with_both})"
        ))
        .bind(lo)
        .bind(hi),
    )
    .await?;
    tx.execute(
        q(format!(
            "DELETE FROM duplicate_pairs WHERE a_id = $1 AND b_id = $2 \
             AND cluster_id IN ({open_with_both})"
        ))
        .bind(lo)
        .bind(hi),
    )
    .await?;
    Ok(())
}

const RUN_COLUMNS: &str = "id, actor_id, threshold, records, pairs, clusters, auto_merged, \
                           started_at, finished_at";

const HEAD_COLUMNS: &str =
    "k.id, k.run_id, k.entity, k.status, k.score, k.merge_id, k.contact_merge_id";

#[derive(sqlx::FromRow)]
struct ClusterHead {
    id: i64,
    run_id: i64,
    entity: String,
    contact_merge_id: Option<i64>,
    status: String,
    score: f64,
    merge_id: Option<i64>,
    related: bool,
}

#[derive(sqlx::FromRow)]
struct PairRow {
    cluster_id: i64,
    a_id: i64,
    b_id: i64,
    score: f64,
    reasons: String,
    related: bool,
}
