//! The forecast: expected and weighted amounts per period and owner.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::opportunity::ForecastRow;

use crate::extract::QueryPairs;
use crate::pages::customers::People;
use crate::pages::frame::{Frame, Section};
use crate::pages::{render_refused, Errors, PageError, Viewer};
use crate::AppState;

/// One forecast row as shown.
pub struct ForecastView {
    pub month: String,
    pub group: String,
    pub currency: String,
    pub count: i64,
    pub expected: String,
    pub weighted: String,
    pub won: String,
}

#[derive(Template)]
#[template(path = "opportunities/forecast.html")]
struct ForecastPage {
    f: Frame,
    rows: Vec<ForecastView>,
    from: String,
    to: String,
    by: String,
    error: Option<String>,
}

impl ForecastPage {
    fn is_by(&self, v: &str) -> bool {
        self.by == v
    }
}

pub async fn forecast(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| crate::pages::param(&params, k);
    let by_text = get("by")
        .filter(|b| !b.is_empty())
        .unwrap_or("owner")
        .to_owned();
    let range = crate::input::opportunities::forecast_range(get("from"), get("to"));
    let by = crate::input::opportunities::forecast_by(Some(&by_text));
    let (rows, from, to, error): (Vec<ForecastRow>, String, String, Option<String>) =
        match (range, by) {
            (Ok((from, to)), Ok(by)) => (
                state
                    .store
                    .forecast(&viewer.me.actor, &from, &to, by)
                    .await?,
                from,
                to,
                None,
            ),
            (Err(crate::error::ApiError::Invalid(i)), _)
            | (_, Err(crate::error::ApiError::Invalid(i))) => (
                Vec::new(),
                get("from").unwrap_or_default().to_owned(),
                get("to").unwrap_or_default().to_owned(),
                Some(Errors::new(t, &i.0).line()),
            ),
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
    let people = People::new(&state.store.users().await?);
    let teams: std::collections::HashMap<String, String> = state
        .store
        .teams()
        .await?
        .into_iter()
        .map(|tm| (tm.id.to_string(), tm.name))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| ForecastView {
            group: match by_text.as_str() {
                "owner" => people.name(t, r.group.parse().ok()),
                "team" => teams
                    .get(&r.group)
                    .cloned()
                    .unwrap_or_else(|| t.s("opps.no_team").to_owned()),
                _ => t.s("opps.everyone").to_owned(),
            },
            month: r.month,
            currency: r.currency,
            count: r.count,
            expected: r.expected,
            weighted: r.weighted,
            won: r.won,
        })
        .collect();
    let refused = error.is_some();
    let view = ForecastPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Opportunities,
            t.s("opps.forecast"),
        )
        .await?,
        rows,
        from,
        to,
        by: by_text,
        error,
    };
    render_refused(&view, refused)
}
