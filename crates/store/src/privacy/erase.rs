//! Erasure (GDPR art. 17, PIPL art. 47): a person's personal data removed
//! or overwritten everywhere kehu keeps it, in one transaction, for good.
//!
//! Records that others depend on stay as rows with their personal columns
//! emptied — the customer becomes "已删除客户 / Erased customer #ID",
//! its orders and payments keep their amounts — so totals, figures and
//! reports do not change. What only describes the person (follow-ups,
//! tasks, field history, search keys, tags, duplicate-queue entries,
//! merges, rejected import rows) is deleted. Nothing is kept to undo it.

use std::collections::BTreeMap;

use kehu_core::Actor;
use serde::Serialize;
use utoipa::ToSchema;

use super::person::id_list;
use super::{Counts, Person, RequestKind, Subject, SubjectKind};
use crate::db::{q, JsonRow, Tx};
use crate::{admin_only, now_ms, Backend, Error, Result, Store};

/// The most rows of one kind found by scanning (rejected import rows,
/// webhook events, access-log entries) that one erasure overwrites.
const MAX_SCANNED: usize = 1_000_000;

/// What an erasure did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Erasure {
    /// The request's entry in the privacy log.
    pub request_id: i64,
    /// Rows erased or anonymised, by table.
    #[schema(value_type = Object)]
    pub counts: Counts,
}

/// How the personal text columns of a table that stays are overwritten.
struct Anonymise {
    table: &'static str,
    /// Text columns kept: what reports group by, never what names a person.
    keep: &'static [&'static str],
    /// The SQL expression a NOT NULL name column becomes.
    name: Option<&'static str>,
    /// Whether the table has `deleted_at` and `erased_at` to stamp.
    stamp: bool,
}

const CUSTOMERS: Anonymise = Anonymise {
    table: "customers",
    keep: &[
        "kind",
        "stage",
        "value_tier",
        "province",
        "industry",
        "company_size",
        "source",
        "country",
    ],
    name: Some("'已删除客户 / Erased customer #' || id"),
    stamp: true,
};
const CONTACTS: Anonymise = Anonymise {
    table: "contacts",
    keep: &[],
    name: Some("'已删除联系人 / Erased contact #' || id"),
    stamp: true,
};
const LEADS: Anonymise = Anonymise {
    table: "leads",
    keep: &["status", "source", "campaign", "province"],
    name: Some("'已删除线索 / Erased lead #' || id"),
    stamp: true,
};
const ORDERS: Anonymise = Anonymise {
    table: "orders",
    keep: &[
        "status",
        "currency",
        "total",
        "paid",
        "ordered_on",
        "external_ref",
        "carrier",
    ],
    name: None,
    stamp: false,
};
const PAYMENTS: Anonymise = Anonymise {
    table: "payments",
    keep: &["amount", "method", "paid_on"],
    name: None,
    stamp: false,
};
const OPPORTUNITIES: Anonymise = Anonymise {
    table: "opportunities",
    keep: &["amount", "expected_close", "status", "source"],
    name: Some("'已删除 / Erased #' || id"),
    stamp: false,
};

/// History fields of orders and opportunities whose values are figures or
/// states, kept; every other field's values are emptied.
const FIGURE_FIELDS: &str = "'status', 'total', 'paid', 'currency', 'payment', 'amount', \
    'probability', 'stage_id', 'expected_close', 'ordered_on', 'deleted'";

impl Store {
    /// Erases `subject` at an administrator's request.
    pub async fn erase(&self, actor: &Actor, subject: Subject) -> Result<Erasure> {
        admin_only(actor)?;
        self.erase_as(Some(actor), subject).await
    }

    /// Erases `subject`; `actor` is none for the retention rule. Refused
    /// (409 `import_running`, and logged) while an import batch that
    /// touched the person is still running: it could write them back.
    pub(crate) async fn erase_as(
        &self,
        actor: Option<&Actor>,
        subject: Subject,
    ) -> Result<Erasure> {
        self.erase_in(actor, subject, false)
            .await?
            .ok_or(Error::Conflict("already_erased"))
    }

