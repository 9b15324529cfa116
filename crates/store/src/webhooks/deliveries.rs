//! Deliveries: the log administrators read and replay from, and the lease
//! the sender takes on each delivery it sends, so that several kehu
//! processes on one PostgreSQL database never send the same one at once.
//!
//! The sender works in three steps, none holding a transaction open while
//! it waits on the network: [`Store::claim_webhook_deliveries`] leases due
//! deliveries, it sends them, and [`Store::finish_webhook_attempt`] logs
//! each attempt and schedules the next or closes the delivery. A process
//! that dies between the steps leaves a lease that runs out after
//! [`LEASE_MS`]; the delivery is then sent by whichever process comes next.

use kehu_core::webhook::retry_delay;
use kehu_core::{WebhookDeliveryId, WebhookId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{q, Backend};
use crate::time::Time;
use crate::vault::Secret;
use crate::webhooks::SECRET_PURPOSE;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// How long a claimed delivery is the claiming process's alone: far longer
/// than a request may take.
pub const LEASE_MS: i64 = 5 * 60_000;

/// Most deliveries one page of the log lists.
pub const MAX_PAGE: i64 = 200;

/// How long a finished delivery (delivered or failed), its attempts and the
/// event it sent are kept: a quarter, long enough to answer "did finance
/// get that order?" at the end of one. Pending deliveries stay, however old.
pub const KEEP_FINISHED_MS: i64 = 90 * 24 * 3_600_000;

/// Deliveries removed per transaction by [`Store::prune_webhook_deliveries`],
/// so senders and writers never wait long for it.
const PRUNE_CHUNK: i64 = 5_000;

/// One event for one endpoint, with every attempt to send it.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct WebhookDelivery {
    pub id: i64,
    pub endpoint_id: i64,
    pub event_id: i64,
    /// `order.paid`, …
    pub event: String,
    /// pending, delivered or failed (retries ran out).
    pub status: String,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<Time>,
    /// The delivery this one sends again.
    pub replay_of: Option<i64>,
    pub created_at: Time,
    /// When it was delivered or given up.
    pub finished_at: Option<Time>,
    /// The request body, as sent.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub payload: Payload,
    /// Oldest first.
    #[sqlx(skip)]
    pub attempts: Vec<WebhookAttempt>,
}

/// A stored request body, read back as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Payload(pub serde_json::Value);

impl TryFrom<String> for Payload {
    type Error = serde_json::Error;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        serde_json::from_str(&s).map(Payload)
    }
}

/// One try at sending a delivery.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct WebhookAttempt {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: Time,
    pub duration_ms: i64,
    /// The receiver's HTTP status; none when no answer came.
    pub response_status: Option<i64>,
    /// Why no answer came, or why the answer was not taken:
    /// `refused_address`, `timeout`, `connect`, `request`, `redirect`.
    pub error_kind: Option<String>,
    pub error: Option<String>,
}

impl WebhookAttempt {
    pub fn succeeded(&self) -> bool {
        accepted(self.response_status)
    }
}

/// Whether a receiver took an event: it answered 2xx.
fn accepted(status: Option<i64>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

/// A delivery leased for sending, with what sending needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub endpoint_id: i64,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    pub lease_token: String,
}

/// How one attempt went, as the sender saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub response_status: Option<u16>,
    pub error_kind: Option<&'static str>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        accepted(self.response_status.map(i64::from))
    }
}

/// Where a delivery stands after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    /// Failed this time; tried again at this time.
    RetryAt(Time),
    /// Failed for the last time.
    GaveUp,
}

const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.event_id, ev.event, d.status, \
    d.next_attempt_at, d.replay_of, d.created_at, d.finished_at, ev.payload";

