//! Orders (订单): lines priced from the catalogue, payments (回款) and the
//! shipment, moved along [`OrderStatus`] one checked step at a time. Each
//! step is one transaction that changes the order, writes its history and,
//! when money is received or given back, the customer's purchase figures;
//! a step the status does not allow is refused and changes nothing.
//! Confirming, paying, shipping, delivering and cancelling also write the
//! webhook event (`order.paid`, …) in that transaction.
//!
//! Orders are seen as customers are: a rep their own, a manager the team's,
//! an administrator all. An order belongs to its customer's owner (or, for
//! a customer in the pool, to whoever took the order).
//!
//! The code is split by what it does: `types` (what the store hands
//! out), `read` (finding and listing orders), `write` (creating and
//! changing them), `lines` (pricing and keeping their lines), `workflow`
//! (status steps and their webhooks) and `payments` (money received and
//! what customers have bought).
//!
//! [`OrderStatus`]: kehu_core::order::OrderStatus

mod lines;
mod payments;
mod read;
mod types;
mod workflow;
mod write;

use kehu_core::money::Money;
use kehu_core::schema;

use crate::products::Price;
use crate::write::Table;

pub(crate) use lines::{lines_sql, price_lines, write_lines};
pub(crate) use payments::refresh_figures;
pub use types::{CustomerFigures, Order, OrderFilter, OrderLine, Payment, Step, StoredDiscount};
pub(crate) use write::record_owner;

const ORDERS: Table = Table {
    table: "orders",
    entity: "order",
    specs: schema::ORDER,
};

/// Where an order's lines are kept.
const ORDER_LINES: (&str, &str) = ("order_lines", "order_id");

/// Most orders one page lists.
pub const MAX_PAGE: i64 = 200;

const COLUMNS: &str = "o.id, o.customer_id, c.name AS customer_name, o.opportunity_id, \
    o.owner_id, o.team_id, \
    o.status, o.total, o.paid, o.external_ref, o.ordered_on, o.notes, o.carrier, o.tracking_no, \
    o.reason, o.confirmed_at, o.paid_at, o.shipped_at, o.delivered_at, o.completed_at, \
    o.cancelled_at, o.refunded_at, o.version, o.created_at, o.created_by, o.updated_at";

/// One live order by id (`$1`); callers add a visibility condition.
fn select_order() -> String {
    format!(
        "SELECT {COLUMNS} FROM orders o JOIN customers c ON c.id = o.customer_id \
         WHERE o.id = $1 AND o.deleted_at IS NULL"
    )
}

/// An order's payments (`$1`: the order).
const SELECT_PAYMENTS: &str = "SELECT id, order_id, amount, method, paid_on, reference, \
    created_at, created_by FROM payments WHERE order_id = $1 ORDER BY id";

fn finish(mut order: Order) -> Order {
    order.number = format!("SO-{:06}", order.id);
    let outstanding = order.total.0.amount() - order.paid.0.amount();
    order.outstanding = Some(Price(Money::new(outstanding, order.total.0.currency())));
    order
}
