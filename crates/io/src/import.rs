//! Running an import: a file read on its own thread, its rows parsed there
//! in chunks while the previous chunk is written, each chunk committed with
//! the batch's progress. The same file run again (or [`resume`]) carries
//! on after the last committed row.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kehu_core::columns::guess_all;
use kehu_core::{Code, Invalid, Lang};
use kehu_store::import::{
    Batch, BatchKind, Counts, ImportOptions, Issue, Policy, PreparedRow, Preparer, Seen, SourceRow,
};
use kehu_store::write::Ctx;
use kehu_store::Store;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::{open, FileError, Format, OpenOptions};

/// Rows per transaction: large enough that a commit's cost is spread thin
/// (2,000 rows a chunk was a third slower), small enough that other writers
/// wait under a second and the chunks in flight stay small (a million rows
/// peaked at 193 MB with 5,000 a chunk, 325 MB with 10,000, in about the
/// same time).
pub const CHUNK_ROWS: usize = 5_000;

/// From how many rows a load into an empty database sets secondary
/// indexes aside.
const SUSPEND_INDEXES_ROWS: u64 = 50_000;

/// Memory for building the set-aside indexes: enough for sorted passes,
/// little enough that an import of any size stays within a few hundred MB.
const INDEX_BUILD_CACHE_KIB: u64 = 16_384;

/// How the columns of a file are mapped to fields.
#[derive(Debug, Clone, Default)]
pub enum Mapping {
    /// Guessed from the headers.
    #[default]
    Auto,
    /// A saved template, by name.
    Template(String),
    /// `header=field` pairs, e.g. `姓名=name,Col3=custom.level,备用=-`;
    /// columns not named are guessed.
    Spec(String),
    /// One field key (or `None`) per column.
    Columns(Vec<Option<String>>),
}

/// An import to run.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: PathBuf,
    /// The name the user knows the file by (an upload's original name).
    pub file_name: String,
    pub format: Option<Format>,
    pub sheet: Option<String>,
    /// The header row, as the user counts rows; found when `None`.
    pub header_row: Option<u64>,
    /// Reject rows for any invalid value, not only for invalid keys.
    pub strict: bool,
    pub kind: BatchKind,
    pub policy: Policy,
    pub mapping: Mapping,
    pub dry_run: bool,
    /// The file's SHA-256, when the caller knows it already (an upload is
    /// named by it); computed otherwise.
    pub sha256: Option<String>,
    /// How big a file is read.
    pub limits: crate::Limits,
    /// The key the file is sealed with on disk (an upload).
    pub key: Option<crate::FileKey>,
}

impl Request {
    pub fn new(path: &Path) -> Request {
        Request {
            path: path.to_owned(),
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            format: None,
            sheet: None,
            header_row: None,
            strict: false,
            kind: BatchKind::Import,
            policy: Policy::Skip,
            mapping: Mapping::Auto,
            dry_run: false,
            sha256: None,
            limits: crate::Limits::default(),
            key: None,
        }
    }
}

/// Where an import stands, after each chunk.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Rows done, counting those of an earlier run of a resumed batch.
    pub rows: u64,
    /// Rows in the file, when they can be counted ahead.
    pub total: Option<u64>,
    pub counts: Counts,
    pub elapsed: Duration,
    /// Rows done in this run, for a rate.
    pub rows_this_run: u64,
}

/// Told when an import's batch exists (begun, or taken over to resume),
/// of its progress after each chunk, and of each row that was rejected or
/// skipped.
pub trait Observer {
    fn started(&mut self, _batch: &Batch) {}
    fn progress(&mut self, _progress: &Progress) {}
    fn issue(&mut self, _headers: &[String], _issue: &Issue) {}
}

/// An observer that wants to know nothing.
impl Observer for () {}

/// What an import did.
#[derive(Debug, Clone)]
pub struct Report {
    /// None for a dry run.
    pub batch: Option<Batch>,
    /// The batch resumed, when the file had been imported part-way before.
    pub resumed: bool,
    pub counts: Counts,
    pub headers: Vec<String>,
    /// The row the headers were taken from (`None`: a format whose fields
    /// name themselves).
    pub header_row: Option<u64>,
    pub mapping: Vec<Option<String>>,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] kehu_store::Error),
    /// No column of the file maps to a field.
    #[error("no column maps to a field")]
    NothingMapped,
    /// A template named by the request does not exist.
    #[error("no import template named {0}")]
    NoTemplate(String),
}

