//! Orders (订单) as plain data: lines and their totals in exact decimals,
//! and the status an order moves through from draft to completed.
//!
//! Amounts are [`Decimal`]s, never floats: a line is quantity × unit price
//! less its discount, rounded to the cent half away from zero (四舍五入) as
//! invoices are; the order's total is the sum of its rounded lines, so the
//! total always equals what the lines print.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::money::{Money, MAX_DECIMAL_PLACES};
use crate::Code;

/// Cents: the precision of a line's total and the order's.
const TOTAL_PLACES: u32 = 2;

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

fn at_most_places(d: Decimal) -> bool {
    d.normalize().scale() <= MAX_DECIMAL_PLACES
}

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(TOTAL_PLACES, RoundingStrategy::MidpointAwayFromZero)
}

impl Line {
    /// Quantity × unit price less the discount, to the cent.
    pub fn total(&self, index: usize) -> Result<Decimal, LineError> {
        let err = |field, code| LineError { field, index, code };
        if !at_most_places(self.quantity) {
            return Err(err("quantity", Code::InvalidNumber));
        }
        if self.quantity <= Decimal::ZERO {
            return Err(err("quantity", Code::BelowMin { min: "0".into() }));
        }
        let price = self.unit_price.amount();
        if price.is_sign_negative() {
            return Err(err("unit_price", Code::BelowMin { min: "0".into() }));
        }
        let gross = self
            .quantity
            .checked_mul(price)
            .ok_or_else(|| err("quantity", Code::InvalidMoney))?;
        let off = match self.discount {
            None => Decimal::ZERO,
            Some(Discount::Percent(p)) => {
                if p.is_sign_negative() || p > Decimal::ONE_HUNDRED {
                    return Err(err("discount", Code::InvalidNumber));
                }
                gross * p / Decimal::ONE_HUNDRED
            }
            Some(Discount::Amount(a)) => {
                if a.is_sign_negative() || a > gross {
                    return Err(err("discount", Code::InvalidNumber));
                }
                a
            }
        };
        Ok(cents(gross - off))
    }
}

/// The order's total: the sum of its lines' totals, in their one currency.
/// An order without lines totals zero in the default currency.
pub fn order_total(lines: &[Line]) -> Result<Money, Vec<LineError>> {
    let currency = lines
        .first()
        .map(|l| l.unit_price.currency())
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut sum = Decimal::ZERO;
    for (i, line) in lines.iter().enumerate() {
        if line.unit_price.currency() != currency {
            errors.push(LineError {
                field: "currency",
                index: i,
                code: Code::Mismatch,
            });
            continue;
        }
        match line.total(i) {
            Ok(t) => sum += t,
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(Money::new(cents(sum), currency))
    } else {
        Err(errors)
    }
}

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Draft,
    Confirmed,
    Paid,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    Refunded,
}

/// What happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderEvent {
    Confirm,
    /// Payments now cover the total (a partial payment changes no status).
    PaidInFull,
    Ship,
    Deliver,
    Complete,
    Cancel,
    Refund,
}

