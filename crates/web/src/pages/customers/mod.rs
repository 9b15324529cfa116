//! The customer pages: the list with search, filters, saved views and bulk
//! changes; the entry form (录入) with live checks and the duplicate
//! warning; the customer page with its timeline, follow-ups and 核对.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use kehu_core::country::Country;
use kehu_core::entry::{parse_object, parse_object_in, Mode};
use kehu_core::field::FieldKind;
use kehu_core::region::Province;
use kehu_core::{schema, CustomerId, FieldError, SavedViewId, UserId};
use kehu_store::customers::Customer;
use kehu_store::duplicates::DuplicateHit;
use kehu_store::fields::FieldDefinition;
use kehu_store::list::CustomerFilter;
use kehu_store::users::User;
use kehu_store::views::SavedView;
use serde_json::{Map, Value};

use super::form::{customer_inputs, Input, Values};
use super::frame::{Frame, Section};
use super::i18n::url_encode;
use super::{invalid_of, render, render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::api::customers::{bulk_input, customer_input, probe_of};
use crate::error::ApiError;
use crate::extract::{JsonObject, QueryPairs};
use crate::{mask, AppState};

/// Columns a list shows unless a view or the user picks others.
const DEFAULT_COLUMNS: &[&str] = &["company", "mobile", "owner", "stage", "tags", "updated_at"];
/// Columns that sort, and the `sort` value for each.
const SORTABLE: &[(&str, &str)] = &[
    ("name", "name"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
];
/// Query parameters that belong to the page, not to the filter.
const PAGE_PARAMS: &[&str] = &["view", "cols", "col", "flash", "n"];

/// People by id, for showing owners and authors by name.
pub(super) struct People(HashMap<i64, String>);

impl People {
    pub(super) fn new(users: &[User]) -> People {
        People(
            users
                .iter()
                // Not the email: every role sees these names.
                .map(|u| (u.id, u.name.clone().unwrap_or_else(|| format!("#{}", u.id))))
                .collect(),
        )
    }

    pub(super) fn name(&self, t: T, id: Option<i64>) -> String {
        match id {
            Some(id) => self.0.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
            None => t.s("common.system").to_owned(),
        }
    }
}

/// The confirmation named by `flash=` (and `n=`), if it is one of ours.
pub fn flash(t: T, params: &[(String, String)]) -> Option<String> {
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let key = format!("flash.{}", get("flash")?);
    if !super::i18n::has(&key) {
        return None;
    }
    let n = get("n").and_then(|n| n.parse().ok()).unwrap_or(0);
    Some(t.count(&key, n))
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().unwrap_or_default(),
    )
    .map(|q| q.0)
    .unwrap_or_default()
}

// ---------------------------------------------------------------- list

pub struct Column {
    pub key: String,
    pub label: String,
    /// The link that sorts by this column (toggling direction), if it sorts.
    pub sort_link: Option<String>,
    /// `ascending` or `descending` when the list is sorted by it.
    pub sorted: &'static str,
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub cells: Vec<String>,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct FilterInput {
    pub name: String,
    pub id: String,
    pub label: String,
    pub value: String,
    /// Empty for a text input.
    pub options: Vec<Choice>,
    pub input_type: &'static str,
}

pub struct ViewLink {
    pub id: i64,
    pub name: String,
    pub href: String,
    pub current: bool,
    pub shared: bool,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "customers/list.html")]
struct ListPage {
    f: Frame,
    q: String,
    filters: Vec<FilterInput>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    next_link: Option<String>,
    first_link: Option<String>,
    /// The filter as a query string, for bulk changes and saving a view.
    filter_query: String,
    cols_value: String,
    all_columns: Vec<Choice>,
    views: Vec<ViewLink>,
    owners: Vec<Choice>,
    stages: Vec<Choice>,
    error: Option<String>,
    may_write: bool,
    may_assign: bool,
    filtered: bool,
    /// Whether a saved view is open.
    in_view: bool,
    sorts: Vec<Choice>,
}

/// The active users as choices (an owner to give something to), with
/// `selected` chosen.
pub(super) async fn user_choices(
    state: &AppState,
    selected: Option<i64>,
) -> Result<Vec<Choice>, PageError> {
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| Choice {
            selected: Some(u.id) == selected,
            value: u.id.to_string(),
            // Owner pickers are on every role's pages: names, not emails.
            label: u.name.clone().unwrap_or_else(|| format!("#{}", u.id)),
        })
        .collect())
}

pub(super) fn choices(values: &[&str], t: T, list: &str, selected: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_owned(),
            label: t.choice(list, v),
            selected: *v == selected,
        })
        .collect()
}

fn column_label(t: T, key: &str, defs: &[FieldDefinition]) -> String {
    match key.strip_prefix("custom.") {
        Some(k) => defs
            .iter()
            .find(|d| d.key == k)
            .map(|d| label_of(t, d))
            .unwrap_or_else(|| k.to_owned()),
        None => t.field(key).to_owned(),
    }
}

pub fn label_of(t: T, d: &FieldDefinition) -> String {
    if t.is_zh() {
        d.label_zh.clone()
    } else {
        d.label_en.clone()
    }
}

/// A stored number as people of the record's country read it (national at
/// home, international otherwise); masked values are shown as they are.
pub fn phone_shown(stored: &Option<String>, country: &str) -> String {
    let country = Country::from_code(country).unwrap_or(Country::CN);
    stored
        .as_deref()
        .map(|s| kehu_core::phone::display(s, country))
        .unwrap_or_default()
}

/// The country's name in the user's language.
pub fn country_shown(t: T, code: &str) -> String {
    Country::from_code(code).map_or_else(|| code.to_owned(), |c| c.name(t.0).to_owned())
}

