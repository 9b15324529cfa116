//! The outbox: an event is written in the transaction of the change it
//! reports, with one delivery per active endpoint that wants it. A change
//! that rolls back takes its event with it, and one that commits is sent
//! even if kehu stops right after: the delivery worker finds it in the
//! table.

use kehu_core::field::FieldDef;
use kehu_core::webhook::Event;
use kehu_core::{Actor, CustomerId, Role, UserId};
use serde::Serialize;

use crate::customers::{locked, tags_of, Customer};
use crate::db::{q, Arg, Tx};
use crate::time::Time;
use crate::{now_ms, Error, Result};

/// The body every delivery of an event sends.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    id: i64,
    event: &'a str,
    occurred_at: String,
    data: &'a T,
}

/// The active endpoints that want `event`. The table holds a handful of
/// rows, so they are filtered here rather than indexed.
pub(crate) async fn subscribers(tx: &mut Tx, event: Event) -> Result<Vec<i64>> {
    let rows: Vec<(i64, String)> = tx
        .all(q(
            "SELECT id, events FROM webhook_endpoints WHERE active ORDER BY id",
        ))
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, events)| {
            serde_json::from_str::<Vec<String>>(events)
                .is_ok_and(|names| names.iter().any(|n| n == event.as_str()))
        })
        .map(|(id, _)| id)
        .collect())
}

/// Records that `event` happened, inside `tx`: the event with `data` (the
/// record as the API shows it), and a delivery due now for every active
/// endpoint that wants it. Nothing is written when none does, and nothing
/// is sent if `tx` rolls back.
///
/// Every change other systems hear about reports itself this way, in its
/// own transaction. Orders and customers do already. `lead.created`,
/// `opportunity.won` and `opportunity.lost` are for the code that creates
/// leads and closes opportunities: call this with the lead or opportunity
/// as its API returns it, before committing. When building `data` costs
/// queries, ask [`subscribers`] first and use [`emit_to`].
pub(crate) async fn emit(tx: &mut Tx, event: Event, data: &impl Serialize) -> Result<()> {
    let endpoints = subscribers(tx, event).await?;
    emit_to(tx, event, &endpoints, data).await
}

/// [`emit`] to endpoints already looked up with [`subscribers`].
pub(crate) async fn emit_to(
    tx: &mut Tx,
    event: Event,
    endpoints: &[i64],
    data: &impl Serialize,
) -> Result<()> {
    if endpoints.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    // The body carries the event's own id, known once the row exists.
    let id = tx
        .insert(
            q("INSERT INTO webhook_events (event, payload, occurred_at) VALUES ($1, '', $2) RETURNING id")
                .bind(event.as_str())
                .bind(now),
        )
        .await?;
    let body = serde_json::to_string(&Envelope {
        id,
        event: event.as_str(),
        occurred_at: Time(now).to_rfc3339(),
        data,
    })
    .map_err(|e| Error::internal(format!("{event} payload: {e}")))?;
    tx.execute(
        q("UPDATE webhook_events SET payload = $1 WHERE id = $2")
            .bind(body)
            .bind(id),
    )
    .await?;
    let rows = endpoints
        .iter()
        .flat_map(|endpoint| {
            [
                Arg::from(id),
                (*endpoint).into(),
                "pending".into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    tx.insert_rows(
        "webhook_deliveries",
        &[
            "event_id",
            "endpoint_id",
            "status",
            "next_attempt_at",
            "created_at",
        ],
        rows,
        false,
    )
    .await
}

/// A customer as webhooks send it: the record the API returns, read
/// inside `tx`, without custom fields marked sensitive (nor those whose
/// definition is gone and cannot say). Phone numbers and emails are sent
/// in full: the receiving systems ship and invoice with them.
async fn customer_data(tx: &mut Tx, id: CustomerId, defs: &[FieldDef]) -> Result<Customer> {
    // The writer has seen the customer already; the receiver is kehu's
    // own integration, which sees every record.
    let system = Actor {
        user_id: UserId(0),
        role: Role::Admin,
        team_id: None,
    };
    let mut c = locked(tx, &system, id).await?;
    c.tags = tags_of(tx, id.get()).await?;
    c.custom
        .0
        .retain(|key, _| defs.iter().any(|d| d.key.as_str() == key && !d.sensitive));
    Ok(c)
}

/// Emits `customer.created` or `customer.updated` for customer `id`.
pub(crate) async fn emit_customer(
    tx: &mut Tx,
    event: Event,
    id: CustomerId,
    defs: &[FieldDef],
) -> Result<()> {
    let endpoints = subscribers(tx, event).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    let customer = customer_data(tx, id, defs).await?;
    emit_to(tx, event, &endpoints, &customer).await
}

/// What `customer.merged` says: the merge, the customer that stays (as it
/// is after the merge) and the ids that were folded into it.
#[derive(Serialize)]
struct Merged<'a> {
    merge_id: i64,
    survivor: &'a Customer,
    merged_ids: &'a [i64],
}

/// Emits `customer.merged` for a merge made in `tx`.
pub(crate) async fn emit_merge(
    tx: &mut Tx,
    merge_id: i64,
    survivor: CustomerId,
    merged_ids: &[i64],
    defs: &[FieldDef],
) -> Result<()> {
    let survivor = customer_data(tx, survivor, defs).await?;
    let merged = Merged {
        merge_id,
        survivor: &survivor,
        merged_ids,
    };
    emit(tx, Event::CustomerMerged, &merged).await
}
