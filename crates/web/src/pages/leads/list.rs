//! The lead lists: mine, and the shared pool (公海).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::schema;
use kehu_store::leads::{Lead, LeadFilter};

use crate::extract::QueryPairs;
use crate::pages::customers::{flash, People};
use crate::pages::frame::{Frame, Section};
use crate::pages::{render_refused, PageError, Viewer};
use crate::AppState;

const PER_PAGE: i64 = 50;

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

pub(super) async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    params: &[(String, String)],
    error: Option<String>,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let pool = crate::pages::param(params, "pool") == Some("1");
    let filter = LeadFilter {
        pool,
        owner_id: (!pool && !viewer.me.actor.is_manager_or_admin())
            .then(|| viewer.me.actor.user_id.get()),
        status: crate::pages::param(params, "status")
            .filter(|s| schema::LEAD_STATUSES.contains(s))
            .map(str::to_owned),
        before: crate::pages::param(params, "before").and_then(|b| b.parse().ok()),
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