fn cell(t: T, c: &Customer, key: &str, people: &People, defs: &[FieldDefinition]) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match key {
        "company" => text(&c.company),
        "country" => country_shown(t, &c.country),
        "mobile" => phone_shown(&c.mobile, &c.country),
        "phone" => phone_shown(&c.phone, &c.country),
        "email" => text(&c.email),
        "title" => text(&c.title),
        "owner" => c
            .owner_id
            .map(|id| people.name(t, Some(id)))
            .unwrap_or_else(|| t.s("common.pool").to_owned()),
        "stage" => t.choice("stage", &c.stage),
        "source" => text(&c.source),
        "province" => text(&c.province),
        "city" => text(&c.city),
        "gender" => c
            .gender
            .as_deref()
            .map(|v| kehu_core::person::gender_label(v, t.0).to_owned())
            .unwrap_or_default(),
        "birth_date" => text(&c.birth_date),
        "value_tier" => c
            .value_tier
            .as_deref()
            .map(|v| t.choice("value_tier", v))
            .unwrap_or_default(),
        "tags" => c.tags.join(", "),
        "created_at" => t.time(c.created_at.0),
        "updated_at" => t.time(c.updated_at.0),
        "verified_at" => c.verified_at.map(|v| t.time(v.0)).unwrap_or_default(),
        other => other
            .strip_prefix("custom.")
            .and_then(|k| c.custom.0.get(k).map(|v| custom_text(defs, k, v, false)))
            .unwrap_or_default(),
    }
}

/// A custom field's value as people write it: money as "12.30 CNY", a
/// date-time in China time (`input` for a datetime-local input).
pub fn custom_text(defs: &[FieldDefinition], key: &str, v: &Value, input: bool) -> String {
    let kind = defs.iter().find(|d| d.key == key).map(|d| &d.kind);
    match (kind, v) {
        (Some(FieldKind::Money), Value::Object(m)) => format!(
            "{} {}",
            m.get("amount").map(value_text).unwrap_or_default(),
            m.get("currency").map(value_text).unwrap_or_default()
        ),
        (Some(FieldKind::DateTime), Value::String(s)) => {
            match chrono::DateTime::parse_from_rfc3339(s) {
                Ok(at) => {
                    let format = if input {
                        "%Y-%m-%dT%H:%M"
                    } else {
                        "%Y-%m-%d %H:%M"
                    };
                    super::frame::local(at.timestamp_millis())
                        .format(format)
                        .to_string()
                }
                Err(_) => s.clone(),
            }
        }
        _ => value_text(v),
    }
}

