//! Turning a client's JSON object into checked, normalised column values.
//!
//! Each record type lists its settable fields as [`Spec`]s. [`parse_object`]
//! walks the object once, parses every value with the entry standard its
//! field names, and reports every problem at once: unknown fields, wrong
//! JSON types and invalid values, each under its field name. What comes out
//! is a [`Patch`]: the normalised value for each field the client sent, with
//! `None` meaning "clear it".

use serde_json::{Map, Value};

use crate::country::{self, Country};
use crate::date::{parse_date, parse_datetime};
use crate::email::Email;
use crate::money::Money;
use crate::url::WebUrl;
use crate::uscc::Uscc;
use crate::{person, phone};
use crate::{text, Code, Invalid};

/// How one field's value is parsed.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Free text, whitespace-cleaned, at most this many characters.
    Text(usize),
    /// The record's country (ISO 3166-1 alpha-2): the mobile, phone,
    /// province and postal code of the same record follow its rules.
    Country,
    Mobile,
    Phone,
    Email,
    Uscc,
    /// The region of an address: a Chinese provincial division for China,
    /// the country's subdivision elsewhere.
    Province,
    PostalCode,
    Url,
    /// One of a fixed list of wire names.
    Choice(&'static [&'static str]),
    Date,
    /// A person's birth date: in the past, read in the order the record's
    /// country writes day and month.
    BirthDate,
    /// `female`, `male` or `unknown`, from 男/女/先生/女士/M/F/… .
    Gender,
    /// A preferred language's ISO 639 code, from a code or a name.
    Language,
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

/// Parses the fields of `object` named in `specs` for a record of mainland
/// China (or a record type whose fields do not depend on a country).
/// Keys in `extra` are left for the caller (e.g. `tags`, `custom`); any
/// other key is an unknown field.
pub fn parse_object(
    object: &Map<String, Value>,
    specs: &[Spec],
    extra: &[&str],
    mode: Mode,
) -> Result<Patch, Invalid> {
    parse_object_in(object, specs, extra, mode, Country::CN)
}

/// [`parse_object`] for a record whose country is `home` unless the object
/// sets another: the record's own country on an update, the instance's
/// default on a create (which then stores it).
pub fn parse_object_in(
    object: &Map<String, Value>,
    specs: &[Spec],
    extra: &[&str],
    mode: Mode,
    home: Country,
) -> Result<Patch, Invalid> {
    let mut invalid = Invalid::default();
    for key in object.keys() {
        if !specs.iter().any(|s| s.name == key) && !extra.contains(&key.as_str()) {
            invalid.push(key.as_str(), Code::UnknownField);
        }
    }
    let country = if specs.iter().any(|s| matches!(s.kind, Kind::Country)) {
        country_in(object, home)
    } else {
        home
    };
    let mut patch = Patch::default();
    for spec in specs {
        match object.get(spec.name) {
            None if matches!(spec.kind, Kind::Country) && mode == Mode::Create => {
                patch.set.push((spec.name, Some(text(home.code()))));
            }
            None => {
                if mode == Mode::Create && spec.required {
                    invalid.push(spec.name, Code::Required);
                }
            }
            Some(value) => match parse_value_in(spec.kind, value, country) {
                Ok(None) if spec.required => invalid.push(spec.name, Code::Required),
                Ok(None) if spec.defaulted && mode == Mode::Create => {
                    if matches!(spec.kind, Kind::Country) {
                        patch.set.push((spec.name, Some(text(home.code()))));
                    }
                }
                Ok(None) if spec.defaulted => invalid.push(spec.name, Code::Required),
                Ok(v) => patch.set.push((spec.name, v)),
                Err(code) => invalid.push(spec.name, code),
            },
        }
    }
    invalid.into_result().map(|()| patch)
}

/// The country an object's values are read by: its own `country` when it
/// gives a valid one, else `home`.
pub fn country_in(object: &Map<String, Value>, home: Country) -> Country {
    match object.get("country").map(|v| parse_value(Kind::Country, v)) {
        Some(Ok(Some(Stored::Text(code)))) => Country::from_code(&code).unwrap_or(home),
        _ => home,
    }
}

fn text(s: &str) -> Stored {
    Stored::Text(s.to_owned())
}

/// A tag name as stored: cleaned, not empty, no longer than
/// [`schema::TAG`](crate::schema::TAG) allows.
pub fn tag_name(name: &str) -> Result<String, Code> {
    match parse_value(crate::schema::TAG[0].kind, &Value::from(name))? {
        Some(Stored::Text(name)) => Ok(name),
        _ => Err(Code::Required),
    }
}

/// Parses one JSON value of a Chinese record; `Ok(None)` for null or blank
/// text.
pub fn parse_value(kind: Kind, value: &Value) -> Result<Option<Stored>, Code> {
    parse_value_in(kind, value, Country::CN)
}

