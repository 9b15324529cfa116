//! `/api/v1/contacts`, `/api/v1/interactions` and `/api/v1/tasks`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::country::Country;
use kehu_core::entry::Mode;
use kehu_core::{schema, Code, ContactId, CustomerId, InteractionId, Invalid, TaskId};
use kehu_store::records::{Contact, Interaction, Task};

use crate::error::Result;
use crate::extract::{CurrentUser, JsonObject, QueryPairs};
use crate::input::records::{record_input, record_input_in};
use crate::AppState;

/// A new contact is in its customer's country unless it says otherwise.
async fn contact_home(state: &AppState, me: &CurrentUser, body: &JsonObject) -> Result<Country> {
    let customer = body.0.get("customer_id").and_then(|v| match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    match customer {
        Some(id) => match state
            .store
            .customer_country(&me.actor, CustomerId(id))
            .await
        {
            Ok(country) => Ok(country),
            // The store refuses the missing customer with its own message.
            Err(kehu_store::Error::NotFound) => Ok(state.store.default_country().await?),
            Err(e) => Err(e.into()),
        },
        None => Ok(state.store.default_country().await?),
    }
}

#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts",
    request_body(content = Object, description = "customer_id and name are required"),
    responses((status = 201, body = Contact), (status = 422)))]
pub async fn create_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Contact>)> {
    let home = contact_home(&state, &me, &body).await?;
    let (patch, _) = record_input_in(body, schema::CONTACT, Mode::Create, home)?;
    let c = state.store.create_contact(&me.ctx(), patch).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path)), responses((status = 200, body = Contact), (status = 404)))]
pub async fn get_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Contact>> {
    let c = state.store.contact(&me.actor, ContactId(id)).await?;
    Ok(Json(c))
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path)), request_body(content = Object),
    responses((status = 200, body = Contact), (status = 404), (status = 409), (status = 422)))]
pub async fn update_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Contact>> {
    let contact = state.store.contact(&me.actor, ContactId(id)).await?;
    let home = Country::from_code(&contact.country).unwrap_or(Country::CN);
    let (patch, version) = record_input_in(body, schema::CONTACT, Mode::Update, home)?;
    let c = state
        .store
        .update_contact(&me.ctx(), ContactId(id), patch, version)
        .await?;
    Ok(Json(c))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
pub async fn delete_contact(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state.store.delete_contact(&me.ctx(), ContactId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/interactions", tag = "interactions",
    request_body(content = Object, description = "customer_id, channel and content are required; next_step_at creates a task"),
    responses((status = 201, body = Interaction), (status = 422)))]
pub async fn create_interaction(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Interaction>)> {
    let (patch, _) = record_input(body, schema::INTERACTION, Mode::Create)?;
    let i = state.store.create_interaction(&me.ctx(), patch).await?;
    Ok((StatusCode::CREATED, Json(i)))
}

#[utoipa::path(get, path = "/api/v1/interactions/{id}", tag = "interactions",
    params(("id" = i64, Path)), responses((status = 200, body = Interaction), (status = 404)))]
pub async fn get_interaction(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Interaction>> {
    Ok(Json(
        state
            .store
            .interaction(&me.actor, InteractionId(id))
            .await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/interactions/{id}", tag = "interactions",
    params(("id" = i64, Path)), request_body(content = Object),
    responses((status = 200, body = Interaction), (status = 404), (status = 409), (status = 422)))]
pub async fn update_interaction(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Interaction>> {
    let (patch, version) = record_input(body, schema::INTERACTION, Mode::Update)?;
    Ok(Json(
        state
            .store
            .update_interaction(&me.ctx(), InteractionId(id), patch, version)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/interactions/{id}", tag = "interactions",
    params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
pub async fn delete_interaction(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state
        .store
        .delete_interaction(&me.ctx(), InteractionId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks",
    params(
        ("assignee_id" = Option<i64>, Query, description = "Defaults to the caller"),
        ("status" = Option<String>, Query, description = "open, done or cancelled"),
    ),
    responses((status = 200, body = Vec<Task>), (status = 422)))]
pub async fn list_tasks(
    State(state): State<AppState>,
    me: CurrentUser,
    QueryPairs(params): QueryPairs,
) -> Result<Json<Vec<Task>>> {
    let mut invalid = Invalid::default();
    let (mut assignee, mut status) = (None, None);
    for (key, value) in &params {
        match key.as_str() {
            "assignee_id" => {
                assignee = invalid.check(key, value.parse::<i64>().map_err(|_| Code::WrongType))
            }
            "status" => {
                status = invalid.check(
                    key,
                    schema::TASK_STATUSES
                        .iter()
                        .find(|s| **s == value.as_str())
                        .copied()
                        .ok_or(Code::InvalidChoice),
                )
            }
            other => invalid.push(other, Code::UnknownField),
        }
    }
    invalid.into_result()?;
    Ok(Json(
        state
            .store
            .tasks(&me.actor, assignee, status, None, 500)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks",
    request_body(content = Object, description = "title and due_at are required"),
    responses((status = 201, body = Task), (status = 422)))]
pub async fn create_task(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Task>)> {
    let (patch, _) = record_input(body, schema::TASK, Mode::Create)?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_task(&me.ctx(), patch).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path)), responses((status = 200, body = Task), (status = 404)))]
pub async fn get_task(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Task>> {
    Ok(Json(state.store.task(&me.actor, TaskId(id)).await?))
}

#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path)), request_body(content = Object),
    responses((status = 200, body = Task), (status = 404), (status = 409), (status = 422)))]
pub async fn update_task(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Task>> {
    let (patch, version) = record_input(body, schema::TASK, Mode::Update)?;
    Ok(Json(
        state
            .store
            .update_task(&me.ctx(), TaskId(id), patch, version)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
pub async fn delete_task(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state.store.delete_task(&me.ctx(), TaskId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
