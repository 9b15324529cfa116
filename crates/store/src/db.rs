//! One way to run SQL on either backend.
//!
//! Fixed statements are written once with `$1, $2, …` placeholders, which
//! both SQLite and PostgreSQL accept; dynamic ones (list filters) are built
//! with sea-query for the backend at hand. Either way a statement becomes a
//! [`Q`] and runs on a pool ([`Db`]) or in a transaction ([`Tx`]). Row types
//! derive `sqlx::FromRow` once and decode from both backends.

use sea_query::{PostgresQueryBuilder, QueryStatementWriter, SqliteQueryBuilder, Value};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, FromRow, PgPool, Postgres, Sqlite, SqlitePool};

use kehu_core::entry::{Kind, Stored};

use crate::vault::Vault;
use crate::Error;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The `n`th (1-based) numbered placeholder. SQLite reads `$1` as a
    /// parameter *named* "$1" and looks every name up in a list as long as
    /// the statement (quadratic with thousands of them); `?1` is a number.
    pub(crate) fn param(self, n: usize) -> String {
        match self {
            Backend::Sqlite => format!("?{n}"),
            Backend::Postgres => format!("${n}"),
        }
    }
}

/// The page cache of a connection writing in bulk, in KiB (1 GiB).
pub(crate) const BULK_CACHE_KIB: u64 = 1_048_576;

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Float(Option<f64>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! arg_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {$(
        impl From<$t> for Arg {
            fn from($v: $t) -> Arg { $e }
        }
    )*};
}

arg_from! {
    i64 => |v| Arg::Int(Some(v)),
    Option<i64> => |v| Arg::Int(v),
    f64 => |v| Arg::Float(Some(v)),
    Option<f64> => |v| Arg::Float(v),
    bool => |v| Arg::Bool(Some(v)),
    String => |v| Arg::Text(Some(v)),
    Option<String> => |v| Arg::Text(v),
    &str => |v| Arg::Text(Some(v.to_owned())),
    Option<&str> => |v| Arg::Text(v.map(str::to_owned)),
    &String => |v| Arg::Text(Some(v.clone())),
}

/// A statement and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Q {
    sql: String,
    args: Vec<Arg>,
    /// Kept prepared on the connection for the next run (sqlx's statement
    /// cache). Statements whose text changes with their input (a list of
    /// ids, a multi-row insert) are not: each would be a new entry, and a
    /// statement with thousands of parameters holds megabytes.
    persistent: bool,
}

/// A WHERE clause of a list built one condition at a time: a `?` in a
/// condition becomes the next numbered parameter, bound by [`Where::query`].
pub(crate) struct Where {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    /// Live records of the table aliased `o` that the scope may see.
    pub(crate) fn visible(scope: kehu_core::Scope) -> Where {
        Where {
            conditions: vec![
                "o.deleted_at IS NULL".to_owned(),
                crate::customers::visible(scope, "o"),
            ],
            args: Vec::new(),
        }
    }

    /// Adds `sql`, its `?` (if any) standing for `arg`.
    pub(crate) fn and(&mut self, sql: &str, arg: impl Into<Arg>) -> &mut Where {
        self.args.push(arg.into());
        let n = self.args.len();
        self.conditions.push(sql.replace('?', &format!("${n}")));
        self
    }

    /// Adds a condition without a parameter.
    pub(crate) fn and_sql(&mut self, sql: &str) -> &mut Where {
        self.conditions.push(sql.to_owned());
        self
    }

    /// `select` (with `{where}` where the conditions go), its parameters
    /// bound.
    pub(crate) fn query(self, select: &str) -> Q {
        let mut stmt = q(select.replace("{where}", &self.conditions.join(" AND ")));
        for arg in self.args {
            stmt = stmt.bind(arg);
        }
        stmt
    }
}

pub(crate) fn q(sql: impl Into<String>) -> Q {
    Q {
        sql: sql.into(),
        args: Vec::new(),
        persistent: true,
    }
}

