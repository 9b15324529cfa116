//! Settings → webhooks (`/settings/webhooks`, administrators): the
//! endpoints finance and logistics systems are told about events at, the
//! hosts they may reach although private, and per endpoint its delivery
//! log with a button to send a delivery again. Forms are read by the API's
//! own parser, so a page and a script are refused alike.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::webhook::Event;
use kehu_core::{FieldError, WebhookDeliveryId, WebhookId};
use kehu_store::webhooks::deliveries::{WebhookAttempt, WebhookDelivery};
use kehu_store::webhooks::{AllowedHostEntry, WebhookEndpoint};
use serde_json::{Map, Value};

use super::customers::Choice;
use super::form::Values;
use super::frame::{Frame, Section};
use super::settings::{admin_only, frame};
use super::{invalid_of, param, render_refused, see_other, Errors, Fields, PageError, Posted};
use super::{Viewer, T};
use crate::error::ApiError;
use crate::extract::{JsonObject, QueryPairs};
use crate::input::webhooks::endpoint_input;
use crate::AppState;

/// Deliveries the endpoint page lists at once.
const PER_PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/webhooks", get(list).post(create))
        .route("/settings/webhooks/hosts", post(allow_host))
        .route("/settings/webhooks/hosts/{id}/delete", post(disallow_host))
        .route("/settings/webhooks/{id}", get(show).post(update))
        .route("/settings/webhooks/{id}/secret", post(rotate_secret))
        .route("/settings/webhooks/{id}/delete", post(delete))
        .route("/settings/webhook-deliveries/{id}/replay", post(replay))
}

/// The endpoint form as typed (or as stored), with its errors.
pub struct EndpointForm {
    pub values: Values,
    pub events: Vec<Choice>,
    pub active: bool,
    pub errors: Errors,
}

impl EndpointForm {
    fn new(t: T, fields: &Fields, errors: &[FieldError]) -> EndpointForm {
        let chosen: Vec<&str> = fields.all("events").collect();
        EndpointForm {
            values: Values::from_fields(fields),
            events: Event::ALL
                .iter()
                .map(|e| Choice {
                    value: e.as_str().to_owned(),
                    label: event_label(t, *e),
                    selected: chosen.contains(&e.as_str()),
                })
                .collect(),
            active: fields.get("active").is_some(),
            errors: Errors::new(t, errors),
        }
    }

    /// An empty form: active, nothing chosen yet.
    fn blank(t: T) -> EndpointForm {
        let fields = Fields(vec![("active".into(), "1".into())]);
        EndpointForm::new(t, &fields, &[])
    }

    /// A stored endpoint, to edit.
    fn of(t: T, e: &WebhookEndpoint) -> EndpointForm {
        let mut pairs = vec![
            ("url".to_owned(), e.url.clone()),
            (
                "description".to_owned(),
                e.description.clone().unwrap_or_default(),
            ),
        ];
        if e.active {
            pairs.push(("active".into(), "1".into()));
        }
        pairs.extend(
            e.events
                .iter()
                .map(|ev| ("events".to_owned(), ev.as_str().to_owned())),
        );
        EndpointForm::new(t, &Fields(pairs), &[])
    }

    fn v(&self, name: &str) -> &str {
        self.values.first(name)
    }
}

/// `order.paid — 订单已付清`.
fn event_label(t: T, e: Event) -> String {
    format!(
        "{} — {}",
        e.as_str(),
        t.s(&format!("webhooks.event.{}", e.as_str()))
    )
}

/// The form as the JSON the API takes.
fn endpoint_json(fields: &Fields) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("url".into(), fields.get("url").unwrap_or_default().into());
    body.insert(
        "events".into(),
        Value::Array(fields.all("events").map(Value::from).collect()),
    );
    body.insert("active".into(), fields.get("active").is_some().into());
    body.insert(
        "description".into(),
        fields.get("description").map_or(Value::Null, Value::from),
    );
    if let Some(version) = fields.get("version").and_then(|v| v.parse::<i64>().ok()) {
        body.insert("version".into(), version.into());
    }
    body
}

// ---------------------------------------------------------------- list

pub struct EndpointRow {
    pub endpoint: WebhookEndpoint,
    pub events: String,
}

/// The allow-list's form: the host as typed, and why it was refused.
#[derive(Default)]
pub struct HostForm {
    pub typed: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "settings/webhooks.html")]
