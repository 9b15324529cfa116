//! The lead pages (线索): mine and the shared pool (公海), a lead's page
//! with follow-ups, status, claim and conversion, entry by hand, and the
//! administrators' settings (public forms with their snippet, pool rules,
//! region rules).
//!
//! This file holds the routes.

mod list;
mod new;
mod settings;
mod show;

use list::list;
use new::{create, new};
use settings::{add_form, save_pool_rule, save_region_rule, settings};
use show::{claim, claim_customer, convert, follow_up, release, set_status, show};

use axum::routing::{get, post};
use axum::Router;

use crate::AppState;

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
