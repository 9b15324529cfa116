//! `/api/v1/duplicate-scans` and `/api/v1/duplicates`: scanning the data
//! already held for duplicates, and the review queue a scan leaves.
//! Merging a cluster is `POST /api/v1/merges` with its records' ids.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::{Code, Invalid};
use kehu_store::dedupe::{DedupeRun, QueueCluster, QueueFilter, QueuePage, ScanOptions};
use kehu_store::merge_rules::{AutoMerge, MergeRule, MergeRuleInput};
use serde::Deserialize;
use serde_json::Value;

use crate::duplicates::spawn_scan;
use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

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
    entity: Option<String>,
    related: Option<bool>,
    limit: Option<i64>,
    offset: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/duplicates", tag = "duplicates",
    params(("status" = Option<String>, Query, description = "`open` (default), `merged` or `dismissed`"),
           ("entity" = Option<String>, Query, description = "`customer` (default) or `contact`"),
           ("related" = Option<bool>, Query, description = "Only branches of one company (true) or only duplicates (false)"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "1–200, default 50"),
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
        entity: query.entity,
        related: query.related,
        limit: super::page_limit(query.limit, 50, 200)? as usize,
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
            Some(m) if m > 0 => Some(m),
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

/// A merge rule's fields from a JSON body.
fn rule_input(body: &mut JsonObject, invalid: &mut Invalid) -> MergeRuleInput {
    let mut input = MergeRuleInput {
        name: body.take_string("name", invalid),
        schedule: body.take_string("schedule", invalid),
        ..Default::default()
    };
    match body.take("require") {
        None | Some(Value::Null) => {}
        Some(Value::Array(codes)) => {
            let codes: Option<Vec<String>> = codes
                .into_iter()
                .map(|c| c.as_str().map(str::to_owned))
                .collect();
            match codes {
                Some(codes) => input.require = Some(codes),
                None => invalid.push("require", Code::WrongType),
            }
        }
        Some(_) => invalid.push("require", Code::WrongType),
    }
    match body.take("min_score") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => input.min_score = n.as_f64(),
        Some(_) => invalid.push("min_score", Code::WrongType),
    }
    match body.take("enabled") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => input.enabled = Some(b),
        Some(_) => invalid.push("enabled", Code::WrongType),
    }
    body.refuse_rest(invalid);
    input
}

#[utoipa::path(get, path = "/api/v1/merge-rules", tag = "duplicates",
    responses((status = 200, body = [MergeRule]), (status = 403)))]
/// Rules under which duplicates are merged without review.
pub async fn list_rules(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<MergeRule>>> {
    if !me.actor.may_assign_owner() {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(state.store.merge_rules().await?))
}

#[utoipa::path(post, path = "/api/v1/merge-rules", tag = "duplicates",
    request_body(content = Object, description = "`{\"name\": \"同手机同姓名\", \"require\": [\"same_mobile\", \"same_name\"], \"min_score\": 0.9, \"schedule\": \"manual\"|\"daily\", \"enabled\": true}`: a cluster is merged when every pair in it scores at least min_score with every required reason"),
    responses((status = 201, body = MergeRule), (status = 403), (status = 422)))]
/// Administrators.
pub async fn create_rule(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<MergeRule>)> {
    let mut invalid = Invalid::default();
    let input = rule_input(&mut body, &mut invalid);
    invalid.into_result()?;
    let rule = state.store.create_merge_rule(&me.ctx(), input).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

#[utoipa::path(patch, path = "/api/v1/merge-rules/{id}", tag = "duplicates",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "Any of the fields of POST /api/v1/merge-rules"),
    responses((status = 200, body = MergeRule), (status = 403), (status = 404), (status = 422)))]
pub async fn update_rule(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    mut body: JsonObject,
) -> Result<Json<MergeRule>> {
    let mut invalid = Invalid::default();
    let input = rule_input(&mut body, &mut invalid);
    invalid.into_result()?;
    Ok(Json(
        state.store.update_merge_rule(&me.ctx(), id, input).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/merge-rules/{id}", tag = "duplicates",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404),
              (status = 409, description = "`rule_in_use`: the rule merged records; disable it instead")))]
pub async fn delete_rule(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state.store.delete_merge_rule(&me.ctx(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/merge-rules/run", tag = "duplicates",
    request_body(content = Object, description = "`{}` runs every enabled rule over the review queue's open clusters; `{\"rule\": 3}` runs that one"),
    responses((status = 200, body = AutoMerge, description = "The merges made, each undoable with POST /api/v1/merges/{id}/undo"),
              (status = 403), (status = 404)))]
/// Merges the queue's clusters the rules cover. Administrators.
pub async fn run_rules(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<AutoMerge>> {
    let mut invalid = Invalid::default();
    let rule = match body.take("rule") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(id) => Some(id),
            None => {
                invalid.push("rule", Code::WrongType);
                None
            }
        },
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let ctx = kehu_store::write::Ctx {
        source: kehu_core::ChangeSource::Rule,
        ..me.ctx()
    };
    Ok(Json(state.store.run_merge_rules(&ctx, rule).await?))
}

/// The daily part of duplicate cleanup: when a daily merge rule is due, a
/// fresh scan, then the due rules over its clusters, as kehu itself.
/// Returns the merges made.
pub async fn daily(
    store: &kehu_store::Store,
    now: kehu_store::time::Time,
) -> kehu_store::Result<usize> {
    let due = store.due_merge_rules(now).await?;
    if due.is_empty() {
        return Ok(0);
    }
    let ctx = kehu_store::write::Ctx::system(kehu_core::ChangeSource::Rule);
    match store
        .scan_duplicates(&ctx, ScanOptions::default(), &|_| {})
        .await
    {
        Ok(_) => {}
        // Someone's scan is running: its queue will do.
        Err(kehu_store::Error::Conflict(_)) => {}
        Err(e) => return Err(e),
    }
    let mut merged = 0;
    for rule in due {
        merged += store
            .run_merge_rules(&ctx, Some(rule.id))
            .await?
            .merges
            .len();
    }
    Ok(merged)
}
