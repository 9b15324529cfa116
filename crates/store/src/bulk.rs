//! Writing many customers at once (demo data now, imports later): rows are
//! parsed by the same entry standards as a form, then written in large
//! multi-row statements inside one transaction per batch, so a million
//! customers take a minute or two, not hours, and a batch is all-or-nothing.
//!
//! A batch is first *prepared* ([`PreparedBulk::new`]): every row built and
//! every search key computed. That is CPU work with no database, so a caller
//! can prepare the next batch on another thread while this one is written
//! ([`Store::write_bulk`]).

use std::collections::BTreeSet;

use kehu_core::entry::{Patch, Spec, Stored};
use kehu_core::{schema, text};

use crate::customers::{sort_key, CUSTOMERS};
use crate::db::{q, stored_arg, Arg, Tx};
use crate::search::patch_terms;
use crate::write::{Ctx, HISTORY_COLUMNS};
use crate::{now_ms, Error, Result, Store};

/// A customer with what hangs off it, each part already parsed.
#[derive(Debug, Clone, Default)]
pub struct BulkCustomer {
    /// Customer fields (schema::CUSTOMER), including owner_id and team_id.
    pub patch: Patch,
    pub tags: Vec<String>,
    /// Custom-field values, already validated.
    pub custom: serde_json::Map<String, serde_json::Value>,
    /// Contact fields (schema::CONTACT); customer_id is filled in.
    pub contacts: Vec<Patch>,
    /// Interaction fields (schema::INTERACTION); customer_id is filled in.
    /// A next step with a date becomes a task for `author`.
    pub interactions: Vec<Patch>,
    /// When the customer was created, if not now (for migrated data).
    pub created_at: Option<i64>,
    pub author: Option<i64>,
    /// What its row stores beside the fields, when the caller worked it
    /// out already (on another thread); worked out here otherwise.
    pub derived: Option<Derived>,
}

/// What a customer's row stores beside its fields, worked out from them:
/// its search keys ([`crate::search::terms`]), the pinyin it sorts by and
/// its company's core name. CPU work with no database, so an import does it
/// on the reader's thread rather than the writer's.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    pub terms: Vec<String>,
    pub sort_key: String,
    pub company_core: Option<String>,
}

impl Derived {
    pub fn of(patch: &Patch) -> Derived {
        let (terms, company_core) = patch_terms(patch);
        Derived {
            terms,
            sort_key: sort_key(patch.text("name").unwrap_or_default()),
            company_core,
        }
    }
}

/// The tables a bulk load fills, whose indexes it may set aside.
const BULK_TABLES: &[&str] = &[
    "customers",
    "customer_search",
    "customer_tags",
    "contacts",
    "interactions",
    "tasks",
    "history",
];

/// Indexes an import needs while it runs: its duplicate checks look keys
/// up by them, and later chunks find what earlier ones wrote.
const IMPORT_KEEPS: &[&str] = &[
    "customers_mobile",
    "customers_email",
    "customers_uscc",
    "customers_external_id",
    "history_batch",
];

/// Indexes no load sets aside. PostgreSQL keeps search keys in a heap
/// (SQLite in a table ordered by customer, with no such index): without
/// this one, a record a load updates would have its keys found by a scan.
const ALWAYS_KEEPS: &[&str] = &["customer_search_customer"];

/// Rows of one table laid end to end, with the places where ids go once
/// the database has handed them out.
#[derive(Default)]
struct Rows {
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

    fn fill(mut self, customers: &[i64], interactions: &[i64]) -> Vec<Arg> {
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
    customers: usize,
    interactions: usize,
    customer_rows: Rows,
    search_rows: Rows,
    tags: BTreeSet<String>,
    /// (customer index, tag name)
    tag_links: Vec<(usize, String)>,
    contact_rows: Rows,
    interaction_rows: Rows,
    task_rows: Rows,
    history_rows: Rows,
    /// The clear sensitive values of the rows that had any (by index in
    /// the batch), sealed in the rows above, to blind-index once ids are
    /// known; and the definitions that say which fields are sensitive.
    clear: Vec<(usize, serde_json::Map<String, serde_json::Value>)>,
    defs: Vec<kehu_core::field::FieldDef>,
}

fn customer_columns() -> Vec<&'static str> {
    let mut columns = vec!["id"];
    columns.extend(schema::CUSTOMER.iter().map(|s| s.name));
    columns.extend([
        "custom",
        "sort_key",
        "company_core",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]);
    columns
}

const STAMPS: [&str; 4] = ["created_at", "created_by", "updated_at", "updated_by"];

