#![forbid(unsafe_code)]
//! kehu's persistence: one [`Store`] over SQLite (the embedded default, in
//! WAL mode) or PostgreSQL (for several kehu processes), picked from the
//! database URL. Both backends run the same code and the same tests.

mod db;
mod error;

pub mod access;
pub mod agenda;
pub mod auth;
pub mod backup;
pub mod bulk;
pub mod bulk_change;
pub mod contact_merge;
pub mod customers;
pub mod dedupe;
pub mod duplicates;
pub mod export_limits;
pub mod fields;
pub mod history;
pub mod import;
pub mod leads;
pub mod list;
pub mod locale;
pub mod lookups;
pub(crate) mod mask;
pub mod merge;
pub mod merge_rules;
pub mod opportunities;
pub mod orders;
pub mod privacy;
pub mod products;
pub mod quality;
pub mod records;
pub mod sign_in;
pub mod tags;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod two_factor;
pub mod users;
pub mod vault;
pub mod views;
pub mod webhooks;
pub mod write;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use db::{now_ms, Backend};
pub use error::{Error, Result};

use db::{Db, Pool};
use std::sync::Arc;
pub use vault::Vault;

/// Where kehu keeps its data when nothing is configured.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://kehu.db";

/// The handle every part of kehu uses to read and write records. Cheap to
/// clone: it holds a connection pool.
#[derive(Clone, Debug)]
pub struct Store {
    db: Db,
}

impl Store {
    /// Opens the database named by `url` (`sqlite://path`, `sqlite::memory:`
    /// or `postgres://…`), creating an SQLite file if it does not exist.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_as(url, false).await
    }

    /// Opens the database for one long job of the command line (an import,
    /// an export): two connections, and on SQLite no memory map, so the
    /// process's memory is its own work and not the pages it has read.
    pub async fn connect_for_job(url: &str) -> Result<Store> {
        Store::connect_as(url, true).await
    }

    async fn connect_as(url: &str, job: bool) -> Result<Store> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(if job { 2 } else { 16 })
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Pool::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // With WAL, NORMAL keeps the database consistent after a
                // crash; only the last transactions before a power loss may
                // be rolled back.
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-65536")
                // Reads through a memory map skip a system call and a copy
                // per page: a third off search latency at a million
                // customers (bench/RESULTS.md). Pages stay in the OS cache,
                // shared by all connections and processes.
                .pragma("mmap_size", if job { "0" } else { "1073741824" });
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let pool = SqlitePoolOptions::new()
                // An in-memory database exists once per connection.
                .max_connections(if in_memory {
                    1
                } else if job {
                    2
                } else {
                    8
                })
                .min_connections(if in_memory { 1 } else { 0 })
                .idle_timeout(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(600))
                })
                .max_lifetime(if in_memory {
                    None
                } else {
                    Some(Duration::from_secs(3600))
                })
                .connect_with(options)
                .await?;
            Pool::Sqlite(pool)
        } else {
            return Err(Error::internal(format!(
                "unsupported database URL {}: use sqlite://FILE or postgres://…",
                redact_url(url)
            )));
        };
        Ok(Store {
            db: Db {
                pool,
                vault: Arc::new(Vault::locked()),
            },
        })
    }

    /// Brings the schema up to date. Safe to run from several processes at
    /// once: sqlx takes a lock for the duration.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        // A bulk load that stopped half-way left indexes to build.
        self.finish_bulk().await
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Checks that the database answers, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        let _: (i64,) = self.db.one(db::q("SELECT CAST(1 AS BIGINT)")).await?;
        Ok(())
    }

    /// Refreshes the planner's statistics after large writes, so searches
    /// keep choosing the right index.
    pub async fn optimize(&self) -> Result<()> {
        self.db.execute(db::q("ANALYZE")).await?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.db.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// Refuses everyone but administrators: for what only they may read or
/// change (users, webhooks, re-validations of every record).
pub(crate) fn admin_only(actor: &kehu_core::Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The URL with any password replaced, fit for logs and messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_log() {
        assert_eq!(
            redact_url("postgres://kehu:s3cret@db:5432/kehu"),
            "postgres://kehu:***@db:5432/kehu"
        );
        assert_eq!(redact_url("sqlite://kehu.db"), "sqlite://kehu.db");
    }
}
