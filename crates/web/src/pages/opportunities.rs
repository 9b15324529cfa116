//! The opportunity pages (商机): the board (a column per stage, cards
//! dragged between them, totals and weighted totals per column), the list
//! with filters, the form, an opportunity's page with the time it spent in
//! each stage, and the forecast.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::entry::{parse_object, Mode};
use kehu_core::opportunity::{parse_probability, ForecastRow};
use kehu_core::order::parse_lines;
use kehu_core::{schema, FieldError, Invalid, OpportunityId};
use kehu_store::customers::Customer;
use kehu_store::opportunities::{Column, Opportunity, OpportunityFilter, Pipeline, Stage};
use kehu_store::products::Product;
use serde_json::Value;

use super::customers::{flash, user_choices, Choice, People};
use super::frame::{Frame, Section};
use super::orders::{
    catalogue, field_errors, line_errors, order_fields, pick_customer, posted_lines, LineRow,
};
use super::{render_refused, see_other, Errors, PageError, Posted, Viewer, T};
use crate::extract::QueryPairs;
use crate::input::opportunities::OpportunityInput;
use crate::AppState;

/// Cards one board column shows.
const PER_COLUMN: i64 = 50;
const PER_PAGE: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opportunities", get(board).post(create))
        .route("/opportunities/list", get(list))
        .route("/opportunities/new", get(new))
        .route("/opportunities/forecast", get(forecast))
        .route("/opportunities/{id}", get(show).post(update))
        .route("/opportunities/{id}/edit", get(edit))
        .route("/opportunities/{id}/stage", post(move_stage))
        .route("/opportunities/{id}/order", post(make_order))
}

/// A stage's name in the reader's language: seeded stages by key, others
/// by the name an administrator gave.
pub(super) fn stage_label(t: T, stage: &Stage) -> String {
    match (&stage.name, &stage.key) {
        (Some(name), _) => name.clone(),
        (None, Some(key)) => t.choice("stage_key", key),
        (None, None) => format!("#{}", stage.id),
    }
}

pub(super) fn pipeline_label(t: T, p: &Pipeline) -> String {
    match (&p.name, &p.key) {
        (Some(name), _) => name.clone(),
        (None, Some(key)) => t.choice("pipeline_key", key),
        (None, None) => format!("#{}", p.id),
    }
}

