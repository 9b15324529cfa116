//! Settings for administrators: custom fields and their rules beside the
//! built-in entry standards; users, teams and roles.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use kehu_core::entry::Mode;
use kehu_core::{schema, FieldDefId, FieldError, TeamId, UserId};
use kehu_store::fields::FieldDefinition;
use kehu_store::two_factor::Policy;
use kehu_store::users::{Team, User};
use serde_json::{json, Map, Value};

use super::customers::{flash, label_of, Choice};
use super::form::Values;
use super::frame::{Frame, Section};
use super::{invalid_of, render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::api::records::record_input;
use crate::api::settings::field_input;
use crate::error::ApiError;
use crate::extract::{JsonObject, QueryPairs};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/fields") }),
        )
        .route("/settings/fields", get(fields).post(create_field))
        .route("/settings/fields/{id}", get(edit_field).post(update_field))
        .route("/settings/fields/{id}/delete", post(delete_field))
        .route("/settings/users", get(users).post(create_user))
        .route("/settings/users/{id}", post(update_user))
        .route("/settings/users/{id}/password", post(reset_password))
        .route("/settings/two-factor", post(set_two_factor_policy))
        .route("/settings/locale", post(set_locale))
        .route("/settings/teams", get(teams).post(create_team))
        .route("/settings/teams/{id}", post(rename_team))
        .route("/settings/teams/{id}/delete", post(delete_team))
}

/// Settings are for administrators only; others get 403 on every page.
pub(super) fn admin_only(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.me.actor.is_admin() {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

pub(super) async fn frame(
    state: &AppState,
    viewer: &Viewer,
    title_key: &str,
    params: &[(String, String)],
) -> Result<Frame, PageError> {
    let t = viewer.t();
    Ok(Frame::new(state, viewer, Section::Settings, t.s(title_key))
        .await?
        .with_flash(flash(t, params)))
}

// ---------------------------------------------------------------- fields

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
    Values::from_fields(&super::Fields(
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
    ))
}

/// The field form as the JSON the API takes, so both share one parser.
fn field_json(fields: &super::Fields) -> Map<String, Value> {
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
            let mut all = super::form::country_choices(t);
            for c in &mut all {
                c.selected = c.value == default.code();
            }
            all
        },
    };
    render_refused(&page, !errors.is_empty())
}

/// Sets the country of records entered without one.
async fn set_locale(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
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

async fn fields(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    fields_page(&state, &viewer, &params, None, Values::default(), &[]).await
}

async fn edit_field(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    admin_only(&viewer)?;
    let d = state.store.field_definition(FieldDefId(id)).await?;
    fields_page(&state, &viewer, &[], Some(id), field_values(&d), &[]).await
}

async fn create_field(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    save_field(&state, posted, None).await
}

async fn update_field(
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

async fn delete_field(
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

// ---------------------------------------------------------------- users

pub struct UserRow {
    pub user: User,
    pub roles: Vec<Choice>,
    pub teams: Vec<Choice>,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "settings/users.html")]
struct UsersPage {
    f: Frame,
    rows: Vec<UserRow>,
    roles: Vec<Choice>,
    teams: Vec<Choice>,
    values: Values,
    errors: Errors,
    /// A password just generated, shown this once.
    new_password: Option<(String, String)>,
    /// Who must use two-factor sign-in.
    policies: Vec<Choice>,
}

impl UsersPage {
    fn v(&self, name: &str) -> &str {
        self.values.first(name)
    }
}

fn role_choices(t: T, selected: &str) -> Vec<Choice> {
    schema::ROLES
        .iter()
        .map(|r| Choice {
            value: (*r).to_owned(),
            label: t.choice("role", r),
            selected: *r == selected,
        })
        .collect()
}

fn team_choices(t: T, teams: &[Team], selected: Option<i64>) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: t.s("common.none").to_owned(),
        selected: selected.is_none(),
    }];
    out.extend(teams.iter().map(|tm| Choice {
        value: tm.id.to_string(),
        label: tm.name.clone(),
        selected: Some(tm.id) == selected,
    }));
    out
}

async fn users_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    values: Values,
    errors: &[FieldError],
    new_password: Option<(String, String)>,
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let t = viewer.t();
    let all_teams = state.store.teams().await?;
    let rows = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            roles: role_choices(t, &u.role),
            teams: team_choices(t, &all_teams, u.team_id),
            is_me: u.id == viewer.me.user.id,
            user: u,
        })
        .collect();
    let page = UsersPage {
        f: frame(state, viewer, "settings.users", params).await?,
        rows,
        roles: role_choices(t, values.first("role")),
        teams: team_choices(t, &all_teams, values.first("team_id").parse().ok()),
        values,
        errors: Errors::new(t, errors),
        new_password,
        policies: policy_choices(t, state.store.two_factor_policy().await?),
    };
    render_refused(&page, !errors.is_empty())
}

fn policy_choices(t: T, current: Policy) -> Vec<Choice> {
    Policy::ALL
        .iter()
        .map(|p| Choice {
            value: p.as_str().to_owned(),
            label: t.choice("two_factor_policy", p.as_str()),
            selected: *p == current,
        })
        .collect()
}

/// Who must use two-factor sign-in: takes effect at each one's next
/// sign-in.
async fn set_two_factor_policy(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let policy = posted
        .fields
        .get("policy")
        .and_then(Policy::parse)
        .ok_or(PageError::BadRequest)?;
    state
        .store
        .set_two_factor_policy(&posted.viewer.me.ctx(), policy)
        .await?;
    Ok(see_other("/settings/users?flash=saved"))
}