/// Parses one JSON value of a record in `country`.
pub fn parse_value_in(kind: Kind, value: &Value, country: Country) -> Result<Option<Stored>, Code> {
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
            parse_text(kind, &raw, country).map(Some)
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

fn parse_text(kind: Kind, raw: &str, country: Country) -> Result<Stored, Code> {
    let text = match kind {
        Kind::Text(max) => {
            if raw.chars().count() > max {
                return Err(Code::TooLong { max });
            }
            raw.to_owned()
        }
        Kind::Country => Country::parse(raw)?.code().to_owned(),
        Kind::Mobile => phone::mobile_in(country, raw)?,
        Kind::Phone => phone::phone_in(country, raw)?,
        Kind::Email => Email::parse(raw)?.as_str().to_owned(),
        Kind::Uscc => Uscc::parse(raw)?.as_str().to_owned(),
        Kind::Province => country::region(country, raw)?,
        Kind::PostalCode => country::postal_code(country, raw)?,
        Kind::Url => WebUrl::parse(raw)?.as_str().to_owned(),
        Kind::Choice(options) => options
            .iter()
            .find(|o| **o == raw)
            .map(|o| (*o).to_owned())
            .ok_or(Code::InvalidChoice)?,
        Kind::Date => parse_date(raw)?.format("%Y-%m-%d").to_string(),
        Kind::BirthDate => {
            // Today somewhere on Earth: no one is refused for being born
            // on a day that has begun in their time zone only.
            let today = (chrono::Utc::now() + chrono::Duration::hours(14)).date_naive();
            person::birth_date(country, raw, today)?
                .format("%Y-%m-%d")
                .to_string()
        }
        Kind::Gender => person::gender(raw)?.to_owned(),
        Kind::Language => person::language(raw)?.to_owned(),
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
    fn the_records_country_decides_how_its_phone_region_and_postcode_are_read() {
        const PERSON: &[Spec] = &[
            Spec::new("country", Kind::Country).defaulted(),
            Spec::new("mobile", Kind::Mobile),
            Spec::new("province", Kind::Province),
            Spec::new("postal_code", Kind::PostalCode),
        ];
        let au = Country::from_code("AU").unwrap();
        let fields = json!({"mobile": "0414 089 598", "province": "NSW", "postal_code": "2000"});
        // Given in the object …
        let mut with_country = obj(fields.clone());
        with_country.insert("country".into(), json!("Australia"));
        let patch = parse_object_in(&with_country, PERSON, &[], Mode::Create, Country::CN).unwrap();
        assert_eq!(patch.text("country"), Some("AU"));
        assert_eq!(patch.text("mobile"), Some("+61414089598"));
        assert_eq!(patch.text("province"), Some("New South Wales"));
        assert_eq!(patch.text("postal_code"), Some("2000"));
        // … or the record's own (an update) or the instance's (a create).
        let patch = parse_object_in(&obj(fields.clone()), PERSON, &[], Mode::Update, au).unwrap();
        assert_eq!(patch.get("country"), None);
        assert_eq!(patch.text("mobile"), Some("+61414089598"));
        let patch = parse_object_in(&obj(fields.clone()), PERSON, &[], Mode::Create, au).unwrap();
        assert_eq!(patch.text("country"), Some("AU"));
        // The same values are wrong for China, and the message says so.
        let err =
            parse_object_in(&obj(fields), PERSON, &[], Mode::Create, Country::CN).unwrap_err();
        let codes: Vec<&str> = err.0.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(
            codes,
            ["invalid_mobile", "invalid_region", "invalid_postal_code"]
        );
        let err = parse_object_in(
            &obj(json!({"country": "AU", "postal_code": "100080"})),
            PERSON,
            &[],
            Mode::Create,
            Country::CN,
        )
        .unwrap_err();
        assert_eq!(err.0[0].code, Code::PostalCodeIn(au));
        assert!(err.0[0].code.message(crate::Lang::En).contains("Australia"));
        assert!(err.0[0]
            .code
            .message(crate::Lang::ZhCn)
            .contains("澳大利亚"));
        let err = parse_object_in(
            &obj(json!({"country": "Atlantis"})),
            PERSON,
            &[],
            Mode::Create,
            au,
        )
        .unwrap_err();
        assert_eq!(err.0[0].code, Code::InvalidCountry);
    }

    #[test]
    fn text_longer_than_its_limit_is_refused() {
        let err = parse_value(Kind::Text(3), &json!("四个汉字")).unwrap_err();
        assert_eq!(err, Code::TooLong { max: 3 });
        assert!(parse_value(Kind::Text(4), &json!("四个汉字")).is_ok());
    }
}
