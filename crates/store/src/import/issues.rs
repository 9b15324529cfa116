//! Rows that were not written as they stood: [`Reason`]s and [`Issue`]s,
//! how a chunk's rejected, skipped and warned rows are recorded, and how
//! a batch's issues are read back.

use std::collections::HashSet;

use kehu_core::{Actor, FieldError, Lang};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::q;
use crate::{Error, Result, Store};

use super::chunk::ChunkOutcome;
use super::decide::{Decision, Ref};
use kehu_core::transfer::prepare::PreparedRow;
/// Why a row was rejected or skipped, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    /// The field (`mobile`, `custom.level`), or empty for the whole row.
    pub field: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl Reason {
    pub(super) fn of(e: &FieldError) -> Reason {
        Reason {
            field: e.field.clone(),
            code: e.code.as_str().to_owned(),
            message_zh: e.code.message(Lang::ZhCn),
            message_en: e.code.message(Lang::En),
        }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
}

/// A row that was not written as it stood: rejected, or a duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Issue {
    pub row: i64,
    /// `rejected`, `skipped`, or `warned` (written without some values).
    pub outcome: String,
    pub cells: Vec<String>,
    pub reasons: Vec<Reason>,
    /// The record a duplicate matches.
    pub match_customer_id: Option<i64>,
    /// The earlier row of the same file a duplicate matches.
    pub match_row: Option<i64>,
}

/// What the cells of kept import rows are sealed for (the AAD).
pub(crate) const ISSUE_CELLS: &str = "import_issues.cells";

/// The cells of a kept import row as stored (sealed, or clear from before
/// kehu sealed them), as JSON text.
pub(crate) fn open_cells(vault: &crate::Vault, stored: &str) -> Result<String> {
    vault.open(ISSUE_CELLS, stored)
}

/// The rows of a chunk written without some of their values: number,
/// cells, and what was left out.
pub(super) struct Warned(Vec<(u64, Vec<String>, Vec<FieldError>)>);

impl Warned {
    pub(super) fn of(rows: &[PreparedRow]) -> Warned {
        Warned(
            rows.iter()
                .filter_map(|r| match &r.parsed {
                    Ok(c) if !c.warnings.is_empty() => {
                        Some((r.number, r.cells.clone(), c.warnings.clone()))
                    }
                    _ => None,
                })
                .collect(),
        )
    }
}

impl ChunkOutcome {
    /// Keeps the rows that were written (created, updated or unchanged)
    /// without some values as `warned` issues, in file order among the
    /// rest; a row rejected or skipped after all needs no warning.
    pub(super) fn warn(&mut self, warned: Warned) {
        if warned.0.is_empty() {
            return;
        }
        let listed: HashSet<i64> = self.issues.iter().map(|i| i.row).collect();
        for (number, cells, reasons) in warned.0 {
            if listed.contains(&(number as i64)) {
                continue;
            }
            self.counts.warned += 1;
            self.issues.push(Issue {
                row: number as i64,
                outcome: "warned".to_owned(),
                cells,
                reasons: reasons.iter().map(Reason::of).collect(),
                match_customer_id: None,
                match_row: None,
            });
        }
        self.issues.sort_by_key(|i| i.row);
    }

    /// Counts a decided row and keeps it as an issue when it was not
    /// written. `created` are the ids of this chunk's creates.
    pub(super) fn record(&mut self, row: &PreparedRow, decision: Decision, created: &[i64]) {
        let (outcome, reasons, customer, match_row) = match decision {
            Decision::Create(_) => {
                self.counts.created += 1;
                return;
            }
            Decision::Update { .. } => {
                self.counts.updated += 1;
                return;
            }
            Decision::Skip {
                reasons,
                customer,
                row,
            } => {
                self.counts.skipped += 1;
                let id = match customer {
                    Some(Ref::Existing(id)) => Some(id),
                    Some(Ref::Created(i)) => created.get(i).copied(),
                    _ => None,
                };
                ("skipped", reasons, id, row)
            }
            Decision::Reject(reasons) => {
                self.counts.rejected += 1;
                ("rejected", reasons, None, None)
            }
        };
        self.issues.push(Issue {
            row: row.number as i64,
            outcome: outcome.to_owned(),
            cells: row.cells.clone(),
            reasons: reasons.iter().map(Reason::of).collect(),
            match_customer_id: customer,
            match_row: match_row.map(|r| r as i64),
        });
    }
}

impl Store {
    /// The rejected and skipped rows of a batch, in file order, after row
    /// `after`.
    pub async fn import_issues(
        &self,
        actor: &Actor,
        batch_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Issue>> {
        self.import_batch(actor, batch_id).await?;
        /// Row number, outcome, cells, reasons, matched customer and row.
        type IssueRow = (i64, String, String, String, Option<i64>, Option<i64>);
        let rows: Vec<IssueRow> = self
            .db
            .all(
                q(
                    "SELECT row_number, outcome, cells, reasons, match_customer_id, match_row \
                   FROM import_issues WHERE batch_id = $1 AND row_number > $2 \
                   ORDER BY row_number LIMIT $3",
                )
                .bind(batch_id)
                .bind(after)
                .bind(limit),
            )
            .await?;
        rows.into_iter()
            .map(
                |(row, outcome, cells, reasons, match_customer_id, match_row)| {
                    Ok(Issue {
                        row,
                        outcome,
                        cells: serde_json::from_str(&open_cells(self.vault(), &cells)?)
                            .map_err(|e| Error::internal(e.to_string()))?,
                        reasons: serde_json::from_str(&reasons)
                            .map_err(|e| Error::internal(e.to_string()))?,
                        match_customer_id,
                        match_row,
                    })
                },
            )
            .collect()
    }
}
