//! Re-validation: after an administrator tightens a rule (a field made
//! required, a custom field's pattern or options changed), every record is
//! checked against what changed, and those that now break it are listed
//! for people to fix. Nothing in the records changes.

use kehu_core::field::FieldDef;
use kehu_core::quality::{FieldRule, QualityRules, RecordType};
use kehu_core::{Code, Scope};
use serde::Serialize;
use utoipa::ToSchema;

use super::{custom_failures, customer_filled, ContactRow};
use crate::customers::Customer;
use crate::db::{q, Arg};
use crate::time::Time;
use crate::write::Ctx;
use crate::{admin_only, now_ms, Error, Result, Store};

/// One re-validation: what caused it and how many records now fail.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Revalidation {
    pub id: i64,
    /// `quality_rules`, or `field:KEY` for a custom field's rules.
    pub cause: String,
    pub actor_id: Option<i64>,
    /// Records looked at.
    pub checked: i64,
    /// Records that break a changed rule (a record breaking two counts
    /// once).
    pub failing: i64,
    pub created_at: Time,
}

/// A record that breaks a changed rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, ToSchema)]
pub struct RevalidationFailure {
    /// `customer` or `contact`.
    pub entity: String,
    pub record_id: i64,
    /// The rule's fields (`mobile|phone`) or `custom.KEY`.
    pub field: String,
    pub code: String,
}

/// Most failures one page returns.
pub const MAX_FAILURE_PAGE: i64 = 1000;

/// What a re-validation checks.
enum Target<'a> {
    /// The quality rules of each type that became required.
    Rules {
        rules: &'a QualityRules,
        company: Vec<usize>,
        individual: Vec<usize>,
        contact: Vec<usize>,
    },
    /// One custom field, under its new definition.
    Field(&'a FieldDef),
}

impl Target<'_> {
    fn looks_at_customers(&self) -> bool {
        match self {
            Target::Rules {
                company,
                individual,
                ..
            } => !company.is_empty() || !individual.is_empty(),
            Target::Field(_) => true,
        }
    }

    fn looks_at_contacts(&self) -> bool {
        matches!(self, Target::Rules { contact, .. } if !contact.is_empty())
    }

    /// The changed rules a customer breaks: (field, code).
    fn customer(&self, c: &Customer) -> Vec<(String, Code)> {
        match self {
            Target::Rules {
                rules,
                company,
                individual,
                ..
            } => {
                let record = RecordType::of_customer(&c.kind);
                let indexes = if record == RecordType::Company {
                    company
                } else {
                    individual
                };
                broken(rules.of(record), indexes, |f| customer_filled(c, f))
            }
            Target::Field(def) => custom_failures(std::slice::from_ref(*def), c),
        }
    }

    fn contact(&self, c: &ContactRow) -> Vec<(String, Code)> {
        match self {
            Target::Rules { rules, contact, .. } => {
                broken(rules.of(RecordType::Contact), contact, |f| c.filled(f))
            }
            Target::Field(_) => Vec::new(),
        }
    }
}

/// The rules at `indexes` of `list` a record does not meet.
fn broken(
    list: &[FieldRule],
    indexes: &[usize],
    filled: impl Fn(&str) -> bool,
) -> Vec<(String, Code)> {
    indexes
        .iter()
        .filter(|&&i| !list[i].is_met(&filled))
        .map(|&i| (list[i].label(), Code::Required))
        .collect()
}

/// Counts of a re-validation as it goes.
struct Tally {
    id: i64,
    checked: i64,
    failing: i64,
}

impl Tally {
    /// Counts one record and queues a row for each rule it breaks.
    fn record(
        &mut self,
        rows: &mut Vec<Arg>,
        entity: &str,
        record: i64,
        found: Vec<(String, Code)>,
    ) {
        self.checked += 1;
        self.failing += i64::from(!found.is_empty());
        for (field, code) in found {
            rows.push(self.id.into());
            rows.push(entity.into());
            rows.push(record.into());
            rows.push(field.into());
            rows.push(code.as_str().into());
        }
    }
}

