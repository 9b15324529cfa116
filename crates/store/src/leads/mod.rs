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

mod capture;
mod convert;
mod followups;
mod forms;
mod pool;

pub use convert::{Conversion, Converted};
pub use followups::LeadFollowup;
pub use forms::{LeadForm, FORM_LIMIT, FORM_WINDOW_MS};
pub use pool::{PoolRule, Swept};

use kehu_core::{schema, Code, LeadId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::visible;
use crate::db::{q, Tx, Where};
use crate::time::Time;
use crate::write::{Ctx, Table};
use crate::{Error, Result, Store};

const LEADS: Table = Table {
    table: "leads",
    entity: "lead",
    specs: schema::LEAD,
};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Most leads one page lists.
pub const MAX_PAGE: i64 = 200;

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

async fn read(tx: &mut Tx, id: i64) -> Result<Lead> {
    tx.optional(q(format!("SELECT {COLUMNS} FROM leads o WHERE o.id = $1")).bind(id))
        .await?
        .ok_or(Error::NotFound)
}

fn dup_customer(l: &mut Lead) -> &mut Option<i64> {
    &mut l.duplicate_customer_id
}

fn dup_lead(l: &mut Lead) -> &mut Option<i64> {
    &mut l.duplicate_lead_id
}