/// A JSON value as one line of text.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let actor = viewer.me.actor;
    let store = &state.store;
    let defs = store.field_definitions().await?;
    let views = store.saved_views(&actor).await?;
    let view_id: Option<i64> = params
        .iter()
        .find(|(k, _)| k == "view")
        .and_then(|(_, v)| v.parse().ok());
    let view = view_id.and_then(|id| views.iter().find(|v| v.id == id));
    // A saved view supplies the filter unless the address has its own.
    let own: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !PAGE_PARAMS.contains(&k.as_str()))
        .cloned()
        .collect();
    let filter_pairs: Vec<(String, String)> = match view {
        Some(v) if own.iter().all(|(k, _)| k == "cursor") => {
            let mut pairs = parse_query(&v.query);
            pairs.extend(own.iter().filter(|(k, _)| k == "cursor").cloned());
            pairs
        }
        _ => own,
    };
    let get = |k: &str| {
        filter_pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // Columns come as `cols=a,b` in links, or one `col=` per ticked box
    // from the filter form.
    let picked: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "col")
        .map(|(_, v)| v.as_str())
        .collect();
    let cols_param = params
        .iter()
        .find(|(k, _)| k == "cols")
        .map(|(_, v)| v.clone())
        .or_else(|| (!picked.is_empty()).then(|| picked.join(",")));
    let columns: Vec<String> = match (&cols_param, view) {
        (Some(cols), _) => cols.split(',').map(str::to_owned).collect(),
        (None, Some(v)) if !v.columns.is_empty() => v.columns.clone(),
        _ => DEFAULT_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
    };
    let known = |c: &String| {
        kehu_store::views::LIST_COLUMNS.contains(&c.as_str())
            || c.strip_prefix("custom.")
                .is_some_and(|k| defs.iter().any(|d| d.key == k))
    };
    let columns: Vec<String> = columns
        .into_iter()
        .filter(|c| c != "name" && known(c))
        .collect();

    let users = store.users().await?;
    let people = People::new(&users);
    let (rows, next_cursor, error) = match CustomerFilter::from_params(&filter_pairs) {
        Ok(filter) => {
            let mut page = store.browse_customers(&actor, &filter).await?;
            for c in &mut page.items {
                mask::customer(&actor, &defs, c);
            }
            let rows = page
                .items
                .iter()
                .map(|c| Row {
                    id: c.id,
                    name: c.name.clone(),
                    cells: columns
                        .iter()
                        .map(|k| cell(t, c, k, &people, &defs))
                        .collect(),
                })
                .collect();
            (rows, page.next_cursor, None)
        }
        Err(invalid) => (Vec::new(), None, Some(Errors::new(t, &invalid.0).line())),
    };

    let base: Vec<(String, String)> = filter_pairs
        .iter()
        .filter(|(k, _)| k != "cursor")
        .cloned()
        .collect();
    let mut page_params: Vec<(String, String)> = Vec::new();
    if let Some(id) = view_id {
        page_params.push(("view".into(), id.to_string()));
    }
    if let Some(cols) = &cols_param {
        page_params.push(("cols".into(), cols.clone()));
    }
    let link = |extra: &[(String, String)]| {
        let mut all = base.clone();
        all.extend(page_params.iter().cloned());
        all.extend(extra.iter().cloned());
        format!("/customers?{}", query_string(&all))
    };
    let sort = get("sort");
    let sort_link = |key: &str| {
        let current = sort.trim_start_matches('-');
        let next = if current == key && !sort.starts_with('-') {
            format!("-{key}")
        } else {
            key.to_owned()
        };
        let mut all: Vec<(String, String)> =
            base.iter().filter(|(k, _)| k != "sort").cloned().collect();
        all.push(("sort".into(), next));
        all.extend(page_params.iter().cloned());
        format!("/customers?{}", query_string(&all))
    };
    let sorted = |key: &str| {
        let (current, descending) = match sort.strip_prefix('-') {
            Some(s) => (s, true),
            None if sort.is_empty() => ("updated_at", true),
            None => (sort.as_str(), false),
        };
        match (current == key, descending) {
            (false, _) => "",
            (true, true) => "descending",
            (true, false) => "ascending",
        }
    };
    let header = |key: &str| Column {
        key: key.to_owned(),
        label: column_label(t, key, &defs),
        sort_link: SORTABLE
            .iter()
            .find(|(c, _)| *c == key)
            .map(|(_, s)| sort_link(s)),
        sorted: sorted(key),
    };
    let mut shown_columns = vec![header("name")];
    shown_columns.extend(columns.iter().map(|c| header(c)));

    let mut all_columns: Vec<Choice> = kehu_store::views::LIST_COLUMNS
        .iter()
        .filter(|c| **c != "name")
        .map(|c| Choice {
            value: (*c).to_owned(),
            label: t.field(c).to_owned(),
            selected: columns.iter().any(|k| k == c),
        })
        .collect();
    all_columns.extend(defs.iter().map(|d| {
        let key = format!("custom.{}", d.key);
        Choice {
            selected: columns.contains(&key),
            label: label_of(t, d),
            value: key,
        }
    }));

    let owner = get("owner_id");
    let mut owner_choices = vec![
        Choice {
            value: String::new(),
            label: t.s("common.any").to_owned(),
            selected: owner.is_empty(),
        },
        Choice {
            value: "none".into(),
            label: t.s("common.pool").to_owned(),
            selected: owner == "none" || owner == "pool",
        },
    ];
    owner_choices.extend(users.iter().filter(|u| u.active).map(|u| Choice {
        value: u.id.to_string(),
        label: people.name(t, Some(u.id)),
        selected: owner == u.id.to_string(),
    }));
    let any = |selected: bool| Choice {
        value: String::new(),
        label: t.s("common.any").to_owned(),
        selected,
    };
    let mut filters = vec![FilterInput {
        name: "owner_id".into(),
        id: "filter-owner".into(),
        label: t.field("owner").into(),
        value: owner.clone(),
        options: owner_choices,
        input_type: "select",
    }];
    let team = get("team_id");
    let mut teams = vec![any(team.is_empty())];
    teams.extend(store.teams().await?.into_iter().map(|tm| Choice {
        selected: team == tm.id.to_string(),
        value: tm.id.to_string(),
        label: tm.name,
    }));
    filters.push(select("team_id", t.field("team"), &team, teams));
    let tag = get("tag");
    let mut tags = vec![any(tag.is_empty())];
    tags.extend(store.tags().await?.into_iter().map(|tg| Choice {
        selected: tag == tg.name,
        value: tg.name.clone(),
        label: tg.name,
    }));
    filters.push(select("tag", t.field("tags"), &tag, tags));
    for (name, list, values) in [
        ("stage", "stage", schema::STAGES),
        ("kind", "kind", schema::CUSTOMER_KINDS),
        ("value_tier", "value_tier", schema::VALUE_TIERS),
    ] {
        let value = get(name);
        let mut options = vec![any(value.is_empty())];
        options.extend(choices(values, t, list, &value));
        filters.push(select(name, t.field(name), &value, options));
    }
    let country = get("country");
    let mut countries = vec![any(country.is_empty())];
    countries.extend(super::form::country_choices(t).into_iter().map(|mut c| {
        c.selected = c.value == country;
        c
    }));
    filters.push(select("country", t.field("country"), &country, countries));
    let province = get("province");
    if country.is_empty() || country == "CN" {
        let mut provinces = vec![any(province.is_empty())];
        provinces.extend(province_choices(t, &province));
        filters.push(select(
            "province",
            t.field("province"),
            &province,
            provinces,
        ));
    } else {
        filters.push(text_filter(
            "province",
            t.field("province"),
            province,
            "text",
        ));
    }
    let gender = get("gender");
    let mut genders = vec![any(gender.is_empty())];
    genders.extend(kehu_core::person::GENDERS.iter().map(|g| Choice {
        selected: gender == *g,
        value: (*g).to_owned(),
        label: kehu_core::person::gender_label(g, t.0).to_owned(),
    }));
    filters.push(select("gender", t.field("gender"), &gender, genders));
    for name in ["age_min", "age_max"] {
        filters.push(text_filter(
            name,
            t.s(&format!("filter.{name}")),
            get(name),
            "number",
        ));
    }
    let month = get("birth_month");
    let mut months = vec![
        any(month.is_empty()),
        Choice {
            selected: month == "this",
            value: "this".into(),
            label: t.s("filter.birthday_this_month").into(),
        },
    ];
    months.extend((1..=12).map(|m| Choice {
        selected: month == m.to_string(),
        value: m.to_string(),
        label: t.s("filter.month_n").replace("{n}", &m.to_string()),
    }));
    filters.push(select(
        "birth_month",
        t.s("filter.birth_month"),
        &month,
        months,
    ));
    for name in ["city", "source"] {
        filters.push(text_filter(name, t.field(name), get(name), "text"));
    }
    for (name, label) in [
        (
            "created_from",
            format!("{} {}", t.field("created_at"), t.s("common.from")),
        ),
        (
            "created_to",
            format!("{} {}", t.field("created_at"), t.s("common.to")),
        ),
        (
            "updated_from",
            format!("{} {}", t.field("updated_at"), t.s("common.from")),
        ),
        (
            "updated_to",
            format!("{} {}", t.field("updated_at"), t.s("common.to")),
        ),
    ] {
        filters.push(text_filter(name, &label, get(name), "date"));
    }
    for d in &defs {
        let name = format!("custom.{}", d.key);
        let value = get(&name);
        let options = d.kind.options().unwrap_or_default();
        if options.is_empty() {
            filters.push(text_filter(&name, &label_of(t, d), value, "text"));
        } else {
            let mut all = vec![any(value.is_empty())];
            all.extend(options.iter().map(|o| Choice {
                selected: value == *o,
                value: o.clone(),
                label: o.clone(),
            }));
            filters.push(select(&name, &label_of(t, d), &value, all));
        }
    }
    // The filter panel opens when a filter (not just a search) is set.
    let filtered = base
        .iter()
        .any(|(k, v)| k != "sort" && k != "q" && !v.is_empty());

    let view_links = views
        .iter()
        .map(|v| ViewLink {
            id: v.id,
            name: v.name.clone(),
            href: format!("/customers?view={}", v.id),
            current: Some(v.id) == view_id,
            shared: v.shared,
            mine: v.user_id == actor.user_id.get(),
        })
        .collect();
    let page = ListPage {
        f: Frame::new(&state, &viewer, Section::Customers, t.s("nav.customers"))
            .await?
            .with_flash(flash(t, &params)),
        q: get("q"),
        filters,
        columns: shown_columns,
        rows,
        next_link: next_cursor.map(|c| link(&[("cursor".into(), c)])),
        first_link: filter_pairs
            .iter()
            .any(|(k, _)| k == "cursor")
            .then(|| link(&[])),
        filter_query: query_string(&base),
        cols_value: columns.join(","),
        all_columns,
        views: view_links,
        owners: users
            .iter()
            .filter(|u| u.active)
            .map(|u| Choice {
                value: u.id.to_string(),
                label: people.name(t, Some(u.id)),
                selected: false,
            })
            .collect(),
        stages: choices(schema::STAGES, t, "stage", ""),
        error,
        may_write: actor.may_write_records(),
        may_assign: actor.may_assign_owner(),
        filtered,
        in_view: view.is_some(),
        sorts: [
            ("", "list.sort_updated"),
            ("updated_at", "list.sort_updated_old"),
            ("-created_at", "list.sort_created"),
            ("created_at", "list.sort_created_old"),
            ("name", "list.sort_name"),
            ("-name", "list.sort_name_desc"),
        ]
        .iter()
        .map(|(value, key)| Choice {
            value: (*value).to_owned(),
            label: t.s(key).to_owned(),
            selected: *value == sort || (value.is_empty() && sort == "-updated_at"),
        })
        .collect(),
    };
    render(&page)
}

