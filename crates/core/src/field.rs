//! Custom fields: the definitions an administrator adds to a record type,
//! and the checks a value must pass before it is stored. Definitions come
//! from users, so a rule is checked before it is saved
//! ([`FieldRules::check_definition`]) and applied defensively afterwards: a
//! hostile regex or an absurd limit must not cost more than a refused value.

use std::fmt;

use regex::{Regex, RegexBuilder};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::clean;
use crate::Code;

mod value;

pub use value::validate_custom;

/// Longest pattern an administrator may save. Patterns check formats such
/// as order numbers; anything longer is a mistake or an attack.
const MAX_PATTERN_CHARS: usize = 500;

/// Compiled-program budget for a pattern. The regex crate runs in linear
/// time, so the program size is the only resource a pattern can exhaust;
/// counted repetitions like `a{1000}{1000}` are refused here.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

const TEXT_DEFAULT_MAX: usize = 200;
const LONG_TEXT_DEFAULT_MAX: usize = 10_000;
/// Ceiling for an explicit `max_length`: beyond it a value is a document,
/// not a field.
const MAX_LENGTH_CEILING: usize = 100_000;

const MAX_OPTIONS: usize = 100;
const MAX_OPTION_CHARS: usize = 100;

/// Where a field's errors are reported, so a form can show them next to the
/// custom field rather than at a built-in field of the same name.
fn error_field(key: &str) -> String {
    format!("custom.{key}")
}

/// The type of a custom field and, for choices, the allowed values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum FieldKind {
    Text,
    LongText,
    Integer,
    Decimal,
    Money,
    Date,
    DateTime,
    Bool,
    Select { options: Vec<String> },
    MultiSelect { options: Vec<String> },
    Email,
    Phone,
    Url,
}

impl FieldKind {
    /// The stable name, as in the `type` tag of the JSON form.
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::LongText => "long_text",
            FieldKind::Integer => "integer",
            FieldKind::Decimal => "decimal",
            FieldKind::Money => "money",
            FieldKind::Date => "date",
            FieldKind::DateTime => "date_time",
            FieldKind::Bool => "bool",
            FieldKind::Select { .. } => "select",
            FieldKind::MultiSelect { .. } => "multi_select",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Url => "url",
        }
    }

    pub fn options(&self) -> Option<&[String]> {
        match self {
            FieldKind::Select { options } | FieldKind::MultiSelect { options } => Some(options),
            _ => None,
        }
    }

    fn is_text(&self) -> bool {
        matches!(self, FieldKind::Text | FieldKind::LongText)
    }

    fn is_numeric(&self) -> bool {
        matches!(
            self,
            FieldKind::Integer | FieldKind::Decimal | FieldKind::Money
        )
    }
}

/// Constraints on a field's values beyond its type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldRules {
    #[serde(default)]
    pub required: bool,
    /// Enforced by storage, which alone can see the other records.
    #[serde(default)]
    pub unique: bool,
    /// A regular expression the whole text must match (text fields only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// In characters, not bytes: 张三 has length 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// Bounds for numbers and money amounts, as decimal strings in JSON so
    /// they survive without binary rounding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Decimal>,
}

/// Compiles `pattern` so that it must match the whole value: administrators
/// write `\d{4}` meaning "four digits", not "contains four digits".
fn compile_pattern(pattern: &str) -> Result<Regex, Code> {
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(Code::TooLong {
            max: MAX_PATTERN_CHARS,
        });
    }
    RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(100)
        .build()
        .map_err(|_| Code::InvalidRule)
}

