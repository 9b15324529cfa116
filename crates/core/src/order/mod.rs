//! Orders (订单) as plain data: lines and their totals in exact decimals,
//! and the status an order moves through from draft to completed.
//!
//! Amounts are [`Decimal`]s, never floats: a line is quantity × unit price
//! less its discount, rounded to the cent half away from zero (四舍五入) as
//! invoices are; the order's total is the sum of its rounded lines, so the
//! total always equals what the lines print.

mod lines;
mod status;
mod totals;

pub use lines::{parse_lines, LineInput, MAX_LINES};
pub use status::{refusal, OrderEvent, OrderStatus};
pub use totals::order_total;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::Code;

/// Off a line's gross amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Discount {
    /// Percent off, 0 to 100 (九折 is 10).
    Percent(Decimal),
    /// An amount off, in the line's currency.
    Amount(Decimal),
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub quantity: Decimal,
    pub unit_price: Money,
    pub discount: Option<Discount>,
}

/// Why a line or an order does not add up; each under the field it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// `quantity`, `unit_price` or `discount`, of line `index` (0-based);
    /// `currency` when lines mix currencies.
    pub field: &'static str,
    pub index: usize,
    pub code: Code,
}

#[cfg(test)]
mod tests;
