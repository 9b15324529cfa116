//! Checking one value against its [`FieldDef`], and a record's custom
//! values against all of them.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::{
    compile_pattern, error_field, FieldDef, FieldKind, LONG_TEXT_DEFAULT_MAX, TEXT_DEFAULT_MAX,
};
use crate::text::{clean, fold_width};
use crate::{Code, Invalid};

/// Empty input means "no value": forms send "" for a field left blank.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => clean(s).is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Keeps line breaks, which [`clean`] would fold into spaces, and drops
/// what pasting leaves behind: carriage returns, control characters and
/// trailing spaces at line ends.
fn clean_long_text(s: &str) -> String {
    let lines: Vec<String> = s
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(|line| {
            line.chars()
                .filter(|&c| c == '\t' || !c.is_control())
                .filter(|c| !matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'))
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    lines.join("\n").trim().to_string()
}

/// Text of a scalar: numbers are accepted where text is expected because
/// spreadsheets and scripts send `42` for "42".
fn scalar_text(value: &Value) -> Result<String, Code> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(Code::WrongType),
    }
}

/// Parses a decimal as people write it: full-width digits, thousands
/// separators (1,234.50) and exponents from JSON floats.
fn parse_decimal_text(s: &str) -> Result<Decimal, Code> {
    let s = fold_width(s);
    let s = s.trim();
    if s.is_empty() || s.len() > 64 {
        return Err(Code::InvalidNumber);
    }
    let plain = strip_grouping(s).ok_or(Code::InvalidNumber)?;
    plain
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&plain))
        .map_err(|_| Code::InvalidNumber)
}

/// Removes thousands separators, but only where they group by three:
/// "1,5" is not fifteen.
fn strip_grouping(s: &str) -> Option<String> {
    if !s.contains(',') {
        return Some(s.to_string());
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = int.trim_start_matches(['-', '+']);
    let mut groups = digits.split(',');
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_digit());
    let rest_ok = groups
        .clone()
        .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    if !first_ok || !rest_ok || frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    Some(s.replace(',', ""))
}

fn decimal_of(value: &Value) -> Result<Decimal, Code> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Decimal::from(i))
            } else if let Some(u) = n.as_u64() {
                Ok(Decimal::from(u))
            } else {
                parse_decimal_text(&n.to_string())
            }
        }
        Value::String(s) => parse_decimal_text(s),
        _ => Err(Code::WrongType),
    }
}

fn parse_bool(value: &Value) -> Result<bool, Code> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => match n.as_u64() {
            Some(1) => Ok(true),
            Some(0) => Ok(false),
            _ => Err(Code::InvalidBool),
        },
        Value::String(s) => match fold_width(s).trim().to_lowercase().as_str() {
            "true" | "yes" | "1" | "是" => Ok(true),
            "false" | "no" | "0" | "否" => Ok(false),
            _ => Err(Code::InvalidBool),
        },
        _ => Err(Code::WrongType),
    }
}

/// Text of a scalar expected to hold a parsed value (email, date…): cleaned
/// the way the built-in fields are before parsing.
fn scalar_clean(value: &Value) -> Result<String, Code> {
    scalar_text(value).map(|s| clean(&s))
}

fn choice(options: &[String], value: &Value) -> Result<String, Code> {
    let s = clean(&scalar_text(value)?);
    if options.contains(&s) {
        Ok(s)
    } else {
        Err(Code::NotAnOption)
    }
}

