//! `/api/v1/views`: saved customer-list views (保存的视图), one's own and
//! those others share.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::{Code, Invalid, SavedViewId};
use kehu_store::views::SavedView;
use serde_json::Value;

use crate::error::Result;
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

/// The members of a view; on update, missing ones keep `current`.
struct ViewInput {
    name: String,
    shared: bool,
    query: String,
    columns: Vec<String>,
}

fn view_input(mut body: JsonObject, current: Option<&SavedView>) -> Result<ViewInput> {
    let mut invalid = Invalid::default();
    let name = body.take_string("name", &mut invalid);
    let query = body.take_string("query", &mut invalid);
    let shared = match body.take("shared") {
        None => None,
        Some(Value::Bool(b)) => Some(b),
        Some(_) => {
            invalid.push("shared", Code::WrongType);
            None
        }
    };
    let columns = match body.take("columns") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => invalid.check("columns", crate::input::strings(items)),
        Some(_) => {
            invalid.push("columns", Code::WrongType);
            None
        }
    };
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok(ViewInput {
        name: name
            .or_else(|| current.map(|c| c.name.clone()))
            .unwrap_or_default(),
        shared: shared.or(current.map(|c| c.shared)).unwrap_or(false),
        query: query
            .or_else(|| current.map(|c| c.query.clone()))
            .unwrap_or_default(),
        columns: columns
            .or_else(|| current.map(|c| c.columns.clone()))
            .unwrap_or_default(),
    })
}

#[utoipa::path(get, path = "/api/v1/views", tag = "views",
    responses((status = 200, body = Vec<SavedView>, description = "One's own views and shared ones, by name")))]
pub async fn list(State(state): State<AppState>, me: CurrentUser) -> Result<Json<Vec<SavedView>>> {
    Ok(Json(state.store.saved_views(&me.actor).await?))
}

#[utoipa::path(get, path = "/api/v1/views/{id}", tag = "views", params(("id" = i64, Path)),
    responses((status = 200, body = SavedView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<SavedView>> {
    Ok(Json(
        state.store.saved_view(&me.actor, SavedViewId(id)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/views", tag = "views",
    request_body(content = Object, description = "{\"name\": \"…\", \"shared\": false, \"query\": \"stage=lead&sort=-created_at\", \"columns\": [\"name\", \"mobile\"]}"),
    responses((status = 201, body = SavedView), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<SavedView>)> {
    let v = view_input(body, None)?;
    let view = state
        .store
        .create_saved_view(&me.ctx(), &v.name, v.shared, &v.query, &v.columns)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(patch, path = "/api/v1/views/{id}", tag = "views", params(("id" = i64, Path)),
    request_body(content = Object, description = "Members to change; the others stay"),
    responses((status = 200, body = SavedView), (status = 403, description = "Someone else's shared view"),
              (status = 404), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<SavedView>> {
    let id = SavedViewId(id);
    let current = state.store.editable_saved_view(&me.ctx(), id).await?;
    let v = view_input(body, Some(&current))?;
    let view = state
        .store
        .update_saved_view(&me.ctx(), id, &v.name, v.shared, &v.query, &v.columns)
        .await?;
    Ok(Json(view))
}

#[utoipa::path(delete, path = "/api/v1/views/{id}", tag = "views", params(("id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state
        .store
        .delete_saved_view(&me.ctx(), SavedViewId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