fn columns_of(specs: &[Spec], first: Option<&'static str>) -> Vec<&'static str> {
    first
        .into_iter()
        .chain(specs.iter().map(|s| s.name))
        .chain(STAMPS)
        .collect()
}

const TASK_COLUMNS: [&str; 10] = [
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

impl Store {
    /// Inserts customers. Only administrators (and kehu itself) may write
    /// in bulk: owners are taken as given.
    pub async fn bulk_insert_customers(
        &self,
        ctx: &Ctx,
        batch: &[BulkCustomer],
    ) -> Result<Vec<i64>> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let defs = self.field_defs().await?;
        let p = PreparedBulk::new(ctx, self.vault(), &defs, &mut batch.to_vec())?;
        self.write_bulk(ctx, p).await
    }

    /// Prepares an empty database for a large load: the secondary indexes
    /// of the tables a load fills are set aside, so rows are appended
    /// instead of threaded into a dozen indexes each, and are built in one
    /// sorted pass by [`Store::finish_bulk`] (on PostgreSQL a million
    /// customers' search keys went from minutes of random index inserts to
    /// seconds). Does nothing when customers exist (users may be searching
    /// them).
    pub async fn suspend_indexes(&self) -> Result<bool> {
        self.suspend_indexes_except(&[]).await
    }

    /// [`Store::suspend_indexes`] for an import into an empty database:
    /// the indexes its duplicate checks look rows up by (and the one that
    /// keeps external ids unique) stay.
    pub async fn suspend_indexes_for_import(&self) -> Result<bool> {
        self.suspend_indexes_except(IMPORT_KEEPS).await
    }

    async fn suspend_indexes_except(&self, keep: &[&str]) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let any: Option<(i64,)> = tx.optional(q("SELECT id FROM customers LIMIT 1")).await?;
        if any.is_some() {
            return Ok(false);
        }
        let tables = BULK_TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let indexes: Vec<(String, String)> = match self.backend() {
            crate::Backend::Sqlite => {
                tx.all(q(format!(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                     AND tbl_name IN ({tables})"
                )))
                .await?
            }
            // Not the indexes of primary keys and constraints: those stay.
            crate::Backend::Postgres => {
                tx.all(q(format!(
                    "SELECT indexname, indexdef FROM pg_indexes \
                     WHERE schemaname = current_schema() AND tablename IN ({tables}) \
                     AND indexname NOT IN (SELECT conname FROM pg_constraint)"
                )))
                .await?
            }
        };
        for (name, sql) in indexes
            .into_iter()
            .filter(|(n, _)| !keep.contains(&n.as_str()) && !ALWAYS_KEEPS.contains(&n.as_str()))
        {
            tx.execute(
                q("INSERT INTO suspended_indexes (name, sql) VALUES ($1, $2)")
                    .bind(&name)
                    .bind(sql),
            )
            .await?;
            tx.execute(q(format!("DROP INDEX \"{}\"", name.replace('"', ""))))
                .await?;
        }
        if self.backend() == crate::Backend::Postgres {
            // PostgreSQL checks a foreign key row by row: seventeen
            // lookups of the customer for each customer's search keys.
            // Put back (checked in one pass) by `finish_bulk`.
            let keys: Vec<(String, String)> = tx
                .all(q(
                    "SELECT conname, 'ALTER TABLE customer_search ADD CONSTRAINT ' \
                     || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) \
                     FROM pg_constraint WHERE contype = 'f' \
                     AND conrelid = 'customer_search'::regclass",
                ))
                .await?;
            for (name, sql) in keys {
                tx.execute(
                    q("INSERT INTO suspended_indexes (name, sql) VALUES ($1, $2)")
                        .bind(&name)
                        .bind(sql),
                )
                .await?;
                tx.execute(q(format!(
                    "ALTER TABLE customer_search DROP CONSTRAINT \"{}\"",
                    name.replace('"', "")
                )))
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Has PostgreSQL look at the tables a load grows again, so it plans
    /// lookups by their indexes rather than from the empty tables it saw
    /// when the load began (its own analysis comes minutes late). Samples
    /// a few thousand rows of each: well under a second. No-op on SQLite,
    /// whose planner takes an index for an equality lookup anyway.
    pub async fn refresh_statistics(&self) -> Result<()> {
        if self.backend() == crate::Backend::Postgres {
            self.db
                .execute(q("ANALYZE customers, contacts, history"))
                .await?;
        }
        Ok(())
    }

    /// How many indexes a load has set aside and not yet rebuilt.
    pub async fn suspended_index_count(&self) -> Result<i64> {
        let (n,): (i64,) = self
            .db
            .one(q("SELECT COUNT(*) FROM suspended_indexes"))
            .await?;
        Ok(n)
    }

    /// Builds the indexes [`Store::suspend_indexes`] set aside, each in one
    /// sorted pass, in one transaction. Does nothing when none are set
    /// aside; runs at every start, so a load that was stopped half-way
    /// leaves no table without its indexes.
    pub async fn finish_bulk(&self) -> Result<()> {
        self.finish_bulk_with_cache(crate::db::BULK_CACHE_KIB).await
    }

    /// [`Store::finish_bulk`] with a page cache (and sorter) of `kib` KiB:
    /// less memory, a little more time.
    pub async fn finish_bulk_with_cache(&self, kib: u64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.set_cache(true, kib).await?;
        tx.set_index_build(true).await?;
        let suspended: Vec<(String, String)> = tx
            .all(q("SELECT name, sql FROM suspended_indexes ORDER BY name"))
            .await?;
        if suspended.iter().any(|(_, sql)| sql.contains("FOREIGN KEY")) {
            // While the key was set aside, customers removed (an import
            // undone before this ran) left their search keys behind: gone
            // now, as the key's ON DELETE CASCADE would have had them.
            tx.execute(q("DELETE FROM customer_search s WHERE NOT EXISTS \
                 (SELECT 1 FROM customers c WHERE c.id = s.customer_id)"))
                .await?;
        }
        for (name, sql) in suspended {
            tx.execute(q(sql)).await?;
            tx.execute(q("DELETE FROM suspended_indexes WHERE name = $1").bind(name))
                .await?;
        }
        tx.set_index_build(false).await?;
        tx.set_bulk_cache(false).await?;
        tx.commit().await
    }

    /// Writes a prepared batch in one transaction and returns the new
    /// customers' ids, in the batch's order.
    pub async fn write_bulk(&self, ctx: &Ctx, p: PreparedBulk) -> Result<Vec<i64>> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        // Bulk writes touch index pages all over the file: give this
        // connection a larger page cache while it does.
        tx.set_bulk_cache(true).await?;
        let ids = write_bulk_in(&mut tx, p).await?;
        tx.set_bulk_cache(false).await?;
        tx.commit().await?;
        Ok(ids)
    }
}

/// Writes a prepared batch inside `tx`; the caller has decided the writer
/// may. Returns the new customers' ids, in the batch's order.
pub(crate) async fn write_bulk_in(tx: &mut Tx, p: PreparedBulk) -> Result<Vec<i64>> {
    let now = now_ms();
    let ids = tx.reserve_ids("customers", p.customers).await?;
    let interaction_ids = tx.reserve_ids("interactions", p.interactions).await?;

    tx.insert_rows(
        CUSTOMERS.table,
        &customer_columns(),
        p.customer_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    // New customers' keys cannot clash (each customer's come deduplicated):
    // plain rows, which PostgreSQL takes by COPY.
    tx.insert_rows(
        "customer_search",
        &["term", "customer_id"],
        p.search_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    if !p.tags.is_empty() {
        let tag_rows = p
            .tags
            .iter()
            .flat_map(|n| [Arg::from(n), now.into(), now.into()])
            .collect();
        tx.insert_rows(
            "tags",
            &["name", "created_at", "updated_at"],
            tag_rows,
            true,
        )
        .await?;
        let known: Vec<(i64, String)> = tx.all(q("SELECT id, name FROM tags")).await?;
        let known: std::collections::HashMap<&str, i64> = known
            .iter()
            .map(|(id, name)| (name.as_str(), *id))
            .collect();
        let mut links = Vec::with_capacity(p.tag_links.len() * 2);
        for (i, tag) in &p.tag_links {
            let tag_id = known
                .get(tag.as_str())
                .ok_or_else(|| Error::internal("tag vanished"))?;
            links.extend([Arg::from(ids[*i]), (*tag_id).into()]);
        }
        tx.insert_rows("customer_tags", &["customer_id", "tag_id"], links, true)
            .await?;
    }
    tx.insert_rows(
        "contacts",
        &columns_of(schema::CONTACT, None),
        p.contact_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    tx.insert_rows(
        "interactions",
        &columns_of(schema::INTERACTION, Some("id")),
        p.interaction_rows.fill(&ids, &interaction_ids),
        false,
    )
    .await?;
    tx.insert_rows(
        "tasks",
        &TASK_COLUMNS,
        p.task_rows.fill(&ids, &interaction_ids),
        false,
    )
    .await?;
    tx.insert_rows(
        "history",
        HISTORY_COLUMNS,
        p.history_rows.fill(&ids, &[]),
        false,
    )
    .await?;
    for (i, clear) in &p.clear {
        crate::vault::values::index_custom(tx, ids[*i], &p.defs, clear).await?;
    }
    Ok(ids)
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
