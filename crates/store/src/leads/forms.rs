//! Public lead forms on the company's website, the limit on submissions
//! from one address, and the region rules that route leads by province.

use kehu_core::entry::{Kind, Stored};
use kehu_core::{Code, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Assign, DAY_MS};
use crate::db::q;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// Submissions one address may make to public forms in a window.
pub const FORM_LIMIT: i64 = 5;
/// The window of [`FORM_LIMIT`], in milliseconds.
pub const FORM_WINDOW_MS: i64 = 10 * 60 * 1000;

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

impl Store {
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
}
