//! Customers' tags: loading them for a page, reading one customer's, and
//! replacing them with history.

use kehu_core::{Code, Invalid};

use super::Customer;
use crate::db::{q, Tx};
use crate::write::{Change, Ctx};
use crate::{now_ms, Result, Store};

impl Store {
    /// Fills in the tags of the given customers with one query.
    pub(crate) async fn load_tags(&self, customers: &mut [Customer]) -> Result<()> {
        if customers.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = customers.iter().map(|c| c.id.to_string()).collect();
        let rows: Vec<(i64, String)> = self
            .db
            .all(q(format!(
                "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id \
                 WHERE ct.customer_id IN ({}) ORDER BY t.name",
                ids.join(", ")
            ))
            .once())
            .await?;
        for (id, tag) in rows {
            if let Some(c) = customers.iter_mut().find(|c| c.id == id) {
                c.tags.push(tag);
            }
        }
        Ok(())
    }
}

/// A customer's tag names, sorted in Rust's order (the database's
/// collation may differ).
pub(crate) async fn tags_of(tx: &mut Tx, id: i64) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = tx
        .all(
            q(
                "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id \
               WHERE ct.customer_id = $1",
            )
            .bind(id),
        )
        .await?;
    let mut tags: Vec<String> = rows.into_iter().map(|(n,)| n).collect();
    tags.sort();
    Ok(tags)
}

/// Replaces a customer's tags, creating tags that do not exist yet.
/// Returns whether anything changed.
pub(super) async fn set_tags(
    tx: &mut Tx,
    id: i64,
    names: &[String],
    ctx: &Ctx,
    bump_version: bool,
) -> Result<bool> {
    let mut wanted = Vec::new();
    for name in names {
        let name = match crate::tags::tag_name(name) {
            Ok(name) => name,
            Err(Code::Required) => continue,
            Err(code) => return Err(Invalid::one("tags", code).into()),
        };
        if !wanted.contains(&name) {
            wanted.push(name);
        }
    }
    if wanted.len() > 100 {
        return Err(Invalid::one("tags", Code::TooLong { max: 100 }).into());
    }
    wanted.sort();
    let old = tags_of(tx, id).await?;
    if old == wanted {
        return Ok(false);
    }
    let now = now_ms();
    tx.execute(q("DELETE FROM customer_tags WHERE customer_id = $1").bind(id))
        .await?;
    for name in &wanted {
        tx.execute(
            q("INSERT INTO tags (name, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name)
                .bind(now),
        )
        .await?;
        tx.execute(
            q("INSERT INTO customer_tags (customer_id, tag_id) SELECT $1, id FROM tags WHERE name = $2")
                .bind(id)
                .bind(name),
        )
        .await?;
    }
    let change = Change {
        field: "tags".into(),
        old: Some(old.join(", ")).filter(|s| !s.is_empty()),
        new: Some(wanted.join(", ")).filter(|s| !s.is_empty()),
    };
    crate::write::write_history(tx, "customer", id, &[change], ctx, now).await?;
    if !bump_version {
        return Ok(true);
    }
    tx.execute(
        q("UPDATE customers SET updated_at = $1, updated_by = $2, version = version + 1 WHERE id = $3")
            .bind(now)
            .bind(ctx.by())
            .bind(id),
    )
    .await?;
    Ok(true)
}
