//! Entering a lead by hand: the form, and creating the lead from it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::entry::{parse_object_in, Mode};
use kehu_core::{schema, FieldError};
use kehu_store::leads::Assign;
use serde_json::{Map, Value};

use crate::pages::frame::{Frame, Section};
use crate::pages::orders::{field_errors, order_fields};
use crate::pages::{render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "leads/new.html")]
struct NewPage {
    f: Frame,
    typed: Map<String, Value>,
    errors: Errors,
    /// Every country, the lead's (or the instance's default) chosen.
    countries: Vec<crate::pages::customers::Choice>,
}

impl NewPage {
    fn typed(&self, name: &str) -> String {
        match self.typed.get(name) {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }
}

const LEAD_FIELDS: [&str; 10] = [
    "name", "company", "title", "mobile", "phone", "email", "province", "city", "source",
    "campaign",
];

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    typed: Map<String, Value>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let t = viewer.t();
    let chosen = match typed.get("country") {
        Some(Value::String(code)) if !code.is_empty() => code.clone(),
        _ => state.store.default_country().await?.code().to_owned(),
    };
    let mut countries = crate::pages::form::country_choices(t);
    for c in &mut countries {
        c.selected = c.value == chosen;
    }
    let view = NewPage {
        f: Frame::new(state, viewer, Section::Leads, t.s("leads.new")).await?,
        typed,
        errors: Errors::new(t, errors),
        countries,
    };
    render_refused(&view, !errors.is_empty())
}

pub async fn new(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    new_page(&state, &viewer, Map::new(), &[]).await
}

pub async fn create(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let mut names = LEAD_FIELDS.to_vec();
    names.extend(["country", "message"]);
    let fields = order_fields(&posted, &names);
    let home = state.store.default_country().await?;
    let result = match parse_object_in(&fields, schema::LEAD, &[], Mode::Create, home) {
        Ok(patch) => {
            state
                .store
                .capture_lead(&posted.viewer.me.ctx(), patch, Assign::AsGiven)
                .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(lead) => Ok(see_other(&format!("/leads/{}?flash=lead_created", lead.id))),
        Err(e) => {
            let errors = field_errors(e)?;
            new_page(&state, &posted.viewer, fields, &errors).await
        }
    }
}
