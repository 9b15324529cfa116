//! The customer list page: search, filters, columns, sorting and saved views.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::schema;
use kehu_store::customers::Customer;
use kehu_store::fields::FieldDefinition;
use kehu_store::list::CustomerFilter;

use super::display::{
    choices, column_label, country_shown, custom_text, flash, label_of, phone_shown,
    province_choices, Choice, People,
};
use crate::extract::QueryPairs;
use crate::pages::frame::{Frame, Section};
use crate::pages::{render, Errors, PageError, Viewer, T};
use crate::text::url_encode;
use crate::AppState;

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

pub(super) fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) fn parse_query(query: &str) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().unwrap_or_default(),
    )
    .map(|q| q.0)
    .unwrap_or_default()
}

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
            let page = store.browse_customers(&actor, &filter).await?;
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
    countries.extend(
        crate::pages::form::country_choices(t)
            .into_iter()
            .map(|mut c| {
                c.selected = c.value == country;
                c
            }),
    );
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