fn select(name: &str, label: &str, value: &str, options: Vec<Choice>) -> FilterInput {
    FilterInput {
        name: name.to_owned(),
        id: format!("filter-{}", name.replace('.', "-")),
        label: label.to_owned(),
        value: value.to_owned(),
        options,
        input_type: "select",
    }
}

fn text_filter(name: &str, label: &str, value: String, input_type: &'static str) -> FilterInput {
    FilterInput {
        name: name.to_owned(),
        id: format!("filter-{}", name.replace('.', "-")),
        label: label.to_owned(),
        value,
        options: Vec::new(),
        input_type,
    }
}

pub fn province_choices(t: T, selected: &str) -> Vec<Choice> {
    Province::ALL
        .iter()
        .map(|p| Choice {
            value: p.name().to_owned(),
            label: if t.is_zh() {
                p.name().to_owned()
            } else {
                p.english_name().to_owned()
            },
            selected: p.name() == selected,
        })
        .collect()
}

/// Changes many customers at once: the ticked ones, or every one the
/// filter finds. Each record's change is written to its history.
pub async fn bulk(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let filter_query = fields.get("filter").unwrap_or_default().to_owned();
    // The form as the API's request, so both read it with one parser. Ids
    // that are not numbers stay text, for the parser to refuse.
    let number = |v: &str| {
        v.parse::<i64>()
            .map_or_else(|_| Value::from(v), Value::from)
    };
    let mut body = Map::new();
    if fields.get("scope") == Some("filter") {
        body.insert("filter".into(), Value::String(filter_query.clone()));
    } else {
        body.insert("ids".into(), fields.all("ids").map(number).collect());
    }
    let action = fields.get("action").unwrap_or_default();
    body.insert("action".into(), Value::String(action.into()));
    match action {
        "owner" => match fields.get("owner_id") {
            None => {}
            Some("none") => {
                body.insert("owner_id".into(), Value::Null);
            }
            Some(id) => {
                body.insert("owner_id".into(), number(id));
            }
        },
        "add_tag" | "remove_tag" => {
            let input = if action == "add_tag" {
                "tag"
            } else {
                "tag_remove"
            };
            let tag = fields.get(input).unwrap_or_default();
            body.insert("tag".into(), Value::String(tag.into()));
        }
        "stage" => {
            let stage = fields.get("stage").unwrap_or_default();
            body.insert("stage".into(), Value::String(stage.into()));
        }
        _ => {}
    }
    let (selection, change) = bulk_input(JsonObject(body)).map_err(|_| PageError::BadRequest)?;
    let back = |flash: &str| {
        let mut to = format!("/customers?{filter_query}");
        if !filter_query.is_empty() {
            to.push('&');
        }
        to.push_str(flash);
        see_other(&to)
    };
    match state
        .store
        .bulk_change(&viewer.me.ctx(), selection, change)
        .await
    {
        Ok(outcome) if outcome.changed == 0 => Ok(back("flash=bulk_none")),
        Ok(outcome) => Ok(back(&format!("flash=bulk&n={}", outcome.changed))),
        Err(kehu_store::Error::Invalid(_)) => Err(PageError::BadRequest),
        Err(e) => Err(e.into()),
    }
}

pub async fn save_view(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let query = fields.get("query").unwrap_or_default();
    let columns: Vec<String> = fields
        .get("columns")
        .unwrap_or_default()
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let view: SavedView = state
        .store
        .create_saved_view(
            &viewer.me.ctx(),
            fields.get("name").unwrap_or_default(),
            fields.get("shared").is_some(),
            query,
            &columns,
        )
        .await
        .map_err(|e| match e {
            kehu_store::Error::Invalid(_) => PageError::BadRequest,
            e => e.into(),
        })?;
    Ok(see_other(&format!(
        "/customers?view={}&flash=view_saved",
        view.id
    )))
}

pub async fn delete_view(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    state
        .store
        .delete_saved_view(&posted.viewer.me.ctx(), SavedViewId(id))
        .await?;
    Ok(see_other("/customers?flash=view_deleted"))
}

// ---------------------------------------------------------------- entry

#[derive(Template)]
#[template(path = "customers/form.html")]
struct FormPage {
    f: Frame,
    /// `None` for a new customer.
    id: Option<i64>,
    version: i64,
    inputs: Vec<Input>,
    has_errors: bool,
    duplicates: Vec<DuplicateView>,
    /// Duplicates were found on submit: saving again needs the tick.
    ask_confirm: bool,
    notice: Option<&'static str>,
}

pub struct DuplicateView {
    pub href: Option<String>,
    pub name: String,
    pub reasons: String,
    pub owner: Option<String>,
}

fn duplicate_views(t: T, hits: &[DuplicateHit]) -> Vec<DuplicateView> {
    hits.iter()
        .map(|h| DuplicateView {
            href: h
                .customer_id
                .filter(|_| h.visible)
                .map(|id| format!("/customers/{id}")),
            name: h
                .name
                .clone()
                .filter(|_| h.visible)
                .unwrap_or_else(|| t.s("dup.hidden").to_owned()),
            reasons: h
                .reasons
                .iter()
                .map(|r| t.s(&format!("dup.reason.{r}")))
                .collect::<Vec<_>>()
                .join(t.s("dup.joiner")),
            owner: h.owner_name.clone(),
        })
        .collect()
}

