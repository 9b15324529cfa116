//! Who a person is in the database: the records that hold them, and the
//! identifiers (phone numbers, e-mail addresses) by which rows that name no
//! record — rejected import rows, webhook payloads, access-log filters —
//! are recognised as theirs.

use serde_json::Value;

use super::{Subject, SubjectKind};
use crate::db::{q, JsonRow};
use crate::{Error, Result, Store};

/// Rows read per query while scanning a table for a person's identifiers.
const SCAN_PAGE: i64 = 2_000;

/// A person's records and identifiers.
#[derive(Debug, Clone)]
pub struct Person {
    pub subject: Subject,
    /// The customer and every record merged into it (merged records are the
    /// same person); empty for a contact or a lead.
    pub customers: Vec<i64>,
    /// The customer's contacts, or the contact itself.
    pub contacts: Vec<i64>,
    /// Leads converted into the customer or contact, or the lead itself.
    pub leads: Vec<i64>,
    /// Digits of every phone number held (at least 7 of them).
    phones: Vec<String>,
    /// Every e-mail address held, lower-cased.
    emails: Vec<String>,
    /// Phone numbers and e-mail addresses exactly as stored (normalised).
    stored: Vec<String>,
}

/// `1, 2, 3` for an `IN (…)` list of ids, `NULL` (matching nothing) when
/// there are none. Ids are integers, so inlining them cannot inject SQL.
pub(crate) fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "NULL".to_owned();
    }
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

impl Person {
    /// Whether `text` (one cell, one JSON string) carries one of the
    /// person's phone numbers or e-mail addresses, however it was written
    /// (`+86 138-1234-5678` carries 13812345678).
    pub fn carries(&self, text: &str) -> bool {
        if !self.phones.is_empty() {
            let d = digits(text);
            if d.len() >= 7 && self.phones.iter().any(|p| d.contains(p.as_str())) {
                return true;
            }
        }
        if !self.emails.is_empty() && text.contains('@') {
            let lower = text.to_lowercase();
            return self.emails.iter().any(|e| lower.contains(e.as_str()));
        }
        false
    }

    /// [`Person::carries`] for any string inside a JSON value.
    pub fn carried_by(&self, v: &Value) -> bool {
        match v {
            Value::String(s) => self.carries(s),
            Value::Array(items) => items.iter().any(|i| self.carried_by(i)),
            Value::Object(m) => m.values().any(|i| self.carried_by(i)),
            _ => false,
        }
    }

    /// Whether a webhook event's envelope reports one of the person's
    /// records (by id) or carries their identifiers.
    pub(crate) fn in_event(&self, event: &str, payload: &Value) -> bool {
        let data = &payload["data"];
        let id = data["id"].as_i64();
        let of = |ids: &[i64], v: Option<i64>| v.is_some_and(|v| ids.contains(&v));
        (event.starts_with("customer.") && of(&self.customers, id))
            || (event.starts_with("lead.") && of(&self.leads, id))
            || of(&self.customers, data["customer_id"].as_i64())
            || self.carried_by(data)
    }

    /// The person's phone numbers and e-mail addresses as kehu stores
    /// them, to find them as whole values anywhere.
    pub fn identifiers(&self) -> &[String] {
        &self.stored
    }

    fn add_stored(&mut self, v: &Option<String>) {
        if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
            if !self.stored.contains(v) {
                self.stored.push(v.clone());
            }
        }
    }

    fn add_phone(&mut self, v: Option<String>) {
        if let Some(d) = v.map(|v| digits(&v)).filter(|d| d.len() >= 7) {
            if !self.phones.contains(&d) {
                self.phones.push(d);
            }
        }
    }

    fn add_email(&mut self, v: Option<String>) {
        if let Some(e) = v
            .map(|v| v.trim().to_lowercase())
            .filter(|e| e.contains('@'))
        {
            if !self.emails.contains(&e) {
                self.emails.push(e);
            }
        }
    }
}

type Identifiers = (Option<String>, Option<String>, Option<String>);

