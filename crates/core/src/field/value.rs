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
mod tests {
    use super::*;
    use crate::field::tests::{dec, def, opts, with_rules};
    use crate::field::{FieldKey, FieldRules};
    use proptest::prelude::*;
    use serde_json::json;
    use std::time::{Duration, Instant};

    #[test]
    fn blank_values_and_required() {
        let optional = def(FieldKind::Integer);
        let required = with_rules(
            FieldKind::Integer,
            FieldRules {
                required: true,
                ..FieldRules::default()
            },
        );
        for blank in [json!(null), json!(""), json!(" \u{3000}\t")] {
            assert_eq!(optional.validate(&blank), Ok(Value::Null));
            assert_eq!(required.validate(&blank), Err(Code::Required));
        }
        let multi = def(FieldKind::MultiSelect {
            options: opts(&["a"]),
        });
        assert_eq!(multi.validate(&json!([])), Ok(Value::Null));
    }

    #[test]
    fn text() {
        let d = def(FieldKind::Text);
        assert_eq!(d.validate(&json!("  张三  丰 ")), Ok(json!("张三 丰")));
        assert_eq!(d.validate(&json!(42)), Ok(json!("42")));
        assert_eq!(d.validate(&json!(true)), Err(Code::WrongType));
        assert_eq!(d.validate(&json!(["a"])), Err(Code::WrongType));
        assert_eq!(d.validate(&json!({})), Err(Code::WrongType));
        assert_eq!(
            d.validate(&json!("字".repeat(200))),
            Ok(json!("字".repeat(200)))
        );
        assert_eq!(
            d.validate(&json!("字".repeat(201))),
            Err(Code::TooLong { max: 200 })
        );
        let d = with_rules(
            FieldKind::Text,
            FieldRules {
                min_length: Some(2),
                max_length: Some(3),
                ..FieldRules::default()
            },
        );
        assert_eq!(d.validate(&json!("张")), Err(Code::TooShort { min: 2 }));
        assert_eq!(d.validate(&json!("张三")), Ok(json!("张三")));
        assert_eq!(d.validate(&json!("张三丰")), Ok(json!("张三丰")));
        assert_eq!(
            d.validate(&json!("张三丰四")),
            Err(Code::TooLong { max: 3 })
        );
    }

    #[test]
    fn long_text_keeps_line_breaks() {
        let d = def(FieldKind::LongText);
        assert_eq!(
            d.validate(&json!("\n 第一行  \r\n\r\n第二行\u{0007}\t\n")),
            Ok(json!("第一行\n\n第二行"))
        );
        assert!(d.validate(&json!("a".repeat(10_000))).is_ok());
        assert_eq!(
            d.validate(&json!("a".repeat(10_001))),
            Err(Code::TooLong { max: 10_000 })
        );
    }

    #[test]
    fn patterns_must_match_the_whole_value() {
        for pattern in [r"^\d{4}$", r"\d{4}", "[0-9]{4}"] {
            let d = with_rules(
                FieldKind::Text,
                FieldRules {
                    pattern: Some(pattern.into()),
                    ..FieldRules::default()
                },
            );
            assert_eq!(d.validate(&json!("2024")), Ok(json!("2024")), "{pattern}");
            for bad in ["20245", "x2024", "2024x", "12"] {
                assert_eq!(
                    d.validate(&json!(bad)),
                    Err(Code::PatternMismatch),
                    "{pattern} {bad}"
                );
            }
        }
        // An alternation is grouped before it is anchored.
        let d = with_rules(
            FieldKind::Text,
            FieldRules {
                pattern: Some("a|b".into()),
                ..FieldRules::default()
            },
        );
        assert!(d.validate(&json!("a")).is_ok());
        assert_eq!(d.validate(&json!("ab")), Err(Code::PatternMismatch));
    }