/// The form's values as the JSON object the API takes: blank fields are
/// left out of a new record and clear a field of an existing one.
fn customer_json(values: &Values, defs: &[FieldDefinition], update: bool) -> Map<String, Value> {
    let mut out = Map::new();
    let mut custom = Map::new();
    for (name, list) in values.iter() {
        if matches!(name.as_str(), "_csrf" | "version" | "confirm_duplicate") {
            continue;
        }
        let list: Vec<&str> = list
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        if let Some(key) = name.strip_prefix("custom.") {
            let multiple = defs
                .iter()
                .any(|d| d.key == key && d.kind.name() == "multi_select");
            let value = if multiple {
                Value::Array(list.iter().map(|v| Value::String((*v).into())).collect())
            } else {
                list.first()
                    .map_or(Value::Null, |v| Value::String((*v).into()))
            };
            if update || !value_is_blank(&value) {
                custom.insert(key.to_owned(), value);
            }
            continue;
        }
        if name == "tags" {
            let tags: Vec<Value> = list
                .iter()
                .flat_map(|v| v.split([',', '，', '、']))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.into()))
                .collect();
            if update || !tags.is_empty() {
                out.insert("tags".into(), Value::Array(tags));
            }
            continue;
        }
        match list.first() {
            Some(v) => {
                out.insert(name.clone(), Value::String((*v).into()));
            }
            // The owner list's blank choice is the shared pool.
            None if update || name == "owner_id" => {
                out.insert(name.clone(), Value::Null);
            }
            None => {}
        }
    }
    if update {
        // A multiple choice with nothing chosen is not sent by the browser
        // at all: it means "none".
        for d in defs.iter().filter(|d| d.kind.name() == "multi_select") {
            let name = format!("custom.{}", d.key);
            if values.iter().all(|(k, _)| *k != name) {
                custom.insert(d.key.clone(), Value::Array(Vec::new()));
            }
        }
    }
    if !custom.is_empty() {
        out.insert("custom".into(), Value::Object(custom));
    }
    out
}

fn value_is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    customer: Option<&Customer>,
    values: &Values,
    errors: &[FieldError],
    duplicates: &[DuplicateHit],
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let defs = state.store.field_definitions().await?;
    let users = if viewer.me.actor.may_assign_owner() {
        state.store.users().await?
    } else {
        Vec::new()
    };
    let masked =
        customer.is_some_and(|c| !viewer.me.actor.sees_contact_details(c.owner_id.map(UserId)));
    let home = match customer {
        Some(c) => Country::from_code(&c.country).unwrap_or(Country::CN),
        None => state.store.default_country().await?,
    };
    let inputs = customer_inputs(t, &defs, &users, values, errors, masked, home);
    let title = match customer {
        Some(c) => format!("{} · {}", t.s("form.edit_title"), c.name),
        None => t.s("form.new_title").to_owned(),
    };
    let page = FormPage {
        f: Frame::new(state, viewer, Section::Customers, title).await?,
        id: customer.map(|c| c.id),
        version: customer.map_or(0, |c| c.version),
        has_errors: !errors.is_empty(),
        notice: notice.map(|key| t.s(key)),
        inputs,
        ask_confirm: !duplicates.is_empty() && customer.is_none(),
        duplicates: duplicate_views(t, duplicates),
    };
    let mut response = render(&page)?;
    if notice.is_some() {
        *response.status_mut() = axum::http::StatusCode::CONFLICT;
    } else if !errors.is_empty() || !duplicates.is_empty() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    if !viewer.me.actor.may_write_records() {
        return Err(PageError::Forbidden);
    }
    form_page(&state, &viewer, None, &Values::default(), &[], &[], None).await
}

