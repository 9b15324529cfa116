//! `/api/v1/imports` and `/api/v1/import-templates`: uploads, dry runs,
//! imports and batch updates run in the background, their reports,
//! rejected rows, undo and resume.

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use kehu_core::{Code, Invalid};
use kehu_io::export::{ExportFormat, IssueWriter};
use kehu_io::import::Mapping;
use kehu_store::import::{BatchKind, ImportTemplate, Policy, UndoReport};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::exports::attachment;
use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject, QueryPairs};
use crate::imports::{
    self, import_ctx, undo_batch, uploads, BatchView, FileInfo, ImportInput, IssueView, Preview,
};
use crate::input::imports::parse_header_row;
use crate::AppState;

/// Issues read per query when writing a rejected-rows file.
const ISSUE_PAGE: i64 = 1000;

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn number(params: &[(String, String)], name: &str, default: i64, max: i64) -> Result<i64> {
    match param(params, name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => Ok(n),
            _ => Err(Invalid::one(name, Code::WrongType).into()),
        },
    }
}

#[utoipa::path(post, path = "/api/v1/imports/files", tag = "imports",
    params(("name" = Option<String>, Query, description = "The file's name (its extension helps tell the format) when the body is the file itself")),
    request_body(content = Vec<u8>, description = "The file as the whole body (any content type), or multipart/form-data with a `file` part; at most 200 MB", content_type = "application/octet-stream"),
    responses((status = 201, body = FileInfo, description = "Kept: its columns, guessed mapping and first rows"),
              (status = 403), (status = 413, description = "Over 200 MB"),
              (status = 422, description = "Not a file kehu can read; nothing kept")))]
/// Uploads a file to import. The answer describes it; its `file_id` names
/// it in the calls that follow.
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentUser,
    QueryPairs(params): QueryPairs,
    req: Request,
) -> Result<(StatusCode, Json<FileInfo>)> {
    if !me.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let upload = if is_multipart {
        let multipart = Multipart::from_request(req, &state)
            .await
            .map_err(|_| ApiError::BadBody("bad_request"))?;
        let (upload, _) = uploads::receive_multipart(
            &state.store,
            &state.files_dir,
            me.actor.user_id,
            multipart,
            |_| Ok(()),
        )
        .await?;
        upload.ok_or_else(|| Invalid::one("file", Code::Required))?
    } else {
        let name = param(&params, "name").unwrap_or("upload");
        uploads::receive_body(
            &state.store,
            &state.files_dir,
            name,
            me.actor.user_id,
            req.into_body(),
        )
        .await?
    };
    let info = imports::file_info(&state, &upload, None, None).await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(get, path = "/api/v1/imports/files/{file_id}", tag = "imports",
    params(("file_id" = String, Path), ("sheet" = Option<String>, Query, description = "Another sheet of a workbook"),
        ("header_row" = Option<u64>, Query, minimum = 1, maximum = 1000, description = "The row the headers are on (1–1000); found when left out")),
    responses((status = 200, body = FileInfo), (status = 404), (status = 422)))]
pub async fn file(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(file_id): Path<String>,
    QueryPairs(params): QueryPairs,
) -> Result<Json<FileInfo>> {
    if !me.actor.may_write_records() {
        return Err(ApiError::Forbidden);
    }
    let upload =
        imports::locate(&state.store, &state.files_dir, &file_id, me.actor.user_id).await?;
    let sheet = param(&params, "sheet").map(str::to_owned);
    let header_row = match param(&params, "header_row") {
        None => None,
        Some(text) => Some(
            parse_header_row(text.trim().parse().ok())
                .map_err(|code| Invalid::one("header_row", code))?,
        ),
    };
    Ok(Json(
        imports::file_info(&state, &upload, sheet, header_row).await?,
    ))
}

