//! Imports over HTTP, shared by the REST API and the pages: uploads kept
//! on disk, dry runs, imports run in the background by the same driver as
//! `kehu import`, and what this server knows of the imports it runs.

pub mod shown;
mod undo;
pub mod uploads;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use kehu_core::{Actor, ChangeSource, Lang, UserId};
use kehu_io::import::{self as job, ImportError, Mapping, Observer, Request};
use kehu_io::OpenOptions;
use kehu_store::import::{Batch, BatchKind, Counts, Issue, Policy, STALE_MS};
use kehu_store::write::Ctx;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::AppState;
pub(crate) use undo::undo_batch;
pub use uploads::{file_error, locate, Upload, MAX_UPLOAD_BYTES};

/// Rows shown of a file before it is imported.
pub const SAMPLE_ROWS: usize = 10;
/// Rejected and skipped rows a preview lists.
pub const PREVIEW_ISSUES: usize = 200;

/// Who does an import or undoes one, as its history records it.
pub(crate) fn import_ctx(me: &CurrentUser) -> Ctx {
    Ctx::new(me.actor, ChangeSource::Import)
}

/// The imports this server runs, and how those that failed here failed.
#[derive(Clone, Default)]
pub struct Jobs(Arc<Mutex<JobsInner>>);

#[derive(Default)]
struct JobsInner {
    running: HashSet<i64>,
    /// (Chinese, English) message of an import that stopped on an error.
    failed: HashMap<i64, (String, String)>,
    /// Rows in a batch's file, counted once.
    totals: HashMap<i64, Option<u64>>,
}

impl Jobs {
    fn with<R>(&self, f: impl FnOnce(&mut JobsInner) -> R) -> R {
        // A panic while holding the lock leaves plain data behind: go on.
        let mut inner = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut inner)
    }

    fn started(&self, id: i64) {
        self.with(|j| {
            j.failed.remove(&id);
            j.running.insert(id);
        });
    }

    fn ended(&self, id: i64, result: &Result<job::Report, ImportError>) {
        self.with(|j| {
            j.running.remove(&id);
            if let Err(e) = result {
                j.failed
                    .insert(id, (e.message(Lang::ZhCn), e.message(Lang::En)));
            }
        });
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.with(|j| j.running.contains(&id))
    }

    fn failure(&self, id: i64, lang: Lang) -> Option<String> {
        self.with(|j| {
            j.failed.get(&id).map(|(zh, en)| match lang {
                Lang::ZhCn => zh.clone(),
                Lang::En => en.clone(),
            })
        })
    }
}

/// What an upload holds: its format, its columns with the fields guessed
/// for them, and its first rows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileInfo {
    pub file_id: String,
    pub name: String,
    /// csv, tsv, xlsx, xls, ods, vcf or jsonl.
    pub format: String,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    /// A workbook's sheets.
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
    /// The row the headers were taken from, as a spreadsheet numbers rows
    /// (CSV: the record number); rows above it (titles, blank rows) are not
    /// imported. Null for vCard and JSON Lines.
    pub header_row: Option<u64>,
    pub headers: Vec<String>,
    /// The field key guessed for each column (null: ignored).
    pub mapping: Vec<Option<String>>,
    /// The first rows, a cell per header.
    pub sample: Vec<Vec<String>>,
    /// Whether headers or sample cells were cut to their first 200
    /// characters for display.
    pub cut: bool,
}

/// Describes a kept upload, reading `sheet` of a workbook with its headers
/// at `header_row` (found when `None`).
pub async fn file_info(
    state: &AppState,
    upload: &Upload,
    sheet: Option<String>,
    header_row: Option<u64>,
) -> Result<FileInfo, ApiError> {
    let path = upload.path.clone();
    let key = Some(upload.key.clone());
    let read = tokio::task::spawn_blocking(move || {
        let table = kehu_io::open(
            &path,
            &OpenOptions {
                sheet,
                header_row,
                key,
                ..OpenOptions::default()
            },
        )?;
        let headers = table.headers.clone();
        let header_row = table.header_row;
        let info = table.info.clone();
        let mut sample = Vec::with_capacity(SAMPLE_ROWS);
        for row in table.take(SAMPLE_ROWS) {
            match row {
                // A row whose cells do not line up under the headers would
                // show values under the wrong columns: the importer lists
                // it as rejected instead.
                Ok(row) if row.misfit.is_some() => {}
                Ok(row) => {
                    let mut cells = row.cells;
                    cells.resize(headers.len(), String::new());
                    sample.push(cells);
                }
                // A row the importer will list as rejected.
                Err(kehu_io::FileError::BadRow { .. }) => {}
                // A file past the limits is refused now, not at import.
                Err(e) => return Err(e),
            }
        }
        Ok::<_, kehu_io::FileError>((headers, header_row, info, sample))
    })
    .await
    .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let (headers, header_row, info, mut sample) = read.map_err(file_error)?;
    let mapping = job::mapping_for(&state.store, &headers, &Mapping::Auto)
        .await
        .map_err(import_error)?;
    // Every column stays (the mapping needs each), each cell shortened.
    let mut shown_headers = headers;
    let mut cut = shown::clip_row(&mut shown_headers, usize::MAX);
    for row in &mut sample {
        cut |= shown::clip_row(row, usize::MAX);
    }
    Ok(FileInfo {
        file_id: upload.id.clone(),
        name: upload.name.clone(),
        format: info.format.as_str().to_owned(),
        encoding: info.encoding.map(str::to_owned),
        delimiter: info.delimiter.map(String::from),
        sheets: info.sheets,
        sheet: info.sheet,
        header_row,
        headers: shown_headers,
        mapping,
        sample,
        cut,
    })
}

