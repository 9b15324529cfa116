//! Bulk changes from the customer list, and saving or deleting saved views.

use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::SavedViewId;
use kehu_store::views::SavedView;
use serde_json::{Map, Value};

use crate::extract::JsonObject;
use crate::input::customers::bulk_input;
use crate::pages::{see_other, PageError, Posted};
use crate::AppState;

/// Changes many customers at once: the ticked ones, or every one the
/// filter finds. Each record's change is written to its history.
pub async fn bulk(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let filter_query = fields.get("filter").unwrap_or_default().to_owned();
    // The form as the API's request, so both read it with one parser. Ids
    // that are not numbers stay text, for the parser to refuse.
    let number = |v: &str| {
        v.parse::<i64>()
            .map_or_else(|_| Value::from(v), Value::from)
    };
    let mut body = Map::new();
    if fields.get("scope") == Some("filter") {
        body.insert("filter".into(), Value::String(filter_query.clone()));
    } else {
        body.insert("ids".into(), fields.all("ids").map(number).collect());
    }
    let action = fields.get("action").unwrap_or_default();
    body.insert("action".into(), Value::String(action.into()));
    match action {
        "owner" => match fields.get("owner_id") {
            None => {}
            Some("none") => {
                body.insert("owner_id".into(), Value::Null);
            }
            Some(id) => {
                body.insert("owner_id".into(), number(id));
            }
        },
        "add_tag" | "remove_tag" => {
            let input = if action == "add_tag" {
                "tag"
            } else {
                "tag_remove"
            };
            let tag = fields.get(input).unwrap_or_default();
            body.insert("tag".into(), Value::String(tag.into()));
        }
        "stage" => {
            let stage = fields.get("stage").unwrap_or_default();
            body.insert("stage".into(), Value::String(stage.into()));
        }
        _ => {}
    }
    let (selection, change) = bulk_input(JsonObject(body)).map_err(|_| PageError::BadRequest)?;
    let back = |flash: &str| {
        let mut to = format!("/customers?{filter_query}");
        if !filter_query.is_empty() {
            to.push('&');
        }
        to.push_str(flash);
        see_other(&to)
    };
    match state
        .store
        .bulk_change(&viewer.me.ctx(), selection, change)
        .await
    {
        Ok(outcome) if outcome.changed == 0 => Ok(back("flash=bulk_none")),
        Ok(outcome) => Ok(back(&format!("flash=bulk&n={}", outcome.changed))),
        Err(kehu_store::Error::Invalid(_)) => Err(PageError::BadRequest),
        Err(e) => Err(e.into()),
    }
}

pub async fn save_view(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let query = fields.get("query").unwrap_or_default();
    let columns: Vec<String> = fields
        .get("columns")
        .unwrap_or_default()
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let view: SavedView = state
        .store
        .create_saved_view(
            &viewer.me.ctx(),
            fields.get("name").unwrap_or_default(),
            fields.get("shared").is_some(),
            query,
            &columns,
        )
        .await
        .map_err(|e| match e {
            kehu_store::Error::Invalid(_) => PageError::BadRequest,
            e => e.into(),
        })?;
    Ok(see_other(&format!(
        "/customers?view={}&flash=view_saved",
        view.id
    )))
}

pub async fn delete_view(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    state
        .store
        .delete_saved_view(&posted.viewer.me.ctx(), SavedViewId(id))
        .await?;
    Ok(see_other("/customers?flash=view_deleted"))
}
