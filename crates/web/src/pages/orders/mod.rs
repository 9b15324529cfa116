//! The order pages (订单): the list, a draft's form with its lines, and the
//! order page that takes it step by step through payment (回款), shipment
//! (发货) and delivery. Every form goes through the store's own checks;
//! a refused one is shown again with what was typed and why.
//!
//! This file holds the routes and an order as a row of a list, which the
//! customer and opportunity pages show too.

mod form;
mod lines;
mod list;
mod show;

use form::{create, edit, new, update};
use list::list;
use show::{pay, show, step};

pub(super) use form::{catalogue, field_errors, order_fields, pick_customer};
pub(super) use lines::{line_errors, posted_lines, LineRow};

use axum::routing::{get, post};
use axum::Router;
use kehu_core::order::OrderStatus;
use kehu_store::orders::Order;

use super::customers::People;
use super::T;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list).post(create))
        .route("/orders/new", get(new))
        .route("/orders/{id}", get(show).post(update))
        .route("/orders/{id}/edit", get(edit))
        .route("/orders/{id}/payments", post(pay))
        .route("/orders/{id}/step/{step}", post(step))
}

/// An order as a row of a list.
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub status: String,
    pub status_label: &'static str,
    pub total: String,
    pub paid: String,
    pub created: String,
    pub owner: String,
}

fn status_of(o: &Order) -> OrderStatus {
    OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Draft)
}

pub(super) fn rows(t: T, orders: &[Order], people: &People) -> Vec<OrderRow> {
    orders
        .iter()
        .map(|o| OrderRow {
            id: o.id,
            number: o.number.clone(),
            customer_id: o.customer_id,
            customer_name: o.customer_name.clone(),
            status: o.status.clone(),
            status_label: status_of(o).label(t.0),
            total: o.total.0.to_string(),
            paid: o.paid.0.to_string(),
            created: t.time(o.created_at.0),
            owner: people.name(t, o.owner_id),
        })
        .collect()
}
