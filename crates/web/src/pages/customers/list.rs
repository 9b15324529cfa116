//! The customer list page: search, filters, columns, sorting and saved views.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::schema;
use kehu_core::Actor;
use kehu_store::customers::Customer;
use kehu_store::fields::FieldDefinition;
use kehu_store::list::CustomerFilter;
use kehu_store::views::SavedView;
use kehu_store::Store;

use super::display::{
    choices, column_label, country_shown, custom_text, flash, label_of, phone_shown, Choice, People,
};
use super::filters::{filter_inputs, FilterInput};
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

/// What the address asks of the list: the saved view open, the filter in
/// force (the view's unless the address has its own), and the columns.
struct Request<'a> {
    view_id: Option<i64>,
    view: Option<&'a SavedView>,
    filter_pairs: Vec<(String, String)>,
    /// The filter without its cursor: what links and views carry.
    base: Vec<(String, String)>,
    /// `cols=a,b` as given (or from the ticked boxes of the filter form).
    cols_param: Option<String>,
    columns: Vec<String>,
}

impl<'a> Request<'a> {
    fn read(
        params: &[(String, String)],
        views: &'a [SavedView],
        defs: &[FieldDefinition],
    ) -> Request<'a> {
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
        let columns = columns
            .into_iter()
            .filter(|c| c != "name" && known(c))
            .collect();
        let base = filter_pairs
            .iter()
            .filter(|(k, _)| k != "cursor")
            .cloned()
            .collect();
        Request {
            view_id,
            view,
            filter_pairs,
            base,
            cols_param,
            columns,
        }
    }

    /// A filter value, empty when not set.
    fn get(&self, key: &str) -> String {
        self.filter_pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The page's own parameters (the view, the columns) that links keep.
    fn page_params(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(id) = self.view_id {
            out.push(("view".into(), id.to_string()));
        }
        if let Some(cols) = &self.cols_param {
            out.push(("cols".into(), cols.clone()));
        }
        out
    }

    /// This list with `extra` parameters (a cursor).
    fn link(&self, extra: &[(String, String)]) -> String {
        let mut all = self.base.clone();
        all.extend(self.page_params());
        all.extend(extra.iter().cloned());
        format!("/customers?{}", query_string(&all))
    }

    /// The column headers, the name first, each linking to its sort.
    fn headers(&self, t: T, defs: &[FieldDefinition]) -> Vec<Column> {
        let sort = self.get("sort");
        let sort_link = |key: &str| {
            let current = sort.trim_start_matches('-');
            let next = if current == key && !sort.starts_with('-') {
                format!("-{key}")
            } else {
                key.to_owned()
            };
            let mut all: Vec<(String, String)> = self
                .base
                .iter()
                .filter(|(k, _)| k != "sort")
                .cloned()
                .collect();
            all.push(("sort".into(), next));
            all.extend(self.page_params());
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
            label: column_label(t, key, defs),
            sort_link: SORTABLE
                .iter()
                .find(|(c, _)| *c == key)
                .map(|(_, s)| sort_link(s)),
            sorted: sorted(key),
        };
        std::iter::once("name")
            .chain(self.columns.iter().map(String::as_str))
            .map(header)
            .collect()
    }

    /// Every column the list can show, ticked when shown.
    fn column_choices(&self, t: T, defs: &[FieldDefinition]) -> Vec<Choice> {
        let mut all: Vec<Choice> = kehu_store::views::LIST_COLUMNS
            .iter()
            .filter(|c| **c != "name")
            .map(|c| Choice {
                value: (*c).to_owned(),
                label: t.field(c).to_owned(),
                selected: self.columns.iter().any(|k| k == c),
            })
            .collect();
        all.extend(defs.iter().map(|d| {
            let key = format!("custom.{}", d.key);
            Choice {
                selected: self.columns.contains(&key),
                label: label_of(t, d),
                value: key,
            }
        }));
        all
    }
}

/// The sort menu, the order in force selected.
fn sort_choices(t: T, sort: &str) -> Vec<Choice> {
    [
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
    .collect()
}

/// The page of rows the filter finds (with the cursor of the next), or
/// why the filter is refused.
async fn rows(
    store: &Store,
    actor: &Actor,
    request: &Request<'_>,
    t: T,
    people: &People,
    defs: &[FieldDefinition],
) -> Result<(Vec<Row>, Option<String>, Option<String>), PageError> {
    let filter = match CustomerFilter::from_params(&request.filter_pairs) {
        Ok(filter) => filter,
        Err(invalid) => return Ok((Vec::new(), None, Some(Errors::new(t, &invalid.0).line()))),
    };
    let page = store.browse_customers(actor, &filter).await?;
    let rows = page
        .items
        .iter()
        .map(|c| Row {
            id: c.id,
            name: c.name.clone(),
            cells: request
                .columns
                .iter()
                .map(|k| cell(t, c, k, people, defs))
                .collect(),
        })
        .collect();
    Ok((rows, page.next_cursor, None))
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
    let request = Request::read(&params, &views, &defs);
    let users = store.users().await?;
    let people = People::new(&users);
    let (rows, next_cursor, error) = rows(store, &actor, &request, t, &people, &defs).await?;
    let get = |k: &str| request.get(k);
    let filters = filter_inputs(store, t, &users, &people, &defs, &get).await?;
    // The filter panel opens when a filter (not just a search) is set.
    let filtered = request
        .base
        .iter()
        .any(|(k, v)| k != "sort" && k != "q" && !v.is_empty());
    let view_links = views
        .iter()
        .map(|v| ViewLink {
            id: v.id,
            name: v.name.clone(),
            href: format!("/customers?view={}", v.id),
            current: Some(v.id) == request.view_id,
            shared: v.shared,
            mine: v.user_id == actor.user_id.get(),
        })
        .collect();
    let page = ListPage {
        f: Frame::new(&state, &viewer, Section::Customers, t.s("nav.customers"))
            .await?
            .with_flash(flash(t, &params)),
        q: request.get("q"),
        filters,
        columns: request.headers(t, &defs),
        rows,
        next_link: next_cursor.map(|c| request.link(&[("cursor".into(), c)])),
        first_link: request
            .filter_pairs
            .iter()
            .any(|(k, _)| k == "cursor")
            .then(|| request.link(&[])),
        filter_query: query_string(&request.base),
        cols_value: request.columns.join(","),
        all_columns: request.column_choices(t, &defs),
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
        in_view: request.view.is_some(),
        sorts: sort_choices(t, &request.get("sort")),
    };
    render(&page)
}
