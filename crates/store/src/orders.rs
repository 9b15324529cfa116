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

use std::collections::{BTreeMap, HashMap};

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::money::Money;
use kehu_core::order::{order_total, Discount, Line, LineInput, OrderEvent, OrderStatus};
use kehu_core::webhook::Event;
use kehu_core::{schema, Code, CustomerId, FieldError, Invalid, OrderId};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::{visible, CUSTOMERS};
use crate::db::{q, Arg, Backend, Tx, Where};
use crate::products::Price;
use crate::time::Time;
use crate::webhooks::outbox;
use crate::write::{write_history, Change, Ctx, Table};
use crate::{now_ms, Error, Result, Store};

const ORDERS: Table = Table {
    table: "orders",
    entity: "order",
    specs: schema::ORDER,
};

/// Where an order's lines are kept.
const ORDER_LINES: (&str, &str) = ("order_lines", "order_id");

/// Most orders one page lists.
pub const MAX_PAGE: i64 = 200;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    /// The number people quote (SO-000123): the id, padded.
    #[sqlx(skip)]
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    /// The opportunity (商机) the order was made from.
    pub opportunity_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    /// draft, confirmed, paid, shipped, delivered, completed, cancelled or
    /// refunded.
    pub status: String,
    /// `{"amount": "1200.50", "currency": "CNY"}`: the sum of the lines.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub total: Price,
    /// What the payments add up to.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub paid: Price,
    /// `total` less `paid`.
    #[sqlx(skip)]
    #[schema(value_type = Object)]
    pub outstanding: Option<Price>,
    pub external_ref: Option<String>,
    pub ordered_on: Option<String>,
    pub notes: Option<String>,
    pub carrier: Option<String>,
    pub tracking_no: Option<String>,
    /// Why it was cancelled or refunded.
    pub reason: Option<String>,
    pub confirmed_at: Option<Time>,
    pub paid_at: Option<Time>,
    pub shipped_at: Option<Time>,
    pub delivered_at: Option<Time>,
    pub completed_at: Option<Time>,
    pub cancelled_at: Option<Time>,
    pub refunded_at: Option<Time>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    #[sqlx(skip)]
    pub lines: Vec<OrderLine>,
    #[sqlx(skip)]
    pub payments: Vec<Payment>,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct OrderLine {
    pub id: i64,
    pub position: i64,
    pub product_id: Option<i64>,
    pub name: String,
    pub unit: Option<String>,
    /// An exact decimal, as a string.
    pub quantity: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub unit_price: Price,
    /// `{"kind": "percent" | "amount", "value": "10"}`, or null.
    #[sqlx(try_from = "Option<String>")]
    #[schema(value_type = Option<Object>)]
    pub discount: StoredDiscount,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub total: Price,
}

/// A line's discount as stored (JSON text), read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StoredDiscount(pub Option<Discount>);

