//! The opportunity form: new and edit, read and checked as the API does.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::entry::{parse_object, Mode};
use kehu_core::opportunity::parse_probability;
use kehu_core::order::parse_lines;
use kehu_core::{schema, FieldError, Invalid, OpportunityId};
use kehu_store::customers::Customer;
use kehu_store::opportunities::Opportunity;
use kehu_store::products::Product;
use serde_json::Value;

use super::{pipeline_label, stage_label};
use crate::extract::QueryPairs;
use crate::input::opportunities::OpportunityInput;
use crate::pages::customers::{user_choices, Choice};
use crate::pages::frame::{Frame, Section};
use crate::pages::orders::{
    catalogue, field_errors, line_errors, order_fields, pick_customer, posted_lines, LineRow,
};
use crate::pages::{render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "opportunities/form.html")]
struct FormPage {
    f: Frame,
    opportunity: Option<Opportunity>,
    customer: Option<Customer>,
    found: Vec<Customer>,
    q: String,
    products: Vec<Product>,
    lines: Vec<LineRow>,
    stages: Vec<Choice>,
    /// Whom a manager may give it to (editing only).
    owners: Vec<Choice>,
    typed: serde_json::Map<String, Value>,
    errors: Errors,
    pick_action: &'static str,
}

impl FormPage {
    fn typed(&self, name: &str) -> String {
        match self.typed.get(name) {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }
}

/// The fields of the opportunity form. Its name is posted as
/// `opportunity_name`: the line rows have names of their own.
const FIELDS: [&str; 7] = [
    "opportunity_name",
    "amount",
    "expected_close",
    "probability",
    "stage_id",
    "source",
    "notes",
];

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    opportunity: Option<Opportunity>,
    customer_id: Option<i64>,
    q: String,
    typed: serde_json::Map<String, Value>,
    mut lines: Vec<LineRow>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let t = viewer.t();
    let (customer, found) = pick_customer(state, viewer, customer_id, &q).await?;
    line_errors(t, &mut lines, errors);
    let pipelines = state.store.pipelines().await?;
    let chosen = match typed.get("stage_id") {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let stages = pipelines
        .iter()
        .flat_map(|p| {
            let name = pipeline_label(t, p);
            p.stages
                .iter()
                .filter(|s| s.active && s.outcome == "open")
                .map(move |s| (name.clone(), s.clone()))
        })
        .map(|(pipeline, s)| Choice {
            value: s.id.to_string(),
            label: format!("{pipeline} · {} ({}%)", stage_label(t, &s), s.probability),
            selected: chosen == s.id.to_string(),
        })
        .collect();
    let title = match &opportunity {
        Some(o) => format!("{} {}", t.s("common.edit"), o.name),
        None => t.s("opps.new").to_owned(),
    };
    let refused = !errors.is_empty();
    let owners = match &opportunity {
        Some(o) if viewer.me.actor.may_assign_owner() => user_choices(state, o.owner_id).await?,
        _ => Vec::new(),
    };
    let view = FormPage {
        f: Frame::new(state, viewer, Section::Opportunities, title).await?,
        owners,
        opportunity,
        customer,
        found,
        q,
        products: catalogue(state).await?,
        lines,
        stages,
        typed,
        errors: Errors::new(t, errors),
        pick_action: "/opportunities/new",
    };
    render_refused(&view, refused)
}

pub async fn new(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let customer_id = crate::pages::param(&params, "customer_id").and_then(|v| v.parse().ok());
    let q = crate::pages::param(&params, "q")
        .unwrap_or_default()
        .to_owned();
    form_page(
        &state,
        &viewer,
        None,
        customer_id,
        q,
        Default::default(),
        Vec::new(),
        &[],
    )
    .await
}

pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let o = state
        .store
        .opportunity(&viewer.me.actor, OpportunityId(id))
        .await?;
    let mut typed = serde_json::Map::new();
    let text = |s: &str| Value::from(s);
    typed.insert("name".into(), text(&o.name));
    typed.insert("amount".into(), text(&o.amount.0.to_string()));
    typed.insert(
        "expected_close".into(),
        text(o.expected_close.as_deref().unwrap_or_default()),
    );
    typed.insert("probability".into(), text(&o.probability.to_string()));
    typed.insert(
        "source".into(),
        text(o.source.as_deref().unwrap_or_default()),
    );
    typed.insert("notes".into(), text(o.notes.as_deref().unwrap_or_default()));
    let lines = o.lines.iter().map(LineRow::of).collect();
    let customer = o.customer_id;
    form_page(
        &state,
        &viewer,
        Some(o),
        Some(customer),
        String::new(),
        typed,
        lines,
        &[],
    )
    .await
}