struct ListPage {
    f: Frame,
    rows: Vec<EndpointRow>,
    form: EndpointForm,
    hosts: Vec<AllowedHostEntry>,
    host: HostForm,
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    form: EndpointForm,
    host: HostForm,
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let refused = !form.errors.is_empty() || !host.error.is_empty();
    let rows = state
        .store
        .webhook_endpoints(&viewer.me.actor)
        .await?
        .into_iter()
        .map(|endpoint| EndpointRow {
            events: endpoint
                .events
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            endpoint,
        })
        .collect();
    let page = ListPage {
        f: frame(state, viewer, "settings.webhooks", params).await?,
        rows,
        form,
        hosts: state.store.webhook_allowed_hosts(&viewer.me.actor).await?,
        host,
    };
    render_refused(&page, refused)
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let form = EndpointForm::blank(viewer.t());
    list_page(&state, &viewer, &params, form, Default::default()).await
}

/// Registers an endpoint and shows its page with the secret, this once.
async fn create(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let result = match endpoint_input(JsonObject(endpoint_json(&posted.fields))) {
        Ok((input, _)) => state
            .store
            .create_webhook_endpoint(&posted.viewer.me.ctx(), input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => {
            let params = [("flash".to_owned(), "webhook_added".to_owned())];
            let id = WebhookId(created.endpoint.id);
            let shown = Shown::Secret(created.secret);
            endpoint_page(&state, &posted.viewer, id, &params, shown).await
        }
        Err(e) => {
            let errors = invalid_of(e)?;
            let form = EndpointForm::new(posted.viewer.t(), &posted.fields, &errors);
            list_page(&state, &posted.viewer, &[], form, Default::default()).await
        }
    }
}

async fn allow_host(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let host = posted.fields.get("host").unwrap_or_default().to_owned();
    match state
        .store
        .allow_webhook_host(&posted.viewer.me.ctx(), &host)
        .await
    {
        Ok(_) => Ok(see_other("/settings/webhooks?flash=host_allowed")),
        Err(e) => {
            let errors = invalid_of(e.into())?;
            let t = posted.viewer.t();
            let host = HostForm {
                typed: host,
                error: Errors::new(t, &errors).messages(),
            };
            list_page(&state, &posted.viewer, &[], EndpointForm::blank(t), host).await
        }
    }
}

async fn disallow_host(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    state
        .store
        .disallow_webhook_host(&posted.viewer.me.ctx(), id)
        .await?;
    Ok(see_other("/settings/webhooks?flash=host_removed"))
}

// ---------------------------------------------------------------- one endpoint

pub struct AttemptRow {
    pub at: String,
    /// `HTTP 500`, or why no answer came.
    pub result: String,
    pub detail: String,
    pub ok: bool,
    pub duration_ms: i64,
}

pub struct DeliveryRow {
    pub delivery: WebhookDelivery,
    pub status: &'static str,
    pub created: String,
    pub next: String,
    pub attempts: Vec<AttemptRow>,
    pub payload: String,
}

#[derive(Template)]
#[template(path = "settings/webhook.html")]
struct EndpointPage {
    f: Frame,
    endpoint: WebhookEndpoint,
    form: EndpointForm,
    /// The signing secret, when just made or rotated.
    secret: Option<String>,
    /// When the secret was made.
    rotated: String,
    deliveries: Vec<DeliveryRow>,
    /// The `before` of the next page of older deliveries.
    older: Option<i64>,
}

/// What the endpoint page shows besides the stored endpoint.
enum Shown {
    Plain,
    /// The signing secret, just made or rotated.
    Secret(String),
    /// The edit form as typed, refused.
    Refused(Fields, Vec<FieldError>),
}

fn attempt_row(t: T, a: &WebhookAttempt) -> AttemptRow {
    let result = match (a.response_status, a.error_kind.as_deref()) {
        (Some(status), None) => format!("HTTP {status}"),
        (Some(status), Some(kind)) => {
            format!("HTTP {status} · {}", t.s(&format!("webhooks.error.{kind}")))
        }
        (None, Some(kind)) => t.s(&format!("webhooks.error.{kind}")).to_owned(),
        (None, None) => String::new(),
    };
    AttemptRow {
        at: t.time(a.attempted_at.0),
        result,
        detail: a.error.clone().unwrap_or_default(),
        ok: a.succeeded(),
        duration_ms: a.duration_ms,
    }
}

fn delivery_row(t: T, d: WebhookDelivery) -> DeliveryRow {
    DeliveryRow {
        status: t.s(&format!("webhooks.status.{}", d.status)),
        created: t.time(d.created_at.0),
        next: d.next_attempt_at.map(|n| t.time(n.0)).unwrap_or_default(),
        attempts: d.attempts.iter().map(|a| attempt_row(t, a)).collect(),
        payload: serde_json::to_string_pretty(&d.payload).unwrap_or_default(),
        delivery: d,
    }
}

async fn endpoint_page(
    state: &AppState,
    viewer: &Viewer,
    id: WebhookId,
    params: &[(String, String)],
    shown: Shown,
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let t = viewer.t();
    let endpoint = state.store.webhook_endpoint(&viewer.me.actor, id).await?;
    let (form, secret, refused) = match shown {
        Shown::Plain => (EndpointForm::of(t, &endpoint), None, false),
        Shown::Secret(secret) => (EndpointForm::of(t, &endpoint), Some(secret), false),
        Shown::Refused(fields, errors) => (EndpointForm::new(t, &fields, &errors), None, true),
    };
    let before = param(params, "before").and_then(|b| b.parse().ok());
    let deliveries = state
        .store
        .webhook_deliveries(&viewer.me.actor, id, before, PER_PAGE)
        .await?;
    let older = (deliveries.len() as i64 == PER_PAGE)
        .then(|| deliveries.last().map(|d| d.id))
        .flatten();
    let page = EndpointPage {
        f: frame(state, viewer, "settings.webhooks", params).await?,
        rotated: t.time(endpoint.secret_rotated_at.0),
        endpoint,
        form,
        secret,
        deliveries: deliveries.into_iter().map(|d| delivery_row(t, d)).collect(),
        older,
    };
    render_refused(&page, refused)
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    endpoint_page(&state, &viewer, WebhookId(id), &params, Shown::Plain).await
}

async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let result = match endpoint_input(JsonObject(endpoint_json(&posted.fields))) {
        Ok((input, version)) => state
            .store
            .update_webhook_endpoint(&posted.viewer.me.ctx(), WebhookId(id), input, version)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/settings/webhooks/{id}?flash=saved"))),
        Err(e) => {
            let errors = invalid_of(e)?;
            let shown = Shown::Refused(posted.fields.clone(), errors);
            endpoint_page(&state, &posted.viewer, WebhookId(id), &[], shown).await
        }
    }
}

