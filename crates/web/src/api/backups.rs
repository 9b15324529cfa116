//! `/api/v1/backups`: the backups and restores recorded, the last backup's
//! time and result, and the daily backup's retention — for administrators.

use axum::extract::State;
use axum::Json;
use kehu_core::{Code, Invalid};
use kehu_store::backup::{BackupRecord, BackupSettings};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

/// Records listed, newest first.
const LISTED: i64 = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct Backups {
    /// The newest backup (daily or by hand), whatever its result.
    pub last: Option<BackupRecord>,
    /// The daily backup and its retention.
    pub settings: BackupSettings,
    /// The latest 50 backups and restores, newest first.
    pub records: Vec<BackupRecord>,
}

/// What the Settings page and the API show: the records and the settings.
pub async fn overview(state: &AppState, me: &CurrentUser) -> Result<Backups> {
    let records = state.store.backups(&me.actor, LISTED).await?;
    let settings = state.store.backup_settings().await?;
    let last = records.iter().find(|r| r.kind == "backup").cloned();
    Ok(Backups {
        last,
        settings,
        records,
    })
}

#[utoipa::path(get, path = "/api/v1/backups", tag = "backups",
    responses((status = 200, body = Backups), (status = 401), (status = 403, description = "Not an administrator")))]
/// The last backup's time and result, the recent backups and restores,
/// and the retention (administrators only).
pub async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Json<Backups>> {
    Ok(Json(overview(&state, &me).await?))
}

#[utoipa::path(patch, path = "/api/v1/backups/settings", tag = "backups",
    request_body(content = Object, description = "Any of daily (boolean), keep_days (1–3650), keep_count (1–1000); members left out keep their value"),
    responses((status = 200, body = BackupSettings), (status = 403, description = "Not an administrator"), (status = 422)))]
/// Turns the daily backup on or off and sets how long its files are kept
/// (administrators only).
pub async fn update_settings(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<BackupSettings>> {
    if !me.actor.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let mut settings = state.store.backup_settings().await?;
    let mut invalid = Invalid::default();
    match body.take("daily") {
        None => {}
        Some(Value::Bool(b)) => settings.daily = b,
        Some(_) => invalid.push("daily", Code::WrongType),
    }
    for (key, into) in [
        ("keep_days", &mut settings.keep_days),
        ("keep_count", &mut settings.keep_count),
    ] {
        match body.take(key) {
            None => {}
            Some(v) => match v.as_i64() {
                Some(n) => *into = n,
                None => invalid.push(key, Code::WrongType),
            },
        }
    }
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok(Json(
        state.store.set_backup_settings(&me.ctx(), settings).await?,
    ))
}