impl Store {
    /// The person `subject` names: 404 when no such record exists.
    pub async fn person(&self, subject: Subject) -> Result<Person> {
        let mut person = Person {
            subject,
            customers: Vec::new(),
            contacts: Vec::new(),
            leads: Vec::new(),
            phones: Vec::new(),
            emails: Vec::new(),
            stored: Vec::new(),
        };
        let exists =
            |table: &str| q(format!("SELECT id FROM {table} WHERE id = $1")).bind(subject.id);
        match subject.kind {
            SubjectKind::Customer => {
                let _: (i64,) = self
                    .db
                    .optional(exists("customers"))
                    .await?
                    .ok_or(Error::NotFound)?;
                person.customers = self.merged_chain(subject.id).await?;
                let list = id_list(&person.customers);
                person.contacts = self
                    .ids(&format!(
                        "SELECT id FROM contacts WHERE customer_id IN ({list}) ORDER BY id"
                    ))
                    .await?;
                person.leads = self
                    .ids(&format!(
                        "SELECT id FROM leads WHERE customer_id IN ({list}) ORDER BY id"
                    ))
                    .await?;
            }
            SubjectKind::Contact => {
                let _: (i64,) = self
                    .db
                    .optional(exists("contacts"))
                    .await?
                    .ok_or(Error::NotFound)?;
                person.contacts = vec![subject.id];
                person.leads = self
                    .ids(&format!(
                        "SELECT id FROM leads WHERE contact_id = {} ORDER BY id",
                        subject.id
                    ))
                    .await?;
            }
            SubjectKind::Lead => {
                let _: (i64,) = self
                    .db
                    .optional(exists("leads"))
                    .await?
                    .ok_or(Error::NotFound)?;
                person.leads = vec![subject.id];
            }
        }
        for (table, ids) in [
            ("customers", id_list(&person.customers)),
            ("contacts", id_list(&person.contacts)),
            ("leads", id_list(&person.leads)),
        ] {
            let rows: Vec<Identifiers> = self
                .db
                .all(
                    q(format!(
                        "SELECT mobile, phone, email FROM {table} WHERE id IN ({ids})"
                    ))
                    .once(),
                )
                .await?;
            for (mobile, phone, email) in rows {
                for v in [&mobile, &phone, &email] {
                    person.add_stored(v);
                }
                person.add_phone(mobile);
                person.add_phone(phone);
                person.add_email(email);
            }
        }
        Ok(person)
    }

    /// `id` and every customer merged into it, directly or through another.
    async fn merged_chain(&self, id: i64) -> Result<Vec<i64>> {
        let mut all = vec![id];
        let mut frontier = vec![id];
        // A merge chain is as long as the merges made one after another;
        // the cap only guards against a cycle a bug could have written.
        for _ in 0..64 {
            if frontier.is_empty() {
                break;
            }
            let next = self
                .ids(&format!(
                    "SELECT id FROM customers WHERE merged_into IN ({}) ORDER BY id",
                    id_list(&frontier)
                ))
                .await?;
            frontier = next.into_iter().filter(|i| !all.contains(i)).collect();
            all.extend(&frontier);
        }
        Ok(all)
    }

    async fn ids(&self, sql: &str) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = self.db.all(q(sql).once()).await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Rejected and skipped import rows that are the person's: matched to
    /// their customer record, or carrying one of their identifiers in a
    /// cell. At most `cap` rows.
    pub(crate) async fn person_import_issues(
        &self,
        person: &Person,
        cap: usize,
    ) -> Result<Vec<JsonRow>> {
        let mut found = Vec::new();
        let (mut batch, mut row) = (i64::MIN, i64::MIN);
        loop {
            let page = self
                .db
                .json_rows(
                    q("SELECT batch_id, row_number, outcome, cells, reasons, match_customer_id, match_row \
                       FROM import_issues WHERE batch_id > $1 OR (batch_id = $1 AND row_number > $2) \
                       ORDER BY batch_id, row_number LIMIT $3")
                    .bind(batch)
                    .bind(row)
                    .bind(SCAN_PAGE),
                )
                .await?;
            let Some(last) = page.last() else { break };
            batch = last["batch_id"].as_i64().unwrap_or(i64::MAX);
            row = last["row_number"].as_i64().unwrap_or(i64::MAX);
            let full = page.len() as i64 == SCAN_PAGE;
            for mut r in page {
                let matched = r["match_customer_id"]
                    .as_i64()
                    .is_some_and(|id| person.customers.contains(&id));
                // Stored sealed: opened here, so the person's export holds
                // the cells as read and erasure finds their values.
                let opened = match r["cells"].as_str() {
                    Some(stored) => Some(crate::import::open_cells(self.vault(), stored)?),
                    None => None,
                };
                if let Some(opened) = &opened {
                    r.insert("cells".to_owned(), Value::String(opened.clone()));
                }
                let cells: Value = opened
                    .as_deref()
                    .and_then(|c| serde_json::from_str(c).ok())
                    .unwrap_or(Value::Null);
                if matched || person.carried_by(&cells) {
                    found.push(r);
                    if found.len() >= cap {
                        return Ok(found);
                    }
                }
            }
            if !full {
                break;
            }
        }
        Ok(found)
    }

