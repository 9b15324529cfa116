//! The limits on whole-value lookups, read from a JSON body or a form.

use kehu_core::{Code, Invalid};
use kehu_store::lookups::LookupLimits;

use crate::error::Result;
use crate::extract::JsonObject;

/// Applies the members of `body` to `limits`; a member left out keeps its
/// value.
pub(crate) fn limits_input(mut body: JsonObject, mut limits: LookupLimits) -> Result<LookupLimits> {
    let mut invalid = Invalid::default();
    for (key, slot) in [
        ("per_minute", &mut limits.per_minute),
        ("per_day", &mut limits.per_day),
        ("burst_per_hour", &mut limits.burst_per_hour),
    ] {
        if let Some(v) = body.take(key) {
            if let Some(n) = invalid.check(key, v.as_i64().ok_or(Code::WrongType)) {
                *slot = n;
            }
        }
    }
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    limits.check()?;
    Ok(limits)
}
