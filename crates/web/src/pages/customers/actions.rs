//! Forms posted from the customer page: follow-ups, new contacts and 核对
//! (verifying the record).

use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::entry::{parse_object, parse_object_in, Mode};
use kehu_core::{schema, CustomerId};
use serde_json::{Map, Value};

use super::show::{show_page, Refused};
use crate::error::ApiError;
use crate::pages::form::Values;
use crate::pages::{invalid_of, see_other, PageError, Posted, Viewer};
use crate::AppState;

/// A follow-up from the customer page; a next step with a date becomes a
/// task in the same transaction.
pub async fn follow_up(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let values = Values::from_fields(&fields);
    let mut body = Map::new();
    body.insert("customer_id".into(), Value::from(id));
    for name in ["channel", "content", "next_step"] {
        if let Some(v) = fields.get(name) {
            body.insert(name.into(), Value::String(v.into()));
        }
    }
    // A date alone means "some time that day": due at its end.
    if let Some(date) = fields.get("next_step_at") {
        body.insert(
            "next_step_at".into(),
            Value::String(format!("{date} 23:59")),
        );
    }
    let result = match parse_object(&body, schema::INTERACTION, &[], Mode::Create) {
        Ok(patch) => state
            .store
            .create_interaction(&viewer.me.ctx(), patch)
            .await
            .map(drop)
            .map_err(ApiError::from),
        Err(invalid) => Err(ApiError::Invalid(invalid)),
    };
    let done = "flash=follow_up#timeline";
    answer(&state, &viewer, id, "follow-up", values, result, done).await
}

/// Back to the customer page: with a confirmation when the form's write
/// went through, else with the form's errors next to what was typed.
async fn answer(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    form: &'static str,
    values: Values,
    result: Result<(), ApiError>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!("/customers/{id}?{done}"))),
        Err(e) => {
            let errors = invalid_of(e)?;
            let refused = Refused {
                form,
                values,
                errors: &errors,
            };
            show_page(state, viewer, id, Some(refused), None).await
        }
    }
}

/// A contact person of the customer, added from its page.
pub async fn add_contact(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let Posted { viewer, fields } = posted;
    let mut body = Map::new();
    body.insert("customer_id".into(), Value::from(id));
    for name in ["country", "name", "title", "mobile", "email"] {
        if let Some(v) = fields.get(name) {
            body.insert(name.into(), Value::String(v.into()));
        }
    }
    body.insert(
        "is_primary".into(),
        Value::Bool(fields.get("is_primary").is_some()),
    );
    let home = state
        .store
        .customer_country(&viewer.me.actor, CustomerId(id))
        .await?;
    let result = match parse_object_in(&body, schema::CONTACT, &[], Mode::Create, home) {
        Ok(patch) => state
            .store
            .create_contact(&viewer.me.ctx(), patch)
            .await
            .map(drop)
            .map_err(ApiError::from),
        Err(invalid) => Err(ApiError::Invalid(invalid)),
    };
    let values = Values::from_fields(&fields);
    let done = "flash=contact_added#contacts-h";
    answer(&state, &viewer, id, "contact", values, result, done).await
}

pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    state
        .store
        .verify_customer(&posted.viewer.me.ctx(), CustomerId(id))
        .await?;
    Ok(see_other(&format!("/customers/{id}?flash=verified")))
}
