//! Moving an order along its workflow one checked step at a time, with the
//! status stamps and the webhook events each step writes.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::order::OrderStatus;
use kehu_core::webhook::Event;
use kehu_core::OrderId;

use super::{finish, lines_sql, refresh_figures, select_order, Order, Step};
use super::{ORDERS, ORDER_LINES, SELECT_PAYMENTS};
use crate::db::{q, Tx};
use crate::webhooks::outbox;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// The column that records when an order reached `status`.
fn stamp_column(status: OrderStatus) -> Option<&'static str> {
    Some(match status {
        OrderStatus::Draft => return None,
        OrderStatus::Confirmed => "confirmed_at",
        OrderStatus::Paid => "paid_at",
        OrderStatus::Shipped => "shipped_at",
        OrderStatus::Delivered => "delivered_at",
        OrderStatus::Completed => "completed_at",
        OrderStatus::Cancelled => "cancelled_at",
        OrderStatus::Refunded => "refunded_at",
    })
}

impl Store {
    /// Moves an order one step along its workflow. A step its status does
    /// not allow is refused with [`Error::Transition`] and changes nothing.
    pub async fn order_step(&self, ctx: &Ctx, id: OrderId, step: Step) -> Result<Order> {
        let (mut tx, current) = self.open_order(ctx, id).await?;
        let event = step.event();
        let paid_anything = !current.paid.amount().is_zero();
        let mut next = current
            .status
            .after(event, paid_anything)
            .ok_or(Error::Transition {
                status: current.status,
                event,
                paid_anything,
            })?;
        let now = now_ms();
        let mut extra = vec![];
        let patch = match step {
            Step::Ship(p) | Step::Cancel(p) | Step::Refund(p) => p,
            Step::Confirm | Step::Deliver | Step::Complete => Patch::default(),
        };
        for (name, value) in patch.set {
            extra.push((name, Kind::Text(500), value));
        }
        if next == OrderStatus::Confirmed && current.total.amount().is_zero() {
            // Nothing to pay (every line given away): paid as it is confirmed.
            extra.push(("confirmed_at", Kind::DateTime, Some(Stored::Int(now))));
            next = OrderStatus::Paid;
        }
        extra.extend(status_change(next, now));
        ORDERS
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        if next.is_purchase() != current.status.is_purchase() {
            refresh_figures(&mut tx, ctx, current.customer_id).await?;
        }
        emit_order(&mut tx, id, step_events(next)).await?;
        tx.commit().await?;
        self.order(&ctx.actor, id).await
    }
}

/// The order as it is inside `tx`, for the webhooks its change sends.
async fn order_in(tx: &mut Tx, id: OrderId) -> Result<Order> {
    let mut order: Order = tx
        .optional(q(select_order()).bind(id.get()))
        .await?
        .ok_or(Error::NotFound)?;
    order.lines = tx.all(q(lines_sql(ORDER_LINES)).bind(id.get())).await?;
    order.payments = tx.all(q(SELECT_PAYMENTS).bind(id.get())).await?;
    Ok(finish(order))
}

/// The webhook events of an order reaching `next` by a step.
fn step_events(next: OrderStatus) -> &'static [Event] {
    match next {
        OrderStatus::Confirmed => &[Event::OrderConfirmed],
        // Only confirming an order with nothing to pay reaches paid by a
        // step: it is confirmed and paid at once.
        OrderStatus::Paid => &[Event::OrderConfirmed, Event::OrderPaid],
        OrderStatus::Shipped => &[Event::OrderShipped],
        OrderStatus::Delivered => &[Event::OrderDelivered],
        OrderStatus::Cancelled => &[Event::OrderCancelled],
        OrderStatus::Draft | OrderStatus::Completed | OrderStatus::Refunded => &[],
    }
}

/// Writes `events` for order `id` into the outbox of `tx`, the order read
/// once and only if an endpoint wants one of them.
pub(super) async fn emit_order(tx: &mut Tx, id: OrderId, events: &[Event]) -> Result<()> {
    let mut order = None;
    for &event in events {
        let endpoints = outbox::subscribers(tx, event).await?;
        if endpoints.is_empty() {
            continue;
        }
        if order.is_none() {
            order = Some(order_in(tx, id).await?);
        }
        if let Some(order) = &order {
            outbox::emit_to(tx, event, &endpoints, order).await?;
        }
    }
    Ok(())
}

/// The status column and the time it was reached.
pub(super) fn status_change(
    next: OrderStatus,
    now: i64,
) -> Vec<(&'static str, Kind, Option<Stored>)> {
    let mut out = vec![(
        "status",
        Kind::Text(20),
        Some(Stored::Text(next.as_str().into())),
    )];
    if let Some(column) = stamp_column(next) {
        out.push((column, Kind::DateTime, Some(Stored::Int(now))));
    }
    out
}
