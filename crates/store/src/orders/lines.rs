//! The lines of orders and opportunities: pricing them from the catalogue,
//! writing them, and reading them back.

use std::collections::HashMap;

use kehu_core::money::Money;
use kehu_core::order::{order_total, Line, LineInput};
use kehu_core::{Code, FieldError, Invalid};
use rust_decimal::Decimal;

use super::OrderLine;
use crate::db::{q, Arg, Tx};
use crate::{Error, Result, Store};

/// The lines of an order or opportunity (`$1`) in `(table, parent column)`.
pub(crate) fn lines_sql((table, parent): (&str, &str)) -> String {
    format!(
        "SELECT id, position, product_id, name, unit, quantity, unit_price, discount, total \
         FROM {table} WHERE {parent} = $1 ORDER BY position"
    )
}

/// A line with everything filled in from the catalogue and its total.
pub(crate) struct Priced {
    product_id: Option<i64>,
    name: String,
    unit: Option<String>,
    line: Line,
    total: Decimal,
}

impl Store {
    /// The lines of an order or an opportunity ([`write_lines`]), in order.
    pub(crate) async fn lines(
        &self,
        (table, parent): (&str, &str),
        id: i64,
    ) -> Result<Vec<OrderLine>> {
        self.db.all(q(lines_sql((table, parent))).bind(id)).await
    }
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
