//! An opportunity's page: the time it spent in each stage, moving it to
//! another stage, and making an order of it.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::OpportunityId;
use kehu_store::opportunities::{Opportunity, Stage};

use super::{card, stage_label, Card};
use crate::extract::QueryPairs;
use crate::pages::customers::{flash, Choice, People};
use crate::pages::frame::{Frame, Section};
use crate::pages::orders::field_errors;
use crate::pages::{render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::AppState;

/// One stay in a stage, as shown.
pub struct StayRow {
    pub stage: String,
    pub entered: String,
    pub left: String,
    pub spent: String,
}

/// A duration as people say it: 3 天 4 小时, 2 h 5 min.
fn spent(t: T, ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if d > 0 {
        t.s("opps.days_hours")
            .replace("{d}", &d.to_string())
            .replace("{h}", &h.to_string())
    } else {
        t.s("opps.hours_minutes")
            .replace("{h}", &h.to_string())
            .replace("{m}", &m.to_string())
    }
}

#[derive(Template)]
#[template(path = "opportunities/show.html")]
struct ShowPage {
    f: Frame,
    o: Opportunity,
    c: Card,
    stays: Vec<StayRow>,
    stages: Vec<Choice>,
    history: Vec<(String, String, String)>,
    orders: Vec<crate::pages::orders::OrderRow>,
    may_write: bool,
    error: Option<String>,
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    id: i64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let actor = &viewer.me.actor;
    let o = state.store.opportunity(actor, OpportunityId(id)).await?;
    let pipelines = state.store.pipelines().await?;
    let stages: Vec<Stage> = pipelines
        .iter()
        .find(|p| p.id == o.pipeline_id)
        .map(|p| p.stages.clone())
        .unwrap_or_default();
    let all_stages: Vec<Stage> = pipelines.into_iter().flat_map(|p| p.stages).collect();
    let label = |sid: i64| {
        all_stages
            .iter()
            .find(|s| s.id == sid)
            .map(|s| stage_label(t, s))
            .unwrap_or_else(|| format!("#{sid}"))
    };
    let stays = state
        .store
        .opportunity_stages(actor, OpportunityId(id))
        .await?
        .into_iter()
        .map(|s| StayRow {
            stage: label(s.stage_id),
            entered: t.time(s.entered_at.0),
            left: s.left_at.map(|l| t.time(l.0)).unwrap_or_default(),
            spent: spent(t, s.duration_ms),
        })
        .collect();
    let people = People::new(&state.store.users().await?);
    let history = state
        .store
        .opportunity_history(actor, OpportunityId(id), 200)
        .await?
        .into_iter()
        .filter(|h| !h.field.ends_with("_at"))
        .map(|h| {
            let value = |v: Option<&str>| match (h.field.as_str(), v) {
                ("stage_id", Some(v)) => v.parse().map(label).unwrap_or_default(),
                ("status", Some(v)) => t.choice("opp_status", v),
                (_, Some(v)) => v.to_owned(),
                (_, None) => "—".to_owned(),
            };
            let what = match h.field.as_str() {
                "created" => t.s("opps.h.created").to_owned(),
                field => format!(
                    "{}: {} → {}",
                    t.choice("opps.field", field),
                    value(h.old_value.as_deref()),
                    value(h.new_value.as_deref())
                ),
            };
            (t.time(h.at.0), people.name(t, h.actor_id), what)
        })
        .collect();
    let orders = state
        .store
        .orders(
            actor,
            &kehu_store::orders::OrderFilter {
                customer_id: Some(o.customer_id),
                limit: 50,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter(|order| order.opportunity_id == Some(o.id))
        .collect::<Vec<_>>();
    let refused = error.is_some();
    let view = ShowPage {
        f: Frame::new(state, viewer, Section::Opportunities, o.name.clone())
            .await?
            .with_flash(flash(t, params)),
        c: card(t, &o, &stages, &people),
        stays,
        stages: stages
            .iter()
            .filter(|s| s.active)
            .map(|s| Choice {
                value: s.id.to_string(),
                label: format!("{} ({}%)", stage_label(t, s), s.probability),
                selected: s.id == o.stage_id,
            })
            .collect(),
        history,
        orders: crate::pages::orders::rows(t, &orders, &people),
        may_write: actor.may_write_records(),
        error,
        o,
    };
    render_refused(&view, refused)
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    show_page(&state, &viewer, &params, id, None).await
}

/// Moves a card: from the board (by dragging, or the card's own form) or
/// from the opportunity's page. A refusal (a lost stage without a reason)
/// is shown on the opportunity's page.
pub async fn move_stage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let stage: i64 = posted
        .fields
        .get("stage_id")
        .and_then(|v| v.parse().ok())
        .ok_or(PageError::BadRequest)?;
    let reason = posted.fields.get("lost_reason").map(str::to_owned);
    let version = posted.fields.get("version").and_then(|v| v.parse().ok());
    let back = match posted.fields.get("back") {
        Some(b) if b.starts_with("/opportunities") && !b.starts_with("//") => b.to_owned(),
        _ => format!("/opportunities/{id}"),
    };
    match state
        .store
        .move_opportunity(
            &posted.viewer.me.ctx(),
            OpportunityId(id),
            stage,
            reason,
            version,
        )
        .await
    {
        Ok(_) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            Ok(see_other(&format!("{back}{sep}flash=opportunity_moved")))
        }
        Err(kehu_store::Error::Conflict(_)) => Ok(see_other(&format!(
            "/opportunities/{id}?flash=opportunity_changed"
        ))),
        Err(e) => {
            let t = posted.viewer.t();
            let errors = field_errors(e)?;
            let message = Errors::new(t, &errors).line();
            show_page(&state, &posted.viewer, &[], id, Some(message)).await
        }
    }
}

pub async fn make_order(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    match state
        .store
        .order_from_opportunity(&posted.viewer.me.ctx(), OpportunityId(id))
        .await
    {
        Ok(order) => Ok(see_other(&format!(
            "/orders/{}?flash=order_created",
            order.id
        ))),
        Err(e) => {
            let t = posted.viewer.t();
            let errors = field_errors(e)?;
            let message = Errors::new(t, &errors).line();
            show_page(&state, &posted.viewer, &[], id, Some(message)).await
        }
    }
}