pub async fn create(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let values = Values::from_fields(&fields);
    let defs = state.store.field_definitions().await?;
    let body = JsonObject(customer_json(&values, &defs, false));
    let home = state.store.default_country().await?;
    let probe = probe_of(&body.0, home);
    let input = match customer_input(body, Mode::Create, home) {
        Ok((input, _)) => input,
        Err(e) => {
            let errors = invalid_of(e)?;
            return form_page(&state, &viewer, None, &values, &errors, &[], None).await;
        }
    };
    if fields.get("confirm_duplicate").is_none() {
        let hits = state
            .store
            .possible_duplicates(&viewer.me.actor, &probe, None)
            .await?;
        if !hits.is_empty() {
            return form_page(&state, &viewer, None, &values, &[], &hits, None).await;
        }
    }
    match state.store.create_customer(&viewer.me.ctx(), input).await {
        Ok(c) => Ok(see_other(&format!("/customers/{}?flash=created", c.id))),
        Err(e) => {
            let errors = invalid_of(e.into())?;
            form_page(&state, &viewer, None, &values, &errors, &[], None).await
        }
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    if !viewer.me.actor.may_write_records() {
        return Err(PageError::Forbidden);
    }
    let mut c = state
        .store
        .customer(&viewer.me.actor, CustomerId(id))
        .await?;
    let defs = state.store.field_definitions().await?;
    mask::customer(&viewer.me.actor, &defs, &mut c);
    let values = Values::from_customer(&c, &defs);
    form_page(&state, &viewer, Some(&c), &values, &[], &[], None).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let mut current = state
        .store
        .customer(&viewer.me.actor, CustomerId(id))
        .await?;
    let defs = state.store.field_definitions().await?;
    mask::customer(&viewer.me.actor, &defs, &mut current);
    let values = Values::from_fields(&fields);
    let version = fields.get("version").and_then(|v| v.parse().ok());
    let mut body = customer_json(&values, &defs, true);
    // An unchanged owner is not a change: sending it would re-check who may
    // assign it.
    let same_owner = match body.get("owner_id") {
        Some(Value::String(id)) => current.owner_id.map(|o| o.to_string()) == Some(id.clone()),
        Some(Value::Null) => current.owner_id.is_none(),
        _ => false,
    };
    if same_owner {
        body.remove("owner_id");
    }
    let body = JsonObject(body);
    let home = Country::from_code(&current.country).unwrap_or(Country::CN);
    let result = match customer_input(body, Mode::Update, home) {
        Ok((input, _)) => state
            .store
            .update_customer(&viewer.me.ctx(), CustomerId(id), input, version)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/customers/{}?flash=saved", c.id))),
        Err(ApiError::Conflict(_)) => {
            // Show what the record holds now: saving the stale values again
            // would silently undo the other person's change.
            let notice = Some("error.conflict");
            let now = Values::from_customer(&current, &defs);
            form_page(&state, &viewer, Some(&current), &now, &[], &[], notice).await
        }
        Err(e) => {
            let errors = invalid_of(e)?;
            form_page(&state, &viewer, Some(&current), &values, &errors, &[], None).await
        }
    }
}

// ---------------------------------------------------------------- 360°

pub struct Detail {
    pub key: String,
    pub label: String,
    pub value: String,
    pub href: Option<String>,
}

pub struct Event {
    pub at: i64,
    pub when: String,
    pub kind: &'static str,
    pub title: String,
    pub body: Option<String>,
    pub who: String,
    pub changes: Vec<(String, String, String)>,
    pub done: bool,
}

pub struct ContactView {
    pub name: String,
    pub title: String,
    pub mobile: String,
    pub email: String,
    pub primary: bool,
}

#[derive(Template)]
#[template(path = "customers/show.html")]
struct ShowPage {
    f: Frame,
    c: Customer,
    details: Vec<Detail>,
    contacts: Vec<ContactView>,
    timeline: Vec<Event>,
    channels: Vec<Choice>,
    /// The form posted to this page and refused: its id, values and errors.
    posted: &'static str,
    values: Values,
    errors: Errors,
    verified: Option<String>,
    /// Completeness and what is missing (核对).
    quality: String,
    may_write: bool,
    /// The customer's latest orders and what it has bought.
    orders: Vec<super::orders::OrderRow>,
    figures: Vec<(&'static str, String)>,
    opportunities: Vec<super::opportunities::Card>,
}

impl ShowPage {
    /// What was typed into `form`'s field, when that form was refused.
    fn typed(&self, form: &str, name: &str) -> String {
        if self.posted == form {
            self.values.first(name).to_owned()
        } else {
            String::new()
        }
    }

    fn error(&self, form: &str, name: &str) -> String {
        if self.posted == form {
            self.errors.of(name)
        } else {
            String::new()
        }
    }
}

/// `1985-03-05（41 岁）`: the date and the age it makes today.
fn birth_shown(t: T, birth: Option<&str>) -> String {
    let Some(birth) = birth else {
        return String::new();
    };
    let Ok(date) = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d") else {
        return birth.to_owned();
    };
    let today = kehu_core::date::china_today();
    let age = kehu_core::person::age(date, today);
    format!(
        "{birth} · {}",
        t.s("person.age").replace("{n}", &age.to_string())
    )
}

fn details(
    t: T,
    c: &Customer,
    defs: &[FieldDefinition],
    people: &People,
    teams: &HashMap<i64, String>,
) -> Vec<Detail> {
    let mut out = Vec::new();
    let mut push = |key: &str, label: String, value: String, href: Option<String>| {
        if !value.is_empty() {
            out.push(Detail {
                key: key.to_owned(),
                label,
                value,
                href,
            });
        }
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    push(
        "kind",
        t.field("kind").into(),
        t.choice("kind", &c.kind),
        None,
    );
    push(
        "country",
        t.field("country").into(),
        country_shown(t, &c.country),
        None,
    );
    for (key, value) in [("company", &c.company), ("title", &c.title)] {
        push(key, t.field(key).into(), text(value), None);
    }
    push(
        "gender",
        t.field("gender").into(),
        c.gender
            .as_deref()
            .map(|v| kehu_core::person::gender_label(v, t.0).to_owned())
            .unwrap_or_default(),
        None,
    );
    push(
        "birth_date",
        t.field("birth_date").into(),
        birth_shown(t, c.birth_date.as_deref()),
        None,
    );
    push(
        "language",
        t.field("language").into(),
        c.language
            .as_deref()
            .map(|v| {
                kehu_core::person::language_name(v, t.0)
                    .unwrap_or(v)
                    .to_owned()
            })
            .unwrap_or_default(),
        None,
    );
    for (key, value) in [("mobile", &c.mobile), ("phone", &c.phone)] {
        push(
            key,
            t.field(key).into(),
            phone_shown(value, &c.country),
            None,
        );
    }
    for (key, value) in [
        ("email", &c.email),
        ("uscc", &c.uscc),
        ("province", &c.province),
        ("city", &c.city),
        ("district", &c.district),
        ("address", &c.address),
        ("postal_code", &c.postal_code),
        ("industry", &c.industry),
        ("company_size", &c.company_size),
    ] {
        push(key, t.field(key).into(), text(value), None);
    }
    let website = text(&c.website);
    let href = (website.starts_with("http://") || website.starts_with("https://"))
        .then(|| website.clone());
    push("website", t.field("website").into(), website, href);
    push(
        "stage",
        t.field("stage").into(),
        t.choice("stage", &c.stage),
        None,
    );
    push("source", t.field("source").into(), text(&c.source), None);
    push(
        "value_tier",
        t.field("value_tier").into(),
        c.value_tier
            .as_deref()
            .map(|v| t.choice("value_tier", v))
            .unwrap_or_default(),
        None,
    );
    push(
        "owner",
        t.field("owner").into(),
        c.owner_id
            .map(|id| people.name(t, Some(id)))
            .unwrap_or_else(|| t.s("common.pool").to_owned()),
        None,
    );
    push(
        "team",
        t.field("team").into(),
        c.team_id
            .and_then(|id| teams.get(&id).cloned())
            .unwrap_or_default(),
        None,
    );
    push("tags", t.field("tags").into(), c.tags.join(", "), None);
    for d in defs {
        let value = c
            .custom
            .0
            .get(&d.key)
            .map(|v| custom_text(defs, &d.key, v, false))
            .unwrap_or_default();
        push(&format!("custom-{}", d.key), label_of(t, d), value, None);
    }
    push("notes", t.field("notes").into(), text(&c.notes), None);
    push(
        "created_at",
        t.field("created_at").into(),
        format!(
            "{} · {}",
            t.time(c.created_at.0),
            people.name(t, c.created_by)
        ),
        None,
    );
    push(
        "updated_at",
        t.field("updated_at").into(),
        format!(
            "{} · {}",
            t.time(c.updated_at.0),
            people.name(t, c.updated_by)
        ),
        None,
    );
    out
}

/// History rows of one save (same time, same author) become one event.
fn history_events(
    t: T,
    rows: &[kehu_store::history::HistoryEntry],
    defs: &[FieldDefinition],
    people: &People,
) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    let shown = |field: &str, v: &Option<String>| -> String {
        let v = v.clone().unwrap_or_default();
        match field {
            "owner_id" | "verified_by" if !v.is_empty() => people.name(t, v.parse().ok()),
            "stage" => t.choice("stage", &v),
            "kind" => t.choice("kind", &v),
            "value_tier" => t.choice("value_tier", &v),
            _ => v,
        }
    };
    for row in rows {
        let label = match row.field.as_str() {
            "created" | "deleted" | "restored" | "verified_at" => None,
            f => Some(column_label(t, f.trim_end_matches("_id"), defs)),
        };
        let who = people.name(t, row.actor_id);
        let same = events
            .last_mut()
            .filter(|e| e.at == row.at.0 && e.who == who && e.kind == "change");
        let change = label.map(|l| {
            (
                l,
                shown(&row.field, &row.old_value),
                shown(&row.field, &row.new_value),
            )
        });
        match (same, change) {
            (Some(event), Some(change)) => event.changes.push(change),
            (_, change) => events.push(Event {
                at: row.at.0,
                when: t.time(row.at.0),
                kind: "change",
                title: match row.field.as_str() {
                    "created" => t.s("timeline.created").to_owned(),
                    "deleted" => t.s("timeline.deleted").to_owned(),
                    "restored" => t.s("timeline.restored").to_owned(),
                    "verified_at" => t.s("timeline.verified").to_owned(),
                    _ => format!(
                        "{} ({})",
                        t.s("timeline.changed"),
                        t.choice("source", &row.source)
                    ),
                },
                body: None,
                who,
                changes: change.into_iter().collect(),
                done: false,
            }),
        }
    }
    events
}

/// A form of the customer page that was refused: which, what was typed,
/// and why.
struct Refused<'a> {
    form: &'static str,
    values: Values,
    errors: &'a [FieldError],
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    refused: Option<Refused<'_>>,
    flash_text: Option<String>,
) -> Result<Response, PageError> {
    let (posted, values, errors) = match refused {
        Some(r) => (r.form, r.values, r.errors),
        None => ("", Values::default(), &[][..]),
    };
    let t = viewer.t();
    let actor = viewer.me.actor;
    let store = &state.store;
    let mut c = match store.customer(&actor, CustomerId(id)).await {
        // A merged record's page is its survivor's.
        Err(kehu_store::Error::NotFound) => {
            return match store.merged_into(&actor, CustomerId(id)).await? {
                Some(to) => Ok(Redirect::to(&format!("/customers/{}", to.get())).into_response()),
                None => Err(kehu_store::Error::NotFound.into()),
            };
        }
        found => found?,
    };
    let defs = store.field_definitions().await?;
    let quality = store.customer_quality(&actor, CustomerId(id)).await?;
    let quality = super::quality::record_summary(t, &quality, &defs);
    let users = store.users().await?;
    let people = People::new(&users);
    let teams: HashMap<i64, String> = store
        .teams()
        .await?
        .into_iter()
        .map(|tm| (tm.id, tm.name))
        .collect();
    let mut history = store.customer_history(&c, 300).await?;
    mask::history(&actor, c.owner_id, &defs, &mut history);
    let mut contacts = store.contacts_of(&c).await?;
    for contact in &mut contacts {
        mask::contact(&actor, c.owner_id, contact);
    }
    let interactions = store.interactions_of(&c).await?;
    let tasks = store
        .tasks(&actor, None, None, Some(CustomerId(id)), 500)
        .await?;
    mask::customer(&actor, &defs, &mut c);

    let mut timeline = history_events(t, &history, &defs, &people);
    for i in &interactions {
        let mut body = i.content.clone();
        if let Some(next) = &i.next_step {
            body.push_str(&format!("\n{}: {next}", t.field("next_step")));
        }
        timeline.push(Event {
            at: i.occurred_at.0,
            when: t.time(i.occurred_at.0),
            kind: "interaction",
            title: t.choice("channel", &i.channel),
            body: Some(body),
            who: people.name(t, i.created_by),
            changes: Vec::new(),
            done: false,
        });
    }
    for task in &tasks {
        timeline.push(Event {
            at: task.due_at.0,
            when: t.time(task.due_at.0),
            kind: "task",
            title: format!("{}: {}", t.s("timeline.task"), task.title),
            body: task.notes.clone(),
            who: people.name(t, task.assignee_id),
            changes: Vec::new(),
            done: task.status != "open",
        });
    }
    let orders = store
        .orders(
            &actor,
            &kehu_store::orders::OrderFilter {
                customer_id: Some(id),
                limit: 20,
                ..Default::default()
            },
        )
        .await?;
    for o in &orders {
        timeline.push(Event {
            at: o.created_at.0,
            when: t.time(o.created_at.0),
            kind: "order",
            title: format!("{}: {} · {}", t.s("timeline.order"), o.number, o.total.0),
            body: None,
            who: people.name(t, o.created_by),
            changes: Vec::new(),
            done: false,
        });
        if let (Some(at), Some(carrier)) = (o.shipped_at, &o.carrier) {
            let tracking = o.tracking_no.as_deref().unwrap_or_default();
            timeline.push(Event {
                at: at.0,
                when: t.time(at.0),
                kind: "order",
                title: format!(
                    "{}: {} · {carrier} {tracking}",
                    t.s("timeline.shipment"),
                    o.number
                ),
                body: None,
                who: people.name(t, o.owner_id),
                changes: Vec::new(),
                done: false,
            });
        }
    }
    for p in store.customer_payments(&actor, CustomerId(id), 50).await? {
        timeline.push(Event {
            at: p.created_at.0,
            when: t.time(p.created_at.0),
            kind: "order",
            title: format!(
                "{}: SO-{:06} · {} · {}",
                t.s("timeline.payment"),
                p.order_id,
                p.amount.0,
                t.choice("payment_method", &p.method)
            ),
            body: p.reference.clone(),
            who: people.name(t, p.created_by),
            changes: Vec::new(),
            done: false,
        });
    }
    timeline.sort_by_key(|e| std::cmp::Reverse(e.at));
    let bought = store.customer_figures(&actor, CustomerId(id)).await?;
    let mut figures = Vec::new();
    if bought.purchase_count > 0 {
        let spent = bought
            .total_spend
            .iter()
            .map(|(currency, amount)| format!("{amount} {currency}"))
            .collect::<Vec<_>>()
            .join(" + ");
        figures.push(("orders.spent", spent));
        if let Some(at) = bought.first_purchase_at {
            figures.push(("orders.first_purchase", t.time(at.0)));
        }
        if let Some(at) = bought.last_purchase_at {
            figures.push(("orders.last_purchase", t.time(at.0)));
        }
    }
    let purchase_count = bought.purchase_count;
    let opportunities = store
        .opportunities(
            &actor,
            &kehu_store::opportunities::OpportunityFilter {
                customer_id: Some(id),
                limit: 20,
                ..Default::default()
            },
        )
        .await?;
    let opportunities = super::opportunities::cards(state, t, &opportunities).await?;

    let verified = c
        .verified_at
        .map(|at| format!("{} · {}", t.time(at.0), people.name(t, c.verified_by)));
    let page = ShowPage {
        f: Frame::new(state, viewer, Section::Customers, c.name.clone())
            .await?
            .with_flash(flash_text),
        details: details(t, &c, &defs, &people, &teams),
        contacts: contacts
            .into_iter()
            .map(|k| ContactView {
                name: k.name,
                title: k.title.unwrap_or_default(),
                mobile: k.mobile.unwrap_or_default(),
                email: k.email.unwrap_or_default(),
                primary: k.is_primary,
            })
            .collect(),
        timeline,
        channels: choices(schema::CHANNELS, t, "channel", values.first("channel")),
        errors: Errors::new(t, errors),
        posted,
        values,
        verified,
        quality,
        may_write: actor.may_write_records(),
        orders: super::orders::rows(t, &orders, &people),
        opportunities,
        figures: if purchase_count > 0 {
            let mut all = vec![("orders.figures", t.count("orders.figures", purchase_count))];
            all.extend(figures);
            all
        } else {
            figures
        },
        c,
    };
    render_refused(&page, !errors.is_empty())
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let flash_text = flash(viewer.t(), &params);
    show_page(&state, &viewer, id, None, flash_text).await
}

