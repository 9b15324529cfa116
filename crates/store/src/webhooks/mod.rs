//! Webhook endpoints and the hosts they may reach: administrators register
//! where kehu tells finance and logistics systems what happened (see
//! [`outbox`] for how events are written and [`deliveries`] for how they
//! are sent and logged).
//!
//! Every endpoint has a signing secret that kehu generates. It is shown
//! when the endpoint is made and when it is rotated, never otherwise: the
//! API and pages return endpoints without it. It is stored as it is, since
//! kehu must sign with it; configuration-held keys for encrypting it at
//! rest come with the key management the resident-ID columns wait for.

pub mod deliveries;
pub(crate) mod outbox;

use kehu_core::webhook::{check_url, AllowedHost, EndpointUrl, Event};
use kehu_core::{Code, Invalid, WebhookId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{json, q};
use crate::time::Time;
use crate::vault::Secret;
use crate::write::{write_history, Change, Ctx};
use crate::{admin_only, now_ms, Error, Result, Store};

/// A registered endpoint, without its secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEndpoint {
    pub id: i64,
    pub url: String,
    /// The events sent to it: `order.paid`, `customer.created`, …
    #[schema(value_type = Vec<String>)]
    pub events: Vec<Event>,
    /// Inactive endpoints get no new events; their pending deliveries wait.
    pub active: bool,
    pub description: Option<String>,
    /// When the signing secret was made or last rotated.
    pub secret_rotated_at: Time,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
}

/// An endpoint with its signing secret: the answer to creating it or
/// rotating the secret, the only times the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: the HMAC-SHA256 key, used exactly as shown.
    pub secret: String,
}

/// What an administrator sends to make or change an endpoint; on change,
/// `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: Option<EndpointUrl>,
    pub events: Option<Vec<Event>>,
    pub active: Option<bool>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
}

/// A host webhooks may reach although it is not public.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct AllowedHostEntry {
    pub id: i64,
    pub host: String,
    pub created_at: Time,
    pub created_by: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: i64,
    url: String,
    events: String,
    active: bool,
    description: Option<String>,
    secret_rotated_at: i64,
    version: i64,
    created_at: i64,
    created_by: Option<i64>,
    updated_at: i64,
}

const COLUMNS: &str = "id, url, events, active, description, secret_rotated_at, version, \
    created_at, created_by, updated_at";

impl TryFrom<EndpointRow> for WebhookEndpoint {
    type Error = Error;
    fn try_from(r: EndpointRow) -> Result<WebhookEndpoint> {
        let names: Vec<String> = serde_json::from_str(&r.events)
            .map_err(|e| Error::internal(format!("webhook {}: bad events: {e}", r.id)))?;
        Ok(WebhookEndpoint {
            id: r.id,
            url: r.url,
            // An event dropped by a later kehu is simply no longer sent.
            events: names.iter().filter_map(|n| Event::parse(n).ok()).collect(),
            active: r.active,
            description: r.description,
            secret_rotated_at: Time(r.secret_rotated_at),
            version: r.version,
            created_at: Time(r.created_at),
            created_by: r.created_by,
            updated_at: Time(r.updated_at),
        })
    }
}

fn events_json(events: &[Event]) -> Result<String> {
    json(&events.iter().map(|e| e.as_str()).collect::<Vec<_>>())
}

/// What the endpoints' secrets are sealed for (see [`crate::vault::Secret`]).
pub(crate) const SECRET_PURPOSE: &str = "webhook";

/// A fresh signing secret.
fn new_secret() -> String {
    crate::auth::new_secret("whsec_")
}

impl Store {
    /// Every endpoint, oldest first. Administrators only.
    pub async fn webhook_endpoints(
        &self,
        actor: &kehu_core::Actor,
    ) -> Result<Vec<WebhookEndpoint>> {
        admin_only(actor)?;
        let rows: Vec<EndpointRow> = self
            .db
            .all(q(format!(
                "SELECT {COLUMNS} FROM webhook_endpoints ORDER BY id"
            )))
            .await?;
        rows.into_iter().map(WebhookEndpoint::try_from).collect()
    }

    /// One endpoint. Administrators only.
    pub async fn webhook_endpoint(
        &self,
        actor: &kehu_core::Actor,
        id: WebhookId,
    ) -> Result<WebhookEndpoint> {
        admin_only(actor)?;
        let row: EndpointRow = self
            .db
            .optional(
                q(format!(
                    "SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1"
                ))
                .bind(id.get()),
            )
            .await?
            .ok_or(Error::NotFound)?;
        row.try_into()
    }

