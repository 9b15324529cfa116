//! `/api/v1/merges`: merging duplicate customers, the default plan of a
//! merge, undoing one, and pairs marked as not duplicates.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::Json;
use kehu_core::{Code, ContactId, CustomerId, Invalid};
use kehu_store::contact_merge::{ContactMerge, ContactMergeRequest, UndoContactMerge};
use kehu_store::merge::{Merge, MergePlan, MergeRequest, UndoMerge};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, Result};
use crate::extract::{CurrentUser, JsonObject};
use crate::AppState;

/// `keep`: per field, the record whose value a merge keeps.
fn keep_of(body: &mut JsonObject, invalid: &mut Invalid) -> BTreeMap<String, CustomerId> {
    let mut choose = BTreeMap::new();
    match body.take("keep") {
        None | Some(Value::Null) => {}
        Some(Value::Object(keep)) => {
            for (field, id) in keep {
                match id.as_i64() {
                    Some(id) => {
                        choose.insert(field, CustomerId(id));
                    }
                    None => invalid.push(format!("keep.{field}"), Code::WrongType),
                }
            }
        }
        Some(_) => invalid.push("keep", Code::WrongType),
    }
    choose
}

/// The `ids` every merge request names.
fn required_ids(body: &mut JsonObject, invalid: &mut Invalid) -> Vec<CustomerId> {
    let ids = body.take_ids("ids", invalid);
    if ids.is_none() && invalid.is_empty() {
        invalid.push("ids", Code::Required);
    }
    ids.unwrap_or_default()
}

#[utoipa::path(post, path = "/api/v1/merges", tag = "customers",
    request_body(content = Object, description = "`{\"ids\": [survivor, other, …], \"keep\": {\"title\": other, \"custom.level\": survivor}}`: the first id stays; `keep` names, per field, the record whose value is kept (other fields: the most recently verified record's, else the most complete's, else the newest's)"),
    responses((status = 201, body = Merge), (status = 403), (status = 404), (status = 422)))]
/// Merges duplicate customers into the first one.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<Merge>)> {
    let mut invalid = Invalid::default();
    let ids = required_ids(&mut body, &mut invalid);
    let choose = keep_of(&mut body, &mut invalid);
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let merge = state
        .store
        .merge_customers(&me.ctx(), &MergeRequest::manual(&ids, choose))
        .await?;
    Ok((StatusCode::CREATED, Json(merge)))
}

#[derive(Deserialize)]
pub struct PlanQuery {
    ids: String,
}

#[utoipa::path(get, path = "/api/v1/merges/plan", tag = "customers",
    params(("ids" = String, Query, description = "Comma-separated customer ids")),
    responses((status = 200, body = MergePlan), (status = 404), (status = 422)))]
/// What merging these customers would keep, field by field, by default.
pub async fn plan(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(query): Query<PlanQuery>,
) -> Result<Json<MergePlan>> {
    let ids: Option<Vec<CustomerId>> = query
        .ids
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<i64>()
                .ok()
                .filter(|i| *i > 0)
                .map(CustomerId)
        })
        .collect();
    let ids = ids.ok_or_else(|| Invalid::one("ids", Code::WrongType))?;
    Ok(Json(state.store.merge_plan(&me.actor, &ids).await?))
}

#[utoipa::path(get, path = "/api/v1/merges/{id}", tag = "customers",
    params(("id" = i64, Path)),
    responses((status = 200, body = Merge), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Merge>> {
    Ok(Json(state.store.merge(&me.actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/merges/{id}/undo", tag = "customers",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "`{\"force\": true}` undoes even though the survivor was changed after the merge"),
    responses((status = 200, body = UndoMerge, description = "Undone"),
              (status = 409, description = "`survivor_changed` (retry with force), `survivor_gone` or `already_undone`"),
              (status = 404)))]
/// Takes a merge back: both records as they were, everything moved back.
pub async fn undo(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Json<UndoMerge>> {
    let force = super::force_flag(req, &state).await?;
    let undo = state.store.undo_merge(&me.ctx(), id, force).await?;
    if undo.done {
        Ok(Json(undo))
    } else {
        Err(ApiError::Conflict("survivor_changed"))
    }
}

#[utoipa::path(post, path = "/api/v1/not-duplicates", tag = "customers",
    request_body(content = Object, description = "`{\"ids\": [a, b]}`: these two are different customers; never propose them as duplicates again"),
    responses((status = 204), (status = 404), (status = 422)))]
pub async fn not_duplicate(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<StatusCode> {
    let mut invalid = Invalid::default();
    let ids = required_ids(&mut body, &mut invalid);
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let [a, b] = ids[..] else {
        return Err(Invalid::one("ids", Code::WrongType).into());
    };
    state.store.mark_not_duplicate(&me.ctx(), a, b).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/contact-merges", tag = "contacts",
    request_body(content = Object, description = "`{\"ids\": [survivor, other, …], \"keep\": {\"title\": other}}`: contacts of one customer; the first stays; `keep` names, per field (name, title, mobile, phone, email, notes), the contact whose value is kept"),
    responses((status = 201, body = ContactMerge), (status = 403), (status = 404), (status = 422)))]
/// Merges duplicate contacts of one customer into the first one.
pub async fn create_contact_merge(
    State(state): State<AppState>,
    me: CurrentUser,
    mut body: JsonObject,
) -> Result<(StatusCode, Json<ContactMerge>)> {
    let mut invalid = Invalid::default();
    let ids = required_ids(&mut body, &mut invalid);
    let choose = keep_of(&mut body, &mut invalid);
    body.refuse_rest(&mut invalid);
    invalid.into_result()?;
    let request = ContactMergeRequest {
        survivor: ContactId(ids.first().map_or(0, |c| c.get())),
        merged: ids.iter().skip(1).map(|c| ContactId(c.get())).collect(),
        choose: choose
            .into_iter()
            .map(|(f, c)| (f, ContactId(c.get())))
            .collect(),
    };
    let merge = state.store.merge_contacts(&me.ctx(), &request).await?;
    Ok((StatusCode::CREATED, Json(merge)))
}

#[utoipa::path(get, path = "/api/v1/contact-merges/{id}", tag = "contacts",
    params(("id" = i64, Path)),
    responses((status = 200, body = ContactMerge), (status = 404)))]
pub async fn get_contact_merge(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<ContactMerge>> {
    Ok(Json(state.store.contact_merge(&me.ctx(), id).await?))
}

#[utoipa::path(post, path = "/api/v1/contact-merges/{id}/undo", tag = "contacts",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "`{\"force\": true}` undoes even though the contact that stayed was changed after the merge"),
    responses((status = 200, body = UndoContactMerge), (status = 409, description = "`survivor_changed` (retry with force), `survivor_gone` or `already_undone`"), (status = 404)))]
pub async fn undo_contact_merge(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<i64>,
    req: Request,
) -> Result<Json<UndoContactMerge>> {
    let force = super::force_flag(req, &state).await?;
    let undo = state.store.undo_contact_merge(&me.ctx(), id, force).await?;
    if undo.done {
        Ok(Json(undo))
    } else {
        Err(ApiError::Conflict("survivor_changed"))
    }
}
