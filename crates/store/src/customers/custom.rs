//! Custom fields on customers: the stored JSON values, reading one in
//! SQL, applying a patch to them, their history changes, and the check of
//! fields marked unique.

use kehu_core::field::FieldDef;
use kehu_core::{Code, Invalid};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::db::{q, Backend, Tx};
use crate::vault::values::{blind_match, text_of};
use crate::write::Change;
use crate::{Error, Result};

/// The text of a custom field inside the `custom` JSON column.
pub(crate) fn custom_expr(backend: Backend, alias: &str, key: &str) -> String {
    // Keys are checked by FieldKey::parse ([a-z][a-z0-9_]*), so they are
    // safe to place in SQL.
    match backend {
        Backend::Sqlite => format!("CAST(json_extract({alias}.custom, '$.{key}') AS TEXT)"),
        Backend::Postgres => format!("(({alias}.custom)::jsonb ->> '{key}')"),
    }
}

/// A record's custom-field values, stored as a JSON object in a TEXT column
/// on both backends.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct CustomValues(pub Map<String, Value>);

impl TryFrom<String> for CustomValues {
    type Error = serde_json::Error;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&s).map(CustomValues)
    }
}

/// Applies a custom-field patch to the stored values: keys present are set
/// (null clears), keys absent stay.
pub(super) fn merge_custom(
    defs: &[FieldDef],
    current: &Map<String, Value>,
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, Invalid> {
    let mut merged = current.clone();
    let mut invalid = Invalid::default();
    for (key, value) in values {
        let field = format!("custom.{key}");
        match defs.iter().find(|d| d.key.as_str() == key) {
            None => invalid.push(field, Code::UnknownField),
            Some(def) => match def.validate(value) {
                Ok(Value::Null) => {
                    merged.remove(key);
                }
                Ok(v) => {
                    merged.insert(key.clone(), v);
                }
                Err(code) => invalid.push(field, code),
            },
        }
    }
    invalid.into_result().map(|()| merged)
}

pub(super) fn custom_changes(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<Change> {
    let text = |v: Option<&Value>| {
        v.map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| Change {
            field: format!("custom.{k}"),
            old: text(old.get(k)),
            new: text(new.get(k)),
        })
        .collect()
}

/// The database cannot index inside JSON portably, so custom fields marked
/// unique are checked here, inside the writing transaction.
pub(crate) async fn check_unique_custom(
    tx: &mut Tx,
    defs: &[FieldDef],
    custom: &Map<String, Value>,
    except: Option<i64>,
) -> Result<()> {
    let mut invalid = Invalid::default();
    for def in defs.iter().filter(|d| d.rules.unique) {
        let Some(value) = custom.get(def.key.as_str()) else {
            continue;
        };
        let Some(text) = text_of(value) else {
            continue;
        };
        // A sensitive value is sealed with a fresh nonce each time: equal
        // values are found by their blind index, never by decrypting.
        let select = "SELECT c.id FROM customers c WHERE c.deleted_at IS NULL AND c.id <> $1 AND";
        let query = if def.sensitive {
            let blind = blind_match(&tx.vault, "c", def.key.as_str(), &text)?;
            q(format!("{select} {blind} LIMIT 1")).bind(except.unwrap_or(0))
        } else {
            let expr = custom_expr(tx.backend(), "c", def.key.as_str());
            q(format!("{select} {expr} = $2 LIMIT 1"))
                .bind(except.unwrap_or(0))
                .bind(text)
        };
        let found: Option<(i64,)> = tx.optional(query).await?;
        if found.is_some() {
            invalid.push(format!("custom.{}", def.key.as_str()), Code::NotUnique);
        }
    }
    invalid.into_result().map_err(Error::from)
}