impl Store {
    /// An endpoint's deliveries, newest first, each with its attempts;
    /// `before` pages on from the last id of the previous page.
    /// Administrators only.
    pub async fn webhook_deliveries(
        &self,
        actor: &kehu_core::Actor,
        endpoint: WebhookId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        self.webhook_endpoint(actor, endpoint).await?;
        let mut deliveries: Vec<WebhookDelivery> = self
            .db
            .all(
                q(format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
                     JOIN webhook_events ev ON ev.id = d.event_id \
                     WHERE d.endpoint_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3"
                ))
                .bind(endpoint.get())
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit.clamp(1, MAX_PAGE)),
            )
            .await?;
        self.load_attempts(&mut deliveries).await?;
        Ok(deliveries)
    }

    /// One delivery with its attempts. Administrators only.
    pub async fn webhook_delivery(
        &self,
        actor: &kehu_core::Actor,
        id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery> {
        crate::admin_only(actor)?;
        let found: Option<WebhookDelivery> = self
            .db
            .optional(
                q(format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
                     JOIN webhook_events ev ON ev.id = d.event_id WHERE d.id = $1"
                ))
                .bind(id.get()),
            )
            .await?;
        let mut found: Vec<WebhookDelivery> = found.into_iter().collect();
        self.load_attempts(&mut found).await?;
        found.pop().ok_or(Error::NotFound)
    }

    async fn load_attempts(&self, deliveries: &mut [WebhookDelivery]) -> Result<()> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
        let attempts: Vec<WebhookAttempt> = self
            .db
            .all(
                q(format!(
                    "SELECT id, delivery_id, attempted_at, duration_ms, response_status, error_kind, error \
                     FROM webhook_attempts WHERE delivery_id IN ({}) ORDER BY id",
                    crate::merge::id_list(&ids)
                ))
                .once(),
            )
            .await?;
        for a in attempts {
            if let Some(d) = deliveries.iter_mut().find(|d| d.id == a.delivery_id) {
                d.attempts.push(a);
            }
        }
        Ok(())
    }

    /// Sends a delivery's event to its endpoint again, as a new delivery
    /// due now (the same event id, a new delivery id) that has retries of
    /// its own. The endpoint must be active. Administrators only.
    pub async fn replay_webhook_delivery(
        &self,
        ctx: &Ctx,
        id: WebhookDeliveryId,
    ) -> Result<WebhookDelivery> {
        let original = self.webhook_delivery(&ctx.actor, id).await?;
        let endpoint = self
            .webhook_endpoint(&ctx.actor, WebhookId(original.endpoint_id))
            .await?;
        if !endpoint.active {
            return Err(Error::Conflict("webhook_inactive"));
        }
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let replay = tx
            .insert(
                q("INSERT INTO webhook_deliveries (event_id, endpoint_id, status, next_attempt_at, \
                   replay_of, created_at) VALUES ($1, $2, 'pending', $3, $4, $3) RETURNING id")
                .bind(original.event_id)
                .bind(original.endpoint_id)
                .bind(now)
                .bind(original.id),
            )
            .await?;
        tx.commit().await?;
        self.webhook_delivery(&ctx.actor, WebhookDeliveryId(replay))
            .await
    }

    /// Leases up to `limit` deliveries due at `now` to active endpoints,
    /// oldest due first, for this process to send. Deliveries another
    /// process holds a live lease on are skipped, never waited for.
    pub async fn claim_webhook_deliveries(
        &self,
        now: Time,
        limit: i64,
    ) -> Result<Vec<DueDelivery>> {
        // Most polls find nothing due: a read says so without taking
        // SQLite's write lock every few seconds.
        let any_due: Option<(i64,)> = self
            .db
            .optional(
                q(
                    "SELECT id FROM webhook_deliveries WHERE status = 'pending' \
                   AND next_attempt_at <= $1 LIMIT 1",
                )
                .bind(now.0),
            )
            .await?;
        if any_due.is_none() {
            return Ok(Vec::new());
        }
        let token = crate::auth::new_secret("lease_");
        let mut tx = self.db.begin().await?;
        // SQLite's write transaction is exclusive already; PostgreSQL
        // locks the rows it picks and lets other processes pick others.
        let skip_locked = if tx.backend() == Backend::Postgres {
            " FOR UPDATE OF d SKIP LOCKED"
        } else {
            ""
        };
        let due: Vec<(i64,)> = tx
            .all(
                q(format!(
                    "SELECT d.id FROM webhook_deliveries d \
                     JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND e.active \
                     AND (d.lease_until IS NULL OR d.lease_until <= $1) \
                     ORDER BY d.next_attempt_at, d.id LIMIT $2{skip_locked}"
                ))
                .bind(now.0)
                .bind(limit.max(1)),
            )
            .await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = due.into_iter().map(|(id,)| id).collect();
        tx.execute(
            q(format!(
                "UPDATE webhook_deliveries SET lease_until = $1, lease_token = $2 \
                 WHERE id IN ({}) AND (lease_until IS NULL OR lease_until <= $3)",
                crate::merge::id_list(&ids)
            ))
            .once()
            .bind(now.0 + LEASE_MS)
            .bind(token.as_str())
            .bind(now.0),
        )
        .await?;
        let claimed = tx
            .all(
                q(
                    "SELECT d.id, d.endpoint_id, e.url, e.secret, ev.event, ev.payload, d.attempts, \
                   d.lease_token FROM webhook_deliveries d \
                   JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                   JOIN webhook_events ev ON ev.id = d.event_id \
                   WHERE d.lease_token = $1 ORDER BY d.next_attempt_at, d.id",
                )
                .bind(token.as_str()),
            )
            .await?;
        tx.commit().await?;
        // The secret is opened only now, to sign with; it is stored sealed.
        let mut claimed: Vec<DueDelivery> = claimed;
        for d in &mut claimed {
            d.secret = Secret::open(self.vault(), SECRET_PURPOSE, &d.secret)?;
        }
        Ok(claimed)
    }

    /// Logs one attempt at `now` and moves the delivery on: delivered on a
    /// 2xx answer, else due again after the next back-off, or failed when
    /// the retries have run out. The lease is released. A process whose
    /// lease was taken over (it ran past [`LEASE_MS`]) still logs its
    /// attempt but leaves the delivery to the new holder.
    pub async fn finish_webhook_attempt(
        &self,
        delivery: &DueDelivery,
        outcome: &AttemptOutcome,
        now: Time,
    ) -> Result<AfterAttempt> {
        let attempts = delivery.attempts + 1;
        let after = if outcome.succeeded() {
            AfterAttempt::Delivered
        } else {
            match retry_delay(u32::try_from(attempts).unwrap_or(u32::MAX)) {
                Some(delay) => AfterAttempt::RetryAt(Time(now.0 + delay)),
                None => AfterAttempt::GaveUp,
            }
        };
        let (status, next, finished) = match after {
            AfterAttempt::Delivered => ("delivered", None, Some(now.0)),
            AfterAttempt::RetryAt(at) => ("pending", Some(at.0), None),
            AfterAttempt::GaveUp => ("failed", None, Some(now.0)),
        };
        let mut tx = self.db.begin().await?;
        tx.execute(
            q("INSERT INTO webhook_attempts (delivery_id, attempted_at, duration_ms, response_status, \
               error_kind, error) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(delivery.id)
            .bind(now.0)
            .bind(outcome.duration_ms)
            .bind(outcome.response_status.map(i64::from))
            .bind(outcome.error_kind)
            .bind(outcome.error.clone()),
        )
        .await?;
        tx.execute(
            q(
                "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, \
               finished_at = $4, lease_until = NULL, lease_token = NULL \
               WHERE id = $5 AND lease_token = $6",
            )
            .bind(status)
            .bind(attempts)
            .bind(next)
            .bind(finished)
            .bind(delivery.id)
            .bind(delivery.lease_token.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes deliveries that finished [`KEEP_FINISHED_MS`] or more before
    /// `now`, with their attempts, and the events no delivery is left for;
    /// the daily maintenance runs it so the log does not grow forever.
    /// Returns how many deliveries went.
    pub async fn prune_webhook_deliveries(&self, now: Time) -> Result<u64> {
        let before = now.0 - KEEP_FINISHED_MS;
        let mut pruned = 0;
        loop {
            // Each chunk commits on its own (attempts go by cascade).
            let n = self
                .db
                .execute(
                    q("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries \
                       WHERE status <> 'pending' AND finished_at < $1 ORDER BY id LIMIT $2)")
                    .bind(before)
                    .bind(PRUNE_CHUNK),
                )
                .await?;
            pruned += n;
            if n < PRUNE_CHUNK as u64 {
                break;
            }
        }
        self.db
            .execute(
                q(
                    "DELETE FROM webhook_events WHERE occurred_at < $1 AND NOT EXISTS \
                   (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)",
                )
                .bind(before),
            )
            .await?;
        Ok(pruned)
    }
}