/// Reads `{file_id, sheet?, header_row?, mapping?, template?, policy?,
/// kind?, strict?, save_template?}`.
fn import_input(mut body: JsonObject, may_save: bool) -> Result<ImportInput> {
    let mut invalid = Invalid::default();
    let file_id = body.take_string("file_id", &mut invalid);
    if file_id.is_none() && invalid.is_empty() {
        invalid.push("file_id", Code::Required);
    }
    let sheet = body.take_string("sheet", &mut invalid);
    let header_row = match body.take("header_row") {
        None | Some(Value::Null) => None,
        Some(v) => invalid.check("header_row", parse_header_row(v.as_u64())),
    };
    let template = body.take_string("template", &mut invalid);
    let mapping = match (body.take("mapping"), template) {
        (None | Some(Value::Null), None) => Mapping::Auto,
        (None | Some(Value::Null), Some(name)) => Mapping::Template(name),
        (Some(Value::Array(items)), None) => {
            let columns = items
                .into_iter()
                .map(|v| match v {
                    Value::Null => Ok(None),
                    Value::String(s) if s.trim().is_empty() || s == "-" => Ok(None),
                    Value::String(s) => Ok(Some(s)),
                    _ => Err(Code::WrongType),
                })
                .collect::<std::result::Result<Vec<_>, _>>();
            Mapping::Columns(invalid.check("mapping", columns).unwrap_or_default())
        }
        (Some(Value::String(spec)), None) if spec.contains('=') => Mapping::Spec(spec),
        (Some(_), Some(_)) => {
            invalid.push("template", Code::ReadOnly);
            Mapping::Auto
        }
        (Some(_), None) => {
            invalid.push("mapping", Code::WrongType);
            Mapping::Auto
        }
    };
    let policy = match body.take_string("policy", &mut invalid) {
        None => Policy::Skip,
        Some(p) => invalid
            .check("policy", Policy::parse(&p).ok_or(Code::InvalidChoice))
            .unwrap_or(Policy::Skip),
    };
    let kind = match body.take_string("kind", &mut invalid).as_deref() {
        None | Some("import") => BatchKind::Import,
        Some("update") => BatchKind::Update,
        Some(_) => {
            invalid.push("kind", Code::InvalidChoice);
            BatchKind::Import
        }
    };
    let strict = match body.take("strict") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => {
            invalid.push("strict", Code::WrongType);
            false
        }
    };
    let save_template = if may_save {
        body.take_string("save_template", &mut invalid)
    } else {
        None
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok(ImportInput {
        file_id: file_id.unwrap_or_default(),
        sheet,
        header_row,
        mapping,
        policy,
        kind,
        save_template,
        strict,
    })
}

#[utoipa::path(post, path = "/api/v1/imports/preview", tag = "imports",
    request_body(content = Object, description = "`{\"file_id\": \"…\", \"sheet\": \"Sheet1\", \"header_row\": 3 (the row the headers are on, 1–1000; found when left out), \"mapping\": [\"name\", null, \"mobile\"] (or \"template\": \"NAME\"), \"policy\": \"skip|fill|overwrite|create\", \"kind\": \"import|update\", \"strict\": false (true: any invalid value rejects its row; by default only invalid names, mobiles, emails, credit codes and external ids do, and other invalid values are left out with a warning)}`"),
    responses((status = 200, body = Preview, description = "What the import would do; nothing written"), (status = 403), (status = 404), (status = 422)))]