/// A follow-up from the customer page; a next step with a date becomes a
/// task in the same transaction.
pub async fn follow_up(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let values = Values::from_fields(&fields);
    let mut body = Map::new();
    body.insert("customer_id".into(), Value::from(id));
    for name in ["channel", "content", "next_step"] {
        if let Some(v) = fields.get(name) {
            body.insert(name.into(), Value::String(v.into()));
        }
    }
    // A date alone means "some time that day": due at its end.
    if let Some(date) = fields.get("next_step_at") {
        body.insert(
            "next_step_at".into(),
            Value::String(format!("{date} 23:59")),
        );
    }
    let result = match parse_object(&body, schema::INTERACTION, &[], Mode::Create) {
        Ok(patch) => state
            .store
            .create_interaction(&viewer.me.ctx(), patch)
            .await
            .map(drop)
            .map_err(ApiError::from),
        Err(invalid) => Err(ApiError::Invalid(invalid)),
    };
    let done = "flash=follow_up#timeline";
    answer(&state, &viewer, id, "follow-up", values, result, done).await
}

/// Back to the customer page: with a confirmation when the form's write
/// went through, else with the form's errors next to what was typed.
async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    form: &'static str,
    values: Values,
    result: Result<(), ApiError>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/customers/{id}?{done}"))),
        Err(e) => {
            let errors = invalid_of(e)?;
            let refused = Refused {
                form,
                values,
                errors: &errors,
            };
            show_page(state, viewer, id, Some(refused), None).await
        }
    }
}

