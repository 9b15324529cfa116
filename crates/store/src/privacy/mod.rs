//! Personal-data rights (PIPL art. 44–47; GDPR art. 15, 17, 20): for one
//! person — a customer, a contact or a lead — an export of everything kehu
//! holds about them ([`export`]), an erasure that removes or irreversibly
//! anonymises it while orders and payments keep their amounts ([`erase`]),
//! a log of every such request that keeps no erased value, and a retention
//! rule that erases soft-deleted records after a number of days.
//!
//! Administrators only: roles are a fixed list checked by the database, and
//! a privacy officer is, for now, an administrator.

pub mod erase;
pub mod export;
mod person;
mod retention;
#[cfg(feature = "testing")]
pub mod testing;

use kehu_core::{Actor, Code, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::q;
use crate::time::Time;
use crate::{admin_only, now_ms, Result, Store};

pub use person::Person;
pub use retention::Purged;

/// Whom a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Customer,
    Contact,
    Lead,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Customer => "customer",
            SubjectKind::Contact => "contact",
            SubjectKind::Lead => "lead",
        }
    }

    pub fn parse(s: &str) -> Result<SubjectKind, Code> {
        match s.trim() {
            "customer" => Ok(SubjectKind::Customer),
            "contact" => Ok(SubjectKind::Contact),
            "lead" => Ok(SubjectKind::Lead),
            _ => Err(Code::InvalidChoice),
        }
    }
}

/// A person, named by the record that holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    pub id: i64,
}

/// What a request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Export,
    Erasure,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Export => "export",
            RequestKind::Erasure => "erasure",
        }
    }

    pub fn parse(s: &str) -> Result<RequestKind, Code> {
        match s.trim() {
            "export" => Ok(RequestKind::Export),
            "erasure" => Ok(RequestKind::Erasure),
            _ => Err(Code::InvalidChoice),
        }
    }
}

/// One entry of the request log: who asked what about whom, when, and how
/// many rows of each kind it exported or erased.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct PrivacyRequest {
    pub id: i64,
    /// export or erasure
    pub kind: String,
    /// customer, contact or lead
    pub subject_type: String,
    pub subject_id: i64,
    /// The administrator; none for an erasure by the retention rule.
    pub actor_id: Option<i64>,
    /// request or retention
    pub reason: String,
    /// done or refused
    pub status: String,
    /// Why it was refused (import_running), if it was.
    pub refusal: Option<String>,
    /// JSON object: section → rows.
    pub counts: String,
    pub at: Time,
}

/// How long soft-deleted records are kept.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PrivacySettings {
    /// Days a soft-deleted customer or lead is kept before the daily
    /// maintenance erases it; none: kept until erased by hand.
    pub retention_days: Option<i64>,
}

/// The longest retention an administrator may set (ten years).
pub const MAX_RETENTION_DAYS: i64 = 3650;

/// Rows counted per section or table, in a stable order.
pub type Counts = std::collections::BTreeMap<String, i64>;

impl Store {
    /// Records a request. `actor` is none for the retention rule.
    pub(crate) async fn log_privacy_request(
        &self,
        actor: Option<&Actor>,
        kind: RequestKind,
        subject: Subject,
        status: Result<(), &'static str>,
        counts: &Counts,
    ) -> Result<i64> {
        let (status, refusal) = match status {
            Ok(()) => ("done", None),
            Err(code) => ("refused", Some(code)),
        };
        let (id,): (i64,) = self
            .db
            .one(
                q("INSERT INTO privacy_requests \
                   (kind, subject_type, subject_id, actor_id, reason, status, refusal, counts, at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(kind.as_str())
                .bind(subject.kind.as_str())
                .bind(subject.id)
                .bind(actor.map(|a| a.user_id.get()).filter(|id| *id > 0))
                .bind(if actor.is_some() {
                    "request"
                } else {
                    "retention"
                })
                .bind(status)
                .bind(refusal)
                .bind(crate::db::json(counts)?)
                .bind(now_ms()),
            )
            .await?;
        Ok(id)
    }

    /// Records an export the caller has written.
    pub async fn log_privacy_export(
        &self,
        actor: &Actor,
        subject: Subject,
        counts: &Counts,
    ) -> Result<i64> {
        admin_only(actor)?;
        self.log_privacy_request(Some(actor), RequestKind::Export, subject, Ok(()), counts)
            .await
    }

    /// The newest requests first, before `before` (an id) if given.
    pub async fn privacy_requests(
        &self,
        actor: &Actor,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<PrivacyRequest>> {
        admin_only(actor)?;
        self.db
            .all(
                q("SELECT id, kind, subject_type, subject_id, actor_id, reason, status, refusal, \
                   counts, at FROM privacy_requests WHERE id < $1 ORDER BY id DESC LIMIT $2")
                .bind(before.unwrap_or(i64::MAX))
                .bind(limit.clamp(1, 500)),
            )
            .await
    }

    /// The name on the record `subject` names, whatever its state, for a
    /// confirmation that shows whom an erasure is about.
    pub async fn subject_name(&self, subject: Subject) -> Result<String> {
        let table = match subject.kind {
            SubjectKind::Customer => "customers",
            SubjectKind::Contact => "contacts",
            SubjectKind::Lead => "leads",
        };
        let (name,): (String,) = self
            .db
            .optional(q(format!("SELECT name FROM {table} WHERE id = $1")).bind(subject.id))
            .await?
            .ok_or(crate::Error::NotFound)?;
        Ok(name)
    }

    pub async fn privacy_settings(&self, actor: &Actor) -> Result<PrivacySettings> {
        admin_only(actor)?;
        self.retention_days()
            .await
            .map(|retention_days| PrivacySettings { retention_days })
    }

    pub(crate) async fn retention_days(&self) -> Result<Option<i64>> {
        let (days,): (Option<i64>,) = self
            .db
            .one(q(
                "SELECT retention_days FROM privacy_settings WHERE id = 1",
            ))
            .await?;
        Ok(days)
    }

    /// Sets the retention; none switches it off.
    pub async fn set_privacy_settings(
        &self,
        actor: &Actor,
        settings: PrivacySettings,
    ) -> Result<PrivacySettings> {
        admin_only(actor)?;
        if let Some(days) = settings.retention_days {
            if days < 1 {
                return Err(
                    Invalid::one("retention_days", Code::BelowMin { min: "1".into() }).into(),
                );
            }
            if days > MAX_RETENTION_DAYS {
                let max = MAX_RETENTION_DAYS.to_string();
                return Err(Invalid::one("retention_days", Code::AboveMax { max }).into());
            }
        }
        self.db
            .execute(
                q("UPDATE privacy_settings SET retention_days = $1, updated_by = $2, updated_at = $3 \
                   WHERE id = 1")
                .bind(settings.retention_days)
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0))
                .bind(now_ms()),
            )
            .await?;
        Ok(settings)
    }
}
