//! Tags: short labels shared by all customers.

use kehu_core::{Code, Invalid, TagId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::q;
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Tag {
    pub id: i64,
    pub name: String,
    pub color: Option<String>,
    pub created_at: Time,
    pub updated_at: Time,
}

const COLUMNS: &str = "id, name, color, created_at, updated_at";

pub(crate) use kehu_core::entry::tag_name;

fn check(name: &str, color: Option<&str>) -> Result<(String, Option<String>), Invalid> {
    let mut invalid = Invalid::default();
    let name = invalid.check("name", tag_name(name)).unwrap_or_default();
    let color = color.map(str::trim).filter(|c| !c.is_empty());
    if let Some(c) = color {
        let hex = c.strip_prefix('#').unwrap_or("");
        if !(hex.len() == 6 && hex.chars().all(|ch| ch.is_ascii_hexdigit())) {
            invalid.push("color", Code::PatternMismatch);
        }
    }
    invalid
        .into_result()
        .map(|()| (name, color.map(str::to_owned)))
}

impl Store {
    pub async fn tags(&self) -> Result<Vec<Tag>> {
        self.db
            .all(q(format!("SELECT {COLUMNS} FROM tags ORDER BY name")))
            .await
    }

    pub async fn tag(&self, id: TagId) -> Result<Tag> {
        self.db
            .optional(q(format!("SELECT {COLUMNS} FROM tags WHERE id = $1")).bind(id.get()))
            .await?
            .ok_or(Error::NotFound)
    }

    pub async fn create_tag(&self, ctx: &Ctx, name: &str, color: Option<&str>) -> Result<Tag> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let (name, color) = check(name, color)?;
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q("INSERT INTO tags (name, color, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id")
                    .bind(name)
                    .bind(color)
                    .bind(now_ms()),
            )
            .await?;
        tx.commit().await?;
        self.tag(TagId(id)).await
    }

    /// Renaming a tag renames it on every customer: tags are shared.
    pub async fn update_tag(
        &self,
        ctx: &Ctx,
        id: TagId,
        name: &str,
        color: Option<&str>,
    ) -> Result<Tag> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let (name, color) = check(name, color)?;
        let n = self
            .db
            .execute(
                q("UPDATE tags SET name = $1, color = $2, updated_at = $3 WHERE id = $4")
                    .bind(name)
                    .bind(color)
                    .bind(now_ms())
                    .bind(id.get()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        self.tag(id).await
    }

    pub async fn delete_tag(&self, ctx: &Ctx, id: TagId) -> Result<()> {
        if !ctx.actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        tx.execute(q("DELETE FROM customer_tags WHERE tag_id = $1").bind(id.get()))
            .await?;
        let n = tx
            .execute(q("DELETE FROM tags WHERE id = $1").bind(id.get()))
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        tx.commit().await
    }
}
