//! The order pages (订单): the list, a draft's form with its lines, and the
//! order page that takes it step by step through payment (回款), shipment
//! (发货) and delivery. Every form goes through the store's own checks;
//! a refused one is shown again with what was typed and why.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::entry::{parse_object, Mode, Spec};
use kehu_core::order::{parse_lines, OrderStatus};
use kehu_core::{schema, CustomerId, FieldError, Invalid, OrderId};
use kehu_store::customers::Customer;
use kehu_store::list::CustomerFilter;
use kehu_store::orders::{Order, OrderFilter, Step};
use kehu_store::products::{Product, ProductFilter};
use serde_json::{Map, Value};

use super::customers::{choices, flash, Choice, People};
use super::frame::{local, now_ms, Frame, Section};
use super::{render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::extract::QueryPairs;
use crate::AppState;

/// Orders one page of the list shows.
const PER_PAGE: i64 = 50;
/// Blank line rows a new order's form offers.
const BLANK_ROWS: usize = 5;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list).post(create))
        .route("/orders/new", get(new))
        .route("/orders/{id}", get(show).post(update))
        .route("/orders/{id}/edit", get(edit))
        .route("/orders/{id}/payments", post(pay))
        .route("/orders/{id}/step/{step}", post(step))
}

/// An order as a row of a list.
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub status: String,
    pub status_label: &'static str,
    pub total: String,
    pub paid: String,
    pub created: String,
    pub owner: String,
}

fn status_of(o: &Order) -> OrderStatus {
    OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Draft)
}

