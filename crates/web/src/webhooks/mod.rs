//! The webhook sender of `kehu serve`: every few seconds it leases the
//! deliveries that are due, sends them (several at once), and logs each
//! attempt. Every server runs it; leases in the database keep two servers
//! from sending one delivery at once. [`deliver_due`] does one round at a
//! given time, which is how tests move the clock.

pub mod send;

use std::time::Duration;

use futures::StreamExt;
use kehu_store::time::Time;
use kehu_store::webhooks::deliveries::AfterAttempt;
use kehu_store::Store;
use serde::Serialize;

use crate::AppState;

/// How often a server looks for due deliveries.
const POLL: Duration = Duration::from_secs(5);
/// Deliveries leased at once.
const BATCH: i64 = 20;
/// Requests in flight at once.
const CONCURRENCY: usize = 8;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Round {
    pub delivered: usize,
    /// Failed this time, due again later.
    pub retrying: usize,
    /// Failed for the last time.
    pub failed: usize,
}

/// Sends every delivery due at `now` (the clock attempts are logged,
/// signed and scheduled by), batch after batch, and returns what came of
/// them.
pub async fn deliver_due(store: &Store, now: Time) -> Result<Round, kehu_store::Error> {
    let allowed = store.webhook_allow_list().await?;
    let client = send::client(allowed.clone())
        .map_err(|e| kehu_store::Error::Internal(format!("webhook client: {e}")))?;
    let mut round = Round::default();
    loop {
        let batch = store.claim_webhook_deliveries(now, BATCH).await?;
        let claimed = batch.len();
        let results: Vec<_> = futures::stream::iter(batch)
            .map(|delivery| {
                let (client, allowed) = (&client, &allowed);
                async move {
                    let outcome = send::send(client, allowed, &delivery, now).await;
                    store.finish_webhook_attempt(&delivery, &outcome, now).await
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for result in results {
            match result? {
                AfterAttempt::Delivered => round.delivered += 1,
                AfterAttempt::RetryAt(_) => round.retrying += 1,
                AfterAttempt::GaveUp => round.failed += 1,
            }
        }
        // A failed attempt is due again later, not at `now`: each round
        // ends when a batch comes back short.
        if claimed < BATCH as usize {
            return Ok(round);
        }
    }
}

/// Runs [`deliver_due`] every few seconds for as long as the server runs.
pub fn start(state: &AppState) {
    let store = state.store.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL).await;
            match deliver_due(&store, Time::now()).await {
                Ok(round) if round != Round::default() => tracing::info!(
                    delivered = round.delivered,
                    retrying = round.retrying,
                    failed = round.failed,
                    "webhooks sent"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "sending webhooks failed"),
            }
        }
    });
}
