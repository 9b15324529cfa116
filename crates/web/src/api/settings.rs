//! `/api/v1/tags`, `/api/v1/fields`, `/api/v1/users` and `/api/v1/teams`:
//! the shared vocabulary and the people. Writes other than tags are for
//! administrators; the store enforces it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::entry::Mode;
use kehu_core::{schema, Code, FieldDefId, Invalid, TagId, TeamId, UserId};
use kehu_store::fields::FieldDefinition;
use kehu_store::tags::Tag;
use kehu_store::users::{Team, User};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::input::records::record_input;
use crate::input::settings::field_input;
use crate::AppState;

// ----- tags -----

fn tag_input(mut body: JsonObject) -> Result<(String, Option<String>)> {
    let mut invalid = Invalid::default();
    let name = body.take_string("name", &mut invalid).unwrap_or_default();
    let color = body.take_string("color", &mut invalid);
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok((name, color))
}

#[utoipa::path(get, path = "/api/v1/tags", tag = "tags", responses((status = 200, body = Vec<Tag>)))]
pub async fn list_tags(State(state): State<AppState>, _me: CurrentUser) -> Result<Json<Vec<Tag>>> {
    Ok(Json(state.store.tags().await?))
}

#[utoipa::path(post, path = "/api/v1/tags", tag = "tags", request_body(content = Object),
    responses((status = 201, body = Tag), (status = 422)))]
pub async fn create_tag(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Tag>)> {
    let (name, color) = tag_input(body)?;
    let tag = state
        .store
        .create_tag(&me.ctx(), &name, color.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(tag)))
}

#[utoipa::path(patch, path = "/api/v1/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    request_body(content = Object), responses((status = 200, body = Tag), (status = 404), (status = 422)))]
pub async fn update_tag(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Tag>> {
    let current = state.store.tag(TagId(id)).await?;
    let mut body = body;
    if !body.0.contains_key("name") {
        body.0.insert("name".into(), Value::String(current.name));
    }
    if !body.0.contains_key("color") {
        body.0.insert(
            "color".into(),
            current.color.map_or(Value::Null, Value::String),
        );
    }
    let (name, color) = tag_input(body)?;
    Ok(Json(
        state
            .store
            .update_tag(&me.ctx(), TagId(id), &name, color.as_deref())
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)))]
pub async fn delete_tag(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state.store.delete_tag(&me.ctx(), TagId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- field definitions -----

#[utoipa::path(get, path = "/api/v1/fields", tag = "fields",
    responses((status = 200, body = Vec<FieldDefinition>)))]
pub async fn list_fields(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Vec<FieldDefinition>>> {
    Ok(Json(state.store.field_definitions().await?))
}

#[utoipa::path(post, path = "/api/v1/fields", tag = "fields",
    request_body(content = Object, description = "key, label_zh, label_en, kind {type, options?}, rules {required, unique, pattern, min_length, max_length, min, max}, sensitive"),
    responses((status = 201, body = FieldDefinition), (status = 422)))]
pub async fn create_field(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<FieldDefinition>)> {
    let (def, position) = field_input(body, None)?;
    let f = state
        .store
        .create_field_definition(&me.ctx(), def, position)
        .await?;
    Ok((StatusCode::CREATED, Json(f)))
}

#[utoipa::path(get, path = "/api/v1/fields/{id}", tag = "fields", params(("id" = i64, Path)),
    responses((status = 200, body = FieldDefinition), (status = 404)))]
pub async fn get_field(
    State(state): State<AppState>,
    _me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<FieldDefinition>> {
    Ok(Json(state.store.field_definition(FieldDefId(id)).await?))
}

#[utoipa::path(patch, path = "/api/v1/fields/{id}", tag = "fields", params(("id" = i64, Path)),
    request_body(content = Object), responses((status = 200, body = FieldDefinition), (status = 404), (status = 422)))]
