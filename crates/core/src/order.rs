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
use crate::text::fold_width;
use crate::{Code, FieldError, Lang};

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

impl OrderStatus {
    /// The status as the order pages name it.
    pub fn label(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::ZhCn;
        match self {
            OrderStatus::Draft => {
                if zh {
                    "草稿"
                } else {
                    "Draft"
                }
            }
            OrderStatus::Confirmed => {
                if zh {
                    "已确认"
                } else {
                    "Confirmed"
                }
            }
            OrderStatus::Paid => {
                if zh {
                    "已付款"
                } else {
                    "Paid"
                }
            }
            OrderStatus::Shipped => {
                if zh {
                    "已发货"
                } else {
                    "Shipped"
                }
            }
            OrderStatus::Delivered => {
                if zh {
                    "已签收"
                } else {
                    "Delivered"
                }
            }
            OrderStatus::Completed => {
                if zh {
                    "已完成"
                } else {
                    "Completed"
                }
            }
            OrderStatus::Cancelled => {
                if zh {
                    "已取消"
                } else {
                    "Cancelled"
                }
            }
            OrderStatus::Refunded => {
                if zh {
                    "已退款"
                } else {
                    "Refunded"
                }
            }
        }
    }

    /// Counts as a purchase in the customer's figures: the money came in
    /// and was not given back.
    pub fn is_purchase(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Shipped
                | OrderStatus::Delivered
                | OrderStatus::Completed
        )
    }
}

impl OrderEvent {
    /// The events a person triggers by name (being paid in full follows
    /// from recording payments).
    pub const NAMED: &'static [OrderEvent] = &[
        OrderEvent::Confirm,
        OrderEvent::Ship,
        OrderEvent::Deliver,
        OrderEvent::Complete,
        OrderEvent::Cancel,
        OrderEvent::Refund,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderEvent::Confirm => "confirm",
            OrderEvent::PaidInFull => "pay",
            OrderEvent::Ship => "ship",
            OrderEvent::Deliver => "deliver",
            OrderEvent::Complete => "complete",
            OrderEvent::Cancel => "cancel",
            OrderEvent::Refund => "refund",
        }
    }

    /// The verb, as a button says it.
    pub fn label(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::ZhCn;
        match self {
            OrderEvent::Confirm => {
                if zh {
                    "确认"
                } else {
                    "Confirm"
                }
            }
            OrderEvent::PaidInFull => {
                if zh {
                    "收款"
                } else {
                    "Record payment"
                }
            }
            OrderEvent::Ship => {
                if zh {
                    "发货"
                } else {
                    "Ship"
                }
            }
            OrderEvent::Deliver => {
                if zh {
                    "确认签收"
                } else {
                    "Mark delivered"
                }
            }
            OrderEvent::Complete => {
                if zh {
                    "完成"
                } else {
                    "Complete"
                }
            }
            OrderEvent::Cancel => {
                if zh {
                    "取消"
                } else {
                    "Cancel"
                }
            }
            OrderEvent::Refund => {
                if zh {
                    "退款"
                } else {
                    "Refund"
                }
            }
        }
    }
}

/// Why `event` cannot happen to an order in `status`, in words a user can
/// act on.
pub fn refusal(status: OrderStatus, event: OrderEvent, paid_anything: bool, lang: Lang) -> String {
    use OrderEvent as E;
    use OrderStatus as S;
    let zh = lang == Lang::ZhCn;
    let hint = match (status, event) {
        (S::Draft | S::Confirmed, E::Cancel) if paid_anything => {
            if zh {
                "已有回款：请先退款。"
            } else {
                "Money came in: refund it instead."
            }
        }
        (S::Draft, E::PaidInFull) => {
            if zh {
                "请先确认订单再收款。"
            } else {
                "Confirm the order before recording payments."
            }
        }
        (S::Confirmed, E::Ship) | (S::Draft, E::Ship) => {
            if zh {
                "货款收齐后才能发货。"
            } else {
                "An order ships once it is paid in full."
            }
        }
        (S::Draft | S::Confirmed, E::Refund) => {
            if zh {
                "尚未付清的订单不能退款。"
            } else {
                "Only a paid order can be refunded."
            }
        }
        (s, _) if s.is_final() => {
            if zh {
                "订单已结束。"
            } else {
                "The order is closed."
            }
        }
        _ => "",
    };
    let mut out = if zh {
        format!(
            "订单当前为“{}”，不能{}。",
            status.label(lang),
            event.label(lang)
        )
    } else {
        format!(
            "An order that is {} cannot be {}.",
            status.label(lang).to_lowercase(),
            past_participle(event)
        )
    };
    if !hint.is_empty() {
        if !zh {
            out.push(' ');
        }
        out.push_str(hint);
    }
    out
}

