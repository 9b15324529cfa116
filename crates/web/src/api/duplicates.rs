//! `/api/v1/duplicate-scans` and `/api/v1/duplicates`: scanning the data
//! already held for duplicates, and the review queue a scan leaves.
//! Merging a cluster is `POST /api/v1/merges` with its records' ids.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::{Code, CustomerId, Invalid};
use kehu_store::dedupe::{DedupeRun, QueueCluster, QueueFilter, QueuePage, ScanOptions};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

/// Starts a scan in the background of the server.
pub fn spawn_scan(state: &AppState, run: &DedupeRun, options: ScanOptions) {
    let store = state.store.clone();
    let id = run.id;
    tokio::spawn(async move {
        if let Err(e) = store.run_scan(id, options, &|_| {}).await {
            tracing::error!(scan = id, error = %e, "a duplicate scan failed");
        }
    });
}

#[utoipa::path(post, path = "/api/v1/duplicate-scans", tag = "duplicates",
    request_body(content = Object, description = "`{\"threshold\": 0.6}` (optional, 0 to 1): pairs scoring at least this are reported"),
    responses((status = 202, body = DedupeRun, description = "Started; poll GET /api/v1/duplicate-scans/{id} until finished_at is set"),
              (status = 403), (status = 409, description = "`scan_running`"), (status = 422)))]
/// Scans every customer for duplicates; the clusters found replace the
/// review queue's open ones. Managers and administrators.
pub async fn start(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<DedupeRun>)> {
    let mut invalid = Invalid::default();
    let mut options = ScanOptions::default();
    match body.take("threshold") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => options.threshold = n.as_f64().unwrap_or(-1.0) as f32,
        Some(_) => invalid.push("threshold", Code::WrongType),
    }
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let run = state.store.begin_scan(&me.ctx(), options).await?;
    spawn_scan(&state, &run, options);
    Ok((StatusCode::ACCEPTED, Json(run)))
}

#[utoipa::path(get, path = "/api/v1/duplicate-scans", tag = "duplicates",
    responses((status = 200, body = [DedupeRun]), (status = 403)))]
/// The latest scans, newest first.
pub async fn list_scans(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<DedupeRun>>> {
    if !me.actor.may_assign_owner() {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.dedupe_runs(50).await?))
}

#[utoipa::path(get, path = "/api/v1/duplicate-scans/{id}", tag = "duplicates",
    params(("id" = i64, Path)),
    responses((status = 200, body = DedupeRun), (status = 403), (status = 404)))]
pub async fn get_scan(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<DedupeRun>> {
    if !me.actor.may_assign_owner() {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.dedupe_run(id).await?))
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    related: Option<bool>,
    limit: Option<usize>,
    offset: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/duplicates", tag = "duplicates",
    params(("status" = Option<String>, Query, description = "`open` (default), `merged` or `dismissed`"),
           ("related" = Option<bool>, Query, description = "Only branches of one company (true) or only duplicates (false)"),
           ("limit" = Option<usize>, Query, description = "At most 200; 50 by default"),
           ("offset" = Option<usize>, Query)),
    responses((status = 200, body = QueuePage), (status = 403), (status = 422)))]
/// The review queue: clusters of likely duplicates, strongest first, each
/// with its records and the scored pairs that joined them. Only clusters
/// whose every record the caller may see.
pub async fn queue(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<QueueQuery>,
) -> Result<Json<QueuePage>> {
    let filter = QueueFilter {
        status: query.status,
        related: query.related,
        limit: query.limit.unwrap_or(50),
        offset: query.offset.unwrap_or(0),
    };
    Ok(Json(state.store.duplicate_queue(&me.actor, &filter).await?))
}

#[utoipa::path(get, path = "/api/v1/duplicates/{id}", tag = "duplicates",
    params(("id" = i64, Path)),
    responses((status = 200, body = QueueCluster), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<QueueCluster>> {
    Ok(Json(state.store.duplicate_cluster(&me.actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/duplicates/{id}/dismiss", tag = "duplicates",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "`{}`: none of the records is a duplicate of another; `{\"member\": 42}`: record 42 is not a duplicate of the others and leaves the cluster. Remembered: never proposed again."),
    responses((status = 200, body = QueueCluster), (status = 404), (status = 409, description = "`cluster_closed`"), (status = 422)))]
/// "Not a duplicate".
pub async fn dismiss(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    mut body: JsonObject,
) -> Result<Json<QueueCluster>> {
    let mut invalid = Invalid::default();
    let member = match body.take("member") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(m) if m > 0 => Some(CustomerId(m)),
            _ => {
                invalid.push("member", Code::WrongType);
                None
            }
        },
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok(Json(
        state.store.dismiss_cluster(&me.ctx(), id, member).await?,
    ))
}