/// A contact person of the customer, added from its page.
pub async fn add_contact(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let mut body = Map::new();
    body.insert("customer_id".into(), Value::from(id));
    for name in ["name", "title", "mobile", "email"] {
        if let Some(v) = fields.get(name) {
            body.insert(name.into(), Value::String(v.into()));
        }
    }
    body.insert(
        "is_primary".into(),
        Value::Bool(fields.get("is_primary").is_some()),
    );
    let home = state
        .store
        .customer_country(&viewer.me.actor, CustomerId(id))
        .await?;
    let result = match parse_object_in(&body, schema::CONTACT, &[], Mode::Create, home) {
        Ok(patch) => state
            .store
            .create_contact(&viewer.me.ctx(), patch)
            .await
            .map(drop)
            .map_err(ApiError::from),
        Err(invalid) => Err(ApiError::Invalid(invalid)),
    };
    let values = Values::from_fields(&fields);
    let done = "flash=contact_added#contacts-h";
    answer(&state, &viewer, id, "contact", values, result, done).await
}

pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    state
        .store
        .verify_customer(&posted.viewer.me.ctx(), CustomerId(id))
        .await?;
    Ok(see_other(&format!("/customers/{id}?flash=verified")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::Lang;

    fn values(pairs: &[(&str, &str)]) -> Values {
        Values::from_fields(&super::super::Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ))
    }

    #[test]
    fn a_new_record_leaves_blank_fields_out_and_an_edit_clears_them() {
        let v = values(&[("name", "张三"), ("mobile", " "), ("tags", "VIP，北京, ")]);
        let created = customer_json(&v, &[], false);
        assert_eq!(created.get("name"), Some(&Value::from("张三")));
        assert!(!created.contains_key("mobile"));
        assert_eq!(
            created.get("tags"),
            Some(&serde_json::json!(["VIP", "北京"]))
        );
        let updated = customer_json(&v, &[], true);
        assert_eq!(updated.get("mobile"), Some(&Value::Null));
    }

    #[test]
    fn flash_texts_are_only_our_own() {
        let t = T(Lang::En);
        let p = |k: &str| vec![("flash".to_owned(), k.to_owned()), ("n".into(), "3".into())];
        assert_eq!(flash(t, &p("bulk")).as_deref(), Some("3 records changed"));
        assert_eq!(flash(t, &p("<script>")), None);
    }
}
