//! Data quality (核对): the administrator's completeness rules, the score
//! of a record, re-validation after a rule changes, stale records and
//! their verification tasks, and the audit report.
//!
//! Everything that looks at many records walks them once, a page of ids at
//! a time, and judges each with the pure functions of
//! [`kehu_core::quality`]: the same judgement for one record's score, a
//! re-validation and a report over a million records.

mod report;
mod revalidate;
mod stale;

pub use report::{
    CheckReport, CheckRunSummary, DuplicateFigures, EntityFigures, QualityRow, RuleFigure,
};
pub use revalidate::{Revalidation, RevalidationFailure, MAX_FAILURE_PAGE};
pub(crate) use stale::complete_verification;
pub use stale::StaleSweep;

use kehu_core::field::FieldDef;
use kehu_core::quality::{assess, Assessment, QualityRules, RecordType};
use kehu_core::{Actor, Code, CustomerId, Invalid, Scope};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::customers::{visible, Customer, CUSTOMER_COLUMNS};
use crate::db::{json, q};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// Records read per query by the passes over all records.
const PAGE: i64 = 2000;

/// How one record measures up, as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordQuality {
    /// `company`, `individual` or `contact`.
    pub record_type: String,
    /// Completeness, 0 to 100.
    pub score: u32,
    /// The required rules not met (`mobile|phone`).
    pub missing_required: Vec<String>,
    pub missing_recommended: Vec<String>,
    /// Custom values that break their field's rules, as `{field, code}`.
    pub invalid_fields: Vec<FieldCode>,
    pub stale: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldCode {
    pub field: String,
    pub code: String,
}

/// A contact as the quality passes read it, with its customer's owner
/// and team (contacts are counted against them).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct ContactRow {
    pub id: i64,
    pub name: String,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
}

impl ContactRow {
    fn filled(&self, field: &str) -> bool {
        let text = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        match field {
            "name" => !self.name.is_empty(),
            "title" => text(&self.title),
            "mobile" => text(&self.mobile),
            "phone" => text(&self.phone),
            "email" => text(&self.email),
            "notes" => text(&self.notes),
            _ => false,
        }
    }
}

/// Whether a customer has a value for `field` (a built-in name or
/// `custom.KEY`).
pub(crate) fn customer_filled(c: &Customer, field: &str) -> bool {
    match field.strip_prefix("custom.") {
        Some(key) => match c.custom.0.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.trim().is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        },
        None => match c.field(field) {
            None => false,
            Some(v) => v.as_text().is_none_or(|s| !s.is_empty()),
        },
    }
}

/// The custom values of a customer that break their field's rules now.
pub(crate) fn custom_failures(defs: &[FieldDef], c: &Customer) -> Vec<(String, Code)> {
    defs.iter()
        .filter_map(|def| {
            let key = def.key.as_str();
            let result = match c.custom.0.get(key) {
                Some(value) => def.validate(value).map(|_| ()),
                None if def.rules.required => Err(Code::Required),
                None => Ok(()),
            };
            result.err().map(|code| (format!("custom.{key}"), code))
        })
        .collect()
}

/// The rules and field definitions a pass judges records by.
pub(crate) struct Judge {
    pub rules: QualityRules,
    pub defs: Vec<FieldDef>,
    pub now: i64,
}

impl Judge {
    pub fn customer(&self, c: &Customer) -> (RecordType, Assessment) {
        let record = RecordType::of_customer(&c.kind);
        (
            record,
            assess(self.rules.of(record), |f| customer_filled(c, f)),
        )
    }

    pub fn contact(&self, c: &ContactRow) -> Assessment {
        assess(self.rules.of(RecordType::Contact), |f| c.filled(f))
    }

    pub fn stale(&self, c: &Customer) -> bool {
        kehu_core::quality::is_stale(
            c.verified_at.map(|t| t.0),
            c.updated_at.0,
            self.now,
            self.rules.stale_days,
        )
    }
}

impl Store {
    /// The data-quality rules in force: the administrator's, else the
    /// built-in defaults.
    pub async fn quality_rules(&self) -> Result<QualityRules> {
        let row: Option<(String,)> = self
            .db
            .optional(q("SELECT rules FROM quality_settings WHERE id = 1"))
            .await?;
        match row {
            None => Ok(QualityRules::default()),
            Some((text,)) => serde_json::from_str(&text)
                .map_err(|e| Error::internal(format!("stored quality rules: {e}"))),
        }
    }

