//! `/api/v1/export-limits` and `/api/v1/access-log/export-volumes`: how
//! much personal data one user may export or download in an hour, and who
//! took the most lately. Administrators only; the store enforces it.

use axum::extract::State;
use axum::Json;
use kehu_core::{Code, Invalid};
use kehu_store::export_limits::{ExportLimits, ExportVolume};

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/export-limits", tag = "customers",
    responses((status = 200, body = ExportLimits), (status = 403)))]
/// The hourly limits on exports and downloads in force.
pub async fn limits(State(state): State<AppState>, me: CurrentUser) -> Result<Json<ExportLimits>> {
    if !me.actor.is_admin() {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.export_limits().await?))
}

#[utoipa::path(patch, path = "/api/v1/export-limits", tag = "customers",
    request_body(content = ExportLimits, description = "Any of `per_hour` (exports and downloads a user may start in the last 60 minutes, 1–10000) and `rows_per_hour` (rows, 1–100000000) and `list_rows_per_hour` (rows customer list pages may show, 1–100000000)"),
    responses((status = 200, body = ExportLimits), (status = 403), (status = 422)))]
/// Changes the hourly limits on exports and downloads.
pub async fn update_limits(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<ExportLimits>> {
    if !me.actor.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let mut limits = state.store.export_limits().await?;
    let mut invalid = Invalid::default();
    for (key, slot) in [
        ("per_hour", &mut limits.per_hour),
        ("rows_per_hour", &mut limits.rows_per_hour),
        ("list_rows_per_hour", &mut limits.list_rows_per_hour),
    ] {
        if let Some(v) = body.take(key) {
            if let Some(n) = invalid.check(key, v.as_i64().ok_or(Code::WrongType)) {
                *slot = n;
            }
        }
    }
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    state.store.set_export_limits(&me.actor, limits).await?;
    Ok(Json(limits))
}

#[utoipa::path(get, path = "/api/v1/access-log/export-volumes", tag = "customers",
    responses((status = 200, body = Vec<ExportVolume>, description = "Users who exported or downloaded personal data in the last 24 hours, the most rows in the last hour first, with the refusals of the limits"), (status = 403)))]
/// Who took how much personal data out lately.
pub async fn volumes(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<ExportVolume>>> {
    Ok(Json(state.store.export_volumes(&me.actor).await?))
}
