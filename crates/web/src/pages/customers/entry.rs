//! The entry form (录入): creating and editing a customer, with live checks
//! and the duplicate warning.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::country::Country;
use kehu_core::entry::Mode;
use kehu_core::{CustomerId, FieldError, UserId};
use kehu_store::customers::Customer;
use kehu_store::duplicates::DuplicateHit;
use kehu_store::fields::FieldDefinition;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::extract::JsonObject;
use crate::input::customers::{customer_input, probe_of};
use crate::pages::form::{customer_inputs, Input, Values};
use crate::pages::frame::{Frame, Section};
use crate::pages::{invalid_of, render, see_other, PageError, Posted, Viewer, T};
use crate::AppState;

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
pub(super) fn customer_json(
    values: &Values,
    defs: &[FieldDefinition],
    update: bool,
) -> Map<String, Value> {
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
    let c = state
        .store
        .customer(&viewer.me.actor, CustomerId(id))
        .await?;
    let defs = state.store.field_definitions().await?;
    let values = Values::from_customer(&c, &defs);
    form_page(&state, &viewer, Some(&c), &values, &[], &[], None).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let current = state
        .store
        .customer(&viewer.me.actor, CustomerId(id))
        .await?;
    let defs = state.store.field_definitions().await?;
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
