//! Turning a client's JSON object into checked, normalised column values.
//!
//! Each record type lists its settable fields as [`Spec`]s. [`parse_object`]
//! walks the object once, parses every value with the entry standard its
//! field names, and reports every problem at once: unknown fields, wrong
//! JSON types and invalid values, each under its field name. What comes out
//! is a [`Patch`]: the normalised value for each field the client sent, with
//! `None` meaning "clear it".

use serde_json::{Map, Value};

use crate::date::{parse_date, parse_datetime};
use crate::email::Email;
use crate::money::Money;
use crate::phone::{Mobile, Phone};
use crate::region::{PostalCode, Province};
use crate::url::WebUrl;
use crate::uscc::Uscc;
use crate::{text, Code, Invalid};

/// How one field's value is parsed.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Free text, whitespace-cleaned, at most this many characters.
    Text(usize),
    Mobile,
    Phone,
    Email,
    Uscc,
    Province,
    PostalCode,
    Url,
    /// One of a fixed list of wire names.
    Choice(&'static [&'static str]),
    Date,
    /// Stored as milliseconds since the Unix epoch.
    DateTime,
    /// A reference to another record by id.
    Id,
    /// An amount of money, not negative ("1,200.50", "¥1200", "100 USD",
    /// or `{"amount": "100", "currency": "USD"}`), stored as `1200.50 CNY`.
    Money,
    Bool,
}

/// A settable field of a record type.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub kind: Kind,
    /// Must be present (and non-empty) when a record is created.
    pub required: bool,
    /// Never empty, but has a default: left out on create it takes the
    /// default; it cannot be cleared.
    pub defaulted: bool,
}

impl Spec {
    pub const fn new(name: &'static str, kind: Kind) -> Spec {
        Spec {
            name,
            kind,
            required: false,
            defaulted: false,
        }
    }

    pub const fn defaulted(self) -> Spec {
        Spec {
            defaulted: true,
            ..self
        }
    }

    pub const fn required(self) -> Spec {
        Spec {
            required: true,
            ..self
        }
    }

    /// Phone numbers and email addresses are masked for users who may not
    /// see them in full.
    pub fn is_contact_detail(&self) -> bool {
        matches!(self.kind, Kind::Mobile | Kind::Phone | Kind::Email)
    }
}

/// A normalised value, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Text(String),
    Int(i64),
    Bool(bool),
}

