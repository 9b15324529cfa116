//! Reading orders: one order, a page of them, an order's history, and the
//! visible-record lookup that opportunities share.

use kehu_core::OrderId;

use super::{finish, Order, OrderFilter, COLUMNS, MAX_PAGE, ORDER_LINES, SELECT_PAYMENTS};
use super::{lines_sql, select_order};
use crate::customers::visible;
use crate::db::{q, Where};
use crate::{Error, Result, Store};

impl Store {
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
