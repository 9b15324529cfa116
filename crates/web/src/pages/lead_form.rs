//! The public lead form (`/f/{key}`): what a company puts on its website,
//! in a frame, to capture leads. No sign-in. A hidden field people never
//! see and never fill (the honeypot) and a limit of submissions per address
//! keep spam out; the lead's source and campaign come from the form (a
//! `campaign` in the address overrides it, for one link per campaign).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use kehu_core::entry::{parse_object_in, Mode};
use kehu_core::{schema, ChangeSource, FieldError, Lang};
use kehu_store::leads::{Assign, LeadForm};
use kehu_store::write::Ctx;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{assets, Errors, PageError, T};
use crate::AppState;

/// The fields a visitor fills in.
const FIELDS: [&str; 7] = [
    "country", "name", "company", "mobile", "email", "province", "message",
];
/// The honeypot: hidden from people by the page's style, filled by bots.
const HONEYPOT: &str = "website";

/// Framed by the company's own site: any site may frame it, nothing else.
const CSP: &str = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors *; base-uri 'none'; object-src 'none'";

pub fn router() -> Router<AppState> {
    Router::new().route("/f/{key}", get(show).post(submit))
}

#[derive(Template)]
#[template(path = "lead_form.html")]
struct FormPage {
    t: T,
    css: &'static str,
    form: LeadForm,
    campaign: String,
    values: Map<String, Value>,
    errors: Errors,
    thanks: bool,
    error: Option<&'static str>,
    /// Every country, the one typed (else the instance's default) chosen:
    /// the mobile and region are read by its rules.
    countries: Vec<super::customers::Choice>,
}

impl FormPage {
    fn value(&self, name: &str) -> String {
        match self.values.get(name) {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }
}

#[derive(Deserialize)]
pub struct FormQuery {
    lang: Option<String>,
    campaign: Option<String>,
}

fn lang(query: &FormQuery, headers: &HeaderMap) -> T {
    let lang = match query.lang.as_deref() {
        Some(tag) => Lang::from_accept_language(tag),
        None => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::from_accept_language)
            .unwrap_or_default(),
    };
    T(lang)
}

fn render(page: FormPage, status: StatusCode) -> Result<Response, PageError> {
    let html = page
        .render()
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let mut response = (status, axum::response::Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.extensions_mut().insert(crate::Embeddable);
    Ok(response)
}

fn page(t: T, form: LeadForm, campaign: String, home: &str) -> FormPage {
    let mut countries = super::form::country_choices(t);
    for c in &mut countries {
        c.selected = c.value == home;
    }
    FormPage {
        countries,
        t,
        css: assets::CSS.url(),
        form,
        campaign,
        values: Map::new(),
        errors: Errors::new(t, &[]),
        thanks: false,
        error: None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<FormQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let t = lang(&query, &headers);
    let form = state.store.lead_form(&key).await?;
    let campaign = query
        .campaign
        .clone()
        .or_else(|| form.campaign.clone())
        .unwrap_or_default();
    let home = state.store.default_country().await?;
    render(page(t, form, campaign, home.code()), StatusCode::OK)
}

pub async fn submit(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(query): Query<FormQuery>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = lang(&query, &headers);
    let form = state.store.lead_form(&key).await?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let campaign = get("campaign")
        .or_else(|| form.campaign.clone())
        .unwrap_or_default();
    let home = state.store.default_country().await?;
    let chosen = get("country").unwrap_or_else(|| home.code().to_owned());
    // A bot filled the field people cannot see: thank it, keep nothing.
    if get(HONEYPOT).is_some() {
        let mut p = page(t, form, campaign, &chosen);
        p.thanks = true;
        return render(p, StatusCode::OK);
    }
    if !state
        .store
        .form_hit(
            &state.trusted_proxies.client(peer, &headers).to_string(),
            kehu_store::now_ms(),
        )
        .await?
    {
        let mut p = page(t, form, campaign, &chosen);
        p.error = Some("lead_form.too_many");
        return render(p, StatusCode::TOO_MANY_REQUESTS);
    }
    let mut values = Map::new();
    for name in FIELDS {
        values.insert(
            name.into(),
            get(name).map(Value::from).unwrap_or(Value::Null),
        );
    }
    let mut body = values.clone();
    body.insert(
        "source".into(),
        form.source.clone().map(Value::from).unwrap_or(Value::Null),
    );
    body.insert(
        "campaign".into(),
        Some(campaign.clone())
            .filter(|c| !c.is_empty())
            .map(Value::from)
            .unwrap_or(Value::Null),
    );
    let errors: Vec<FieldError> =
        match parse_object_in(&body, schema::LEAD, &[], Mode::Create, home) {
            Ok(patch) => {
                let assign = Assign::parse(&form.assign, form.team_id).unwrap_or(Assign::Pool);
                let ctx = Ctx::system(ChangeSource::Api);
                match state.store.capture_lead(&ctx, patch, assign).await {
                    Ok(_) => {
                        let mut p = page(t, form, campaign, &chosen);
                        p.thanks = true;
                        return render(p, StatusCode::OK);
                    }
                    Err(kehu_store::Error::Invalid(invalid)) => invalid.0,
                    Err(e) => return Err(e.into()),
                }
            }
            Err(invalid) => invalid.0,
        };
    let mut p = page(t, form, campaign, &chosen);
    p.values = values;
    p.errors = Errors::new(t, &errors);
    render(p, StatusCode::UNPROCESSABLE_ENTITY)
}
