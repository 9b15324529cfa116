//! Custom fields: their list beside the built-in entry standards, the form
//! that adds or edits one, and the country records take by default.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::{FieldDefId, FieldError};
use kehu_store::fields::FieldDefinition;
use serde_json::{json, Map, Value};

use super::{admin_only, frame};
use crate::error::ApiError;
use crate::extract::{JsonObject, QueryPairs};
use crate::input::settings::field_input;
use crate::pages::customers::{label_of, Choice};
use crate::pages::form::Values;
use crate::pages::frame::{Frame, Section};
use crate::pages::{invalid_of, render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::AppState;

const FIELD_TYPES: &[&str] = &[
    "text",
    "long_text",
    "integer",
    "decimal",
    "money",
    "date",
    "date_time",
    "bool",
    "select",
    "multi_select",
    "email",
    "phone",
    "url",
];

pub struct FieldRow {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub rules: String,
}

pub struct Standard {
    pub label: &'static str,
    pub rule: &'static str,
}

#[derive(Template)]
#[template(path = "settings/fields.html")]
struct FieldsPage {
    f: Frame,
    rows: Vec<FieldRow>,
    standards: Vec<Standard>,
    /// The add form, or the edit form of `editing`.
    editing: Option<i64>,
    values: Values,
    types: Vec<Choice>,
    errors: Errors,
    /// The country of records entered without one, chosen among all.
    countries: Vec<Choice>,
}

impl FieldsPage {
    fn v(&self, name: &str) -> &str {
        self.values.first(name)
    }

    fn checked(&self, name: &str) -> bool {
        !self.values.first(name).is_empty()
    }
}

fn rules_text(t: T, d: &FieldDefinition) -> String {
    let r = &d.rules;
    let mut parts = Vec::new();
    if r.required {
        parts.push(t.s("settings.rule_required").to_owned());
    }
    if r.unique {
        parts.push(t.s("settings.rule_unique").to_owned());
    }
    if let Some(p) = &r.pattern {
        parts.push(format!("{} {p}", t.s("settings.pattern")));
    }
    if let Some(min) = r.min_length {
        parts.push(format!("{} {min}", t.s("settings.min_length")));
    }
    if let Some(max) = r.max_length {
        parts.push(format!("{} {max}", t.s("settings.max_length")));
    }
    if let Some(min) = &r.min {
        parts.push(format!("≥ {min}"));
    }
    if let Some(max) = &r.max {
        parts.push(format!("≤ {max}"));
    }
    if let Some(options) = d.kind.options() {
        parts.push(options.join(" / "));
    }
    if d.sensitive {
        parts.push(t.s("settings.sensitive").to_owned());
    }
    parts.join(" · ")
}

/// A definition as the form shows it, to edit.
fn field_values(d: &FieldDefinition) -> Values {
    let r = &d.rules;
    let flag = |b: bool| if b { "1" } else { "" }.to_owned();
    let mut pairs = vec![
        ("key", d.key.clone()),
        ("label_zh", d.label_zh.clone()),
        ("label_en", d.label_en.clone()),
        ("type", d.kind.name().to_owned()),
        ("options", d.kind.options().unwrap_or_default().join("\n")),
        ("required", flag(r.required)),
        ("unique", flag(r.unique)),
        ("sensitive", flag(d.sensitive)),
        ("pattern", r.pattern.clone().unwrap_or_default()),
        ("position", d.position.to_string()),
    ];
    let num = |v: Option<usize>| v.map(|n| n.to_string()).unwrap_or_default();
    pairs.push(("min_length", num(r.min_length)));
    pairs.push(("max_length", num(r.max_length)));
    pairs.push(("min", r.min.map(|n| n.to_string()).unwrap_or_default()));
    pairs.push(("max", r.max.map(|n| n.to_string()).unwrap_or_default()));
    Values::from_fields(&crate::pages::Fields(
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    ))
}

/// The field form as the JSON the API takes, so both share one parser.
fn field_json(fields: &crate::pages::Fields) -> Map<String, Value> {
    let text = |k: &str| fields.get(k).map(str::to_owned);
    let mut body = Map::new();
    for k in ["key", "label_zh", "label_en"] {
        if let Some(v) = text(k) {
            body.insert(k.into(), Value::String(v));
        }
    }
    let kind = fields.get("type").unwrap_or("text");
    let mut kind_json = json!({ "type": kind });
    if kind == "select" || kind == "multi_select" {
        let options: Vec<Value> = fields
            .get("options")
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| Value::String(o.into()))
            .collect();
        kind_json["options"] = Value::Array(options);
    }
    body.insert("kind".into(), kind_json);
    let mut rules = Map::new();
    rules.insert(
        "required".into(),
        Value::Bool(fields.get("required").is_some()),
    );
    rules.insert("unique".into(), Value::Bool(fields.get("unique").is_some()));
    if let Some(p) = text("pattern") {
        rules.insert("pattern".into(), Value::String(p));
    }
    for k in ["min_length", "max_length"] {
        if let Some(v) = text(k) {
            // Not a number: passed on as text, so the rules are refused
            // with the API's own message.
            let n = v
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(v));
            rules.insert(k.into(), n);
        }
    }
    for k in ["min", "max"] {
        if let Some(v) = text(k) {
            rules.insert(k.into(), Value::String(v));
        }
    }
    body.insert("rules".into(), Value::Object(rules));
    body.insert(
        "sensitive".into(),
        Value::Bool(fields.get("sensitive").is_some()),
    );
    if let Some(p) = text("position") {
        let n = p
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(p));
        body.insert("position".into(), n);
    }
    body
}

