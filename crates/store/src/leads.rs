//! Leads (线索) and the shared pool (公海).
//!
//! A lead is captured from a public web form, the API or an import; the
//! capture checks for the same mobile or email among leads and customers
//! and gives the lead an owner: round robin among a team's sales reps, by
//! the province it comes from, or nobody (the pool). Leads move new →
//! contacted → qualified → converted, or are disqualified with a reason;
//! every follow-up is written with its next step, which becomes a task.
//!
//! Unowned leads and customers sit in the pool, where every rep sees them
//! with phones and emails masked. A rep claims one (up to the team's cap on
//! records held); it is then theirs, protected from the pool sweep for the
//! team's protection days. The daily sweep returns records with no
//! follow-up for the team's return days to the pool, writes it in their
//! history and leaves the former owner a task saying so.
//!
//! A qualified lead converts in one transaction into a customer (or is
//! linked to the customer its duplicate check found), a contact for a
//! company, and optionally an opportunity.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::{schema, Code, CustomerId, Invalid, LeadId, Role};
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::{assign_owner, insert_customer, visible, CustomerInput};
use crate::db::{q, Tx, Where};
use crate::time::Time;
use crate::write::{write_history, Change, Ctx, Table};
use crate::{now_ms, Error, Result, Store};

const LEADS: Table = Table {
    table: "leads",
    entity: "lead",
    specs: schema::LEAD,
};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Most leads one page lists.
pub const MAX_PAGE: i64 = 200;

/// Submissions one address may make to public forms in a window.
pub const FORM_LIMIT: i64 = 5;
/// The window of [`FORM_LIMIT`], in milliseconds.
pub const FORM_WINDOW_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Lead {
    pub id: i64,
    pub name: String,
    /// ISO 3166-1 alpha-2; the mobile, phone and province follow it.
    pub country: String,
    pub company: Option<String>,
    pub title: Option<String>,
    pub gender: Option<String>,
    pub birth_date: Option<String>,
    pub language: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub message: Option<String>,
    /// new, contacted, qualified, converted or disqualified.
    pub status: String,
    pub disqualify_reason: Option<String>,
    /// `None`: in the shared pool.
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub claimed_at: Option<Time>,
    pub protected_until: Option<Time>,
    pub last_activity_at: Time,
    /// An earlier lead with the same mobile or email, found at capture.
    pub duplicate_lead_id: Option<i64>,
    /// A customer with the same mobile or email, found at capture.
    pub duplicate_customer_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    pub converted_at: Option<Time>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
}

/// How a captured lead gets its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assign {
    /// As the writer says (`owner_id`), else the writer.
    AsGiven,
    /// The next of the team's active sales reps, in turn.
    RoundRobin(i64),
    /// The user a region rule names for the lead's province, else the pool.
    Region,
    Pool,
}

impl Assign {
    pub fn parse(s: &str, team: Option<i64>) -> std::result::Result<Assign, Code> {
        match (s, team) {
            ("pool", _) => Ok(Assign::Pool),
            ("region", _) => Ok(Assign::Region),
            ("round_robin", Some(t)) => Ok(Assign::RoundRobin(t)),
            ("round_robin", None) => Err(Code::Required),
            _ => Err(Code::InvalidChoice),
        }
    }
}

/// Which leads to list.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Only the pool's.
    pub pool: bool,
    pub owner_id: Option<i64>,
    pub status: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// A public form on the company's website.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LeadForm {
    pub id: i64,
    /// The unguessable part of the form's address, `/f/{key}`.
    pub key: String,
    pub name: String,
    pub source: Option<String>,
    pub campaign: Option<String>,
    /// round_robin, region or pool.
    pub assign: String,
    pub team_id: Option<i64>,
    pub active: bool,
}

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

/// What a conversion makes.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    /// company or individual.
    pub kind: String,
    /// Link to this customer instead of creating one; when `None`, the
    /// customer the duplicate check found is used, if any and visible.
    pub customer_id: Option<i64>,
    /// Create a new customer even though a duplicate was found.
    pub force_new: bool,
    /// An opportunity's name and amount, to create one too.
    pub opportunity: Option<(String, Option<String>)>,
}