    /// Registers an endpoint with a new secret, returned this once. A URL
    /// whose host is a private address is refused unless the host is
    /// allowed.
    pub async fn create_webhook_endpoint(
        &self,
        ctx: &Ctx,
        input: EndpointInput,
    ) -> Result<WithSecret> {
        admin_only(&ctx.actor)?;
        let (url, events) = match (input.url, input.events.filter(|e| !e.is_empty())) {
            (Some(url), Some(events)) => (url, events),
            (url, events) => {
                let mut invalid = Invalid::default();
                if url.is_none() {
                    invalid.push("url", Code::Required);
                }
                if events.is_none() {
                    invalid.push("events", Code::Required);
                }
                return Err(invalid.into());
            }
        };
        self.check_reachable(&url).await?;
        let now = now_ms();
        let secret = new_secret();
        let sealed = Secret::seal(self.vault(), SECRET_PURPOSE, &secret)?;
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q(
                    "INSERT INTO webhook_endpoints (url, events, active, description, secret, \
                   secret_rotated_at, created_at, created_by, updated_at, updated_by) \
                   VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $6, $7) RETURNING id",
                )
                .bind(url.as_str())
                .bind(events_json(&events)?)
                .bind(input.active.unwrap_or(true))
                .bind(input.description.flatten())
                .bind(sealed)
                .bind(now)
                .bind(ctx.by()),
            )
            .await?;
        let created = Change {
            field: "created".into(),
            old: None,
            new: Some(url.to_string()),
        };
        write_history(&mut tx, "webhook", id, &[created], ctx, now).await?;
        tx.commit().await?;
        Ok(WithSecret {
            endpoint: self.webhook_endpoint(&ctx.actor, WebhookId(id)).await?,
            secret,
        })
    }

    /// Changes an endpoint's URL, events, description or whether it is
    /// active. With `version`, one changed by someone else since is a
    /// conflict.
    pub async fn update_webhook_endpoint(
        &self,
        ctx: &Ctx,
        id: WebhookId,
        input: EndpointInput,
        version: Option<i64>,
    ) -> Result<WebhookEndpoint> {
        let current = self.webhook_endpoint(&ctx.actor, id).await?;
        if version.is_some_and(|v| v != current.version) {
            return Err(Error::Conflict("version"));
        }
        if input.events.as_ref().is_some_and(Vec::is_empty) {
            return Err(Invalid::one("events", Code::Required).into());
        }
        if let Some(url) = &input.url {
            self.check_reachable(url).await?;
        }
        let mut tx = self.db.begin().await?;
        let mut changes = Vec::new();
        let mut change = |field: &str, old: String, new: String| {
            if old != new {
                changes.push(Change {
                    field: field.into(),
                    old: Some(old).filter(|s| !s.is_empty()),
                    new: Some(new).filter(|s| !s.is_empty()),
                });
            }
        };
        let url = input.url.map_or(current.url.clone(), |u| u.to_string());
        change("url", current.url.clone(), url.clone());
        let events = input.events.unwrap_or(current.events.clone());
        let names = |e: &[Event]| e.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
        change("events", names(&current.events), names(&events));
        let active = input.active.unwrap_or(current.active);
        change("active", current.active.to_string(), active.to_string());
        let description = input.description.unwrap_or(current.description.clone());
        change(
            "description",
            current.description.clone().unwrap_or_default(),
            description.clone().unwrap_or_default(),
        );
        if changes.is_empty() {
            return Ok(current);
        }
        let now = now_ms();
        let updated = tx
            .execute(
                q("UPDATE webhook_endpoints SET url = $1, events = $2, active = $3, description = $4, \
                   updated_at = $5, updated_by = $6, version = version + 1 WHERE id = $7 AND version = $8")
                .bind(url)
                .bind(events_json(&events)?)
                .bind(active)
                .bind(description)
                .bind(now)
                .bind(ctx.by())
                .bind(id.get())
                .bind(current.version),
            )
            .await?;
        if updated == 0 {
            return Err(Error::Conflict("version"));
        }
        write_history(&mut tx, "webhook", id.get(), &changes, ctx, now).await?;
        tx.commit().await?;
        self.webhook_endpoint(&ctx.actor, id).await
    }

    /// Replaces an endpoint's signing secret and returns the new one, this
    /// once. Deliveries sent from now on are signed with it, retries of
    /// older events included.
    pub async fn rotate_webhook_secret(&self, ctx: &Ctx, id: WebhookId) -> Result<WithSecret> {
        admin_only(&ctx.actor)?;
        let now = now_ms();
        let secret = new_secret();
        let sealed = Secret::seal(self.vault(), SECRET_PURPOSE, &secret)?;
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                q("UPDATE webhook_endpoints SET secret = $1, secret_rotated_at = $2, updated_at = $2, \
                   updated_by = $3, version = version + 1 WHERE id = $4")
                .bind(sealed)
                .bind(now)
                .bind(ctx.by())
                .bind(id.get()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        let rotated = Change {
            field: "secret".into(),
            old: None,
            new: Some("rotated".into()),
        };
        write_history(&mut tx, "webhook", id.get(), &[rotated], ctx, now).await?;
        tx.commit().await?;
        Ok(WithSecret {
            endpoint: self.webhook_endpoint(&ctx.actor, id).await?,
            secret,
        })
    }

    /// Removes an endpoint with its deliveries and their log; events no
    /// other endpoint still has a delivery of go too, so customer data
    /// does not linger in the outbox.
    pub async fn delete_webhook_endpoint(&self, ctx: &Ctx, id: WebhookId) -> Result<()> {
        admin_only(&ctx.actor)?;
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(q("DELETE FROM webhook_endpoints WHERE id = $1").bind(id.get()))
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        tx.execute(q(
            "DELETE FROM webhook_events WHERE NOT EXISTS \
             (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)",
        ))
        .await?;
        let deleted = Change {
            field: "deleted".into(),
            old: None,
            new: None,
        };
        write_history(&mut tx, "webhook", id.get(), &[deleted], ctx, now_ms()).await?;
        tx.commit().await
    }

    /// The hosts webhooks may reach although they are not public.
    /// Administrators only.
    pub async fn webhook_allowed_hosts(
        &self,
        actor: &kehu_core::Actor,
    ) -> Result<Vec<AllowedHostEntry>> {
        admin_only(actor)?;
        self.db
            .all(q(
                "SELECT id, host, created_at, created_by FROM webhook_allowed_hosts ORDER BY host",
            ))
            .await
    }

    /// Allows webhooks to reach `host` (a host name or IP address) at any
    /// port, although it is private. Administrators only.
    pub async fn allow_webhook_host(&self, ctx: &Ctx, host: &str) -> Result<AllowedHostEntry> {
        admin_only(&ctx.actor)?;
        let host = AllowedHost::parse(host).map_err(|code| Invalid::one("host", code))?;
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q(
                    "INSERT INTO webhook_allowed_hosts (host, created_at, created_by) \
                   VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(host.as_str())
                .bind(now_ms())
                .bind(ctx.by()),
            )
            .await?;
        tx.commit().await?;
        Ok(AllowedHostEntry {
            id,
            host: host.as_str().to_owned(),
            created_at: Time(now_ms()),
            created_by: ctx.by(),
        })
    }

    /// Takes a host off the allow-list: deliveries to it are refused from
    /// the next attempt on. Administrators only.
    pub async fn disallow_webhook_host(&self, ctx: &Ctx, id: i64) -> Result<()> {
        admin_only(&ctx.actor)?;
        let n = self
            .db
            .execute(q("DELETE FROM webhook_allowed_hosts WHERE id = $1").bind(id))
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }

    /// Refuses a URL whose host is a private address nobody allowed. The
    /// sender checks again at every attempt, so a host taken off the list
    /// meanwhile is not reached either.
    async fn check_reachable(&self, url: &EndpointUrl) -> Result<()> {
        let allowed = self.webhook_allow_list().await?;
        check_url(url, &allowed).map_err(|_| Invalid::one("url", Code::PrivateAddress))?;
        Ok(())
    }

    /// The allow-list as the sender checks it.
    pub async fn webhook_allow_list(&self) -> Result<Vec<AllowedHost>> {
        let rows: Vec<(String,)> = self
            .db
            .all(q("SELECT host FROM webhook_allowed_hosts ORDER BY host"))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(h,)| AllowedHost::from_stored(h))
            .collect())
    }
}
