//! The retention rule: customers and leads soft-deleted more than the
//! administrator's number of days ago are erased by the daily maintenance,
//! with the same code (and the same log) as an erasure by hand.

use serde::Serialize;

use super::{Subject, SubjectKind};
use crate::db::q;
use crate::{Error, Result, Store};

/// Records one day's sweep erases at most; the rest wait for the next day,
/// so a first sweep over years of deletions does not hold the database.
const MAX_PER_SWEEP: i64 = 1_000;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// What a retention sweep did.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Purged {
    pub customers: usize,
    pub leads: usize,
    /// Records left for a later day: an import over them is running.
    pub deferred: usize,
}

impl Store {
    /// Erases soft-deleted records older than the retention, as of `now`
    /// (milliseconds). Nothing when no retention is set. Records merged
    /// into another are kept: they are erased with the record they went
    /// into, and an undo of the merge needs them until then.
    pub async fn purge_expired(&self, now: i64) -> Result<Purged> {
        let mut purged = Purged::default();
        let Some(days) = self.retention_days().await? else {
            return Ok(purged);
        };
        let cutoff = now - days * DAY_MS;
        for (table, kind, merged) in [
            (
                "customers",
                SubjectKind::Customer,
                " AND merged_into IS NULL",
            ),
            ("leads", SubjectKind::Lead, ""),
        ] {
            let rows: Vec<(i64,)> = self
                .db
                .all(
                    q(format!(
                        "SELECT id FROM {table} WHERE deleted_at IS NOT NULL AND erased_at IS NULL \
                         AND deleted_at < $1{merged} ORDER BY deleted_at, id LIMIT $2"
                    ))
                    .bind(cutoff)
                    .bind(MAX_PER_SWEEP),
                )
                .await?;
            for (id,) in rows {
                match self.erase_in(None, Subject { kind, id }, true).await {
                    Ok(Some(_)) if kind == SubjectKind::Lead => purged.leads += 1,
                    Ok(Some(_)) => purged.customers += 1,
                    Ok(None) => {}
                    Err(Error::Conflict("import_running")) => purged.deferred += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(purged)
    }
}