    /// [`Store::erase_as`]; with `claim`, only a record not erased yet is
    /// erased (none otherwise), so two servers' retention sweeps running
    /// at once erase and log each record once: the second waits for the
    /// first's row lock and then finds it taken.
    pub(crate) async fn erase_in(
        &self,
        actor: Option<&Actor>,
        subject: Subject,
        claim: bool,
    ) -> Result<Option<Erasure>> {
        let person = self.person(subject).await?;
        let issues = self.person_import_issues(&person, MAX_SCANNED).await?;
        if self.import_running_over(&person, &issues).await? {
            self.log_privacy_request(
                actor,
                RequestKind::Erasure,
                subject,
                Err("import_running"),
                &Counts::new(),
            )
            .await?;
            return Err(Error::Conflict("import_running"));
        }
        let events = self.person_webhook_events(&person, MAX_SCANNED).await?;
        let access = self.person_access_log(&person, MAX_SCANNED).await?;
        let mut tx = self.db.begin().await?;
        if claim && subject.kind != SubjectKind::Contact {
            let table = if subject.kind == SubjectKind::Lead {
                "leads"
            } else {
                "customers"
            };
            let sql =
                format!("UPDATE {table} SET erased_at = $1 WHERE id = $2 AND erased_at IS NULL");
            if tx.execute(q(sql).bind(now_ms()).bind(subject.id)).await? == 0 {
                return Ok(None);
            }
        }
        let mut counts = Counts::new();
        shred_uploads(&mut tx, &person, &issues, &mut counts).await?;
        if subject.kind == SubjectKind::Customer {
            erase_customer_side(&mut tx, &person, &mut counts).await?;
        }
        erase_shared(&mut tx, &person, &mut counts).await?;
        erase_found(&mut tx, &issues, &events, &access, &mut counts).await?;
        counts.retain(|_, n| *n > 0);
        let request_id = log_in(&mut tx, actor, subject, &counts).await?;
        tx.commit().await?;
        Ok(Some(Erasure { request_id, counts }))
    }

    async fn import_running_over(&self, person: &Person, issues: &[JsonRow]) -> Result<bool> {
        let c = id_list(&person.customers);
        let (n,): (i64,) = self
            .db
            .one(
                q(format!(
                    "SELECT COUNT(*) FROM import_batches b WHERE b.status IN ('running', 'undoing') AND \
                     EXISTS (SELECT 1 FROM history h WHERE h.batch_id = b.id AND h.entity = 'customer' \
                     AND h.entity_id IN ({c}))"
                ))
                .once(),
            )
            .await?;
        if n > 0 {
            return Ok(true);
        }
        let batches: Vec<i64> = issues
            .iter()
            .filter_map(|r| r["batch_id"].as_i64())
            .collect();
        let (n,): (i64,) = self
            .db
            .one(
                q(format!(
                    "SELECT COUNT(*) FROM import_batches WHERE status IN ('running', 'undoing') AND id IN ({})",
                    id_list(&batches)
                ))
                .once(),
            )
            .await?;
        Ok(n > 0)
    }
}

/// Adds `n` rows to `counts[key]`.
fn count(counts: &mut Counts, key: &str, n: u64) {
    *counts.entry(key.to_owned()).or_default() += n as i64;
}

async fn run(tx: &mut Tx, counts: &mut Counts, key: &str, sql: String) -> Result<()> {
    let n = tx.execute(q(sql).once()).await?;
    count(counts, key, n);
    Ok(())
}

async fn ids(tx: &mut Tx, sql: String) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = tx.all(q(sql).once()).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The uploaded files of import batches that wrote or listed the person
/// lose their keys: kept sealed, they can never be read again
/// (crypto-shredding), and the daily sweep removes them as files no upload
/// names. A batch's file is found by its content hash, so every upload of
/// the same file goes.
async fn shred_uploads(
    tx: &mut Tx,
    person: &Person,
    issues: &[JsonRow],
    counts: &mut Counts,
) -> Result<()> {
    let mut batches = ids(
        tx,
        format!(
            "SELECT DISTINCT batch_id FROM history WHERE batch_id IS NOT NULL AND \
             ((entity = 'customer' AND entity_id IN ({})) OR \
              (entity = 'contact' AND entity_id IN ({})) OR \
              (entity = 'lead' AND entity_id IN ({})))",
            id_list(&person.customers),
            id_list(&person.contacts),
            id_list(&person.leads)
        ),
    )
    .await?;
    batches.extend(issues.iter().filter_map(|r| r["batch_id"].as_i64()));
    batches.sort_unstable();
    batches.dedup();
    let n = tx
        .execute(
            q(format!(
                "DELETE FROM uploads WHERE sha256 IN \
                 (SELECT file_sha256 FROM import_batches WHERE id IN ({}))",
                id_list(&batches)
            ))
            .once(),
        )
        .await?;
    count(counts, "uploads", n);
    Ok(())
}

