//! The opportunity pages (商机): the board (a column per stage, cards
//! dragged between them, totals and weighted totals per column), the list
//! with filters, the form, an opportunity's page with the time it spent in
//! each stage, and the forecast.

mod board;
mod forecast;
mod form;
mod list;
mod show;

use board::board;
use forecast::forecast;
use form::{create, edit, new, update};
use list::list;
use show::{make_order, move_stage, show};

use axum::routing::{get, post};
use axum::Router;
use kehu_store::opportunities::{Opportunity, Pipeline, Stage};

use super::customers::People;
use super::{PageError, T};
use crate::AppState;

/// Cards one board column shows.
const PER_COLUMN: i64 = 50;
const PER_PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(board).post(create))
        .route("/opportunities/list", get(list))
        .route("/opportunities/new", get(new))
        .route("/opportunities/forecast", get(forecast))
        .route("/opportunities/{id}", get(show).post(update))
        .route("/opportunities/{id}/edit", get(edit))
        .route("/opportunities/{id}/stage", post(move_stage))
        .route("/opportunities/{id}/order", post(make_order))
}

/// A stage's name in the reader's language: seeded stages by key, others
/// by the name an administrator gave.
pub(super) fn stage_label(t: T, stage: &Stage) -> String {
    match (&stage.name, &stage.key) {
        (Some(name), _) => name.clone(),
        (None, Some(key)) => t.choice("stage_key", key),
        (None, None) => format!("#{}", stage.id),
    }
}

pub(super) fn pipeline_label(t: T, p: &Pipeline) -> String {
    match (&p.name, &p.key) {
        (Some(name), _) => name.clone(),
        (None, Some(key)) => t.choice("pipeline_key", key),
        (None, None) => format!("#{}", p.id),
    }
}

/// Per-currency sums as one line: `120000.00 CNY + 500.00 USD`.
fn sums(map: &std::collections::BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return "0.00".to_owned();
    }
    map.iter()
        .map(|(c, a)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// An opportunity as a card or a row.
pub struct Card {
    pub id: i64,
    pub name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub amount: String,
    pub weighted: String,
    pub probability: i64,
    pub close: String,
    pub stage: String,
    pub status: String,
    pub owner: String,
    pub version: i64,
}

fn card(t: T, o: &Opportunity, stages: &[Stage], people: &People) -> Card {
    Card {
        id: o.id,
        name: o.name.clone(),
        customer_id: o.customer_id,
        customer_name: o.customer_name.clone(),
        amount: o.amount.0.to_string(),
        weighted: o.weighted.map(|w| w.0.to_string()).unwrap_or_default(),
        probability: o.probability,
        close: o.expected_close.clone().unwrap_or_default(),
        stage: stages
            .iter()
            .find(|s| s.id == o.stage_id)
            .map(|s| stage_label(t, s))
            .unwrap_or_default(),
        status: o.status.clone(),
        owner: people.name(t, o.owner_id),
        version: o.version,
    }
}

pub(super) async fn cards(
    state: &AppState,
    t: T,
    opportunities: &[Opportunity],
) -> Result<Vec<Card>, PageError> {
    let stages: Vec<Stage> = state
        .store
        .pipelines()
        .await?
        .into_iter()
        .flat_map(|p| p.stages)
        .collect();
    let people = People::new(&state.store.users().await?);
    Ok(opportunities
        .iter()
        .map(|o| card(t, o, &stages, &people))
        .collect())
}
