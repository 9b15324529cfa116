//! Writing in bulk: multi-row inserts (COPY on PostgreSQL), the page
//! cache and index-build settings of a load, and ids reserved ahead.

use sqlx::Postgres;

use super::conn::Conn;
use super::{q, Arg, Backend, Tx, BULK_CACHE_KIB};
use crate::Error;

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