/// An import as asked for by a form or an API call.
#[derive(Debug, Clone)]
pub struct ImportInput {
    pub file_id: String,
    pub sheet: Option<String>,
    /// The row the headers are on; found when `None`.
    pub header_row: Option<u64>,
    pub mapping: Mapping,
    pub policy: Policy,
    pub kind: BatchKind,
    /// Save the mapping under this name (导入模板).
    pub save_template: Option<String>,
    /// Reject rows for any invalid value, not only for invalid keys.
    pub strict: bool,
}

impl ImportInput {
    /// A batch update changes the records its rows name: their fields are
    /// overwritten unless only empty ones are to be filled.
    pub fn policy(&self) -> Policy {
        match (self.kind, self.policy) {
            (BatchKind::Update, Policy::Fill) => Policy::Fill,
            (BatchKind::Update, _) => Policy::Overwrite,
            (BatchKind::Import, p) => p,
        }
    }
}

/// Why an import could not run, for the user.
pub fn import_error(e: ImportError) -> ApiError {
    let explained = |code, e: &ImportError| ApiError::Explained {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code,
        zh: e.message(Lang::ZhCn),
        en: e.message(Lang::En),
    };
    match e {
        ImportError::File(e) => file_error(e),
        ImportError::Store(e) => e.into(),
        e @ ImportError::NothingMapped => explained("nothing_mapped", &e),
        e @ ImportError::NoTemplate(_) => explained("no_template", &e),
    }
}

/// The driver's request for an input, its mapping decided here (so that
/// it can be saved as a template and a resumed batch keeps it).
async fn request_for(
    state: &AppState,
    ctx: &Ctx,
    input: &ImportInput,
    dry_run: bool,
) -> Result<Request, ApiError> {
    let upload = locate(
        &state.store,
        &state.files_dir,
        &input.file_id,
        ctx.actor.user_id,
    )
    .await?;
    let headers = {
        let path = upload.path.clone();
        let sheet = input.sheet.clone();
        let header_row = input.header_row;
        let key = Some(upload.key.clone());
        tokio::task::spawn_blocking(move || {
            kehu_io::open(
                &path,
                &OpenOptions {
                    sheet,
                    header_row,
                    key,
                    ..OpenOptions::default()
                },
            )
            .map(|t| t.headers)
        })
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .map_err(file_error)?
    };
    let mut mapping = job::mapping_for(&state.store, &headers, &input.mapping)
        .await
        .map_err(import_error)?;
    mapping.resize(headers.len(), None);
    if let Some(name) = input
        .save_template
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        state
            .store
            .save_import_template(ctx, name, &headers, &mapping)
            .await?;
    }
    let mut request = Request::new(&upload.path);
    // The upload's content hash was taken as it arrived: no need to read
    // the file again for it.
    request.sha256 = Some(upload.sha256);
    request.key = Some(upload.key);
    request.file_name = upload.name;
    request.sheet = input.sheet.clone();
    request.header_row = input.header_row;
    request.strict = input.strict;
    request.kind = input.kind;
    request.policy = input.policy();
    request.mapping = Mapping::Columns(mapping);
    request.dry_run = dry_run;
    Ok(request)
}

/// An issue with its reasons in one line of the user's language, its
/// cells cut to the first 100 columns and 200 characters each.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssueView {
    #[serde(flatten)]
    pub issue: Issue,
    pub description: String,
    /// Whether `cells` were cut; the rejected rows download has them all.
    pub cut: bool,
}

impl IssueView {
    pub fn new(mut issue: Issue, lang: Lang) -> IssueView {
        let description = kehu_io::export::describe(&issue, lang);
        let cut = shown::clip_row(&mut issue.cells, shown::SHOWN_COLUMNS);
        IssueView {
            description,
            issue,
            cut,
        }
    }
}