/// Per-currency sums as one line: `120000.00 CNY + 500.00 USD`.
fn sums(map: &std::collections::BTreeMap<String, String>) -> String {
    if map.is_empty() {
        return "0.00".to_owned();
    }
    map.iter()
        .map(|(c, a)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// An opportunity as a card or a row.
pub struct Card {
    pub id: i64,
    pub name: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub amount: String,
    pub weighted: String,
    pub probability: i64,
    pub close: String,
    pub stage: String,
    pub status: String,
    pub owner: String,
    pub version: i64,
}

fn card(t: T, o: &Opportunity, stages: &[Stage], people: &People) -> Card {
    Card {
        id: o.id,
        name: o.name.clone(),
        customer_id: o.customer_id,
        customer_name: o.customer_name.clone(),
        amount: o.amount.0.to_string(),
        weighted: o.weighted.map(|w| w.0.to_string()).unwrap_or_default(),
        probability: o.probability,
        close: o.expected_close.clone().unwrap_or_default(),
        stage: stages
            .iter()
            .find(|s| s.id == o.stage_id)
            .map(|s| stage_label(t, s))
            .unwrap_or_default(),
        status: o.status.clone(),
        owner: people.name(t, o.owner_id),
        version: o.version,
    }
}

pub(super) async fn cards(
    state: &AppState,
    t: T,
    opportunities: &[Opportunity],
) -> Result<Vec<Card>, PageError> {
    let stages: Vec<Stage> = state
        .store
        .pipelines()
        .await?
        .into_iter()
        .flat_map(|p| p.stages)
        .collect();
    let people = People::new(&state.store.users().await?);
    Ok(opportunities
        .iter()
        .map(|o| card(t, o, &stages, &people))
        .collect())
}

/// One column of the board as shown.
pub struct ColumnView {
    pub stage_id: i64,
    pub label: String,
    pub outcome: String,
    pub probability: i64,
    pub count: i64,
    pub total: String,
    pub weighted: String,
    pub cards: Vec<Card>,
}

#[derive(Template)]
#[template(path = "opportunities/board.html")]
struct BoardPage {
    f: Frame,
    pipelines: Vec<Choice>,
    pipeline_id: i64,
    columns: Vec<ColumnView>,
    /// Every stage of the pipeline, for the move form of each card.
    stages: Vec<Choice>,
    mine: bool,
    may_write: bool,
}

async fn pipeline_choice(
    state: &AppState,
    t: T,
    params: &[(String, String)],
) -> Result<(Vec<Pipeline>, i64, Vec<Choice>), PageError> {
    let pipelines = state.store.pipelines().await?;
    let wanted: Option<i64> = super::param(params, "pipeline_id").and_then(|v| v.parse().ok());
    let id = wanted
        .filter(|w| pipelines.iter().any(|p| p.id == *w))
        .or(pipelines.first().map(|p| p.id))
        .ok_or(PageError::NotFound)?;
    let choices = pipelines
        .iter()
        .map(|p| Choice {
            value: p.id.to_string(),
            label: pipeline_label(t, p),
            selected: p.id == id,
        })
        .collect();
    Ok((pipelines, id, choices))
}

pub async fn board(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let (pipelines, pipeline_id, choices) = pipeline_choice(&state, t, &params).await?;
    let mine = super::param(&params, "mine") == Some("1");
    let filter = OpportunityFilter {
        owner_id: mine.then(|| viewer.me.actor.user_id.get()),
        ..Default::default()
    };
    let columns: Vec<Column> = state
        .store
        .board(&viewer.me.actor, pipeline_id, &filter, PER_COLUMN)
        .await?;
    let stages: Vec<Stage> = pipelines
        .into_iter()
        .find(|p| p.id == pipeline_id)
        .map(|p| p.stages)
        .unwrap_or_default();
    let people = People::new(&state.store.users().await?);
    let view = BoardPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Opportunities,
            t.s("nav.opportunities"),
        )
        .await?
        .with_flash(flash(t, &params)),
        pipelines: choices,
        pipeline_id,
        columns: columns
            .into_iter()
            .map(|c| ColumnView {
                stage_id: c.stage.id,
                label: stage_label(t, &c.stage),
                outcome: c.stage.outcome.clone(),
                probability: c.stage.probability,
                count: c.count,
                total: sums(&c.total),
                weighted: sums(&c.weighted),
                cards: c
                    .cards
                    .iter()
                    .map(|o| card(t, o, &stages, &people))
                    .collect(),
            })
            .collect(),
        stages: stages
            .iter()
            .filter(|s| s.active)
            .map(|s| Choice {
                value: s.id.to_string(),
                label: stage_label(t, s),
                selected: false,
            })
            .collect(),
        mine,
        may_write: viewer.me.actor.may_write_records(),
    };
    super::render(&view)
}

#[derive(Template)]
#[template(path = "opportunities/list.html")]
struct ListPage {
    f: Frame,
    rows: Vec<Card>,
    stages: Vec<Choice>,
    statuses: Vec<Choice>,
    close_from: String,
    close_to: String,
    more: Option<String>,
    error: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| super::param(&params, k).filter(|v| !v.is_empty());
    let mut invalid = Invalid::default();
    let mut date = |field: &str| {
        let v = get(field)?;
        invalid.check(
            field,
            kehu_core::date::parse_date(v).map(|d| d.format("%Y-%m-%d").to_string()),
        )
    };
    let close_from = date("close_from");
    let close_to = date("close_to");
    let status = get("status")
        .filter(|s| matches!(*s, "open" | "won" | "lost"))
        .map(str::to_owned);
    let filter = OpportunityFilter {
        stage_id: get("stage_id").and_then(|v| v.parse().ok()),
        status: status.clone(),
        close_from: close_from.clone(),
        close_to: close_to.clone(),
        before: get("before").and_then(|v| v.parse().ok()),
        limit: PER_PAGE,
        ..Default::default()
    };
    let error = (!invalid.0.is_empty()).then(|| Errors::new(t, &invalid.0).line());
    let found = if error.is_none() {
        state.store.opportunities(&viewer.me.actor, &filter).await?
    } else {
        Vec::new()
    };
    let stages: Vec<Stage> = state
        .store
        .pipelines()
        .await?
        .into_iter()
        .flat_map(|p| p.stages)
        .collect();
    let more = (found.len() as i64 == PER_PAGE)
        .then(|| found.last())
        .flatten()
        .map(|o| {
            let mut keep: Vec<String> = params
                .iter()
                .filter(|(k, _)| k != "before")
                .map(|(k, v)| format!("{k}={}", crate::text::url_encode(v)))
                .collect();
            keep.push(format!("before={}", o.id));
            format!("/opportunities/list?{}", keep.join("&"))
        });
    let mut stage_choices = vec![Choice {
        value: String::new(),
        label: t.s("opps.all_stages").to_owned(),
        selected: filter.stage_id.is_none(),
    }];
    stage_choices.extend(stages.iter().filter(|s| s.active).map(|s| Choice {
        value: s.id.to_string(),
        label: stage_label(t, s),
        selected: filter.stage_id == Some(s.id),
    }));
    let mut statuses = vec![Choice {
        value: String::new(),
        label: t.s("opps.all_statuses").to_owned(),
        selected: status.is_none(),
    }];
    statuses.extend(["open", "won", "lost"].iter().map(|s| Choice {
        value: (*s).to_owned(),
        label: t.choice("opp_status", s),
        selected: status.as_deref() == Some(*s),
    }));
    let refused = error.is_some();
    let view = ListPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Opportunities,
            t.s("nav.opportunities"),
        )
        .await?,
        rows: cards(&state, t, &found).await?,
        stages: stage_choices,
        statuses,
        close_from: get("close_from").unwrap_or_default().to_owned(),
        close_to: get("close_to").unwrap_or_default().to_owned(),
        more,
        error,
    };
    render_refused(&view, refused)
}

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
    let customer_id = super::param(&params, "customer_id").and_then(|v| v.parse().ok());
    let q = super::param(&params, "q").unwrap_or_default().to_owned();
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