/// The form's values as the API reads them, what was typed, and every error.
fn read_form(
    posted: &Posted,
    mode: Mode,
) -> (
    serde_json::Map<String, Value>,
    Vec<LineRow>,
    Result<OpportunityInput, Invalid>,
) {
    let mut names: Vec<&str> = FIELDS.to_vec();
    if mode == Mode::Create {
        names.push("customer_id");
    } else {
        names.retain(|n| *n != "stage_id");
    }
    if posted.fields.get("owner_id").is_some() {
        names.push("owner_id");
    }
    let mut fields = order_fields(posted, &names);
    if let Some(Value::String(owner)) = fields.get("owner_id").cloned() {
        let id = owner
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::from(owner));
        fields.insert("owner_id".into(), id);
    }
    if let Some(name) = fields.remove("opportunity_name") {
        fields.insert("name".into(), name);
    }
    let typed = fields.clone();
    let (rows, json) = posted_lines(posted);
    let mut invalid = Invalid::default();
    let probability = match fields.remove("probability") {
        Some(Value::String(p)) => invalid.check("probability", parse_probability(&Value::from(p))),
        _ => None,
    };
    if let Some(Value::String(stage)) = fields.get("stage_id").cloned() {
        fields.insert(
            "stage_id".into(),
            stage
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::from(stage)),
        );
    }
    if let Some(Value::String(customer)) = fields.get("customer_id").cloned() {
        fields.insert(
            "customer_id".into(),
            customer
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::from(customer)),
        );
    }
    let patch =
        parse_object(&fields, schema::OPPORTUNITY, &[], mode).map_err(|e| invalid.0.extend(e.0));
    let lines = if rows.is_empty() {
        Ok(if mode == Mode::Update {
            Some(Vec::new())
        } else {
            None
        })
    } else {
        parse_lines(&json)
            .map(Some)
            .map_err(|e| invalid.0.extend(e))
    };
    let result = match (patch, lines) {
        (Ok(patch), Ok(lines)) if invalid.0.is_empty() => Ok(OpportunityInput {
            patch,
            probability,
            lines,
            version: posted.fields.get("version").and_then(|v| v.parse().ok()),
        }),
        _ => Err(invalid),
    };
    (typed, rows, result)
}

pub async fn create(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let customer_id = posted
        .fields
        .get("customer_id")
        .and_then(|v| v.parse().ok());
    let (typed, rows, input) = read_form(&posted, Mode::Create);
    let result = match input {
        Ok(i) => {
            state
                .store
                .create_opportunity(&posted.viewer.me.ctx(), i.patch, i.probability, i.lines)
                .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(o) => Ok(see_other(&format!(
            "/opportunities/{}?flash=opportunity_created",
            o.id
        ))),
        Err(e) => {
            let errors = field_errors(e)?;
            form_page(
                &state,
                &posted.viewer,
                None,
                customer_id,
                String::new(),
                typed,
                rows,
                &errors,
            )
            .await
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let (typed, rows, input) = read_form(&posted, Mode::Update);
    let result = match input {
        Ok(i) => {
            state
                .store
                .update_opportunity(
                    &posted.viewer.me.ctx(),
                    OpportunityId(id),
                    i.patch,
                    i.probability,
                    i.lines,
                    i.version,
                )
                .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/opportunities/{id}?flash=saved"))),
        Err(kehu_store::Error::Conflict(_)) => Ok(see_other(&format!(
            "/opportunities/{id}?flash=opportunity_changed"
        ))),
        Err(e) => {
            let errors = field_errors(e)?;
            let o = state
                .store
                .opportunity(&posted.viewer.me.actor, OpportunityId(id))
                .await?;
            let customer = o.customer_id;
            form_page(
                &state,
                &posted.viewer,
                Some(o),
                Some(customer),
                String::new(),
                typed,
                rows,
                &errors,
            )
            .await
        }
    }
}
