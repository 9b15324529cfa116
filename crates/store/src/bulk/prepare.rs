//! Preparing a batch: every row built, every search key computed and the
//! sensitive values sealed, with no database, so the next batch can be
//! prepared on another thread while this one is written.

use std::collections::BTreeSet;

use kehu_core::entry::{Patch, Spec, Stored};
use kehu_core::{schema, text};

use super::{BulkCustomer, Derived};
use crate::db::{stored_arg, Arg};
use crate::write::Ctx;
use crate::{now_ms, Error, Result};

/// Rows of one table laid end to end, with the places where ids go once
/// the database has handed them out.
#[derive(Default)]
pub(super) struct Rows {
    args: Vec<Arg>,
    /// (position in `args`, index of the customer whose id goes there)
    customer_ids: Vec<(usize, usize)>,
    /// (position in `args`, index of the interaction whose id goes there)
    interaction_ids: Vec<(usize, usize)>,
}

impl Rows {
    fn customer_id(&mut self, customer: usize) {
        self.customer_ids.push((self.args.len(), customer));
        self.args.push(Arg::Int(None));
    }

    fn interaction_id(&mut self, interaction: usize) {
        self.interaction_ids.push((self.args.len(), interaction));
        self.args.push(Arg::Int(None));
    }

    pub(super) fn fill(mut self, customers: &[i64], interactions: &[i64]) -> Vec<Arg> {
        for (at, i) in self.customer_ids {
            self.args[at] = Arg::Int(Some(customers[i]));
        }
        for (at, i) in self.interaction_ids {
            self.args[at] = Arg::Int(Some(interactions[i]));
        }
        self.args
    }
}

/// A batch of customers ready to write.
pub struct PreparedBulk {
    pub(super) customers: usize,
    pub(super) interactions: usize,
    pub(super) customer_rows: Rows,
    pub(super) search_rows: Rows,
    pub(super) tags: BTreeSet<String>,
    /// (customer index, tag name)
    pub(super) tag_links: Vec<(usize, String)>,
    pub(super) contact_rows: Rows,
    pub(super) interaction_rows: Rows,
    pub(super) task_rows: Rows,
    pub(super) history_rows: Rows,
    /// The clear sensitive values of the rows that had any (by index in
    /// the batch), sealed in the rows above, to blind-index once ids are
    /// known; and the definitions that say which fields are sensitive.
    pub(super) clear: Vec<(usize, serde_json::Map<String, serde_json::Value>)>,
    pub(super) defs: Vec<kehu_core::field::FieldDef>,
}

