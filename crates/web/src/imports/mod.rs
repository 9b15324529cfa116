//! Imports over HTTP, shared by the REST API and the pages: uploads kept
//! on disk, dry runs, imports run in the background by the same driver as
//! `kehu import`, and what this server knows of the imports it runs.

mod jobs;
pub mod shown;
mod undo;
pub mod uploads;

use axum::http::StatusCode;
use kehu_core::{Actor, ChangeSource, Lang};
use kehu_io::import::{self as job, ImportError, Mapping, Observer, Request};
use kehu_io::OpenOptions;
use kehu_store::import::{Batch, BatchKind, Counts, Issue, Policy};
use kehu_store::write::Ctx;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::CurrentUser;
use crate::AppState;
use jobs::{estimate, interrupted};
pub use jobs::{idle, resume, resume_interrupted, start, Jobs};
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