/// What only a customer has: follow-ups, tasks, orders, opportunities,
/// search keys, tags, merges and duplicate-queue entries.
async fn erase_customer_side(tx: &mut Tx, person: &Person, counts: &mut Counts) -> Result<()> {
    let c = id_list(&person.customers);
    let k = id_list(&person.contacts);
    let interactions = id_list(
        &ids(
            tx,
            format!("SELECT id FROM interactions WHERE customer_id IN ({c})"),
        )
        .await?,
    );
    let tasks = id_list(
        &ids(
            tx,
            format!("SELECT id FROM tasks WHERE customer_id IN ({c}) OR interaction_id IN ({interactions})"),
        )
        .await?,
    );
    let orders = id_list(
        &ids(
            tx,
            format!("SELECT id FROM orders WHERE customer_id IN ({c})"),
        )
        .await?,
    );
    let opportunities = id_list(
        &ids(
            tx,
            format!("SELECT id FROM opportunities WHERE customer_id IN ({c})"),
        )
        .await?,
    );
    for (entity, list) in [("interaction", &interactions), ("task", &tasks)] {
        let sql =
            format!("DELETE FROM history WHERE entity = '{entity}' AND entity_id IN ({list})");
        run(tx, counts, "history", sql).await?;
    }
    for (entity, list) in [("order", &orders), ("opportunity", &opportunities)] {
        let sql = format!(
            "UPDATE history SET old_value = NULL, new_value = NULL WHERE entity = '{entity}' \
             AND entity_id IN ({list}) AND field NOT IN ({FIGURE_FIELDS}) \
             AND (old_value IS NOT NULL OR new_value IS NOT NULL)"
        );
        run(tx, counts, "history", sql).await?;
    }
    run(
        tx,
        counts,
        "tasks",
        format!("DELETE FROM tasks WHERE id IN ({tasks})"),
    )
    .await?;
    let sql = format!("DELETE FROM contact_merge_moves WHERE interaction_id IN ({interactions})");
    run(tx, counts, "contact_merge_moves", sql).await?;
    let sql = format!("DELETE FROM interactions WHERE id IN ({interactions})");
    run(tx, counts, "interactions", sql).await?;
    for (key, sql) in [
        ("customer_search", format!("DELETE FROM customer_search WHERE customer_id IN ({c})")),
        ("customer_tags", format!("DELETE FROM customer_tags WHERE customer_id IN ({c})")),
        // Keyed hashes of sensitive values: whoever holds the key could
        // still confirm a guessed value belonged to the person.
        (
            "customer_blind_index",
            format!("DELETE FROM customer_blind_index WHERE customer_id IN ({c})"),
        ),
        (
            "revalidation_failures",
            format!(
                "DELETE FROM revalidation_failures WHERE (entity = 'customer' AND record_id IN ({c})) \
                 OR (entity = 'contact' AND record_id IN ({k}))"
            ),
        ),
        (
            "not_duplicates",
            format!("DELETE FROM not_duplicates WHERE a_id IN ({c}) OR b_id IN ({c})"),
        ),
    ] {
        run(tx, counts, key, sql).await?;
    }
    // Merges can no longer be undone: what they would restore is gone.
    let merges = id_list(
        &ids(
            tx,
            format!(
                "SELECT id FROM merges WHERE survivor_id IN ({c}) \
                 UNION SELECT merge_id FROM merge_members WHERE customer_id IN ({c})"
            ),
        )
        .await?,
    );
    for (key, sql) in [
        (
            "duplicate_clusters",
            format!("UPDATE duplicate_clusters SET merge_id = NULL WHERE merge_id IN ({merges})"),
        ),
        (
            "merge_moves",
            format!("DELETE FROM merge_moves WHERE merge_id IN ({merges})"),
        ),
        (
            "merge_members",
            format!("DELETE FROM merge_members WHERE merge_id IN ({merges})"),
        ),
        (
            "merges",
            format!("DELETE FROM merges WHERE id IN ({merges})"),
        ),
    ] {
        run(tx, counts, key, sql).await?;
    }
    for a in [&ORDERS, &OPPORTUNITIES] {
        let list = if a.table == "orders" {
            &orders
        } else {
            &opportunities
        };
        let n = anonymise(tx, a, list).await?;
        count(counts, a.table, n);
    }
    let payments = id_list(
        &ids(
            tx,
            format!("SELECT id FROM payments WHERE order_id IN ({orders})"),
        )
        .await?,
    );
    let n = anonymise(tx, &PAYMENTS, &payments).await?;
    count(counts, "payments", n);
    let n = anonymise(tx, &CUSTOMERS, &c).await?;
    count(counts, "customers", n);
    Ok(())
}

