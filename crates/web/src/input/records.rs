//! A record object (contact, follow-up, task, product, user), read from a
//! JSON body or a form.

use kehu_core::country::Country;
use kehu_core::entry::{parse_object_in, Mode, Patch, Spec};
use kehu_core::Invalid;

use crate::error::Result;
use crate::extract::JsonObject;

/// Parses a record object and the optional `version` it was read at.
pub(crate) fn record_input(
    body: JsonObject,
    specs: &[Spec],
    mode: Mode,
) -> Result<(Patch, Option<i64>)> {
    record_input_in(body, specs, mode, Country::CN)
}

/// [`record_input`] for a record with a country, read by its rules (`home`
/// unless the object names one).
pub(crate) fn record_input_in(
    mut body: JsonObject,
    specs: &[Spec],
    mode: Mode,
    home: Country,
) -> Result<(Patch, Option<i64>)> {
    let mut invalid = Invalid::default();
    let version = body.take_version(&mut invalid);
    invalid.into_result()?;
    Ok((parse_object_in(&body.0, specs, &[], mode, home)?, version))
}