/// What a conversion made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Converted {
    pub lead_id: i64,
    pub customer_id: i64,
    /// Whether the customer existed already.
    pub linked: bool,
    pub contact_id: Option<i64>,
    pub opportunity_id: Option<i64>,
}

/// What a pool sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Swept {
    pub leads: i64,
    pub customers: i64,
}

const COLUMNS: &str = "o.id, o.name, o.country, o.company, o.title, o.gender, o.birth_date, \
    o.language, o.mobile, o.phone, o.email, o.province, \
    o.city, o.source, o.campaign, o.message, o.status, o.disqualify_reason, o.owner_id, o.team_id, \
    o.claimed_at, o.protected_until, o.last_activity_at, o.duplicate_lead_id, \
    o.duplicate_customer_id, o.customer_id, o.contact_id, o.opportunity_id, o.converted_at, \
    o.version, o.created_at, o.created_by, o.updated_at";

/// Masks a lead's phones and email for an actor who may not see them
/// (viewers, and reps on pool leads).
pub fn mask(actor: &kehu_core::Actor, lead: &mut Lead) {
    if actor.sees_contact_details(lead.owner_id.map(kehu_core::UserId)) {
        return;
    }
    for phone in [&mut lead.mobile, &mut lead.phone] {
        if let Some(p) = phone.as_mut() {
            *p = crate::mask::phone(p);
        }
    }
    if let Some(e) = lead.email.as_mut() {
        *e = crate::mask::email(e);
    }
}

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

    /// A lead the actor may see: their own, the team's for a manager, the
    /// pool's for everyone. Phones and emails masked as [`mask`] says.
    pub async fn lead(&self, actor: &kehu_core::Actor, id: LeadId) -> Result<Lead> {
        let mut lead: Lead = self
            .db
            .optional(
                q(format!(
                    "SELECT {COLUMNS} FROM leads o WHERE o.id = $1 AND o.deleted_at IS NULL AND {}",
                    visible(actor.scope(), "o")
                ))
                .bind(id.get()),
            )
            .await?
            .ok_or(Error::NotFound)?;
        mask(actor, &mut lead);
        self.hide_unseen_duplicates(actor, std::slice::from_mut(&mut lead))
            .await?;
        Ok(lead)
    }

    /// Leaves out the duplicates found at capture that the actor may not
    /// see: a lead typed in with a guessed number would otherwise name the
    /// hidden record that has it.
    async fn hide_unseen_duplicates(
        &self,
        actor: &kehu_core::Actor,
        leads: &mut [Lead],
    ) -> Result<()> {
        for table in ["customers", "leads"] {
            let slot = if table == "customers" {
                dup_customer
            } else {
                dup_lead
            };
            let mut ids: Vec<i64> = leads.iter_mut().filter_map(|l| *slot(l)).collect();
            if ids.is_empty() {
                continue;
            }
            ids.sort_unstable();
            ids.dedup();
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            let seen: Vec<(i64,)> = self
                .db
                .all(q(format!(
                    "SELECT t.id FROM {table} t WHERE t.id IN ({}) AND t.deleted_at IS NULL AND {}",
                    list.join(", "),
                    visible(actor.scope(), "t")
                )))
                .await?;
            for lead in leads.iter_mut() {
                let dup = slot(lead);
                if dup.is_some_and(|id| !seen.iter().any(|(s,)| *s == id)) {
                    *dup = None;
                }
            }
        }
        Ok(())
    }

    /// A page of leads the actor may see, newest first.
    pub async fn leads(&self, actor: &kehu_core::Actor, filter: &LeadFilter) -> Result<Vec<Lead>> {
        let mut w = Where::visible(actor.scope());
        if filter.pool {
            w.and_sql("o.owner_id IS NULL")
                .and_sql("o.status NOT IN ('converted', 'disqualified')");
        }
        if let Some(o) = filter.owner_id {
            w.and("o.owner_id = ?", o);
        }
        if let Some(s) = &filter.status {
            w.and("o.status = ?", s.as_str());
        }
        if let Some(b) = filter.before {
            w.and("o.id < ?", b);
        }
        let stmt = w.query(&format!(
            "SELECT {COLUMNS} FROM leads o WHERE {{where}} ORDER BY o.id DESC LIMIT {}",
            filter.limit.clamp(1, MAX_PAGE)
        ));
        let mut leads: Vec<Lead> = self.db.all(stmt).await?;
        for lead in &mut leads {
            mask(actor, lead);
        }
        self.hide_unseen_duplicates(actor, &mut leads).await?;
        Ok(leads)
    }

    /// Writes a follow-up of a lead the actor holds ([`schema::LEAD_FOLLOWUP`]):
    /// a new lead becomes contacted, its pool clock restarts, and a next
    /// step with a date becomes a task for the writer.
    pub async fn follow_up_lead(&self, ctx: &Ctx, id: LeadId, patch: Patch) -> Result<Lead> {
        let (mut tx, lead) = self.held_lead(ctx, id).await?;
        let now = now_ms();
        let at = patch
            .get("occurred_at")
            .cloned()
            .flatten()
            .and_then(|v| v.as_int())
            .unwrap_or(now);
        let text = |n: &str| patch.text(n).map(str::to_owned);
        let next_at = patch
            .get("next_step_at")
            .cloned()
            .flatten()
            .and_then(|v| v.as_int());
        tx.execute(
            q(
                "INSERT INTO lead_followups (lead_id, channel, content, occurred_at, next_step, \
               next_step_at, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.get())
            .bind(text("channel"))
            .bind(text("content"))
            .bind(at)
            .bind(text("next_step"))
            .bind(next_at)
            .bind(now)
            .bind(ctx.by()),
        )
        .await?;
        if let Some(due) = next_at {
            let title = text("next_step").unwrap_or_else(|| format!("跟进线索：{}", lead.name));
            tx.execute(
                q("INSERT INTO tasks (lead_id, title, due_at, assignee_id, status, created_at, \
                   created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, 'open', $5, $6, $5, $6)")
                .bind(id.get())
                .bind(title)
                .bind(due)
                .bind(ctx.by())
                .bind(now)
                .bind(ctx.by()),
            )
            .await?;
        }
        let mut extra = vec![("last_activity_at", Kind::DateTime, Some(Stored::Int(now)))];
        if lead.status == "new" {
            extra.push((
                "status",
                Kind::Text(20),
                Some(Stored::Text("contacted".into())),
            ));
        }
        LEADS
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        tx.commit().await?;
        self.lead(&ctx.actor, id).await
    }

    /// A lead's follow-ups, newest first.
    pub async fn lead_followups(
        &self,
        actor: &kehu_core::Actor,
        id: LeadId,
    ) -> Result<Vec<LeadFollowup>> {
        self.lead(actor, id).await?;
        self.db
            .all(
                q("SELECT id, channel, content, occurred_at, next_step, next_step_at, created_by \
                   FROM lead_followups WHERE lead_id = $1 ORDER BY occurred_at DESC, id DESC")
                .bind(id.get()),
            )
            .await
    }

    /// Moves a held lead to `status`: contacted or qualified, disqualified
    /// (with a reason), or back to new from disqualified. Converting is
    /// [`Store::convert_lead`].
    pub async fn set_lead_status(
        &self,
        ctx: &Ctx,
        id: LeadId,
        status: &str,
        reason: Option<String>,
    ) -> Result<Lead> {
        let (mut tx, lead) = self.held_lead(ctx, id).await?;
        let allowed = matches!(
            (lead.status.as_str(), status),
            ("new", "contacted" | "qualified" | "disqualified")
                | ("contacted", "qualified" | "disqualified")
                | ("qualified", "contacted" | "disqualified")
                | ("disqualified", "new")
        );
        if !allowed {
            return Err(Error::Conflict("lead_status"));
        }
        let reason = reason
            .map(|r| kehu_core::text::clean(&r))
            .filter(|r| !r.is_empty());
        if status == "disqualified" && reason.is_none() {
            return Err(Invalid::one("reason", Code::Required).into());
        }
        let extra = vec![
            ("status", Kind::Text(20), Some(Stored::Text(status.into()))),
            (
                "disqualify_reason",
                Kind::Text(500),
                reason
                    .filter(|_| status == "disqualified")
                    .map(Stored::Text),
            ),
            (
                "last_activity_at",
                Kind::DateTime,
                Some(Stored::Int(now_ms())),
            ),
        ];
        LEADS
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        tx.commit().await?;
        self.lead(&ctx.actor, id).await
    }

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

    /// Converts a qualified lead the actor holds, in one transaction, into
    /// a customer (or links it to an existing one: the one named, else the
    /// one its duplicate check found, unless `force_new`), a contact for a
    /// company, and, when asked, an opportunity.
    pub async fn convert_lead(&self, ctx: &Ctx, id: LeadId, c: Conversion) -> Result<Converted> {
        let defs = self.field_defs().await?;
        let (mut tx, lead) = self.held_lead(ctx, id).await?;
        if lead.status != "qualified" {
            return Err(Error::Conflict("lead_not_qualified"));
        }
        if !matches!(c.kind.as_str(), "company" | "individual") {
            return Err(Invalid::one("kind", Code::InvalidChoice).into());
        }
        let existing = match (c.customer_id, c.force_new) {
            (Some(cid), _) => Some(cid),
            (None, false) => lead.duplicate_customer_id,
            (None, true) => None,
        };
        let (customer, linked) = match existing {
            Some(cid) => match crate::customers::locked(&mut tx, &ctx.actor, CustomerId(cid)).await
            {
                Ok(found) => (found.id, true),
                Err(Error::NotFound) if c.customer_id.is_some() => {
                    return Err(Invalid::one("customer_id", Code::NotFound).into())
                }
                // A duplicate the actor may not see: a customer of their own.
                Err(Error::NotFound) => (
                    new_customer(&mut tx, ctx, &defs, &lead, &c.kind).await?,
                    false,
                ),
                Err(e) => return Err(e),
            },
            None => (
                new_customer(&mut tx, ctx, &defs, &lead, &c.kind).await?,
                false,
            ),
        };
        let contact = if c.kind == "company" && lead.company.is_some() {
            let mut set: Vec<(&'static str, Option<Stored>)> = vec![
                ("customer_id", Some(Stored::Int(customer))),
                ("name", Some(Stored::Text(lead.name.clone()))),
            ];
            for (field, value) in [
                ("title", &lead.title),
                ("mobile", &lead.mobile),
                ("email", &lead.email),
            ] {
                if let Some(v) = value {
                    set.push((field, Some(Stored::Text(v.clone()))));
                }
            }
            Some(
                crate::records::CONTACTS
                    .insert(&mut tx, &Patch { set }, vec![], ctx)
                    .await?,
            )
        } else {
            None
        };
        let opportunity = match c.opportunity {
            Some((name, amount)) => {
                let mut set = vec![
                    ("customer_id", Some(Stored::Int(customer))),
                    ("name", Some(Stored::Text(name))),
                ];
                if let Some(a) = amount.filter(|a| !a.trim().is_empty()) {
                    let money = kehu_core::money::Money::parse(&a)
                        .map_err(|code| Invalid::one("opportunity_amount", code))?;
                    set.push(("amount", Some(Stored::Text(money.to_string()))));
                }
                if let Some(s) = &lead.source {
                    set.push(("source", Some(Stored::Text(s.clone()))));
                }
                Some(
                    crate::opportunities::insert_opportunity(
                        &mut tx,
                        ctx,
                        Patch { set },
                        None,
                        None,
                    )
                    .await?,
                )
            }
            None => None,
        };
        let now = now_ms();
        let extra = vec![
            (
                "status",
                Kind::Text(20),
                Some(Stored::Text("converted".into())),
            ),
            ("customer_id", Kind::Id, Some(Stored::Int(customer))),
            ("contact_id", Kind::Id, contact.map(Stored::Int)),
            ("opportunity_id", Kind::Id, opportunity.map(Stored::Int)),
            ("converted_at", Kind::DateTime, Some(Stored::Int(now))),
        ];
        LEADS
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        if linked {
            let change = Change {
                field: "lead_converted".into(),
                old: None,
                new: Some(id.get().to_string()),
            };
            write_history(&mut tx, "customer", customer, &[change], ctx, now).await?;
        }
        tx.commit().await?;
        Ok(Converted {
            lead_id: id.get(),
            customer_id: customer,
            linked,
            contact_id: contact,
            opportunity_id: opportunity,
        })
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

    /// Public forms, newest first (administrators).
    pub async fn lead_forms(&self) -> Result<Vec<LeadForm>> {
        self.db
            .all(q(
                "SELECT id, key, name, source, campaign, assign, team_id, active FROM lead_forms \
                 ORDER BY id DESC",
            ))
            .await
    }

    /// The active form behind a public address.
    pub async fn lead_form(&self, key: &str) -> Result<LeadForm> {
        self.db
            .optional(
                q("SELECT id, key, name, source, campaign, assign, team_id, active FROM lead_forms \
                   WHERE key = $1 AND active")
                .bind(key),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    /// Adds a public form (administrators); its key is random.
    pub async fn create_lead_form(
        &self,
        ctx: &Ctx,
        name: &str,
        source: Option<&str>,
        campaign: Option<&str>,
        assign: &str,
        team_id: Option<i64>,
    ) -> Result<LeadForm> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let mut invalid = Invalid::default();
        let name = kehu_core::text::clean(name);
        if name.is_empty() {
            invalid.push("name", Code::Required);
        }
        if let Err(code) = Assign::parse(assign, team_id) {
            let field = if code == Code::Required {
                "team_id"
            } else {
                "assign"
            };
            invalid.push(field, code);
        }
        invalid.into_result()?;
        let mut tx = self.db.begin().await?;
        if let Some(t) = team_id {
            crate::users::check_team(&mut tx, Some(&Some(Stored::Int(t)))).await?;
        }
        let key = crate::auth::new_secret("");
        let clean = |s: Option<&str>| s.map(kehu_core::text::clean).filter(|s| !s.is_empty());
        let id = tx
            .insert(
                q("INSERT INTO lead_forms (key, name, source, campaign, assign, team_id, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(key)
                .bind(name)
                .bind(clean(source))
                .bind(clean(campaign))
                .bind(assign)
                .bind(team_id)
                .bind(now_ms()),
            )
            .await?;
        tx.commit().await?;
        self.lead_forms()
            .await?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or(Error::NotFound)
    }

    /// Counts a public form submission from `address`; `false` when the
    /// address has sent [`FORM_LIMIT`] within [`FORM_WINDOW_MS`] (the
    /// submission is then not taken). Old counts are dropped on the way.
    pub async fn form_hit(&self, address: &str, now: i64) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        tx.execute(q("DELETE FROM lead_form_hits WHERE at < $1").bind(now - DAY_MS))
            .await?;
        let (n,): (i64,) = tx
            .one(
                q("SELECT COUNT(*) FROM lead_form_hits WHERE address = $1 AND at >= $2")
                    .bind(address)
                    .bind(now - FORM_WINDOW_MS),
            )
            .await?;
        if n >= FORM_LIMIT {
            tx.commit().await?;
            return Ok(false);
        }
        tx.execute(
            q("INSERT INTO lead_form_hits (address, at) VALUES ($1, $2)")
                .bind(address)
                .bind(now),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sends leads from `province` to `user` (administrators); `None`
    /// removes the rule.
    pub async fn set_region_rule(
        &self,
        ctx: &Ctx,
        province: &str,
        user: Option<i64>,
    ) -> Result<()> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let province =
            match kehu_core::entry::parse_value(Kind::Province, &serde_json::Value::from(province))
            {
                Ok(Some(Stored::Text(p))) => p,
                Ok(_) => return Err(Invalid::one("province", Code::Required).into()),
                Err(code) => return Err(Invalid::one("province", code).into()),
            };
        let mut tx = self.db.begin().await?;
        tx.execute(q("DELETE FROM region_rules WHERE province = $1").bind(province.as_str()))
            .await?;
        if let Some(u) = user {
            tx.execute(
                q("INSERT INTO region_rules (province, user_id) VALUES ($1, $2)")
                    .bind(province.as_str())
                    .bind(u),
            )
            .await
            .map_err(|e| match e {
                Error::Database(_) => Error::Invalid(Invalid::one("user_id", Code::NotFound)),
                e => e,
            })?;
        }
        tx.commit().await
    }

    /// Starts the transaction that changes a lead the actor holds (or, for
    /// a manager or administrator, may see): the lead as it is now.
    async fn held_lead(&self, ctx: &Ctx, id: LeadId) -> Result<(Tx, Lead)> {
        let (tx, lead): (Tx, Lead) = self.begin_change(ctx, "leads", COLUMNS, id.get()).await?;
        if lead.owner_id.is_none() && !ctx.actor.is_manager_or_admin() {
            // A pool lead is claimed before it is worked.
            return Err(Error::Conflict("lead_in_pool"));
        }
        Ok((tx, lead))
    }
}

/// One follow-up of a lead.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct LeadFollowup {
    pub id: i64,
    pub channel: String,
    pub content: String,
    pub occurred_at: Time,
    pub next_step: Option<String>,
    pub next_step_at: Option<Time>,
    pub created_by: Option<i64>,
}

async fn read(tx: &mut Tx, id: i64) -> Result<Lead> {
    tx.optional(q(format!("SELECT {COLUMNS} FROM leads o WHERE o.id = $1")).bind(id))
        .await?
        .ok_or(Error::NotFound)
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

/// A customer made from a lead, owned by the converting actor.
async fn new_customer(
    tx: &mut Tx,
    ctx: &Ctx,
    defs: &[kehu_core::field::FieldDef],
    lead: &Lead,
    kind: &str,
) -> Result<i64> {
    let mut set: Vec<(&'static str, Option<Stored>)> = vec![
        ("kind", Some(Stored::Text(kind.into()))),
        ("stage", Some(Stored::Text("prospect".into()))),
    ];
    let name = if kind == "company" {
        lead.company.clone().unwrap_or_else(|| lead.name.clone())
    } else {
        lead.name.clone()
    };
    set.push(("name", Some(Stored::Text(name))));
    let fields: [(&'static str, &Option<String>); 6] = [
        ("company", &lead.company),
        ("province", &lead.province),
        ("city", &lead.city),
        ("source", &lead.source),
        ("phone", &lead.phone),
        ("title", &lead.title),
    ];
    for (field, value) in fields {
        if let Some(v) = value {
            set.push((field, Some(Stored::Text(v.clone()))));
        }
    }
    // An individual is reached on the customer itself; a company through
    // its contact.
    if kind == "individual" {
        for (field, value) in [("mobile", &lead.mobile), ("email", &lead.email)] {
            if let Some(v) = value {
                set.push((field, Some(Stored::Text(v.clone()))));
            }
        }
    }
    let input = CustomerInput {
        patch: Patch { set },
        ..Default::default()
    };
    insert_customer(tx, ctx, defs, input).await
}

fn dup_customer(l: &mut Lead) -> &mut Option<i64> {
    &mut l.duplicate_customer_id
}

fn dup_lead(l: &mut Lead) -> &mut Option<i64> {
    &mut l.duplicate_lead_id
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
