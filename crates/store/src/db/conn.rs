//! Pools and transactions of either backend, and running a statement on
//! one: rows decoded into a [`Row`] type, or the count a statement changed.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, PgPool, Postgres, Sqlite, SqlitePool};

use super::{Backend, Q};
use crate::vault::Vault;
use crate::Error;
use std::sync::Arc;

/// A row type that decodes from both backends.
pub(crate) trait Row:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// Runs `$q` on `$sqlite` or `$pg` (executors of each backend), with `$how`
/// one of sqlx's `fetch_all`, `fetch_optional`, `fetch_one`, `execute`.
macro_rules! run {
    (rows $target:expr, $q:expr, $how:ident, $T:ty) => {
        match $target {
            Exec::Sqlite(e) => {
                let persistent = $q.persistent;
                let (sql, args) = $q.sqlite()?;
                sqlx::query_as_with::<Sqlite, $T, _>(&sql, args)
                    .persistent(persistent)
                    .$how(e)
                    .await?
            }
            Exec::Postgres(e) => {
                let persistent = $q.persistent;
                let (sql, args) = $q.postgres()?;
                sqlx::query_as_with::<Postgres, $T, _>(&sql, args)
                    .persistent(persistent)
                    .$how(e)
                    .await?
            }
        }
    };
    (exec $target:expr, $q:expr) => {
        match $target {
            Exec::Sqlite(e) => {
                let persistent = $q.persistent;
                let (sql, args) = $q.sqlite()?;
                sqlx::query_with::<Sqlite, _>(&sql, args)
                    .persistent(persistent)
                    .execute(e)
                    .await?
                    .rows_affected()
            }
            Exec::Postgres(e) => {
                let persistent = $q.persistent;
                let (sql, args) = $q.postgres()?;
                sqlx::query_with::<Postgres, _>(&sql, args)
                    .persistent(persistent)
                    .execute(e)
                    .await?
                    .rows_affected()
            }
        }
    };
}

pub(super) enum Exec<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// The connection pool of whichever backend is configured.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The pool and the keys that seal and open sensitive values, which every
/// transaction carries so code that writes a record can seal its values.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    pub pool: Pool,
    pub vault: Arc<Vault>,
}

pub(super) enum Conn {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// An open transaction. Dropped without [`Tx::commit`], it rolls back.
pub(crate) struct Tx {
    pub(super) conn: Conn,
    pub vault: Arc<Vault>,
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    fn exec(&self) -> Exec<&SqlitePool, &PgPool> {
        match &self.pool {
            Pool::Sqlite(p) => Exec::Sqlite(p),
            Pool::Postgres(p) => Exec::Postgres(p),
        }
    }

    /// Starts a write transaction. SQLite takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so two writers never deadlock upgrading a read.
    pub async fn begin(&self) -> Result<Tx, Error> {
        let conn = match &self.pool {
            Pool::Sqlite(p) => Conn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Conn::Postgres(p.begin().await?),
        };
        Ok(Tx {
            conn,
            vault: self.vault.clone(),
        })
    }

    pub async fn all<T: Row>(&self, q: Q) -> Result<Vec<T>, Error> {
        Ok(run!(rows self.exec(), q, fetch_all, T))
    }

    pub async fn optional<T: Row>(&self, q: Q) -> Result<Option<T>, Error> {
        Ok(run!(rows self.exec(), q, fetch_optional, T))
    }

    pub async fn one<T: Row>(&self, q: Q) -> Result<T, Error> {
        Ok(run!(rows self.exec(), q, fetch_one, T))
    }

    pub async fn execute(&self, q: Q) -> Result<u64, Error> {
        Ok(run!(exec self.exec(), q))
    }
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    pub(super) fn exec(&mut self) -> Exec<&mut sqlx::SqliteConnection, &mut sqlx::PgConnection> {
        match &mut self.conn {
            Conn::Sqlite(t) => Exec::Sqlite(&mut **t),
            Conn::Postgres(t) => Exec::Postgres(&mut **t),
        }
    }

    pub async fn commit(self) -> Result<(), Error> {
        match self.conn {
            Conn::Sqlite(t) => t.commit().await?,
            Conn::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn all<T: Row>(&mut self, q: Q) -> Result<Vec<T>, Error> {
        Ok(run!(rows self.exec(), q, fetch_all, T))
    }

    pub async fn optional<T: Row>(&mut self, q: Q) -> Result<Option<T>, Error> {
        Ok(run!(rows self.exec(), q, fetch_optional, T))
    }

    pub async fn one<T: Row>(&mut self, q: Q) -> Result<T, Error> {
        Ok(run!(rows self.exec(), q, fetch_one, T))
    }

    pub async fn execute(&mut self, q: Q) -> Result<u64, Error> {
        Ok(run!(exec self.exec(), q))
    }

    /// Runs an INSERT … RETURNING id and gives the new id.
    pub async fn insert(&mut self, q: Q) -> Result<i64, Error> {
        let (id,): (i64,) = self.one(q).await?;
        Ok(id)
    }
}