    /// Replaces the rules (administrators only), then re-validates the
    /// records against the rules that became required and lists those
    /// that now break one. Records are never changed.
    pub async fn set_quality_rules(
        &self,
        ctx: &Ctx,
        rules: QualityRules,
    ) -> Result<(QualityRules, Revalidation)> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let defs = self.field_defs().await?;
        let keys: Vec<&str> = defs.iter().map(|d| d.key.as_str()).collect();
        rules.check(&keys)?;
        let before = self.quality_rules().await?;
        let text = json(&rules)?;
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        tx.execute(
            q("INSERT INTO quality_settings (id, rules, updated_by, updated_at) VALUES (1, $1, $2, $3) \
               ON CONFLICT (id) DO UPDATE SET rules = $1, updated_by = $2, updated_at = $3")
            .bind(text)
            .bind(ctx.by())
            .bind(now),
        )
        .await?;
        tx.commit().await?;
        let revalidation = self.revalidate_rules(ctx, &before, &rules).await?;
        Ok((rules, revalidation))
    }

    /// How complete and valid one customer is, for those who may see it.
    pub async fn customer_quality(&self, actor: &Actor, id: CustomerId) -> Result<RecordQuality> {
        let customer = self.customer_unmasked(actor, id).await?;
        let judge = Judge {
            rules: self.quality_rules().await?,
            defs: self.field_defs().await?,
            now: now_ms(),
        };
        let (record, assessment) = judge.customer(&customer);
        let rules = judge.rules.of(record);
        let labels = |indexes: &[usize]| indexes.iter().map(|&i| rules[i].label()).collect();
        Ok(RecordQuality {
            record_type: record.as_str().to_owned(),
            score: assessment.score,
            missing_required: labels(&assessment.missing_required),
            missing_recommended: labels(&assessment.missing_recommended),
            invalid_fields: custom_failures(&judge.defs, &customer)
                .into_iter()
                .map(|(field, code)| FieldCode {
                    field,
                    code: code.as_str().to_owned(),
                })
                .collect(),
            stale: judge.stale(&customer),
        })
    }

    /// One page of the live customers `scope` sees, by id after `after`.
    pub(crate) async fn customers_after(&self, scope: Scope, after: i64) -> Result<Vec<Customer>> {
        let mut page: Vec<Customer> = self
            .db
            .all(
                q(format!(
                    "SELECT {} FROM customers c WHERE c.deleted_at IS NULL AND c.id > $1 AND {} \
                     ORDER BY c.id LIMIT $2",
                    CUSTOMER_COLUMNS
                        .iter()
                        .map(|col| format!("c.{col}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    visible(scope, "c")
                ))
                .bind(after)
                .bind(PAGE),
            )
            .await?;
        // Rules are checked against clear values.
        for c in &mut page {
            crate::vault::values::open_custom(self.vault(), &mut c.custom.0)?;
        }
        Ok(page)
    }

    /// One page of the live contacts of customers `scope` sees.
    pub(crate) async fn contacts_after(&self, scope: Scope, after: i64) -> Result<Vec<ContactRow>> {
        self.db
            .all(
                q(format!(
                    "SELECT ct.id, ct.name, ct.title, ct.mobile, ct.phone, ct.email, ct.notes, \
                     c.owner_id, c.team_id FROM contacts ct JOIN customers c ON c.id = ct.customer_id \
                     WHERE ct.deleted_at IS NULL AND c.deleted_at IS NULL AND ct.id > $1 AND {} \
                     ORDER BY ct.id LIMIT $2",
                    visible(scope, "c")
                ))
                .bind(after)
                .bind(PAGE),
            )
            .await
    }
}

/// Refuses what only managers and administrators may do.
pub(crate) fn manager_or_admin(actor: &Actor) -> Result<()> {
    if actor.is_manager_or_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// An error for a bad page request.
pub(crate) fn bad_limit() -> Error {
    Invalid::one("limit", Code::AboveMax { max: "1000".into() }).into()
}
