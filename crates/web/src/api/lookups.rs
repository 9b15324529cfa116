//! `/api/v1/lookup-limits` and `/api/v1/access-log/bursts`: how many
//! whole-value lookups (a full mobile number or email address, by a user
//! who sees such values masked) a user may make, and who made many lately.
//! Administrators only; the store enforces it.

use axum::extract::State;
use axum::Json;
use kehu_store::lookups::{LookupBurst, LookupLimits};

use crate::error::Result;
use crate::extract::{CurrentUser, JsonObject};
use crate::input::lookups::limits_input;
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/lookup-limits", tag = "customers",
    responses((status = 200, body = LookupLimits), (status = 403)))]
/// The limits on whole-value lookups in force.
pub async fn limits(State(state): State<AppState>, me: CurrentUser) -> Result<Json<LookupLimits>> {
    if !me.actor.is_admin() {
        return Err(crate::error::ApiError::Forbidden);
    }
    Ok(Json(state.store.lookup_limits().await?))
}

#[utoipa::path(patch, path = "/api/v1/lookup-limits", tag = "customers",
    request_body(content = LookupLimits, description = "Any of `per_minute`, `per_day` (the last 24 hours) and `burst_per_hour` (more lookups than this in an hour lists a user among the bursts), each 1–100000"),
    responses((status = 200, body = LookupLimits), (status = 403), (status = 422)))]
/// Changes the limits on whole-value lookups.
pub async fn update_limits(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<Json<LookupLimits>> {
    if !me.actor.is_admin() {
        return Err(crate::error::ApiError::Forbidden);
    }
    let limits = limits_input(body, state.store.lookup_limits().await?)?;
    state.store.set_lookup_limits(&me.actor, limits).await?;
    Ok(Json(limits))
}

#[utoipa::path(get, path = "/api/v1/access-log/bursts", tag = "customers",
    responses((status = 200, body = Vec<LookupBurst>, description = "Users with more whole-value lookups in the last hour than `burst_per_hour`, or refused by the limits in the last 24 hours; most lookups first"), (status = 403)))]
/// Who looked up many whole numbers or addresses lately.
pub async fn bursts(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<LookupBurst>>> {
    Ok(Json(state.store.lookup_bursts(&me.actor).await?))
}
