//! Customer lists: search, filters, sorting and cursor pages. No page
//! counts the whole table; the next page is found from the last row of this
//! one, so page 1,000 costs what page 1 does.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Datelike;
use kehu_core::country::Country;
use kehu_core::field::FieldKey;
use kehu_core::{date, person, Actor, Code, Invalid, Role};
use sea_query::{Alias, Expr, Order, Query, SimpleExpr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::customers::{columns, custom_expr, visible, Customer};
use crate::db::{Backend, Q};
use crate::lookups::WholeValue;
use crate::search::ranges;
use crate::{Result, Store};

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;
/// Each search word and custom-field filter is one more condition.
pub const MAX_WORDS: usize = 8;
pub const MAX_CUSTOM_FILTERS: usize = 10;
/// From this many matching keys on, a search word is "common": walking the
/// list's ordered index and checking each row against the collected ids
/// finds a page sooner than looking every match up and sorting them
/// (measured at a million customers: bench/RESULTS.md).
const COMMON_MATCHES: i64 = 3_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Updated,
    Created,
    Name,
}

impl SortBy {
    fn column(self) -> &'static str {
        match self {
            SortBy::Updated => "updated_at",
            SortBy::Created => "created_at",
            SortBy::Name => "sort_key",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerFilter {
    User(i64),
    /// Records nobody owns: the shared pool.
    Pool,
}

/// Where the previous page ended: the sort value and id of its last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum After {
    Int(i64, i64),
    Text(String, i64),
}

/// A parsed list request.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub q: Option<String>,
    pub owner: Option<OwnerFilter>,
    pub team_id: Option<i64>,
    pub tag: Option<String>,
    pub kind: Option<String>,
    pub stage: Option<String>,
    pub source: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// `female`, `male` or `unknown`.
    pub gender: Option<String>,
    /// Born on or before this day (`YYYY-MM-DD`): at least some age.
    pub born_by: Option<String>,
    /// Born after this day: at most some age.
    pub born_after: Option<String>,
    /// A birthday in this month (`01`–`12`).
    pub birth_month: Option<String>,
    pub value_tier: Option<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub updated_from: Option<i64>,
    pub updated_to: Option<i64>,
    pub custom: Vec<(String, String)>,
    pub sort: SortBy,
    pub descending: bool,
    pub limit: u64,
    after: Option<After>,
}

/// One page of customers and the cursor for the next, if any.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

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

fn decode_cursor(cursor: &str, sort: SortBy) -> Option<After> {
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

fn encode_cursor(after: &After) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(after).unwrap_or_default())
}

fn c(col: &str) -> Expr {
    Expr::col((Alias::new("c"), Alias::new(col)))
}

impl Store {
    pub async fn list_customers(
        &self,
        actor: &Actor,
        f: &CustomerFilter,
    ) -> Result<Page<Customer>> {
        // A word that matches many customers is best checked row by row
        // while walking the list's ordered index; a rare one is best looked
        // up first. Counting (up to a cap) tells which is which.
        let mut common = Vec::new();
        for (low, high) in f.q.as_deref().and_then(ranges).unwrap_or_default() {
            let (n,): (i64,) = self
                .db
                .one(
                    crate::db::q(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM customer_search \
                         WHERE term >= $1 AND term < $2 LIMIT $3) t",
                    )
                    .bind(low)
                    .bind(high)
                    .bind(COMMON_MATCHES),
                )
                .await?;
            common.push(n >= COMMON_MATCHES);
        }
        // A whole number or address may find a record the actor sees it
        // masked on: counted and limited before the search runs, logged
        // with what it found after.
        let mut lookups = Vec::new();
        for (low, _) in f.q.as_deref().and_then(ranges).unwrap_or_default() {
            if let Some(value) = WholeValue::of_key(&low) {
                lookups.extend(self.count_lookup(actor, &value).await?);
            }
        }
        // Sensitive fields are stored sealed: a filter on one matches by
        // blind index.
        let sensitive: Vec<String> = if f.custom.is_empty() {
            Vec::new()
        } else {
            self.field_definitions()
                .await?
                .into_iter()
                .filter(|d| d.sensitive)
                .map(|d| d.key)
                .collect()
        };
        let query = list_query(
            self.db.backend(),
            actor,
            f,
            &common,
            (self.vault(), &sensitive),
        )?;
        let mut items: Vec<Customer> = self.db.all(query).await?;
        for c in &mut items {
            crate::customers::reveal(self.vault(), actor, c)?;
        }
        for counted in lookups {
            let hits = items.len().min(f.limit as usize) as i64;
            self.log_lookup(actor, counted, "search", hits).await?;
        }
        let next_cursor = if items.len() as u64 > f.limit {
            items.truncate(f.limit as usize);
            items.last().map(|last| {
                encode_cursor(&match f.sort {
                    SortBy::Updated => After::Int(last.updated_at.0, last.id),
                    SortBy::Created => After::Int(last.created_at.0, last.id),
                    SortBy::Name => After::Text(crate::customers::sort_key(&last.name), last.id),
                })
            })
        } else {
            None
        };
        self.load_tags(&mut items).await?;
        Ok(Page { items, next_cursor })
    }
}

