//! The queue of clusters, by status and by kind of record, with the latest
//! scan in a sentence, and starting a scan.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kehu_core::dedupe::Reason;
use kehu_core::Lang;
use kehu_store::dedupe::{DedupeRun, QueueFilter, ScanOptions};

use super::rules::{rule_view, RuleView};
use super::{card, ClusterCard};
use crate::extract::QueryPairs;
use crate::pages::customers::flash;
use crate::pages::frame::{Frame, Section};
use crate::pages::{render, see_other, PageError, Posted, Viewer, T};
use crate::AppState;

/// Clusters per page of the queue.
const PER_PAGE: usize = 20;

/// Whether a scan is still going: unfinished, and not past the time after
/// which another may start.
fn is_running(run: &DedupeRun) -> bool {
    run.finished_at.is_none()
        && run.started_at.0 >= kehu_store::now_ms() - kehu_store::dedupe::SCAN_LEASE_MS
}

/// The latest scan in a sentence.
fn scan_line(t: T, run: &DedupeRun) -> String {
    let died = run.finished_at.is_none() && !is_running(run);
    match (run.finished_at, t.0) {
        (None, Lang::ZhCn) if died => format!(
            "{} 开始的扫描没有完成（服务可能重启过），请重新扫描。",
            t.time(run.started_at.0)
        ),
        (None, Lang::En) if died => format!(
            "The scan started {} did not finish (the server may have restarted): scan again.",
            t.time(run.started_at.0)
        ),
        (None, Lang::ZhCn) => format!("扫描进行中，开始于 {}。", t.time(run.started_at.0)),
        (None, Lang::En) => format!("A scan is running, started {}.", t.time(run.started_at.0)),
        (Some(at), Lang::ZhCn) => format!(
            "上次扫描 {}：{} 条客户，{} 组疑似重复。",
            t.time(at.0),
            run.records,
            run.clusters
        ),
        (Some(at), Lang::En) => format!(
            "Last scan {}: {} customers; clusters found: {}.",
            t.time(at.0),
            run.records,
            run.clusters
        ),
    }
}

#[derive(Template)]
#[template(path = "duplicates/list.html")]
struct QueuePage {
    f: Frame,
    status: String,
    /// `customer` or `contact`.
    entity: String,
    clusters: Vec<ClusterCard>,
    total: i64,
    page: usize,
    pages: usize,
    scan: Option<String>,
    running: bool,
    may_scan: bool,
    /// The merge rules, for administrators.
    rules: Option<Vec<RuleView>>,
    /// Evidence a rule may require: (code, label).
    evidence: Vec<(&'static str, &'static str)>,
}

impl QueuePage {
    fn entities(&self) -> [(&'static str, &'static str); 2] {
        [("customer", "dup.customers"), ("contact", "dup.contacts")]
    }

    fn tabs(&self) -> [(&'static str, &'static str); 3] {
        [
            ("open", "dup.open"),
            ("merged", "dup.merged"),
            ("dismissed", "dup.dismissed"),
        ]
    }
}

pub async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let get = |k: &str| crate::pages::param(&params, k);
    let status = get("status")
        .filter(|s| ["merged", "dismissed"].contains(s))
        .unwrap_or("open");
    let entity = get("entity")
        .filter(|e| *e == "contact")
        .unwrap_or("customer");
    let page = get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let filter = QueueFilter {
        status: Some(status.to_owned()),
        entity: Some(entity.to_owned()),
        related: None,
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
    };
    let found = state
        .store
        .duplicate_queue(&viewer.me.actor, &filter)
        .await?;
    let may_scan = viewer.me.actor.may_assign_owner();
    let latest = if may_scan {
        state.store.dedupe_runs(1).await?.pop()
    } else {
        found.run.clone()
    };
    let view = QueuePage {
        f: Frame::new(&state, &viewer, Section::Duplicates, t.s("dup.queue_title"))
            .await?
            .with_flash(flash(t, &params)),
        status: status.to_owned(),
        entity: entity.to_owned(),
        clusters: found.clusters.iter().map(|c| card(c, t)).collect(),
        total: found.total,
        page,
        pages: (found.total.max(0) as usize).div_ceil(PER_PAGE).max(1),
        running: latest.as_ref().is_some_and(is_running),
        scan: latest.as_ref().map(|r| scan_line(t, r)),
        may_scan,
        rules: if viewer.me.actor.is_admin() {
            Some(
                state
                    .store
                    .merge_rules()
                    .await?
                    .iter()
                    .map(|r| rule_view(r, t))
                    .collect(),
            )
        } else {
            None
        },
        evidence: Reason::ALL
            .iter()
            .filter(|r| !matches!(r, Reason::DifferentUscc | Reason::NameDifferent))
            .map(|r| (r.as_str(), r.label(t.0)))
            .collect(),
    };
    render(&view)
}

pub async fn scan(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    let options = ScanOptions::default();
    match state
        .store
        .begin_scan(&posted.viewer.me.ctx(), options)
        .await
    {
        Ok(run) => {
            crate::duplicates::spawn_scan(&state, &run, options);
            Ok(see_other("/duplicates?flash=scan_started"))
        }
        Err(kehu_store::Error::Conflict(_)) => Ok(see_other("/duplicates?flash=scan_running")),
        Err(e) => Err(e.into()),
    }
}
