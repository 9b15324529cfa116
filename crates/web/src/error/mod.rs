//! The HTTP layer's one error type, rendered as `application/problem+json`
//! (RFC 9457). 4xx problems explain themselves in the user's language and
//! list `{field, code, message}` for each bad field; 5xx problems say only
//! that something failed, and the cause goes to the log.
//!
//! The code is split by what it does: this file holds the error type and
//! the problem it becomes; `convert` turns the store's errors into it,
//! `title` gives each problem code its title in both languages, and
//! `response` renders problems as responses, including the middleware
//! that renders them in the request's language.

mod convert;
mod response;
mod title;

pub use response::{localize, request_lang, wait_en, wait_zh};

use axum::http::StatusCode;
use kehu_core::{FieldError, Invalid};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Invalid),
    #[error("malformed body")]
    BadBody(&'static str),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("body too large")]
    TooLarge,
    #[error("sign in required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("rate limited")]
    RateLimited,
    /// Too many failed sign-ins from this address; try after the seconds.
    #[error("sign-in throttled")]
    Throttled { retry_after_s: i64 },
    /// The password was right; the account also needs a TOTP or recovery
    /// code (`totp`).
    #[error("two-factor code required")]
    TwoFactorRequired,
    /// The policy requires two-factor sign-in this account has not set up.
    #[error("two-factor setup required")]
    TwoFactorSetupRequired,
    #[error("wrong two-factor code")]
    WrongCode,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A refusal explained by a message of its own, in both languages (a
    /// file that cannot be read, an upload over the limit).
    #[error("{code}: {en}")]
    Explained {
        status: StatusCode,
        code: &'static str,
        zh: String,
        en: String,
    },
    /// An undo refused because records were changed after the batch.
    #[error("undo refused")]
    UndoRefused(kehu_store::import::UndoReport),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// A problem waiting for the request's language; [`localize`] renders it.
#[derive(Debug, Clone)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    errors: Vec<FieldError>,
    /// A message of this problem's own, (Chinese, English).
    detail: Option<(String, String)>,
    /// More members of the body (an undo's conflicts).
    extra: serde_json::Map<String, serde_json::Value>,
    /// Seconds for a `Retry-After` header.
    retry_after: Option<i64>,
}
