//! The lead pages (线索): mine and the shared pool (公海), a lead's page
//! with follow-ups, status, claim and conversion, entry by hand, and the
//! administrators' settings (public forms with their snippet, pool rules,
//! region rules).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::entry::{parse_object, parse_object_in, Mode};
use kehu_core::{schema, FieldError, LeadId};
use kehu_store::leads::{Assign, Conversion, Lead, LeadFilter, LeadFollowup, LeadForm, PoolRule};
use serde_json::{Map, Value};

use super::customers::{choices, flash, user_choices, Choice, People};
use super::frame::{Frame, Section};
use super::orders::{field_errors, order_fields};
use super::{render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::extract::QueryPairs;
use crate::AppState;

const PER_PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads", get(list).post(create))
        .route("/leads/new", get(new))
        .route("/leads/{id}", get(show))
        .route("/leads/{id}/follow-up", post(follow_up))
        .route("/leads/{id}/status", post(set_status))
        .route("/leads/{id}/claim", post(claim))
        .route("/leads/{id}/release", post(release))
        .route("/leads/{id}/convert", post(convert))
        .route("/customers/{id}/claim", post(claim_customer))
        .route("/settings/leads", get(settings).post(add_form))
        .route("/settings/leads/pool", post(save_pool_rule))
        .route("/settings/leads/region", post(save_region_rule))
}

#[derive(Template)]
#[template(path = "leads/list.html")]
struct ListPage {
    f: Frame,
    pool: bool,
    leads: Vec<Lead>,
    people: Vec<String>,
    more: Option<String>,
    may_write: bool,
    error: Option<String>,
}

impl ListPage {
    fn status(&self, s: &str) -> String {
        self.f.t.choice("lead_status", s)
    }
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    error: Option<String>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let pool = super::param(params, "pool") == Some("1");
    let filter = LeadFilter {
        pool,
        owner_id: (!pool && !viewer.me.actor.is_manager_or_admin())
            .then(|| viewer.me.actor.user_id.get()),
        status: super::param(params, "status")
            .filter(|s| schema::LEAD_STATUSES.contains(s))
            .map(str::to_owned),
        before: super::param(params, "before").and_then(|b| b.parse().ok()),
        limit: PER_PAGE,
    };
    let leads = state.store.browse_leads(&viewer.me.actor, &filter).await?;
    let users = People::new(&state.store.users().await?);
    let more = (leads.len() as i64 == PER_PAGE)
        .then(|| leads.last())
        .flatten()
        .map(|l| format!("/leads?pool={}&before={}", u8::from(pool), l.id));
    let refused = error.is_some();
    let view = ListPage {
        f: Frame::new(state, viewer, Section::Leads, t.s("nav.leads"))
            .await?
            .with_flash(flash(t, params)),
        pool,
        people: leads.iter().map(|l| users.name(t, l.owner_id)).collect(),
        leads,
        more,
        may_write: viewer.me.actor.may_write_records(),
        error,
    };
    render_refused(&view, refused)
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    list_page(&state, &viewer, &params, None).await
}

