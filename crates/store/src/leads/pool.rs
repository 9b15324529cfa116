//! The shared pool (公海): claiming leads and customers under the team's
//! cap, releasing a lead, the daily sweep that returns idle records, and
//! the pool rules behind them.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::{Code, CustomerId, Invalid, LeadId, Role};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Lead, DAY_MS, LEADS};
use crate::customers::visible;
use crate::db::{q, Tx};
use crate::write::{write_history, Change, Ctx};
use crate::{now_ms, Error, Result, Store};

/// A team's pool rules (or the default's).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct PoolRule {
    pub team_id: Option<i64>,
    /// How many leads and customers a rep may hold; `None`: no cap.
    pub max_held: Option<i64>,
    /// Days a claim is safe from the sweep.
    pub protect_days: i64,
    /// Days without a follow-up after which a record returns to the pool;
    /// `None`: never.
    pub return_days: Option<i64>,
}

/// What a pool sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Swept {
    pub leads: i64,
    pub customers: i64,
}

impl Store {
    /// Takes a lead from the pool: it becomes the actor's (unmasked),
    /// protected from the sweep for the team's protection days. Refused
    /// when the actor holds as many records as the team allows, or when
    /// someone else took it first.
    pub async fn claim_lead(&self, ctx: &Ctx, id: LeadId) -> Result<Lead> {
        self.claim(ctx, "leads", "lead", id.get()).await?;
        self.lead(&ctx.actor, id).await
    }

    /// Takes a customer from the pool, as [`Store::claim_lead`].
    pub async fn claim_customer(&self, ctx: &Ctx, id: CustomerId) -> Result<()> {
        self.claim(ctx, "customers", "customer", id.get()).await
    }

    async fn claim(&self, ctx: &Ctx, table: &str, entity: &str, id: i64) -> Result<()> {
        if !ctx.actor.may_write_records() || ctx.actor.role == Role::Viewer {
            return Err(Error::Forbidden);
        }
        let me = ctx.actor.user_id.get();
        let team = ctx.actor.team_id.map(|t| t.get());
        let mut tx = self.db.begin().await?;
        let rule = pool_rule(&mut tx, team).await?;
        if let Some(max) = rule.max_held {
            if held(&mut tx, me).await? >= max {
                return Err(Error::Conflict("claim_cap"));
            }
        }
        let now = now_ms();
        let extra_cond = if table == "leads" {
            " AND status NOT IN ('converted', 'disqualified')"
        } else {
            ""
        };
        let activity = if table == "leads" {
            ", last_activity_at = $4"
        } else {
            ""
        };
        let taken = tx
            .execute(
                q(format!(
                    "UPDATE {table} SET owner_id = $1, team_id = $2, claimed_at = $4, \
                     protected_until = $5{activity}, updated_at = $4, updated_by = $1, \
                     version = version + 1 \
                     WHERE id = $3 AND owner_id IS NULL AND deleted_at IS NULL{extra_cond}"
                ))
                .bind(me)
                .bind(team)
                .bind(id)
                .bind(now)
                .bind(now + rule.protect_days * DAY_MS),
            )
            .await?;
        if taken == 0 {
            // Someone was quicker, or there is no such record in the pool.
            // A record the actor may not see answers as a missing one: a
            // conflict would tell that the id exists and is someone's.
            let exists: Option<(i64,)> = tx
                .optional(
                    q(format!(
                        "SELECT t.id FROM {table} t WHERE t.id = $1 AND t.deleted_at IS NULL AND {}",
                        visible(ctx.actor.scope(), "t")
                    ))
                    .bind(id),
                )
                .await?;
            return Err(match exists {
                Some(_) => Error::Conflict("already_claimed"),
                None => Error::NotFound,
            });
        }
        let change = Change {
            field: "owner_id".into(),
            old: None,
            new: Some(me.to_string()),
        };
        write_history(&mut tx, entity, id, &[change], ctx, now).await?;
        tx.commit().await
    }

