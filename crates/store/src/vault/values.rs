//! Sensitive custom-field values on their way in and out of the database:
//! sealed inside `customers.custom` (the JSON text of the value, so a
//! number comes back a number), indexed by their blind index, sealed in
//! history, opened for readers entitled to them and never opened for the
//! others.

use kehu_core::field::FieldDef;
use serde_json::{Map, Value};

use super::Vault;
use crate::db::{q, Tx};
use crate::write::Change;
use crate::{Error, Result};

/// What a masked reader sees instead of a sensitive value.
pub const HIDDEN: &str = "******";

/// The additional data a field's sealed value is bound to.
pub(crate) fn custom_aad(key: &str) -> String {
    format!("customer.custom.{key}")
}

/// History values are text, not JSON: bound to their own place.
fn history_aad(field: &str) -> String {
    format!("history.customer.{field}")
}

/// A custom value as text, the form unique rules, filters and blind
/// indexes compare.
pub(crate) fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

pub(crate) fn sensitive<'a>(defs: &'a [FieldDef], key: &str) -> Option<&'a FieldDef> {
    defs.iter().find(|d| d.sensitive && d.key.as_str() == key)
}

fn sealed_str(v: &Value) -> Option<&str> {
    v.as_str().filter(|s| kehu_core::crypto::is_sealed(s))
}

/// Seals, in place, the values of sensitive fields that are clear text,
/// reseals values sealed under an older key (whatever their field: a
/// value of a deleted definition must not keep an old key alive), and
/// opens those of fields no longer sensitive.
/// Returns whether anything changed.
pub(crate) fn seal_custom(
    vault: &Vault,
    defs: &[FieldDef],
    custom: &mut Map<String, Value>,
) -> Result<bool> {
    let mut changed = false;
    for (key, value) in custom.iter_mut() {
        let aad = custom_aad(key);
        let def = defs.iter().find(|d| d.key.as_str() == key);
        if let (Some(s), Some(false)) = (sealed_str(value), def.map(|d| d.sensitive)) {
            // An administrator no longer counts the field as sensitive: its
            // values go back to clear text, where filters and rules see them.
            *value = serde_json::from_str(&vault.open(&aad, s)?)
                .map_err(|e| Error::internal(format!("custom.{key}: {e}")))?;
            changed = true;
        } else if let Some(s) = sealed_str(value) {
            if let Some(new) = vault.reseal(&aad, s)? {
                *value = Value::String(new);
                changed = true;
            }
        } else if sensitive(defs, key).is_some() && !value.is_null() {
            let plain = serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))?;
            *value = Value::String(vault.seal(&aad, &plain)?);
            changed = true;
        }
    }
    Ok(changed)
}

/// Opens, in place, every sealed value.
pub(crate) fn open_custom(vault: &Vault, custom: &mut Map<String, Value>) -> Result<()> {
    for (key, value) in custom.iter_mut() {
        if let Some(s) = sealed_str(value) {
            let plain = vault.open(&custom_aad(key), s)?;
            *value = serde_json::from_str(&plain)
                .map_err(|e| Error::internal(format!("custom.{key}: {e}")))?;
        }
    }
    Ok(())
}

/// Replaces sealed values with [`HIDDEN`] without opening them: for
/// readers who would see them masked anyway.
pub(crate) fn hide_custom(custom: &mut Map<String, Value>) {
    for value in custom.values_mut() {
        if sealed_str(value).is_some() {
            *value = Value::String(HIDDEN.to_owned());
        }
    }
}

/// Rewrites a customer's blind indexes from its clear values: one per
/// sensitive field that has a value, under the current key.
pub(crate) async fn index_custom(
    tx: &mut Tx,
    id: i64,
    defs: &[FieldDef],
    plain: &Map<String, Value>,
) -> Result<()> {
    tx.execute(q("DELETE FROM customer_blind_index WHERE customer_id = $1").bind(id))
        .await?;
    for def in defs.iter().filter(|d| d.sensitive) {
        let Some(text) = plain.get(def.key.as_str()).and_then(text_of) else {
            continue;
        };
        let (key_id, hash) = tx.vault.blind_index(def.key.as_str(), &text)?;
        tx.execute(
            q("INSERT INTO customer_blind_index (customer_id, field, key_id, hash) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(def.key.as_str())
                .bind(key_id)
                .bind(hash),
        )
        .await?;
    }
    Ok(())
}

/// The SQL condition "customer `alias` has `value` in sensitive field
/// `key`", by blind index under every key the vault holds (a rotation may
/// be half-way). Hashes are hex and keys checked names: safe to format in.
pub(crate) fn blind_match(vault: &Vault, alias: &str, key: &str, value: &str) -> Result<String> {
    let hashes: Vec<String> = vault
        .lookup_indexes(key, value)?
        .into_iter()
        .map(|h| format!("'{h}'"))
        .collect();
    Ok(format!(
        "EXISTS (SELECT 1 FROM customer_blind_index bi WHERE bi.customer_id = {alias}.id \
         AND bi.field = '{key}' AND bi.hash IN ({}))",
        hashes.join(", ")
    ))
}

/// Seals the old and new values of changes to sensitive fields, for
/// history: it must not keep in clear what the record no longer does.
pub(crate) fn seal_changes(
    vault: &Vault,
    defs: &[FieldDef],
    changes: &[Change],
) -> Result<Vec<Change>> {
    changes
        .iter()
        .map(|c| {
            let sensitive = c
                .field
                .strip_prefix("custom.")
                .is_some_and(|k| sensitive(defs, k).is_some());
            if !sensitive {
                return Ok(c.clone());
            }
            let aad = history_aad(&c.field);
            let seal = |v: &Option<String>| -> Result<Option<String>> {
                v.as_deref().map(|v| vault.seal(&aad, v)).transpose()
            };
            Ok(Change {
                field: c.field.clone(),
                old: seal(&c.old)?,
                new: seal(&c.new)?,
            })
        })
        .collect()
}

/// A history value as stored, opened when `open`, else hidden if sealed.
pub(crate) fn history_value(
    vault: &Vault,
    field: &str,
    stored: &mut Option<String>,
    open: bool,
) -> Result<()> {
    if let Some(v) = stored.as_mut() {
        if kehu_core::crypto::is_sealed(v) {
            *v = if open {
                vault.open(&history_aad(field), v)?
            } else {
                HIDDEN.to_owned()
            };
        }
    }
    Ok(())
}

/// Reseals one stored history value under the current key (clear text of
/// a sensitive field, or sealed under an older key).
pub(crate) fn reseal_history(vault: &Vault, field: &str, stored: &str) -> Result<Option<String>> {
    vault.reseal(&history_aad(field), stored)
}

/// Seals, in place, the values of sensitive fields in (field, value)
/// pairs (a merge keeps the survivor's previous values so), and reseals
/// those sealed under an older key. Returns whether anything changed.
pub(crate) fn seal_pairs(
    vault: &Vault,
    defs: &[FieldDef],
    pairs: &mut [(String, Option<String>)],
) -> Result<bool> {
    let mut changed = false;
    for (field, value) in pairs.iter_mut() {
        let Some(v) = value.as_deref() else { continue };
        let sensitive = field
            .strip_prefix("custom.")
            .is_some_and(|k| sensitive(defs, k).is_some());
        if sensitive || kehu_core::crypto::is_sealed(v) {
            if let Some(new) = reseal_history(vault, field, v)? {
                *value = Some(new);
                changed = true;
            }
        }
    }
    Ok(changed)
}
