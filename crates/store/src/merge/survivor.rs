//! Which values a merged record keeps: records ranked (the most recently
//! verified, then the most complete, then the newest), per field the
//! record whose value is kept unless a person chose, the address kept whole
//! with the country, and the change that gives the survivor those values.

use std::collections::{BTreeMap, BTreeSet};

use kehu_core::entry::Stored;
use kehu_core::{schema, CustomerId};
use serde_json::{Map, Value};

use super::FieldChoice;
use crate::customers::{Customer, CustomerInput};

/// A record's value of `field` (built-in or `custom.KEY`) as history
/// writes it; `None` when empty.
pub(super) fn value_of(c: &Customer, field: &str) -> Option<String> {
    match field.strip_prefix("custom.") {
        Some(key) => c
            .custom
            .0
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
        None => c.field(field).map(|s| s.to_history()),
    }
    .filter(|v| !v.is_empty())
}

/// The fields a merge chooses between: every built-in field and every
/// custom field any of the records has.
pub(super) fn merge_fields(records: &[Customer]) -> Vec<String> {
    let mut fields: Vec<String> = schema::CUSTOMER.iter().map(|s| s.name.to_owned()).collect();
    let custom: BTreeSet<&String> = records.iter().flat_map(|c| c.custom.0.keys()).collect();
    fields.extend(custom.into_iter().map(|k| format!("custom.{k}")));
    fields
}

/// Records in the order their values are preferred: the most recently
/// verified first, then the most complete, then the newest.
pub fn rank(records: &[Customer]) -> Vec<usize> {
    let fields = merge_fields(records);
    let filled: Vec<usize> = records
        .iter()
        .map(|c| fields.iter().filter(|f| value_of(c, f).is_some()).count())
        .collect();
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&records[a], &records[b]);
        rb.verified_at
            .cmp(&ra.verified_at)
            .then(filled[b].cmp(&filled[a]))
            .then(rb.updated_at.cmp(&ra.updated_at))
            .then(rb.id.cmp(&ra.id))
    });
    order
}

/// The record whose value of `field` is kept by default: the first in
/// `order` that has one (the survivor's when none has).
pub fn default_choice(records: &[Customer], order: &[usize], field: &str) -> usize {
    first_having(order, |i| value_of(&records[i], field).is_some())
}

/// The first record in `order` for which `has` holds, else the first.
pub(crate) fn first_having(order: &[usize], has: impl Fn(usize) -> bool) -> usize {
    order.iter().copied().find(|&i| has(i)).unwrap_or(order[0])
}

/// Per field, the records' values where they differ (a field no record
/// has, or all have alike, offers no choice) and the record whose value is
/// kept by default: the first in `order` that has one.
pub(crate) fn field_choices<T>(
    records: &[T],
    order: &[usize],
    fields: impl IntoIterator<Item = String>,
    id: impl Fn(&T) -> i64,
    value: impl Fn(&T, &str) -> Option<String>,
) -> Vec<FieldChoice> {
    let mut out = Vec::new();
    for field in fields {
        let values: Vec<(i64, String)> = records
            .iter()
            .filter_map(|r| value(r, &field).map(|v| (id(r), v)))
            .collect();
        let distinct: BTreeSet<&String> = values.iter().map(|(_, v)| v).collect();
        if values.is_empty() || (distinct.len() == 1 && values.len() == records.len()) {
            continue;
        }
        let chosen = id(&records[first_having(order, |i| value(&records[i], &field).is_some())]);
        out.push(FieldChoice {
            field,
            values,
            chosen,
        });
    }
    out
}

/// The fields of an address, which follow the record's country.
const ADDRESS_FIELDS: &[&str] = &["province", "city", "district", "address", "postal_code"];

/// The change that gives the survivor (`records[0]`) the kept value of
/// every field, and every record's tags.
pub(super) fn survivor_input(
    records: &[Customer],
    order: &[usize],
    choose: &BTreeMap<String, CustomerId>,
) -> CustomerInput {
    let survivor = &records[0];
    let mut input = CustomerInput::default();
    let mut custom = Map::new();
    let chosen = |field: &str| {
        choose
            .get(field)
            .map(|id| records.iter().position(|c| c.id == id.get()).unwrap_or(0))
    };
    // Records in different countries: the address comes whole from the
    // record the country comes from (unless a field was chosen), so that
    // its region and postal code suit the country kept.
    let countries_differ = records.iter().any(|c| c.country != survivor.country);
    let country_from =
        chosen("country").unwrap_or_else(|| default_choice(records, order, "country"));
    for field in merge_fields(records) {
        let from = match chosen(&field) {
            Some(from) => from,
            None if countries_differ && ADDRESS_FIELDS.contains(&field.as_str()) => country_from,
            None => default_choice(records, order, &field),
        };
        let source = &records[from];
        if from == 0 {
            continue;
        }
        match field.strip_prefix("custom.") {
            Some(key) => {
                let value = source.custom.0.get(key).cloned().unwrap_or(Value::Null);
                if survivor.custom.0.get(key) != Some(&value) {
                    custom.insert(key.to_owned(), value);
                }
            }
            None => {
                let value: Option<Stored> = source.field(&field);
                if survivor.field(&field) != value {
                    if let Some(spec) = schema::CUSTOMER.iter().find(|s| s.name == field) {
                        input.patch.set.push((spec.name, value));
                    }
                }
            }
        }
    }
    if !custom.is_empty() {
        input.custom = Some(custom);
    }
    let tags: BTreeSet<&String> = records.iter().flat_map(|c| c.tags.iter()).collect();
    if tags.len() != survivor.tags.len() {
        input.tags = Some(tags.into_iter().cloned().collect());
    }
    input
}
