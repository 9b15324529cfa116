//! Working a held lead: its follow-ups (each next step a task) and its
//! status from new to qualified or disqualified.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::{Code, Invalid, LeadId};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Lead, LEADS};
use crate::db::q;
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

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

impl Store {
    /// Writes a follow-up of a lead the actor holds ([`schema::LEAD_FOLLOWUP`]):
    /// a new lead becomes contacted, its pool clock restarts, and a next
    /// step with a date becomes a task for the writer.
    ///
    /// [`schema::LEAD_FOLLOWUP`]: kehu_core::schema::LEAD_FOLLOWUP
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
}
