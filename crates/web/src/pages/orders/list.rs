//! The order list, filtered by status and paged.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::order::OrderStatus;
use kehu_store::orders::OrderFilter;

use super::{rows, OrderRow};
use crate::extract::QueryPairs;
use crate::pages::customers::{flash, Choice, People};
use crate::pages::frame::{Frame, Section};
use crate::pages::{param, render, PageError, Viewer};
use crate::AppState;

/// Orders one page of the list shows.
const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    f: Frame,
    orders: Vec<OrderRow>,
    statuses: Vec<Choice>,
    /// The link to the next page, if there may be one.
    more: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| param(&params, k).filter(|v| !v.is_empty());
    let status = get("status").and_then(|s| OrderStatus::parse(s).ok());
    let filter = OrderFilter {
        status,
        before: get("before").and_then(|b| b.parse().ok()),
        limit: PER_PAGE,
        ..Default::default()
    };
    let orders = state.store.orders(&viewer.me.actor, &filter).await?;
    let people = People::new(&state.store.users().await?);
    let status_value = status.map(|s| s.as_str()).unwrap_or_default();
    let more = (orders.len() as i64 == PER_PAGE)
        .then(|| orders.last())
        .flatten()
        .map(|o| format!("/orders?status={status_value}&before={}", o.id));
    let mut statuses = vec![Choice {
        value: String::new(),
        label: t.s("orders.all_statuses").to_owned(),
        selected: status.is_none(),
    }];
    statuses.extend(OrderStatus::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: s.label(t.0).to_owned(),
        selected: Some(*s) == status,
    }));
    let view = ListPage {
        f: Frame::new(&state, &viewer, Section::Orders, t.s("nav.orders"))
            .await?
            .with_flash(flash(t, &params)),
        orders: rows(t, &orders, &people),
        statuses,
        more,
    };
    render(&view)
}
