//! `/api/v1/webhooks`, `/api/v1/webhook-deliveries` and
//! `/api/v1/webhook-allowed-hosts`: where kehu tells finance and logistics
//! what happened, the log of what was sent, and the private hosts it may
//! reach. Administrators only; the store enforces it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::{Invalid, WebhookDeliveryId, WebhookId};
use kehu_store::webhooks::deliveries::WebhookDelivery;
use kehu_store::webhooks::{AllowedHostEntry, WebhookEndpoint, WithSecret};
use serde::Deserialize;

use crate::error::Result;
use crate::extract::{CurrentUser, JsonObject};
use crate::input::webhooks::endpoint_input;
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookEndpoint>), (status = 403)))]
/// Every endpoint, without secrets.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<WebhookEndpoint>>> {
    Ok(Json(state.store.webhook_endpoints(&me.actor).await?))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks",
    request_body(content = Object, description = "`{\"url\": \"https://erp.example.cn/kehu\", \"events\": [\"order.paid\", \"order.shipped\"], \"active\": true, \"description\": \"财务系统\"}`: url and events are required. Events: order.confirmed, order.paid, order.shipped, order.delivered, order.cancelled, lead.created, opportunity.won, opportunity.lost, customer.created, customer.updated, customer.merged. A URL whose host is a loopback, private, link-local or reserved address is refused (`url` private_address) unless the host is on the allowed hosts"),
    responses((status = 201, body = WithSecret, description = "The endpoint with its signing secret, shown only now"),
        (status = 403), (status = 422, description = "`url` invalid_url, unsupported_scheme, url_credentials or private_address; `events` not_an_option or required")))]
/// Registers an endpoint and returns its signing secret, this once.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<WithSecret>)> {
    let (input, _) = endpoint_input(body)?;
    let created = state
        .store
        .create_webhook_endpoint(&me.ctx(), input)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookEndpoint), (status = 403), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<WebhookEndpoint>> {
    Ok(Json(
        state
            .store
            .webhook_endpoint(&me.actor, WebhookId(id))
            .await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    request_body(content = Object, description = "Any of url, events, active, description; `version` guards against overwriting another's change"),
    responses((status = 200, body = WebhookEndpoint), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<WebhookEndpoint>> {
    let (input, version) = endpoint_input(body)?;
    Ok(Json(
        state
            .store
            .update_webhook_endpoint(&me.ctx(), WebhookId(id), input, version)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
/// Removes an endpoint with its delivery log.
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state
        .store
        .delete_webhook_endpoint(&me.ctx(), WebhookId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WithSecret, description = "The new secret, shown only now; the old one signs nothing more"),
        (status = 403), (status = 404)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<WithSecret>> {
    Ok(Json(
        state
            .store
            .rotate_webhook_secret(&me.ctx(), WebhookId(id))
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct DeliveryQuery {
    before: Option<i64>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path),
           ("before" = Option<i64>, Query, description = "The last id of the previous page"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1–200, default 50")),
    responses((status = 200, body = Vec<WebhookDelivery>), (status = 403), (status = 404)))]
/// The endpoint's deliveries, newest first, each with every attempt: when,
/// how long, the answer's status or why none came.
pub async fn deliveries(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<DeliveryQuery>,
) -> Result<Json<Vec<WebhookDelivery>>> {
    Ok(Json(
        state
            .store
            .webhook_deliveries(
                &me.actor,
                WebhookId(id),
                query.before,
                super::page_limit(query.limit, 50, 200)?,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/webhook-deliveries/{id}/replay", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 202, body = WebhookDelivery, description = "A new delivery of the same event, due now"),
        (status = 403), (status = 404), (status = 409, description = "webhook_inactive: the endpoint is inactive")))]
/// Sends a delivery's event to its endpoint again.
pub async fn replay(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<WebhookDelivery>)> {
    let replay = state
        .store
        .replay_webhook_delivery(&me.ctx(), WebhookDeliveryId(id))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(replay)))
}

#[utoipa::path(get, path = "/api/v1/webhook-allowed-hosts", tag = "webhooks",
    responses((status = 200, body = Vec<AllowedHostEntry>), (status = 403)))]
/// The hosts webhooks may reach although they are not public.
pub async fn allowed_hosts(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<AllowedHostEntry>>> {
    Ok(Json(state.store.webhook_allowed_hosts(&me.actor).await?))
}

#[utoipa::path(post, path = "/api/v1/webhook-allowed-hosts", tag = "webhooks",
    request_body(content = Object, description = "`{\"host\": \"erp.example.cn\"}`: a host name or IP address, allowed at any port; matched against a URL's host exactly (allowing 127.0.0.1 does not allow localhost)"),
    responses((status = 201, body = AllowedHostEntry), (status = 403), (status = 422, description = "`host` required, invalid_host or not_unique")))]
pub async fn allow_host(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<AllowedHostEntry>)> {
    let mut invalid = Invalid::default();
    let host = body.take_string("host", &mut invalid).unwrap_or_default();
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let entry = state.store.allow_webhook_host(&me.ctx(), &host).await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[utoipa::path(delete, path = "/api/v1/webhook-allowed-hosts/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn disallow_host(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state.store.disallow_webhook_host(&me.ctx(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
