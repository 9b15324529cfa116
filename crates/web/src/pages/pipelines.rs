//! Settings → sales pipelines (销售流程): administrators rename stages,
//! change their default probabilities and order, retire them, add stages,
//! and add pipelines.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use kehu_core::{Code, Invalid};
use kehu_store::opportunities::{Pipeline, StageChange, StageInput};

use super::customers::flash;
use super::frame::{Frame, Section};
use super::opportunities::{pipeline_label, stage_label};
use super::orders::field_errors;
use super::{render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::extract::QueryPairs;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/pipelines",
            axum::routing::get(page).post(add_pipeline),
        )
        .route("/settings/pipelines/{id}/stages", post(add_stage))
        .route("/settings/stages/{id}", post(update_stage))
}

/// A stage as its row shows it.
pub struct StageRow {
    pub id: i64,
    pub label: String,
    pub position: i64,
    pub probability: i64,
    pub outcome: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "settings/pipelines.html")]
struct PipelinesPage {
    f: Frame,
    pipelines: Vec<(Pipeline, String, Vec<StageRow>)>,
    error: Option<String>,
}

async fn render_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    error: Option<String>,
) -> Result<Response, PageError> {
    if !viewer.me.actor.is_admin() {
        return Err(PageError::Forbidden);
    }
    let t = viewer.t();
    let pipelines = state
        .store
        .pipelines()
        .await?
        .into_iter()
        .map(|p| {
            let rows = p
                .stages
                .iter()
                .map(|s| StageRow {
                    id: s.id,
                    label: stage_label(t, s),
                    position: s.position,
                    probability: s.probability,
                    outcome: s.outcome.clone(),
                    active: s.active,
                })
                .collect();
            let name = pipeline_label(t, &p);
            (p, name, rows)
        })
        .collect();
    let refused = error.is_some();
    let view = PipelinesPage {
        f: Frame::new(state, viewer, Section::Settings, t.s("settings.pipelines"))
            .await?
            .with_flash(flash(t, params)),
        pipelines,
        error,
    };
    render_refused(&view, refused)
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    render_page(&state, &viewer, &params, None).await
}

async fn refused(
    state: &AppState,
    posted: &Posted,
    e: kehu_store::Error,
) -> Result<Response, PageError> {
    let t = posted.viewer.t();
    let line = match e {
        kehu_store::Error::Conflict(_) => t.s("settings.stage_in_use").to_owned(),
        e => Errors::new(t, &field_errors(e)?).line(),
    };
    render_page(state, &posted.viewer, &[], Some(line)).await
}

/// A whole number from the form; blank is `None`.
fn number(posted: &Posted, name: &str) -> Result<Option<i64>, kehu_store::Error> {
    match posted.fields.get(name) {
        None => Ok(None),
        Some(v) => v
            .trim_end_matches('%')
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| Invalid::one(name, Code::InvalidNumber).into()),
    }
}

/// The open stages typed one per line, as `名称 概率` (`初步接洽 10`).
fn typed_stages(text: &str) -> Result<Vec<StageInput>, kehu_store::Error> {
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let (name, p) = line.rsplit_once(char::is_whitespace).unwrap_or((line, ""));
        let probability = p
            .trim_end_matches('%')
            .parse::<i64>()
            .map_err(|_| Invalid::one(format!("stages[{i}].probability"), Code::InvalidNumber))?;
        out.push(StageInput {
            name: name.trim().to_owned(),
            probability,
            outcome: None,
        });
    }
    Ok(out)
}

pub async fn add_pipeline(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let t = posted.viewer.t();
    let result = match typed_stages(posted.fields.get("stages").unwrap_or_default()) {
        Ok(mut stages) => {
            stages.push(StageInput {
                name: t.s("stage_key.won").to_owned(),
                probability: 100,
                outcome: Some("won".into()),
            });
            stages.push(StageInput {
                name: t.s("stage_key.lost").to_owned(),
                probability: 0,
                outcome: Some("lost".into()),
            });
            state
                .store
                .create_pipeline(
                    &posted.viewer.me.ctx(),
                    posted.fields.get("name").unwrap_or_default(),
                    &stages,
                )
                .await
                .map(drop)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/settings/pipelines?flash=saved")),
        Err(e) => refused(&state, &posted, e).await,
    }
}

pub async fn add_stage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let result = match number(&posted, "probability") {
        Ok(p) => {
            let stage = StageInput {
                name: posted.fields.get("name").unwrap_or_default().to_owned(),
                probability: p.unwrap_or(0),
                outcome: None,
            };
            state
                .store
                .add_stage(&posted.viewer.me.ctx(), id, &stage)
                .await
                .map(drop)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/settings/pipelines?flash=saved")),
        Err(e) => refused(&state, &posted, e).await,
    }
}

pub async fn update_stage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let change = (|| {
        Ok::<_, kehu_store::Error>(StageChange {
            name: posted.fields.get("name").map(str::to_owned),
            probability: number(&posted, "probability")?,
            active: Some(posted.fields.get("active").is_some()),
            position: number(&posted, "position")?,
        })
    })();
    let result = match change {
        Ok(c) => state
            .store
            .update_stage(&posted.viewer.me.ctx(), id, &c)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/settings/pipelines?flash=saved")),
        Err(e) => refused(&state, &posted, e).await,
    }
}
