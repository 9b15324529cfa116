//! The administrators' lead settings: public forms with their snippet,
//! pool rules and region rules.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_store::leads::{LeadForm, PoolRule};

use crate::extract::QueryPairs;
use crate::pages::customers::{flash, user_choices, Choice};
use crate::pages::frame::{Frame, Section};
use crate::pages::orders::field_errors;
use crate::pages::{render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "leads/settings.html")]
struct SettingsPage {
    f: Frame,
    forms: Vec<LeadForm>,
    rules: Vec<(String, PoolRule)>,
    teams: Vec<Choice>,
    users: Vec<Choice>,
    base: String,
    error: Option<String>,
}

async fn settings_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    base: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    if !viewer.me.actor.is_admin() {
        return Err(PageError::Forbidden);
    }
    let t = viewer.t();
    let teams = state.store.teams().await?;
    let name_of = |team: Option<i64>| match team {
        None => t.s("leads.default_rule").to_owned(),
        Some(id) => teams
            .iter()
            .find(|tm| tm.id == id)
            .map(|tm| tm.name.clone())
            .unwrap_or_else(|| format!("#{id}")),
    };
    let rules = state
        .store
        .pool_rules()
        .await?
        .into_iter()
        .map(|r| (name_of(r.team_id), r))
        .collect();
    let users = user_choices(state, None).await?;
    let refused = error.is_some();
    let view = SettingsPage {
        f: Frame::new(state, viewer, Section::Settings, t.s("leads.settings"))
            .await?
            .with_flash(flash(t, params)),
        forms: state.store.lead_forms().await?,
        rules,
        teams: teams
            .iter()
            .map(|tm| Choice {
                value: tm.id.to_string(),
                label: tm.name.clone(),
                selected: false,
            })
            .collect(),
        users,
        base,
        error,
    };
    render_refused(&view, refused)
}

pub async fn settings(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let base = site(&headers);
    settings_page(&state, &viewer, &params, base, None).await
}

/// The address kehu is reached at, as the browser used it, for the
/// snippet an administrator copies onto the company's site.
fn site(headers: &axum::http::HeaderMap) -> String {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let host = value("x-forwarded-host")
        .or_else(|| value("host"))
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let scheme = value("x-forwarded-proto").unwrap_or_else(|| "http".to_owned());
    format!("{scheme}://{host}")
}

/// A refusal on the settings page, as one line.
async fn settings_refused(
    state: &AppState,
    posted: &Posted,
    e: kehu_store::Error,
) -> Result<Response, PageError> {
    let errors = field_errors(e)?;
    let line = Errors::new(posted.viewer.t(), &errors).line();
    settings_page(state, &posted.viewer, &[], String::new(), Some(line)).await
}

pub async fn add_form(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let get = |n: &str| posted.fields.get(n);
    let team = get("team_id").and_then(|v| v.parse().ok());
    match state
        .store
        .create_lead_form(
            &posted.viewer.me.ctx(),
            get("name").unwrap_or_default(),
            get("source"),
            get("campaign"),
            get("assign").unwrap_or("pool"),
            team,
        )
        .await
    {
        Ok(_) => Ok(see_other("/settings/leads?flash=saved")),
        Err(e) => settings_refused(&state, &posted, e).await,
    }
}

/// A whole number typed into a settings field; blank is `None`, and
/// anything else is refused under the field.
fn number(posted: &Posted, name: &str) -> Result<Option<i64>, kehu_store::Error> {
    match posted.fields.get(name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| kehu_core::Invalid::one(name, kehu_core::Code::InvalidNumber).into()),
    }
}

pub async fn save_pool_rule(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let parsed = (|| {
        Ok::<_, kehu_store::Error>(PoolRule {
            team_id: number(&posted, "team_id")?,
            max_held: number(&posted, "max_held")?,
            protect_days: number(&posted, "protect_days")?.unwrap_or(0),
            return_days: number(&posted, "return_days")?,
        })
    })();
    let result = match parsed {
        Ok(rule) => {
            state
                .store
                .set_pool_rule(&posted.viewer.me.ctx(), &rule)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/settings/leads?flash=saved")),
        Err(e) => settings_refused(&state, &posted, e).await,
    }
}

pub async fn save_region_rule(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let user = posted.fields.get("user_id").and_then(|v| v.parse().ok());
    match state
        .store
        .set_region_rule(
            &posted.viewer.me.ctx(),
            posted.fields.get("province").unwrap_or_default(),
            user,
        )
        .await
    {
        Ok(()) => Ok(see_other("/settings/leads?flash=saved")),
        Err(e) => settings_refused(&state, &posted, e).await,
    }
}
