//! Imports and batch updates (批量导入/批量更新) of customers.
//!
//! A file's rows come in as cells; [`Preparer`] turns each into a parsed
//! candidate with the same entry standards as a form (pure CPU work, so a
//! caller can do it on another thread while the previous chunk is
//! written). [`Store::import_chunk`](crate::Store::import_chunk) then
//! decides, chunk by chunk, what each row does — create a customer, update
//! the one it matches, skip it as a duplicate, or reject it with its
//! reasons — and writes the chunk in one transaction together with the
//! batch's progress. A batch stopped half-way is resumed after its last
//! committed row, so every row is written exactly once;
//! [`Store::undo_import`](crate::Store::undo_import) takes everything a
//! batch did back, from the history rows it stamped with its id.

mod batch;
mod chunk;
mod decide;
mod issues;
mod prepare;
mod templates;
mod undo;
mod uploads;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::now_ms;
use crate::time::Time;

pub use chunk::ChunkOutcome;
pub use decide::Seen;
pub(crate) use issues::{open_cells, ISSUE_CELLS};
pub use issues::{Issue, Reason};
pub use kehu_core::transfer::prepare::{PreparedRow, Preparer, SourceRow};
pub use templates::ImportTemplate;
pub(crate) use undo::previous_values;
pub use undo::UndoReport;
pub use uploads::UploadRecord;
pub(crate) use uploads::UPLOAD_KEY;

pub use kehu_core::transfer::{BatchKind, Policy};

/// How a file is read into customers, kept with the batch so a resumed
/// batch reads its file the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportOptions {
    /// `import` or `update`.
    #[schema(value_type = String, pattern = "^(import|update)$")]
    pub kind: BatchKind,
    /// `skip`, `fill`, `overwrite` or `create`.
    #[schema(value_type = String, pattern = "^(skip|fill|overwrite|create)$")]
    pub policy: Policy,
    /// The file's column headers, in order.
    pub headers: Vec<String>,
    /// For each column, the key of the field it fills (`name`,
    /// `custom.level`, `owner`, `tags`, `id` …), or null to ignore it.
    pub mapping: Vec<Option<String>>,
    /// The sheet of a workbook.
    #[serde(default)]
    pub sheet: Option<String>,
    /// The row the file's headers are on, as the user counts rows.
    #[serde(default)]
    pub header_row: Option<u64>,
    /// Reject a row whole for any invalid value, not only for an invalid
    /// key (name, mobile, email, credit code, external id).
    #[serde(default)]
    pub strict: bool,
    /// What a batch update by filter changed (`stage=customer`).
    #[serde(default)]
    pub description: Option<String>,
}

/// An import or batch update as kept in the database.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Batch {
    pub id: i64,
    /// `import` or `update`.
    #[schema(value_type = String, pattern = "^(import|update)$")]
    pub kind: BatchKind,
    /// `running`, `done`, `undoing` or `undone`.
    pub status: String,
    pub file_name: String,
    #[serde(skip)]
    pub file_path: Option<String>,
    /// The token of the process writing it (see [`Store::claim_import`]).
    #[serde(skip)]
    runner: String,
    pub file_sha256: Option<String>,
    pub options: ImportOptions,
    pub actor_id: Option<i64>,
    /// Rows read and committed, in file order.
    pub rows_done: i64,
    pub counts: Counts,
    pub created_at: Time,
    pub heartbeat_at: Time,
    pub finished_at: Option<Time>,
    pub undone_at: Option<Time>,
}

impl Batch {
    /// Whether no process is writing it any more: finished, or stopped
    /// without a heartbeat for a while.
    pub fn is_interrupted(&self) -> bool {
        self.status == "running" && now_ms() - self.heartbeat_at.0 > STALE_MS
    }
}

/// A running batch without a heartbeat for this long was interrupted.
pub const STALE_MS: i64 = 60_000;

/// What the rows of a batch (or a chunk, or a dry run) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    pub created: i64,
    pub updated: i64,
    /// Matched a record that already held every value of the row.
    pub unchanged: i64,
    /// Duplicates left alone (policy `skip`).
    pub skipped: i64,
    pub rejected: i64,
    /// Rows created or updated without some invalid secondary values (a
    /// second phone, a website, an owner this instance lacks), which are
    /// listed with the row; counted among created, updated or unchanged
    /// too.
    #[serde(default)]
    pub warned: i64,
}

impl Counts {
    pub fn rows(&self) -> i64 {
        self.created + self.updated + self.unchanged + self.skipped + self.rejected
    }

    pub fn add(&mut self, other: &Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
        self.rejected += other.rejected;
        self.warned += other.warned;
    }
}

impl ImportOptions {
    fn fill(&self) -> bool {
        self.policy == Policy::Fill
    }
}
