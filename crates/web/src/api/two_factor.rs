//! `/api/v1/me/two-factor`: one's own two-factor sign-in (TOTP), and
//! `/api/v1/settings/two-factor`: the administrators' policy of who must
//! use it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use kehu_core::{Code, Invalid};
use kehu_store::two_factor::{Enrolment, Policy, Status};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

/// The `totp` member: a code from the app, or a recovery code.
fn code(mut body: JsonObject) -> Result<String> {
    let mut invalid = Invalid::default();
    let code = body.take_string("totp", &mut invalid).unwrap_or_default();
    if code.trim().is_empty() && invalid.0.is_empty() {
        invalid.push("totp", Code::Required);
    }
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok(code)
}

/// A wrong code is a mistake in a field here, not a failed sign-in: the
/// caller is signed in already.
fn wrong_code(e: kehu_store::Error) -> ApiError {
    match e {
        kehu_store::Error::WrongCode => Invalid::one("totp", Code::WrongCode).into(),
        other => other.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/me/two-factor", tag = "auth",
    responses((status = 200, body = Status)))]
pub async fn status(State(state): State<AppState>, me: CurrentUser) -> Result<Json<Status>> {
    Ok(Json(state.store.two_factor_status(me.actor.user_id).await?))
}

#[utoipa::path(post, path = "/api/v1/me/two-factor", tag = "auth",
    responses((status = 201, body = Enrolment, description = "A new secret for the authenticator app; \
        confirm it with a code to turn two-factor sign-in on"),
              (status = 409, description = "`two_factor_enabled`: it is on already")))]
pub async fn begin(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<(StatusCode, Json<Enrolment>)> {
    let enrolment = state.store.begin_two_factor(me.actor.user_id).await?;
    Ok((StatusCode::CREATED, Json(enrolment)))
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// One-time codes that stand in for the app's code; shown only now.
    pub recovery_codes: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/me/two-factor/confirm", tag = "auth",
    request_body(content = Object, description = "{\"totp\": \"123456\"}: the code the app shows for the new secret"),
    responses((status = 200, body = RecoveryCodes, description = "Two-factor sign-in is on"),
              (status = 409, description = "`two_factor_enabled` or `two_factor_not_started`"),
              (status = 422, description = "`totp` missing, or `wrong_code`")))]
pub async fn confirm(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<Json<RecoveryCodes>> {
    let code = code(body)?;
    let recovery_codes = state
        .store
        .confirm_two_factor(me.actor.user_id, &code)
        .await
        .map_err(wrong_code)?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

#[utoipa::path(post, path = "/api/v1/me/two-factor/disable", tag = "auth",
    request_body(content = Object, description = "{\"totp\": \"123456\"}: a current code or a recovery code"),
    responses((status = 204, description = "Two-factor sign-in is off"),
              (status = 409, description = "`two_factor_not_enabled`, or `two_factor_required` by the policy"),
              (status = 422, description = "`totp` missing, or `wrong_code`")))]
pub async fn disable(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<StatusCode> {
    let code = code(body)?;
    state
        .store
        .disable_two_factor(me.actor.user_id, &code)
        .await
        .map_err(wrong_code)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct PolicyBody {
    /// Who must sign in with a second factor: `optional` (nobody must),
    /// `admins` or `everyone`.
    pub policy: Policy,
}

#[utoipa::path(get, path = "/api/v1/settings/two-factor", tag = "users",
    responses((status = 200, body = PolicyBody)))]
pub async fn policy(State(state): State<AppState>, _me: CurrentUser) -> Result<Json<PolicyBody>> {
    Ok(Json(PolicyBody {
        policy: state.store.two_factor_policy().await?,
    }))
}

#[utoipa::path(put, path = "/api/v1/settings/two-factor", tag = "users",
    request_body(content = Object, description = "{\"policy\": \"optional\" | \"admins\" | \"everyone\"}"),
    responses((status = 200, body = PolicyBody), (status = 403), (status = 422)))]
pub async fn set_policy(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<PolicyBody>> {
    let mut invalid = Invalid::default();
    let policy = body.take_string("policy", &mut invalid);
    let policy = match policy.as_deref().map(Policy::parse) {
        Some(Some(p)) => Some(p),
        Some(None) => {
            invalid.push("policy", Code::InvalidChoice);
            None
        }
        None => {
            invalid.push("policy", Code::Required);
            None
        }
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let policy = policy.unwrap_or(Policy::Optional);
    state.store.set_two_factor_policy(&me.ctx(), policy).await?;
    Ok(Json(PolicyBody { policy }))
}