pub async fn update_field(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<FieldDefinition>> {
    if !me.actor.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let current = state.store.field_definition(FieldDefId(id)).await?;
    let (def, position) = field_input(body, Some(&current))?;
    Ok(Json(
        state
            .store
            .update_field_definition(&me.ctx(), FieldDefId(id), def, position)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/fields/{id}", tag = "fields", params(("id" = i64, Path)),
    responses((status = 204), (status = 404)))]
pub async fn delete_field(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state
        .store
        .delete_field_definition(&me.ctx(), FieldDefId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- users -----

/// A colleague as every role sees them: enough to pick an owner or name
/// who did what. Emails are for those who manage users.
///
/// Its schema admits no other members (`deny_unknown_fields` makes it
/// `additionalProperties: false`), so a full [`User`] is not also a
/// colleague and a [`UserView`] is exactly one of the two.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Colleague {
    pub id: i64,
    pub name: Option<String>,
    pub role: String,
    pub team_id: Option<i64>,
    pub active: bool,
}

/// A user in full for administrators (and for oneself), a [`Colleague`]
/// for everyone else.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum UserView {
    Full(User),
    Colleague(Colleague),
}

impl UserView {
    fn for_viewer(me: &CurrentUser, user: User) -> UserView {
        if me.actor.is_admin() || user.id == me.user.id {
            return UserView::Full(user);
        }
        UserView::Colleague(Colleague {
            id: user.id,
            name: user.name,
            role: user.role,
            team_id: user.team_id,
            active: user.active,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Vec<UserView>, description = "Every user; their emails only for administrators")))]
pub async fn list_users(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Vec<UserView>>> {
    let users = state.store.users().await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserView::for_viewer(&me, u))
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    request_body(content = Object, description = "email, role, name, team_id, lang, password (10+ characters)"),
    responses((status = 201, body = User), (status = 403), (status = 422)))]
pub async fn create_user(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<User>)> {
    if !me.actor.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let mut invalid = Invalid::default();
    let password = body.take_string("password", &mut invalid);
    invalid.into_result()?;
    let (patch, _) = record_input(body, schema::USER, Mode::Create)?;
    let user = state
        .store
        .create_user(Some(&me.ctx()), patch, password.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserView, description = "The user; the email only for administrators and oneself"),
              (status = 404)))]
pub async fn get_user(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<UserView>> {
    let user = state.store.user(UserId(id)).await?;
    Ok(Json(UserView::for_viewer(&me, user)))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body(content = Object, description = "email, name, role, team_id, lang, active"),
    responses((status = 200, body = User), (status = 403), (status = 404), (status = 422)))]
pub async fn update_user(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<User>> {
    if !me.actor.is_admin() {
        return Err(ApiError::Forbidden);
    }
    let (patch, _) = record_input(body, schema::USER, Mode::Update)?;
    Ok(Json(
        state
            .store
            .update_user(&me.ctx(), UserId(id), patch)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)),
    request_body(content = Object, description = "{\"password\": \"…\"}; one's own password also needs \"current_password\""),
    responses((status = 204), (status = 403), (status = 404), (status = 422)))]
/// Sets a password: admins for anyone, everyone for themselves. Every
/// session of the user ends.
pub async fn set_password(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    mut body: JsonObject,
) -> Result<StatusCode> {
    let mut invalid = Invalid::default();
    let password = body.take_string("password", &mut invalid);
    let current = body.take_string("current_password", &mut invalid);
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let password = password.ok_or_else(|| Invalid::one("password", Code::Required))?;
    // Changing one's own password takes the current one, so a stolen
    // session or token cannot lock the owner out.
    if me.actor.user_id == UserId(id) {
        let current = current.ok_or_else(|| Invalid::one("current_password", Code::Required))?;
        if !state.store.check_password(UserId(id), &current).await? {
            return Err(ApiError::Invalid(Invalid::one(
                "current_password",
                Code::WrongPassword,
            )));
        }
    }
    state
        .store
        .set_password(Some(&me.ctx()), UserId(id), &password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- teams -----

fn team_name(mut body: JsonObject) -> Result<String> {
    let mut invalid = Invalid::default();
    let name = body.take_string("name", &mut invalid).unwrap_or_default();
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    Ok(name)
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "teams", responses((status = 200, body = Vec<Team>)))]
pub async fn list_teams(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Vec<Team>>> {
    Ok(Json(state.store.teams().await?))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "teams", request_body(content = Object),
    responses((status = 201, body = Team), (status = 403), (status = 422)))]
pub async fn create_team(
    State(state): State<AppState>,
    me: CurrentUser,
    body: JsonObject,
) -> Result<(StatusCode, Json<Team>)> {
    let name = team_name(body)?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_team(&me.ctx(), &name).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)),
    request_body(content = Object), responses((status = 200, body = Team), (status = 404), (status = 422)))]
pub async fn update_team(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    body: JsonObject,
) -> Result<Json<Team>> {
    let name = team_name(body)?;
    Ok(Json(
        state
            .store
            .rename_team(&me.ctx(), TeamId(id), &name)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams", params(("id" = i64, Path)),
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn delete_team(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    state.store.delete_team(&me.ctx(), TeamId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
