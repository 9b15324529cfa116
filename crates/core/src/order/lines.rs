//! Reading an order's lines as a client sends them in JSON, discounts
//! written the way Chinese sales write them ("9折", "15%") included.

use rust_decimal::Decimal;

use super::totals::at_most_places;
use super::Discount;
use crate::money::Money;
use crate::text::fold_width;
use crate::{Code, FieldError};

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

pub(super) fn discount_of(v: &serde_json::Value) -> Option<Discount> {
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
