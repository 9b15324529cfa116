//! Settings → backups (`/settings/backups`, administrators): the last
//! backup's time and result, the recent backups and restores, and the
//! daily backup's retention.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use kehu_core::{Code, Invalid};
use kehu_store::backup::{BackupRecord, BackupSettings};

use super::frame::Section;
use super::settings::{admin_only, frame};
use super::{render_refused, see_other, Errors, Fields, PageError, Posted, Viewer, T};
use crate::extract::QueryPairs;
use crate::AppState;

/// Records the page lists, newest first.
const LISTED: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new().route("/settings/backups", get(page).post(save))
}

/// One backup or restore as the page shows it.
pub struct Row {
    pub when: String,
    pub kind: &'static str,
    pub origin: &'static str,
    pub started_by: String,
    pub ok: bool,
    pub status: &'static str,
    pub file: String,
    pub size: String,
    pub customers: String,
    pub message: String,
    pub removed: bool,
}

#[derive(Template)]
#[template(path = "settings/backups.html")]
struct BackupsPage {
    f: super::Frame,
    last: Option<Row>,
    rows: Vec<Row>,
    daily: bool,
    keep_days: String,
    keep_count: String,
    error: Option<String>,
}

/// Bytes as people read them (KB, MB, GB; 1,024 each).
fn size(bytes: Option<i64>) -> String {
    let Some(bytes) = bytes else {
        return String::new();
    };
    let mut n = bytes as f64;
    for unit in ["B", "KB", "MB", "GB"] {
        if n < 1024.0 || unit == "GB" {
            return if unit == "B" {
                format!("{bytes} B")
            } else {
                format!("{n:.1} {unit}")
            };
        }
        n /= 1024.0;
    }
    String::new()
}

fn row(t: T, r: &BackupRecord) -> Row {
    Row {
        when: t.time(r.started_at),
        kind: t.s(&format!("backups.kind_{}", r.kind)),
        origin: t.s(&format!("backups.origin_{}", r.origin)),
        started_by: r.started_by.clone(),
        ok: r.status == "ok",
        status: t.s(&format!("backups.status_{}", r.status)),
        file: r.file.clone(),
        size: size(r.size_bytes),
        customers: r
            .counts
            .get("customers")
            .map(i64::to_string)
            .unwrap_or_default(),
        message: r.message.clone().unwrap_or_default(),
        removed: r.removed_at.is_some(),
    }
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    settings: (bool, String, String),
    error: Option<String>,
) -> Result<Response, PageError> {
    admin_only(viewer)?;
    let t = viewer.t();
    let records = state.store.backups(&viewer.me.actor, LISTED).await?;
    let refused = error.is_some();
    let page = BackupsPage {
        f: frame(state, viewer, "settings.backups", params).await?,
        last: records
            .iter()
            .find(|r| r.kind == "backup")
            .map(|r| row(t, r)),
        rows: records.iter().map(|r| row(t, r)).collect(),
        daily: settings.0,
        keep_days: settings.1,
        keep_count: settings.2,
        error,
    };
    render_refused(&page, refused)
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    admin_only(&viewer)?;
    let s = state.store.backup_settings().await?;
    let shown = (s.daily, s.keep_days.to_string(), s.keep_count.to_string());
    show(&state, &viewer, &params, shown, None).await
}

/// A whole number from a form field, or `WrongType` under its name.
fn number(fields: &Fields, name: &str, invalid: &mut Invalid) -> i64 {
    match fields.get(name).unwrap_or_default().trim().parse() {
        Ok(n) => n,
        Err(_) => {
            invalid.push(name, Code::WrongType);
            0
        }
    }
}

pub async fn save(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let t = posted.viewer.t();
    let mut invalid = Invalid::default();
    let settings = BackupSettings {
        daily: posted.fields.get("daily").is_some(),
        keep_days: number(&posted.fields, "keep_days", &mut invalid),
        keep_count: number(&posted.fields, "keep_count", &mut invalid),
    };
    let result = match invalid.into_result() {
        Err(invalid) => Err(kehu_store::Error::Invalid(invalid)),
        Ok(()) => {
            state
                .store
                .set_backup_settings(&posted.viewer.me.ctx(), settings)
                .await
        }
    };
    match result {
        Ok(_) => Ok(see_other("/settings/backups?flash=saved")),
        Err(kehu_store::Error::Invalid(invalid)) => {
            let message = Errors::new(t, &invalid.0).line();
            let typed = |k: &str| posted.fields.get(k).unwrap_or_default().to_owned();
            let shown = (settings.daily, typed("keep_days"), typed("keep_count"));
            show(&state, &posted.viewer, &[], shown, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(Some(512)), "512 B");
        assert_eq!(size(Some(1536)), "1.5 KB");
        assert_eq!(size(Some(3 * 1024 * 1024 * 1024)), "3.0 GB");
        assert_eq!(size(None), "");
    }
}
