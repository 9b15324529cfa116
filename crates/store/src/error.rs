//! The storage layer's one error type. Database failures that a user caused
//! (a duplicate unique value, a reference to a missing record) become field
//! errors here, so the layers above never see raw driver errors for them.

use kehu_core::{Code, Invalid};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such record, or one the caller may not see: the two are not
    /// distinguished, so hidden records cannot be probed.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The record changed since the client read it, or the operation does
    /// not fit the record's state.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// An order step its status does not allow.
    #[error("an order that is {status} cannot take {event:?}")]
    Transition {
        status: kehu_core::order::OrderStatus,
        event: kehu_core::order::OrderEvent,
        paid_anything: bool,
    },
    /// The caller may see the record but not do this to it.
    #[error("forbidden")]
    Forbidden,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many failed sign-ins; try again later")]
    RateLimited,
    /// Whole-value lookups beyond the administrator's limits
    /// ([`crate::lookups`]).
    #[error("too many lookups in a {0:?}")]
    TooManyLookups(crate::lookups::LookupWindow),
    /// A file imported by a user who sees numbers masked holds many mobile
    /// numbers that differ only in the masked digits: an attempt to find a
    /// hidden number by trying them ([`crate::import`]).
    #[error("too many mobile numbers of the form {masked} in one file")]
    MaskedGuess { masked: String },
    /// An export or download beyond the hourly limits
    /// ([`crate::export_limits`]).
    #[error("too many exports in an hour")]
    TooManyExports,
    /// More customer list rows paged through in an hour than the limits
    /// allow ([`crate::export_limits`]).
    #[error("too many list rows in an hour")]
    TooManyListed,
    /// Too many failed sign-ins from the client's address (for one account
    /// or for all): the next attempt is let in after `retry_after_s`.
    #[error("too many failed sign-ins; try again in {retry_after_s} s")]
    Throttled { retry_after_s: i64 },
    /// A two-factor (TOTP or recovery) code that is wrong, used or late.
    #[error("wrong two-factor code")]
    WrongCode,
    #[error("database error")]
    Database(#[source] sqlx::Error),
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn internal(msg: impl Into<String>) -> Error {
        Error::Internal(msg.into())
    }

    pub(crate) fn encode(e: Box<dyn std::error::Error + Send + Sync>) -> Error {
        Error::Internal(format!("cannot encode argument: {e}"))
    }
}

/// Unique constraints by name (PostgreSQL) and the field each protects.
const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("users_email_key", "email"),
    ("products_code_key", "code"),
    ("pipelines_name_key", "name"),
    ("teams_name_key", "name"),
    ("tags_name_key", "name"),
    ("field_defs_key", "key"),
    ("saved_views_user_name_key", "name"),
    ("customers_external_id", "external_id"),
    ("import_templates_name_key", "name"),
    ("webhook_allowed_hosts_host_key", "host"),
];

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        if let sqlx::Error::RowNotFound = e {
            return Error::NotFound;
        }
        if let Some(db) = e.as_database_error() {
            if db.is_unique_violation() {
                if let Some(field) = unique_field(db.constraint(), db.message()) {
                    return Error::Invalid(Invalid::one(field, Code::NotUnique));
                }
            }
        }
        Error::Database(e)
    }
}

/// PostgreSQL names the violated constraint; SQLite says
/// `UNIQUE constraint failed: table.column[, table.column]`.
fn unique_field(constraint: Option<&str>, message: &str) -> Option<String> {
    if let Some(name) = constraint {
        return UNIQUE_FIELDS
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, f)| (*f).to_owned());
    }
    let columns = message.split("failed: ").nth(1)?;
    let last = columns.split(',').next_back()?.trim();
    last.split('.').nth(1).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_the_field_on_both_backends() {
        assert_eq!(
            unique_field(Some("users_email_key"), ""),
            Some("email".into())
        );
        assert_eq!(
            unique_field(
                None,
                "UNIQUE constraint failed: field_defs.entity, field_defs.key"
            ),
            Some("key".into())
        );
        assert_eq!(unique_field(Some("unknown_constraint"), ""), None);
    }
}
