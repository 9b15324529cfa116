//! An opportunity and the months of a forecast, read from a JSON body, a
//! form or a query.

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::opportunity::parse_probability;
use kehu_core::order::{parse_lines, LineInput};
use kehu_core::{schema, Code, Invalid};
use kehu_store::opportunities::ForecastBy;

use crate::error::Result;
use crate::extract::JsonObject;

/// What a body or a form says of an opportunity.
pub(crate) struct OpportunityInput {
    pub patch: Patch,
    pub probability: Option<i64>,
    pub lines: Option<Vec<LineInput>>,
    pub version: Option<i64>,
}

/// An opportunity's fields, its probability and its lines from a body;
/// every bad value of any of them is reported at once.
pub(crate) fn opportunity_input(mut body: JsonObject, mode: Mode) -> Result<OpportunityInput> {
    let mut invalid = Invalid::default();
    let version = body.take_version(&mut invalid);
    let probability = match body.take("probability") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => invalid.check("probability", parse_probability(&v)),
    };
    let lines = match body.take("lines") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) if v.as_array().is_some_and(Vec::is_empty) => Some(Vec::new()),
        Some(v) => match parse_lines(&v) {
            Ok(l) => Some(l),
            Err(e) => {
                invalid.0.extend(e);
                None
            }
        },
    };
    let patch = match parse_object(&body.0, schema::OPPORTUNITY, &[], mode) {
        Ok(p) => p,
        Err(e) => {
            invalid.0.extend(e.0);
            Patch::default()
        }
    };
    invalid.into_result()?;
    Ok(OpportunityInput {
        patch,
        probability,
        lines,
        version,
    })
}

/// The months of a forecast: `from`..=`to` (YYYY-MM), this month and the
/// next five by default.
pub(crate) fn forecast_range(from: Option<&str>, to: Option<&str>) -> Result<(String, String)> {
    let mut invalid = Invalid::default();
    let mut month = |field: &str, v: Option<&str>| -> Option<String> {
        let v = v.filter(|s| !s.is_empty())?;
        let ok = kehu_core::date::parse_date(&format!("{v}-01")).is_ok() && v.len() == 7;
        if !ok {
            invalid.push(field, Code::InvalidDate);
        }
        ok.then(|| v.to_owned())
    };
    let from = month("from", from);
    let to = month("to", to);
    invalid.into_result()?;
    let this = kehu_core::date::china_month(kehu_store::now_ms());
    let from = from.unwrap_or(this);
    let to = to.unwrap_or_else(|| add_months(&from, 5));
    Ok((from, to))
}

/// `YYYY-MM` plus `n` months.
fn add_months(month: &str, n: i32) -> String {
    let y: i32 = month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2000);
    let m: i32 = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let total = y * 12 + (m - 1) + n;
    format!("{:04}-{:02}", total / 12, total % 12 + 1)
}

pub(crate) fn forecast_by(by: Option<&str>) -> Result<ForecastBy> {
    Ok(match by.unwrap_or("owner") {
        "owner" => ForecastBy::Owner,
        "team" => ForecastBy::Team,
        "all" => ForecastBy::All,
        _ => return Err(Invalid::one("by", Code::InvalidChoice).into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_added_across_years() {
        assert_eq!(add_months("2026-11", 5), "2027-04");
        assert_eq!(add_months("2026-12", 1), "2027-01");
        assert_eq!(add_months("2026-01", 0), "2026-01");
    }
}
