//! A draft order's form: new, edit, and saving it (create, update), with
//! the customer picker, the catalogue for its lines, and how a posted form
//! is read and a refusal turned into field errors.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::entry::{parse_object, Mode};
use kehu_core::order::{parse_lines, OrderStatus};
use kehu_core::{schema, CustomerId, FieldError, Invalid, OrderId};
use kehu_store::customers::Customer;
use kehu_store::list::CustomerFilter;
use kehu_store::orders::Order;
use kehu_store::products::{Product, ProductFilter};
use serde_json::{Map, Value};

use super::lines::{line_errors, posted_lines, LineRow};
use crate::extract::QueryPairs;
use crate::pages::frame::{local, now_ms, Frame, Section};
use crate::pages::{param, render_refused, see_other, Errors, PageError, Posted, Viewer};
use crate::AppState;

#[derive(Template)]
#[template(path = "orders/form.html")]
struct FormPage {
    f: Frame,
    /// The order being edited; `None` for a new one.
    order: Option<Order>,
    customer: Option<Customer>,
    /// Customers found by `q`, to pick one for a new order.
    found: Vec<Customer>,
    q: String,
    products: Vec<Product>,
    lines: Vec<LineRow>,
    external_ref: String,
    ordered_on: String,
    notes: String,
    errors: Errors,
    pick_action: &'static str,
}

/// What a new or edited order's form was filled with.
struct Typed {
    lines: Vec<LineRow>,
    external_ref: String,
    ordered_on: String,
    notes: String,
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    order: Option<Order>,
    customer_id: Option<i64>,
    q: String,
    mut typed: Typed,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let t = viewer.t();
    let (customer, found) = pick_customer(state, viewer, customer_id, &q).await?;
    let products = catalogue(state).await?;
    line_errors(t, &mut typed.lines, errors);
    let errors = Errors::new(t, errors);
    let title = match &order {
        Some(o) => format!("{} {}", t.s("orders.edit"), o.number),
        None => t.s("orders.new").to_owned(),
    };
    let refused = !errors.is_empty();
    let view = FormPage {
        f: Frame::new(state, viewer, Section::Orders, title).await?,
        order,
        customer,
        found,
        q,
        products,
        lines: typed.lines,
        external_ref: typed.external_ref,
        ordered_on: typed.ordered_on,
        notes: typed.notes,
        errors,
        pick_action: "/orders/new",
    };
    render_refused(&view, refused)
}

/// The customer an order (or opportunity) is for, or the customers found
/// by `q` to pick one from.
pub(crate) async fn pick_customer(
    state: &AppState,
    viewer: &Viewer,
    customer_id: Option<i64>,
    q: &str,
) -> Result<(Option<Customer>, Vec<Customer>), PageError> {
    let actor = &viewer.me.actor;
    if let Some(id) = customer_id {
        return Ok((
            Some(state.store.customer(actor, CustomerId(id)).await?),
            Vec::new(),
        ));
    }
    if q.trim().is_empty() {
        return Ok((None, Vec::new()));
    }
    let mut filter = CustomerFilter::default();
    filter.q = Some(q.to_owned());
    filter.limit = 20;
    Ok((
        None,
        state.store.list_customers(actor, &filter).await?.items,
    ))
}

/// The active catalogue, for the line rows' product choice.
pub(crate) async fn catalogue(state: &AppState) -> Result<Vec<Product>, PageError> {
    let filter = ProductFilter {
        limit: kehu_store::products::MAX_PAGE,
        ..Default::default()
    };
    Ok(state.store.products(&filter).await?.0)
}

pub async fn new(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let customer_id = param(&params, "customer_id").and_then(|v| v.parse().ok());
    let q = param(&params, "q").unwrap_or_default().to_owned();
    let typed = Typed {
        lines: Vec::new(),
        external_ref: String::new(),
        ordered_on: local(now_ms()).format("%Y-%m-%d").to_string(),
        notes: String::new(),
    };
    form_page(&state, &viewer, None, customer_id, q, typed, &[]).await
}