impl Store {
    pub(super) async fn revalidate_rules(
        &self,
        ctx: &Ctx,
        before: &QualityRules,
        after: &QualityRules,
    ) -> Result<Revalidation> {
        let target = Target::Rules {
            rules: after,
            company: after.newly_required(before, RecordType::Company),
            individual: after.newly_required(before, RecordType::Individual),
            contact: after.newly_required(before, RecordType::Contact),
        };
        self.revalidate(ctx, "quality_rules", target).await
    }

    /// Re-validates the customers' values of a custom field whose
    /// definition just changed.
    pub(crate) async fn revalidate_field(&self, ctx: &Ctx, def: &FieldDef) -> Result<Revalidation> {
        let cause = format!("field:{}", def.key);
        self.revalidate(ctx, &cause, Target::Field(def)).await
    }

    async fn revalidate(&self, ctx: &Ctx, cause: &str, target: Target<'_>) -> Result<Revalidation> {
        let id = {
            let mut tx = self.db.begin().await?;
            let id = tx
                .insert(
                    q("INSERT INTO revalidations (cause, actor_id, created_at) VALUES ($1, $2, $3) RETURNING id")
                        .bind(cause)
                        .bind(ctx.by())
                        .bind(now_ms()),
                )
                .await?;
            tx.commit().await?;
            id
        };
        let mut tally = Tally {
            id,
            checked: 0,
            failing: 0,
        };
        if target.looks_at_customers() {
            let mut after = 0;
            loop {
                let page = self.customers_after(Scope::All, after).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                let mut rows = Vec::new();
                for c in &page {
                    tally.record(&mut rows, "customer", c.id, target.customer(c));
                }
                self.write_failures(rows).await?;
            }
        }
        if target.looks_at_contacts() {
            let mut after = 0;
            loop {
                let page = self.contacts_after(Scope::All, after).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                let mut rows = Vec::new();
                for c in &page {
                    tally.record(&mut rows, "contact", c.id, target.contact(c));
                }
                self.write_failures(rows).await?;
            }
        }
        self.db
            .execute(
                q("UPDATE revalidations SET checked = $1, failing = $2 WHERE id = $3")
                    .bind(tally.checked)
                    .bind(tally.failing)
                    .bind(id),
            )
            .await?;
        self.revalidation_by_id(id).await
    }

    async fn write_failures(&self, rows: Vec<Arg>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        tx.insert_rows(
            "revalidation_failures",
            &["revalidation_id", "entity", "record_id", "field", "code"],
            rows,
            false,
        )
        .await?;
        tx.commit().await
    }

    async fn revalidation_by_id(&self, id: i64) -> Result<Revalidation> {
        self.db
            .optional(
                q("SELECT id, cause, actor_id, checked, failing, created_at FROM revalidations WHERE id = $1")
                    .bind(id),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    /// A re-validation (administrators: it lists records of every team).
    pub async fn revalidation(&self, actor: &kehu_core::Actor, id: i64) -> Result<Revalidation> {
        admin_only(actor)?;
        self.revalidation_by_id(id).await
    }

    /// The latest re-validations, newest first (administrators).
    pub async fn revalidations(
        &self,
        actor: &kehu_core::Actor,
        limit: i64,
    ) -> Result<Vec<Revalidation>> {
        admin_only(actor)?;
        self.db
            .all(
                q(
                    "SELECT id, cause, actor_id, checked, failing, created_at FROM revalidations \
                   ORDER BY id DESC LIMIT $1",
                )
                .bind(limit.clamp(1, 1000)),
            )
            .await
    }

    /// A page of the records a re-validation listed, in the order of the
    /// table's key (contacts, then customers, each by id) so no page sorts.
    pub async fn revalidation_failures(
        &self,
        actor: &kehu_core::Actor,
        id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<RevalidationFailure>> {
        admin_only(actor)?;
        if !(1..=MAX_FAILURE_PAGE).contains(&limit) {
            return Err(super::bad_limit());
        }
        self.revalidation_by_id(id).await?;
        self.db
            .all(
                q(
                    "SELECT entity, record_id, field, code FROM revalidation_failures \
                   WHERE revalidation_id = $1 ORDER BY entity, record_id, field LIMIT $2 OFFSET $3",
                )
                .bind(id)
                .bind(limit)
                .bind(offset.max(0)),
            )
            .await
    }
}
