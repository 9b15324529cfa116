//! Creating and changing orders: drafts, edits, and the locked transaction
//! every change of an order (or opportunity) starts with.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::money::Money;
use kehu_core::order::{LineInput, OrderStatus};
use kehu_core::{Code, CustomerId, Invalid, OrderId};
use rust_decimal::Decimal;

use super::{price_lines, write_lines, Order, ORDERS, ORDER_LINES};
use crate::customers::visible;
use crate::db::{q, Backend, Tx};
use crate::write::{write_history, Change, Ctx};
use crate::{now_ms, Error, Result, Store};

/// The order as it is inside a transaction (locked on PostgreSQL).
pub(super) struct Current {
    pub(super) customer_id: i64,
    pub(super) status: OrderStatus,
    pub(super) total: Money,
    pub(super) paid: Money,
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

    /// Starts the transaction that changes an order: the order as it is
    /// now, locked on PostgreSQL; one the actor may not see is not found.
    pub(super) async fn open_order(&self, ctx: &Ctx, id: OrderId) -> Result<(Tx, Current)> {
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
