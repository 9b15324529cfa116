//! An order's arithmetic: each line's total to the cent, and the order's
//! total as the sum of its rounded lines.

use rust_decimal::{Decimal, RoundingStrategy};

use super::{Discount, Line, LineError};
use crate::money::{Money, MAX_DECIMAL_PLACES};
use crate::Code;

/// Cents: the precision of a line's total and the order's.
const TOTAL_PLACES: u32 = 2;

pub(super) fn at_most_places(d: Decimal) -> bool {
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
