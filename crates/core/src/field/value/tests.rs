//! Tests of checking custom field values against their definitions.

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
