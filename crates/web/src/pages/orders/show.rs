//! An order's page, with its payments and history, and the actions taken
//! on it: recording a payment and the status steps (confirm, ship,
//! deliver, complete, cancel, refund). A refused one comes back here.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::entry::{parse_object, Mode, Spec};
use kehu_core::order::OrderStatus;
use kehu_core::{schema, FieldError, OrderId};
use kehu_store::orders::{Order, Step};
use serde_json::{Map, Value};

use super::{order_fields, status_of};
use crate::extract::QueryPairs;
use crate::pages::customers::{choices, flash, Choice, People};
use crate::pages::frame::{local, now_ms, Frame, Section};
use crate::pages::{render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::AppState;

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