/// What customers, contacts and leads share: the contact and lead rows,
/// their history, follow-ups, contact merges and the duplicate queue.
async fn erase_shared(tx: &mut Tx, person: &Person, counts: &mut Counts) -> Result<()> {
    let c = id_list(&person.customers);
    let k = id_list(&person.contacts);
    let l = id_list(&person.leads);
    let clusters = id_list(
        &ids(
            tx,
            format!(
                "SELECT cluster_id FROM duplicate_members WHERE customer_id IN ({c}) \
                 UNION SELECT cluster_id FROM contact_duplicate_members WHERE contact_id IN ({k})"
            ),
        )
        .await?,
    );
    let contact_merges = id_list(
        &ids(
            tx,
            format!(
                "SELECT id FROM contact_merges WHERE survivor_id IN ({k}) \
                 UNION SELECT merge_id FROM contact_merge_members WHERE contact_id IN ({k})"
            ),
        )
        .await?,
    );
    let lead_tasks =
        id_list(&ids(tx, format!("SELECT id FROM tasks WHERE lead_id IN ({l})")).await?);
    for (key, sql) in [
        (
            "history",
            format!(
                "DELETE FROM history WHERE (entity = 'customer' AND entity_id IN ({c})) \
                 OR (entity = 'contact' AND entity_id IN ({k})) OR (entity = 'lead' AND entity_id IN ({l})) \
                 OR (entity = 'task' AND entity_id IN ({lead_tasks}))"
            ),
        ),
        ("tasks", format!("DELETE FROM tasks WHERE id IN ({lead_tasks})")),
        ("lead_followups", format!("DELETE FROM lead_followups WHERE lead_id IN ({l})")),
        // Members and pairs go with their cluster: a cluster without the
        // person is found again by the next scan if it still holds.
        ("duplicate_clusters", format!("DELETE FROM duplicate_clusters WHERE id IN ({clusters})")),
        (
            "contact_not_duplicates",
            format!("DELETE FROM contact_not_duplicates WHERE a_id IN ({k}) OR b_id IN ({k})"),
        ),
        (
            "duplicate_clusters",
            format!("UPDATE duplicate_clusters SET contact_merge_id = NULL WHERE contact_merge_id IN ({contact_merges})"),
        ),
        ("contact_merge_moves", format!("DELETE FROM contact_merge_moves WHERE merge_id IN ({contact_merges})")),
        ("contact_merge_members", format!("DELETE FROM contact_merge_members WHERE merge_id IN ({contact_merges})")),
        ("contact_merges", format!("DELETE FROM contact_merges WHERE id IN ({contact_merges})")),
    ] {
        run(tx, counts, key, sql).await?;
    }
    let n = anonymise(tx, &CONTACTS, &k).await?;
    count(counts, "contacts", n);
    let n = anonymise(tx, &LEADS, &l).await?;
    count(counts, "leads", n);
    // A number or address the person had may sit in the history of a
    // record that is not theirs (moved there by a merge, typed there by
    // mistake): emptied wherever it is a whole value.
    for needle in person.identifiers() {
        for column in ["old_value", "new_value"] {
            let sql = format!("UPDATE history SET {column} = NULL WHERE {column} = $1");
            let n = tx.execute(q(sql).bind(needle.as_str())).await?;
            count(counts, "history", n);
        }
    }
    Ok(())
}