/// One stay in a stage, as shown.
pub struct StayRow {
    pub stage: String,
    pub entered: String,
    pub left: String,
    pub spent: String,
}

/// A duration as people say it: 3 天 4 小时, 2 h 5 min.
fn spent(t: T, ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if d > 0 {
        t.s("opps.days_hours")
            .replace("{d}", &d.to_string())
            .replace("{h}", &h.to_string())
    } else {
        t.s("opps.hours_minutes")
            .replace("{h}", &h.to_string())
            .replace("{m}", &m.to_string())
    }
}

#[derive(Template)]
#[template(path = "opportunities/show.html")]
struct ShowPage {
    f: Frame,
    o: Opportunity,
    c: Card,
    stays: Vec<StayRow>,
    stages: Vec<Choice>,
    history: Vec<(String, String, String)>,
    orders: Vec<super::orders::OrderRow>,
    may_write: bool,
    error: Option<String>,
}

async fn show_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    id: i64,
    error: Option<String>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let actor = &viewer.me.actor;
    let o = state.store.opportunity(actor, OpportunityId(id)).await?;
    let pipelines = state.store.pipelines().await?;
    let stages: Vec<Stage> = pipelines
        .iter()
        .find(|p| p.id == o.pipeline_id)
        .map(|p| p.stages.clone())
        .unwrap_or_default();
    let all_stages: Vec<Stage> = pipelines.into_iter().flat_map(|p| p.stages).collect();
    let label = |sid: i64| {
        all_stages
            .iter()
            .find(|s| s.id == sid)
            .map(|s| stage_label(t, s))
            .unwrap_or_else(|| format!("#{sid}"))
    };
    let stays = state
        .store
        .opportunity_stages(actor, OpportunityId(id))
        .await?
        .into_iter()
        .map(|s| StayRow {
            stage: label(s.stage_id),
            entered: t.time(s.entered_at.0),
            left: s.left_at.map(|l| t.time(l.0)).unwrap_or_default(),
            spent: spent(t, s.duration_ms),
        })
        .collect();
    let people = People::new(&state.store.users().await?);
    let history = state
        .store
        .opportunity_history(actor, OpportunityId(id), 200)
        .await?
        .into_iter()
        .filter(|h| !h.field.ends_with("_at"))
        .map(|h| {
            let value = |v: Option<&str>| match (h.field.as_str(), v) {
                ("stage_id", Some(v)) => v.parse().map(label).unwrap_or_default(),
                ("status", Some(v)) => t.choice("opp_status", v),
                (_, Some(v)) => v.to_owned(),
                (_, None) => "—".to_owned(),
            };
            let what = match h.field.as_str() {
                "created" => t.s("opps.h.created").to_owned(),
                field => format!(
                    "{}: {} → {}",
                    t.choice("opps.field", field),
                    value(h.old_value.as_deref()),
                    value(h.new_value.as_deref())
                ),
            };
            (t.time(h.at.0), people.name(t, h.actor_id), what)
        })
        .collect();
    let orders = state
        .store
        .orders(
            actor,
            &kehu_store::orders::OrderFilter {
                customer_id: Some(o.customer_id),
                limit: 50,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter(|order| order.opportunity_id == Some(o.id))
        .collect::<Vec<_>>();
    let refused = error.is_some();
    let view = ShowPage {
        f: Frame::new(state, viewer, Section::Opportunities, o.name.clone())
            .await?
            .with_flash(flash(t, params)),
        c: card(t, &o, &stages, &people),
        stays,
        stages: stages
            .iter()
            .filter(|s| s.active)
            .map(|s| Choice {
                value: s.id.to_string(),
                label: format!("{} ({}%)", stage_label(t, s), s.probability),
                selected: s.id == o.stage_id,
            })
            .collect(),
        history,
        orders: super::orders::rows(t, &orders, &people),
        may_write: actor.may_write_records(),
        error,
        o,
    };
    render_refused(&view, refused)
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    show_page(&state, &viewer, &params, id, None).await
}

/// Moves a card: from the board (by dragging, or the card's own form) or
/// from the opportunity's page. A refusal (a lost stage without a reason)
/// is shown on the opportunity's page.
pub async fn move_stage(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let stage: i64 = posted
        .fields
        .get("stage_id")
        .and_then(|v| v.parse().ok())
        .ok_or(PageError::BadRequest)?;
    let reason = posted.fields.get("lost_reason").map(str::to_owned);
    let version = posted.fields.get("version").and_then(|v| v.parse().ok());
    let back = match posted.fields.get("back") {
        Some(b) if b.starts_with("/opportunities") && !b.starts_with("//") => b.to_owned(),
        _ => format!("/opportunities/{id}"),
    };
    match state
        .store
        .move_opportunity(
            &posted.viewer.me.ctx(),
            OpportunityId(id),
            stage,
            reason,
            version,
        )
        .await
    {
        Ok(_) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            Ok(see_other(&format!("{back}{sep}flash=opportunity_moved")))
        }
        Err(kehu_store::Error::Conflict(_)) => Ok(see_other(&format!(
            "/opportunities/{id}?flash=opportunity_changed"
        ))),
        Err(e) => {
            let t = posted.viewer.t();
            let errors = field_errors(e)?;
            let message = Errors::new(t, &errors).line();
            show_page(&state, &posted.viewer, &[], id, Some(message)).await
        }
    }
}