pub async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let order = state.store.order(&viewer.me.actor, OrderId(id)).await?;
    if order.status != OrderStatus::Draft.as_str() {
        return Ok(see_other(&format!("/orders/{id}")));
    }
    let typed = Typed {
        lines: order.lines.iter().map(LineRow::of).collect(),
        external_ref: order.external_ref.clone().unwrap_or_default(),
        ordered_on: order.ordered_on.clone().unwrap_or_default(),
        notes: order.notes.clone().unwrap_or_default(),
    };
    let customer = order.customer_id;
    form_page(
        &state,
        &viewer,
        Some(order),
        Some(customer),
        String::new(),
        typed,
        &[],
    )
    .await
}

/// An order's own fields from a form, as the API reads them.
pub(crate) fn order_fields(posted: &Posted, names: &[&str]) -> Map<String, Value> {
    let mut body = Map::new();
    for name in names {
        let value = posted
            .fields
            .get(name)
            .map(Value::from)
            .unwrap_or(Value::Null);
        body.insert((*name).to_owned(), value);
    }
    body
}

/// Reads a posted order form: its fields, its lines, and every error of both.
fn read_form(
    posted: &Posted,
    mode: Mode,
) -> (
    Typed,
    Result<(kehu_core::entry::Patch, Vec<kehu_core::order::LineInput>), Invalid>,
) {
    let (rows, json) = posted_lines(posted);
    let mut names = vec!["external_ref", "ordered_on", "notes"];
    if mode == Mode::Create {
        names.push("customer_id");
    }
    let fields = order_fields(posted, &names);
    let typed = Typed {
        lines: rows,
        external_ref: posted
            .fields
            .get("external_ref")
            .unwrap_or_default()
            .to_owned(),
        ordered_on: posted
            .fields
            .get("ordered_on")
            .unwrap_or_default()
            .to_owned(),
        notes: posted.fields.get("notes").unwrap_or_default().to_owned(),
    };
    let mut invalid = Invalid::default();
    let patch = parse_object(&fields, schema::ORDER, &[], mode).map_err(|e| invalid.0.extend(e.0));
    let lines = parse_lines(&json).map_err(|e| invalid.0.extend(e));
    let result = match (patch, lines) {
        (Ok(p), Ok(l)) => Ok((p, l)),
        _ => Err(invalid),
    };
    (typed, result)
}

/// The field errors of a refusal; anything else is a failure to show.
pub(crate) fn field_errors(e: kehu_store::Error) -> Result<Vec<FieldError>, PageError> {
    match e {
        kehu_store::Error::Invalid(invalid) => Ok(invalid.0),
        e => Err(e.into()),
    }
}

pub async fn create(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let customer_id = posted
        .fields
        .get("customer_id")
        .and_then(|v| v.parse().ok());
    let (typed, input) = read_form(&posted, Mode::Create);
    let result = match input {
        Ok((patch, lines)) => {
            state
                .store
                .create_order(&posted.viewer.me.ctx(), patch, lines)
                .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(order) => Ok(see_other(&format!(
            "/orders/{}?flash=order_created",
            order.id
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
    let (typed, input) = read_form(&posted, Mode::Update);
    let version = posted.fields.get("version").and_then(|v| v.parse().ok());
    let result = match input {
        Ok((patch, lines)) => {
            state
                .store
                .update_order(
                    &posted.viewer.me.ctx(),
                    OrderId(id),
                    patch,
                    Some(lines),
                    version,
                )
                .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/orders/{id}?flash=saved"))),
        Err(kehu_store::Error::Conflict(_)) => {
            Ok(see_other(&format!("/orders/{id}?flash=order_changed")))
        }
        Err(e) => {
            let errors = field_errors(e)?;
            let order = state
                .store
                .order(&posted.viewer.me.actor, OrderId(id))
                .await?;
            let customer = order.customer_id;
            form_page(
                &state,
                &posted.viewer,
                Some(order),
                Some(customer),
                String::new(),
                typed,
                &errors,
            )
            .await
        }
    }
}
