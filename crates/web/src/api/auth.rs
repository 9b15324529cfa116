//! `/api/v1/auth` and `/api/v1/me`: signing in and out, and one's own
//! API tokens.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kehu_core::{schema, Code, Invalid, Lang};
use kehu_store::auth::{ApiToken, SESSION_TTL_MS};
use kehu_store::sign_in::{Attempt, Outcome};
use kehu_store::users::User;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::client_ip::ClientAddress;
use crate::error::{ApiError, Result};
use crate::extract::{session_cookie, session_secret, CurrentUser, JsonObject};
use crate::AppState;

/// A required, non-empty string member.
fn required(body: &mut JsonObject, key: &str, invalid: &mut Invalid) -> String {
    let value = body.take_string(key, invalid).unwrap_or_default();
    if value.is_empty() && !invalid.0.iter().any(|e| e.field == key) {
        invalid.push(key, Code::Required);
    }
    value
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content = Object, description = "{\"email\": \"…\", \"password\": \"…\", \"totp\": \"123456\"}: \
        `totp` (a code from the authenticator app, or one of the recovery codes) only for accounts with two-factor sign-in"),
    responses((status = 200, body = User, description = "Signed in; the session cookie is set"),
              (status = 401, description = "`bad_credentials`: wrong email or password; \
                `two_factor_required`: the password is right, send it again with `totp`; `wrong_code`: the code is wrong or used"),
              (status = 403, description = "`two_factor_setup_required`: the administrators' policy \
                requires two-factor sign-in, which this account must first set up on the sign-in page"),
              (status = 422, description = "A required member is missing"),
              (status = 429, description = "`sign_in_throttled`: too many failures from this address \
                (for this account, or for all); `Retry-After` says in how many seconds to try again",
                headers(("Retry-After" = i64, description = "Seconds until the next attempt is let in")))))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    mut body: JsonObject,
) -> Result<Response> {
    let mut invalid = Invalid::default();
    let email = required(&mut body, "email", &mut invalid);
    let password = required(&mut body, "password", &mut invalid);
    let code = body
        .take_string("totp", &mut invalid)
        .filter(|c| !c.trim().is_empty());
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let attempt = Attempt {
        email: &email,
        password: &password,
        address: &address,
        code: code.as_deref(),
        challenge: false,
        now: kehu_store::now_ms(),
    };
    let (user, secret) = match state.store.sign_in(&attempt, &state.sign_in_limits).await? {
        Outcome::SignedIn { user, session, .. } => (user, session),
        Outcome::NeedsCode { .. } => return Err(ApiError::TwoFactorRequired),
        Outcome::NeedsSetup { .. } => return Err(ApiError::TwoFactorSetupRequired),
    };
    let mut response = Json(user).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&state, &headers, &secret, SESSION_TTL_MS / 1000),
    );
    Ok(response)
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    if let Some(secret) = session_secret(&headers) {
        state.store.logout(secret).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(&state, &headers, "", 0));
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = User), (status = 401)))]
pub async fn me(me: CurrentUser) -> Json<User> {
    Json(me.user)
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "auth",
    request_body(content = Object, description = "{\"lang\": \"en\" | \"zh-CN\", \"name\": \"…\"}: one's own language and display name"),
    responses((status = 200, body = User), (status = 401), (status = 422)))]
pub async fn update_me(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<User>> {
    let mut invalid = Invalid::default();
    let lang = match body.take("lang") {
        None => None,
        Some(Value::String(tag)) if schema::LANGS.contains(&tag.as_str()) => Lang::from_tag(&tag),
        Some(_) => {
            invalid.push("lang", Code::InvalidChoice);
            None
        }
    };
    let name = match body.take("name") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s)),
        Some(_) => {
            invalid.push("name", Code::WrongType);
            None
        }
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    if let Some(name) = name {
        state.store.set_own_name(&me.ctx(), name.as_deref()).await?;
    }
    if let Some(lang) = lang {
        state.store.set_own_lang(me.actor.user_id, lang).await?;
    }
    Ok(Json(state.store.user(me.actor.user_id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct NewToken {
    #[serde(flatten)]
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer …`. Shown only now.
    pub secret: String,
}

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "auth", responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<ApiToken>>> {
    Ok(Json(state.store.tokens(me.actor.user_id).await?))
}

#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "auth",
    request_body(content = Object, description = "{\"name\": \"…\"}"),
    responses((status = 201, body = NewToken)))]
pub async fn create_token(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<NewToken>)> {
    let mut invalid = Invalid::default();
    let name = body.take_string("name", &mut invalid).unwrap_or_default();
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let (token, secret) = state.store.create_token(me.actor.user_id, &name).await?;
    Ok((StatusCode::CREATED, Json(NewToken { token, secret })))
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state.store.revoke_token(me.actor.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
