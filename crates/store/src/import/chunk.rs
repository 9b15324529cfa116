//! Writing one chunk of prepared rows, with the batch's progress, in one
//! transaction (or a dry run of it).

use std::collections::{HashMap, HashSet};

use kehu_core::country::Country;
use kehu_core::entry::Stored;
use kehu_core::transfer::prepare::{PreparedRow, Preparer, RecordName, SourceRow};
use kehu_core::transfer::Key;
use kehu_core::CustomerId;
use serde::Serialize;

use crate::bulk::{write_bulk_in, BulkCustomer, PreparedBulk};
use crate::customers::update_in;
use crate::db::{q, Arg};
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

use super::decide::{
    check_unique, current_of, decide, lookup, revealed, touched, update_input, Decision, Ref, Seen,
};
use super::issues::{Issue, Warned, ISSUE_CELLS};
use super::{Batch, Counts, ImportOptions};

/// What one chunk did.
#[derive(Debug, Clone, Default)]
pub struct ChunkOutcome {
    pub counts: Counts,
    /// Its rejected and skipped rows.
    pub issues: Vec<Issue>,
}

impl Store {
    /// Decides one chunk of rows and, for a batch, writes it in one
    /// transaction together with the batch's progress. Without a batch it
    /// is a dry run: the same decisions, nothing written. `seen` carries
    /// the keys of earlier rows of the file.
    pub async fn import_chunk(
        &self,
        ctx: &Ctx,
        options: &ImportOptions,
        batch: Option<&mut Batch>,
        preparer: &Preparer,
        rows: Vec<PreparedRow>,
        seen: &mut Seen,
    ) -> Result<ChunkOutcome> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        if crate::lookups::counted(&ctx.actor) {
            self.lookups_left(&ctx.actor, "import").await?;
        }
        let mut tx = self.db.begin().await?;
        let rows = rehome(&mut tx, &ctx.actor, preparer, rows).await?;
        let mobiles = rows
            .iter()
            .filter_map(|row| row.parsed.as_ref().ok())
            .flat_map(|c| c.keys())
            .filter(|(kind, _)| *kind == Key::Mobile)
            .map(|(_, value)| value);
        crate::lookups::note_masked_in(&mut tx, &ctx.actor, mobiles).await?;
        let found = lookup(&mut tx, &ctx.actor, &rows).await?;
        let charged = revealed(&ctx.actor, &rows, &found);
        crate::lookups::charge_in(&mut tx, &ctx.actor, &charged, "import").await?;
        let touched = match &batch {
            Some(b) => touched(&mut tx, b.id, &found).await?,
            None => HashSet::new(),
        };
        let warned = Warned::of(&rows);
        let mut decisions = decide(options, &ctx.actor, preparer, &rows, &found, &touched, seen);
        check_unique(&mut tx, preparer, &mut decisions).await?;
        let mut outcome = ChunkOutcome::default();
        let Some(batch) = batch else {
            // A dry run: an update is told apart from a row that would
            // change nothing by comparing with the record as it is.
            for (row, decision) in rows.into_iter().zip(decisions) {
                match decision {
                    Decision::Update {
                        target: Ref::Existing(id),
                        candidate,
                    } => {
                        let current = current_of(&mut tx, &ctx.actor, id).await?;
                        if update_input(&current, &candidate, options.fill()).is_some() {
                            outcome.counts.updated += 1;
                        } else {
                            outcome.counts.unchanged += 1;
                        }
                    }
                    other => outcome.record(&row, other, &[]),
                }
            }
            if !seen.keep {
                seen.keys.clear();
            }
            outcome.warn(warned);
            // It wrote nothing but the lookups it charged.
            tx.commit().await?;
            return Ok(outcome);
        };
        let ctx = ctx.in_batch(batch.id);
        let defs = &preparer.defs;

        // Creates first, in one bulk write: a later row of the chunk may
        // update a record an earlier one creates.
        let mut creates = Vec::new();
        for decision in &mut decisions {
            if let Decision::Create(c) = decision {
                if c.patch.get("country").is_none() {
                    let home = Stored::Text(preparer.home.code().to_owned());
                    c.patch.set.push(("country", Some(home)));
                }
                // Only the count of creates is reported afterwards.
                creates.push(BulkCustomer {
                    patch: std::mem::take(&mut c.patch),
                    tags: std::mem::take(&mut c.tags),
                    custom: std::mem::take(&mut c.custom),
                    derived: c.derived.take(),
                    ..BulkCustomer::default()
                });
            }
        }
        let created_ids = if creates.is_empty() {
            Vec::new()
        } else {
            let prepared = PreparedBulk::new(&ctx, &tx.vault.clone(), defs, &mut creates)?;
            write_bulk_in(&mut tx, prepared).await?
        };

        for (row, decision) in rows.into_iter().zip(decisions) {
            let decision = match decision {
                Decision::Update { target, candidate } => {
                    let id = match target {
                        Ref::Existing(id) => id,
                        Ref::Created(i) => created_ids[i],
                        Ref::Planned => {
                            return Err(Error::internal("planned record in a real run"))
                        }
                    };
                    let current = current_of(&mut tx, &ctx.actor, id).await?;
                    match update_input(&current, &candidate, options.fill()) {
                        None => {
                            outcome.counts.unchanged += 1;
                            continue;
                        }
                        Some(input) => {
                            match update_in(&mut tx, &ctx, defs, CustomerId(id), input, None).await
                            {
                                Ok(changes) if changes.is_empty() => {
                                    outcome.counts.unchanged += 1;
                                    continue;
                                }
                                Ok(_) => {
                                    outcome.counts.updated += 1;
                                    continue;
                                }
                                // Refused before anything was written
                                // (an owner the importer may not give).
                                Err(Error::Invalid(invalid)) => Decision::Reject(invalid.0),
                                Err(e) => return Err(e),
                            }
                        }
                    }
                }
                other => other,
            };
            outcome.record(&row, decision, &created_ids);
        }

