//! Writing many customers at once (demo data now, imports later): rows are
//! parsed by the same entry standards as a form, then written in large
//! multi-row statements inside one transaction per chunk, so a million
//! customers take seconds, not hours, and a chunk is all-or-nothing.

use std::collections::BTreeSet;

use kehu_core::company::company_core;
use kehu_core::entry::{Patch, Stored};
use kehu_core::schema;

use crate::customers::{sort_key, CUSTOMERS};
use crate::db::{q, stored_arg, Arg};
use crate::search::{terms, Searchable};
use crate::write::{Ctx, HISTORY_COLUMNS};
use crate::{now_ms, Error, Result, Store};

/// A customer with what hangs off it, each part already parsed.
#[derive(Debug, Clone, Default)]
pub struct BulkCustomer {
    /// Customer fields (schema::CUSTOMER), including owner_id and team_id.
    pub patch: Patch,
    pub tags: Vec<String>,
    /// Contact fields (schema::CONTACT) without customer_id.
    pub contacts: Vec<Patch>,
    /// Interaction fields (schema::INTERACTION) without customer_id; a
    /// next step with a date becomes a task for `author`.
    pub interactions: Vec<Patch>,
    /// When the customer was created, if not now (for migrated data).
    pub created_at: Option<i64>,
    pub author: Option<i64>,
}

fn text<'a>(p: &'a Patch, name: &str) -> Option<&'a str> {
    p.text(name)
}

/// One argument per field of `specs`: the patch's value, else the
/// column's default (a bulk INSERT names every column, so the database's
/// own defaults do not apply).
fn row_of(specs: &[kehu_core::entry::Spec], patch: &Patch) -> Vec<Arg> {
    specs
        .iter()
        .map(|s| {
            let value = patch
                .get(s.name)
                .cloned()
                .flatten()
                .or_else(|| default_of(s.name));
            stored_arg(s.kind, value)
        })
        .collect()
}

/// The defaults of NOT NULL columns, as the migrations declare them.
fn default_of(column: &str) -> Option<Stored> {
    match column {
        "kind" => Some(Stored::Text("individual".into())),
        "stage" => Some(Stored::Text("lead".into())),
        "is_primary" => Some(Stored::Bool(false)),
        "status" => Some(Stored::Text("open".into())),
        _ => None,
    }
}

impl Store {
    /// Inserts customers in one transaction. Only administrators (and kehu
    /// itself) may write in bulk: owners are taken as given.
    pub async fn bulk_insert_customers(
        &self,
        ctx: &Ctx,
        rows: &[BulkCustomer],
    ) -> Result<Vec<i64>> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let now = now_ms();
        let by = ctx.by();
        let mut tx = self.db.begin().await?;
        let ids = tx.reserve_ids("customers", rows.len()).await?;

        let mut columns: Vec<&str> = vec!["id"];
        columns.extend(schema::CUSTOMER.iter().map(|s| s.name));
        columns.extend([
            "sort_key",
            "company_core",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ]);
        let mut customer_rows = Vec::with_capacity(rows.len());
        let mut search_rows = Vec::new();
        let mut history_rows = Vec::with_capacity(rows.len());
        for (row, id) in rows.iter().zip(&ids) {
            let p = &row.patch;
            let name =
                text(p, "name").ok_or_else(|| Error::internal("bulk customer without name"))?;
            let created = row.created_at.unwrap_or(now);
            let mut args = vec![Arg::from(*id)];
            args.extend(row_of(schema::CUSTOMER, p));
            args.extend([
                sort_key(name).into(),
                text(p, "company").map(company_core).into(),
                created.into(),
                by.into(),
                created.into(),
                by.into(),
            ]);
            customer_rows.push(args);
            for term in terms(&Searchable {
                name,
                company: text(p, "company"),
                mobile: text(p, "mobile"),
                phone: text(p, "phone"),
                email: text(p, "email"),
            }) {
                search_rows.push(vec![term.into(), (*id).into()]);
            }
            history_rows.push(vec![
                "customer".into(),
                (*id).into(),
                "created".into(),
                Arg::Text(None),
                Arg::Text(None),
                ctx.source.as_str().into(),
                by.into(),
                now.into(),
            ]);
        }
        tx.insert_rows(CUSTOMERS.table, &columns, customer_rows, false)
            .await?;
        tx.insert_rows(
            "customer_search",
            &["term", "customer_id"],
            search_rows,
            true,
        )
        .await?;

