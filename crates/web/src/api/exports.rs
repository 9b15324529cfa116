//! `/api/v1/customers/export` and `/api/v1/access-log`: customer lists
//! out as files, and the record of every export.

use std::path::Path;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kehu_core::{Code, Invalid, Lang};
use kehu_io::export::{export_customers, ExportFormat};
use kehu_store::access::AccessEntry;
use kehu_store::list::CustomerFilter;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, QueryPairs};
use crate::text::url_encode;
use crate::AppState;

/// Parameters of an export that are not the list's filter, or that the
/// export ignores (it writes every matching row, not a page).
const NOT_FILTER: &[&str] = &["format", "cursor", "limit"];

/// `Content-Disposition: attachment` naming a file: an ASCII name for old
/// clients, the real one (RFC 5987) for the rest.
pub fn attachment(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let value = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(name)
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[utoipa::path(get, path = "/api/v1/customers/export", tag = "customers",
    params(
        ("format" = Option<String>, Query, description = "csv (UTF-8 with BOM, default), csv-gb18030 or xlsx"),
        ("q" = Option<String>, Query, description = "Any filter of GET /api/v1/customers (cursor and limit are ignored)"),
    ),
    responses((status = 200, description = "The file, named like 客户-2026-11-30.csv; masked as the caller sees the list; recorded in the access log"),
              (status = 422, description = "Bad filter or format"),
              (status = 429, description = "`lookup_limit`: `q` holds a whole mobile number or email address beyond the caller's lookup limits; `export_limit`: more exports or rows in the last hour than the administrator allows")))]
/// Exports every customer of a filtered list that the caller may see.
pub async fn export(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    QueryPairs(params): QueryPairs,
) -> Result<Response> {
    let format = match params.iter().find(|(k, _)| k == "format") {
        None => ExportFormat::Csv,
        Some((_, f)) if f.trim().is_empty() => ExportFormat::Csv,
        Some((_, f)) => {
            ExportFormat::parse(f).ok_or_else(|| Invalid::one("format", Code::InvalidChoice))?
        }
    };
    let filter_params: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, v)| !NOT_FILTER.contains(&k.as_str()) && !v.trim().is_empty())
        .collect();
    let filter = CustomerFilter::from_params(&filter_params)?;
    let query = filter_params
        .iter()
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let lang = super::lang_of(&me, &headers);
    state.store.allow_export(&me.actor, "customer").await?;
    // Written whole to a file before it is sent, so a failure half-way is
    // an error rather than a cut-off file, and a million rows cost disk,
    // not memory.
    let spool = spool_file(&state.files_dir).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let writer = std::io::BufWriter::new(
        spool
            .try_clone()
            .map_err(|e| ApiError::Internal(Box::new(e)))?,
    );
    let (writer, _rows) = export_customers(
        &state.store,
        &me.actor,
        &filter,
        &query,
        format,
        lang,
        writer,
    )
    .await
    .map_err(|e| match e {
        kehu_io::export::ExportError::Store(e) => ApiError::from(e),
        other => ApiError::Internal(Box::new(other)),
    })?;
    writer
        .into_inner()
        .map_err(|e| ApiError::Internal(Box::new(e.into_error())))?;
    let today = crate::text::today();
    let stem = match lang {
        Lang::ZhCn => "客户",
        Lang::En => "customers",
    };
    let name = format!("{stem}-{today}.{}", format.extension());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, attachment(&name)),
        ],
        Body::from_stream(stream_file(spool)),
    )
        .into_response())
}

/// An unnamed file to write an export to: created in the data folder and
/// unlinked at once, so it disappears when the response is sent or
/// abandoned, whatever happens.
pub(crate) fn spool_file(files_dir: &Path) -> std::io::Result<std::fs::File> {
    let dir = files_dir.join("exports");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.tmp", unique_stem()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(file)
}

/// A name no other spool file of this or another process has: the
/// process id, the time and a counter.
fn unique_stem() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{nanos}-{n}", std::process::id())
}

/// The file from its start, 64 KiB at a time, read off the async threads.
pub(crate) fn stream_file(
    mut file: std::fs::File,
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    use std::io::{Read, Seek, SeekFrom};
    let start = file.seek(SeekFrom::Start(0)).map(|_| ());
    futures::stream::unfold((Some(file), start), |(file, start)| async move {
        if let Err(e) = start {
            return Some((Err(e), (None, Ok(()))));
        }
        let mut file = file?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; 64 * 1024];
            let n = file.read(&mut buf);
            (file, buf, n)
        })
        .await;
        match read {
            Ok((file, mut buf, Ok(n))) if n > 0 => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), (Some(file), Ok(()))))
            }
            Ok((_, _, Err(e))) => Some((Err(e), (None, Ok(())))),
            Ok(_) => None,
            Err(e) => Some((Err(std::io::Error::other(e)), (None, Ok(())))),
        }
    })
}

#[utoipa::path(get, path = "/api/v1/access-log", tag = "customers",
    params(("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 100")),
    responses((status = 200, body = Vec<AccessEntry>, description = "Exports of personal data, newest first"), (status = 403)))]
/// Who exported which customers, when, with which filter (administrators).
pub async fn access_log(
    State(state): State<AppState>,
    me: CurrentUser,
    QueryPairs(params): QueryPairs,
) -> Result<Json<Vec<AccessEntry>>> {
    let limit = super::query_limit(&params, 100, 1000)?;
    Ok(Json(state.store.access_log(&me.actor, limit).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chinese_file_name_is_sent_both_ways() {
        let v = attachment("客户-2026-11-30.csv");
        assert_eq!(
            v.to_str().unwrap(),
            "attachment; filename=\"__-2026-11-30.csv\"; filename*=UTF-8''%E5%AE%A2%E6%88%B7-2026-11-30.csv"
        );
    }
}