impl TryFrom<Option<String>> for StoredDiscount {
    type Error = serde_json::Error;
    fn try_from(s: Option<String>) -> std::result::Result<Self, Self::Error> {
        s.map(|s| serde_json::from_str(&s))
            .transpose()
            .map(StoredDiscount)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Payment {
    pub id: i64,
    pub order_id: i64,
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub amount: Price,
    pub method: String,
    pub paid_on: String,
    pub reference: Option<String>,
    pub created_at: Time,
    pub created_by: Option<i64>,
}

/// What a customer has bought: its orders that were paid and not refunded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CustomerFigures {
    pub purchase_count: i64,
    /// One sum per currency bought in, `{"CNY": "12800.00"}`.
    #[schema(value_type = Object)]
    pub total_spend: BTreeMap<String, String>,
    pub first_purchase_at: Option<Time>,
    pub last_purchase_at: Option<Time>,
}

/// Which orders to list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_id: Option<i64>,
    pub status: Option<OrderStatus>,
    pub owner_id: Option<i64>,
    /// Orders older than this one (the id of the last order of the
    /// previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// One step of the workflow, with what that step needs.
#[derive(Debug, Clone)]
pub enum Step {
    Confirm,
    /// [`schema::SHIPMENT`]: carrier and tracking number.
    Ship(Patch),
    Deliver,
    Complete,
    /// [`schema::ORDER_REASON`].
    Cancel(Patch),
    /// [`schema::ORDER_REASON`].
    Refund(Patch),
}

impl Step {
    fn event(&self) -> OrderEvent {
        match self {
            Step::Confirm => OrderEvent::Confirm,
            Step::Ship(_) => OrderEvent::Ship,
            Step::Deliver => OrderEvent::Deliver,
            Step::Complete => OrderEvent::Complete,
            Step::Cancel(_) => OrderEvent::Cancel,
            Step::Refund(_) => OrderEvent::Refund,
        }
    }
}

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

/// The lines of an order or opportunity (`$1`) in `(table, parent column)`.
pub(crate) fn lines_sql((table, parent): (&str, &str)) -> String {
    format!(
        "SELECT id, position, product_id, name, unit, quantity, unit_price, discount, total \
         FROM {table} WHERE {parent} = $1 ORDER BY position"
    )
}

/// An order's payments (`$1`: the order).
const SELECT_PAYMENTS: &str = "SELECT id, order_id, amount, method, paid_on, reference, \
    created_at, created_by FROM payments WHERE order_id = $1 ORDER BY id";

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

/// A line with everything filled in from the catalogue and its total.
pub(crate) struct Priced {
    product_id: Option<i64>,
    name: String,
    unit: Option<String>,
    line: Line,
    total: Decimal,
}

/// The order as it is inside a transaction (locked on PostgreSQL).
struct Current {
    customer_id: i64,
    status: OrderStatus,
    total: Money,
    paid: Money,
}

impl Store {
    /// A draft order for a customer the actor may see. Lines name a
    /// catalogue product (its name, unit and price are copied unless given)
    /// or carry a name and price of their own.
    pub async fn create_order(
        &self,
        ctx: &Ctx,
        patch: Patch,
        lines: Vec<LineInput>,
    ) -> Result<Order> {
        self.create_order_for(ctx, patch, lines, None).await
    }

    /// [`Store::create_order`], made from `opportunity` when given.
    pub(crate) async fn create_order_for(
        &self,
        ctx: &Ctx,
        patch: Patch,
        lines: Vec<LineInput>,
        opportunity: Option<i64>,
    ) -> Result<Order> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let customer = patch
            .get("customer_id")
            .cloned()
            .flatten()
            .and_then(|v| v.as_int())
            .ok_or_else(|| Invalid::one("customer_id", Code::Required))?;
        let (owner, team) = record_owner(&mut tx, ctx, customer).await?;
        let (priced, total) = price_lines(&mut tx, &lines).await?;
        let zero = Money::new(Decimal::ZERO, total.currency());
        let id = ORDERS
            .insert(
                &mut tx,
                &patch,
                vec![
                    ("owner_id", owner.into()),
                    ("team_id", team.into()),
                    ("status", OrderStatus::Draft.as_str().into()),
                    ("currency", total.currency().as_str().into()),
                    ("total", total.to_string().into()),
                    ("paid", zero.to_string().into()),
                    ("opportunity_id", opportunity.into()),
                ],
                ctx,
            )
            .await?;
        write_lines(&mut tx, ORDER_LINES, id, &priced).await?;
        tx.commit().await?;
        self.order(&ctx.actor, OrderId(id)).await
    }

    /// An order the actor may see, with its lines and payments.
    pub async fn order(&self, actor: &kehu_core::Actor, id: OrderId) -> Result<Order> {
        let mut order: Order = self
            .db
            .optional(
                q(format!(
                    "{} AND {}",
                    select_order(),
                    visible(actor.scope(), "o")
                ))
                .bind(id.get()),
            )
            .await?
            .ok_or(Error::NotFound)?;
        order.lines = self
            .db
            .all(q(lines_sql(ORDER_LINES)).bind(id.get()))
            .await?;
        order.payments = self.db.all(q(SELECT_PAYMENTS).bind(id.get())).await?;
        Ok(finish(order))
    }

