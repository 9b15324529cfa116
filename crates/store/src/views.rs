//! Saved views (保存的视图): a named customer-list filter with its columns
//! and sort, kept per user and optionally shared with everyone.

use kehu_core::{Actor, Code, Invalid, SavedViewId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::q;
use crate::list::CustomerFilter;
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// The columns a customer list can show, besides `custom.<key>` for each
/// custom field.
pub const LIST_COLUMNS: &[&str] = &[
    "name",
    "company",
    "mobile",
    "email",
    "owner",
    "stage",
    "source",
    "country",
    "province",
    "city",
    "gender",
    "birth_date",
    "tags",
    "updated_at",
    "created_at",
];

pub const NAME_MAX: usize = 100;
/// Longer than any list the filter form can produce.
pub const QUERY_MAX: usize = 2000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedView {
    pub id: i64,
    pub user_id: i64,
    /// The creator's name, or email when they have none.
    pub owner_name: String,
    pub name: String,
    pub shared: bool,
    /// The list's URL query string: filters and sort, e.g.
    /// `q=zs&stage=lead&sort=-created_at`.
    pub query: String,
    pub columns: Vec<String>,
    pub created_at: Time,
    pub updated_at: Time,
}

#[derive(sqlx::FromRow)]
struct ViewRow {
    id: i64,
    user_id: i64,
    owner_name: String,
    name: String,
    shared: bool,
    query: String,
    columns: String,
    created_at: Time,
    updated_at: Time,
}

impl ViewRow {
    fn parse(self) -> Result<SavedView> {
        let columns = serde_json::from_str(&self.columns)
            .map_err(|e| Error::internal(format!("saved view {}: {e}", self.id)))?;
        Ok(SavedView {
            id: self.id,
            user_id: self.user_id,
            owner_name: self.owner_name,
            name: self.name,
            shared: self.shared,
            query: self.query,
            columns,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const SELECT: &str = "SELECT v.id, v.user_id, COALESCE(u.name, u.email) AS owner_name, v.name, \
    v.shared, v.query, v.columns, v.created_at, v.updated_at \
    FROM saved_views v JOIN users u ON u.id = v.user_id";

/// A view as given, checked: the name cleaned, the query parsed by the
/// list's own parser, the columns known ones without repeats.
struct Checked {
    name: String,
    query: String,
    columns: String,
}

fn check(
    name: &str,
    query: &str,
    columns: &[String],
    custom_keys: &[String],
) -> Result<Checked, Invalid> {
    let mut invalid = Invalid::default();
    let name = kehu_core::text::clean(name);
    if name.is_empty() {
        invalid.push("name", Code::Required);
    } else if name.chars().count() > NAME_MAX {
        invalid.push("name", Code::TooLong { max: NAME_MAX });
    }
    let query = query.trim().trim_start_matches('?').to_owned();
    if query.chars().count() > QUERY_MAX {
        invalid.push("query", Code::TooLong { max: QUERY_MAX });
    } else if let Err(e) = CustomerFilter::from_query(&query, "query") {
        invalid.0.extend(e.0);
    }
    let mut kept: Vec<&str> = Vec::new();
    for column in columns {
        let known = LIST_COLUMNS.contains(&column.as_str())
            || column
                .strip_prefix("custom.")
                .is_some_and(|k| custom_keys.iter().any(|c| c == k));
        if !known {
            invalid.push("columns", Code::InvalidChoice);
            break;
        }
        if !kept.contains(&column.as_str()) {
            kept.push(column);
        }
    }
    invalid.into_result()?;
    Ok(Checked {
        name,
        query,
        columns: serde_json::Value::from(kept).to_string(),
    })
}

impl Store {
    /// The actor's own views and everyone's shared ones, by name.
    pub async fn saved_views(&self, actor: &Actor) -> Result<Vec<SavedView>> {
        let rows: Vec<ViewRow> = self
            .db
            .all(
                q(format!(
                    "{SELECT} WHERE v.user_id = $1 OR v.shared ORDER BY v.name, v.id"
                ))
                .bind(actor.user_id.get()),
            )
            .await?;
        rows.into_iter().map(ViewRow::parse).collect()
    }

    /// One of the actor's own views or a shared one.
    pub async fn saved_view(&self, actor: &Actor, id: SavedViewId) -> Result<SavedView> {
        let row: ViewRow = self
            .db
            .optional(
                q(format!(
                    "{SELECT} WHERE v.id = $1 AND (v.user_id = $2 OR v.shared)"
                ))
                .bind(id.get())
                .bind(actor.user_id.get()),
            )
            .await?
            .ok_or(Error::NotFound)?;
        row.parse()
    }

    pub async fn create_saved_view(
        &self,
        ctx: &Ctx,
        name: &str,
        shared: bool,
        query: &str,
        columns: &[String],
    ) -> Result<SavedView> {
        let owner = ctx.actor.user_id.get();
        let v = check(name, query, columns, &self.custom_keys().await?)?;
        let mut tx = self.db.begin().await?;
        name_free(&mut tx, owner, &v.name, None).await?;
        let id = tx
            .insert(
                q("INSERT INTO saved_views (user_id, name, shared, query, columns, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
                .bind(owner)
                .bind(v.name)
                .bind(shared)
                .bind(v.query)
                .bind(v.columns)
                .bind(now_ms()),
            )
            .await?;
        tx.commit().await?;
        self.saved_view(&ctx.actor, SavedViewId(id)).await
    }

    /// Replaces a view's name, sharing, query and columns. Only its creator
    /// or an administrator may.
    pub async fn update_saved_view(
        &self,
        ctx: &Ctx,
        id: SavedViewId,
        name: &str,
        shared: bool,
        query: &str,
        columns: &[String],
    ) -> Result<SavedView> {
        let current = self.editable_saved_view(ctx, id).await?;
        let v = check(name, query, columns, &self.custom_keys().await?)?;
        let mut tx = self.db.begin().await?;
        name_free(&mut tx, current.user_id, &v.name, Some(id.get())).await?;
        tx.execute(
            q("UPDATE saved_views SET name = $1, shared = $2, query = $3, columns = $4, updated_at = $5 \
               WHERE id = $6")
            .bind(v.name)
            .bind(shared)
            .bind(v.query)
            .bind(v.columns)
            .bind(now_ms())
            .bind(id.get()),
        )
        .await?;
        tx.commit().await?;
        // An administrator keeps seeing what they changed, shared or not.
        let row: ViewRow = self
            .db
            .one(q(format!("{SELECT} WHERE v.id = $1")).bind(id.get()))
            .await?;
        row.parse()
    }

    pub async fn delete_saved_view(&self, ctx: &Ctx, id: SavedViewId) -> Result<()> {
        self.editable_saved_view(ctx, id).await?;
        self.db
            .execute(q("DELETE FROM saved_views WHERE id = $1").bind(id.get()))
            .await?;
        Ok(())
    }

    /// A view the actor may change: their own, or any for an administrator.
    /// A shared view of someone else's is forbidden; a private one does
    /// not exist for them.
    pub async fn editable_saved_view(&self, ctx: &Ctx, id: SavedViewId) -> Result<SavedView> {
        let row: ViewRow = self
            .db
            .optional(q(format!("{SELECT} WHERE v.id = $1")).bind(id.get()))
            .await?
            .ok_or(Error::NotFound)?;
        let view = row.parse()?;
        if view.user_id == ctx.actor.user_id.get() || ctx.actor.is_admin() {
            Ok(view)
        } else if view.shared {
            Err(Error::Forbidden)
        } else {
            Err(Error::NotFound)
        }
    }

    async fn custom_keys(&self) -> Result<Vec<String>> {
        Ok(self
            .field_definitions()
            .await?
            .into_iter()
            .map(|d| d.key)
            .collect())
    }
}

/// A user's view names are unique; checked first so the error names the
/// field, with the constraint behind it for writers that race.
async fn name_free(
    tx: &mut crate::db::Tx,
    user: i64,
    name: &str,
    except: Option<i64>,
) -> Result<()> {
    let taken: Option<(i64,)> = tx
        .optional(
            q("SELECT id FROM saved_views WHERE user_id = $1 AND name = $2 AND id <> $3")
                .bind(user)
                .bind(name)
                .bind(except.unwrap_or(0)),
        )
        .await?;
    match taken {
        Some(_) => Err(Invalid::one("name", Code::NameTaken).into()),
        None => Ok(()),
    }
}
