//! Users: their list, roles, teams, passwords set by an administrator, and
//! the two-factor policy.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::entry::Mode;
use kehu_core::{schema, FieldError, UserId};
use kehu_store::two_factor::Policy;
use kehu_store::users::{Team, User};
use serde_json::{Map, Value};

use super::{admin_only, frame};
use crate::error::ApiError;
use crate::extract::{JsonObject, QueryPairs};
use crate::input::records::record_input;
use crate::pages::customers::Choice;
use crate::pages::form::Values;
use crate::pages::frame::{Frame, Section};
use crate::pages::{invalid_of, render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::AppState;

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
pub(super) async fn set_two_factor_policy(
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

pub(super) async fn users(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    users_page(&state, &viewer, &params, Values::default(), &[], None).await
}

/// Adds a user. A password left blank is generated and shown once, for
/// the administrator to hand over.
pub(super) async fn create_user(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
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
pub(super) async fn update_user(
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
pub(super) async fn reset_password(
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