/// What the built-in fields accept, as the entry standards say.
fn standards(t: T) -> Vec<Standard> {
    [
        ("field.name", "std.name"),
        ("field.mobile", "std.mobile"),
        ("field.phone", "std.phone"),
        ("field.email", "std.email"),
        ("field.uscc", "std.uscc"),
        ("field.province", "std.province"),
        ("field.postal_code", "std.postal_code"),
        ("field.website", "std.website"),
    ]
    .into_iter()
    .map(|(label, rule)| Standard {
        label: t.s(label),
        rule: t.s(rule),
    })
    .collect()
}

async fn fields_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    editing: Option<i64>,
    values: Values,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let t = viewer.t();
    let defs = state.store.field_definitions().await?;
    let selected = values.first("type").to_owned();
    let page = FieldsPage {
        f: frame(state, viewer, "settings.fields", params).await?,
        rows: defs
            .iter()
            .map(|d| FieldRow {
                id: d.id,
                key: d.key.clone(),
                label: label_of(t, d),
                kind: t.s(&format!("type.{}", d.kind.name())).to_owned(),
                rules: rules_text(t, d),
            })
            .collect(),
        standards: standards(t),
        editing,
        types: FIELD_TYPES
            .iter()
            .map(|k| Choice {
                value: (*k).to_owned(),
                label: t.s(&format!("type.{k}")).to_owned(),
                selected: *k == selected,
            })
            .collect(),
        values,
        errors: Errors::new(t, errors),
        countries: {
            let default = state.store.default_country().await?;
            let mut all = crate::pages::form::country_choices(t);
            for c in &mut all {
                c.selected = c.value == default.code();
            }
            all
        },
    };
    render_refused(&page, !errors.is_empty())
}

/// Sets the country of records entered without one.
pub(super) async fn set_locale(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let country = posted
        .fields
        .get("default_country")
        .and_then(kehu_core::country::Country::from_code)
        .ok_or(PageError::BadRequest)?;
    state
        .store
        .set_default_country(&posted.viewer.me.actor, country)
        .await?;
    Ok(see_other("/settings/fields?flash=saved"))
}

pub(super) async fn fields(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    fields_page(&state, &viewer, &params, None, Values::default(), &[]).await
}

pub(super) async fn edit_field(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    admin_only(&viewer)?;
    let d = state.store.field_definition(FieldDefId(id)).await?;
    fields_page(&state, &viewer, &[], Some(id), field_values(&d), &[]).await
}

pub(super) async fn create_field(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    save_field(&state, posted, None).await
}

pub(super) async fn update_field(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    save_field(&state, posted, Some(FieldDefId(id))).await
}

/// Adds a field definition, or changes the one `id` names, read by the
/// API's own parser.
async fn save_field(
    state: &AppState,
    posted: Posted,
    id: Option<FieldDefId>,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let current = match id {
        Some(id) => Some(state.store.field_definition(id).await?),
        None => None,
    };
    let ctx = posted.viewer.me.ctx();
    let result = match field_input(JsonObject(field_json(&posted.fields)), current.as_ref()) {
        Ok((def, position)) => match id {
            Some(id) => state
                .store
                .update_field_definition(&ctx, id, def, position)
                .await
                .map(drop),
            None => state
                .store
                .create_field_definition(&ctx, def, position)
                .await
                .map(drop),
        }
        .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) if id.is_some() => Ok(see_other("/settings/fields?flash=saved")),
        Ok(()) => Ok(see_other("/settings/fields?flash=field_added")),
        Err(e) => {
            let errors = invalid_of(e)?;
            let values = Values::from_fields(&posted.fields);
            let editing = id.map(|id| id.get());
            fields_page(state, &posted.viewer, &[], editing, values, &errors).await
        }
    }
}

pub(super) async fn delete_field(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    state
        .store
        .delete_field_definition(&posted.viewer.me.ctx(), FieldDefId(id))
        .await?;
    Ok(see_other("/settings/fields?flash=saved"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_form_becomes_the_apis_json() {
        let fields = crate::pages::Fields(
            [
                ("key", "level"),
                ("label_zh", "等级"),
                ("label_en", "Level"),
                ("type", "select"),
                ("options", "A\n\n B \nC"),
                ("required", "1"),
                ("max_length", "x"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        );
        let body = Value::Object(field_json(&fields));
        assert_eq!(
            body["kind"],
            json!({"type": "select", "options": ["A", "B", "C"]})
        );
        assert_eq!(body["rules"]["required"], json!(true));
        assert_eq!(body["rules"]["unique"], json!(false));
        assert_eq!(body["rules"]["max_length"], json!("x"));
        assert!(field_input(JsonObject(field_json(&fields)), None).is_err());
    }
}
