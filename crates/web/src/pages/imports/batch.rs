//! A batch's page: live progress while it runs (static/app.js polls the
//! API; without script a link reloads), then its report with the rejected
//! rows to download, undo (with the conflicts when refused) and resume.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kehu_store::import::UndoReport;

use super::super::customers::flash;
use super::super::frame::{Frame, Section};
use super::super::{render_refused, see_other, PageError, Posted, Viewer};
use super::{count_views, explain, issue_rows, kind_key, status_of, CountView, IssueRow};
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::imports::undo_batch;
use crate::imports::{self, BatchView};
use crate::AppState;

/// Problem rows a page lists.
const ISSUES_PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "imports/batch.html")]
struct BatchPage {
    f: Frame,
    b: BatchView,
    kind: &'static str,
    status: &'static str,
    status_label: &'static str,
    counts: Vec<CountView>,
    /// Rows done and the estimated total, for the progress bar.
    total: i64,
    issues: Vec<IssueRow>,
    next_link: Option<String>,
    first_link: Option<String>,
    has_issues: bool,
    may_write: bool,
    /// An undo that was refused because of later changes.
    refused: Option<UndoReport>,
    error: Option<String>,
    created: String,
    finished: String,
}

struct Shown {
    refused: Option<UndoReport>,
    error: Option<String>,
    flash: Option<String>,
    after: i64,
}

async fn batch_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    shown: Shown,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let actor = viewer.me.actor;
    let view = imports::batch_view(state, &actor, id, t.0).await?;
    let issues = state
        .store
        .import_issues(&actor, id, shown.after, ISSUES_PER_PAGE)
        .await?;
    let has_issues = view.batch.counts.rejected + view.batch.counts.skipped > 0;
    let next_link = (issues.len() as i64 == ISSUES_PER_PAGE)
        .then(|| {
            issues
                .last()
                .map(|i| format!("/imports/{id}?after={}#issues", i.row))
        })
        .flatten();
    let status = status_of(&view.batch, view.interrupted);
    let title = format!("{} · {}", t.s("import.batch"), view.batch.file_name);
    let refused = shown.refused.is_some() || shown.error.is_some();
    let page = BatchPage {
        f: Frame::new(state, viewer, Section::Imports, title)
            .await?
            .with_flash(shown.flash),
        kind: t.s(kind_key(view.batch.options.kind)),
        status,
        status_label: t.s(&format!("import.status_{status}")),
        counts: count_views(t, &view.batch.counts),
        total: view.estimated_total.unwrap_or(0).max(view.batch.rows_done),
        issues: issue_rows(t, &issues),
        next_link,
        first_link: (shown.after > 0).then(|| format!("/imports/{id}#issues")),
        has_issues,
        may_write: actor.may_write_records(),
        refused: shown.refused,
        error: shown.error,
        created: t.time(view.batch.created_at.0),
        finished: view
            .batch
            .finished_at
            .map(|at| t.time(at.0))
            .unwrap_or_default(),
        b: view,
    };
    let mut response = render_refused(&page, false)?;
    if refused {
        *response.status_mut() = StatusCode::CONFLICT;
    }
    Ok(response)
}

/// `/imports/{id}`: progress, then the report.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let after = params
        .iter()
        .find(|(k, _)| k == "after")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let shown = Shown {
        refused: None,
        error: None,
        flash: flash(viewer.t(), &params),
        after,
    };
    batch_page(&state, &viewer, id, shown).await
}

/// Undoes the batch; refused, the page lists the records changed since
/// and offers to undo anyway.
pub async fn undo(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let force = fields.get("force") == Some("1");
    let (refused, error) = match undo_batch(&state, &viewer.me, id, force).await {
        Ok(report) => {
            let n = report.removed + report.restored;
            return Ok(see_other(&format!(
                "/imports/{id}?flash=import_undone&n={n}"
            )));
        }
        Err(ApiError::UndoRefused(report)) => (Some(report), None),
        Err(e) => (None, Some(explain(viewer.t(), e)?)),
    };
    let shown = Shown {
        refused,
        error,
        flash: None,
        after: 0,
    };
    batch_page(&state, &viewer, id, shown).await
}

/// Carries on with an interrupted batch.
pub async fn resume(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let ctx = kehu_store::write::Ctx::new(posted.viewer.me.actor, kehu_core::ChangeSource::Import);
    match imports::resume(&state, ctx, id).await {
        Ok(()) => Ok(see_other(&format!("/imports/{id}?flash=import_resumed"))),
        Err(e) => {
            let shown = Shown {
                refused: None,
                error: Some(explain(posted.viewer.t(), e)?),
                flash: None,
                after: 0,
            };
            batch_page(&state, &posted.viewer, id, shown).await
        }
    }
}