/// What a dry run found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Preview {
    pub counts: Counts,
    pub headers: Vec<String>,
    pub mapping: Vec<Option<String>>,
    /// The first rejected and skipped rows.
    pub issues: Vec<IssueView>,
}

/// Keeps the first issues of a dry run.
struct Collect(Vec<Issue>);

impl Observer for Collect {
    fn issue(&mut self, _headers: &[String], issue: &Issue) {
        if self.0.len() < PREVIEW_ISSUES {
            self.0.push(issue.clone());
        }
    }
}

/// Reads the whole file and decides every row, writing nothing.
pub async fn preview(
    state: &AppState,
    ctx: &Ctx,
    input: &ImportInput,
    lang: Lang,
) -> Result<Preview, ApiError> {
    if !ctx.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let mut preview = input.clone();
    preview.save_template = None;
    let request = request_for(state, ctx, &preview, true).await?;
    let mut collect = Collect(Vec::new());
    let report = job::run(&state.store, ctx, &request, &mut collect)
        .await
        .map_err(import_error)?;
    let mut headers = report.headers;
    shown::clip_row(&mut headers, usize::MAX);
    Ok(Preview {
        counts: report.counts,
        headers,
        mapping: report.mapping,
        issues: collect
            .0
            .into_iter()
            .map(|i| IssueView::new(i, lang))
            .collect(),
    })
}

/// Starts an import in the background and returns its batch id as soon
/// as the batch exists. The same file run again resumes its unfinished
/// batch. A refusal before any row is written (an unreadable file, a bad
/// mapping) is returned instead.
pub async fn start(state: &AppState, ctx: Ctx, input: &ImportInput) -> Result<i64, ApiError> {
    if !ctx.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let request = request_for(state, &ctx, input, false).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let store = state.store.clone();
    let mut announce = Announce {
        tell: Some(tx),
        jobs: state.jobs.clone(),
        id: None,
    };
    tokio::spawn(async move {
        let result = job::run(&store, &ctx, &request, &mut announce).await;
        if let Err(e) = &result {
            tracing::error!(batch = ?announce.id, error = %e, "an import stopped");
        }
        if let Some(id) = announce.id {
            announce.jobs.ended(id, &result);
        }
        // Refused before its batch existed: the caller hears why.
        if let Some(tx) = announce.tell.take() {
            let _ = tx.send(match result {
                Ok(_) => Err(ApiError::Internal("an import without a batch".into())),
                Err(e) => Err(import_error(e)),
            });
        }
    });
    rx.await
        .map_err(|e| ApiError::Internal(Box::new(e)))
        .and_then(|r| r)
}

/// Hands a background import's batch id to the request that started it,
/// as soon as the batch exists.
struct Announce {
    tell: Option<tokio::sync::oneshot::Sender<Result<i64, ApiError>>>,
    jobs: Jobs,
    id: Option<i64>,
}

impl Observer for Announce {
    fn started(&mut self, batch: &Batch) {
        self.jobs.started(batch.id);
        self.id = Some(batch.id);
        if let Some(tx) = self.tell.take() {
            let _ = tx.send(Ok(batch.id));
        }
    }
}

/// Carries on with an interrupted batch in the background.
pub async fn resume(state: &AppState, ctx: Ctx, id: i64) -> Result<(), ApiError> {
    if !ctx.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let batch = state.store.import_batch(&ctx.actor, id).await?;
    if batch.status != "running" {
        return Err(ApiError::Conflict("batch_finished"));
    }
    if !interrupted(&state.jobs, &batch) {
        return Err(ApiError::Conflict("batch_running"));
    }
    if batch
        .file_path
        .as_deref()
        .is_none_or(|p| !Path::new(p).is_file())
    {
        return Err(ApiError::Conflict("batch_without_file"));
    }
    spawn_resume(state, ctx, &batch);
    Ok(())
}

fn spawn_resume(state: &AppState, ctx: Ctx, batch: &Batch) {
    let store = state.store.clone();
    let jobs = state.jobs.clone();
    let id = batch.id;
    let path = batch.file_path.clone().map(std::path::PathBuf::from);
    jobs.started(id);
    tokio::spawn(async move {
        let result = match path {
            Some(path) => match uploads::key_of(&store, &path).await {
                Ok(key) => {
                    job::resume(&store, &ctx, id, &kehu_io::Limits::default(), key, &mut ()).await
                }
                Err(e) => Err(e.into()),
            },
            None => Err(kehu_store::Error::Conflict("batch_without_file").into()),
        };
        if let Err(e) = &result {
            tracing::error!(batch = id, error = %e, "a resumed import stopped");
        }
        jobs.ended(id, &result);
    });
}