/// Makes a new secret and shows it, this once.
async fn rotate_secret(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let rotated = state
        .store
        .rotate_webhook_secret(&posted.viewer.me.ctx(), WebhookId(id))
        .await?;
    let params = [("flash".to_owned(), "secret_rotated".to_owned())];
    let shown = Shown::Secret(rotated.secret);
    endpoint_page(&state, &posted.viewer, WebhookId(id), &params, shown).await
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    state
        .store
        .delete_webhook_endpoint(&posted.viewer.me.ctx(), WebhookId(id))
        .await?;
    Ok(see_other("/settings/webhooks?flash=webhook_deleted"))
}

/// Sends a delivery's event again; the endpoint page shows it queued.
async fn replay(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let replay = state
        .store
        .replay_webhook_delivery(&posted.viewer.me.ctx(), WebhookDeliveryId(id))
        .await?;
    Ok(see_other(&format!(
        "/settings/webhooks/{}?flash=replay_queued",
        replay.endpoint_id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kehu_core::Lang;

    #[test]
    fn every_event_status_and_failure_has_words_in_both_languages() {
        let mut keys: Vec<String> = Event::ALL
            .iter()
            .map(|e| format!("webhooks.event.{}", e.as_str()))
            .collect();
        for status in ["pending", "delivered", "failed"] {
            keys.push(format!("webhooks.status.{status}"));
        }
        for kind in [
            "refused_address",
            "timeout",
            "connect",
            "request",
            "redirect",
        ] {
            keys.push(format!("webhooks.error.{kind}"));
        }
        for key in keys {
            assert!(super::super::i18n::has(&key), "{key}");
        }
        assert_eq!(
            event_label(T(Lang::En), Event::OrderPaid),
            "order.paid — Order paid in full"
        );
    }

    #[test]
    fn the_form_becomes_the_apis_json() {
        let fields = Fields(
            [
                ("url", " https://erp.example.cn/kehu "),
                ("events", "order.paid"),
                ("events", "order.shipped"),
                ("description", ""),
                ("version", "3"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        );
        let body = Value::Object(endpoint_json(&fields));
        assert_eq!(
            body,
            serde_json::json!({"url": "https://erp.example.cn/kehu", "events": ["order.paid", "order.shipped"],
                "active": false, "description": null, "version": 3})
        );
        let (input, version) = endpoint_input(JsonObject(endpoint_json(&fields))).unwrap();
        assert_eq!(version, Some(3));
        assert_eq!(
            input.events,
            Some(vec![Event::OrderPaid, Event::OrderShipped])
        );
        assert_eq!(input.active, Some(false));
    }
}
