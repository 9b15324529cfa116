//! Column mappings saved under a name (导入模板).

use kehu_core::columns::Target;
use kehu_core::{Code, Invalid};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::q;
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// A column mapping saved under a name (导入模板).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportTemplate {
    pub id: i64,
    pub name: String,
    /// Column header → field key.
    #[schema(value_type = Object)]
    pub mapping: Map<String, Value>,
    pub created_by: Option<i64>,
    pub updated_at: Time,
}

impl ImportTemplate {
    /// The mapping for a file's headers: each header's saved key, if any.
    pub fn apply(&self, headers: &[String]) -> Vec<Option<String>> {
        headers
            .iter()
            .map(|h| {
                self.mapping
                    .get(h.trim())
                    .and_then(Value::as_str)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
            })
            .collect()
    }
}

impl Store {
    /// Saves a mapping under a name, replacing one of the same name.
    pub async fn save_import_template(
        &self,
        ctx: &Ctx,
        name: &str,
        headers: &[String],
        mapping: &[Option<String>],
    ) -> Result<ImportTemplate> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let name = kehu_core::text::clean(name);
        if name.is_empty() {
            return Err(Invalid::one("name", Code::Required).into());
        }
        if name.chars().count() > 100 {
            return Err(Invalid::one("name", Code::TooLong { max: 100 }).into());
        }
        let defs = self.field_defs().await?;
        let mut map = Map::new();
        for (header, key) in headers.iter().zip(mapping) {
            if let Some(key) = key {
                if Target::parse(key, &defs).is_none() {
                    return Err(
                        Invalid::one(format!("mapping.{header}"), Code::UnknownField).into(),
                    );
                }
                map.insert(header.trim().to_owned(), Value::from(key.as_str()));
            }
        }
        let now = now_ms();
        self.db
            .execute(
                q("INSERT INTO import_templates (name, mapping, created_by, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $4) \
                   ON CONFLICT (name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at")
                .bind(&name)
                .bind(Value::Object(map).to_string())
                .bind(ctx.by())
                .bind(now),
            )
            .await?;
        self.import_template(&name)
            .await?
            .ok_or_else(|| Error::internal("saved template vanished"))
    }

    pub async fn import_template(&self, name: &str) -> Result<Option<ImportTemplate>> {
        Ok(self
            .import_templates()
            .await?
            .into_iter()
            .find(|t| t.name == name))
    }

    pub async fn import_templates(&self) -> Result<Vec<ImportTemplate>> {
        let rows: Vec<(i64, String, String, Option<i64>, i64)> = self
            .db
            .all(q(
                "SELECT id, name, mapping, created_by, updated_at FROM import_templates ORDER BY name",
            ))
            .await?;
        rows.into_iter()
            .map(|(id, name, mapping, created_by, updated_at)| {
                let mapping = serde_json::from_str(&mapping)
                    .map_err(|e| Error::internal(format!("template {id}: {e}")))?;
                Ok(ImportTemplate {
                    id,
                    name,
                    mapping,
                    created_by,
                    updated_at: Time(updated_at),
                })
            })
            .collect()
    }

    /// Deletes a template: its author's, or any for an administrator.
    pub async fn delete_import_template(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let n = self
            .db
            .execute(
                q("DELETE FROM import_templates WHERE id = $1 AND (created_by IS NOT DISTINCT FROM $2 OR $3)")
                    .bind(id)
                    .bind(ctx.by())
                    .bind(ctx.actor.is_admin()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }
}