        let tag_names: BTreeSet<&str> = rows
            .iter()
            .flat_map(|r| r.tags.iter().map(String::as_str))
            .collect();
        if !tag_names.is_empty() {
            let tag_rows = tag_names
                .iter()
                .map(|n| vec![Arg::from(*n), now.into(), now.into()])
                .collect();
            tx.insert_rows(
                "tags",
                &["name", "created_at", "updated_at"],
                tag_rows,
                true,
            )
            .await?;
            let known: Vec<(i64, String)> = tx.all(q("SELECT id, name FROM tags")).await?;
            let mut links = Vec::new();
            for (row, id) in rows.iter().zip(&ids) {
                for tag in row.tags.iter().collect::<BTreeSet<_>>() {
                    if let Some((tag_id, _)) = known.iter().find(|(_, n)| n == tag) {
                        links.push(vec![Arg::from(*id), (*tag_id).into()]);
                    }
                }
            }
            tx.insert_rows("customer_tags", &["customer_id", "tag_id"], links, true)
                .await?;
        }

        let mut contact_columns: Vec<&str> = schema::CONTACT.iter().map(|s| s.name).collect();
        contact_columns.extend(["created_at", "created_by", "updated_at", "updated_by"]);
        let mut contact_rows = Vec::new();
        for (row, id) in rows.iter().zip(&ids) {
            for contact in &row.contacts {
                let mut c = contact.clone();
                c.set.retain(|(n, _)| *n != "customer_id");
                c.set.push(("customer_id", Some(Stored::Int(*id))));
                let mut args = row_of(schema::CONTACT, &c);
                let created = row.created_at.unwrap_or(now);
                args.extend([created.into(), by.into(), created.into(), by.into()]);
                contact_rows.push(args);
            }
        }
        tx.insert_rows("contacts", &contact_columns, contact_rows, false)
            .await?;

        let count: usize = rows.iter().map(|r| r.interactions.len()).sum();
        let interaction_ids = tx.reserve_ids("interactions", count).await?;
        let mut interaction_columns = vec!["id"];
        interaction_columns.extend(schema::INTERACTION.iter().map(|s| s.name));
        interaction_columns.extend(["created_at", "created_by", "updated_at", "updated_by"]);
        let task_columns = [
            "customer_id",
            "interaction_id",
            "title",
            "due_at",
            "assignee_id",
            "status",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ];
        let mut interaction_rows = Vec::with_capacity(count);
        let mut task_rows = Vec::new();
        let mut next_id = interaction_ids.iter();
        for (row, id) in rows.iter().zip(&ids) {
            for interaction in &row.interactions {
                let iid = *next_id
                    .next()
                    .ok_or_else(|| Error::internal("interaction ids"))?;
                let mut i = interaction.clone();
                i.set.retain(|(n, _)| *n != "customer_id");
                i.set.push(("customer_id", Some(Stored::Int(*id))));
                let at = i
                    .get("occurred_at")
                    .cloned()
                    .flatten()
                    .and_then(|v| v.as_int())
                    .unwrap_or(now);
                if i.get("occurred_at").cloned().flatten().is_none() {
                    i.set.retain(|(n, _)| *n != "occurred_at");
                    i.set.push(("occurred_at", Some(Stored::Int(at))));
                }
                let author = row.author.or(by);
                let mut args = vec![Arg::from(iid)];
                args.extend(row_of(schema::INTERACTION, &i));
                args.extend([at.into(), author.into(), at.into(), author.into()]);
                interaction_rows.push(args);
                if let Some(due) = i
                    .get("next_step_at")
                    .cloned()
                    .flatten()
                    .and_then(|v| v.as_int())
                {
                    let title = text(&i, "next_step").unwrap_or("跟进").to_owned();
                    task_rows.push(vec![
                        Arg::from(*id),
                        iid.into(),
                        title.into(),
                        due.into(),
                        author.into(),
                        "open".into(),
                        at.into(),
                        author.into(),
                        at.into(),
                        author.into(),
                    ]);
                }
            }
        }
        tx.insert_rows(
            "interactions",
            &interaction_columns,
            interaction_rows,
            false,
        )
        .await?;
        tx.insert_rows("tasks", &task_columns, task_rows, false)
            .await?;
        tx.insert_rows("history", HISTORY_COLUMNS, history_rows, false)
            .await?;
        tx.commit().await?;
        Ok(ids)
    }
}
