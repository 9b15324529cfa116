//! The opportunity list with its filters.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::Invalid;
use kehu_store::opportunities::{OpportunityFilter, Stage};

use super::{cards, stage_label, Card, PER_PAGE};
use crate::extract::QueryPairs;
use crate::pages::customers::Choice;
use crate::pages::frame::{Frame, Section};
use crate::pages::{render_refused, Errors, PageError, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "opportunities/list.html")]
struct ListPage {
    f: Frame,
    rows: Vec<Card>,
    stages: Vec<Choice>,
    statuses: Vec<Choice>,
    close_from: String,
    close_to: String,
    more: Option<String>,
    error: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| crate::pages::param(&params, k).filter(|v| !v.is_empty());
    let mut invalid = Invalid::default();
    let mut date = |field: &str| {
        let v = get(field)?;
        invalid.check(
            field,
            kehu_core::date::parse_date(v).map(|d| d.format("%Y-%m-%d").to_string()),
        )
    };
    let close_from = date("close_from");
    let close_to = date("close_to");
    let status = get("status")
        .filter(|s| matches!(*s, "open" | "won" | "lost"))
        .map(str::to_owned);
    let filter = OpportunityFilter {
        stage_id: get("stage_id").and_then(|v| v.parse().ok()),
        status: status.clone(),
        close_from: close_from.clone(),
        close_to: close_to.clone(),
        before: get("before").and_then(|v| v.parse().ok()),
        limit: PER_PAGE,
        ..Default::default()
    };
    let error = (!invalid.0.is_empty()).then(|| Errors::new(t, &invalid.0).line());
    let found = if error.is_none() {
        state.store.opportunities(&viewer.me.actor, &filter).await?
    } else {
        Vec::new()
    };
    let stages: Vec<Stage> = state
        .store
        .pipelines()
        .await?
        .into_iter()
        .flat_map(|p| p.stages)
        .collect();
    let more = (found.len() as i64 == PER_PAGE)
        .then(|| found.last())
        .flatten()
        .map(|o| {
            let mut keep: Vec<String> = params
                .iter()
                .filter(|(k, _)| k != "before")
                .map(|(k, v)| format!("{k}={}", crate::text::url_encode(v)))
                .collect();
            keep.push(format!("before={}", o.id));
            format!("/opportunities/list?{}", keep.join("&"))
        });
    let mut stage_choices = vec![Choice {
        value: String::new(),
        label: t.s("opps.all_stages").to_owned(),
        selected: filter.stage_id.is_none(),
    }];
    stage_choices.extend(stages.iter().filter(|s| s.active).map(|s| Choice {
        value: s.id.to_string(),
        label: stage_label(t, s),
        selected: filter.stage_id == Some(s.id),
    }));
    let mut statuses = vec![Choice {
        value: String::new(),
        label: t.s("opps.all_statuses").to_owned(),
        selected: status.is_none(),
    }];
    statuses.extend(["open", "won", "lost"].iter().map(|s| Choice {
        value: (*s).to_owned(),
        label: t.choice("opp_status", s),
        selected: status.as_deref() == Some(*s),
    }));
    let refused = error.is_some();
    let view = ListPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Opportunities,
            t.s("nav.opportunities"),
        )
        .await?,
        rows: cards(&state, t, &found).await?,
        stages: stage_choices,
        statuses,
        close_from: get("close_from").unwrap_or_default().to_owned(),
        close_to: get("close_to").unwrap_or_default().to_owned(),
        more,
        error,
    };
    render_refused(&view, refused)
}