        outcome.warn(warned);
        let mut issue_rows = Vec::new();
        for issue in &outcome.issues {
            // The row as read is personal data (and may hold a sensitive
            // field's value): kept sealed, like sensitive fields.
            let cells = tx.vault.seal(ISSUE_CELLS, &json(&issue.cells)?)?;
            issue_rows.extend([
                Arg::from(batch.id),
                issue.row.into(),
                issue.outcome.as_str().into(),
                cells.into(),
                json(&issue.reasons)?.into(),
                issue.match_customer_id.into(),
                issue.match_row.into(),
            ]);
        }
        tx.insert_rows(
            "import_issues",
            &[
                "batch_id",
                "row_number",
                "outcome",
                "cells",
                "reasons",
                "match_customer_id",
                "match_row",
            ],
            issue_rows,
            false,
        )
        .await?;
        let c = outcome.counts;
        let now = now_ms();
        let moved = tx
            .execute(
                q("UPDATE import_batches SET rows_done = rows_done + $1, created = created + $2, \
                   updated = updated + $3, unchanged = unchanged + $4, skipped = skipped + $5, \
                   rejected = rejected + $6, heartbeat_at = $7, warned = warned + $11 \
                   WHERE id = $8 AND status = 'running' AND rows_done = $9 AND runner = $10")
                .bind(c.rows())
                .bind(c.created)
                .bind(c.updated)
                .bind(c.unchanged)
                .bind(c.skipped)
                .bind(c.rejected)
                .bind(now)
                .bind(batch.id)
                .bind(batch.rows_done)
                .bind(batch.runner.as_str())
                .bind(c.warned),
            )
            .await?;
        if moved == 0 {
            // Another process wrote this batch meanwhile: nothing of this
            // chunk is kept.
            return Err(Error::Conflict("batch_moved"));
        }
        tx.commit().await?;
        batch.rows_done += c.rows();
        batch.counts.add(&c);
        batch.heartbeat_at = Time(now);
        if !seen.keep {
            seen.keys.clear();
        }
        Ok(outcome)
    }
}
fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))
}

/// Rows that name the record they update by id or external id, and no
/// country of their own, are read again by the record's country's rules
/// when it is not the file's: a batch update of Australian customers
/// without a country column reads `0414 089 598` as an Australian mobile.
/// (A row that finds its record by mobile or email cannot be placed so:
/// those are read by the file's country to be found at all.)
async fn rehome(
    tx: &mut crate::db::Tx,
    actor: &kehu_core::Actor,
    preparer: &Preparer,
    rows: Vec<PreparedRow>,
) -> Result<Vec<PreparedRow>> {
    let names: Vec<Option<RecordName>> = rows
        .iter()
        .map(|r| preparer.names_record(&r.cells))
        .collect();
    let (mut ids, mut externals): (Vec<Arg>, Vec<Arg>) = (Vec::new(), Vec::new());
    for name in names.iter().flatten() {
        match name {
            RecordName::Id(id) => ids.push((*id).into()),
            RecordName::External(e) => externals.push(e.into()),
        }
    }
    let home = preparer.home.code();
    let mut by_id: HashMap<i64, String> = HashMap::new();
    let mut by_external: HashMap<String, String> = HashMap::new();
    for (column, values) in [("id", ids), ("external_id", externals)] {
        for (id, external, country) in foreign_records(tx, actor, column, values, home).await? {
            by_id.insert(id, country.clone());
            by_external.extend(external.map(|e| (e, country)));
        }
    }
    if by_id.is_empty() && by_external.is_empty() {
        return Ok(rows);
    }
    Ok(rows
        .into_iter()
        .zip(names)
        .map(|(row, name)| {
            let country = match &name {
                Some(RecordName::Id(id)) => by_id.get(id),
                Some(RecordName::External(e)) => by_external.get(e),
                None => None,
            }
            .and_then(|code| Country::from_code(code));
            match country {
                Some(country) => preparer.prepare_in(
                    SourceRow {
                        number: row.number,
                        cells: row.cells,
                    },
                    country,
                ),
                None => row,
            }
        })
        .collect())
}

/// The live customers `actor` may see whose `column` is one of `values`
/// and whose country is not `home`: id, external id and country. A record
/// the actor may not see reads a row by the file's country, as a missing
/// one does, so the answer tells nothing of it.
async fn foreign_records(
    tx: &mut crate::db::Tx,
    actor: &kehu_core::Actor,
    column: &str,
    values: Vec<Arg>,
    home: &str,
) -> Result<Vec<(i64, Option<String>, String)>> {
    let mut found = Vec::new();
    for part in values.chunks(1000) {
        let list = (1..=part.len())
            .map(|i| tx.backend().param(i))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = q(format!(
            "SELECT c.id, c.external_id, c.country FROM customers c \
             WHERE c.deleted_at IS NULL AND c.country <> {} AND c.{column} IN ({list}) AND {}",
            tx.backend().param(part.len() + 1),
            crate::customers::visible(actor.scope(), "c")
        ))
        .once();
        for value in part {
            stmt = stmt.bind(value.clone());
        }
        found.extend(
            tx.all::<(i64, Option<String>, String)>(stmt.bind(home))
                .await?,
        );
    }
    Ok(found)
}