pub async fn make_order(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    match state
        .store
        .order_from_opportunity(&posted.viewer.me.ctx(), OpportunityId(id))
        .await
    {
        Ok(order) => Ok(see_other(&format!(
            "/orders/{}?flash=order_created",
            order.id
        ))),
        Err(e) => {
            let t = posted.viewer.t();
            let errors = field_errors(e)?;
            let message = Errors::new(t, &errors).line();
            show_page(&state, &posted.viewer, &[], id, Some(message)).await
        }
    }
}

/// One forecast row as shown.
pub struct ForecastView {
    pub month: String,
    pub group: String,
    pub currency: String,
    pub count: i64,
    pub expected: String,
    pub weighted: String,
    pub won: String,
}

#[derive(Template)]
#[template(path = "opportunities/forecast.html")]
struct ForecastPage {
    f: Frame,
    rows: Vec<ForecastView>,
    from: String,
    to: String,
    by: String,
    error: Option<String>,
}

impl ForecastPage {
    fn is_by(&self, v: &str) -> bool {
        self.by == v
    }
}

pub async fn forecast(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| super::param(&params, k);
    let by_text = get("by")
        .filter(|b| !b.is_empty())
        .unwrap_or("owner")
        .to_owned();
    let range = crate::input::opportunities::forecast_range(get("from"), get("to"));
    let by = crate::input::opportunities::forecast_by(Some(&by_text));
    let (rows, from, to, error): (Vec<ForecastRow>, String, String, Option<String>) =
        match (range, by) {
            (Ok((from, to)), Ok(by)) => (
                state
                    .store
                    .forecast(&viewer.me.actor, &from, &to, by)
                    .await?,
                from,
                to,
                None,
            ),
            (Err(crate::error::ApiError::Invalid(i)), _)
            | (_, Err(crate::error::ApiError::Invalid(i))) => (
                Vec::new(),
                get("from").unwrap_or_default().to_owned(),
                get("to").unwrap_or_default().to_owned(),
                Some(Errors::new(t, &i.0).line()),
            ),
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
    let people = People::new(&state.store.users().await?);
    let teams: std::collections::HashMap<String, String> = state
        .store
        .teams()
        .await?
        .into_iter()
        .map(|tm| (tm.id.to_string(), tm.name))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| ForecastView {
            group: match by_text.as_str() {
                "owner" => people.name(t, r.group.parse().ok()),
                "team" => teams
                    .get(&r.group)
                    .cloned()
                    .unwrap_or_else(|| t.s("opps.no_team").to_owned()),
                _ => t.s("opps.everyone").to_owned(),
            },
            month: r.month,
            currency: r.currency,
            count: r.count,
            expected: r.expected,
            weighted: r.weighted,
            won: r.won,
        })
        .collect();
    let refused = error.is_some();
    let view = ForecastPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Opportunities,
            t.s("opps.forecast"),
        )
        .await?,
        rows,
        from,
        to,
        by: by_text,
        error,
    };
    render_refused(&view, refused)
}