    /// A page of the orders the actor may see, newest first. Lines and
    /// payments are left out; [`Store::order`] has them.
    pub async fn orders(
        &self,
        actor: &kehu_core::Actor,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>> {
        let mut w = Where::visible(actor.scope());
        if let Some(c) = filter.customer_id {
            w.and("o.customer_id = ?", c);
        }
        if let Some(s) = filter.status {
            w.and("o.status = ?", s.as_str());
        }
        if let Some(o) = filter.owner_id {
            w.and("o.owner_id = ?", o);
        }
        if let Some(b) = filter.before {
            w.and("o.id < ?", b);
        }
        let stmt = w.query(&format!(
            "SELECT {COLUMNS} FROM orders o JOIN customers c ON c.id = o.customer_id \
             WHERE {{where}} ORDER BY o.id DESC LIMIT {}",
            filter.limit.clamp(1, MAX_PAGE)
        ));
        let rows: Vec<Order> = self.db.all(stmt).await?;
        Ok(rows.into_iter().map(finish).collect())
    }

    /// Changes a draft's customer, date or lines, or any order's reference
    /// and notes. With `version`, an order changed by someone else since is
    /// a conflict.
    pub async fn update_order(
        &self,
        ctx: &Ctx,
        id: OrderId,
        mut patch: Patch,
        lines: Option<Vec<LineInput>>,
        version: Option<i64>,
    ) -> Result<Order> {
        let (mut tx, current) = self.open_order(ctx, id).await?;
        let drafting = lines.is_some()
            || patch
                .set
                .iter()
                .any(|(n, _)| matches!(*n, "customer_id" | "ordered_on"));
        if drafting && current.status != OrderStatus::Draft {
            return Err(Error::Conflict("order_not_draft"));
        }
        let mut extra = Vec::new();
        if let Some(Some(Stored::Int(customer))) = patch.get("customer_id").cloned() {
            if customer != current.customer_id {
                let (owner, team) = record_owner(&mut tx, ctx, customer).await?;
                extra.push(("owner_id", Kind::Id, owner.map(Stored::Int)));
                extra.push(("team_id", Kind::Id, team.map(Stored::Int)));
            }
        }
        patch
            .set
            .retain(|(n, v)| *n != "customer_id" || v.is_some());
        let mut changes = Vec::new();
        if let Some(lines) = &lines {
            let (priced, total) = price_lines(&mut tx, lines).await?;
            let zero = Money::new(Decimal::ZERO, total.currency());
            write_lines(&mut tx, ORDER_LINES, id.get(), &priced).await?;
            changes.push(Change {
                field: "lines".into(),
                old: None,
                new: Some(format!("{} × {}", priced.len(), total)),
            });
            extra.push((
                "currency",
                Kind::Text(3),
                Some(Stored::Text(total.currency().as_str().into())),
            ));
            extra.push(("total", Kind::Money, Some(Stored::Text(total.to_string()))));
            extra.push(("paid", Kind::Money, Some(Stored::Text(zero.to_string()))));
        }
        let updated = ORDERS
            .update(&mut tx, id.get(), &patch, extra, ctx, version)
            .await?;
        if updated.is_empty() && !changes.is_empty() {
            // Same total, other lines: the order still changed.
            bump(&mut tx, ctx, id.get()).await?;
        }
        write_history(&mut tx, "order", id.get(), &changes, ctx, now_ms()).await?;
        tx.commit().await?;
        self.order(&ctx.actor, id).await
    }

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

    /// Records money received against a confirmed order
    /// ([`schema::PAYMENT`]). Part payments are kept until they cover the
    /// total, which marks the order paid and counts it in the customer's
    /// figures, in the same transaction. More than is outstanding is refused.
    pub async fn add_payment(&self, ctx: &Ctx, id: OrderId, patch: Patch) -> Result<Order> {
        let (mut tx, current) = self.open_order(ctx, id).await?;
        if current.status != OrderStatus::Confirmed {
            return Err(Error::Transition {
                status: current.status,
                event: OrderEvent::PaidInFull,
                paid_anything: !current.paid.amount().is_zero(),
            });
        }
        let amount = patch
            .text("amount")
            .map(Money::parse)
            .transpose()
            .map_err(|code| Invalid::one("amount", code))?
            .ok_or_else(|| Invalid::one("amount", Code::Required))?;
        let outstanding = current.total.amount() - current.paid.amount();
        if amount.currency() != current.total.currency() {
            return Err(Invalid::one("amount", Code::CurrencyMismatch).into());
        }
        if amount.amount() <= Decimal::ZERO {
            return Err(Invalid::one("amount", Code::BelowMin { min: "0.01".into() }).into());
        }
        if amount.amount() > outstanding {
            let max = Money::new(outstanding, amount.currency()).amount_string();
            return Err(Invalid::one("amount", Code::AboveMax { max }).into());
        }
        let now = now_ms();
        let text = |name| patch.text(name).map(str::to_owned);
        tx.insert(
            q("INSERT INTO payments (order_id, amount, method, paid_on, reference, created_at, created_by) \
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(id.get())
            .bind(amount.to_string())
            .bind(text("method"))
            .bind(text("paid_on"))
            .bind(text("reference"))
            .bind(now)
            .bind(ctx.by()),
        )
        .await?;
        let paid = Money::new(current.paid.amount() + amount.amount(), amount.currency());
        let mut extra = vec![("paid", Kind::Money, Some(Stored::Text(paid.to_string())))];
        let covered = paid.amount() == current.total.amount();
        if covered {
            extra.extend(status_change(OrderStatus::Paid, now));
        }
        ORDERS
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        let method = text("method").unwrap_or_default();
        let payment = Change {
            field: "payment".into(),
            old: None,
            new: Some(format!("{amount} {method}")),
        };
        write_history(&mut tx, "order", id.get(), &[payment], ctx, now).await?;
        if covered {
            refresh_figures(&mut tx, ctx, current.customer_id).await?;
            emit_order(&mut tx, id, &[Event::OrderPaid]).await?;
        }
        tx.commit().await?;
        self.order(&ctx.actor, id).await
    }

    /// A live record of `table` (as `o`, with its customer as `c`) that the
    /// actor may see, read as `columns`.
    pub(crate) async fn visible_row<T: crate::db::Row>(
        &self,
        columns: &str,
        table: &str,
        actor: &kehu_core::Actor,
        id: i64,
    ) -> Result<T> {
        self.db
            .optional(
                q(format!(
                    "SELECT {columns} FROM {table} o JOIN customers c ON c.id = o.customer_id \
                     WHERE o.id = $1 AND o.deleted_at IS NULL AND {}",
                    visible(actor.scope(), "o")
                ))
                .bind(id),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    /// The lines of an order or an opportunity ([`write_lines`]), in order.
    pub(crate) async fn lines(
        &self,
        (table, parent): (&str, &str),
        id: i64,
    ) -> Result<Vec<OrderLine>> {
        self.db.all(q(lines_sql((table, parent))).bind(id)).await
    }

    /// Starts the transaction that changes an order: the order as it is
    /// now, locked on PostgreSQL; one the actor may not see is not found.
    async fn open_order(&self, ctx: &Ctx, id: OrderId) -> Result<(Tx, Current)> {
        let (tx, (customer_id, status, total, paid)): (Tx, (i64, String, String, String)) = self
            .begin_change(
                ctx,
                "orders",
                "o.customer_id, o.status, o.total, o.paid",
                id.get(),
            )
            .await?;
        let money = |s: &str| {
            Money::parse(s).map_err(|_| Error::internal(format!("order {id}: bad amount {s}")))
        };
        let current = Current {
            customer_id,
            status: OrderStatus::parse(&status)
                .map_err(|_| Error::internal(format!("order {id}: bad status {status}")))?,
            total: money(&total)?,
            paid: money(&paid)?,
        };
        Ok((tx, current))
    }

    /// Starts the transaction that changes a record of `table` (an order,
    /// an opportunity): `columns` of it (as `o`) as it is now, locked on
    /// PostgreSQL until the transaction ends. One the actor may not see is
    /// not found; a role that may not write records is refused.
    pub(crate) async fn begin_change<T: crate::db::Row>(
        &self,
        ctx: &Ctx,
        table: &str,
        columns: &str,
        id: i64,
    ) -> Result<(Tx, T)> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let lock = if tx.backend() == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let row = tx
            .optional(
                q(format!(
                    "SELECT {columns} FROM {table} o \
                     WHERE o.id = $1 AND o.deleted_at IS NULL AND {}{lock}",
                    visible(ctx.actor.scope(), "o")
                ))
                .bind(id),
            )
            .await?
            .ok_or(Error::NotFound)?;
        Ok((tx, row))
    }

    /// What a customer the actor may see has bought.
    pub async fn customer_figures(
        &self,
        actor: &kehu_core::Actor,
        id: CustomerId,
    ) -> Result<CustomerFigures> {
        self.customer(actor, id).await?;
        let row: Option<(i64, String, Option<i64>, Option<i64>)> = self
            .db
            .optional(
                q(
                    "SELECT purchase_count, total_spend, first_purchase_at, last_purchase_at \
                   FROM customer_figures WHERE customer_id = $1",
                )
                .bind(id.get()),
            )
            .await?;
        let Some((purchase_count, spend, first, last)) = row else {
            return Ok(CustomerFigures::default());
        };
        Ok(CustomerFigures {
            purchase_count,
            total_spend: serde_json::from_str(&spend)
                .map_err(|e| Error::internal(e.to_string()))?,
            first_purchase_at: first.map(Time),
            last_purchase_at: last.map(Time),
        })
    }

    /// The payments of a customer's orders that the actor may see, newest
    /// first (for the customer's timeline).
    pub async fn customer_payments(
        &self,
        actor: &kehu_core::Actor,
        id: CustomerId,
        limit: i64,
    ) -> Result<Vec<Payment>> {
        self.db
            .all(
                q(format!(
                    "SELECT p.id, p.order_id, p.amount, p.method, p.paid_on, p.reference, \
                     p.created_at, p.created_by FROM payments p JOIN orders o ON o.id = p.order_id \
                     WHERE o.customer_id = $1 AND o.deleted_at IS NULL AND {} \
                     ORDER BY p.id DESC LIMIT $2",
                    visible(actor.scope(), "o")
                ))
                .bind(id.get())
                .bind(limit.clamp(1, 1000)),
            )
            .await
    }

    /// Every change of an order the actor may see, newest first.
    pub async fn order_history(
        &self,
        actor: &kehu_core::Actor,
        id: OrderId,
        limit: i64,
    ) -> Result<Vec<crate::history::HistoryEntry>> {
        self.order(actor, id).await?;
        self.history_of("order", id.get(), limit).await
    }
}

fn finish(mut order: Order) -> Order {
    order.number = format!("SO-{:06}", order.id);
    let outstanding = order.total.0.amount() - order.paid.0.amount();
    order.outstanding = Some(Price(Money::new(outstanding, order.total.0.currency())));
    order
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
async fn emit_order(tx: &mut Tx, id: OrderId, events: &[Event]) -> Result<()> {
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
fn status_change(next: OrderStatus, now: i64) -> Vec<(&'static str, Kind, Option<Stored>)> {
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

/// Who an order (or opportunity) for `customer` belongs to: the customer's
/// owner and team, or for a customer in the pool the actor who takes it. A customer
/// the actor may not see is refused as not found.
pub(crate) async fn record_owner(
    tx: &mut Tx,
    ctx: &Ctx,
    customer: i64,
) -> Result<(Option<i64>, Option<i64>)> {
    let c = match crate::customers::locked(tx, &ctx.actor, CustomerId(customer)).await {
        Err(Error::NotFound) => return Err(Invalid::one("customer_id", Code::NotFound).into()),
        other => other?,
    };
    Ok(match c.owner_id {
        Some(owner) => (Some(owner), c.team_id),
        None => (
            Some(ctx.actor.user_id.get()),
            ctx.actor.team_id.map(|t| t.get()),
        ),
    })
}

/// Bumps the version and stamp of an order whose lines changed.
async fn bump(tx: &mut Tx, ctx: &Ctx, id: i64) -> Result<()> {
    tx.execute(
        q("UPDATE orders SET version = version + 1, updated_at = $1, updated_by = $2 WHERE id = $3")
            .bind(now_ms())
            .bind(ctx.by())
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Fills lines in from the catalogue and totals them; every bad value is
/// reported under `lines[i].field`.
pub(crate) async fn price_lines(tx: &mut Tx, inputs: &[LineInput]) -> Result<(Vec<Priced>, Money)> {
    if inputs.is_empty() {
        return Err(Invalid::one("lines", Code::Required).into());
    }
    let mut ids: Vec<i64> = inputs.iter().filter_map(|l| l.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut products: HashMap<i64, (String, Option<String>, String, bool)> = HashMap::new();
    if !ids.is_empty() {
        let list = crate::merge::id_list(&ids);
        let rows: Vec<(i64, String, Option<String>, String, bool)> = tx
            .all(
                q(format!(
                    "SELECT id, name, unit, price, active FROM products \
                     WHERE id IN ({list}) AND deleted_at IS NULL"
                ))
                .once(),
            )
            .await?;
        for (id, name, unit, price, active) in rows {
            products.insert(id, (name, unit, price, active));
        }
    }
    let mut errors = Vec::new();
    let mut priced = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let product = match input.product_id {
            Some(pid) => match products.get(&pid) {
                None => {
                    errors.push(FieldError::new(
                        format!("lines[{i}].product_id"),
                        Code::NotFound,
                    ));
                    continue;
                }
                Some((.., false)) => {
                    errors.push(FieldError::new(
                        format!("lines[{i}].product_id"),
                        Code::Inactive,
                    ));
                    continue;
                }
                Some(p) => Some(p),
            },
            None => None,
        };
        let catalogue_price = product
            .map(|(_, _, price, _)| Money::parse(price))
            .transpose()
            .map_err(|_| Error::internal("product with a bad price"))?;
        let Some(unit_price) = input.unit_price.or(catalogue_price) else {
            errors.push(FieldError::new(
                format!("lines[{i}].unit_price"),
                Code::Required,
            ));
            continue;
        };
        let name = input
            .name
            .clone()
            .or_else(|| product.map(|p| p.0.clone()))
            .unwrap_or_default();
        let unit = input
            .unit
            .clone()
            .or_else(|| product.and_then(|p| p.1.clone()));
        priced.push(Priced {
            product_id: input.product_id,
            name,
            unit,
            line: Line {
                quantity: input.quantity,
                unit_price,
                discount: input.discount,
            },
            total: Decimal::ZERO,
        });
    }
    if !errors.is_empty() {
        return Err(Invalid(errors).into());
    }
    let lines: Vec<Line> = priced.iter().map(|p| p.line.clone()).collect();
    let total = order_total(&lines).map_err(|errors| {
        Invalid(
            errors
                .into_iter()
                .map(|e| {
                    let (field, code) = match e.field {
                        "currency" => ("unit_price", Code::CurrencyMismatch),
                        f => (f, e.code),
                    };
                    FieldError::new(format!("lines[{}].{field}", e.index), code)
                })
                .collect(),
        )
    })?;
    for (i, p) in priced.iter_mut().enumerate() {
        p.total = p
            .line
            .total(i)
            .map_err(|_| Error::internal("a line totalled once fails again"))?;
    }
    Ok((priced, total))
}

/// Replaces the lines of an order (`order_lines`, `order_id`) or of an
/// opportunity (`opportunity_lines`, `opportunity_id`).
pub(crate) async fn write_lines(
    tx: &mut Tx,
    (table, parent): (&str, &'static str),
    id: i64,
    lines: &[Priced],
) -> Result<()> {
    tx.execute(q(format!("DELETE FROM {table} WHERE {parent} = $1")).bind(id))
        .await?;
    let mut rows = Vec::new();
    for (i, p) in lines.iter().enumerate() {
        let currency = p.line.unit_price.currency();
        let discount = p.line.discount.map(|d| crate::db::json(&d)).transpose()?;
        rows.extend([
            Arg::from(id),
            (i as i64).into(),
            p.product_id.into(),
            p.name.as_str().into(),
            p.unit.clone().into(),
            p.line.quantity.normalize().to_string().into(),
            p.line.unit_price.to_string().into(),
            discount.into(),
            Money::new(p.total, currency).to_string().into(),
        ]);
    }
    tx.insert_rows(
        table,
        &[
            parent,
            "position",
            "product_id",
            "name",
            "unit",
            "quantity",
            "unit_price",
            "discount",
            "total",
        ],
        rows,
        false,
    )
    .await
}

/// Recomputes what `customer` has bought from its orders, inside the
/// transaction that paid, refunded or moved one, and moves its lifecycle
/// stage on: a first purchase makes a lead, prospect or churned customer a
/// customer, a second makes it loyal. Stages are never moved back.
pub(crate) async fn refresh_figures(tx: &mut Tx, ctx: &Ctx, customer: i64) -> Result<()> {
    let purchases = kehu_core::order::OrderStatus::ALL
        .iter()
        .filter(|s| s.is_purchase())
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<(String, Option<i64>)> = tx
        .all(
            q(format!(
                "SELECT total, paid_at FROM orders \
                 WHERE customer_id = $1 AND deleted_at IS NULL AND status IN ({purchases})"
            ))
            .bind(customer),
        )
        .await?;
    let now = now_ms();
    if rows.is_empty() {
        tx.execute(q("DELETE FROM customer_figures WHERE customer_id = $1").bind(customer))
            .await?;
        return Ok(());
    }
    let mut spend: BTreeMap<String, Decimal> = BTreeMap::new();
    for (total, _) in &rows {
        let m = Money::parse(total).map_err(|_| Error::internal("order with a bad total"))?;
        *spend.entry(m.currency().as_str().to_owned()).or_default() += m.amount();
    }
    let spend: BTreeMap<String, String> = spend
        .into_iter()
        .map(|(c, a)| {
            let currency = kehu_core::money::Currency::parse(&c).unwrap_or_default();
            (c, Money::new(a, currency).amount_string())
        })
        .collect();
    let first = rows.iter().filter_map(|r| r.1).min();
    let last = rows.iter().filter_map(|r| r.1).max();
    let count = rows.len() as i64;
    tx.execute(
        q("INSERT INTO customer_figures \
           (customer_id, purchase_count, total_spend, first_purchase_at, last_purchase_at, updated_at) \
           VALUES ($1, $2, $3, $4, $5, $6) \
           ON CONFLICT (customer_id) DO UPDATE SET purchase_count = excluded.purchase_count, \
           total_spend = excluded.total_spend, first_purchase_at = excluded.first_purchase_at, \
           last_purchase_at = excluded.last_purchase_at, updated_at = excluded.updated_at")
        .bind(customer)
        .bind(count)
        .bind(crate::db::json(&spend)?)
        .bind(first)
        .bind(last)
        .bind(now),
    )
    .await?;
    let stage: Option<(String,)> = tx
        .optional(
            q("SELECT stage FROM customers WHERE id = $1 AND deleted_at IS NULL").bind(customer),
        )
        .await?;
    let Some((stage,)) = stage else {
        return Ok(());
    };
    let next = match (stage.as_str(), count) {
        ("lead" | "prospect" | "churned" | "customer", 2..) => "loyal",
        ("lead" | "prospect" | "churned", 1) => "customer",
        _ => return Ok(()),
    };
    let patch = Patch {
        set: vec![("stage", Some(Stored::Text(next.into())))],
    };
    CUSTOMERS
        .update(tx, customer, &patch, vec![], ctx, None)
        .await?;
    Ok(())
}
