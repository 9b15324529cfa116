//! Reading a list request from query parameters or a saved query string,
//! walking a selection page by page, and the cursor that marks a page's end.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Datelike;
use kehu_core::country::Country;
use kehu_core::field::FieldKey;
use kehu_core::{date, person, Code, Invalid};

use super::types::After;
use super::{CustomerFilter, OwnerFilter, SortBy};
use super::{DEFAULT_LIMIT, MAX_CUSTOM_FILTERS, MAX_LIMIT, MAX_WORDS};
use crate::Result;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The list's parameters, besides `custom.<key>`.
const PARAMS: &[&str] = &[
    "q",
    "owner_id",
    "team_id",
    "tag",
    "kind",
    "stage",
    "source",
    "province",
    "city",
    "country",
    "gender",
    "age_min",
    "age_max",
    "birth_month",
    "value_tier",
    "created_from",
    "created_to",
    "updated_from",
    "updated_to",
    "sort",
    "limit",
    "cursor",
];

impl CustomerFilter {
    /// Reads a list request from query parameters. Unknown parameters and
    /// bad values are reported per parameter, like any other input.
    pub fn from_params(params: &[(String, String)]) -> Result<CustomerFilter, Invalid> {
        let mut f = CustomerFilter {
            limit: DEFAULT_LIMIT,
            descending: true,
            ..Default::default()
        };
        let mut invalid = Invalid::default();
        let mut cursor = None;
        let mut province = None;
        for (key, value) in params {
            let value = value.trim();
            // PostgreSQL refuses NUL and nothing legitimate contains control
            // characters: refuse them here for both backends alike.
            if value.chars().any(char::is_control) {
                invalid.push(key.as_str(), Code::ControlCharacter);
                continue;
            }
            // Forms send every field, blank ones too: blank means "any".
            let known = PARAMS.contains(&key.as_str())
                || key
                    .strip_prefix("custom.")
                    .is_some_and(|k| FieldKey::parse(k).is_ok());
            if value.is_empty() && known {
                continue;
            }
            let text = || Some(value.to_owned()).filter(|v| !v.is_empty());
            match key.as_str() {
                "q" => f.q = text(),
                "owner_id" => {
                    f.owner = match value {
                        "" => None,
                        "none" | "pool" => Some(OwnerFilter::Pool),
                        v => match v.parse() {
                            Ok(id) => Some(OwnerFilter::User(id)),
                            Err(_) => {
                                invalid.push(key.as_str(), Code::WrongType);
                                None
                            }
                        },
                    }
                }
                "team_id" => {
                    f.team_id = invalid.check(key, value.parse().map_err(|_| Code::WrongType))
                }
                "tag" => f.tag = text(),
                "kind" => f.kind = text(),
                "stage" => f.stage = text(),
                "source" => f.source = text(),
                // Read once the country is known (below).
                "province" => province = text(),
                "country" => {
                    f.country =
                        invalid.check(key, Country::parse(value).map(|c| c.code().to_owned()))
                }
                "gender" => f.gender = invalid.check(key, person::gender(value).map(str::to_owned)),
                "age_min" | "age_max" => {
                    let Some(age) = invalid.check(key, age_of(value)) else {
                        continue;
                    };
                    let today = date::china_today();
                    if key == "age_min" {
                        // At least `age`: born on or before today `age` years ago.
                        f.born_by = Some(years_before(today, age).format("%Y-%m-%d").to_string());
                    } else {
                        // At most `age`: born after today `age + 1` years ago.
                        f.born_after =
                            Some(years_before(today, age + 1).format("%Y-%m-%d").to_string());
                    }
                }
                "birth_month" => {
                    let month = match value {
                        "this" | "本月" => Some(date::china_today().month()),
                        v => v.parse::<u32>().ok().filter(|m| (1..=12).contains(m)),
                    };
                    f.birth_month = invalid.check(
                        key,
                        month.map(|m| format!("{m:02}")).ok_or(Code::InvalidChoice),
                    );
                }
                "city" => f.city = text(),
                "value_tier" => f.value_tier = text(),
                "created_from" | "updated_from" | "created_to" | "updated_to" => {
                    let Some(day) = invalid.check(key, date::parse_date(value)) else {
                        continue;
                    };
                    let start = day
                        .and_hms_opt(0, 0, 0)
                        .map(|t| t.and_utc().timestamp_millis());
                    // Dates are China days: 00:00 is 16:00 UTC the day before.
                    let start = start.unwrap_or_default() - 8 * 3600 * 1000;
                    match key.as_str() {
                        "created_from" => f.created_from = Some(start),
                        "updated_from" => f.updated_from = Some(start),
                        "created_to" => f.created_to = Some(start + DAY_MS),
                        _ => f.updated_to = Some(start + DAY_MS),
                    }
                }
                "sort" => {
                    let (desc, name) = match value.strip_prefix('-') {
                        Some(n) => (true, n),
                        None => (false, value),
                    };
                    f.descending = desc;
                    f.sort = match name {
                        "updated_at" => SortBy::Updated,
                        "created_at" => SortBy::Created,
                        "name" => SortBy::Name,
                        _ => {
                            invalid.push("sort", Code::InvalidChoice);
                            SortBy::Updated
                        }
                    };
                }
                "limit" => match value.parse::<u64>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => f.limit = n,
                    Ok(0) => invalid.push("limit", Code::BelowMin { min: "1".into() }),
                    Ok(_) => invalid.push(
                        "limit",
                        Code::AboveMax {
                            max: MAX_LIMIT.to_string(),
                        },
                    ),
                    Err(_) => invalid.push("limit", Code::WrongType),
                },
                "cursor" => cursor = text(),
                other => match other.strip_prefix("custom.").map(FieldKey::parse) {
                    Some(Ok(k)) => f.custom.push((k.as_str().to_owned(), value.to_owned())),
                    _ => invalid.push(other, Code::UnknownField),
                },
            }
        }
        if let Some(region) = province {
            // A region of the filtered country, else a Chinese province,
            // else as written (a region kept as free text).
            let country = f.country.as_deref().and_then(Country::from_code);
            let stored = match country {
                Some(country) => {
                    invalid.check("province", kehu_core::country::region(country, &region))
                }
                None => Some(
                    kehu_core::region::Province::parse(&region)
                        .map_or(region, |p| p.name().to_owned()),
                ),
            };
            f.province = stored;
        }
        if f.custom.len() > MAX_CUSTOM_FILTERS {
            invalid.push(
                "custom",
                Code::TooManyValues {
                    max: MAX_CUSTOM_FILTERS,
                },
            );
        }
        if f.q
            .as_deref()
            .is_some_and(|q| q.split_whitespace().count() > MAX_WORDS)
        {
            invalid.push("q", Code::TooManyValues { max: MAX_WORDS });
        }
        if let Some(c) = cursor {
            f.after = decode_cursor(&c, f.sort);
            if f.after.is_none() {
                invalid.push("cursor", Code::WrongType);
            }
        }
        invalid.into_result().map(|()| f)
    }
}

