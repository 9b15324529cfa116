//! Capturing a lead: the duplicate check by mobile and email, the owner
//! it is given (as written, round robin, by region or the pool), and the
//! lookup it counts for a user who sees numbers masked.

use kehu_core::entry::Patch;

use super::{read, Assign, Lead, LEADS};
use crate::customers::assign_owner;
use crate::db::{q, Tx};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

impl Store {
    /// Captures a lead: checks it against leads and customers by mobile and
    /// email, gives it an owner by `assign`, and writes it. `ctx` is the
    /// writer (a public form writes as kehu itself).
    pub async fn capture_lead(&self, ctx: &Ctx, mut patch: Patch, assign: Assign) -> Result<Lead> {
        if ctx.by().is_some() && !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        // Its duplicate check looks the mobile and email up whole: for a
        // user who sees some numbers masked, a lookup like any other.
        let looked_up: Vec<crate::lookups::WholeValue> = ["mobile", "email"]
            .iter()
            .filter_map(|f| patch.text(f))
            .filter_map(crate::lookups::WholeValue::of_key)
            .collect();
        if !looked_up.is_empty() {
            self.lookups_left(&ctx.actor, "lead").await?;
        }
        let mut tx = self.db.begin().await?;
        let owner: Option<i64> = match assign {
            Assign::AsGiven => {
                let (owner, _) = assign_owner(&mut tx, &ctx.actor, &patch, None).await?;
                owner
            }
            Assign::Pool => None,
            Assign::RoundRobin(team) => next_in_turn(&mut tx, team).await?,
            Assign::Region => match patch.text("province") {
                Some(p) => {
                    let row: Option<(i64,)> = tx
                        .optional(
                            q("SELECT r.user_id FROM region_rules r JOIN users u ON u.id = r.user_id \
                               WHERE r.province = $1 AND u.active")
                            .bind(p),
                        )
                        .await?;
                    row.map(|(u,)| u)
                }
                None => None,
            },
        };
        let team = match owner {
            Some(o) => team_of(&mut tx, o).await?,
            None => None,
        };
        patch.set.retain(|(n, _)| *n != "owner_id");
        let (dup_lead, dup_customer) = duplicates(&mut tx, &patch).await?;
        if crate::lookups::counted(&ctx.actor)
            && someone_elses(&mut tx, &ctx.actor, dup_lead, dup_customer).await?
        {
            crate::lookups::charge_in(&mut tx, &ctx.actor, &looked_up, "lead").await?;
        }
        let now = now_ms();
        let id = LEADS
            .insert(
                &mut tx,
                &patch,
                vec![
                    ("owner_id", owner.into()),
                    ("team_id", team.into()),
                    ("claimed_at", owner.map(|_| now).into()),
                    ("last_activity_at", now.into()),
                    ("duplicate_lead_id", dup_lead.into()),
                    ("duplicate_customer_id", dup_customer.into()),
                ],
                ctx,
            )
            .await?;
        let lead = read(&mut tx, id).await?;
        crate::webhooks::outbox::emit(&mut tx, kehu_core::webhook::Event::LeadCreated, &lead)
            .await?;
        tx.commit().await?;
        Ok(lead)
    }
}

async fn team_of(tx: &mut Tx, user: i64) -> Result<Option<i64>> {
    let row: Option<(Option<i64>,)> = tx
        .optional(q("SELECT team_id FROM users WHERE id = $1").bind(user))
        .await?;
    Ok(row.and_then(|(t,)| t))
}

/// The next active sales rep of `team` after the last one given a lead;
/// `None` when the team has none (the lead goes to the pool).
async fn next_in_turn(tx: &mut Tx, team: i64) -> Result<Option<i64>> {
    let reps: Vec<(i64,)> = tx
        .all(
            q("SELECT id FROM users WHERE team_id = $1 AND role = 'sales' AND active ORDER BY id")
                .bind(team),
        )
        .await?;
    if reps.is_empty() {
        return Ok(None);
    }
    tx.execute(
        q(
            "INSERT INTO round_robin (team_id, last_user_id) VALUES ($1, NULL) \
           ON CONFLICT (team_id) DO NOTHING",
        )
        .bind(team),
    )
    .await?;
    let lock = if tx.backend() == crate::Backend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let (last,): (Option<i64>,) = tx
        .one(
            q(format!(
                "SELECT last_user_id FROM round_robin WHERE team_id = $1{lock}"
            ))
            .bind(team),
        )
        .await?;
    let next = reps
        .iter()
        .map(|(id,)| *id)
        .find(|id| last.is_none_or(|l| *id > l))
        .unwrap_or(reps[0].0);
    tx.execute(
        q("UPDATE round_robin SET last_user_id = $1 WHERE team_id = $2")
            .bind(next)
            .bind(team),
    )
    .await?;
    Ok(Some(next))
}

/// An earlier lead and a customer with the lead's mobile or email.
async fn duplicates(tx: &mut Tx, patch: &Patch) -> Result<(Option<i64>, Option<i64>)> {
    let mobile = patch.text("mobile");
    let email = patch.text("email").map(str::to_lowercase);
    if mobile.is_none() && email.is_none() {
        return Ok((None, None));
    }
    let mut found = [None, None];
    for (slot, table) in found.iter_mut().zip(["leads", "customers"]) {
        let row: Option<(i64,)> = tx
            .optional(
                q(format!(
                    "SELECT id FROM {table} WHERE deleted_at IS NULL \
                     AND (mobile = $1 OR lower(email) = $2) ORDER BY id LIMIT 1"
                ))
                .bind(mobile)
                .bind(email.as_deref()),
            )
            .await?;
        *slot = row.map(|(id,)| id);
    }
    Ok((found[0], found[1]))
}

/// Whether a duplicate a capture found is a record the actor does not own
/// (in the pool, where they see its numbers masked, or someone else's):
/// the capture then told them that a whole value exists.
async fn someone_elses(
    tx: &mut Tx,
    actor: &kehu_core::Actor,
    dup_lead: Option<i64>,
    dup_customer: Option<i64>,
) -> Result<bool> {
    for (table, id) in [("leads", dup_lead), ("customers", dup_customer)] {
        let Some(id) = id else { continue };
        let (owner,): (Option<i64>,) = tx
            .one(q(format!("SELECT owner_id FROM {table} WHERE id = $1")).bind(id))
            .await?;
        if owner != Some(actor.user_id.get()) {
            return Ok(true);
        }
    }
    Ok(false)
}
