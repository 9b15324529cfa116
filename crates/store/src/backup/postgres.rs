//! PostgreSQL: `pg_dump` reads a snapshot that kehu exported from its own
//! transaction and counted the rows of every table in, so the dump is
//! checked exactly: `pg_restore --list` reads its table of contents, and
//! the rows of each table's data are counted from `pg_restore`'s output.
//! The password never reaches a command line (the tools read
//! `PGPASSWORD`) nor a message.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sqlx::{Connection, PgConnection};

use super::{bounded, differences, files, BackupError};
use crate::redact_url;

/// Connection parameters of a database URL that libpq understands too;
/// others (sqlx's own) are left out of what the tools see.
const LIBPQ_PARAMS: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "options",
    "application_name",
    "connect_timeout",
    "host",
    "port",
    "user",
    "dbname",
];

/// Most bytes of a tool's error output kept.
const STDERR_BYTES: usize = 8 * 1024;

/// A database URL as PostgreSQL's tools take it: without the password,
/// which goes in the environment.
struct Libpq {
    url: String,
    password: Option<String>,
}

fn libpq(url: &str) -> Result<Libpq, BackupError> {
    let unreadable =
        || BackupError::Tool(format!("cannot read the database URL {}", redact_url(url)));
    let mut u = url::Url::parse(url).map_err(|_| unreadable())?;
    let mut password = u.password().map(percent_decode);
    u.set_password(None).map_err(|()| unreadable())?;
    let mut kept = Vec::new();
    for (k, v) in u.query_pairs().into_owned() {
        if k == "password" {
            password = Some(v);
        } else if LIBPQ_PARAMS.contains(&k.as_str()) {
            kept.push((k, v));
        }
    }
    u.set_query(None);
    if !kept.is_empty() {
        u.query_pairs_mut().extend_pairs(kept);
    }
    Ok(Libpq {
        url: u.to_string(),
        password,
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A PostgreSQL client program: from `KEHU_PG_BIN` when set (tools of the
/// server's version when the system's are older), else from `PATH`.
fn tool(name: &str, conn: Option<&Libpq>) -> Command {
    let program = match std::env::var_os("KEHU_PG_BIN") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => PathBuf::from(name),
    };
    let mut cmd = Command::new(program);
    cmd.env("PGCONNECT_TIMEOUT", "10").stdin(Stdio::null());
    if let Some(password) = conn.and_then(|c| c.password.as_deref()) {
        cmd.env("PGPASSWORD", password);
    }
    cmd
}

/// Longest a tool may run: a dump that hangs (a lock it waits for, a
/// server gone quiet) must not hold the daily loop forever.
const TOOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// Runs `cmd` to its end on a blocking thread, killed after
/// [`TOOL_TIMEOUT`]; its error output becomes the message when it fails.
async fn run(cmd: Command, name: &'static str) -> Result<(), BackupError> {
    run_bounded(cmd, name, TOOL_TIMEOUT).await
}

async fn run_bounded(
    mut cmd: Command,
    name: &'static str,
    timeout: std::time::Duration,
) -> Result<(), BackupError> {
    let mut child = cmd
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| missing(name, e))?;
    // Read on its own thread, so a talkative tool never blocks on a full
    // pipe while it is waited for.
    let stderr = child.stderr.take().map(|mut err| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = std::io::Read::read_to_end(&mut err, &mut text);
            text.truncate(STDERR_BYTES);
            text
        })
    });
    let waited = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(Some(status));
            }
            if started.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(None);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    })
    .await
    .map_err(|e| BackupError::Tool(format!("{name}: {e}")))?
    .map_err(|e: std::io::Error| BackupError::Tool(format!("{name}: {e}")))?;
    let stderr = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    match waited {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(BackupError::Tool(bounded(&format!(
            "{name} failed ({status}): {}",
            String::from_utf8_lossy(&stderr).trim()
        )))),
        None => Err(BackupError::Tool(format!(
            "{name} did not finish within {} s and was stopped",
            timeout.as_secs()
        ))),
    }
}

fn missing(name: &str, e: std::io::Error) -> BackupError {
    if e.kind() == std::io::ErrorKind::NotFound {
        BackupError::Tool(format!(
            "{name} was not found: install PostgreSQL's client tools (Debian: apt-get install \
             postgresql-client) or set KEHU_PG_BIN to the folder holding them"
        ))
    } else {
        BackupError::Tool(format!("cannot run {name}: {e}"))
    }
}

/// Rows per table of the current schema, as `conn`'s transaction sees them.
async fn table_counts(conn: &mut PgConnection) -> Result<BTreeMap<String, i64>, BackupError> {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = BTreeMap::new();
    for (table,) in tables {
        let sql = format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\""));
        let (n,): (i64,) = sqlx::query_as(&sql).fetch_one(&mut *conn).await?;
        counts.insert(table, n);
    }
    Ok(counts)
}

/// Dumps the database into `partial` (custom format, 0600) from a snapshot
/// whose rows were counted, then checks the dump against those counts.
pub(super) async fn backup(
    url: &str,
    partial: &Path,
) -> Result<BTreeMap<String, i64>, BackupError> {
    let conn_args = libpq(url)?;
    let mut conn = PgConnection::connect(url).await?;
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut conn)
        .await?;
    let (snapshot,): (String,) = sqlx::query_as("SELECT pg_export_snapshot()")
        .fetch_one(&mut conn)
        .await?;
    let counts = table_counts(&mut conn).await?;
    let out = files::create_private(partial)?;
    let mut cmd = tool("pg_dump", Some(&conn_args));
    cmd.arg("--format=custom")
        .arg(format!("--snapshot={snapshot}"))
        .arg(format!("--dbname={}", conn_args.url))
        .stdout(Stdio::from(out));
    // The snapshot lives as long as the transaction that exported it.
    let dumped = run(cmd, "pg_dump").await;
    let _ = sqlx::query("COMMIT").execute(&mut conn).await;
    let _ = conn.close().await;
    dumped?;
    verify(partial, &counts).await?;
    Ok(counts)
}

