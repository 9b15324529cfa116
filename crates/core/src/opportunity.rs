//! Opportunities (商机) as plain data: win probabilities, weighted amounts
//! and the revenue forecast by month.
//!
//! The forecast counts open opportunities by the month they are expected to
//! close: *expected* is the sum of their amounts, *weighted* the sum of
//! each amount times its probability (rounded to the cent per
//! opportunity, half away from zero). Opportunities won in a month count as
//! *won* there. Currencies are never added together.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::money::{Currency, Money};
use crate::Code;

/// A win probability in percent, 0 to 100, as a JSON number or string.
pub fn parse_probability(value: &serde_json::Value) -> Result<i64, Code> {
    let n = match value {
        serde_json::Value::Number(n) => n.as_i64().ok_or(Code::InvalidNumber)?,
        serde_json::Value::String(s) => s
            .trim()
            .trim_end_matches('%')
            .trim()
            .parse::<i64>()
            .map_err(|_| Code::InvalidNumber)?,
        _ => return Err(Code::WrongType),
    };
    if n < 0 {
        return Err(Code::BelowMin { min: "0".into() });
    }
    if n > 100 {
        return Err(Code::AboveMax { max: "100".into() });
    }
    Ok(n)
}

/// `amount` × `probability` %, to the cent.
pub fn weighted(amount: Money, probability: i64) -> Money {
    let w = amount.amount() * Decimal::from(probability) / Decimal::ONE_HUNDRED;
    Money::new(
        w.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        amount.currency(),
    )
}

/// The `YYYY-MM` of a `YYYY-MM-DD` date.
pub fn month_of(date: &str) -> Option<&str> {
    let month = date.get(..7)?;
    let ok = month.as_bytes()[4] == b'-' && month.chars().filter(char::is_ascii_digit).count() == 6;
    ok.then_some(month)
}

/// What the forecast needs of one opportunity.
#[derive(Debug, Clone)]
pub struct ForecastInput {
    /// Whom it is counted for (an owner's or a team's name or id).
    pub group: String,
    pub amount: Money,
    pub probability: i64,
    /// open, won or lost.
    pub status: String,
    /// `YYYY-MM-DD`, when an open one is expected to close.
    pub expected_close: Option<String>,
    /// `YYYY-MM`, when a won one was won.
    pub won_month: Option<String>,
}

/// One month of one group in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastRow {
    pub month: String,
    pub group: String,
    pub currency: String,
    /// Open opportunities expected to close in the month.
    pub count: i64,
    pub expected: String,
    pub weighted: String,
    /// Opportunities won in the month.
    pub won: String,
}

#[derive(Default)]
struct Sums {
    count: i64,
    expected: Decimal,
    weighted: Decimal,
    won: Decimal,
}

/// The forecast for the months in `months` (`YYYY-MM`, inclusive range),
/// ordered by month, group and currency. Lost opportunities, and open ones
/// without an expected close date or outside the range, do not count.
pub fn forecast(inputs: &[ForecastInput], from: &str, to: &str) -> Vec<ForecastRow> {
    let mut sums: BTreeMap<(String, String, Currency), Sums> = BTreeMap::new();
    let within = |m: &str| m >= from && m <= to;
    for o in inputs {
        let key = |month: &str| (month.to_owned(), o.group.clone(), o.amount.currency());
        match o.status.as_str() {
            "open" => {
                let Some(month) = o.expected_close.as_deref().and_then(month_of) else {
                    continue;
                };
                if !within(month) {
                    continue;
                }
                let s = sums.entry(key(month)).or_default();
                s.count += 1;
                s.expected += o.amount.amount();
                s.weighted += weighted(o.amount, o.probability).amount();
            }
            "won" => {
                let Some(month) = o.won_month.as_deref().filter(|m| within(m)) else {
                    continue;
                };
                sums.entry(key(month)).or_default().won += o.amount.amount();
            }
            _ => {}
        }
    }
    sums.into_iter()
        .map(|((month, group, currency), s)| {
            let text = |d: Decimal| Money::new(d, currency).amount_string();
            ForecastRow {
                month,
                group,
                currency: currency.as_str().to_owned(),
                count: s.count,
                expected: text(s.expected),
                weighted: text(s.weighted),
                won: text(s.won),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(
        group: &str,
        amount: &str,
        p: i64,
        status: &str,
        close: &str,
        won: &str,
    ) -> ForecastInput {
        ForecastInput {
            group: group.into(),
            amount: Money::parse(amount).unwrap(),
            probability: p,
            status: status.into(),
            expected_close: (!close.is_empty()).then(|| close.to_owned()),
            won_month: (!won.is_empty()).then(|| won.to_owned()),
        }
    }

    #[test]
    fn probabilities_are_whole_percents() {
        assert_eq!(parse_probability(&json!(40)), Ok(40));
        assert_eq!(parse_probability(&json!("75%")), Ok(75));
        assert_eq!(
            parse_probability(&json!(101)),
            Err(Code::AboveMax { max: "100".into() })
        );
        assert_eq!(
            parse_probability(&json!(-1)),
            Err(Code::BelowMin { min: "0".into() })
        );
        assert_eq!(parse_probability(&json!(12.5)), Err(Code::InvalidNumber));
        assert_eq!(parse_probability(&json!(true)), Err(Code::WrongType));
    }

    #[test]
    fn the_forecast_adds_by_month_group_and_currency_as_computed_by_hand() {
        let rows = forecast(
            &[
                // Wang, December: 100,000 at 25% and 33,333.33 at 75%.
                input("王", "100000", 25, "open", "2026-12-15", ""),
                input("王", "33333.33", 75, "open", "2026-12-31", ""),
                // Li, December: 10,000 USD at 50% stays apart from yuan.
                input("李", "10000 USD", 50, "open", "2026-12-01", ""),
                // Li, January: 8,000 at 10%; and 5,000 won in December.
                input("李", "8000", 10, "open", "2027-01-20", ""),
                input("李", "5000", 100, "won", "2026-12-02", "2026-12"),
                // Not counted: lost, no date, outside the range.
                input("王", "999", 50, "lost", "2026-12-10", ""),
                input("王", "999", 50, "open", "", ""),
                input("王", "999", 50, "open", "2027-03-01", ""),
            ],
            "2026-12",
            "2027-01",
        );
        let got: Vec<(&str, &str, &str, i64, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.month.as_str(),
                    r.group.as_str(),
                    r.currency.as_str(),
                    r.count,
                    r.expected.as_str(),
                    r.weighted.as_str(),
                    r.won.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                // 5000 won, nothing open in yuan.
                ("2026-12", "李", "CNY", 0, "0.00", "0.00", "5000.00"),
                ("2026-12", "李", "USD", 1, "10000.00", "5000.00", "0.00"),
                // 100000 + 33333.33; 25000 + 24999.9975 → 25000.00.
                ("2026-12", "王", "CNY", 2, "133333.33", "50000.00", "0.00"),
                ("2027-01", "李", "CNY", 1, "8000.00", "800.00", "0.00"),
            ]
        );
        assert_eq!(month_of("2026-12-15"), Some("2026-12"));
        assert_eq!(month_of("12/15"), None);
    }
}