impl ImportError {
    pub fn message(&self, lang: Lang) -> String {
        let zh = lang == Lang::ZhCn;
        match self {
            ImportError::File(e) => e.message(zh),
            ImportError::NothingMapped if zh => "没有一列对应到客户字段，请检查表头或指定映射".into(),
            ImportError::NothingMapped => {
                "no column of the file maps to a customer field; check the headers or give a mapping".into()
            }
            ImportError::NoTemplate(name) if zh => format!("没有名为「{name}」的导入模板"),
            ImportError::NoTemplate(name) => format!("there is no import template named \"{name}\""),
            ImportError::Store(kehu_store::Error::Invalid(invalid)) => invalid.summary(lang),
            ImportError::Store(e) => e.to_string(),
        }
    }
}

/// The SHA-256 of a file, read in pieces: how the same file is recognised
/// when it is imported again.
pub fn file_sha256(source: &crate::Source) -> std::io::Result<String> {
    let mut file = source.open()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// About how many data rows a file holds, counted quickly for a progress
/// bar: lines of a text file, cards of a vCard file; unknown for
/// spreadsheets.
pub fn estimate_rows(source: &crate::Source, format: Format) -> Option<u64> {
    let (needle, header): (&[u8], u64) = match format {
        Format::Csv | Format::Tsv => (b"\n", 1),
        Format::Jsonl => (b"\n", 0),
        Format::Vcard => (b"BEGIN:VCARD", 0),
        _ => return None,
    };
    let mut file = source.open().ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let mut count = 0u64;
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        let mut window = std::mem::take(&mut tail);
        window.extend_from_slice(&buf[..n]);
        count += window
            .windows(needle.len())
            .filter(|w| w == &needle)
            .count() as u64;
        let keep = needle.len().saturating_sub(1).min(window.len());
        tail = window[window.len() - keep..].to_vec();
    }
    Some(count.saturating_sub(header).max(1))
}