    /// Puts a held lead back in the pool by hand.
    pub async fn release_lead(&self, ctx: &Ctx, id: LeadId) -> Result<Lead> {
        let (mut tx, _) = self.held_lead(ctx, id).await?;
        let extra = vec![
            ("owner_id", Kind::Id, None),
            ("team_id", Kind::Id, None),
            ("protected_until", Kind::DateTime, None),
        ];
        LEADS
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        tx.commit().await?;
        self.lead(&ctx.actor, id).await
    }

    /// Returns to the pool every lead and customer whose team's rule says
    /// it has gone too long (as of `now`) without a follow-up and whose
    /// protection has ended; each gets a history row and its former owner
    /// a task saying so.
    pub async fn sweep_pool(&self, now: i64) -> Result<Swept> {
        let ctx = Ctx::system(kehu_core::ChangeSource::Rule);
        let mut tx = self.db.begin().await?;
        let rules: Vec<PoolRule> = tx
            .all(q(
                "SELECT team_id, max_held, protect_days, return_days FROM pool_rules",
            ))
            .await?;
        let with_rule: Vec<String> = rules
            .iter()
            .filter_map(|r| r.team_id.map(|t| t.to_string()))
            .collect();
        let mut swept = Swept::default();
        for rule in &rules {
            let Some(days) = rule.return_days else {
                continue;
            };
            let cutoff = now - days * DAY_MS;
            let team_cond = match rule.team_id {
                Some(t) => format!("o.team_id = {t}"),
                None if with_rule.is_empty() => "1 = 1".to_owned(),
                None => format!(
                    "(o.team_id IS NULL OR o.team_id NOT IN ({}))",
                    with_rule.join(", ")
                ),
            };
            let leads: Vec<(i64, i64, String)> = tx
                .all(
                    q(format!(
                        "SELECT o.id, o.owner_id, o.name FROM leads o WHERE o.deleted_at IS NULL \
                         AND o.owner_id IS NOT NULL AND o.status IN ('new', 'contacted', 'qualified') \
                         AND o.last_activity_at < $1 AND (o.protected_until IS NULL OR o.protected_until < $2) \
                         AND {team_cond}"
                    ))
                    .bind(cutoff)
                    .bind(now),
                )
                .await?;
            let customers: Vec<(i64, i64, String)> = tx
                .all(
                    q(format!(
                        "SELECT o.id, o.owner_id, o.name FROM customers o WHERE o.deleted_at IS NULL \
                         AND o.owner_id IS NOT NULL \
                         AND (o.protected_until IS NULL OR o.protected_until < $2) \
                         AND COALESCE((SELECT MAX(i.occurred_at) FROM interactions i \
                             WHERE i.customer_id = o.id AND i.deleted_at IS NULL), \
                             o.claimed_at, o.created_at) < $1 \
                         AND COALESCE(o.claimed_at, o.created_at) < $1 AND {team_cond}"
                    ))
                    .bind(cutoff)
                    .bind(now),
                )
                .await?;
            for (table, entity, rows) in [
                ("leads", "lead", &leads),
                ("customers", "customer", &customers),
            ] {
                for (id, owner, name) in rows {
                    let moved = tx.execute(
                        q(format!(
                            "UPDATE {table} SET owner_id = NULL, team_id = NULL, protected_until = NULL, \
                             updated_at = $1, version = version + 1 WHERE id = $2 AND owner_id = $3"
                        ))
                        .bind(now)
                        .bind(*id)
                        .bind(*owner),
                    )
                    .await?;
                    if moved == 0 {
                        // Another process's sweep took it back already.
                        continue;
                    }
                    match entity {
                        "lead" => swept.leads += 1,
                        _ => swept.customers += 1,
                    }
                    let change = Change {
                        field: "owner_id".into(),
                        old: Some(owner.to_string()),
                        new: None,
                    };
                    write_history(&mut tx, entity, *id, &[change], &ctx, now).await?;
                    let (title, link) = if entity == "lead" {
                        (
                            format!("线索已退回公海（{days} 天未跟进）：{name}"),
                            ("lead_id", *id),
                        )
                    } else {
                        (
                            format!("客户已退回公海（{days} 天未跟进）：{name}"),
                            ("customer_id", *id),
                        )
                    };
                    tx.execute(
                        q(format!(
                            "INSERT INTO tasks ({}, title, due_at, assignee_id, status, created_at, \
                             updated_at) VALUES ($1, $2, $3, $4, 'open', $3, $3)",
                            link.0
                        ))
                        .bind(link.1)
                        .bind(title)
                        .bind(now)
                        .bind(*owner),
                    )
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(swept)
    }

    /// The pool rules, the default first.
    pub async fn pool_rules(&self) -> Result<Vec<PoolRule>> {
        self.db
            .all(q(
                "SELECT team_id, max_held, protect_days, return_days FROM pool_rules \
                 ORDER BY team_id IS NOT NULL, team_id",
            ))
            .await
    }

    /// Sets a team's pool rules (or the default's, `team_id: None`);
    /// administrators.
    pub async fn set_pool_rule(&self, ctx: &Ctx, rule: &PoolRule) -> Result<()> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let mut invalid = Invalid::default();
        if rule.max_held.is_some_and(|m| m < 1) {
            invalid.push("max_held", Code::BelowMin { min: "1".into() });
        }
        if rule.protect_days < 0 {
            invalid.push("protect_days", Code::BelowMin { min: "0".into() });
        }
        if rule.return_days.is_some_and(|d| d < 1) {
            invalid.push("return_days", Code::BelowMin { min: "1".into() });
        }
        invalid.into_result()?;
        let mut tx = self.db.begin().await?;
        if let Some(t) = rule.team_id {
            crate::users::check_team(&mut tx, Some(&Some(Stored::Int(t)))).await?;
        }
        let cond = if rule.team_id.is_some() {
            "team_id = $4"
        } else {
            "team_id IS NULL"
        };
        let mut update = q(format!(
            "UPDATE pool_rules SET max_held = $1, protect_days = $2, return_days = $3 WHERE {cond}"
        ))
        .bind(rule.max_held)
        .bind(rule.protect_days)
        .bind(rule.return_days);
        if let Some(t) = rule.team_id {
            update = update.bind(t);
        }
        if tx.execute(update).await? == 0 {
            tx.execute(
                q(
                    "INSERT INTO pool_rules (team_id, max_held, protect_days, return_days) \
                   VALUES ($1, $2, $3, $4)",
                )
                .bind(rule.team_id)
                .bind(rule.max_held)
                .bind(rule.protect_days)
                .bind(rule.return_days),
            )
            .await?;
        }
        tx.commit().await
    }
}

/// Leads (not converted or disqualified) and customers a user holds.
async fn held(tx: &mut Tx, user: i64) -> Result<i64> {
    let (leads,): (i64,) = tx
        .one(
            q(
                "SELECT COUNT(*) FROM leads WHERE owner_id = $1 AND deleted_at IS NULL \
               AND status IN ('new', 'contacted', 'qualified')",
            )
            .bind(user),
        )
        .await?;
    let (customers,): (i64,) = tx
        .one(
            q("SELECT COUNT(*) FROM customers WHERE owner_id = $1 AND deleted_at IS NULL")
                .bind(user),
        )
        .await?;
    Ok(leads + customers)
}

/// The pool rule of `team`, else the default.
async fn pool_rule(tx: &mut Tx, team: Option<i64>) -> Result<PoolRule> {
    let rows: Vec<PoolRule> = tx
        .all(
            q(
                "SELECT team_id, max_held, protect_days, return_days FROM pool_rules \
               WHERE team_id = $1 OR team_id IS NULL ORDER BY team_id IS NULL",
            )
            .bind(team),
        )
        .await?;
    Ok(rows.into_iter().next().unwrap_or(PoolRule {
        team_id: None,
        max_held: None,
        protect_days: 0,
        return_days: None,
    }))
}