/// A dry run: every row decided as the import would, nothing written.
pub async fn preview(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    body: JsonObject,
) -> Result<Json<Preview>> {
    let input = import_input(body, false)?;
    let lang = super::lang_of(&me, &headers);
    Ok(Json(
        imports::preview(&state, &import_ctx(&me), &input, lang).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Started {
    pub batch_id: i64,
}

#[utoipa::path(post, path = "/api/v1/imports", tag = "imports",
    request_body(content = Object, description = "As for a preview, plus `\"save_template\": \"NAME\"` to keep the mapping"),
    responses((status = 202, body = Started, description = "Running in the background; follow GET /api/v1/imports/{batch_id}"),
              (status = 403), (status = 404), (status = 422)))]
/// Starts an import or batch update. The same file again resumes its
/// unfinished batch.
pub async fn start(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Started>)> {
    let input = import_input(body, true)?;
    let batch_id = imports::start(&state, import_ctx(&me), &input).await?;
    Ok((StatusCode::ACCEPTED, Json(Started { batch_id })))
}

#[utoipa::path(get, path = "/api/v1/imports", tag = "imports",
    params(("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1–500, default 50")),
    responses((status = 200, body = Vec<BatchView>, description = "Newest first: the caller's own, or everyone's for an administrator")))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    QueryPairs(params): QueryPairs,
) -> Result<Json<Vec<BatchView>>> {
    let limit = super::query_limit(&params, 50, 500)?;
    let lang = super::lang_of(&me, &headers);
    let mut out = Vec::new();
    for batch in state.store.import_batches(&me.actor, limit).await? {
        out.push(imports::view_of(&state, batch, lang).await);
    }
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports",
    params(("id" = i64, Path)), responses((status = 200, body = BatchView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<BatchView>> {
    let lang = super::lang_of(&me, &headers);
    Ok(Json(
        imports::batch_view(&state, &me.actor, id, lang).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/imports/{id}/issues", tag = "imports",
    params(("id" = i64, Path), ("after" = Option<i64>, Query, description = "Row number to continue after"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 100")),
    responses((status = 200, body = Vec<IssueView>, description = "Rejected and skipped rows in file order"), (status = 404)))]
pub async fn issues(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Json<Vec<IssueView>>> {
    let after = number(&params, "after", 0, i64::MAX)?;
    let limit = number(&params, "limit", 100, 1000)?.max(1);
    let lang = super::lang_of(&me, &headers);
    let issues = state
        .store
        .import_issues(&me.actor, id, after, limit)
        .await?;
    Ok(Json(
        issues
            .into_iter()
            .map(|i| IssueView::new(i, lang))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/imports/{id}/rejected.csv", tag = "imports",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", description = "The rejected and skipped rows as they were, with row numbers and reasons (UTF-8 with BOM)"), (status = 404), (status = 429, description = "`export_limit`: more exports or rows in the last hour than the administrator allows")))]
pub async fn rejected_csv(
    state: State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    id: Path<i64>,
) -> Result<Response> {
    rejected(state, me, headers, id, ExportFormat::Csv).await
}

#[utoipa::path(get, path = "/api/v1/imports/{id}/rejected.xlsx", tag = "imports",
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The rejected and skipped rows as an Excel workbook"), (status = 404), (status = 429, description = "`export_limit`: more exports or rows in the last hour than the administrator allows")))]
pub async fn rejected_xlsx(
    state: State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    id: Path<i64>,
) -> Result<Response> {
    rejected(state, me, headers, id, ExportFormat::Xlsx).await
}

async fn rejected(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    format: ExportFormat,
) -> Result<Response> {
    let lang = super::lang_of(&me, &headers);
    let batch = state.store.import_batch(&me.actor, id).await?;
    state.store.allow_export(&me.actor, "import_issues").await?;
    let mut writer = IssueWriter::new(&batch.options.headers, format, lang, Vec::new())
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let mut after = 0;
    let mut rows = 0;
    loop {
        let page = state
            .store
            .import_issues(&me.actor, id, after, ISSUE_PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.row;
        for issue in &page {
            writer
                .write(issue)
                .map_err(|e| ApiError::Internal(Box::new(e)))?;
        }
        rows += page.len() as i64;
    }
    // Rejected rows are the file's own rows, personal data as typed.
    state
        .store
        .log_export(
            &me.actor,
            "import_issues",
            &format!("batch={id}"),
            format.as_str(),
            rows,
        )
        .await?;
    let bytes = writer
        .finish()
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let stem = std::path::Path::new(&batch.file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = match lang {
        kehu_core::Lang::ZhCn => "未导入的行",
        kehu_core::Lang::En => "rejected-rows",
    };
    let name = format!("{stem}-{suffix}.{}", format.extension());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                format.content_type().parse().map_err(internal)?,
            ),
            (header::CONTENT_DISPOSITION, attachment(&name)),
        ],
        bytes,
    )
        .into_response())
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::Internal(Box::new(e))
}

#[utoipa::path(post, path = "/api/v1/imports/{id}/undo", tag = "imports",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "`{\"force\": true}` undoes even where records were changed after the batch"),
    responses((status = 200, body = UndoReport, description = "Undone"),
              (status = 409, description = "Refused: `conflicts` lists records changed after the batch (or the batch is running or already undone)"),
              (status = 404)))]
/// Takes back everything a batch did.
pub async fn undo(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Json<UndoReport>> {
    let force = super::force_flag(req, &state).await?;
    undo_batch(&state, &me, id, force).await.map(Json)
}

#[utoipa::path(post, path = "/api/v1/imports/{id}/resume", tag = "imports",
    params(("id" = i64, Path)),
    responses((status = 202, body = Started, description = "Resumed in the background"), (status = 404),
              (status = 409, description = "Finished, still running, or its file is gone")))]
/// Carries on with a batch that stopped half-way, after its last committed
/// row.
pub async fn resume(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Started>)> {
    imports::resume(&state, import_ctx(&me), id).await?;
    Ok((StatusCode::ACCEPTED, Json(Started { batch_id: id })))
}

#[utoipa::path(get, path = "/api/v1/import-templates", tag = "imports",
    responses((status = 200, body = Vec<ImportTemplate>)))]
pub async fn list_templates(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Vec<ImportTemplate>>> {
    Ok(Json(state.store.import_templates().await?))
}

#[utoipa::path(post, path = "/api/v1/import-templates", tag = "imports",
    request_body(content = Object, description = "`{\"name\": \"展会名单\", \"mapping\": {\"姓名\": \"name\", \"会员等级\": \"custom.level\"}}`; a template of the same name is replaced"),
    responses((status = 201, body = ImportTemplate), (status = 403), (status = 422)))]
pub async fn save_template(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<ImportTemplate>)> {
    let mut invalid = Invalid::default();
    let name = body.take_string("name", &mut invalid).unwrap_or_default();
    let (headers, mapping): (Vec<String>, Vec<Option<String>>) = match body.take("mapping") {
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(h, k)| (h, k.as_str().map(str::to_owned)))
            .unzip(),
        None => {
            invalid.push("mapping", Code::Required);
            Default::default()
        }
        Some(_) => {
            invalid.push("mapping", Code::WrongType);
            Default::default()
        }
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let template = state
        .store
        .save_import_template(&import_ctx(&me), &name, &headers, &mapping)
        .await?;
    Ok((StatusCode::CREATED, Json(template)))
}

#[utoipa::path(delete, path = "/api/v1/import-templates/{id}", tag = "imports",
    params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
pub async fn delete_template(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state
        .store
        .delete_import_template(&import_ctx(&me), id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
