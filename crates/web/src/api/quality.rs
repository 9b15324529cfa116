//! `/api/v1/quality`: the data-quality rules (administrators change them),
//! the re-validations a change leaves, the audit report (核对报告) and its
//! kept runs, and one customer's completeness.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kehu_core::quality::{FieldRule, QualityRules};
use kehu_core::{Code, CustomerId, Invalid};
use kehu_io::export::ExportFormat;
use kehu_io::quality_report;
use kehu_store::quality::{
    CheckReport, CheckRunSummary, RecordQuality, Revalidation, RevalidationFailure,
    MAX_FAILURE_PAGE,
};
use kehu_store::time::Time;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::exports::attachment;
use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

/// The rules after a change, and the re-validation it caused.
#[derive(Serialize, ToSchema)]
pub struct RulesChanged {
    #[schema(value_type = Object)]
    pub rules: QualityRules,
    pub revalidation: Revalidation,
}

/// Reads one list of field rules (`company`, `individual`, `contact`).
fn take_rules(body: &mut JsonObject, key: &str, into: &mut Vec<FieldRule>, invalid: &mut Invalid) {
    match body.take(key) {
        None => {}
        Some(Value::Array(items)) => {
            let mut rules = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                match serde_json::from_value::<FieldRule>(item) {
                    Ok(rule) => rules.push(rule),
                    Err(_) => invalid.push(format!("{key}[{i}]"), Code::WrongType),
                }
            }
            *into = rules;
        }
        Some(_) => invalid.push(key, Code::WrongType),
    }
}

fn take_number(body: &mut JsonObject, key: &str, into: &mut u32, invalid: &mut Invalid) {
    match body.take(key) {
        None => {}
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) => *into = n,
            None => invalid.push(key, Code::WrongType),
        },
    }
}

#[utoipa::path(get, path = "/api/v1/quality/rules", tag = "quality",
    responses((status = 200, body = Object, description = "Required and recommended fields with weights per record type (company, individual, contact), stale_days and incomplete_below")))]
/// The entry standards' completeness rules in force.
pub async fn rules(State(state): State<AppState>, _me: CurrentUser) -> Result<Json<QualityRules>> {
    Ok(Json(state.store.quality_rules().await?))
}

#[utoipa::path(patch, path = "/api/v1/quality/rules", tag = "quality",
    request_body(content = Object, description = "Any of company, individual, contact (each a list of {fields, level: required|recommended, weight}), stale_days (1–3650), incomplete_below (0–100); members left out keep their value"),
    responses((status = 200, body = RulesChanged, description = "Saved; the records that break a newly required rule are listed by the re-validation"),
              (status = 403), (status = 422)))]
/// Changes the rules (administrators) and re-validates existing records.
pub async fn update_rules(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<Json<RulesChanged>> {
    if !me.actor.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let mut rules = state.store.quality_rules().await?;
    let mut invalid = Invalid::default();
    take_rules(&mut body, "company", &mut rules.company, &mut invalid);
    take_rules(&mut body, "individual", &mut rules.individual, &mut invalid);
    take_rules(&mut body, "contact", &mut rules.contact, &mut invalid);
    take_number(&mut body, "stale_days", &mut rules.stale_days, &mut invalid);
    take_number(
        &mut body,
        "incomplete_below",
        &mut rules.incomplete_below,
        &mut invalid,
    );
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let (rules, revalidation) = state.store.set_quality_rules(&me.ctx(), rules).await?;
    Ok(Json(RulesChanged {
        rules,
        revalidation,
    }))
}

#[utoipa::path(get, path = "/api/v1/quality/revalidations", tag = "quality",
    responses((status = 200, body = Vec<Revalidation>), (status = 403)))]
/// The latest re-validations, newest first (administrators).
pub async fn revalidations(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<Revalidation>>> {
    Ok(Json(state.store.revalidations(&me.actor, 100).await?))
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    offset: i64,
    #[serde(default = "default_limit")]
    limit: i64,
    format: Option<String>,
}

fn default_limit() -> i64 {
    100
}

#[utoipa::path(get, path = "/api/v1/quality/revalidations/{id}/failures", tag = "quality",
    params(("id" = i64, Path), ("offset" = Option<i64>, Query), ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 100"),
           ("format" = Option<String>, Query, description = "json (default, one page), csv or xlsx (every failing record)")),
    responses((status = 200, description = "One page as JSON; with format=csv or xlsx, every failing record as a file",
                content((Vec<RevalidationFailure> = "application/json"), (String = "text/csv"),
                        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 404), (status = 422), (status = 429, description = "`export_limit`: more exports or rows in the last hour than the administrator allows")))]
