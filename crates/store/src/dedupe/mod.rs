//! Scanning the data already held for duplicates, and the review queue a
//! scan leaves (核对: 查重 over existing records).
//!
//! A scan streams every live customer, with its contacts' numbers and
//! e-mails, page by page into the domain's
//! [`Scanner`](kehu_core::dedupe::Scanner); profiles are built
//! on the blocking pool while the next page is read. The clusters it finds
//! replace the open clusters of earlier scans in one transaction, so the
//! queue always shows the latest picture, while clusters already merged or
//! dismissed stay for the audit report. Pairs a person marked as not
//! duplicates are never proposed again.

mod contacts;
mod dismiss;
mod queue;
mod rows;
mod scan;

use kehu_core::Code;
use serde::Serialize;
use utoipa::ToSchema;

use crate::time::Time;

pub(crate) use dismiss::{mark_not_duplicate_in, Entity};

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
