//! Admin-defined custom fields (字段定义): their type, labels and rules.

use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::{Code, FieldDefId, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{json, q};
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

#[derive(Debug, Clone, sqlx::FromRow)]
struct FieldRow {
    id: i64,
    key: String,
    label_zh: String,
    label_en: String,
    kind: String,
    rules: String,
    sensitive: bool,
    position: i64,
    created_at: Time,
    updated_at: Time,
}

/// A field definition as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldDefinition {
    pub id: i64,
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    #[schema(value_type = Object)]
    pub kind: FieldKind,
    #[schema(value_type = Object)]
    pub rules: FieldRules,
    pub sensitive: bool,
    pub position: i64,
    pub created_at: Time,
    pub updated_at: Time,
}

impl FieldRow {
    fn parse(self) -> Result<FieldDefinition> {
        let bad = |e: serde_json::Error| Error::internal(format!("field {}: {e}", self.key));
        Ok(FieldDefinition {
            kind: serde_json::from_str(&self.kind).map_err(bad)?,
            rules: serde_json::from_str(&self.rules).map_err(bad)?,
            id: self.id,
            key: self.key.clone(),
            label_zh: self.label_zh.clone(),
            label_en: self.label_en.clone(),
            sensitive: self.sensitive,
            position: self.position,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl FieldDefinition {
    pub fn def(&self) -> Result<FieldDef> {
        Ok(FieldDef {
            key: FieldKey::parse(&self.key).map_err(|_| Error::internal("stored field key"))?,
            label_zh: self.label_zh.clone(),
            label_en: self.label_en.clone(),
            kind: self.kind.clone(),
            rules: self.rules.clone(),
            sensitive: self.sensitive,
        })
    }
}

const COLUMNS: &str =
    "id, key, label_zh, label_en, kind, rules, sensitive, position, created_at, updated_at";

fn check_def(def: &FieldDef) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    for (field, label) in [("label_zh", &def.label_zh), ("label_en", &def.label_en)] {
        let n = label.trim().chars().count();
        if n == 0 {
            invalid.push(field, Code::Required);
        } else if n > 100 {
            invalid.push(field, Code::TooLong { max: 100 });
        }
    }
    if let Err(code) = def.rules.check_definition(&def.kind) {
        invalid.push("rules", code);
    }
    invalid.into_result()
}

impl Store {
    /// The customer fields an admin defined, in display order.
    pub async fn field_definitions(&self) -> Result<Vec<FieldDefinition>> {
        let rows: Vec<FieldRow> = self
            .db
            .all(q(format!(
                "SELECT {COLUMNS} FROM field_defs WHERE entity = 'customer' ORDER BY position, id"
            )))
            .await?;
        rows.into_iter().map(FieldRow::parse).collect()
    }

    pub async fn field_definition(&self, id: FieldDefId) -> Result<FieldDefinition> {
        let row: FieldRow = self
            .db
            .optional(q(format!("SELECT {COLUMNS} FROM field_defs WHERE id = $1")).bind(id.get()))
            .await?
            .ok_or(Error::NotFound)?;
        row.parse()
    }

    /// The customer fields' definitions, as entry and bulk writes check and
    /// seal values against them.
    pub async fn field_defs(&self) -> Result<Vec<FieldDef>> {
        self.field_definitions()
            .await?
            .iter()
            .map(FieldDefinition::def)
            .collect()
    }

    pub async fn create_field_definition(
        &self,
        ctx: &Ctx,
        def: FieldDef,
        position: i64,
    ) -> Result<FieldDefinition> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        check_def(&def)?;
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q("INSERT INTO field_defs (entity, key, label_zh, label_en, kind, rules, sensitive, position, \
                   created_at, updated_at) VALUES ('customer', $1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
                .bind(def.key.as_str())
                .bind(def.label_zh.trim())
                .bind(def.label_en.trim())
                .bind(json(&def.kind)?)
                .bind(json(&def.rules)?)
                .bind(def.sensitive)
                .bind(position)
                .bind(now),
            )
            .await?;
        tx.commit().await?;
        // A new required field is missing from every record there already.
        if def.rules.required {
            self.revalidate_field(ctx, &def).await?;
        }
        self.field_definition(FieldDefId(id)).await
    }

    /// Changes labels, options or rules. The key and type stay: values
    /// already stored were checked against them. Changed rules or options
    /// re-validate the stored values and list those that now break them.
    pub async fn update_field_definition(
        &self,
        ctx: &Ctx,
        id: FieldDefId,
        def: FieldDef,
        position: i64,
    ) -> Result<FieldDefinition> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let current = self.field_definition(id).await?;
        if current.key != def.key.as_str() {
            return Err(Invalid::one("key", Code::ReadOnly).into());
        }
        if current.kind.name() != def.kind.name() {
            return Err(Invalid::one("kind", Code::ReadOnly).into());
        }
        check_def(&def)?;
        let tightened = current.rules != def.rules || current.kind != def.kind;
        let mut tx = self.db.begin().await?;
        tx.execute(
            q("UPDATE field_defs SET label_zh = $1, label_en = $2, kind = $3, rules = $4, sensitive = $5, \
               position = $6, updated_at = $7 WHERE id = $8")
            .bind(def.label_zh.trim())
            .bind(def.label_en.trim())
            .bind(json(&def.kind)?)
            .bind(json(&def.rules)?)
            .bind(def.sensitive)
            .bind(position)
            .bind(now_ms())
            .bind(id.get()),
        )
        .await?;
        tx.commit().await?;
        // Marked sensitive: its values are sealed now (and opened when no
        // longer), by the same resumable sweep a first start runs.
        if current.sensitive != def.sensitive {
            self.sweep(1000, None).await?;
        }
        // Values stored under the old rules may break the new ones: list
        // them for the administrator (see Store::revalidations).
        if tightened {
            self.revalidate_field(ctx, &def).await?;
        }
        self.field_definition(id).await
    }

    /// Removes a definition. Values already stored under its key stay in
    /// the records (and their history) but are no longer shown or checked.
    pub async fn delete_field_definition(&self, ctx: &Ctx, id: FieldDefId) -> Result<()> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let n = self
            .db
            .execute(q("DELETE FROM field_defs WHERE id = $1").bind(id.get()))
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }
}