impl FieldRules {
    /// Checks that the rules make sense for `kind` before they are saved.
    /// A rule the kind has no use for is refused rather than ignored, so an
    /// administrator is never misled into thinking it applies.
    pub fn check_definition(&self, kind: &FieldKind) -> Result<(), Code> {
        // Uniqueness is checked by comparing stored text, which is only
        // canonical for single scalar values.
        if self.unique
            && matches!(
                kind,
                FieldKind::LongText
                    | FieldKind::Money
                    | FieldKind::MultiSelect { .. }
                    | FieldKind::Bool
            )
        {
            return Err(Code::InvalidRule);
        }
        if let Some(pattern) = &self.pattern {
            if !kind.is_text() {
                return Err(Code::InvalidRule);
            }
            compile_pattern(pattern)?;
        }
        if self.min_length.is_some() || self.max_length.is_some() {
            if !kind.is_text() {
                return Err(Code::InvalidRule);
            }
            if let Some(max) = self.max_length {
                if max == 0 {
                    return Err(Code::InvalidRule);
                }
                if max > MAX_LENGTH_CEILING {
                    return Err(Code::AboveMax {
                        max: MAX_LENGTH_CEILING.to_string(),
                    });
                }
            }
            if let (Some(min), Some(max)) = (self.min_length, self.max_length) {
                if min > max {
                    return Err(Code::InvalidRule);
                }
            }
        }
        if self.min.is_some() || self.max.is_some() {
            if !kind.is_numeric() {
                return Err(Code::InvalidRule);
            }
            if let (Some(min), Some(max)) = (self.min, self.max) {
                if min > max {
                    return Err(Code::InvalidRule);
                }
            }
        }
        if let Some(options) = kind.options() {
            check_options(options)?;
        }
        Ok(())
    }
}

fn check_options(options: &[String]) -> Result<(), Code> {
    if options.is_empty() {
        return Err(Code::Required);
    }
    if options.len() > MAX_OPTIONS {
        return Err(Code::InvalidRule);
    }
    for (i, option) in options.iter().enumerate() {
        // Values are cleaned before they are compared, so an option that
        // cleaning would change could never be chosen.
        if option.is_empty() {
            return Err(Code::Required);
        }
        if clean(option) != *option {
            return Err(Code::InvalidRule);
        }
        if option.chars().count() > MAX_OPTION_CHARS {
            return Err(Code::TooLong {
                max: MAX_OPTION_CHARS,
            });
        }
        if options[..i].contains(option) {
            return Err(Code::NotUnique);
        }
    }
    Ok(())
}

/// A custom field's machine name: what API clients and exports use, so it
/// is restricted to lower-case ASCII identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldKey(String);