/// The SELECT for one page (plus one row, to know whether another follows).
fn list_query(
    backend: Backend,
    actor: &Actor,
    f: &CustomerFilter,
    common: &[bool],
    (vault, sensitive): (&crate::Vault, &[String]),
) -> Result<Q> {
    let mut s = Query::select();
    s.expr(Expr::cust(columns("c")))
        .from_as(Alias::new("customers"), Alias::new("c"))
        .and_where(Expr::cust("c.deleted_at IS NULL"))
        .and_where(Expr::cust(visible(actor.scope(), "c")));
    if let Some(words) = f.q.as_deref().and_then(ranges) {
        let term = || Expr::col((Alias::new("s"), Alias::new("term")));
        // The matching customers' ids are collected first either way. For a
        // rare word, each is then looked up and the few found are sorted.
        // For a common one, `+c.id` keeps the id from being used as a
        // lookup key, so the planner walks the list's ordered index instead
        // and stops at the first page of rows found in the collected set.
        let key_match = |matches: SimpleExpr, common: bool| -> SimpleExpr {
            let mut keys = Query::select();
            keys.column((Alias::new("s"), Alias::new("customer_id")))
                .from_as(Alias::new("customer_search"), Alias::new("s"))
                .and_where(matches);
            if common {
                Expr::expr(Expr::cust("+c.id")).in_subquery(keys)
            } else {
                c("id").in_subquery(keys)
            }
        };
        for (n, (low, high)) in words.into_iter().enumerate() {
            let fragment = key_match(
                term().gte(low.clone()).and(term().lt(high.clone())),
                common.get(n).copied().unwrap_or(false),
            );
            if actor.sees_contact_details(None) {
                s.and_where(fragment);
                continue;
            }
            // Phone numbers and emails shown masked must not be readable
            // through search either: on records whose details the actor
            // sees masked (everything for a viewer, the shared pool for
            // others), a name or company word matches as usual, but a
            // mobile or email only as a whole value, never a fragment that
            // would reveal hidden digits or letters one by one. A digit
            // word only ever starts phone numbers (or numeric emails), and
            // email keys are the only ones holding '@'.
            let digits = low.chars().all(|c| c.is_ascii_digit());
            let mut masked = match WholeValue::of_key(&low) {
                Some(WholeValue::Mobile(m)) => c("mobile").eq(m),
                Some(WholeValue::Email(e)) => Expr::expr(Expr::cust("lower(c.email)")).eq(e),
                None => Expr::cust("1 = 0"),
            };
            if !digits {
                masked = masked.or(key_match(
                    term()
                        .gte(low)
                        .and(term().lt(high))
                        .and(term().not_like("%@%")),
                    common.get(n).copied().unwrap_or(false),
                ));
            }
            let condition = if actor.role == Role::Viewer {
                masked
            } else {
                fragment.and(c("owner_id").is_not_null()).or(masked)
            };
            s.and_where(condition);
        }
    }
    match &f.owner {
        Some(OwnerFilter::User(id)) => {
            s.and_where(c("owner_id").eq(*id));
        }
        Some(OwnerFilter::Pool) => {
            s.and_where(c("owner_id").is_null());
        }
        None => {}
    }
    if let Some(team) = f.team_id {
        s.and_where(c("team_id").eq(team));
    }
    if let Some(tag) = &f.tag {
        let tags = |col: &str| Expr::col((Alias::new("t"), Alias::new(col)));
        s.and_where(
            c("id").in_subquery(
                Query::select()
                    .column((Alias::new("ct"), Alias::new("customer_id")))
                    .from_as(Alias::new("customer_tags"), Alias::new("ct"))
                    .join_as(
                        sea_query::JoinType::InnerJoin,
                        Alias::new("tags"),
                        Alias::new("t"),
                        tags("id").equals((Alias::new("ct"), Alias::new("tag_id"))),
                    )
                    .and_where(tags("name").eq(tag.clone()))
                    .to_owned(),
            ),
        );
    }
    for (col, value) in [
        ("kind", &f.kind),
        ("stage", &f.stage),
        ("source", &f.source),
        ("province", &f.province),
        ("city", &f.city),
        ("country", &f.country),
        ("gender", &f.gender),
        ("value_tier", &f.value_tier),
    ] {
        if let Some(v) = value {
            s.and_where(c(col).eq(v.clone()));
        }
    }
    // Birth dates are stored as `YYYY-MM-DD`, which sorts as text.
    if let Some(day) = &f.born_by {
        s.and_where(c("birth_date").lte(day.clone()));
    }
    if let Some(day) = &f.born_after {
        s.and_where(c("birth_date").gt(day.clone()));
    }
    if let Some(month) = &f.birth_month {
        s.and_where(Expr::expr(Expr::cust("substr(c.birth_date, 6, 2)")).eq(month.clone()));
    }
    for (col, from, to) in [
        ("created_at", f.created_from, f.created_to),
        ("updated_at", f.updated_from, f.updated_to),
    ] {
        if let Some(from) = from {
            s.and_where(c(col).gte(from));
        }
        if let Some(to) = to {
            s.and_where(c(col).lt(to));
        }
    }
    for (key, value) in &f.custom {
        if sensitive.contains(key) {
            let blind = crate::vault::values::blind_match(vault, "c", key, value)?;
            s.and_where(Expr::cust(blind));
        } else {
            s.and_where(Expr::expr(Expr::cust(custom_expr(backend, "c", key))).eq(value.clone()));
        }
    }
    let col = f.sort.column();
    let last: Option<(sea_query::Value, i64)> = match &f.after {
        Some(After::Int(v, id)) => Some(((*v).into(), *id)),
        Some(After::Text(v, id)) => Some((v.clone().into(), *id)),
        None => None,
    };
    if let Some((value, id)) = last {
        let row = Expr::tuple([SimpleExpr::from(c(col)), c("id").into()]);
        let bound = Expr::tuple([Expr::val(value).into(), Expr::val(id).into()]);
        s.and_where(if f.descending {
            row.lt(bound)
        } else {
            row.gt(bound)
        });
    }
    let order = if f.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    s.order_by_expr(c(col).into(), order.clone())
        .order_by_expr(c("id").into(), order)
        .limit(f.limit + 1);
    Q::built(backend, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn unknown_parameters_and_bad_values_are_named() {
        let err = CustomerFilter::from_params(&params(&[
            ("colour", "red"),
            ("limit", "100000"),
            ("created_from", "2024-02-30"),
            ("sort", "-password"),
        ]))
        .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["colour", "limit", "created_from", "sort"]);
    }

    #[test]
    fn blank_fields_of_a_search_form_filter_nothing() {
        let f = CustomerFilter::from_params(&params(&[
            ("q", "zs"),
            ("team_id", ""),
            ("sort", ""),
            ("created_from", ""),
            ("province", ""),
            ("custom.level", ""),
        ]))
        .unwrap();
        assert_eq!(f.q.as_deref(), Some("zs"));
        assert_eq!(
            (f.team_id, f.created_from, f.sort),
            (None, None, SortBy::Updated)
        );
        assert!(f.custom.is_empty());
        let err = CustomerFilter::from_params(&params(&[("colour", ""), ("custom.Bad", "")]))
            .unwrap_err();
        assert_eq!(err.0.len(), 2, "unknown names are still refused");
    }

    #[test]
    fn a_saved_query_has_filters_and_sort_but_no_page() {
        let f = CustomerFilter::from_query("?q=%E5%BC%A0&stage=lead&sort=-created_at", "query")
            .unwrap();
        assert_eq!(f.q.as_deref(), Some("张"));
        assert_eq!(f.stage.as_deref(), Some("lead"));
        assert_eq!((f.sort, f.descending), (SortBy::Created, true));
        let err =
            CustomerFilter::from_query("limit=5&cursor=x&sort=colour&x=1", "query").unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["query.limit", "query.cursor", "query.sort", "query.x"]
        );
    }

    #[test]
    fn a_cursor_from_another_sort_is_refused() {
        let cursor = encode_cursor(&After::Int(5, 7));
        assert!(decode_cursor(&cursor, SortBy::Updated).is_some());
        assert!(decode_cursor(&cursor, SortBy::Name).is_none());
        assert!(decode_cursor("not base64!", SortBy::Updated).is_none());
    }
}