/// Whether no one is writing a running batch any more: it failed in this
/// server, or its writer stopped sending heartbeats.
fn interrupted(jobs: &Jobs, batch: &Batch) -> bool {
    batch.status == "running"
        && !jobs.is_running(batch.id)
        && (batch.is_interrupted() || jobs.failure(batch.id, Lang::En).is_some())
}

const DAY_MS: u64 = 24 * 3600 * 1000;

/// Resumes the imports a stopped server left half-way ("long jobs
/// resume"): now, and once more when batches that were live a moment ago
/// have gone without a heartbeat long enough to count as stopped.
pub fn resume_interrupted(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        // Then once a day, which also sweeps old uploads away.
        let waits = [0, STALE_MS as u64 + 5_000]
            .into_iter()
            .chain(std::iter::repeat(DAY_MS));
        for wait in waits {
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if let Err(e) = resume_stopped(&state).await {
                tracing::error!(error = %e, "cannot resume interrupted imports");
            }
        }
    });
}

async fn resume_stopped(state: &AppState) -> Result<(), kehu_store::Error> {
    let system = Ctx::system(ChangeSource::Import);
    let batches = state.store.import_batches(&system.actor, 1000).await?;
    // Uploads are kept for a week, and for as long as an unfinished import
    // reads one.
    let needed: std::collections::HashSet<String> = batches
        .iter()
        .filter(|b| b.status == "running")
        .filter_map(|b| Path::new(b.file_path.as_deref()?).file_stem())
        .map(|stem| stem.to_string_lossy().into_owned())
        .collect();
    let swept = uploads::sweep(
        &state.store,
        &state.files_dir,
        &needed,
        uploads::KEEP_UPLOADS,
    )
    .await;
    if swept > 0 {
        tracing::info!(files = swept, "removed uploads older than a week");
    }
    for batch in batches {
        let has_file = batch
            .file_path
            .as_deref()
            .is_some_and(|p| Path::new(p).is_file());
        if !interrupted(&state.jobs, &batch) || !has_file {
            continue;
        }
        // The batch goes on as its owner's, with their permissions.
        let ctx = match batch.actor_id {
            None => system,
            Some(id) => match state.store.user(UserId(id)).await {
                Ok(user) if user.active => Ctx::new(user.actor(), ChangeSource::Import),
                _ => continue,
            },
        };
        tracing::info!(batch = batch.id, file = %batch.file_name, "resuming an interrupted import");
        spawn_resume(state, ctx, &batch);
    }
    Ok(())
}

/// A batch as shown: where it stands, and whether anyone is writing it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchView {
    #[serde(flatten)]
    pub batch: Batch,
    /// About how many rows the file holds (unknown for spreadsheets while
    /// they run).
    pub estimated_total: Option<i64>,
    /// Being written now.
    pub running: bool,
    /// Stopped half-way: resume it, or undo what it wrote.
    pub interrupted: bool,
    /// Why it stopped, when it failed in this server.
    pub failure: Option<String>,
}

pub async fn batch_view(
    state: &AppState,
    actor: &Actor,
    id: i64,
    lang: Lang,
) -> Result<BatchView, ApiError> {
    let batch = state.store.import_batch(actor, id).await?;
    Ok(view_of(state, batch, lang).await)
}

pub async fn view_of(state: &AppState, mut batch: Batch, lang: Lang) -> BatchView {
    // A file's headers come back with every view of its batch: shortened.
    shown::clip_row(&mut batch.options.headers, usize::MAX);
    let interrupted = interrupted(&state.jobs, &batch);
    let running = batch.status == "running" && !interrupted;
    let estimated_total = if batch.status == "running" {
        estimate(state, &batch)
            .await
            .map(|n| (n as i64).max(batch.rows_done))
    } else {
        Some(batch.rows_done)
    };
    BatchView {
        failure: state.jobs.failure(batch.id, lang),
        estimated_total,
        running,
        interrupted,
        batch,
    }
}

/// The rows of a running batch's file, counted once per batch.
async fn estimate(state: &AppState, batch: &Batch) -> Option<u64> {
    if let Some(known) = state.jobs.with(|j| j.totals.get(&batch.id).copied()) {
        return known;
    }
    let path = std::path::PathBuf::from(batch.file_path.as_deref()?);
    let format = uploads::format_of(&path)?;
    let key = uploads::key_of(&state.store, &path).await.ok()?;
    let source = kehu_io::Source::new(&path, key);
    let total = tokio::task::spawn_blocking(move || job::estimate_rows(&source, format))
        .await
        .ok()
        .flatten();
    state.jobs.with(|j| j.totals.insert(batch.id, total));
    total
}

/// Waits until no import runs in this server (tests, shutdown).
pub async fn idle(jobs: &Jobs, timeout: Duration) -> bool {
    let started = std::time::Instant::now();
    while jobs.with(|j| !j.running.is_empty()) {
        if started.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}
