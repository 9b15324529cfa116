//! Payments (回款) against orders and what customers have bought from them:
//! recording a payment, a customer's payments and purchase figures, and
//! recomputing those figures (and the lifecycle stage) after a change.

use std::collections::BTreeMap;

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::money::Money;
use kehu_core::order::{OrderEvent, OrderStatus};
use kehu_core::webhook::Event;
use kehu_core::{Code, CustomerId, Invalid, OrderId};
use rust_decimal::Decimal;

use super::workflow::{emit_order, status_change};
use super::{CustomerFigures, Order, Payment, ORDERS};
use crate::customers::{visible, CUSTOMERS};
use crate::db::{q, Tx};
use crate::time::Time;
use crate::write::{write_history, Change, Ctx};
use crate::{now_ms, Error, Result, Store};

impl Store {
    /// Records money received against a confirmed order
    /// ([`schema::PAYMENT`]). Part payments are kept until they cover the
    /// total, which marks the order paid and counts it in the customer's
    /// figures, in the same transaction. More than is outstanding is refused.
    ///
    /// [`schema::PAYMENT`]: kehu_core::schema::PAYMENT
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

    /// What a customer the actor may see has bought.
    pub async fn customer_figures(
        &self,
        actor: &kehu_core::Actor,
        id: CustomerId,
    ) -> Result<CustomerFigures> {
        self.customer_unmasked(actor, id).await?;
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