#[derive(Template)]
#[template(path = "leads/new.html")]
struct NewPage {
    f: Frame,
    typed: Map<String, Value>,
    errors: Errors,
    /// Every country, the lead's (or the instance's default) chosen.
    countries: Vec<super::customers::Choice>,
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
    let mut countries = super::form::country_choices(t);
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
    if super::i18n::has(&key) {
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

#[derive(Template)]
#[template(path = "leads/settings.html")]
struct SettingsPage {
    f: Frame,
    forms: Vec<LeadForm>,
    rules: Vec<(String, PoolRule)>,
    teams: Vec<Choice>,
    users: Vec<Choice>,
    base: String,
    error: Option<String>,
}

async fn settings_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    base: String,
    error: Option<String>,
) -> Result<Response, PageError> {
    if !viewer.me.actor.is_admin() {
        return Err(PageError::Forbidden);
    }
    let t = viewer.t();
    let teams = state.store.teams().await?;
    let name_of = |team: Option<i64>| match team {
        None => t.s("leads.default_rule").to_owned(),
        Some(id) => teams
            .iter()
            .find(|tm| tm.id == id)
            .map(|tm| tm.name.clone())
            .unwrap_or_else(|| format!("#{id}")),
    };
    let rules = state
        .store
        .pool_rules()
        .await?
        .into_iter()
        .map(|r| (name_of(r.team_id), r))
        .collect();
    let users = user_choices(state, None).await?;
    let refused = error.is_some();
    let view = SettingsPage {
        f: Frame::new(state, viewer, Section::Settings, t.s("leads.settings"))
            .await?
            .with_flash(flash(t, params)),
        forms: state.store.lead_forms().await?,
        rules,
        teams: teams
            .iter()
            .map(|tm| Choice {
                value: tm.id.to_string(),
                label: tm.name.clone(),
                selected: false,
            })
            .collect(),
        users,
        base,
        error,
    };
    render_refused(&view, refused)
}

pub async fn settings(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let base = site(&headers);
    settings_page(&state, &viewer, &params, base, None).await
}

/// The address kehu is reached at, as the browser used it, for the
/// snippet an administrator copies onto the company's site.
fn site(headers: &axum::http::HeaderMap) -> String {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let host = value("x-forwarded-host")
        .or_else(|| value("host"))
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let scheme = value("x-forwarded-proto").unwrap_or_else(|| "http".to_owned());
    format!("{scheme}://{host}")
}

/// A refusal on the settings page, as one line.
async fn settings_refused(
    state: &AppState,
    posted: &Posted,
    e: kehu_store::Error,
) -> Result<Response, PageError> {
    let errors = field_errors(e)?;
    let line = Errors::new(posted.viewer.t(), &errors).line();
    settings_page(state, &posted.viewer, &[], String::new(), Some(line)).await
}

pub async fn add_form(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let get = |n: &str| posted.fields.get(n);
    let team = get("team_id").and_then(|v| v.parse().ok());
    match state
        .store
        .create_lead_form(
            &posted.viewer.me.ctx(),
            get("name").unwrap_or_default(),
            get("source"),
            get("campaign"),
            get("assign").unwrap_or("pool"),
            team,
        )
        .await
    {
        Ok(_) => Ok(see_other("/settings/leads?flash=saved")),
        Err(e) => settings_refused(&state, &posted, e).await,
    }
}

/// A whole number typed into a settings field; blank is `None`, and
/// anything else is refused under the field.
fn number(posted: &Posted, name: &str) -> Result<Option<i64>, kehu_store::Error> {
    match posted.fields.get(name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| kehu_core::Invalid::one(name, kehu_core::Code::InvalidNumber).into()),
    }
}

pub async fn save_pool_rule(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let parsed = (|| {
        Ok::<_, kehu_store::Error>(PoolRule {
            team_id: number(&posted, "team_id")?,
            max_held: number(&posted, "max_held")?,
            protect_days: number(&posted, "protect_days")?.unwrap_or(0),
            return_days: number(&posted, "return_days")?,
        })
    })();
    let result = match parsed {
        Ok(rule) => {
            state
                .store
                .set_pool_rule(&posted.viewer.me.ctx(), &rule)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other("/settings/leads?flash=saved")),
        Err(e) => settings_refused(&state, &posted, e).await,
    }
}

pub async fn save_region_rule(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let user = posted.fields.get("user_id").and_then(|v| v.parse().ok());
    match state
        .store
        .set_region_rule(
            &posted.viewer.me.ctx(),
            posted.fields.get("province").unwrap_or_default(),
            user,
        )
        .await
    {
        Ok(()) => Ok(see_other("/settings/leads?flash=saved")),
        Err(e) => settings_refused(&state, &posted, e).await,
    }
}
