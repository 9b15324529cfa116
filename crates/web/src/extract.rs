//! Request extractors: the signed-in user (and the session cookie that
//! carries it, set by the API's and the pages' sign-in alike), and a JSON
//! object body that fails as a problem (never a plain-text rejection or a
//! 500).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use kehu_core::{Actor, ChangeSource, Code, CustomerId, Invalid, Lang};
use kehu_store::users::User;
use kehu_store::write::Ctx;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "kehu_session";
/// The session cookie's name over HTTPS: the `__Host-` prefix makes the
/// browser refuse it unless it is Secure, set by this very host (no
/// `Domain`, so no sibling subdomain can plant or overwrite it) for `/`.
pub const SECURE_SESSION_COOKIE: &str = "__Host-kehu_session";

/// The session's secret from whichever of the two cookies the browser
/// sent, the prefixed one first.
pub fn session_secret(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SECURE_SESSION_COOKIE).or_else(|| cookie(headers, SESSION_COOKIE))
}

/// Whether the request reached kehu over HTTPS: served with kehu's own TLS
/// or `--secure-cookies`, or passed on by a proxy that says so.
pub fn over_https(secure: bool, headers: &HeaderMap) -> bool {
    secure
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The session cookie: HttpOnly and SameSite always; over HTTPS (kehu's
/// own TLS, `--secure-cookies`, or a proxy saying `X-Forwarded-Proto:
/// https`) Secure and named with the `__Host-` prefix.
pub(crate) fn session_cookie(
    state: &AppState,
    headers: &HeaderMap,
    value: &str,
    max_age_s: i64,
) -> HeaderValue {
    let (name, secure) = if over_https(state.secure_cookies, headers) {
        (crate::extract::SECURE_SESSION_COOKIE, "; Secure")
    } else {
        (crate::extract::SESSION_COOKIE, "")
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The user a request acts as, from `Authorization: Bearer <token>` or the
/// session cookie. Deactivated users and revoked tokens are refused on the
/// very next request: nothing is cached.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub actor: Actor,
    /// Whether the request came with an API token (else a browser session).
    pub via_token: bool,
}

impl CurrentUser {
    /// The write context: API-token and browser writes are told apart in
    /// history.
    pub fn ctx(&self) -> Ctx {
        let source = if self.via_token {
            ChangeSource::Api
        } else {
            ChangeSource::Ui
        };
        Ctx::new(self.actor, source)
    }

    pub fn lang(&self) -> Lang {
        self.user
            .lang
            .as_deref()
            .and_then(Lang::from_tag)
            .unwrap_or_default()
    }
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(&parts.headers) {
            let (user, policy) = state
                .store
                .token_user(token)
                .await?
                .ok_or(ApiError::Unauthorized)?;
            // A token is no way around the administrators' two-factor
            // policy: one whose owner must use two-factor sign-in and has
            // not set it up stops working until they have.
            if !user.two_factor && policy.requires(&user.role) {
                return Err(ApiError::TwoFactorSetupRequired);
            }
            return Ok(CurrentUser {
                actor: user.actor(),
                user,
                via_token: true,
            });
        }
        if let Some(secret) = session_secret(&parts.headers) {
            if let Some(user) = state.store.session_user(secret).await? {
                return Ok(CurrentUser {
                    actor: user.actor(),
                    user,
                    via_token: false,
                });
            }
        }
        Err(ApiError::Unauthorized)
    }
}

/// A JSON object body. Anything else (another content type, bad JSON, an
/// array, a body over the limit) is refused with a problem.
#[derive(Debug, Clone)]
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadBody("malformed_json")
            }
        })?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::BadBody("not_an_object")),
            Err(_) => Err(ApiError::BadBody("malformed_json")),
        }
    }
}

/// A body that may be left out: no body (and no content type) is `None`;
/// any body there is must be a JSON object as for [`JsonObject`].
impl<S: Send + Sync> axum::extract::OptionalFromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let empty = req.headers().get(header::CONTENT_TYPE).is_none()
            && req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == "0")
            && req.headers().get(header::TRANSFER_ENCODING).is_none();
        if empty {
            return Ok(None);
        }
        <JsonObject as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

impl JsonObject {
    /// Takes a key out of the object, leaving the rest for field parsing.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        self.0.remove(key)
    }

    /// Takes a string member; absent or null is `None`, another type is
    /// recorded in `invalid`.
    pub fn take_string(&mut self, key: &str, invalid: &mut Invalid) -> Option<String> {
        match self.take(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                invalid.push(key, Code::WrongType);
                None
            }
        }
    }

    /// Takes an array of record ids; absent or null is `None`, anything
    /// but an array of integers is recorded in `invalid`.
    pub fn take_ids(&mut self, key: &str, invalid: &mut Invalid) -> Option<Vec<CustomerId>> {
        match self.take(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => invalid.check(
                key,
                items
                    .iter()
                    .map(|v| v.as_i64().map(CustomerId).ok_or(Code::WrongType))
                    .collect(),
            ),
            Some(_) => {
                invalid.push(key, Code::WrongType);
                None
            }
        }
    }

    /// Takes the `version` a client read a record at, for lost-update checks.
    pub fn take_version(&mut self, invalid: &mut Invalid) -> Option<i64> {
        match self.take("version") {
            None | Some(Value::Null) => None,
            Some(v) => invalid.check("version", v.as_i64().ok_or(Code::WrongType)),
        }
    }

    /// Records every member not taken yet as an unknown field.
    pub fn refuse_rest(&self, invalid: &mut Invalid) {
        for key in self.0.keys() {
            invalid.push(key.as_str(), Code::UnknownField);
        }
    }
}

/// Query parameters as ordered pairs; parsed by the code that knows them,
/// so a bad one is reported by name.
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|q| QueryPairs(q.0))
            .map_err(|_| ApiError::BadBody("bad_query"))
    }
}