impl Stored {
    /// The text kept in field history.
    pub fn to_history(&self) -> String {
        match self {
            Stored::Text(s) => s.clone(),
            Stored::Int(i) => i.to_string(),
            Stored::Bool(b) => b.to_string(),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Stored::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Stored::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// The fields a client set, in spec order; `None` clears a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    pub set: Vec<(&'static str, Option<Stored>)>,
}

impl Patch {
    pub fn get(&self, name: &str) -> Option<&Option<Stored>> {
        self.set.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name)?.as_ref()?.as_text()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// Whether the object creates a record (required fields must be there) or
/// updates one (absent fields stay as they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Update,
}

/// Parses the fields of `object` named in `specs`. Keys in `extra` are left
/// for the caller (e.g. `tags`, `custom`); any other key is an unknown field.
pub fn parse_object(
    object: &Map<String, Value>,
    specs: &[Spec],
    extra: &[&str],
    mode: Mode,
) -> Result<Patch, Invalid> {
    let mut invalid = Invalid::default();
    for key in object.keys() {
        if !specs.iter().any(|s| s.name == key) && !extra.contains(&key.as_str()) {
            invalid.push(key.as_str(), Code::UnknownField);
        }
    }
    let mut patch = Patch::default();
    for spec in specs {
        match object.get(spec.name) {
            None => {
                if mode == Mode::Create && spec.required {
                    invalid.push(spec.name, Code::Required);
                }
            }
            Some(value) => match parse_value(spec.kind, value) {
                Ok(None) if spec.required => invalid.push(spec.name, Code::Required),
                Ok(None) if spec.defaulted && mode == Mode::Create => {}
                Ok(None) if spec.defaulted => invalid.push(spec.name, Code::Required),
                Ok(v) => patch.set.push((spec.name, v)),
                Err(code) => invalid.push(spec.name, code),
            },
        }
    }
    invalid.into_result().map(|()| patch)
}

/// Parses one JSON value; `Ok(None)` for null or blank text.
pub fn parse_value(kind: Kind, value: &Value) -> Result<Option<Stored>, Code> {
    if value.is_null() {
        return Ok(None);
    }
    match kind {
        Kind::Id => match value {
            Value::Number(n) => n
                .as_i64()
                .map(|i| Some(Stored::Int(i)))
                .ok_or(Code::WrongType),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => s
                .trim()
                .parse()
                .map(|i| Some(Stored::Int(i)))
                .map_err(|_| Code::WrongType),
            _ => Err(Code::WrongType),
        },
        Kind::Bool => match value {
            Value::Bool(b) => Ok(Some(Stored::Bool(*b))),
            _ => Err(Code::WrongType),
        },
        Kind::Money if value.is_object() => {
            let money: Money =
                serde_json::from_value(value.clone()).map_err(|_| Code::InvalidMoney)?;
            money_text(money).map(Some)
        }
        _ => {
            let raw = match value {
                Value::String(s) => text::clean(s),
                // Spreadsheets and scripts send phone numbers as numbers.
                Value::Number(n)
                    if matches!(
                        kind,
                        Kind::Mobile | Kind::Phone | Kind::Text(_) | Kind::Money
                    ) =>
                {
                    n.to_string()
                }
                _ => return Err(Code::WrongType),
            };
            if raw.is_empty() {
                return Ok(None);
            }
            parse_text(kind, &raw).map(Some)
        }
    }
}

/// A price or amount as stored: never negative, `1200.50 CNY`.
fn money_text(money: Money) -> Result<Stored, Code> {
    if money.amount().is_sign_negative() {
        return Err(Code::BelowMin { min: "0".into() });
    }
    Ok(Stored::Text(money.to_string()))
}

fn parse_text(kind: Kind, raw: &str) -> Result<Stored, Code> {
    let text = match kind {
        Kind::Text(max) => {
            if raw.chars().count() > max {
                return Err(Code::TooLong { max });
            }
            raw.to_owned()
        }
        Kind::Mobile => Mobile::parse(raw)?.as_str().to_owned(),
        Kind::Phone => Phone::parse(raw)?.as_str().to_owned(),
        Kind::Email => Email::parse(raw)?.as_str().to_owned(),
        Kind::Uscc => Uscc::parse(raw)?.as_str().to_owned(),
        Kind::Province => Province::parse(raw)?.name().to_owned(),
        Kind::PostalCode => PostalCode::parse(raw)?.as_str().to_owned(),
        Kind::Url => WebUrl::parse(raw)?.as_str().to_owned(),
        Kind::Choice(options) => options
            .iter()
            .find(|o| **o == raw)
            .map(|o| (*o).to_owned())
            .ok_or(Code::InvalidChoice)?,
        Kind::Date => parse_date(raw)?.format("%Y-%m-%d").to_string(),
        Kind::DateTime => return Ok(Stored::Int(parse_datetime(raw)?.timestamp_millis())),
        Kind::Money => return money_text(Money::parse(raw)?),
        Kind::Id | Kind::Bool => return Err(Code::WrongType),
    };
    Ok(Stored::Text(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPECS: &[Spec] = &[
        Spec::new("name", Kind::Text(10)).required(),
        Spec::new("mobile", Kind::Mobile),
        Spec::new("stage", Kind::Choice(&["lead", "customer"])),
        Spec::new("owner_id", Kind::Id),
    ];

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn money_is_exact_never_negative_and_keeps_its_currency() {
        let price = |v: Value| parse_value(Kind::Money, &v);
        let text = |s: &str| Ok(Some(Stored::Text(s.to_owned())));
        assert_eq!(price(json!("1,200.5")), text("1200.50 CNY"));
        assert_eq!(price(json!("¥ 99")), text("99.00 CNY"));
        assert_eq!(price(json!("100 USD")), text("100.00 USD"));
        assert_eq!(price(json!(0.1)), text("0.10 CNY"));
        assert_eq!(
            price(json!({"amount": "12.3456", "currency": "HKD"})),
            text("12.3456 HKD")
        );
        assert_eq!(price(json!("")), Ok(None));
        assert_eq!(price(json!("-5")), Err(Code::BelowMin { min: "0".into() }));
        assert_eq!(price(json!("12.34567")), Err(Code::InvalidMoney));
        assert_eq!(price(json!("十块")), Err(Code::InvalidMoney));
        assert_eq!(price(json!({"amount": 12})), Err(Code::InvalidMoney));
        assert_eq!(price(json!([1])), Err(Code::WrongType));
    }

    #[test]
    fn values_are_normalised_and_blank_means_clear() {
        let patch = parse_object(
            &obj(json!({"name": "  张三 ", "mobile": "+86 138-1234-5678", "stage": "", "owner_id": 3})),
            SPECS,
            &[],
            Mode::Create,
        )
        .unwrap();
        assert_eq!(patch.text("name"), Some("张三"));
        assert_eq!(patch.text("mobile"), Some("13812345678"));
        assert_eq!(patch.get("stage"), Some(&None));
        assert_eq!(patch.get("owner_id"), Some(&Some(Stored::Int(3))));
    }

    #[test]
    fn every_problem_is_reported_under_its_field() {
        let err = parse_object(
            &obj(json!({"mobile": "12345", "stage": "boss", "owner_id": [1], "colour": "red"})),
            SPECS,
            &[],
            Mode::Create,
        )
        .unwrap_err();
        let mut found: Vec<(String, &str)> = err
            .0
            .iter()
            .map(|e| (e.field.clone(), e.code.as_str()))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                ("colour".to_owned(), "unknown_field"),
                ("mobile".to_owned(), "invalid_mobile"),
                ("name".to_owned(), "required"),
                ("owner_id".to_owned(), "wrong_type"),
                ("stage".to_owned(), "invalid_choice"),
            ]
        );
    }

    #[test]
    fn an_update_may_leave_required_fields_out_but_not_blank_them() {
        assert!(parse_object(&obj(json!({"mobile": null})), SPECS, &[], Mode::Update).is_ok());
        let err = parse_object(&obj(json!({"name": " "})), SPECS, &[], Mode::Update).unwrap_err();
        assert_eq!(err.0[0].code, Code::Required);
    }

    #[test]
    fn a_field_with_a_default_takes_it_on_create_and_cannot_be_cleared() {
        const WITH_DEFAULT: &[Spec] = &[Spec::new("stage", Kind::Choice(&["lead"])).defaulted()];
        let created = parse_object(
            &obj(json!({"stage": null})),
            WITH_DEFAULT,
            &[],
            Mode::Create,
        )
        .unwrap();
        assert!(created.is_empty());
        let err =
            parse_object(&obj(json!({"stage": ""})), WITH_DEFAULT, &[], Mode::Update).unwrap_err();
        assert_eq!(err.0[0].code, Code::Required);
    }

    #[test]
    fn text_longer_than_its_limit_is_refused() {
        let err = parse_value(Kind::Text(3), &json!("四个汉字")).unwrap_err();
        assert_eq!(err, Code::TooLong { max: 3 });
        assert!(parse_value(Kind::Text(4), &json!("四个汉字")).is_ok());
    }
}