impl CustomerFilter {
    /// Reads a list's URL query string as a saved view keeps it or a bulk
    /// change sends it: filters and sort, but never a page position or
    /// size. Errors are named `{field}.{parameter}`.
    pub fn from_query(query: &str, field: &str) -> Result<CustomerFilter, Invalid> {
        let mut invalid = Invalid::default();
        let mut params = Vec::new();
        for (key, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            if key == "cursor" || key == "limit" {
                invalid.push(format!("{field}.{key}"), Code::UnknownField);
            } else {
                params.push((key.into_owned(), value.into_owned()));
            }
        }
        if let Err(more) = CustomerFilter::from_params(&params) {
            for e in more.0 {
                invalid.push(format!("{field}.{}", e.field), e.code);
            }
        }
        invalid
            .into_result()
            .and_then(|()| CustomerFilter::from_params(&params))
    }

    /// The same selection in creation order, `chunk` rows a page: creation
    /// times never change, so a walk that changes the rows it passes still
    /// sees each exactly once.
    pub fn walk(&self, chunk: u64) -> CustomerFilter {
        CustomerFilter {
            sort: SortBy::Created,
            descending: false,
            limit: chunk,
            after: None,
            ..self.clone()
        }
    }

    /// Moves a walk on to the page after `cursor` (a page's `next_cursor`).
    pub fn resume(&mut self, cursor: &str) -> Result<()> {
        self.after = decode_cursor(cursor, self.sort);
        match self.after {
            Some(_) => Ok(()),
            None => Err(crate::Error::internal("a walk's own cursor did not decode")),
        }
    }
}

/// An age asked for: whole years up to 150.
fn age_of(value: &str) -> std::result::Result<i32, Code> {
    match value.parse::<i32>() {
        Ok(age) if (0..=150).contains(&age) => Ok(age),
        Ok(age) if age < 0 => Err(Code::BelowMin { min: "0".into() }),
        Ok(_) => Err(Code::AboveMax { max: "150".into() }),
        Err(_) => Err(Code::WrongType),
    }
}

/// The same day `years` years earlier (28 February for 29 February).
fn years_before(day: chrono::NaiveDate, years: i32) -> chrono::NaiveDate {
    let year = day.year() - years;
    chrono::NaiveDate::from_ymd_opt(year, day.month(), day.day())
        .or_else(|| chrono::NaiveDate::from_ymd_opt(year, day.month(), 28))
        .unwrap_or(day)
}

pub(super) fn decode_cursor(cursor: &str, sort: SortBy) -> Option<After> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let after: After = serde_json::from_slice(&bytes).ok()?;
    if let After::Text(text, _) = &after {
        if text.chars().any(char::is_control) {
            return None;
        }
    }
    let fits = matches!(
        (&after, sort),
        (After::Text(..), SortBy::Name) | (After::Int(..), SortBy::Updated | SortBy::Created)
    );
    fits.then_some(after)
}

pub(super) fn encode_cursor(after: &After) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(after).unwrap_or_default())
}
