//! The import pages (导入): the list of batches, the wizard (upload → map
//! → preview → run, in `wizard.rs`) and a batch's page with its live
//! progress, report, rejected rows, undo and resume (`batch.rs`).

mod batch;
mod wizard;

use askama::Template;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_store::import::{Batch, BatchKind, Counts, Issue};

use super::frame::{Frame, Section};
use super::{render, PageError, Viewer, T};
use crate::error::ApiError;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list))
        .route(
            "/imports/new",
            get(wizard::new_form)
                .post(wizard::upload)
                .layer(DefaultBodyLimit::max(crate::UPLOAD_BODY_LIMIT)),
        )
        .route("/imports/map", get(wizard::map_form))
        .route("/imports/preview", post(wizard::preview))
        .route("/imports/run", post(wizard::run))
        .route("/imports/{id}", get(batch::page))
        .route("/imports/{id}/undo", post(batch::undo))
        .route("/imports/{id}/resume", post(batch::resume))
}

/// A batch's status as its page and the list show it: `running`,
/// `interrupted`, `done`, `undoing` or `undone`.
fn status_of(batch: &Batch, interrupted: bool) -> &'static str {
    match batch.status.as_str() {
        "running" if interrupted => "interrupted",
        "running" => "running",
        "undoing" => "undoing",
        "undone" => "undone",
        _ => "done",
    }
}

fn kind_key(kind: BatchKind) -> &'static str {
    match kind {
        BatchKind::Import => "import.kind_import",
        BatchKind::Update => "import.kind_update",
    }
}

/// The counts of a batch or a dry run, each with its label.
pub struct CountView {
    pub key: &'static str,
    pub label: &'static str,
    pub n: i64,
}

fn count_views(t: T, c: &Counts) -> Vec<CountView> {
    [
        ("created", "import.created", c.created),
        ("updated", "import.updated", c.updated),
        ("unchanged", "import.unchanged", c.unchanged),
        ("skipped", "import.skipped", c.skipped),
        ("rejected", "import.rejected", c.rejected),
        ("warned", "import.warned", c.warned),
    ]
    .into_iter()
    .map(|(key, label, n)| CountView {
        key,
        label: t.s(label),
        n,
    })
    .collect()
}

/// A rejected or skipped row as a table shows it.
pub struct IssueRow {
    pub row: i64,
    pub outcome: &'static str,
    pub reasons: String,
    /// The existing record a duplicate matches.
    pub customer: Option<i64>,
    /// The earlier row of the file a duplicate matches.
    pub match_row: Option<i64>,
    /// The row's own cells, as one line.
    pub cells: String,
}

fn issue_rows(t: T, issues: &[Issue]) -> Vec<IssueRow> {
    issues
        .iter()
        .map(|i| IssueRow {
            row: i.row,
            outcome: match i.outcome.as_str() {
                "rejected" => t.s("import.rejected"),
                "warned" => t.s("import.warned"),
                _ => t.s("import.skipped"),
            },
            reasons: kehu_io::export::reasons(i, t.0).join("; "),
            customer: i.match_customer_id,
            match_row: i.match_row,
            cells: shown_cells(&i.cells),
        })
        .collect()
}

/// A row's filled cells as one line, cut as every screen cuts rows.
fn shown_cells(cells: &[String]) -> String {
    use crate::imports::shown::{clip_row, SHOWN_COLUMNS};
    let mut filled: Vec<String> = cells
        .iter()
        .filter(|c| !c.trim().is_empty())
        .take(SHOWN_COLUMNS + 1)
        .cloned()
        .collect();
    let cut = clip_row(&mut filled, SHOWN_COLUMNS);
    let mut line = filled.join(" · ");
    if cut {
        line.push_str(" …");
    }
    line
}

/// The label of a field a reason names (`mobile`, `custom.level`).
/// What to tell the user of a refused step, or an error page for what is
/// not theirs to fix.
fn explain(t: T, e: ApiError) -> Result<String, PageError> {
    match e {
        ApiError::Explained { zh, en, .. } => Ok(if t.is_zh() { zh } else { en }),
        ApiError::Invalid(invalid) => Ok(super::Errors::new(t, &invalid.0).line()),
        ApiError::Conflict(code) => Ok(match code {
            "already_undone" => t.s("import.already_undone"),
            "batch_running" => t.s("import.still_running"),
            "batch_without_file" | "file_changed" => t.s("import.file_gone"),
            _ => t.s("import.finished_elsewhere"),
        }
        .to_owned()),
        other => Err(other.into()),
    }
}

pub struct BatchRow {
    pub id: i64,
    pub file_name: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub counts: Vec<CountView>,
    pub when: String,
}

#[derive(Template)]
#[template(path = "imports/list.html")]
struct ListPage {
    f: Frame,
    batches: Vec<BatchRow>,
    may_write: bool,
}

/// `/imports`: the latest batches, each linking to its report.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let t = viewer.t();
    let batches = state.store.import_batches(&viewer.me.actor, 100).await?;
    let mut rows = Vec::new();
    for batch in batches {
        let view = crate::imports::view_of(&state, batch, t.0).await;
        let status = status_of(&view.batch, view.interrupted);
        rows.push(BatchRow {
            id: view.batch.id,
            file_name: view.batch.file_name.clone(),
            kind: t.s(kind_key(view.batch.options.kind)),
            status,
            status_label: t.s(&format!("import.status_{status}")),
            counts: count_views(t, &view.batch.counts),
            when: t.time(view.batch.created_at.0),
        });
    }
    let page = ListPage {
        f: Frame::new(&state, &viewer, Section::Imports, t.s("nav.imports")).await?,
        batches: rows,
        may_write: viewer.me.actor.may_write_records(),
    };
    render(&page)
}
