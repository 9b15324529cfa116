//! A webhook endpoint, read from a JSON body or a form.

use kehu_core::entry::{parse_value, Kind};
use kehu_core::webhook::{parse_events, EndpointUrl};
use kehu_core::{Code, Invalid};
use kehu_store::webhooks::EndpointInput;
use serde_json::Value;

use crate::error::Result;
use crate::extract::JsonObject;

/// Reads an endpoint object: `url`, `events`, `active`, `description` and,
/// on change, the `version` the client last saw. Absent members stay as
/// they are.
pub(crate) fn endpoint_input(mut body: JsonObject) -> Result<(EndpointInput, Option<i64>)> {
    let mut invalid = Invalid::default();
    let version = body.take_version(&mut invalid);
    let url = match body.take("url") {
        None => None,
        Some(Value::String(s)) => invalid.check("url", EndpointUrl::parse(&s)),
        Some(Value::Null) => {
            invalid.push("url", Code::Required);
            None
        }
        Some(_) => {
            invalid.push("url", Code::WrongType);
            None
        }
    };
    let events = match body.take("events") {
        None => None,
        Some(Value::Array(items)) => super::strings(items)
            .and_then(|names| parse_events(names.iter().map(String::as_str)))
            .map_err(|code| invalid.push("events", code))
            .ok(),
        Some(_) => {
            invalid.push("events", Code::WrongType);
            None
        }
    };
    let active = match body.take("active") {
        None => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => {
            invalid.push("active", Code::WrongType);
            None
        }
    };
    let description = body.take("description").and_then(|v| {
        invalid
            .check("description", parse_value(Kind::Text(500), &v))
            .map(|text| text.and_then(|t| t.as_text().map(str::to_owned)))
    });
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok((
        EndpointInput {
            url,
            events,
            active,
            description,
        },
        version,
    ))
}
