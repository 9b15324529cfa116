//! The board: a column per stage of a pipeline, cards dragged between
//! them, totals and weighted totals per column.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_store::opportunities::{Column, OpportunityFilter, Pipeline, Stage};

use super::{card, pipeline_label, stage_label, sums, Card, PER_COLUMN};
use crate::extract::QueryPairs;
use crate::pages::customers::{flash, Choice, People};
use crate::pages::frame::{Frame, Section};
use crate::pages::{PageError, Viewer, T};
use crate::AppState;

/// One column of the board as shown.
pub struct ColumnView {
    pub stage_id: i64,
    pub label: String,
    pub outcome: String,
    pub probability: i64,
    pub count: i64,
    pub total: String,
    pub weighted: String,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "opportunities/board.html")]
struct BoardPage {
    f: Frame,
    pipelines: Vec<Choice>,
    pipeline_id: i64,
    columns: Vec<ColumnView>,
    /// Every stage of the pipeline, for the move form of each card.
    stages: Vec<Choice>,
    mine: bool,
    may_write: bool,
}

async fn pipeline_choice(
    state: &AppState,
    t: T,
    params: &[(String, String)],
) -> Result<(Vec<Pipeline>, i64, Vec<Choice>), PageError> {
    let pipelines = state.store.pipelines().await?;
    let wanted: Option<i64> =
        crate::pages::param(params, "pipeline_id").and_then(|v| v.parse().ok());
    let id = wanted
        .filter(|w| pipelines.iter().any(|p| p.id == *w))
        .or(pipelines.first().map(|p| p.id))
        .ok_or(PageError::NotFound)?;
    let choices = pipelines
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: pipeline_label(t, p),
            selected: p.id == id,
        })
        .collect();
    Ok((pipelines, id, choices))
}

pub async fn board(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let (pipelines, pipeline_id, choices) = pipeline_choice(&state, t, &params).await?;
    let mine = crate::pages::param(&params, "mine") == Some("1");
    let filter = OpportunityFilter {
        owner_id: mine.then(|| viewer.me.actor.user_id.get()),
        ..Default::default()
    };
    let columns: Vec<Column> = state
        .store
        .board(&viewer.me.actor, pipeline_id, &filter, PER_COLUMN)
        .await?;
    let stages: Vec<Stage> = pipelines
        .into_iter()
        .find(|p| p.id == pipeline_id)
        .map(|p| p.stages)
        .unwrap_or_default();
    let people = People::new(&state.store.users().await?);
    let view = BoardPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Opportunities,
            t.s("nav.opportunities"),
        )
        .await?
        .with_flash(flash(t, &params)),
        pipelines: choices,
        pipeline_id,
        columns: columns
            .into_iter()
            .map(|c| ColumnView {
                stage_id: c.stage.id,
                label: stage_label(t, &c.stage),
                outcome: c.stage.outcome.clone(),
                probability: c.stage.probability,
                count: c.count,
                total: sums(&c.total),
                weighted: sums(&c.weighted),
                cards: c
                    .cards
                    .iter()
                    .map(|o| card(t, o, &stages, &people))
                    .collect(),
            })
            .collect(),
        stages: stages
            .iter()
            .filter(|s| s.active)
            .map(|s| Choice {
                value: s.id.to_string(),
                label: stage_label(t, s),
                selected: false,
            })
            .collect(),
        mine,
        may_write: viewer.me.actor.may_write_records(),
    };
    crate::pages::render(&view)
}