impl FieldKey {
    pub fn parse(s: &str) -> Result<FieldKey, Code> {
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if first_ok && rest_ok && s.len() <= 40 {
            Ok(FieldKey(s.to_string()))
        } else {
            Err(Code::PatternMismatch)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for FieldKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        FieldKey::parse(&s).map_err(|code| serde::de::Error::custom(code.as_str()))
    }
}

/// One custom field as an administrator defined it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    pub key: FieldKey,
    pub label_zh: String,
    pub label_en: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub rules: FieldRules,
    /// Masked in lists and exports for users without the right to see it.
    #[serde(default)]
    pub sensitive: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) fn def(kind: FieldKind) -> FieldDef {
        FieldDef {
            key: FieldKey::parse("f").unwrap(),
            label_zh: "字段".into(),
            label_en: "Field".into(),
            kind,
            rules: FieldRules::default(),
            sensitive: false,
        }
    }

    pub(super) fn with_rules(kind: FieldKind, rules: FieldRules) -> FieldDef {
        FieldDef { rules, ..def(kind) }
    }

    pub(super) fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    pub(super) fn opts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn field_keys() {
        assert_eq!(FieldKey::parse("order_no2").unwrap().as_str(), "order_no2");
        assert!(FieldKey::parse(&"a".repeat(40)).is_ok());
        for bad in [
            "",
            "1a",
            "_a",
            "Order",
            "a-b",
            "a b",
            "订单",
            &"a".repeat(41),
        ] {
            assert_eq!(FieldKey::parse(bad), Err(Code::PatternMismatch), "{bad}");
        }
        assert!(serde_json::from_value::<FieldKey>(json!("Bad")).is_err());
    }

    #[test]
    fn kinds_and_definitions_round_trip_as_json() {
        let d = FieldDef {
            rules: FieldRules {
                required: true,
                min: Some(dec("1.5")),
                ..FieldRules::default()
            },
            ..def(FieldKind::Select {
                options: opts(&["甲", "乙"]),
            })
        };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(v["key"], "f");
        assert_eq!(
            v["kind"],
            json!({"type": "select", "options": ["甲", "乙"]})
        );
        assert_eq!(
            v["rules"],
            json!({"required": true, "unique": false, "min": "1.5"})
        );
        assert_eq!(serde_json::from_value::<FieldDef>(v).unwrap(), d);
        let minimal: FieldDef = serde_json::from_value(json!({
            "key": "k", "label_zh": "k", "label_en": "k", "kind": {"type": "long_text"}
        }))
        .unwrap();
        assert_eq!(minimal.kind.name(), "long_text");
        assert_eq!(minimal.rules, FieldRules::default());
        assert_eq!(FieldKind::DateTime.name(), "date_time");
        assert_eq!(
            serde_json::to_value(FieldKind::DateTime).unwrap(),
            json!({"type": "date_time"})
        );
    }

    #[test]
    fn definitions_are_checked() {
        let ok = |kind: &FieldKind, rules: FieldRules| rules.check_definition(kind);
        let text = FieldKind::Text;
        assert_eq!(ok(&text, FieldRules::default()), Ok(()));
        let pattern = |p: &str| FieldRules {
            pattern: Some(p.into()),
            ..FieldRules::default()
        };
        assert_eq!(ok(&text, pattern(r"\d{4}")), Ok(()));
        assert_eq!(ok(&text, pattern("(")), Err(Code::InvalidRule));
        assert_eq!(
            ok(&text, pattern(&"a".repeat(501))),
            Err(Code::TooLong { max: 500 })
        );
        // Small to write, huge to compile.
        assert_eq!(
            ok(&text, pattern(r"\w{1000}{1000}")),
            Err(Code::InvalidRule)
        );
        assert_eq!(
            ok(&FieldKind::Integer, pattern("a")),
            Err(Code::InvalidRule)
        );
        let lengths = |min, max| FieldRules {
            min_length: min,
            max_length: max,
            ..FieldRules::default()
        };
        assert_eq!(ok(&text, lengths(Some(2), Some(2))), Ok(()));
        assert_eq!(ok(&text, lengths(Some(3), Some(2))), Err(Code::InvalidRule));
        assert_eq!(ok(&text, lengths(None, Some(0))), Err(Code::InvalidRule));
        assert!(ok(&text, lengths(None, Some(1_000_000))).is_err());
        assert_eq!(
            ok(&FieldKind::Bool, lengths(Some(1), None)),
            Err(Code::InvalidRule)
        );
        let bounds = |min: &str, max: &str| FieldRules {
            min: Some(dec(min)),
            max: Some(dec(max)),
            ..FieldRules::default()
        };
        assert_eq!(ok(&FieldKind::Decimal, bounds("1", "1")), Ok(()));
        assert_eq!(ok(&FieldKind::Money, bounds("0", "1000")), Ok(()));
        assert_eq!(
            ok(&FieldKind::Integer, bounds("2", "1")),
            Err(Code::InvalidRule)
        );
        assert_eq!(ok(&text, bounds("1", "2")), Err(Code::InvalidRule));
        let select = |list: &[&str]| FieldKind::Select {
            options: opts(list),
        };
        let none = FieldRules::default();
        assert_eq!(ok(&select(&["a", "b"]), none.clone()), Ok(()));
        assert_eq!(ok(&select(&[]), none.clone()), Err(Code::Required));
        assert_eq!(ok(&select(&["a", ""]), none.clone()), Err(Code::Required));
        assert_eq!(ok(&select(&["a", "a"]), none.clone()), Err(Code::NotUnique));
        assert_eq!(ok(&select(&[" a"]), none.clone()), Err(Code::InvalidRule));
        let long = "长".repeat(101);
        assert_eq!(
            ok(&select(&[&long]), none.clone()),
            Err(Code::TooLong { max: 100 })
        );
        let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
        let many = FieldKind::MultiSelect { options: many };
        assert_eq!(ok(&many, none), Err(Code::InvalidRule));
    }
}
