//! `/api/v1/privacy/…`: personal-data rights (PIPL art. 44–47; GDPR art.
//! 15, 17, 20). An administrator exports everything kehu holds about a
//! person as a ZIP, or erases it for good; every request is logged without
//! the erased values; soft-deleted records are erased after the retention
//! set here. Administrators only; the store enforces it.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kehu_core::{Code, Invalid};
use kehu_store::privacy::erase::Erasure;
use kehu_store::privacy::{PrivacyRequest, PrivacySettings, RequestKind, Subject, SubjectKind};
use serde_json::Value;

use super::exports::{attachment, spool_file, stream_file};
use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject, QueryPairs};
use crate::AppState;

/// Reads `{"kind", "subject_type", "subject_id"}`.
pub(crate) fn request_input(mut body: JsonObject) -> Result<(RequestKind, Subject)> {
    let mut invalid = Invalid::default();
    let kind = body
        .take_string("kind", &mut invalid)
        .and_then(|k| invalid.check("kind", RequestKind::parse(&k)));
    let subject_kind = body
        .take_string("subject_type", &mut invalid)
        .and_then(|k| invalid.check("subject_type", SubjectKind::parse(&k)));
    let id = match body.take("subject_id") {
        None | Some(Value::Null) => None,
        Some(v) => invalid.check(
            "subject_id",
            v.as_i64().filter(|id| *id > 0).ok_or(Code::WrongType),
        ),
    };
    for (field, missing) in [
        ("kind", kind.is_none()),
        ("subject_type", subject_kind.is_none()),
        ("subject_id", id.is_none()),
    ] {
        if missing && !invalid.0.iter().any(|e| e.field == field) {
            invalid.push(field, Code::Required);
        }
    }
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    match (kind, subject_kind, id) {
        (Some(kind), Some(kind_of), Some(id)) => Ok((kind, Subject { kind: kind_of, id })),
        _ => Err(ApiError::BadBody("bad_request")),
    }
}

/// The answer to an erasure refused because an import runs over the person.
pub(crate) fn refusal(e: kehu_store::Error) -> ApiError {
    match e {
        kehu_store::Error::Conflict("import_running") => ApiError::Explained {
            status: StatusCode::CONFLICT,
            code: "import_running",
            zh: "有一个导入批次正在写入此人的记录：等它完成后再删除。".into(),
            en: "An import that writes this person's records is running: erase once it has finished.".into(),
        },
        other => other.into(),
    }
}

/// Writes the export of `subject` to a spool file and answers with it.
pub(crate) async fn export_response(
    state: &AppState,
    me: &CurrentUser,
    subject: Subject,
) -> Result<Response> {
    let spool = spool_file(&state.files_dir).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let writer = spool
        .try_clone()
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let (_, _counts) =
        kehu_io::privacy::write_person_export(&state.store, &me.actor, subject, writer)
            .await
            .map_err(|e| match e {
                kehu_io::export::ExportError::Store(e) => ApiError::from(e),
                other => ApiError::Internal(Box::new(other)),
            })?;
    let name = format!(
        "personal-data-{}-{}-{}.zip",
        subject.kind.as_str(),
        subject.id,
        crate::text::today()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (header::CONTENT_DISPOSITION, attachment(&name)),
        ],
        Body::from_stream(stream_file(spool)),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/privacy/requests", tag = "privacy",
    request_body(content = Object, description = "`{\"kind\": \"export\" | \"erasure\", \"subject_type\": \"customer\" | \"contact\" | \"lead\", \"subject_id\": 12}`"),
    responses(
        (status = 200, description = "export: the ZIP (application/zip) of NAME.json and NAME.csv per kind of record, and manifest.json; it is not kept by kehu. erasure: what was erased, by table", body = Erasure),
        (status = 403, description = "Not an administrator"),
        (status = 404, description = "No such customer, contact or lead"),
        (status = 409, description = "import_running: an import that writes the person's records is running"),
        (status = 422, description = "A bad or missing kind, subject_type or subject_id")))]
/// Exports or erases one person's data. Erasure cannot be undone: the
/// person's records are anonymised (orders and payments keep their
/// amounts; the customer reads "已删除客户 / Erased customer #ID") and
/// their follow-ups, tasks, history, search keys, duplicate-queue
/// entries, merges and rejected import rows are deleted.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<Response> {
    let (kind, subject) = request_input(body)?;
    match kind {
        RequestKind::Export => export_response(&state, &me, subject).await,
        RequestKind::Erasure => {
            let erased = state
                .store
                .erase(&me.actor, subject)
                .await
                .map_err(refusal)?;
            Ok(Json(erased).into_response())
        }
    }
}

#[utoipa::path(get, path = "/api/v1/privacy/requests", tag = "privacy",
    params(
        ("before" = Option<i64>, Query, description = "Requests older than this id (the last of the previous page)"),
        ("limit" = Option<i64>, Query, description = "1–500, default 100")),
    responses((status = 200, body = Vec<PrivacyRequest>, description = "Newest first"), (status = 403), (status = 422)))]
/// The log of exports and erasures: who, when, whom, what, counts.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    QueryPairs(params): QueryPairs,
) -> Result<Json<Vec<PrivacyRequest>>> {
    let mut invalid = Invalid::default();
    let mut number = |key: &str, range: std::ops::RangeInclusive<i64>| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| match v.parse::<i64>() {
                Ok(n) if range.contains(&n) => Some(n),
                _ => {
                    invalid.push(key, Code::WrongType);
                    None
                }
            })
    };
    let before = number("before", 1..=i64::MAX);
    let limit = number("limit", 1..=500).unwrap_or(100);
    invalid.into_result()?;
    Ok(Json(
        state
            .store
            .privacy_requests(&me.actor, before, limit)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/privacy/settings", tag = "privacy",
    responses((status = 200, body = PrivacySettings), (status = 403)))]
/// How long soft-deleted records are kept before they are erased.
pub async fn settings(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<PrivacySettings>> {
    Ok(Json(state.store.privacy_settings(&me.actor).await?))
}

#[utoipa::path(put, path = "/api/v1/privacy/settings", tag = "privacy",
    request_body(content = PrivacySettings, description = "`{\"retention_days\": 90}`, or null to keep soft-deleted records until erased by hand"),
    responses((status = 200, body = PrivacySettings), (status = 403), (status = 422, description = "retention_days not a whole number from 1 to 3650")))]
/// Sets the retention; the daily maintenance erases soft-deleted customers
/// and leads older than it.
pub async fn set_settings(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<PrivacySettings>> {
    let mut invalid = Invalid::default();
    let days = match body.take("retention_days") {
        None => {
            invalid.push("retention_days", Code::Required);
            None
        }
        Some(Value::Null) => None,
        Some(v) => invalid.check("retention_days", v.as_i64().ok_or(Code::WrongType)),
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let settings = PrivacySettings {
        retention_days: days,
    };
    Ok(Json(
        state
            .store
            .set_privacy_settings(&me.actor, settings)
            .await?,
    ))
}
