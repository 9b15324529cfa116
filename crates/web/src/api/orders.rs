//! `/api/v1/orders`: orders (订单) from draft to completed, their payments
//! (回款) and shipment (发货), and a customer's purchase figures.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::entry::{parse_object, Mode, Patch, Spec};
use kehu_core::order::{parse_lines, LineInput, OrderStatus};
use kehu_core::{schema, CustomerId, Invalid, OrderId};
use kehu_store::history::HistoryEntry;
use kehu_store::orders::{CustomerFigures, Order, OrderFilter, Step};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

#[derive(Deserialize)]
pub struct ListQuery {
    customer_id: Option<i64>,
    status: Option<String>,
    owner_id: Option<i64>,
    before: Option<i64>,
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct OrderPage {
    /// Newest first, without lines and payments.
    pub orders: Vec<Order>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<i64>,
}

/// Reads an order's own fields and, when the body has them, its lines: every
/// bad value of either is reported at once.
pub(crate) fn order_input(
    mut body: JsonObject,
    mode: Mode,
) -> Result<(Patch, Option<Vec<LineInput>>, Option<i64>)> {
    let mut invalid = Invalid::default();
    let version = body.take_version(&mut invalid);
    let lines = body.0.remove("lines").map(|v| parse_lines(&v));
    let patch = match parse_object(&body.0, schema::ORDER, &[], mode) {
        Ok(p) => Some(p),
        Err(e) => {
            invalid.0.extend(e.0);
            None
        }
    };
    let lines = match lines {
        Some(Ok(l)) => Some(l),
        Some(Err(errors)) => {
            invalid.0.extend(errors);
            None
        }
        None if mode == Mode::Create => {
            invalid.push("lines", kehu_core::Code::Required);
            None
        }
        None => None,
    };
    invalid.into_result()?;
    Ok((patch.unwrap_or_default(), lines, version))
}

/// A step's own fields (carrier and tracking number, a reason).
fn step_input(body: Option<JsonObject>, specs: &[Spec]) -> Result<Patch> {
    let body = body.map(|b| b.0).unwrap_or_default();
    Ok(parse_object(&body, specs, &[], Mode::Create)?)
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    params(("customer_id" = Option<i64>, Query), ("status" = Option<String>, Query, description = "draft, confirmed, paid, shipped, delivered, completed, cancelled or refunded"),
           ("owner_id" = Option<i64>, Query), ("before" = Option<i64>, Query, description = "`next_before` of the previous page"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, body = OrderPage), (status = 422)))]
/// The orders the caller may see (a rep their own, a manager the team's),
/// newest first.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<OrderPage>> {
    let status = query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(OrderStatus::parse)
        .transpose()
        .map_err(|code| Invalid::one("status", code))?;
    let limit = super::page_limit(query.limit, 50, kehu_store::orders::MAX_PAGE)?;
    let filter = OrderFilter {
        customer_id: query.customer_id,
        status,
        owner_id: query.owner_id,
        before: query.before,
        limit,
    };
    let orders = state.store.orders(&me.actor, &filter).await?;
    let next_before = (orders.len() as i64 == limit)
        .then(|| orders.last().map(|o| o.id))
        .flatten();
    Ok(Json(OrderPage {
        orders,
        next_before,
    }))
}

#[utoipa::path(post, path = "/api/v1/orders", tag = "orders",
    request_body(content = Object, description = "`{\"customer_id\": 1, \"lines\": [{\"product_id\": 3, \"quantity\": 2, \"discount\": \"9折\"}, {\"name\": \"实施服务\", \"unit\": \"人天\", \"quantity\": \"2.5\", \"unit_price\": \"1200\", \"discount\": \"15%\"}], \"external_ref\": \"ERP-0001\", \"ordered_on\": \"2026-11-30\", \"notes\": \"…\"}`. A line names a catalogue product (its name, unit and price are copied unless given) or has a name and unit_price of its own; a discount is `\"10%\"`, `\"9折\"`, an amount off, or `{\"kind\": \"percent\" | \"amount\", \"value\": \"10\"}`. All lines in one currency."),
    responses((status = 201, body = Order), (status = 422, description = "`lines[i].quantity`, `lines[i].product_id` (not_found, inactive), `lines[i].unit_price` (currency_mismatch), `customer_id` not_found, …")))]