    /// Webhook events (sent or still due) that report the person's records
    /// or carry their identifiers. At most `cap`.
    pub(crate) async fn person_webhook_events(
        &self,
        person: &Person,
        cap: usize,
    ) -> Result<Vec<JsonRow>> {
        self.scan(
            "SELECT id, event, payload, occurred_at FROM webhook_events WHERE id > $1 ORDER BY id LIMIT $2",
            cap,
            |r| {
                let payload: Value = r["payload"]
                    .as_str()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or(Value::Null);
                person.in_event(r["event"].as_str().unwrap_or(""), &payload)
            },
        )
        .await
    }

    /// Access-log entries whose filter names one of the person's
    /// identifiers (a whole-value lookup, an export filtered on them).
    pub(crate) async fn person_access_log(
        &self,
        person: &Person,
        cap: usize,
    ) -> Result<Vec<JsonRow>> {
        self.scan(
            "SELECT * FROM access_log WHERE id > $1 ORDER BY id LIMIT $2",
            cap,
            |r| person.carried_by(&r["filter"]),
        )
        .await
    }

    /// Walks a table by id, keeping the rows `keep` picks, up to `cap`.
    async fn scan(
        &self,
        sql: &str,
        cap: usize,
        keep: impl Fn(&JsonRow) -> bool,
    ) -> Result<Vec<JsonRow>> {
        let mut found = Vec::new();
        let mut after = i64::MIN;
        loop {
            let page = self
                .db
                .json_rows(q(sql).bind(after).bind(SCAN_PAGE))
                .await?;
            let Some(last) = page.last() else { break };
            after = last["id"].as_i64().unwrap_or(i64::MAX);
            let full = page.len() as i64 == SCAN_PAGE;
            for r in page {
                if keep(&r) {
                    found.push(r);
                    if found.len() >= cap {
                        return Ok(found);
                    }
                }
            }
            if !full {
                break;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Person {
        let mut p = Person {
            subject: Subject {
                kind: SubjectKind::Lead,
                id: 1,
            },
            customers: vec![7],
            contacts: vec![],
            leads: vec![3],
            phones: vec![],
            emails: vec![],
            stored: vec![],
        };
        p.add_phone(Some("13812345678".into()));
        p.add_email(Some("Zhang.San@Example.com".into()));
        p.add_phone(Some("12".into()));
        p
    }

    #[test]
    fn identifiers_are_recognised_however_they_were_typed() {
        let p = person();
        assert!(p.carries("+86 138-1234-5678"));
        assert!(p.carries("（0086）138 1234 5678"));
        assert!(p.carries("mail: zhang.san@example.COM"));
        assert!(!p.carries("13812345679"));
        assert!(!p.carries("zhang.san@example.org"));
        // A two-digit "phone" is no identifier: it would match everything.
        assert!(!p.carries("12"));
    }

    #[test]
    fn events_are_the_persons_by_record_or_by_content() {
        let p = person();
        let by_id = serde_json::json!({"data": {"id": 7, "name": "x"}});
        assert!(p.in_event("customer.updated", &by_id));
        assert!(!p.in_event(
            "order.paid",
            &serde_json::json!({"data": {"id": 7, "customer_id": 8}})
        ));
        assert!(p.in_event(
            "order.paid",
            &serde_json::json!({"data": {"id": 9, "customer_id": 7}})
        ));
        assert!(p.in_event("lead.created", &serde_json::json!({"data": {"id": 3}})));
        assert!(p.in_event(
            "lead.created",
            &serde_json::json!({"data": {"id": 4, "mobile": "13812345678"}})
        ));
        assert!(!p.in_event(
            "lead.created",
            &serde_json::json!({"data": {"id": 4, "mobile": "13900000000"}})
        ));
    }
}
