//! Settings → lookups (`/settings/lookups`, administrators): the limits on
//! whole-value lookups of masked numbers and addresses, and the users who
//! made many of them lately. The form is read by the API's own parser.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kehu_store::lookups::{LookupBurst, LookupLimits};
use serde_json::{Map, Value};

use super::frame::{Frame, Section};
use super::settings::{admin_only, frame};
use super::{invalid_of, render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::extract::{JsonObject, QueryPairs};
use crate::input::lookups::limits_input;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/lookups", get(show).post(save))
}

pub struct BurstRow {
    pub user: String,
    pub last_hour: i64,
    pub last_day: i64,
    pub refused: i64,
    pub last_at: String,
}

#[derive(Template)]
#[template(path = "settings/lookups.html")]
struct LookupsPage {
    f: Frame,
    per_minute: String,
    per_day: String,
    burst_per_hour: String,
    bursts: Vec<BurstRow>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    values: [String; 3],
    error: Option<String>,
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let t = viewer.t();
    let bursts = state.store.lookup_bursts(&viewer.me.actor).await?;
    let [per_minute, per_day, burst_per_hour] = values;
    let failed = error.is_some();
    let page = LookupsPage {
        f: frame(state, viewer, "settings.lookups", params).await?,
        per_minute,
        per_day,
        burst_per_hour,
        bursts: bursts.iter().map(|b| row(t, b)).collect(),
        error,
    };
    render_refused(&page, failed)
}

fn row(t: super::T, b: &LookupBurst) -> BurstRow {
    BurstRow {
        user: b
            .user_name
            .clone()
            .or_else(|| b.user_id.map(|id| format!("#{id}")))
            .unwrap_or_default(),
        last_hour: b.last_hour,
        last_day: b.last_day,
        refused: b.refused,
        last_at: t.time(b.last_at.0),
    }
}

fn shown(l: &LookupLimits) -> [String; 3] {
    [l.per_minute, l.per_day, l.burst_per_hour].map(|n| n.to_string())
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let limits = state.store.lookup_limits().await?;
    page(&state, &viewer, &params, shown(&limits), None).await
}

async fn save(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let keys = ["per_minute", "per_day", "burst_per_hour"];
    let typed = keys.map(|k| posted.fields.get(k).unwrap_or_default().trim().to_owned());
    // Numbers go to the parser as numbers; anything else as the text it
    // is, which the parser refuses by name.
    let mut body = Map::new();
    for (key, text) in keys.iter().zip(&typed) {
        let value = text
            .parse::<i64>()
            .map_or_else(|_| Value::String(text.clone()), Value::from);
        body.insert((*key).to_owned(), value);
    }
    let current = state.store.lookup_limits().await?;
    let saved = match limits_input(JsonObject(body), current) {
        Ok(limits) => state
            .store
            .set_lookup_limits(&posted.viewer.me.actor, limits)
            .await
            .map_err(Into::into),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(see_other("/settings/lookups?flash=saved")),
        Err(e) => {
            let t = posted.viewer.t();
            let message = Errors::new(t, &invalid_of(e)?).messages();
            page(&state, &posted.viewer, &[], typed, Some(message)).await
        }
    }
}