/// The records a re-validation found breaking a changed rule (contacts,
/// then customers, each by id): a page as JSON, or all as a file.
pub async fn failures(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(page): Query<PageQuery>,
) -> Result<Response> {
    let format = match page.format.as_deref() {
        None | Some("json") => {
            let list = state
                .store
                .revalidation_failures(&me.actor, id, page.offset, page.limit)
                .await?;
            return Ok(Json(list).into_response());
        }
        Some(other) => file_format(other)?,
    };
    let lang = super::lang_of(&me, &headers);
    state
        .store
        .allow_export(&me.actor, "revalidation_failures")
        .await?;
    let mut rows = vec![quality_report::failure_header(lang)];
    let mut offset = 0;
    loop {
        let list = state
            .store
            .revalidation_failures(&me.actor, id, offset, MAX_FAILURE_PAGE)
            .await?;
        rows.extend(list.iter().map(|f| quality_report::failure_row(f, lang)));
        if (list.len() as i64) < MAX_FAILURE_PAGE {
            break;
        }
        offset += MAX_FAILURE_PAGE;
    }
    let (stem, sheet) = match lang {
        kehu_core::Lang::ZhCn => ("规则复核", "复核"),
        kehu_core::Lang::En => ("revalidation", "Re-validation"),
    };
    // Each failing record is listed with its values: personal data.
    let records = rows.len() as i64 - 1;
    state
        .store
        .log_export(
            &me.actor,
            "revalidation_failures",
            &format!("revalidation={id}"),
            format.as_str(),
            records,
        )
        .await?;
    let bytes = quality_report::write_rows(rows, format, sheet).map_err(internal)?;
    download(
        bytes,
        format,
        &format!("{stem}-{id}.{}", format.extension()),
    )
}

/// The file format a `format` parameter names.
fn file_format(name: &str) -> Result<ExportFormat> {
    ExportFormat::parse(name).ok_or_else(|| Invalid::one("format", Code::InvalidChoice).into())
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::Internal(Box::new(e))
}

/// A file to download, named `name`.
fn download(bytes: Vec<u8>, format: ExportFormat, name: &str) -> Result<Response> {
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format.content_type().parse().map_err(internal)?,
            ),
            (header::CONTENT_DISPOSITION, attachment(name)),
        ],
        bytes,
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/quality/check", tag = "quality",
    responses((status = 201, body = CheckReport, description = "The report, kept as a run"), (status = 403)))]
/// Runs the audit report over what the caller sees (managers: their team
/// and the pool; administrators: everything) and keeps it.
pub async fn run_check(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<(axum::http::StatusCode, Json<CheckReport>)> {
    let report = state.store.run_check(&me.actor, Time::now()).await?;
    Ok((axum::http::StatusCode::CREATED, Json(report)))
}

#[utoipa::path(get, path = "/api/v1/quality/check-runs", tag = "quality",
    responses((status = 200, body = Vec<CheckRunSummary>), (status = 403)))]
/// Earlier runs of the caller's report, newest first: the trend.
pub async fn check_runs(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<CheckRunSummary>>> {
    Ok(Json(state.store.check_runs(&me.actor, 100).await?))
}

#[utoipa::path(get, path = "/api/v1/quality/check-runs/{id}", tag = "quality",
    params(("id" = i64, Path), ("format" = Option<String>, Query, description = "json (default), csv or xlsx")),
    responses((status = 200, description = "The run; with format=csv or xlsx, a file in the caller's language",
                content((CheckReport = "application/json"), (String = "text/csv"),
                        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 404), (status = 422), (status = 429, description = "`export_limit`: more exports or rows in the last hour than the administrator allows")))]
/// One kept run, as JSON or as a CSV or XLSX file.
pub async fn check_run(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(query): Query<FormatQuery>,
) -> Result<Response> {
    let report = state.store.check_run(&me.actor, id).await?;
    let format = match query.format.as_deref() {
        None | Some("json") => return Ok(Json(report).into_response()),
        Some(other) => file_format(other)?,
    };
    let lang = super::lang_of(&me, &headers);
    state
        .store
        .allow_export(&me.actor, "quality_report")
        .await?;
    let bytes = quality_report::write_report(&report, format, lang).map_err(internal)?;
    let rows = (report.owners.len() + report.teams.len()) as i64;
    state
        .store
        .log_export(
            &me.actor,
            "quality_report",
            &format!("run={id}"),
            format.as_str(),
            rows,
        )
        .await?;
    let stem = match lang {
        kehu_core::Lang::ZhCn => "核对报告",
        kehu_core::Lang::En => "data-quality",
    };
    download(
        bytes,
        format,
        &format!("{stem}-{}.{}", report.run_id, format.extension()),
    )
}

#[derive(Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/quality", tag = "quality",
    params(("id" = i64, Path)),
    responses((status = 200, body = RecordQuality), (status = 404)))]
/// How complete and valid one customer is, and whether it is stale.
pub async fn customer_quality(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<RecordQuality>> {
    Ok(Json(
        state
            .store
            .customer_quality(&me.actor, CustomerId(id))
            .await?,
    ))
}
