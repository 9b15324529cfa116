//! A lead's page and what is done from it: follow-ups, status, claiming
//! and releasing, conversion, and claiming a customer from the pool.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::entry::{parse_object, Mode};
use kehu_core::{schema, FieldError, LeadId};
use kehu_store::leads::{Conversion, Lead, LeadFollowup};
use serde_json::Value;

use super::list::list_page;
use crate::extract::QueryPairs;
use crate::pages::customers::{choices, flash, Choice, People};
use crate::pages::frame::{Frame, Section};
use crate::pages::orders::{field_errors, order_fields};
use crate::pages::{render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::AppState;

#[derive(Template)]
#[template(path = "leads/show.html")]
struct ShowPage {
    f: Frame,
    l: Lead,
    owner: String,
    followups: Vec<(String, String, LeadFollowup)>,
    channels: Vec<Choice>,
    /// Statuses this lead may move to by hand.
    moves: Vec<Choice>,
    /// The customer the duplicate check found, if the viewer may see it.
    duplicate: Option<(i64, String)>,
    may_write: bool,
    /// Whether the viewer works this lead (holds it, or manages).
    works: bool,
    error: Option<String>,
    errors: Errors,
    posted: &'static str,
}

impl ShowPage {
    /// The lead's fields that have a value, with their labels' keys.
    fn details(&self) -> Vec<(&'static str, String)> {
        let l = &self.l;
        [
            ("field.company", &l.company),
            ("field.title", &l.title),
            ("field.mobile", &l.mobile),
            ("field.phone", &l.phone),
            ("field.email", &l.email),
            ("field.province", &l.province),
            ("field.city", &l.city),
            ("field.source", &l.source),
            ("leads.campaign", &l.campaign),
            ("lead_form.message", &l.message),
            ("leads.disqualify_reason", &l.disqualify_reason),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }

    fn error(&self, form: &str, name: &str) -> String {
        if self.posted == form {
            self.errors.of(name)
        } else {
            String::new()
        }
    }
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    id: i64,
    refused: Option<(&'static str, Vec<FieldError>, Option<String>)>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let actor = &viewer.me.actor;
    let l = state.store.lead(actor, LeadId(id)).await?;
    let people = People::new(&state.store.users().await?);
    let followups = state
        .store
        .lead_followups(actor, LeadId(id))
        .await?
        .into_iter()
        .map(|f| (t.time(f.occurred_at.0), people.name(t, f.created_by), f))
        .collect();
    let duplicate = match l.duplicate_customer_id {
        Some(cid) => state
            .store
            .customer(actor, kehu_core::CustomerId(cid))
            .await
            .ok()
            .map(|c| (c.id, c.name)),
        None => None,
    };
    let moves: &[&str] = match l.status.as_str() {
        "new" => &["contacted", "qualified", "disqualified"],
        "contacted" => &["qualified", "disqualified"],
        "qualified" => &["contacted", "disqualified"],
        "disqualified" => &["new"],
        _ => &[],
    };
    let works = l.owner_id == Some(actor.user_id.get()) || actor.is_manager_or_admin();
    let (posted, errors, error) = refused.unwrap_or(("", Vec::new(), None));
    let failed = !errors.is_empty() || error.is_some();
    let view = ShowPage {
        f: Frame::new(state, viewer, Section::Leads, l.name.clone())
            .await?
            .with_flash(flash(t, params)),
        owner: people.name(t, l.owner_id),
        followups,
        channels: choices(schema::CHANNELS, t, "channel", "call"),
        moves: moves
            .iter()
            .map(|s| Choice {
                value: (*s).to_owned(),
                label: t.choice("lead_status", s),
                selected: false,
            })
            .collect(),
        duplicate,
        may_write: actor.may_write_records(),
        works,
        error,
        errors: Errors::new(t, &errors),
        posted,
        l,
    };
    render_refused(&view, failed)
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    show_page(&state, &viewer, &params, id, None).await
}

/// A refused action on a lead's page: field errors under its form, or a
/// conflict said in words.
async fn refused(
    state: &AppState,
    posted: &Posted,
    id: i64,
    form: &'static str,
    e: kehu_store::Error,
) -> Result<Response, PageError> {
    let t = posted.viewer.t();
    let (errors, message) = match e {
        kehu_store::Error::Conflict(what) => (Vec::new(), Some(conflict(t, what))),
        e => (field_errors(e)?, None),
    };
    show_page(
        state,
        &posted.viewer,
        &[],
        id,
        Some((form, errors, message)),
    )
    .await
}

fn conflict(t: T, what: &str) -> String {
    let key = format!("leads.conflict.{what}");
    if crate::pages::i18n::has(&key) {
        t.s(&key).to_owned()
    } else {
        t.s("error.conflict").to_owned()
    }
}

pub async fn follow_up(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let mut fields = order_fields(&posted, &["channel", "content", "next_step"]);
    if let Some(date) = posted.fields.get("next_step_at") {
        // A date alone means the end of that day, China time.
        fields.insert(
            "next_step_at".into(),
            Value::from(format!("{date}T18:00:00+08:00")),
        );
    }
    let result = match parse_object(&fields, schema::LEAD_FOLLOWUP, &[], Mode::Create) {
        Ok(patch) => state
            .store
            .follow_up_lead(&posted.viewer.me.ctx(), LeadId(id), patch)
            .await
            .map(drop),
        Err(invalid) => Err(invalid.into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/leads/{id}?flash=follow_up"))),
        Err(e) => refused(&state, &posted, id, "follow-up", e).await,
    }
}

pub async fn set_status(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let status = posted.fields.get("status").unwrap_or_default().to_owned();
    let reason = posted.fields.get("reason").map(str::to_owned);
    match state
        .store
        .set_lead_status(&posted.viewer.me.ctx(), LeadId(id), &status, reason)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/leads/{id}?flash=saved"))),
        Err(e) => refused(&state, &posted, id, "status", e).await,
    }
}

pub async fn claim(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    match state
        .store
        .claim_lead(&posted.viewer.me.ctx(), LeadId(id))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/leads/{id}?flash=claimed"))),
        Err(kehu_store::Error::Conflict(what)) => {
            let t = posted.viewer.t();
            let params = [("pool".to_owned(), "1".to_owned())];
            list_page(&state, &posted.viewer, &params, Some(conflict(t, what))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn release(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    match state
        .store
        .release_lead(&posted.viewer.me.ctx(), LeadId(id))
        .await
    {
        Ok(_) => Ok(see_other("/leads?flash=released")),
        Err(e) => refused(&state, &posted, id, "release", e).await,
    }
}

pub async fn convert(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let get = |n: &str| posted.fields.get(n).map(str::to_owned);
    let conversion = Conversion {
        kind: get("kind").unwrap_or_default(),
        customer_id: None,
        force_new: get("force_new").is_some(),
        opportunity: get("opportunity_name").map(|n| (n, get("opportunity_amount"))),
    };
    match state
        .store
        .convert_lead(&posted.viewer.me.ctx(), LeadId(id), conversion)
        .await
    {
        Ok(done) => Ok(see_other(&format!(
            "/customers/{}?flash=lead_converted",
            done.customer_id
        ))),
        Err(e) => refused(&state, &posted, id, "convert", e).await,
    }
}

pub async fn claim_customer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    match state
        .store
        .claim_customer(&posted.viewer.me.ctx(), kehu_core::CustomerId(id))
        .await
    {
        Ok(()) => Ok(see_other(&format!("/customers/{id}?flash=claimed"))),
        Err(kehu_store::Error::Conflict("claim_cap")) => {
            Ok(see_other(&format!("/customers/{id}?flash=claim_cap")))
        }
        Err(kehu_store::Error::Conflict(_)) => {
            Ok(see_other(&format!("/customers/{id}?flash=already_claimed")))
        }
        Err(e) => Err(e.into()),
    }
}
