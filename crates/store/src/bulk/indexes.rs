//! Setting the indexes of the tables a load fills aside for a large load,
//! and building them again (each in one sorted pass) when it is done.

use crate::db::q;
use crate::{Result, Store};

/// The tables a bulk load fills, whose indexes it may set aside.
const BULK_TABLES: &[&str] = &[
    "customers",
    "customer_search",
    "customer_tags",
    "contacts",
    "interactions",
    "tasks",
    "history",
];

/// Indexes an import needs while it runs: its duplicate checks look keys
/// up by them, and later chunks find what earlier ones wrote.
const IMPORT_KEEPS: &[&str] = &[
    "customers_mobile",
    "customers_email",
    "customers_uscc",
    "customers_external_id",
    "history_batch",
];

/// Indexes no load sets aside. PostgreSQL keeps search keys in a heap
/// (SQLite in a table ordered by customer, with no such index): without
/// this one, a record a load updates would have its keys found by a scan.
const ALWAYS_KEEPS: &[&str] = &["customer_search_customer"];

impl Store {
    /// Prepares an empty database for a large load: the secondary indexes
    /// of the tables a load fills are set aside, so rows are appended
    /// instead of threaded into a dozen indexes each, and are built in one
    /// sorted pass by [`Store::finish_bulk`] (on PostgreSQL a million
    /// customers' search keys went from minutes of random index inserts to
    /// seconds). Does nothing when customers exist (users may be searching
    /// them).
    pub async fn suspend_indexes(&self) -> Result<bool> {
        self.suspend_indexes_except(&[]).await
    }

    /// [`Store::suspend_indexes`] for an import into an empty database:
    /// the indexes its duplicate checks look rows up by (and the one that
    /// keeps external ids unique) stay.
    pub async fn suspend_indexes_for_import(&self) -> Result<bool> {
        self.suspend_indexes_except(IMPORT_KEEPS).await
    }

    async fn suspend_indexes_except(&self, keep: &[&str]) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let any: Option<(i64,)> = tx.optional(q("SELECT id FROM customers LIMIT 1")).await?;
        if any.is_some() {
            return Ok(false);
        }
        let tables = BULK_TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let indexes: Vec<(String, String)> = match self.backend() {
            crate::Backend::Sqlite => {
                tx.all(q(format!(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                     AND tbl_name IN ({tables})"
                )))
                .await?
            }
            // Not the indexes of primary keys and constraints: those stay.
            crate::Backend::Postgres => {
                tx.all(q(format!(
                    "SELECT indexname, indexdef FROM pg_indexes \
                     WHERE schemaname = current_schema() AND tablename IN ({tables}) \
                     AND indexname NOT IN (SELECT conname FROM pg_constraint)"
                )))
                .await?
            }
        };
        for (name, sql) in indexes
            .into_iter()
            .filter(|(n, _)| !keep.contains(&n.as_str()) && !ALWAYS_KEEPS.contains(&n.as_str()))
        {
            tx.execute(
                q("INSERT INTO suspended_indexes (name, sql) VALUES ($1, $2)")
                    .bind(&name)
                    .bind(sql),
            )
            .await?;
            tx.execute(q(format!("DROP INDEX \"{}\"", name.replace('"', ""))))
                .await?;
        }
        if self.backend() == crate::Backend::Postgres {
            // PostgreSQL checks a foreign key row by row: seventeen
            // lookups of the customer for each customer's search keys.
            // Put back (checked in one pass) by `finish_bulk`.
            let keys: Vec<(String, String)> = tx
                .all(q(
                    "SELECT conname, 'ALTER TABLE customer_search ADD CONSTRAINT ' \
                     || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) \
                     FROM pg_constraint WHERE contype = 'f' \
                     AND conrelid = 'customer_search'::regclass",
                ))
                .await?;
            for (name, sql) in keys {
                tx.execute(
                    q("INSERT INTO suspended_indexes (name, sql) VALUES ($1, $2)")
                        .bind(&name)
                        .bind(sql),
                )
                .await?;
                tx.execute(q(format!(
                    "ALTER TABLE customer_search DROP CONSTRAINT \"{}\"",
                    name.replace('"', "")
                )))
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Has PostgreSQL look at the tables a load grows again, so it plans
    /// lookups by their indexes rather than from the empty tables it saw
    /// when the load began (its own analysis comes minutes late). Samples
    /// a few thousand rows of each: well under a second. No-op on SQLite,
    /// whose planner takes an index for an equality lookup anyway.
    pub async fn refresh_statistics(&self) -> Result<()> {
        if self.backend() == crate::Backend::Postgres {
            self.db
                .execute(q("ANALYZE customers, contacts, history"))
                .await?;
        }
        Ok(())
    }

    /// How many indexes a load has set aside and not yet rebuilt.
    pub async fn suspended_index_count(&self) -> Result<i64> {
        let (n,): (i64,) = self
            .db
            .one(q("SELECT COUNT(*) FROM suspended_indexes"))
            .await?;
        Ok(n)
    }

    /// Builds the indexes [`Store::suspend_indexes`] set aside, each in one
    /// sorted pass, in one transaction. Does nothing when none are set
    /// aside; runs at every start, so a load that was stopped half-way
    /// leaves no table without its indexes.
    pub async fn finish_bulk(&self) -> Result<()> {
        self.finish_bulk_with_cache(crate::db::BULK_CACHE_KIB).await
    }

    /// [`Store::finish_bulk`] with a page cache (and sorter) of `kib` KiB:
    /// less memory, a little more time.
    pub async fn finish_bulk_with_cache(&self, kib: u64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.set_cache(true, kib).await?;
        tx.set_index_build(true).await?;
        let suspended: Vec<(String, String)> = tx
            .all(q("SELECT name, sql FROM suspended_indexes ORDER BY name"))
            .await?;
        if suspended.iter().any(|(_, sql)| sql.contains("FOREIGN KEY")) {
            // While the key was set aside, customers removed (an import
            // undone before this ran) left their search keys behind: gone
            // now, as the key's ON DELETE CASCADE would have had them.
            tx.execute(q("DELETE FROM customer_search s WHERE NOT EXISTS \
                 (SELECT 1 FROM customers c WHERE c.id = s.customer_id)"))
                .await?;
        }
        for (name, sql) in suspended {
            tx.execute(q(sql)).await?;
            tx.execute(q("DELETE FROM suspended_indexes WHERE name = $1").bind(name))
                .await?;
        }
        tx.set_index_build(false).await?;
        tx.set_bulk_cache(false).await?;
        tx.commit().await
    }
}
