//! What a data-subject export holds: one section per kind of row kehu keeps
//! about the person, each read in pages so a person with a hundred thousand
//! follow-ups is written out without holding them all in memory.

use super::person::id_list;
use super::Subject;
use crate::db::{q, JsonRow};
use crate::{admin_only, Result, Store};

/// Rows one section may hold; beyond it the export says it was cut short.
pub const MAX_SECTION_ROWS: usize = 200_000;

/// One kind of row in the export.
#[derive(Debug, Clone)]
pub struct Section {
    /// The file name stem in the ZIP (`interactions` → interactions.json,
    /// interactions.csv).
    pub name: &'static str,
    rows: Rows,
}

#[derive(Debug, Clone)]
enum Rows {
    /// A SELECT whose rows are read in pages (`LIMIT … OFFSET …` is
    /// appended): ordered, so pages neither repeat nor skip.
    Query(String),
    /// Rows found by scanning a table for the person's identifiers.
    Found(Vec<JsonRow>),
}

impl Section {
    fn query(name: &'static str, sql: String) -> Section {
        Section {
            name,
            rows: Rows::Query(sql),
        }
    }
}

impl Store {
    /// The sections of the export of the person `subject` names, for an
    /// administrator (403 for anyone else, before the record is looked up;
    /// 404 when there is no such record).
    pub async fn export_sections(
        &self,
        actor: &kehu_core::Actor,
        subject: Subject,
    ) -> Result<Vec<Section>> {
        admin_only(actor)?;
        let person = &self.person(subject).await?;
        let c = id_list(&person.customers);
        let k = id_list(&person.contacts);
        let l = id_list(&person.leads);
        let orders = format!("SELECT id FROM orders WHERE customer_id IN ({c})");
        let opportunities = format!("SELECT id FROM opportunities WHERE customer_id IN ({c})");
        let interactions = format!(
            "SELECT id FROM interactions WHERE customer_id IN ({c}) OR contact_id IN ({k})"
        );
        let tasks = format!("SELECT id FROM tasks WHERE customer_id IN ({c}) OR lead_id IN ({l})");
        let merges = format!(
            "SELECT id FROM merges WHERE survivor_id IN ({c}) \
             OR id IN (SELECT merge_id FROM merge_members WHERE customer_id IN ({c}))"
        );
        let contact_merges = format!(
            "SELECT id FROM contact_merges WHERE survivor_id IN ({k}) \
             OR id IN (SELECT merge_id FROM contact_merge_members WHERE contact_id IN ({k}))"
        );
        let clusters = format!(
            "SELECT cluster_id FROM duplicate_members WHERE customer_id IN ({c}) \
             UNION SELECT cluster_id FROM contact_duplicate_members WHERE contact_id IN ({k})"
        );
        let mut sections = vec![
            Section::query("customers", format!("SELECT * FROM customers WHERE id IN ({c}) ORDER BY id")),
            Section::query("contacts", format!("SELECT * FROM contacts WHERE id IN ({k}) ORDER BY id")),
            Section::query("leads", format!("SELECT * FROM leads WHERE id IN ({l}) ORDER BY id")),
            Section::query(
                "lead_followups",
                format!("SELECT * FROM lead_followups WHERE lead_id IN ({l}) ORDER BY id"),
            ),
            Section::query(
                "interactions",
                format!("SELECT * FROM interactions WHERE id IN ({interactions}) ORDER BY id"),
            ),
            Section::query("tasks", format!("SELECT * FROM tasks WHERE id IN ({tasks}) ORDER BY id")),
            Section::query(
                "tags",
                format!(
                    "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id \
                     WHERE ct.customer_id IN ({c}) ORDER BY ct.customer_id, t.name"
                ),
            ),
            Section::query("orders", format!("SELECT * FROM orders WHERE id IN ({orders}) ORDER BY id")),
            Section::query(
                "order_lines",
                format!("SELECT * FROM order_lines WHERE order_id IN ({orders}) ORDER BY id"),
            ),
            Section::query(
                "payments",
                format!("SELECT * FROM payments WHERE order_id IN ({orders}) ORDER BY id"),
            ),
            Section::query(
                "shipments",
                format!(
                    "SELECT id AS order_id, carrier, tracking_no, shipped_at, delivered_at FROM orders \
                     WHERE id IN ({orders}) AND shipped_at IS NOT NULL ORDER BY id"
                ),
            ),
            Section::query(
                "purchase_figures",
                format!("SELECT * FROM customer_figures WHERE customer_id IN ({c}) ORDER BY customer_id"),
            ),
            Section::query(
                "opportunities",
                format!("SELECT * FROM opportunities WHERE id IN ({opportunities}) ORDER BY id"),
            ),
            Section::query(
                "opportunity_lines",
                format!("SELECT * FROM opportunity_lines WHERE opportunity_id IN ({opportunities}) ORDER BY id"),
            ),
            Section::query(
                "opportunity_stages",
                format!("SELECT * FROM opportunity_stages WHERE opportunity_id IN ({opportunities}) ORDER BY id"),
            ),
            Section::query(
                "history",
                format!(
                    "SELECT * FROM history WHERE (entity = 'customer' AND entity_id IN ({c})) \
                     OR (entity = 'contact' AND entity_id IN ({k})) \
                     OR (entity = 'lead' AND entity_id IN ({l})) \
                     OR (entity = 'interaction' AND entity_id IN ({interactions})) \
                     OR (entity = 'task' AND entity_id IN ({tasks})) \
                     OR (entity = 'order' AND entity_id IN ({orders})) \
                     OR (entity = 'opportunity' AND entity_id IN ({opportunities})) ORDER BY id"
                ),
            ),
            Section::query("merges", format!("SELECT * FROM merges WHERE id IN ({merges}) ORDER BY id")),
            Section::query(
                "merge_members",
                format!("SELECT * FROM merge_members WHERE merge_id IN ({merges}) ORDER BY merge_id, customer_id"),
            ),
            Section::query(
                "contact_merges",
                format!("SELECT * FROM contact_merges WHERE id IN ({contact_merges}) ORDER BY id"),
            ),
            Section::query(
                "duplicate_queue",
                format!(
                    "SELECT cl.id AS cluster_id, cl.entity, cl.status, cl.score, m.customer_id, NULL AS contact_id \
                     FROM duplicate_clusters cl JOIN duplicate_members m ON m.cluster_id = cl.id \
                     WHERE cl.id IN ({clusters}) \
                     UNION ALL SELECT cl.id, cl.entity, cl.status, cl.score, NULL, m.contact_id \
                     FROM duplicate_clusters cl JOIN contact_duplicate_members m ON m.cluster_id = cl.id \
                     WHERE cl.id IN ({clusters}) ORDER BY 1, 5, 6"
                ),
            ),
            Section::query(
                "not_duplicates",
                format!(
                    "SELECT 'customer' AS entity, a_id, b_id, created_at FROM not_duplicates \
                     WHERE a_id IN ({c}) OR b_id IN ({c}) \
                     UNION ALL SELECT 'contact', a_id, b_id, created_at FROM contact_not_duplicates \
                     WHERE a_id IN ({k}) OR b_id IN ({k}) ORDER BY 1, 2, 3"
                ),
            ),
            Section::query(
                "privacy_requests",
                format!(
                    "SELECT id, kind, subject_type, subject_id, reason, status, counts, at FROM privacy_requests \
                     WHERE (subject_type = 'customer' AND subject_id IN ({c})) \
                     OR (subject_type = 'contact' AND subject_id IN ({k})) \
                     OR (subject_type = 'lead' AND subject_id IN ({l})) ORDER BY id"
                ),
            ),
        ];
        // kehu records no consents yet: the section is there, empty, so a
        // reader of the export knows none were held rather than missed.
        sections.push(Section {
            name: "consents",
            rows: Rows::Found(Vec::new()),
        });
        let cap = MAX_SECTION_ROWS + 1;
        sections.push(Section {
            name: "import_rows",
            rows: Rows::Found(self.person_import_issues(person, cap).await?),
        });
        sections.push(Section {
            name: "webhook_events",
            rows: Rows::Found(self.person_webhook_events(person, cap).await?),
        });
        sections.push(Section {
            name: "access_log",
            rows: Rows::Found(self.person_access_log(person, cap).await?),
        });
        Ok(sections)
    }

    /// Up to `limit` rows of `section` from `offset` on.
    pub async fn export_page(
        &self,
        section: &Section,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<JsonRow>> {
        match &section.rows {
            Rows::Found(rows) => Ok(rows.iter().skip(offset).take(limit).cloned().collect()),
            Rows::Query(sql) => {
                self.db
                    .json_rows(
                        q(format!("{sql} LIMIT $1 OFFSET $2"))
                            .bind(limit as i64)
                            .bind(offset as i64)
                            .once(),
                    )
                    .await
            }
        }
    }
}