/// The mapping of `headers` a request asks for, as field keys.
pub async fn mapping_for(
    store: &Store,
    headers: &[String],
    mapping: &Mapping,
) -> Result<Vec<Option<String>>, ImportError> {
    let defs = store
        .field_definitions()
        .await?
        .iter()
        .map(|d| d.def())
        .collect::<Result<Vec<_>, _>>()?;
    let guessed: Vec<Option<String>> = guess_all(headers, &defs)
        .into_iter()
        .map(|t| t.map(|t| t.key()))
        .collect();
    Ok(match mapping {
        Mapping::Auto => guessed,
        Mapping::Columns(columns) => columns.clone(),
        Mapping::Template(name) => store
            .import_template(name)
            .await?
            .ok_or_else(|| ImportError::NoTemplate(name.clone()))?
            .apply(headers),
        Mapping::Spec(spec) => {
            let mut invalid = Invalid::default();
            // (column, field) given by hand; the fields' names are checked
            // with the rest of the mapping when the import starts.
            let mut chosen: Vec<(usize, Option<String>)> = Vec::new();
            for pair in spec
                .split([',', '，'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                let Some((header, key)) = pair.split_once('=') else {
                    invalid.push(format!("mapping.{pair}"), Code::WrongType);
                    continue;
                };
                let (header, key) = (header.trim(), key.trim());
                let Some(i) = headers.iter().position(|h| h.trim() == header) else {
                    invalid.push(format!("mapping.{header}"), Code::NotFound);
                    continue;
                };
                let key = (!matches!(key, "" | "-" | "ignore")).then(|| key.to_owned());
                chosen.push((i, key));
            }
            invalid.into_result().map_err(kehu_store::Error::from)?;
            // A field given to a column by hand is taken from the column it
            // was guessed for.
            let mut out: Vec<Option<String>> = guessed
                .into_iter()
                .map(|g| g.filter(|g| !chosen.iter().any(|(_, k)| k.as_ref() == Some(g))))
                .collect();
            for (i, key) in chosen {
                out[i] = key;
            }
            out
        }
    })
}

/// Runs an import (or a dry run) of a file. A batch of the same file by
/// the same user that was stopped before it finished is resumed instead of
/// started again.
pub async fn run(
    store: &Store,
    ctx: &Ctx,
    request: &Request,
    observer: &mut impl Observer,
) -> Result<Report, ImportError> {
    let source = crate::Source::new(&request.path, request.key.clone());
    let sha = match &request.sha256 {
        Some(sha) => sha.clone(),
        None => file_sha256(&source).map_err(FileError::from)?,
    };
    if !request.dry_run {
        if let Some(batch) = store.resumable_import(&ctx.actor, &sha).await? {
            let batch = store.claim_import(&ctx.actor, batch.id).await?;
            return continue_batch(store, ctx, &source, batch, &request.limits, observer).await;
        }
    }
    let open_options = OpenOptions {
        format: request.format,
        sheet: request.sheet.clone(),
        limits: request.limits,
        header_row: request.header_row,
        key: request.key.clone(),
    };
    let table = open(&request.path, &open_options)?;
    let headers = table.headers.clone();
    let header_row = table.header_row;
    let mapping = mapping_for(store, &headers, &request.mapping).await?;
    if mapping.iter().all(Option::is_none) {
        return Err(ImportError::NothingMapped);
    }
    let options = ImportOptions {
        kind: request.kind,
        policy: request.policy,
        headers: headers.clone(),
        mapping: mapping.clone(),
        sheet: table.info.sheet.clone(),
        // Kept, so a resumed batch takes the same row as its header.
        header_row,
        strict: request.strict,
        description: None,
    };
    let preparer = store.preparer(&options).await?;
    let total = estimate_rows(&source, table.info.format);
    // A large first load into an empty database builds the
    // secondary indexes once at the end, in sorted passes, instead of
    // threading every row into each of them.
    let suspended = !request.dry_run
        && total.is_some_and(|n| n >= SUSPEND_INDEXES_ROWS)
        && store.suspend_indexes_for_import().await?;
    let mut batch = if request.dry_run {
        None
    } else {
        let path = std::fs::canonicalize(&request.path).unwrap_or_else(|_| request.path.clone());
        Some(
            store
                .begin_import(
                    ctx,
                    &request.file_name,
                    Some(&path.to_string_lossy()),
                    Some(&sha),
                    &options,
                )
                .await?,
        )
    };
    if let Some(b) = &batch {
        observer.started(b);
    }
    let counts = drive(
        store,
        ctx,
        &options,
        batch.as_mut(),
        &preparer,
        table,
        0,
        total,
        observer,
    )
    .await?;
    if suspended {
        store.finish_bulk_with_cache(INDEX_BUILD_CACHE_KIB).await?;
    }
    let finished = match batch {
        Some(b) => Some(store.finish_import(&ctx.actor, &b).await?),
        None => None,
    };
    Ok(Report {
        counts: finished.as_ref().map_or(counts.0, |b| b.counts),
        batch: finished,
        resumed: false,
        headers,
        header_row,
        mapping,
        elapsed: counts.1,
    })
}

/// Resumes an unfinished batch by id, reading its file from where the
/// batch keeps it (sealed with `key`, if given), within `limits`.
pub async fn resume(
    store: &Store,
    ctx: &Ctx,
    batch_id: i64,
    limits: &crate::Limits,
    key: Option<crate::FileKey>,
    observer: &mut impl Observer,
) -> Result<Report, ImportError> {
    let batch = store.claim_import(&ctx.actor, batch_id).await?;
    let path = batch
        .file_path
        .clone()
        .map(PathBuf::from)
        .ok_or(kehu_store::Error::Conflict("batch_without_file"))?;
    continue_batch(
        store,
        ctx,
        &crate::Source::new(&path, key),
        batch,
        limits,
        observer,
    )
    .await
}

async fn continue_batch(
    store: &Store,
    ctx: &Ctx,
    source: &crate::Source,
    mut batch: Batch,
    limits: &crate::Limits,
    observer: &mut impl Observer,
) -> Result<Report, ImportError> {
    let options = batch.options.clone();
    let table = open(
        source.path(),
        &OpenOptions {
            format: None,
            sheet: options.sheet.clone(),
            limits: *limits,
            header_row: options.header_row,
            key: source.key().cloned(),
        },
    )?;
    if table.headers != options.headers {
        // Not the file the batch was started with.
        return Err(kehu_store::Error::Conflict("file_changed").into());
    }
    let preparer = store.preparer(&options).await?;
    let total = estimate_rows(source, table.info.format);
    let skip = batch.rows_done as u64;
    observer.started(&batch);
    let (_, elapsed) = drive(
        store,
        ctx,
        &options,
        Some(&mut batch),
        &preparer,
        table,
        skip,
        total,
        observer,
    )
    .await?;
    let finished = store.finish_import(&ctx.actor, &batch).await?;
    Ok(Report {
        counts: finished.counts,
        batch: Some(finished),
        resumed: true,
        headers: options.headers.clone(),
        header_row: options.header_row,
        mapping: options.mapping.clone(),
        elapsed,
    })
}

/// Reads and parses rows on a thread of their own, a chunk ahead of the
/// writer, and writes chunk after chunk. The first `skip` rows were
/// committed by an earlier run.
#[allow(clippy::too_many_arguments)]
async fn drive(
    store: &Store,
    ctx: &Ctx,
    options: &ImportOptions,
    mut batch: Option<&mut Batch>,
    preparer: &Preparer,
    table: crate::Table,
    skip: u64,
    total: Option<u64>,
    observer: &mut impl Observer,
) -> Result<(Counts, Duration), ImportError> {
    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel::<Result<Vec<PreparedRow>, FileError>>(2);
    let reader_preparer = preparer.clone();
    let reader = std::thread::spawn(move || read_chunks(table, skip, &reader_preparer, &tx));
    let mut seen = if batch.is_none() {
        Seen::whole_file()
    } else {
        Seen::default()
    };
    let mut counts = batch.as_ref().map_or_else(Counts::default, |b| b.counts);
    let mut this_run = 0u64;
    let mut growing_chunks = 0u64;
    let mut failure = None;
    while let Some(chunk) = rx.recv().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                failure = Some(ImportError::File(e));
                break;
            }
        };
        let n = chunk.len() as u64;
        let out = match store
            .import_chunk(
                ctx,
                options,
                batch.as_deref_mut(),
                preparer,
                chunk,
                &mut seen,
            )
            .await
        {
            Ok(out) => out,
            Err(e) => {
                failure = Some(e.into());
                break;
            }
        };
        counts.add(&out.counts);
        // The planner's picture of the tables this import grows is redrawn
        // each time they have doubled: drawn from the empty tables it
        // began with, it scans the whole table for each chunk's duplicate
        // check instead of looking the keys up.
        if batch.is_some() && out.counts.created > 0 {
            growing_chunks += 1;
            if growing_chunks.is_power_of_two() {
                if let Err(e) = store.refresh_statistics().await {
                    failure = Some(e.into());
                    break;
                }
            }
        }
        this_run += n;
        for issue in &out.issues {
            observer.issue(&options.headers, issue);
        }
        observer.progress(&Progress {
            rows: counts.rows() as u64,
            total,
            counts,
            elapsed: started.elapsed(),
            rows_this_run: this_run,
        });
    }
    drop(rx);
    // The reader stops at its next send once the channel is closed.
    let _ = reader.join();
    match failure {
        Some(e) => Err(e),
        None => Ok((counts, started.elapsed())),
    }
}

fn read_chunks(
    mut table: crate::Table,
    skip: u64,
    preparer: &Preparer,
    tx: &mpsc::Sender<Result<Vec<PreparedRow>, FileError>>,
) {
    let mut skipped = 0u64;
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    for row in table.by_ref() {
        if skipped < skip {
            skipped += 1;
            continue;
        }
        let prepared = match row {
            Ok(row) => match row.misfit {
                Some(m) => PreparedRow::rejected(
                    row.number,
                    row.cells,
                    kehu_core::Code::CellCount {
                        cells: m.cells,
                        header: m.header,
                    },
                ),
                None => preparer.prepare(SourceRow {
                    number: row.number,
                    cells: row.cells,
                }),
            },
            Err(FileError::BadRow { number, problem }) => {
                PreparedRow::unreadable(number, problem.to_string())
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        chunk.push(prepared);
        if chunk.len() == CHUNK_ROWS {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
            if tx.blocking_send(Ok(full)).is_err() {
                return;
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.blocking_send(Ok(chunk));
    }
}