impl FieldDef {
    /// Checks `value` against this field's kind and rules and returns the
    /// form to store: trimmed text, canonical numbers, dates and contact
    /// values. A blank value is `Null`, or `Required` if the field must be
    /// filled. Uniqueness is left to storage.
    pub fn validate(&self, value: &Value) -> Result<Value, Code> {
        if is_blank(value) {
            return if self.rules.required {
                Err(Code::Required)
            } else {
                Ok(Value::Null)
            };
        }
        match &self.kind {
            FieldKind::Text | FieldKind::LongText => {
                let raw = scalar_text(value)?;
                let (text, default_max) = if self.kind == FieldKind::Text {
                    (clean(&raw), TEXT_DEFAULT_MAX)
                } else {
                    (clean_long_text(&raw), LONG_TEXT_DEFAULT_MAX)
                };
                self.check_text(&text, default_max)?;
                Ok(Value::String(text))
            }
            FieldKind::Integer => {
                let d = decimal_of(value)?;
                if !d.fract().is_zero() {
                    return Err(Code::InvalidNumber);
                }
                self.check_bounds(d)?;
                let i = d.to_i64().ok_or(Code::InvalidNumber)?;
                Ok(Value::from(i))
            }
            FieldKind::Decimal => {
                let d = decimal_of(value)?;
                self.check_bounds(d)?;
                Ok(Value::String(d.normalize().to_string()))
            }
            FieldKind::Money => {
                let money = parse_money(value)?;
                // Bounds are on the amount whatever the currency: converting
                // would need rates, which a validation rule cannot know.
                self.check_bounds(money.amount())?;
                serde_json::to_value(money).map_err(|_| Code::InvalidMoney)
            }
            FieldKind::Date => {
                let s = scalar_clean(value)?;
                let date = crate::date::parse_date(&s)?;
                Ok(Value::String(date.format("%Y-%m-%d").to_string()))
            }
            FieldKind::DateTime => {
                let s = scalar_clean(value)?;
                let at = crate::date::parse_datetime(&s)?;
                Ok(Value::String(
                    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                ))
            }
            FieldKind::Bool => parse_bool(value).map(Value::Bool),
            FieldKind::Select { options } => choice(options, value).map(Value::String),
            FieldKind::MultiSelect { options } => {
                let Value::Array(items) = value else {
                    return Err(Code::WrongType);
                };
                let mut chosen = vec![false; options.len()];
                for item in items {
                    let s = choice(options, item)?;
                    let i = options
                        .iter()
                        .position(|o| *o == s)
                        .ok_or(Code::NotAnOption)?;
                    if std::mem::replace(&mut chosen[i], true) {
                        return Err(Code::NotUnique);
                    }
                }
                // Stored in the definition's order, so the same choice is
                // always the same value.
                Ok(Value::Array(
                    options
                        .iter()
                        .zip(chosen)
                        .filter(|(_, c)| *c)
                        .map(|(o, _)| Value::String(o.clone()))
                        .collect(),
                ))
            }
            FieldKind::Email => {
                let email = crate::email::Email::parse(&scalar_clean(value)?)?;
                Ok(Value::String(email.as_str().to_string()))
            }
            FieldKind::Phone => {
                let phone = crate::phone::Phone::parse(&scalar_clean(value)?)?;
                Ok(Value::String(phone.as_str()))
            }
            FieldKind::Url => {
                let url = crate::url::WebUrl::parse(&scalar_clean(value)?)?;
                Ok(Value::String(url.as_str().to_string()))
            }
        }
    }

    fn check_text(&self, text: &str, default_max: usize) -> Result<(), Code> {
        let len = text.chars().count();
        if let Some(min) = self.rules.min_length {
            if len < min {
                return Err(Code::TooShort { min });
            }
        }
        let max = self.rules.max_length.unwrap_or(default_max);
        if len > max {
            return Err(Code::TooLong { max });
        }
        if let Some(pattern) = &self.rules.pattern {
            // A definition saved before its pattern was checked refuses
            // values rather than letting them through unchecked.
            let re = compile_pattern(pattern)?;
            if !re.is_match(text) {
                return Err(Code::PatternMismatch);
            }
        }
        Ok(())
    }

    fn check_bounds(&self, d: Decimal) -> Result<(), Code> {
        if let Some(min) = self.rules.min {
            if d < min {
                return Err(Code::BelowMin {
                    min: min.normalize().to_string(),
                });
            }
        }
        if let Some(max) = self.rules.max {
            if d > max {
                return Err(Code::AboveMax {
                    max: max.normalize().to_string(),
                });
            }
        }
        Ok(())
    }
}

/// Money from a string ("¥1,200.50", "100 USD") or from its stored form
/// `{"amount": "1.50", "currency": "CNY"}`.
fn parse_money(value: &Value) -> Result<crate::money::Money, Code> {
    match value {
        Value::String(_) | Value::Number(_) => crate::money::Money::parse(&scalar_clean(value)?),
        Value::Object(obj) => {
            let amount = obj.get("amount").ok_or(Code::InvalidMoney)?;
            let amount = scalar_clean(amount)?;
            let text = match obj.get("currency") {
                None | Some(Value::Null) => amount,
                Some(Value::String(c)) => format!("{amount} {}", clean(c)),
                Some(_) => return Err(Code::WrongType),
            };
            crate::money::Money::parse(&text)
        }
        _ => Err(Code::WrongType),
    }
}

/// Validates the custom values of one record against the definitions:
/// unknown keys and missing required fields are errors, and every error is
/// collected so a form can show them all at once. Returns the values to
/// store; blank values are left out, as "no value" is stored as absence.
pub fn validate_custom(
    defs: &[FieldDef],
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, Invalid> {
    let mut errors = Invalid::default();
    let mut out = Map::new();
    for def in defs {
        let key = def.key.as_str();
        let result = match values.get(key) {
            Some(value) => def.validate(value),
            None if def.rules.required => Err(Code::Required),
            None => continue,
        };
        match result {
            Ok(Value::Null) => {}
            Ok(v) => {
                out.insert(key.to_string(), v);
            }
            Err(code) => errors.push(error_field(key), code),
        }
    }
    for key in values.keys() {
        if !defs.iter().any(|d| d.key.as_str() == key) {
            errors.push(error_field(key), Code::UnknownField);
        }
    }
    errors.into_result().map(|()| out)
}

#[cfg(test)]
mod tests;