/// Rows found by scanning: rejected import rows are deleted, webhook
/// payloads keep only the ids they report, access-log filters are emptied.
async fn erase_found(
    tx: &mut Tx,
    issues: &[JsonRow],
    events: &[JsonRow],
    access: &[JsonRow],
    counts: &mut Counts,
) -> Result<()> {
    let mut by_batch: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in issues {
        if let (Some(b), Some(n)) = (r["batch_id"].as_i64(), r["row_number"].as_i64()) {
            by_batch.entry(b).or_default().push(n);
        }
    }
    for (batch, rows) in by_batch {
        for chunk in rows.chunks(1000) {
            let sql = format!(
                "DELETE FROM import_issues WHERE batch_id = {batch} AND row_number IN ({})",
                id_list(chunk)
            );
            run(tx, counts, "import_issues", sql).await?;
        }
    }
    for r in events {
        let Some(id) = r["id"].as_i64() else { continue };
        let payload: serde_json::Value = r["payload"]
            .as_str()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        let mut data = serde_json::Map::new();
        for key in ["id", "customer_id"] {
            if let Some(v) = payload["data"][key].as_i64() {
                data.insert(key.to_owned(), v.into());
            }
        }
        data.insert("erased".to_owned(), true.into());
        let body = serde_json::json!({
            "id": payload["id"],
            "event": payload["event"],
            "occurred_at": payload["occurred_at"],
            "data": data,
        });
        let n = tx
            .execute(
                q("UPDATE webhook_events SET payload = $1 WHERE id = $2")
                    .bind(crate::db::json(&body)?)
                    .bind(id),
            )
            .await?;
        count(counts, "webhook_events", n);
    }
    for r in access {
        let Some(id) = r["id"].as_i64() else { continue };
        let n = tx
            .execute(q("UPDATE access_log SET filter = '' WHERE id = $1").bind(id))
            .await?;
        count(counts, "access_log", n);
    }
    Ok(())
}

/// Overwrites every personal text column of `a.table` in the rows `list`
/// names. The columns are read from the schema, so a text column a later
/// migration adds is emptied too unless it is named as kept.
async fn anonymise(tx: &mut Tx, a: &Anonymise, list: &str) -> Result<u64> {
    if list == "NULL" {
        return Ok(0);
    }
    let columns: Vec<(String, String, bool)> = match tx.backend() {
        Backend::Sqlite => {
            let rows: Vec<(String, String, i64)> = tx
                .all(q("SELECT name, type, \"notnull\" FROM pragma_table_info($1)").bind(a.table))
                .await?;
            rows.into_iter()
                .map(|(n, t, nn)| (n, t.to_uppercase(), nn != 0))
                .collect()
        }
        Backend::Postgres => {
            let rows: Vec<(String, String, String)> = tx
                .all(
                    q("SELECT column_name::TEXT, data_type::TEXT, is_nullable::TEXT FROM information_schema.columns \
                       WHERE table_schema = current_schema() AND table_name = $1")
                    .bind(a.table),
                )
                .await?;
            rows.into_iter()
                .map(|(n, t, nullable)| (n, t.to_uppercase(), nullable == "NO"))
                .collect()
        }
    };
    let mut sets = Vec::new();
    for (column, ty, not_null) in columns {
        let textual = ["TEXT", "CHAR", "CLOB", "BLOB", "BYTEA", "JSON"]
            .iter()
            .any(|t| ty.contains(t));
        if !textual || a.keep.contains(&column.as_str()) {
            continue;
        }
        let value = match (column.as_str(), a.name) {
            ("name", Some(marker)) => marker.to_owned(),
            ("custom", _) => "'{}'".to_owned(),
            (_, _) if not_null => "''".to_owned(),
            _ => "NULL".to_owned(),
        };
        sets.push(format!("{column} = {value}"));
    }
    let now = now_ms();
    if a.stamp {
        sets.push(format!("deleted_at = COALESCE(deleted_at, {now})"));
        sets.push(format!("erased_at = {now}"));
    }
    if a.table != "payments" {
        sets.push(format!("updated_at = {now}"));
    }
    let sql = format!(
        "UPDATE {} SET {} WHERE id IN ({list})",
        a.table,
        sets.join(", ")
    );
    tx.execute(q(sql).once()).await
}

async fn log_in(
    tx: &mut Tx,
    actor: Option<&Actor>,
    subject: Subject,
    counts: &Counts,
) -> Result<i64> {
    tx.insert(
        q("INSERT INTO privacy_requests (kind, subject_type, subject_id, actor_id, reason, status, counts, at) \
           VALUES ('erasure', $1, $2, $3, $4, 'done', $5, $6) RETURNING id")
        .bind(subject.kind.as_str())
        .bind(subject.id)
        .bind(actor.map(|a| a.user_id.get()).filter(|id| *id > 0))
        .bind(if actor.is_some() { "request" } else { "retention" })
        .bind(crate::db::json(counts)?)
        .bind(now_ms()),
    )
    .await
}
