//! Settings → 个人信息 / Personal data (`/settings/privacy`,
//! administrators): find a person by record, export their data as a ZIP,
//! erase it after a confirmation that names the person and what goes, set
//! the retention of soft-deleted records, and read the request log.

use std::io::{Read, Seek};

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use kehu_store::privacy::{PrivacyRequest, PrivacySettings, Subject, SubjectKind};

use super::frame::Section;
use super::settings::{admin_only, frame};
use super::{render, render_refused, see_other, PageError, Posted, Viewer};
use crate::extract::QueryPairs;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/privacy", get(page))
        .route("/settings/privacy/confirm", get(confirm))
        .route("/settings/privacy/export", post(export))
        .route("/settings/privacy/erase", post(erase))
        .route("/settings/privacy/retention", post(retention))
}

#[derive(Template)]
#[template(path = "settings/privacy.html")]
struct PrivacyPage {
    f: super::Frame,
    retention_days: String,
    requests: Vec<PrivacyRequest>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "settings/privacy_confirm.html")]
struct ConfirmPage {
    f: super::Frame,
    subject_type: &'static str,
    subject_id: i64,
    /// The record's name, so the administrator sees whom they erase.
    name: String,
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The person a form or query names, or none when it names nobody valid.
fn subject(kind: Option<&str>, id: Option<&str>) -> Option<Subject> {
    let kind = SubjectKind::parse(kind?).ok()?;
    let id = id?.trim().parse::<i64>().ok().filter(|id| *id > 0)?;
    Some(Subject { kind, id })
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    error: Option<String>,
) -> Result<Response, PageError> {
    let settings = state.store.privacy_settings(&viewer.me.actor).await?;
    let refused = error.is_some();
    let page = PrivacyPage {
        f: frame(state, viewer, "settings.privacy", params).await?,
        retention_days: settings
            .retention_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        requests: state
            .store
            .privacy_requests(&viewer.me.actor, None, 50)
            .await?,
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
    show(&state, &viewer, &params, None).await
}

/// Names the person and what an erasure removes, and asks to confirm.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    admin_only(&viewer)?;
    let Some(subject) = subject(param(&params, "type"), param(&params, "id")) else {
        let message = viewer.t().s("privacy.no_subject").to_owned();
        return show(&state, &viewer, &[], Some(message)).await;
    };
    let name = state.store.subject_name(subject).await?;
    render(&ConfirmPage {
        f: frame(&state, &viewer, "settings.privacy", &params).await?,
        subject_type: subject.kind.as_str(),
        subject_id: subject.id,
        name,
    })
}

/// The ZIP, written to an unnamed temporary file and sent from memory: it
/// holds one person, at most the export's cap of rows per section.
pub async fn export(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let Some(subject) = subject(posted.fields.get("type"), posted.fields.get("id")) else {
        let message = posted.viewer.t().s("privacy.no_subject").to_owned();
        return show(&state, &posted.viewer, &[], Some(message)).await;
    };
    let file = unnamed_file(&state.files_dir).map_err(|e| PageError::Internal(e.to_string()))?;
    let (mut file, _) =
        kehu_io::privacy::write_person_export(&state.store, &posted.viewer.me.actor, subject, file)
            .await
            .map_err(|e| match e {
                kehu_io::export::ExportError::Store(e) => PageError::from(e),
                other => PageError::Internal(other.to_string()),
            })?;
    let mut bytes = Vec::new();
    file.rewind()
        .and_then(|_| file.read_to_end(&mut bytes))
        .map_err(|e| PageError::Internal(e.to_string()))?;
    let name = format!("personal-data-{}-{}.zip", subject.kind.as_str(), subject.id);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

pub async fn erase(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let t = posted.viewer.t();
    let Some(subject) = subject(posted.fields.get("type"), posted.fields.get("id")) else {
        return show(
            &state,
            &posted.viewer,
            &[],
            Some(t.s("privacy.no_subject").to_owned()),
        )
        .await;
    };
    if posted.fields.get("confirm") != Some("yes") {
        return show(
            &state,
            &posted.viewer,
            &[],
            Some(t.s("privacy.not_confirmed").to_owned()),
        )
        .await;
    }
    match state.store.erase(&posted.viewer.me.actor, subject).await {
        Ok(_) => Ok(see_other("/settings/privacy?flash=privacy_erased")),
        Err(kehu_store::Error::Conflict("import_running")) => {
            show(
                &state,
                &posted.viewer,
                &[],
                Some(t.s("privacy.import_running").to_owned()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn retention(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    admin_only(&posted.viewer)?;
    let text = posted
        .fields
        .get("retention_days")
        .unwrap_or_default()
        .trim();
    let days = if text.is_empty() {
        Ok(None)
    } else {
        text.parse::<i64>().map(Some)
    };
    let saved = match days {
        Ok(retention_days) => {
            let settings = PrivacySettings { retention_days };
            state
                .store
                .set_privacy_settings(&posted.viewer.me.actor, settings)
                .await
        }
        Err(_) => Err(kehu_store::Error::Invalid(kehu_core::Invalid::one(
            "retention_days",
            kehu_core::Code::WrongType,
        ))),
    };
    match saved {
        Ok(_) => Ok(see_other("/settings/privacy?flash=privacy_saved")),
        Err(kehu_store::Error::Invalid(invalid)) => {
            let message = super::Errors::new(posted.viewer.t(), &invalid.0).line();
            show(&state, &posted.viewer, &[], Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A file in the data folder, unlinked at once: it goes when dropped,
/// whatever happens.
fn unnamed_file(files_dir: &std::path::Path) -> std::io::Result<std::fs::File> {
    let dir = files_dir.join("exports");
    std::fs::create_dir_all(&dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let path = dir.join(format!("privacy-{}-{nanos}.tmp", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}