/// One argument per field of `specs`: the patch's value, else the column's
/// default (a bulk INSERT names every column, so the database's own
/// defaults do not apply). The `customer_id` field is left to `rows`.
fn push_fields(rows: &mut Rows, specs: &[Spec], patch: &Patch, customer: usize) {
    for s in specs {
        if s.name == "customer_id" {
            rows.customer_id(customer);
            continue;
        }
        let value = patch
            .get(s.name)
            .cloned()
            .flatten()
            .or_else(|| default_of(s.name));
        rows.args.push(stored_arg(s.kind, value));
    }
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

fn int_of(patch: &Patch, name: &str) -> Option<i64> {
    patch.get(name).cloned().flatten().and_then(|v| v.as_int())
}

impl PreparedBulk {
    pub fn new(
        ctx: &Ctx,
        vault: &crate::Vault,
        defs: &[kehu_core::field::FieldDef],
        batch: &mut [BulkCustomer],
    ) -> Result<PreparedBulk> {
        // Sealed first: clear text of a sensitive field never reaches the
        // rows (history included) that are written.
        let clear = seal_bulk(vault, defs, batch)?;
        let batch = &*batch;
        let now = now_ms();
        let by = ctx.by();
        let mut p = PreparedBulk {
            customers: batch.len(),
            interactions: 0,
            customer_rows: Rows::default(),
            search_rows: Rows::default(),
            tags: BTreeSet::new(),
            tag_links: Vec::new(),
            contact_rows: Rows::default(),
            interaction_rows: Rows::default(),
            task_rows: Rows::default(),
            history_rows: Rows::default(),
            defs: if clear.is_empty() {
                Vec::new()
            } else {
                defs.iter().filter(|d| d.sensitive).cloned().collect()
            },
            clear,
        };
        for (i, row) in batch.iter().enumerate() {
            let patch = &row.patch;
            if patch.text("name").is_none() {
                return Err(Error::internal("bulk customer without name"));
            }
            let created = row.created_at.unwrap_or(now);
            let author = row.author.or(by);

            let computed;
            let derived = match &row.derived {
                Some(d) => d,
                None => {
                    computed = Derived::of(patch);
                    &computed
                }
            };
            p.customer_rows.customer_id(i);
            push_fields(&mut p.customer_rows, schema::CUSTOMER, patch, i);
            p.customer_rows.args.extend([
                serde_json::Value::Object(row.custom.clone())
                    .to_string()
                    .into(),
                derived.sort_key.as_str().into(),
                derived.company_core.as_deref().into(),
                created.into(),
                by.into(),
                created.into(),
                by.into(),
            ]);
            // In customer order (each customer's keys come sorted and
            // deduplicated), the search table is appended to page by page.
            for term in &derived.terms {
                p.search_rows.args.push(term.as_str().into());
                p.search_rows.customer_id(i);
            }
            for tag in row.tags.iter().collect::<BTreeSet<_>>() {
                if tag.is_empty() || tag.chars().count() > 50 || text::clean(tag) != *tag {
                    return Err(Error::internal(format!(
                        "bulk tag {tag:?} is not a clean tag of 1–50 characters"
                    )));
                }
                p.tags.insert(tag.clone());
                p.tag_links.push((i, tag.clone()));
            }
            for contact in &row.contacts {
                push_fields(&mut p.contact_rows, schema::CONTACT, contact, i);
                p.contact_rows
                    .args
                    .extend([created.into(), by.into(), created.into(), by.into()]);
            }
            for interaction in &row.interactions {
                let at = int_of(interaction, "occurred_at").unwrap_or(now);
                let n = p.interactions;
                p.interactions += 1;
                p.interaction_rows.interaction_id(n);
                let mut fields = interaction.clone();
                if int_of(&fields, "occurred_at").is_none() {
                    fields.set.retain(|(name, _)| *name != "occurred_at");
                    fields.set.push(("occurred_at", Some(Stored::Int(at))));
                }
                push_fields(&mut p.interaction_rows, schema::INTERACTION, &fields, i);
                p.interaction_rows.args.extend([
                    at.into(),
                    author.into(),
                    at.into(),
                    author.into(),
                ]);
                if let Some(due) = int_of(interaction, "next_step_at") {
                    let title = interaction.text("next_step").unwrap_or("跟进").to_owned();
                    p.task_rows.customer_id(i);
                    p.task_rows.interaction_id(n);
                    p.task_rows.args.extend([
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
            p.history_rows.args.push("customer".into());
            p.history_rows.customer_id(i);
            p.history_rows.args.extend([
                "created".into(),
                Arg::Text(None),
                Arg::Text(None),
                ctx.source.as_str().into(),
                by.into(),
                now.into(),
                ctx.batch.into(),
            ]);
        }
        Ok(p)
    }
}

/// Seals the sensitive custom values of rows about to be written in bulk,
/// so clear text never reaches the database, and returns the clear values
/// of the rows that had any, by index, to index once their ids are known.
fn seal_bulk(
    vault: &crate::Vault,
    defs: &[kehu_core::field::FieldDef],
    rows: &mut [BulkCustomer],
) -> Result<Vec<(usize, serde_json::Map<String, serde_json::Value>)>> {
    let mut clear = Vec::new();
    for (i, row) in rows.iter_mut().enumerate() {
        if !row
            .custom
            .keys()
            .any(|k| crate::vault::values::sensitive(defs, k).is_some())
        {
            continue;
        }
        clear.push((i, row.custom.clone()));
        crate::vault::values::seal_custom(vault, defs, &mut row.custom)?;
    }
    Ok(clear)
}