fn past_participle(event: OrderEvent) -> &'static str {
    match event {
        OrderEvent::Confirm => "confirmed",
        OrderEvent::PaidInFull => "paid",
        OrderEvent::Ship => "shipped",
        OrderEvent::Deliver => "marked delivered",
        OrderEvent::Complete => "completed",
        OrderEvent::Cancel => "cancelled",
        OrderEvent::Refund => "refunded",
    }
}

/// A line as a client sends it: a catalogue product, or a name of its own,
/// with the quantity and, optionally, a price and a discount.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineInput {
    pub product_id: Option<i64>,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub quantity: Decimal,
    /// The product's price when left out.
    pub unit_price: Option<Money>,
    pub discount: Option<Discount>,
}

/// Most lines one order may have.
pub const MAX_LINES: usize = 500;

/// Reads `lines`, a JSON array of `{product_id, name, unit, quantity,
/// unit_price, discount}`. Each bad value is reported as
/// `lines[i].field`. A discount is `"10%"` (percent off), `"9折"` (pay
/// 90%), an amount off (`"15.5"`), or `{"kind": "percent" | "amount",
/// "value": "10"}`.
pub fn parse_lines(value: &serde_json::Value) -> Result<Vec<LineInput>, Vec<FieldError>> {
    let Some(items) = value.as_array() else {
        return Err(vec![FieldError::new("lines", Code::WrongType)]);
    };
    if items.is_empty() {
        return Err(vec![FieldError::new("lines", Code::Required)]);
    }
    if items.len() > MAX_LINES {
        return Err(vec![FieldError::new(
            "lines",
            Code::TooManyValues { max: MAX_LINES },
        )]);
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut err = |field: &str, code: Code| {
            errors.push(FieldError::new(format!("lines[{i}].{field}"), code));
        };
        let Some(obj) = item.as_object() else {
            errors.push(FieldError::new(format!("lines[{i}]"), Code::WrongType));
            continue;
        };
        let mut line = LineInput::default();
        for (key, v) in obj {
            if v.is_null() {
                continue;
            }
            match key.as_str() {
                "product_id" => match v.as_i64() {
                    Some(id) if id > 0 => line.product_id = Some(id),
                    _ => err("product_id", Code::WrongType),
                },
                "name" | "unit" => {
                    let max = if key == "name" { 200 } else { 20 };
                    match v.as_str().map(crate::text::clean) {
                        Some(t) if t.chars().count() > max => err(key, Code::TooLong { max }),
                        Some(t) if t.is_empty() => {}
                        Some(t) if key == "name" => line.name = Some(t),
                        Some(t) => line.unit = Some(t),
                        None => err(key, Code::WrongType),
                    }
                }
                "quantity" => match decimal_of(v) {
                    Some(q) if q <= Decimal::ZERO => {
                        err("quantity", Code::BelowMin { min: "0".into() })
                    }
                    Some(q) if at_most_places(q) => line.quantity = q,
                    _ => err("quantity", Code::InvalidNumber),
                },
                "unit_price" => match crate::entry::parse_value(crate::entry::Kind::Money, v) {
                    Ok(Some(crate::entry::Stored::Text(t))) => match Money::parse(&t) {
                        Ok(m) => line.unit_price = Some(m),
                        Err(code) => err("unit_price", code),
                    },
                    Ok(_) => err("unit_price", Code::InvalidMoney),
                    Err(code) => err("unit_price", code),
                },
                "discount" => match discount_of(v) {
                    Some(d) => line.discount = Some(d),
                    None => err("discount", Code::InvalidNumber),
                },
                // What the server worked out, sent back by a client that
                // echoes a line it read: ignored, never trusted.
                "total" | "id" | "position" => {}
                _ => err(key, Code::UnknownField),
            }
        }
        if obj.get("quantity").is_none_or(|v| v.is_null()) {
            err("quantity", Code::Required);
        }
        if line.product_id.is_none() && line.name.is_none() {
            err("name", Code::Required);
        }
        if line.product_id.is_none() && line.unit_price.is_none() {
            err("unit_price", Code::Required);
        }
        out.push(line);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A JSON number or numeric string as an exact decimal.
fn decimal_of(v: &serde_json::Value) -> Option<Decimal> {
    let text = match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => fold_width(s).trim().replace(',', ""),
        _ => return None,
    };
    Decimal::from_str_exact(&text).ok()
}

fn discount_of(v: &serde_json::Value) -> Option<Discount> {
    if v.is_object() {
        let d: Discount = serde_json::from_value(v.clone()).ok()?;
        let value = match d {
            Discount::Percent(p) | Discount::Amount(p) => p,
        };
        return (!value.is_sign_negative()).then_some(d);
    }
    let text = match v {
        serde_json::Value::String(s) => fold_width(s).trim().to_owned(),
        other => other.to_string(),
    };
    let parse = |t: &str| {
        Decimal::from_str_exact(t.trim())
            .ok()
            .filter(|d| !d.is_sign_negative())
    };
    if let Some(p) = text.strip_suffix('%') {
        let p = parse(p)?;
        return (p <= Decimal::ONE_HUNDRED).then_some(Discount::Percent(p));
    }
    if let Some(z) = text.strip_suffix('折') {
        // 9折 pays 90%, 8.5折 85%, 95折 95%.
        let z = parse(z)?;
        let paid = if z < Decimal::TEN {
            z * Decimal::TEN
        } else {
            z
        };
        return (z > Decimal::ZERO && paid <= Decimal::ONE_HUNDRED)
            .then(|| Discount::Percent(Decimal::ONE_HUNDRED - paid));
    }
    parse(&text).map(Discount::Amount)
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

    #[test]
    fn lines_are_read_with_discounts_as_chinese_sales_write_them() {
        let lines = parse_lines(&serde_json::json!([
            {"product_id": 7, "quantity": 3},
            {"name": "实施服务", "unit": "人天", "quantity": "2.5", "unit_price": "¥1,200", "discount": "9折"},
            {"name": "培训", "quantity": 1, "unit_price": 800, "discount": "15%"},
            {"name": "差旅", "quantity": 1, "unit_price": "500", "discount": "50"},
            {"name": "年费", "quantity": 1, "unit_price": "100", "discount": {"kind": "percent", "value": "5"}},
        ]))
        .unwrap();
        assert_eq!(lines[0].product_id, Some(7));
        assert_eq!(lines[0].unit_price, None, "the product's price applies");
        assert_eq!(lines[1].quantity, d("2.5"));
        assert_eq!(lines[1].unit_price, Some(Money::parse("1200").unwrap()));
        assert_eq!(lines[1].discount, Some(Discount::Percent(d("10"))));
        assert_eq!(lines[2].discount, Some(Discount::Percent(d("15"))));
        assert_eq!(lines[3].discount, Some(Discount::Amount(d("50"))));
        assert_eq!(lines[4].discount, Some(Discount::Percent(d("5"))));
        assert_eq!(
            discount_of(&serde_json::json!("8.5折")),
            Some(Discount::Percent(d("15")))
        );
        assert_eq!(
            discount_of(&serde_json::json!("95折")),
            Some(Discount::Percent(d("5")))
        );
        assert_eq!(discount_of(&serde_json::json!("120%")), None);
        assert_eq!(discount_of(&serde_json::json!("-5")), None);
    }

    #[test]
    fn bad_lines_are_refused_under_their_index() {
        let errors = parse_lines(&serde_json::json!([
            {"quantity": 0, "name": "A", "unit_price": "1"},
            {"name": "B", "unit_price": "abc", "quantity": "x"},
            {"unit_price": "1"},
            {"name": "C", "quantity": 1, "unit_price": "1", "colour": "red"},
            "not a line",
        ]))
        .unwrap_err();
        let found: Vec<(String, &str)> = errors
            .iter()
            .map(|e| (e.field.clone(), e.code.as_str()))
            .collect();
        for expected in [
            ("lines[0].quantity", "below_min"),
            ("lines[1].unit_price", "invalid_money"),
            ("lines[1].quantity", "invalid_number"),
            ("lines[2].quantity", "required"),
            ("lines[2].name", "required"),
            ("lines[3].colour", "unknown_field"),
            ("lines[4]", "wrong_type"),
        ] {
            assert!(
                found
                    .iter()
                    .any(|(f, c)| f == expected.0 && *c == expected.1),
                "{expected:?} not in {found:?}"
            );
        }
        assert_eq!(
            parse_lines(&serde_json::json!([])).unwrap_err()[0].code,
            Code::Required
        );
        assert_eq!(
            parse_lines(&serde_json::json!({})).unwrap_err()[0].code,
            Code::WrongType
        );
    }

    #[test]
    fn a_refused_move_says_why_in_both_languages() {
        let zh = refusal(OrderStatus::Confirmed, OrderEvent::Ship, false, Lang::ZhCn);
        assert_eq!(zh, "订单当前为“已确认”，不能发货。货款收齐后才能发货。");
        let en = refusal(OrderStatus::Confirmed, OrderEvent::Cancel, true, Lang::En);
        assert_eq!(
            en,
            "An order that is confirmed cannot be cancelled. Money came in: refund it instead."
        );
        let closed = refusal(OrderStatus::Completed, OrderEvent::Refund, true, Lang::En);
        assert!(closed.ends_with("The order is closed."), "{closed}");
    }
}
