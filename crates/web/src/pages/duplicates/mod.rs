//! The review queue (查重合并): clusters of likely duplicates a scan found,
//! each reviewed side by side, field by field, then merged (and undone if
//! need be) or marked as not duplicates.
//!
//! This file holds the routes and a cluster as a card (its records in a
//! line each), which the queue and a cluster's page both show.

mod actions;
mod queue;
mod rules;
mod show;

use actions::{dismiss, merge, undo};
use queue::{queue, scan};
use rules::{create_rule, delete_rule, run_rules, toggle_rule};
use show::show;

use axum::routing::{get, post};
use axum::Router;
use kehu_core::dedupe::Reason;
use kehu_core::Lang;
use kehu_store::dedupe::{QueueCluster, QueueMember};

use super::T;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/duplicates", get(queue))
        .route("/duplicates/scan", post(scan))
        .route("/duplicates/rules", post(create_rule))
        .route("/duplicates/rules/run", post(run_rules))
        .route("/duplicates/rules/{id}/toggle", post(toggle_rule))
        .route("/duplicates/rules/{id}/delete", post(delete_rule))
        .route("/duplicates/{id}", get(show))
        .route("/duplicates/{id}/merge", post(merge))
        .route("/duplicates/{id}/dismiss", post(dismiss))
        .route("/duplicates/{id}/undo", post(undo))
}

/// A record of a cluster in a line.
pub struct MemberView {
    pub id: i64,
    /// Where the record is shown: the customer, or a contact's customer.
    pub href: String,
    pub name: String,
    /// Company, mobile, e-mail, city and external id, as known.
    pub details: String,
    /// Merged into another record or deleted since the scan.
    pub gone: bool,
}

pub struct ClusterCard {
    pub id: i64,
    pub score: u32,
    pub related: bool,
    pub reasons: String,
    pub members: Vec<MemberView>,
}

fn reason_label(code: &str, lang: Lang) -> &str {
    Reason::ALL
        .iter()
        .find(|r| r.as_str() == code)
        .map_or(code, |r| r.label(lang))
}

fn member_view(m: &QueueMember) -> MemberView {
    let mut parts: Vec<&str> = [&m.company, &m.mobile, &m.email, &m.city]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let ext;
    if let Some(e) = &m.external_id {
        ext = format!("#{e}");
        parts.push(&ext);
    }
    MemberView {
        id: m.id,
        href: format!("/customers/{}", m.customer_id.unwrap_or(m.id)),
        name: m.name.clone(),
        details: parts.join(" · "),
        gone: m.deleted_at.is_some(),
    }
}

fn card(c: &QueueCluster, t: T) -> ClusterCard {
    let sep = if t.is_zh() { "，" } else { ", " };
    ClusterCard {
        id: c.id,
        score: (c.score * 100.0).round() as u32,
        related: c.related,
        reasons: c
            .reasons
            .iter()
            .map(|r| reason_label(r, t.0))
            .collect::<Vec<_>>()
            .join(sep),
        members: c.members.iter().map(member_view).collect(),
    }
}