pub(super) fn rows(t: T, orders: &[Order], people: &People) -> Vec<OrderRow> {
    orders
        .iter()
        .map(|o| OrderRow {
            id: o.id,
            number: o.number.clone(),
            customer_id: o.customer_id,
            customer_name: o.customer_name.clone(),
            status: o.status.clone(),
            status_label: status_of(o).label(t.0),
            total: o.total.0.to_string(),
            paid: o.paid.0.to_string(),
            created: t.time(o.created_at.0),
            owner: people.name(t, o.owner_id),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    f: Frame,
    orders: Vec<OrderRow>,
    statuses: Vec<Choice>,
    /// The link to the next page, if there may be one.
    more: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| super::param(&params, k).filter(|v| !v.is_empty());
    let status = get("status").and_then(|s| OrderStatus::parse(s).ok());
    let filter = OrderFilter {
        status,
        before: get("before").and_then(|b| b.parse().ok()),
        limit: PER_PAGE,
        ..Default::default()
    };
    let orders = state.store.orders(&viewer.me.actor, &filter).await?;
    let people = People::new(&state.store.users().await?);
    let status_value = status.map(|s| s.as_str()).unwrap_or_default();
    let more = (orders.len() as i64 == PER_PAGE)
        .then(|| orders.last())
        .flatten()
        .map(|o| format!("/orders?status={status_value}&before={}", o.id));
    let mut statuses = vec![Choice {
        value: String::new(),
        label: t.s("orders.all_statuses").to_owned(),
        selected: status.is_none(),
    }];
    statuses.extend(OrderStatus::ALL.iter().map(|s| Choice {
        value: s.as_str().to_owned(),
        label: s.label(t.0).to_owned(),
        selected: Some(*s) == status,
    }));
    let view = ListPage {
        f: Frame::new(&state, &viewer, Section::Orders, t.s("nav.orders"))
            .await?
            .with_flash(flash(t, &params)),
        orders: rows(t, &orders, &people),
        statuses,
        more,
    };
    super::render(&view)
}

/// One line row of the form, as typed.
#[derive(Default, Clone)]
pub struct LineRow {
    pub product_id: String,
    pub name: String,
    pub unit: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub error: String,
}

const LINE_FIELDS: [&str; 6] = [
    "product_id",
    "name",
    "unit",
    "quantity",
    "unit_price",
    "discount",
];

impl LineRow {
    /// A stored line, to edit.
    pub fn of(l: &kehu_store::orders::OrderLine) -> LineRow {
        LineRow {
            product_id: l.product_id.map(|p| p.to_string()).unwrap_or_default(),
            name: l.name.clone(),
            unit: l.unit.clone().unwrap_or_default(),
            quantity: l.quantity.clone(),
            unit_price: l.unit_price.0.to_string(),
            discount: match l.discount.0 {
                Some(kehu_core::order::Discount::Percent(p)) => format!("{p}%"),
                Some(kehu_core::order::Discount::Amount(a)) => a.to_string(),
                None => String::new(),
            },
            error: String::new(),
        }
    }

    /// Whether the row names catalogue product `id`.
    pub fn is(&self, id: i64) -> bool {
        self.product_id == id.to_string()
    }

    fn get(&self, field: &str) -> &str {
        match field {
            "product_id" => &self.product_id,
            "name" => &self.name,
            "unit" => &self.unit,
            "quantity" => &self.quantity,
            "unit_price" => &self.unit_price,
            _ => &self.discount,
        }
    }

    fn is_blank(&self) -> bool {
        LINE_FIELDS.iter().all(|f| self.get(f).trim().is_empty())
    }
}

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
pub(super) async fn pick_customer(
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
pub(super) async fn catalogue(state: &AppState) -> Result<Vec<Product>, PageError> {
    let filter = ProductFilter {
        limit: kehu_store::products::MAX_PAGE,
        ..Default::default()
    };
    Ok(state.store.products(&filter).await?.0)
}

/// Puts each `lines[i].field` error on its row, named by its column, and
/// pads the rows with blank ones to type into.
pub(super) fn line_errors(t: T, rows: &mut Vec<LineRow>, errors: &[FieldError]) {
    for (i, row) in rows.iter_mut().enumerate() {
        let prefix = format!("lines[{i}].");
        row.error = errors
            .iter()
            .filter_map(|e| {
                let field = e.field.strip_prefix(&prefix)?;
                let label = match field {
                    "product_id" => t.s("orders.product"),
                    "unit" => t.s("products.unit"),
                    "quantity" => t.s("orders.quantity"),
                    "unit_price" => t.s("products.price"),
                    "discount" => t.s("orders.discount"),
                    _ => t.s("field.name"),
                };
                Some(format!("{label}: {}", e.code.message(t.0)))
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    while rows.len() < BLANK_ROWS {
        rows.push(LineRow::default());
    }
}

pub async fn new(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let customer_id = super::param(&params, "customer_id").and_then(|v| v.parse().ok());
    let q = super::param(&params, "q").unwrap_or_default().to_owned();
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

/// Every value of `name`, blanks included, in the order they were posted:
/// line rows are told apart by position.
fn column(posted: &Posted, name: &str) -> Vec<String> {
    posted
        .fields
        .0
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The line rows of a posted form, and the JSON lines of its non-blank
/// rows (which rows they are, for errors). A row that names a product sends
/// only what was typed over the catalogue.
pub(super) fn posted_lines(posted: &Posted) -> (Vec<LineRow>, Value) {
    let columns: Vec<Vec<String>> = LINE_FIELDS.iter().map(|f| column(posted, f)).collect();
    let n = columns.iter().map(Vec::len).max().unwrap_or(0);
    let cell = |c: usize, i: usize| columns[c].get(i).cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for i in 0..n {
        rows.push(LineRow {
            product_id: cell(0, i),
            name: cell(1, i),
            unit: cell(2, i),
            quantity: cell(3, i),
            unit_price: cell(4, i),
            discount: cell(5, i),
            error: String::new(),
        });
    }
    rows.retain(|r| !r.is_blank());
    let json = rows
        .iter()
        .map(|row| {
            let mut line = Map::new();
            for field in LINE_FIELDS {
                let value = row.get(field).trim();
                if value.is_empty() {
                    continue;
                }
                let value = match field {
                    "product_id" => value
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or(Value::from(value)),
                    _ => Value::from(value),
                };
                line.insert(field.to_owned(), value);
            }
            Value::Object(line)
        })
        .collect();
    (rows, Value::Array(json))
}

/// An order's own fields from a form, as the API reads them.
pub(super) fn order_fields(posted: &Posted, names: &[&str]) -> Map<String, Value> {
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
pub(super) fn field_errors(e: kehu_store::Error) -> Result<Vec<FieldError>, PageError> {
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

/// What the order page shows of one payment.
pub struct PaymentRow {
    pub amount: String,
    pub method: String,
    pub paid_on: String,
    pub reference: String,
    pub who: String,
}

/// One line of the order's history.
pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "orders/show.html")]
struct ShowPage {
    f: Frame,
    o: Order,
    status_label: &'static str,
    payments: Vec<PaymentRow>,
    history: Vec<HistoryRow>,
    methods: Vec<Choice>,
    may_write: bool,
    /// Which steps the order's status allows now.
    can: Vec<&'static str>,
    /// The form posted here and refused, what was typed and why.
    posted: &'static str,
    typed: Map<String, Value>,
    errors: Errors,
    /// A refused step, said in words.
    refusal: Option<String>,
    today: String,
}

impl ShowPage {
    fn is_posted(&self, form: &str) -> bool {
        self.posted == form
    }

    fn can(&self, step: &str) -> bool {
        self.can.contains(&step)
    }

    fn typed(&self, form: &str, name: &str) -> String {
        if self.posted != form {
            return String::new();
        }
        match self.typed.get(name) {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    }

    fn error(&self, form: &str, name: &str) -> String {
        if self.posted == form {
            self.errors.of(name)
        } else {
            String::new()
        }
    }
}

/// How a refused form comes back to the order page.
struct Refused {
    form: &'static str,
    typed: Map<String, Value>,
    errors: Vec<FieldError>,
    message: Option<String>,
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    id: i64,
    refused: Option<Refused>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let o = state.store.order(&viewer.me.actor, OrderId(id)).await?;
    let people = People::new(&state.store.users().await?);
    let status = status_of(&o);
    let paid_anything = !o.paid.0.amount().is_zero();
    let mut can: Vec<&'static str> = kehu_core::order::OrderEvent::NAMED
        .iter()
        .filter(|e| status.after(**e, paid_anything).is_some())
        .map(|e| e.as_str())
        .collect();
    if status == OrderStatus::Confirmed {
        can.push("pay");
    }
    let history = state
        .store
        .order_history(&viewer.me.actor, OrderId(id), 200)
        .await?
        .into_iter()
        // When each status was reached is its status row's time.
        .filter(|h| !h.field.ends_with("_at"))
        .map(|h| HistoryRow {
            when: t.time(h.at.0),
            who: people.name(t, h.actor_id),
            what: history_text(t, &h.field, h.old_value.as_deref(), h.new_value.as_deref()),
        })
        .collect();
    let payments = o
        .payments
        .iter()
        .map(|p| PaymentRow {
            amount: p.amount.0.to_string(),
            method: t.choice("payment_method", &p.method),
            paid_on: p.paid_on.clone(),
            reference: p.reference.clone().unwrap_or_default(),
            who: people.name(t, p.created_by),
        })
        .collect();
    let refused = refused.unwrap_or(Refused {
        form: "",
        typed: Map::new(),
        errors: Vec::new(),
        message: None,
    });
    let failed = !refused.errors.is_empty() || refused.message.is_some();
    let method = match refused.typed.get("method") {
        Some(Value::String(m)) => m.clone(),
        _ => "bank_transfer".to_owned(),
    };
    let view = ShowPage {
        f: Frame::new(state, viewer, Section::Orders, o.number.clone())
            .await?
            .with_flash(flash(t, params)),
        status_label: status.label(t.0),
        payments,
        history,
        methods: choices(schema::PAYMENT_METHODS, t, "payment_method", &method),
        may_write: viewer.me.actor.may_write_records(),
        can,
        posted: refused.form,
        typed: refused.typed,
        errors: Errors::new(t, &refused.errors),
        refusal: refused.message,
        today: local(now_ms()).format("%Y-%m-%d").to_string(),
        o,
    };
    render_refused(&view, failed)
}

/// A history row of an order in words.
fn history_text(t: T, field: &str, old: Option<&str>, new: Option<&str>) -> String {
    let status = |s: Option<&str>| {
        s.and_then(|s| OrderStatus::parse(s).ok())
            .map(|s| s.label(t.0).to_owned())
            .unwrap_or_default()
    };
    match field {
        "created" => t.s("orders.h.created").to_owned(),
        "status" => format!(
            "{}: {} → {}",
            t.s("orders.status"),
            status(old),
            status(new)
        ),
        "payment" => {
            // "5040.00 CNY alipay": the amount, then the method.
            let new = new.unwrap_or_default();
            let (amount, method) = new.rsplit_once(' ').unwrap_or((new, ""));
            let method = t.choice("payment_method", method);
            format!("{}: {amount} · {method}", t.s("orders.payment"))
        }
        "lines" => format!("{}: {}", t.s("orders.lines"), new.unwrap_or_default()),
        other => format!(
            "{}: {} → {}",
            t.choice("orders.field", other),
            old.unwrap_or("—"),
            new.unwrap_or("—")
        ),
    }
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    show_page(&state, &viewer, &params, id, None).await
}

/// The posted values of `specs`' fields, as the API reads them.
fn spec_fields(posted: &Posted, specs: &[Spec]) -> Map<String, Value> {
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    order_fields(posted, &names)
}

/// Shows a refused step or payment on the order page, or the failure.
async fn refused(
    state: &AppState,
    posted: Posted,
    id: i64,
    form: &'static str,
    typed: Map<String, Value>,
    e: kehu_store::Error,
) -> Result<Response, PageError> {
    let t = posted.viewer.t();
    let (errors, message) = match e {
        kehu_store::Error::Invalid(invalid) => (invalid.0, None),
        kehu_store::Error::Transition {
            status,
            event,
            paid_anything,
        } => (
            Vec::new(),
            Some(kehu_core::order::refusal(status, event, paid_anything, t.0)),
        ),
        e => return Err(e.into()),
    };
    let refused = Refused {
        form,
        typed,
        errors,
        message,
    };
    show_page(state, &posted.viewer, &[], id, Some(refused)).await
}

pub async fn step(
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
    posted: Posted,
) -> Result<Response, PageError> {
    let specs: &[Spec] = match name.as_str() {
        "ship" => schema::SHIPMENT,
        "cancel" | "refund" => schema::ORDER_REASON,
        "confirm" | "deliver" | "complete" => &[],
        _ => return Err(PageError::NotFound),
    };
    let typed = spec_fields(&posted, specs);
    let step = parse_object(&typed, specs, &[], Mode::Create).map(|patch| match name.as_str() {
        "ship" => Step::Ship(patch),
        "cancel" => Step::Cancel(patch),
        "refund" => Step::Refund(patch),
        "confirm" => Step::Confirm,
        "deliver" => Step::Deliver,
        _ => Step::Complete,
    });
    let result = match step {
        Ok(step) => {
            state
                .store
                .order_step(&posted.viewer.me.ctx(), OrderId(id), step)
                .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    let (form, done) = match name.as_str() {
        "ship" => ("ship", "flash.order_ship"),
        "cancel" => ("cancel", "flash.order_cancel"),
        "refund" => ("refund", "flash.order_refund"),
        "confirm" => ("step", "flash.order_confirm"),
        "deliver" => ("step", "flash.order_deliver"),
        _ => ("step", "flash.order_complete"),
    };
    match result {
        Ok(_) => Ok(see_other(&format!(
            "/orders/{id}?flash={}",
            done.rsplit('.').next().unwrap_or_default()
        ))),
        Err(e) => refused(&state, posted, id, form, typed, e).await,
    }
}

pub async fn pay(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let typed = spec_fields(&posted, schema::PAYMENT);
    let result = match parse_object(&typed, schema::PAYMENT, &[], Mode::Create) {
        Ok(patch) => {
            state
                .store
                .add_payment(&posted.viewer.me.ctx(), OrderId(id), patch)
                .await
        }
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/orders/{id}?flash=payment_recorded"))),
        Err(e) => refused(&state, posted, id, "pay", typed, e).await,
    }
}
