//! A custom field's definition, read from a JSON body or a form.

use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::{Code, Invalid};
use kehu_store::fields::FieldDefinition;
use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::extract::JsonObject;

/// Reads a field definition; on update, missing members keep `current`.
pub(crate) fn field_input(
    mut body: JsonObject,
    current: Option<&FieldDefinition>,
) -> Result<(FieldDef, i64)> {
    let mut invalid = Invalid::default();
    let key = match (body.take_string("key", &mut invalid), current) {
        (Some(k), _) => invalid.check("key", FieldKey::parse(&k)),
        (None, Some(c)) => FieldKey::parse(&c.key).ok(),
        (None, None) => {
            invalid.push("key", Code::Required);
            None
        }
    };
    let label_zh = body
        .take_string("label_zh", &mut invalid)
        .or_else(|| current.map(|c| c.label_zh.clone()))
        .unwrap_or_default();
    let label_en = body
        .take_string("label_en", &mut invalid)
        .or_else(|| current.map(|c| c.label_en.clone()))
        .unwrap_or_default();
    let kind = match body.take("kind") {
        Some(v) => invalid.check(
            "kind",
            serde_json::from_value::<FieldKind>(v).map_err(|_| Code::InvalidChoice),
        ),
        None => match current {
            Some(c) => Some(c.kind.clone()),
            None => {
                invalid.push("kind", Code::Required);
                None
            }
        },
    };
    let rules = match body.take("rules") {
        Some(Value::Null) => Some(FieldRules::default()),
        Some(v @ Value::Object(_)) => invalid.check(
            "rules",
            serde_json::from_value::<FieldRules>(v).map_err(|_| Code::InvalidRule),
        ),
        Some(_) => {
            invalid.push("rules", Code::WrongType);
            None
        }
        None => Some(current.map(|c| c.rules.clone()).unwrap_or_default()),
    };
    let sensitive = match body.take("sensitive") {
        Some(Value::Bool(b)) => b,
        None => current.is_some_and(|c| c.sensitive),
        Some(_) => {
            invalid.push("sensitive", Code::WrongType);
            false
        }
    };
    let position = match body.take("position") {
        None => current.map_or(0, |c| c.position),
        Some(v) => invalid
            .check("position", v.as_i64().ok_or(Code::WrongType))
            .unwrap_or(0),
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let (Some(key), Some(kind), Some(rules)) = (key, kind, rules) else {
        return Err(ApiError::Invalid(Invalid::one("kind", Code::Required)));
    };
    Ok((
        FieldDef {
            key,
            label_zh,
            label_en,
            kind,
            rules,
            sensitive,
        },
        position,
    ))
}