impl Q {
    /// Marks a statement whose text is built for one input.
    pub fn once(mut self) -> Q {
        self.persistent = false;
        self
    }

    pub fn bind(mut self, arg: impl Into<Arg>) -> Q {
        self.args.push(arg.into());
        self
    }

    /// Builds a sea-query statement for `backend`.
    pub fn built(backend: Backend, stmt: &impl QueryStatementWriter) -> Result<Q, Error> {
        let (sql, values) = match backend {
            Backend::Sqlite => stmt.build(SqliteQueryBuilder),
            Backend::Postgres => stmt.build(PostgresQueryBuilder),
        };
        let args = values
            .into_iter()
            .map(|v| {
                Ok(match v {
                    Value::Bool(b) => Arg::Bool(b),
                    Value::TinyInt(i) => Arg::Int(i.map(i64::from)),
                    Value::SmallInt(i) => Arg::Int(i.map(i64::from)),
                    Value::Int(i) => Arg::Int(i.map(i64::from)),
                    Value::BigInt(i) => Arg::Int(i),
                    Value::TinyUnsigned(i) => Arg::Int(i.map(i64::from)),
                    Value::SmallUnsigned(i) => Arg::Int(i.map(i64::from)),
                    Value::Unsigned(i) => Arg::Int(i.map(i64::from)),
                    Value::BigUnsigned(i) => Arg::Int(
                        i.map(i64::try_from)
                            .transpose()
                            .map_err(|_| Error::internal("integer out of range"))?,
                    ),
                    Value::Float(f) => Arg::Float(f.map(f64::from)),
                    Value::Double(f) => Arg::Float(f),
                    Value::String(s) => Arg::Text(s.map(|s| *s)),
                    Value::Char(c) => Arg::Text(c.map(String::from)),
                    Value::Bytes(b) => Arg::Bytes(b.map(|b| *b)),
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Q {
            sql,
            args,
            persistent: true,
        })
    }

    fn sqlite(self) -> Result<(String, SqliteArguments<'static>), Error> {
        let mut out = SqliteArguments::default();
        for arg in self.args {
            match arg {
                Arg::Int(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
                Arg::Float(v) => out.add(v),
                Arg::Bytes(v) => out.add(v),
            }
            .map_err(Error::encode)?;
        }
        Ok((self.sql, out))
    }

    fn postgres(self) -> Result<(String, PgArguments), Error> {
        let mut out = PgArguments::default();
        for arg in self.args {
            match arg {
                Arg::Int(v) => out.add(v),
                Arg::Text(v) => out.add(v),
                Arg::Bool(v) => out.add(v),
                Arg::Float(v) => out.add(v),
                Arg::Bytes(v) => out.add(v),
            }
            .map_err(Error::encode)?;
        }
        Ok((self.sql, out))
    }
}

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

enum Exec<S, P> {
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

enum Conn {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// An open transaction. Dropped without [`Tx::commit`], it rolls back.
pub(crate) struct Tx {
    conn: Conn,
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

    fn exec(&mut self) -> Exec<&mut sqlx::SqliteConnection, &mut sqlx::PgConnection> {
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

/// A value as the JSON text a TEXT column holds.
pub(crate) fn json(v: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::internal(e.to_string()))
}

/// Milliseconds since the Unix epoch: how kehu stores time.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// How a column decodes into a [`Stored`] value.
pub(crate) fn decodes_as(kind: Kind) -> Stored {
    match kind {
        Kind::Id | Kind::DateTime => Stored::Int(0),
        Kind::Bool => Stored::Bool(false),
        _ => Stored::Text(String::new()),
    }
}

macro_rules! decode_row {
    ($row:expr, $shapes:expr) => {{
        let row = $row;
        $shapes
            .iter()
            .enumerate()
            .map(|(i, shape)| {
                Ok(match shape {
                    Stored::Int(_) => row.try_get::<Option<i64>, _>(i)?.map(Stored::Int),
                    Stored::Bool(_) => row.try_get::<Option<bool>, _>(i)?.map(Stored::Bool),
                    Stored::Text(_) => row.try_get::<Option<String>, _>(i)?.map(Stored::Text),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?
    }};
}

impl Tx {
    /// Reads one row as loosely typed values, decoding column `i` the way
    /// `shapes[i]` says: for code that handles any record type's fields.
    pub async fn values(
        &mut self,
        q: Q,
        shapes: &[Stored],
    ) -> Result<Option<Vec<Option<Stored>>>, Error> {
        use sqlx::Row as _;
        Ok(match self.exec() {
            Exec::Sqlite(e) => {
                let (sql, args) = q.sqlite()?;
                match sqlx::query_with::<Sqlite, _>(&sql, args)
                    .fetch_optional(e)
                    .await?
                {
                    Some(row) => Some(decode_row!(row, shapes)),
                    None => None,
                }
            }
            Exec::Postgres(e) => {
                let (sql, args) = q.postgres()?;
                match sqlx::query_with::<Postgres, _>(&sql, args)
                    .fetch_optional(e)
                    .await?
                {
                    Some(row) => Some(decode_row!(row, shapes)),
                    None => None,
                }
            }
        })
    }
}

/// The argument for a field value; a NULL keeps the column's type, which
/// PostgreSQL needs to accept it.
pub(crate) fn stored_arg(kind: Kind, v: Option<Stored>) -> Arg {
    match (v, decodes_as(kind)) {
        (Some(Stored::Text(s)), _) => Arg::Text(Some(s)),
        (Some(Stored::Int(i)), _) => Arg::Int(Some(i)),
        (Some(Stored::Bool(b)), _) => Arg::Bool(Some(b)),
        (None, Stored::Int(_)) => Arg::Int(None),
        (None, Stored::Bool(_)) => Arg::Bool(None),
        (None, Stored::Text(_)) => Arg::Text(None),
    }
}

/// Most placeholders one statement may carry: SQLite allows 32,766 and
/// PostgreSQL 65,535.
const MAX_PARAMS: usize = 30_000;

/// From how many rows PostgreSQL is sent them with COPY rather than
/// INSERT: a multi-row INSERT is parsed and planned value by value, and a
/// million customers' search keys spent most of an import there.
const COPY_ROWS: usize = 100;

/// Bytes sent to PostgreSQL per COPY data message.
const COPY_MESSAGE_BYTES: usize = 1 << 20;

/// Writes rows with `COPY … FROM STDIN` in PostgreSQL's text format.
async fn copy_in(
    t: &mut sqlx::Transaction<'static, Postgres>,
    table: &str,
    columns: &[&str],
    args: Vec<Arg>,
) -> Result<(), Error> {
    let width = columns.len().max(1);
    let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
    let mut copy = t.copy_in_raw(&statement).await?;
    let sent: Result<(), sqlx::Error> = async {
        let mut data = Vec::with_capacity(COPY_MESSAGE_BYTES + 4096);
        for (n, arg) in args.into_iter().enumerate() {
            if n % width != 0 {
                data.push(b'\t');
            }
            copy_text(&mut data, arg);
            if n % width == width - 1 {
                data.push(b'\n');
                if data.len() >= COPY_MESSAGE_BYTES {
                    copy.send(std::mem::take(&mut data)).await?;
                }
            }
        }
        if !data.is_empty() {
            copy.send(data).await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = sent {
        // Ends the COPY, so the transaction rolls back cleanly.
        let _ = copy.abort("kehu could not send the rows").await;
        return Err(e.into());
    }
    copy.finish().await?;
    Ok(())
}

/// One value in COPY's text format: `\N` for NULL; backslash, tab,
/// newline and carriage return escaped in text.
fn copy_text(out: &mut Vec<u8>, arg: Arg) {
    use std::io::Write;
    match arg {
        Arg::Int(None)
        | Arg::Text(None)
        | Arg::Bool(None)
        | Arg::Float(None)
        | Arg::Bytes(None) => out.extend_from_slice(b"\\N"),
        Arg::Int(Some(i)) => {
            let _ = write!(out, "{i}");
        }
        Arg::Bool(Some(b)) => out.push(if b { b't' } else { b'f' }),
        Arg::Float(Some(f)) if f.is_nan() => out.extend_from_slice(b"NaN"),
        Arg::Float(Some(f)) if f.is_infinite() => {
            out.extend_from_slice(if f > 0.0 { b"Infinity" } else { b"-Infinity" })
        }
        Arg::Float(Some(f)) => {
            let _ = write!(out, "{f:?}");
        }
        Arg::Text(Some(s)) => {
            for b in s.bytes() {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    _ => out.push(b),
                }
            }
        }
        // bytea's hex form, its backslash escaped for COPY.
        Arg::Bytes(Some(bytes)) => {
            out.extend_from_slice(b"\\\\x");
            for b in bytes {
                let _ = write!(out, "{b:02x}");
            }
        }
    }
}

/// Placeholders of SQLite's multi-row inserts. Parsing a statement of
/// thousands of rows costs more than running it, so full-sized ones are kept
/// prepared and run again with new values; at this size each holds a few
/// hundred KB, and one per table stays in the connection's cache.
const SQLITE_ROW_PARAMS: usize = 4_096;

impl Tx {
    /// Inserts many rows with as few multi-row statements as the backends'
    /// placeholder limits allow. `args` holds the rows one after another,
    /// one argument per column.
    pub async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        args: Vec<Arg>,
        on_conflict_do_nothing: bool,
    ) -> Result<(), Error> {
        let width = columns.len().max(1);
        if !args.len().is_multiple_of(width) {
            return Err(Error::internal(format!(
                "{table}: {} values for {width} columns",
                args.len()
            )));
        }
        if let Conn::Postgres(t) = &mut self.conn {
            if !on_conflict_do_nothing && args.len() / width >= COPY_ROWS {
                return copy_in(t, table, columns, args).await;
            }
        }
        // SQLite looks numbered parameters up by name, once per bound value,
        // in a list as long as the statement: with thousands of them that is
        // quadratic. Anonymous `?` parameters are not.
        let numbered = self.backend() == Backend::Postgres;
        let per_statement = (if numbered {
            MAX_PARAMS
        } else {
            SQLITE_ROW_PARAMS
        } / width)
            .max(1);
        let mut args = args.into_iter().peekable();
        while args.peek().is_some() {
            let chunk: Vec<Arg> = args.by_ref().take(per_statement * width).collect();
            // A full statement's text is the same every time: SQLite keeps
            // it prepared. A shorter last one is parsed for this call only.
            let keep = !numbered && chunk.len() == per_statement * width;
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            for n in 0..chunk.len() {
                let column = n % width;
                if column == 0 {
                    sql.push_str(if n == 0 { "(" } else { "), (" });
                } else {
                    sql.push_str(", ");
                }
                if numbered {
                    sql.push('$');
                    sql.push_str(&(n + 1).to_string());
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
            if on_conflict_do_nothing {
                sql.push_str(" ON CONFLICT DO NOTHING");
            }
            let mut stmt = if keep { q(sql) } else { q(sql).once() };
            stmt.args = chunk;
            self.execute(stmt).await?;
        }
        Ok(())
    }

    /// Switches this connection's page cache and checkpoint interval between
    /// bulk sizes (1 GiB, 20,000 pages) and everyday ones (64 MiB, 1,000
    /// pages). No-op on PostgreSQL.
    pub async fn set_bulk_cache(&mut self, bulk: bool) -> Result<(), Error> {
        self.set_cache(bulk, if bulk { BULK_CACHE_KIB } else { 65_536 })
            .await
    }

    /// [`Tx::set_bulk_cache`] with a page cache of `kib` KiB.
    pub async fn set_cache(&mut self, bulk: bool, kib: u64) -> Result<(), Error> {
        if self.backend() == Backend::Sqlite {
            self.execute(q(format!("PRAGMA cache_size = -{kib}")))
                .await?;
            // Fewer, larger checkpoints: each copies every page the WAL
            // holds back into the database file.
            let pages = if bulk { 20_000 } else { 1_000 };
            self.execute(q(format!("PRAGMA wal_autocheckpoint = {pages}")))
                .await?;
        }
        Ok(())
    }

    /// Sets this transaction up to build indexes (or back, `false`).
    /// SQLite sorts on a second thread: the sorted runs are made in
    /// parallel, a quarter faster on two cores. PostgreSQL sorts in memory
    /// up to 256 MB of the server's before it spills to disk (for this
    /// transaction only).
    pub async fn set_index_build(&mut self, on: bool) -> Result<(), Error> {
        match self.backend() {
            Backend::Sqlite => {
                self.execute(q(format!("PRAGMA threads = {}", u8::from(on))))
                    .await?;
            }
            Backend::Postgres if on => {
                self.execute(q("SET LOCAL maintenance_work_mem = '256MB'"))
                    .await?;
            }
            Backend::Postgres => {}
        }
        Ok(())
    }

    /// Reserves `n` ids of `table` for rows inserted with explicit ids, so
    /// related rows can be written in bulk before the database hands ids
    /// out. SQLite is serialised by the write lock this transaction holds;
    /// PostgreSQL draws from the identity's sequence.
    pub async fn reserve_ids(&mut self, table: &str, n: usize) -> Result<Vec<i64>, Error> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match self.backend() {
            Backend::Sqlite => {
                let (max,): (i64,) = self
                    .one(q(format!("SELECT COALESCE(MAX(id), 0) FROM {table}")))
                    .await?;
                Ok((max + 1..=max + n as i64).collect())
            }
            Backend::Postgres => {
                let rows: Vec<(i64,)> = self
                    .all(
                        q(format!(
                            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
                        ))
                        .bind(n as i64),
                    )
                    .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }
        }
    }
}

/// One column of a row of any table, as JSON: integers, reals, booleans,
/// text, and bytes as lower-case hex. For code that copies rows out whole
/// (a data-subject export) without a row type per table.
macro_rules! json_cell {
    ($row:expr, $i:expr) => {{
        let row = $row;
        let i = $i;
        if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<i32>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<f32>, _>(i) {
            v.map(|f| serde_json::Value::from(f64::from(f)))
        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
            v.map(serde_json::Value::from)
        } else if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
            v.map(|b| {
                serde_json::Value::from(b.iter().map(|x| format!("{x:02x}")).collect::<String>())
            })
        } else {
            None
        }
        .unwrap_or(serde_json::Value::Null)
    }};
}

macro_rules! json_rows {
    ($rows:expr) => {{
        use sqlx::{Column as _, Row as _};
        $rows
            .iter()
            .map(|row| {
                row.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name().to_owned(), json_cell!(row, i)))
                    .collect::<serde_json::Map<String, serde_json::Value>>()
            })
            .collect::<Vec<_>>()
    }};
}

/// A row of any table, column name to JSON value.
pub(crate) type JsonRow = serde_json::Map<String, serde_json::Value>;

impl Db {
    /// Runs a SELECT of any columns and gives each row as a JSON object.
    pub async fn json_rows(&self, q: Q) -> Result<Vec<JsonRow>, Error> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => {
                let (sql, args) = q.sqlite()?;
                let rows = sqlx::query_with::<Sqlite, _>(&sql, args)
                    .persistent(false)
                    .fetch_all(p)
                    .await?;
                json_rows!(rows)
            }
            Pool::Postgres(p) => {
                let (sql, args) = q.postgres()?;
                let rows = sqlx::query_with::<Postgres, _>(&sql, args)
                    .persistent(false)
                    .fetch_all(p)
                    .await?;
                json_rows!(rows)
            }
        })
    }
}