impl OrderStatus {
    pub const ALL: &'static [OrderStatus] = &[
        OrderStatus::Draft,
        OrderStatus::Confirmed,
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(s: &str) -> Result<OrderStatus, Code> {
        OrderStatus::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == s.trim())
            .ok_or(Code::InvalidChoice)
    }

    /// The status `event` leads to, or `None` where it is not allowed: an
    /// order is confirmed before it is paid, paid before it ships, and
    /// delivered before it completes; it is cancelled only before any money
    /// came in (`paid_anything`), and refunded only after it was paid.
    pub fn after(self, event: OrderEvent, paid_anything: bool) -> Option<OrderStatus> {
        use OrderEvent as E;
        use OrderStatus as S;
        match (self, event) {
            (S::Draft, E::Confirm) => Some(S::Confirmed),
            (S::Confirmed, E::PaidInFull) => Some(S::Paid),
            (S::Paid, E::Ship) => Some(S::Shipped),
            (S::Shipped, E::Deliver) => Some(S::Delivered),
            (S::Delivered, E::Complete) => Some(S::Completed),
            (S::Draft | S::Confirmed, E::Cancel) if !paid_anything => Some(S::Cancelled),
            (S::Paid | S::Shipped | S::Delivered, E::Refund) => Some(S::Refunded),
            _ => None,
        }
    }

    /// No event moves an order on from here.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Completed | OrderStatus::Cancelled | OrderStatus::Refunded
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn line(quantity: &str, price: &str, discount: Option<Discount>) -> Line {
        Line {
            quantity: d(quantity),
            unit_price: Money::parse(price).unwrap(),
            discount,
        }
    }

    #[test]
    fn line_totals_are_exact_and_rounded_to_the_cent_half_away_from_zero() {
        // 3 × 19.99 = 59.97; 10% off = 53.973 → 53.97.
        let a = line("3", "19.99", Some(Discount::Percent(d("10"))));
        assert_eq!(a.total(0), Ok(d("53.97")));
        // 0.5 kg × 2.345 = 1.1725 → 1.17; 1.005 rounds up to 1.01.
        assert_eq!(line("0.5", "2.345", None).total(0), Ok(d("1.17")));
        assert_eq!(line("1", "1.005", None).total(0), Ok(d("1.01")));
        // An amount off: 2 × 100 − 15.5 = 184.50.
        let c = line("2", "100", Some(Discount::Amount(d("15.5"))));
        assert_eq!(c.total(0), Ok(d("184.50")));
        // Ten lines of 0.1 are exactly 1, which floats never manage.
        let lines: Vec<Line> = (0..10).map(|_| line("1", "0.1", None)).collect();
        assert_eq!(order_total(&lines).unwrap().amount(), d("1.00"));
    }

    #[test]
    fn an_order_totals_its_rounded_lines_in_one_currency() {
        let lines = [
            line("3", "19.99", Some(Discount::Percent(d("10")))),
            line("2", "100", Some(Discount::Amount(d("15.5")))),
            line("1", "0.01", Some(Discount::Percent(d("100")))),
        ];
        let total = order_total(&lines).unwrap();
        assert_eq!(total.amount(), d("238.47"));
        assert_eq!(total.currency(), crate::money::Currency::default());
        assert_eq!(total.to_string(), "238.47 CNY");
        assert_eq!(order_total(&[]).unwrap().amount(), Decimal::ZERO);
    }

    #[test]
    fn bad_lines_are_named_by_field_and_line() {
        let lines = [
            line("0", "10", None),
            line("1", "10 USD", None),
            line("2", "10", Some(Discount::Amount(d("25")))),
            line("1", "10", Some(Discount::Percent(d("120")))),
            line("1.23456", "10", None),
        ];
        let errors = order_total(&lines).unwrap_err();
        let found: Vec<(&str, usize, &str)> = errors
            .iter()
            .map(|e| (e.field, e.index, e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("quantity", 0, "below_min"),
                ("currency", 1, "mismatch"),
                ("discount", 2, "invalid_number"),
                ("discount", 3, "invalid_number"),
                ("quantity", 4, "invalid_number")
            ]
        );
    }

    #[test]
    fn orders_move_only_along_the_allowed_transitions() {
        use OrderEvent as E;
        use OrderStatus as S;
        let path = [
            (S::Draft, E::Confirm, S::Confirmed),
            (S::Confirmed, E::PaidInFull, S::Paid),
            (S::Paid, E::Ship, S::Shipped),
            (S::Shipped, E::Deliver, S::Delivered),
            (S::Delivered, E::Complete, S::Completed),
        ];
        for (from, event, to) in path {
            assert_eq!(from.after(event, true), Some(to), "{from} {event:?}");
        }
        let events = [
            E::Confirm,
            E::PaidInFull,
            E::Ship,
            E::Deliver,
            E::Complete,
            E::Cancel,
            E::Refund,
        ];
        // Exactly these moves exist, nothing else.
        let mut allowed = 0;
        for &from in S::ALL {
            for &event in &events {
                if from.after(event, false).is_some() || from.after(event, true).is_some() {
                    allowed += 1;
                }
            }
        }
        assert_eq!(allowed, 5 + 2 + 3, "the path, two cancels, three refunds");
        assert_eq!(S::Draft.after(E::Ship, false), None, "not shipped unpaid");
        assert_eq!(S::Confirmed.after(E::Cancel, false), Some(S::Cancelled));
        assert_eq!(
            S::Confirmed.after(E::Cancel, true),
            None,
            "money came in: refund it, not cancel"
        );
        assert_eq!(S::Draft.after(E::Refund, false), None);
        assert_eq!(S::Delivered.after(E::Refund, true), Some(S::Refunded));
        assert_eq!(S::Completed.after(E::Refund, true), None);
        for &s in S::ALL {
            let moves = events
                .iter()
                .any(|&e| s.after(e, false).is_some() || s.after(e, true).is_some());
            assert_eq!(s.is_final(), !moves, "{s}");
            assert_eq!(S::parse(s.as_str()), Ok(s));
        }
        assert_eq!(S::parse("lost"), Err(Code::InvalidChoice));
    }
}