/// Creates a draft order.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Order>)> {
    let (patch, lines, _) = order_input(body, Mode::Create)?;
    let order = state
        .store
        .create_order(&me.ctx(), patch, lines.unwrap_or_default())
        .await?;
    Ok((StatusCode::CREATED, Json(order)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 200, body = Order), (status = 404)))]
/// An order with its lines and payments.
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Order>> {
    Ok(Json(state.store.order(&me.actor, OrderId(id)).await?))
}

#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "`notes` and `external_ref` at any time; `customer_id`, `ordered_on` and `lines` (replacing them all) while a draft; `version` guards against overwriting another's change"),
    responses((status = 200, body = Order), (status = 404), (status = 409, description = "`order_not_draft`, or `version`"), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Order>> {
    let (patch, lines, version) = order_input(body, Mode::Update)?;
    Ok(Json(
        state
            .store
            .update_order(&me.ctx(), OrderId(id), patch, lines, version)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/{step}", tag = "orders",
    params(("id" = i64, Path), ("step" = String, Path, description = "confirm, ship (body `{\"carrier\", \"tracking_no\"}`), deliver, complete, cancel or refund (body `{\"reason\"}`)")),
    request_body(content = Option<Object>),
    responses((status = 200, body = Order), (status = 404),
        (status = 409, description = "`invalid_transition`: the step does not fit the order's status (shipping an unpaid order, cancelling one that took money, …); nothing changed"),
        (status = 422)))]
/// Moves an order one step on. Logistics systems post `deliver` here.
pub async fn step(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, step)): Path<(i64, String)>,
    body: Option<JsonObject>,
) -> Result<Json<Order>> {
    let step = match step.as_str() {
        "confirm" => Step::Confirm,
        "ship" => Step::Ship(step_input(body, schema::SHIPMENT)?),
        "deliver" => Step::Deliver,
        "complete" => Step::Complete,
        "cancel" => Step::Cancel(step_input(body, schema::ORDER_REASON)?),
        "refund" => Step::Refund(step_input(body, schema::ORDER_REASON)?),
        _ => return Err(ApiError::NotFound),
    };
    Ok(Json(
        state.store.order_step(&me.ctx(), OrderId(id), step).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/payments", tag = "orders",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "`{\"amount\": \"5000.00\", \"method\": \"bank_transfer\", \"paid_on\": \"2026-11-30\", \"reference\": \"…\"}`; method is bank_transfer, alipay, wechat_pay, cash, card, cheque or other. The payment that covers the total marks the order paid."),
    responses((status = 201, body = Order), (status = 404),
        (status = 409, description = "`invalid_transition`: only a confirmed order takes payments"),
        (status = 422, description = "`amount` above_max (more than is outstanding), currency_mismatch, below_min")))]
/// Records a payment (回款) against a confirmed order.
pub async fn pay(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<(StatusCode, Json<Order>)> {
    let patch = parse_object(&body.0, schema::PAYMENT, &[], Mode::Create)?;
    let order = state
        .store
        .add_payment(&me.ctx(), OrderId(id), patch)
        .await?;
    Ok((StatusCode::CREATED, Json(order)))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/history", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 200, body = [HistoryEntry]), (status = 404)))]
/// Every change of an order (each step, payment and edit), newest first.
pub async fn history(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<HistoryEntry>>> {
    Ok(Json(
        state
            .store
            .order_history(&me.actor, OrderId(id), 500)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/figures", tag = "orders",
    params(("id" = i64, Path)),
    responses((status = 200, body = CustomerFigures), (status = 404)))]
/// What a customer has bought: paid orders not refunded, their count, the
/// sum per currency, the first and last purchase.
pub async fn figures(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<CustomerFigures>> {
    Ok(Json(
        state
            .store
            .customer_figures(&me.actor, CustomerId(id))
            .await?,
    ))
}
