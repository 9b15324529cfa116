//! A customer object, a bulk change and a duplicate probe, read from a
//! JSON body or a form.

use kehu_core::country::Country;
use kehu_core::entry::{country_in, parse_object_in, parse_value_in, Mode, Stored};
use kehu_core::{schema, Code, Invalid, UserId};
use kehu_store::bulk_change::{BulkChange, Selection};
use kehu_store::customers::CustomerInput;
use kehu_store::duplicates::DuplicateProbe;
use kehu_store::list::CustomerFilter;
use serde_json::{Map, Value};

use crate::error::{ApiError, Result};
use crate::extract::JsonObject;

/// Reads a customer object: the fields, `tags`, `custom` and, on update,
/// the `version` the client last saw. Values are read by the rules of the
/// object's `country`, else `home` (the record's on update, the instance's
/// default on create).
pub(crate) fn customer_input(
    mut body: JsonObject,
    mode: Mode,
    home: Country,
) -> Result<(CustomerInput, Option<i64>)> {
    let mut invalid = Invalid::default();
    let version = body.take_version(&mut invalid);
    let tags = match body.take("tags") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => invalid.check("tags", super::strings(items)),
        Some(_) => {
            invalid.push("tags", Code::WrongType);
            None
        }
    };
    let custom = match body.take("custom") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map),
        Some(_) => {
            invalid.push("custom", Code::WrongType);
            None
        }
    };
    match parse_object_in(&body.0, schema::CUSTOMER, &[], mode, home) {
        Ok(patch) if invalid.is_empty() => Ok((
            CustomerInput {
                patch,
                tags,
                custom,
            },
            version,
        )),
        Ok(_) => Err(invalid.into()),
        Err(mut more) => {
            more.0.extend(invalid.0);
            Err(more.into())
        }
    }
}

/// Reads a bulk request: which records (`ids` or a list `filter`) and what
/// to do to them (`action` and its one argument).
pub(crate) fn bulk_input(mut body: JsonObject) -> Result<(Selection, BulkChange)> {
    let mut invalid = Invalid::default();
    let ids = body.take_ids("ids", &mut invalid);
    let filter = body.take_string("filter", &mut invalid);
    let selection = match (ids, filter) {
        (Some(ids), None) => Some(Selection::Ids(ids)),
        (None, Some(query)) => match CustomerFilter::from_query(&query, "filter") {
            Ok(f) => Some(Selection::Filter(Box::new(f))),
            Err(e) => {
                invalid.0.extend(e.0);
                None
            }
        },
        (Some(_), Some(_)) => {
            invalid.push("filter", Code::ReadOnly);
            None
        }
        (None, None) => {
            if invalid.is_empty() {
                invalid.push("ids", Code::Required);
            }
            None
        }
    };
    let action = body.take_string("action", &mut invalid).unwrap_or_default();
    let mut text = |key: &str| body.take_string(key, &mut invalid).unwrap_or_default();
    let change = match action.as_str() {
        "owner" => match body.take("owner_id") {
            None => {
                invalid.push("owner_id", Code::Required);
                None
            }
            Some(Value::Null) => Some(BulkChange::Owner(None)),
            Some(v) => invalid
                .check("owner_id", v.as_i64().ok_or(Code::WrongType))
                .map(|id| BulkChange::Owner(Some(UserId(id)))),
        },
        "add_tag" => Some(BulkChange::AddTag(text("tag"))),
        "remove_tag" => Some(BulkChange::RemoveTag(text("tag"))),
        "stage" => Some(BulkChange::Stage(text("stage"))),
        "" => {
            invalid.push("action", Code::Required);
            None
        }
        _ => {
            invalid.push("action", Code::InvalidChoice);
            None
        }
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    match (selection, change) {
        (Some(s), Some(c)) => Ok((s, c)),
        _ => Err(ApiError::Internal(
            "bulk input checked but incomplete".into(),
        )),
    }
}

/// The valid values among those duplicates are looked for by, normalised
/// as they would be stored (by the rules of the body's country, else
/// `home`). An invalid one is left out, not an error.
pub(crate) fn probe_of(body: &Map<String, Value>, home: Country) -> DuplicateProbe {
    let country = country_in(body, home);
    let field = |name: &str| {
        let spec = schema::CUSTOMER.iter().find(|s| s.name == name)?;
        match parse_value_in(spec.kind, body.get(name)?, country) {
            Ok(Some(Stored::Text(value))) => Some(value),
            _ => None,
        }
    };
    DuplicateProbe {
        mobile: field("mobile"),
        email: field("email"),
        uscc: field("uscc"),
        name: field("name"),
        company: field("company"),
    }
}