async fn users(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    users_page(&state, &viewer, &params, Values::default(), &[], None).await
}

/// Adds a user. A password left blank is generated and shown once, for
/// the administrator to hand over.
async fn create_user(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let mut body = Map::new();
    for k in ["email", "name", "role", "team_id"] {
        if let Some(v) = posted.fields.get(k) {
            body.insert(k.into(), Value::String(v.into()));
        }
    }
    // Taken as typed: sign-in does not trim passwords either.
    let typed = posted
        .fields
        .0
        .iter()
        .find(|(k, v)| k == "password" && !v.is_empty())
        .map(|(_, v)| v.clone());
    let password = typed
        .clone()
        .unwrap_or_else(kehu_store::auth::generate_password);
    let result = match record_input(JsonObject(body), schema::USER, Mode::Create) {
        Ok((patch, _)) => state
            .store
            .create_user(Some(&posted.viewer.me.ctx()), patch, Some(&password))
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(user) => {
            let shown = typed.is_none().then(|| (user.email.clone(), password));
            let params = [("flash".to_owned(), "user_added".to_owned())];
            users_page(
                &state,
                &posted.viewer,
                &params,
                Values::default(),
                &[],
                shown,
            )
            .await
        }
        Err(e) => {
            let errors = invalid_of(e)?;
            let values = Values::from_fields(&posted.fields);
            users_page(&state, &posted.viewer, &[], values, &errors, None).await
        }
    }
}

/// Changes a user's role, team or whether they may sign in.
async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let mut body = Map::new();
    if let Some(role) = posted.fields.get("role") {
        body.insert("role".into(), Value::String(role.into()));
    }
    if posted.fields.0.iter().any(|(k, _)| k == "team_id") {
        body.insert(
            "team_id".into(),
            posted
                .fields
                .get("team_id")
                .map_or(Value::Null, |v| Value::String(v.into())),
        );
    }
    if let Some(active) = posted.fields.get("active") {
        body.insert("active".into(), Value::Bool(active == "true"));
    }
    let result = match record_input(JsonObject(body), schema::USER, Mode::Update) {
        Ok((patch, _)) => state
            .store
            .update_user(&posted.viewer.me.ctx(), UserId(id), patch)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/settings/users?flash=saved")),
        Err(e) => {
            let errors = invalid_of(e)?;
            users_page(
                &state,
                &posted.viewer,
                &[],
                Values::default(),
                &errors,
                None,
            )
            .await
        }
    }
}

/// Sets a new random password, shown once, and ends the user's sessions.
async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let user = state.store.user(UserId(id)).await?;
    let password = kehu_store::auth::generate_password();
    state
        .store
        .set_password(Some(&posted.viewer.me.ctx()), UserId(id), &password)
        .await?;
    let params = [("flash".to_owned(), "password_reset".to_owned())];
    users_page(
        &state,
        &posted.viewer,
        &params,
        Values::default(),
        &[],
        Some((user.email, password)),
    )
    .await
}

// ---------------------------------------------------------------- teams

pub struct TeamRow {
    pub team: Team,
    pub members: usize,
}

#[derive(Template)]
#[template(path = "settings/teams.html")]
struct TeamsPage {
    f: Frame,
    rows: Vec<TeamRow>,
    name: String,
    error: Option<String>,
}

async fn teams_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    name: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let users = state.store.users().await?;
    let rows = state
        .store
        .teams()
        .await?
        .into_iter()
        .map(|team| TeamRow {
            members: users.iter().filter(|u| u.team_id == Some(team.id)).count(),
            team,
        })
        .collect();
    let failed = error.is_some();
    let page = TeamsPage {
        f: frame(state, viewer, "settings.teams", params).await?,
        rows,
        name,
        error,
    };
    render_refused(&page, failed)
}

async fn teams(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    teams_page(&state, &viewer, &params, String::new(), None).await
}

/// The message for a refused team change, or the error to show as a page.
fn team_error(t: T, e: kehu_store::Error) -> Result<String, PageError> {
    match e {
        kehu_store::Error::Invalid(invalid) => Ok(Errors::new(t, &invalid.0).messages()),
        kehu_store::Error::Conflict(_) => Ok(t.s("settings.team_in_use").to_owned()),
        e => Err(e.into()),
    }
}

async fn create_team(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let name = posted.fields.get("name").unwrap_or_default().to_owned();
    match state
        .store
        .create_team(&posted.viewer.me.ctx(), &name)
        .await
    {
        Ok(_) => Ok(see_other("/settings/teams?flash=team_added")),
        Err(e) => {
            let message = team_error(posted.viewer.t(), e)?;
            teams_page(&state, &posted.viewer, &[], name, Some(message)).await
        }
    }
}

async fn rename_team(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let name = posted.fields.get("name").unwrap_or_default().to_owned();
    match state
        .store
        .rename_team(&posted.viewer.me.ctx(), TeamId(id), &name)
        .await
    {
        Ok(_) => Ok(see_other("/settings/teams?flash=saved")),
        Err(e) => {
            let message = team_error(posted.viewer.t(), e)?;
            teams_page(&state, &posted.viewer, &[], String::new(), Some(message)).await
        }
    }
}

async fn delete_team(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    match state
        .store
        .delete_team(&posted.viewer.me.ctx(), TeamId(id))
        .await
    {
        Ok(()) => Ok(see_other("/settings/teams?flash=saved")),
        Err(e) => {
            let message = team_error(posted.viewer.t(), e)?;
            teams_page(&state, &posted.viewer, &[], String::new(), Some(message)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_form_becomes_the_apis_json() {
        let fields = super::super::Fields(
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