    #[test]
    fn catastrophic_patterns_run_in_linear_time() {
        let d = with_rules(
            FieldKind::LongText,
            FieldRules {
                pattern: Some("(a+)+$".into()),
                ..FieldRules::default()
            },
        );
        let start = Instant::now();
        let input = format!("{}!", "a".repeat(9_000));
        assert_eq!(d.validate(&json!(input)), Err(Code::PatternMismatch));
        assert!(d.validate(&json!("a".repeat(9_000))).is_ok());
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn integers() {
        let d = with_rules(
            FieldKind::Integer,
            FieldRules {
                min: Some(dec("-10")),
                max: Some(dec("100")),
                ..FieldRules::default()
            },
        );
        assert_eq!(d.validate(&json!(100)), Ok(json!(100)));
        assert_eq!(d.validate(&json!(-10)), Ok(json!(-10)));
        assert_eq!(d.validate(&json!(" ５０ ")), Ok(json!(50)));
        assert_eq!(d.validate(&json!("7.0")), Ok(json!(7)));
        assert_eq!(
            d.validate(&json!(101)),
            Err(Code::AboveMax { max: "100".into() })
        );
        assert_eq!(
            d.validate(&json!("-11")),
            Err(Code::BelowMin { min: "-10".into() })
        );
        assert_eq!(d.validate(&json!(1.5)), Err(Code::InvalidNumber));
        assert_eq!(d.validate(&json!("abc")), Err(Code::InvalidNumber));
        assert_eq!(d.validate(&json!(true)), Err(Code::WrongType));
        let d = def(FieldKind::Integer);
        assert_eq!(d.validate(&json!("1,234")), Ok(json!(1234)));
        assert_eq!(d.validate(&json!(u64::MAX)), Err(Code::InvalidNumber));
        assert_eq!(d.validate(&json!(i64::MIN)), Ok(json!(i64::MIN)));
    }

    #[test]
    fn decimals() {
        let d = with_rules(
            FieldKind::Decimal,
            FieldRules {
                min: Some(dec("0")),
                max: Some(dec("1.5")),
                ..FieldRules::default()
            },
        );
        assert_eq!(d.validate(&json!("1.50")), Ok(json!("1.5")));
        assert_eq!(d.validate(&json!(0.25)), Ok(json!("0.25")));
        assert_eq!(d.validate(&json!(0)), Ok(json!("0")));
        assert_eq!(
            d.validate(&json!("1.5000001")),
            Err(Code::AboveMax { max: "1.5".into() })
        );
        assert_eq!(
            d.validate(&json!(-0.01)),
            Err(Code::BelowMin { min: "0".into() })
        );
        let d = def(FieldKind::Decimal);
        assert_eq!(d.validate(&json!("1,234,567.89")), Ok(json!("1234567.89")));
        assert_eq!(d.validate(&json!("1,5")), Err(Code::InvalidNumber));
        assert_eq!(d.validate(&json!("1,2345")), Err(Code::InvalidNumber));
        assert_eq!(d.validate(&json!(1e300)), Err(Code::InvalidNumber));
        assert_eq!(d.validate(&json!("NaN")), Err(Code::InvalidNumber));
        assert_eq!(d.validate(&json!([1])), Err(Code::WrongType));
    }

    #[test]
    fn booleans() {
        let d = def(FieldKind::Bool);
        for yes in [
            json!(true),
            json!("true"),
            json!("是"),
            json!("YES"),
            json!("1"),
            json!(1),
        ] {
            assert_eq!(d.validate(&yes), Ok(json!(true)), "{yes}");
        }
        for no in [
            json!(false),
            json!("False"),
            json!("否"),
            json!("no"),
            json!("０"),
            json!(0),
        ] {
            assert_eq!(d.validate(&no), Ok(json!(false)), "{no}");
        }
        assert_eq!(d.validate(&json!("maybe")), Err(Code::InvalidBool));
        assert_eq!(d.validate(&json!(2)), Err(Code::InvalidBool));
        assert_eq!(d.validate(&json!({})), Err(Code::WrongType));
    }

    #[test]
    fn choices() {
        let d = def(FieldKind::Select {
            options: opts(&["甲", "乙", "3"]),
        });
        assert_eq!(d.validate(&json!(" 乙 ")), Ok(json!("乙")));
        assert_eq!(d.validate(&json!(3)), Ok(json!("3")));
        assert_eq!(d.validate(&json!("丙")), Err(Code::NotAnOption));
        assert_eq!(d.validate(&json!(["甲"])), Err(Code::WrongType));
        let d = def(FieldKind::MultiSelect {
            options: opts(&["甲", "乙", "丙"]),
        });
        assert_eq!(d.validate(&json!(["丙", "甲"])), Ok(json!(["甲", "丙"])));
        assert_eq!(d.validate(&json!(["甲", "甲"])), Err(Code::NotUnique));
        assert_eq!(d.validate(&json!(["丁"])), Err(Code::NotAnOption));
        assert_eq!(d.validate(&json!("甲")), Err(Code::WrongType));
        assert_eq!(d.validate(&json!([["甲"]])), Err(Code::WrongType));
    }

    #[test]
    fn money() {
        let d = with_rules(
            FieldKind::Money,
            FieldRules {
                min: Some(dec("0")),
                max: Some(dec("10000")),
                ..FieldRules::default()
            },
        );
        let cny = json!({"amount": "1234.50", "currency": "CNY"});
        assert_eq!(d.validate(&json!("¥1,234.5")), Ok(cny.clone()));
        assert_eq!(d.validate(&json!(1234.5)), Ok(cny.clone()));
        assert_eq!(d.validate(&cny), Ok(cny.clone()));
        assert_eq!(
            d.validate(&json!({"amount": 10, "currency": "usd"})),
            Ok(json!({"amount": "10.00", "currency": "USD"}))
        );
        assert_eq!(
            d.validate(&json!({"amount": "10"})),
            Ok(json!({"amount": "10.00", "currency": "CNY"}))
        );
        assert_eq!(
            d.validate(&json!("10000.01")),
            Err(Code::AboveMax {
                max: "10000".into()
            })
        );
        assert_eq!(
            d.validate(&json!("-1")),
            Err(Code::BelowMin { min: "0".into() })
        );
        assert_eq!(d.validate(&json!("十块")), Err(Code::InvalidMoney));
        assert_eq!(
            d.validate(&json!({"currency": "CNY"})),
            Err(Code::InvalidMoney)
        );
        assert_eq!(
            d.validate(&json!({"amount": "1", "currency": "ABC"})),
            Err(Code::InvalidMoney)
        );
        assert_eq!(
            d.validate(&json!({"amount": "1", "currency": 1})),
            Err(Code::WrongType)
        );
        assert_eq!(d.validate(&json!(true)), Err(Code::WrongType));
    }

    #[test]
    fn dates_and_times() {
        let d = def(FieldKind::Date);
        assert_eq!(d.validate(&json!("2024年3月1日")), Ok(json!("2024-03-01")));
        assert_eq!(d.validate(&json!("2024/3/1")), Ok(json!("2024-03-01")));
        assert_eq!(d.validate(&json!("2024-02-30")), Err(Code::InvalidDate));
        assert_eq!(d.validate(&json!(20240301)), Ok(json!("2024-03-01")));
        assert_eq!(d.validate(&json!(false)), Err(Code::WrongType));
        let d = def(FieldKind::DateTime);
        assert_eq!(
            d.validate(&json!("2024-03-01 09:30")),
            Ok(json!("2024-03-01T01:30:00Z"))
        );
        assert_eq!(
            d.validate(&json!("2024-03-01T09:30:00.5+08:00")),
            Ok(json!("2024-03-01T01:30:00.500Z"))
        );
        assert_eq!(d.validate(&json!("明天")), Err(Code::InvalidDateTime));
    }

    #[test]
    fn contacts_are_stored_normalised() {
        let d = def(FieldKind::Email);
        assert_eq!(
            d.validate(&json!(" a@Example.COM ")),
            Ok(json!("a@example.com"))
        );
        assert_eq!(d.validate(&json!("a@")), Err(Code::InvalidEmail));
        assert_eq!(d.validate(&json!(["a@example.com"])), Err(Code::WrongType));
        let d = def(FieldKind::Phone);
        assert_eq!(
            d.validate(&json!("138 0013 8000")),
            Ok(json!("13800138000"))
        );
        assert_eq!(d.validate(&json!(13800138000u64)), Ok(json!("13800138000")));
        assert!(d.validate(&json!("12")).is_err());
        let d = def(FieldKind::Url);
        assert!(d.validate(&json!("https://example.com/x")).is_ok());
        assert_eq!(
            d.validate(&json!("javascript:alert(1)")),
            Err(Code::InvalidUrl)
        );
    }

    #[test]
    fn custom_values_collect_every_error() {
        let mut name = def(FieldKind::Text);
        name.key = FieldKey::parse("name").unwrap();
        name.rules.required = true;
        let mut level = def(FieldKind::Integer);
        level.key = FieldKey::parse("level").unwrap();
        level.rules.max = Some(dec("5"));
        let mut vip = def(FieldKind::Bool);
        vip.key = FieldKey::parse("vip").unwrap();
        let mut note = def(FieldKind::Text);
        note.key = FieldKey::parse("note").unwrap();
        let defs = [name, level, vip, note];

        let values = json!({"level": 9, "vip": "maybe", "colour": "red", "note": ""});
        let err = validate_custom(&defs, values.as_object().unwrap()).unwrap_err();
        let got: Vec<(&str, &str)> = err
            .0
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("custom.name", "required"),
                ("custom.level", "above_max"),
                ("custom.vip", "invalid_bool"),
                ("custom.colour", "unknown_field"),
            ]
        );