/// Reads the dump's table of contents and counts its rows, which must be
/// `expected` exactly.
async fn verify(file: &Path, expected: &BTreeMap<String, i64>) -> Result<(), BackupError> {
    let found = inspect(file).await?;
    let wrong = differences(expected, &found);
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(BackupError::Verify(wrong.join("; ")))
    }
}

/// Checks that `pg_restore` reads the dump and counts each table's rows.
pub(super) async fn inspect(file: &Path) -> Result<BTreeMap<String, i64>, BackupError> {
    let mut list = tool("pg_restore", None);
    list.arg("--list").arg(file).stdout(Stdio::null());
    run(list, "pg_restore --list").await?;
    let file = file.to_owned();
    tokio::task::spawn_blocking(move || count_rows(&file))
        .await
        .map_err(|e| BackupError::Tool(format!("pg_restore: {e}")))?
}

/// Streams the dump's data as `pg_restore` prints it (COPY blocks, one
/// line per row) and counts the lines of each table.
fn count_rows(file: &Path) -> Result<BTreeMap<String, i64>, BackupError> {
    let mut cmd = tool("pg_restore", None);
    cmd.arg("--data-only")
        .arg("--file=-")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| missing("pg_restore", e))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| BackupError::Tool("pg_restore: no output".into()))?;
    let mut counts = BTreeMap::new();
    let mut table: Option<String> = None;
    let mut line = Vec::new();
    let mut reader = std::io::BufReader::new(stdout);
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| BackupError::Tool(format!("pg_restore: {e}")))?;
        if n == 0 {
            break;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        match &table {
            Some(t) if text == b"\\." => {
                counts.entry(t.clone()).or_insert(0);
                table = None;
            }
            Some(t) => *counts.entry(t.clone()).or_insert(0) += 1,
            None => table = copy_table(text),
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| BackupError::Tool(format!("pg_restore: {e}")))?;
    if !out.status.success() || table.is_some() {
        let stderr = &out.stderr[..out.stderr.len().min(STDERR_BYTES)];
        return Err(BackupError::Verify(bounded(&format!(
            "pg_restore cannot read the data: {}",
            String::from_utf8_lossy(stderr).trim()
        ))));
    }
    Ok(counts)
}

/// The table a `COPY schema.table (…) FROM stdin;` line starts.
fn copy_table(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line).ok()?;
    let rest = text.strip_prefix("COPY ")?;
    if !text.ends_with("FROM stdin;") {
        return None;
    }
    let name = rest.split([' ', '(']).next()?;
    let name = name.rsplit('.').next().unwrap_or(name);
    Some(name.trim_matches('"').to_owned())
}

/// How many tables the target database's schema holds.
async fn tables_in(url: &str) -> Result<i64, BackupError> {
    let mut conn = PgConnection::connect(url).await?;
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()")
            .fetch_one(&mut conn)
            .await?;
    let _ = conn.close().await;
    Ok(n)
}

/// Checks the dump `file`, then loads it into the empty database `url`
/// names, in one transaction. Returns the dump's counts, which the
/// restored database must match.
pub(super) async fn restore(url: &str, file: &Path) -> Result<BTreeMap<String, i64>, BackupError> {
    let tables = tables_in(url).await?;
    if tables > 0 {
        return Err(BackupError::NotEmpty {
            url: redact_url(url),
            tables,
        });
    }
    let counts = inspect(file).await?;
    let conn_args = libpq(url)?;
    let mut cmd = tool("pg_restore", Some(&conn_args));
    cmd.args([
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ])
    .arg(format!("--dbname={}", conn_args.url))
    .arg(file)
    .stdout(Stdio::null());
    run(cmd, "pg_restore").await?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_goes_to_the_environment_not_the_command_line() {
        let c = libpq(
            "postgres://kehu:s%40cret@db:5432/crm?sslmode=require&statement-cache-capacity=10",
        )
        .unwrap();
        assert_eq!(c.url, "postgres://kehu@db:5432/crm?sslmode=require");
        assert_eq!(c.password.as_deref(), Some("s@cret"));
        let c = libpq("postgres://kehu@db/crm?password=pw").unwrap();
        assert_eq!(c.url, "postgres://kehu@db/crm");
        assert_eq!(c.password.as_deref(), Some("pw"));
    }

    #[tokio::test]
    async fn a_tool_that_hangs_is_stopped() {
        let mut sleeper = Command::new("sleep");
        sleeper.arg("30");
        let started = std::time::Instant::now();
        let e = run_bounded(sleeper, "sleep", std::time::Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("did not finish"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn copy_lines_name_their_table() {
        assert_eq!(
            copy_table(b"COPY public.customers (id, name) FROM stdin;").as_deref(),
            Some("customers")
        );
        assert_eq!(
            copy_table(b"COPY public._sqlx_migrations (version) FROM stdin;").as_deref(),
            Some("_sqlx_migrations")
        );
        assert_eq!(copy_table(b"SET search_path = '';"), None);
    }
}