        let values = json!({"name": " 张三 ", "level": "3", "note": null});
        let ok = validate_custom(&defs, values.as_object().unwrap()).unwrap();
        assert_eq!(Value::Object(ok), json!({"name": "张三", "level": 3}));
        assert_eq!(validate_custom(&[], &Map::new()), Ok(Map::new()));
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC{0,30}".prop_map(Value::String),
            "[0-9,.eE+-]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 8, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn any_kind() -> impl Strategy<Value = FieldKind> {
        prop_oneof![
            Just(FieldKind::Text),
            Just(FieldKind::LongText),
            Just(FieldKind::Integer),
            Just(FieldKind::Decimal),
            Just(FieldKind::Money),
            Just(FieldKind::Date),
            Just(FieldKind::DateTime),
            Just(FieldKind::Bool),
            Just(FieldKind::Select {
                options: opts(&["a", "b"])
            }),
            Just(FieldKind::MultiSelect {
                options: opts(&["a", "b"])
            }),
            Just(FieldKind::Email),
            Just(FieldKind::Phone),
            Just(FieldKind::Url),
        ]
    }

    proptest! {
        #[test]
        fn validation_never_panics_and_is_idempotent(kind in any_kind(), value in any_json()) {
            let d = def(kind);
            if let Ok(stored) = d.validate(&value) {
                prop_assert_eq!(d.validate(&stored), Ok(stored.clone()));
            }
        }

        #[test]
        fn patterns_never_panic(pattern in "\\PC{0,40}", text in "\\PC{0,40}") {
            let rules = FieldRules { pattern: Some(pattern), ..FieldRules::default() };
            let checked = rules.check_definition(&FieldKind::Text);
            let d = with_rules(FieldKind::Text, rules);
            let result = d.validate(&json!(text));
            if checked.is_err() {
                prop_assert!(result.is_err() || clean(&text).is_empty());
            }
        }

        #[test]
        fn decimal_text_never_panics(s in "[0-9０-９,.eE+ -]{0,40}") {
            let _ = parse_decimal_text(&s);
        }
    }
}
