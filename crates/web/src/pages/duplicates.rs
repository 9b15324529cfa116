//! The review queue (查重合并): clusters of likely duplicates a scan found,
//! each reviewed side by side, field by field, then merged (and undone if
//! need be) or marked as not duplicates.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::dedupe::Reason;
use kehu_core::{ContactId, CustomerId, Lang};
use kehu_store::contact_merge::ContactMergeRequest;
use kehu_store::dedupe::{DedupeRun, QueueCluster, QueueFilter, QueueMember, ScanOptions};
use kehu_store::merge::{FieldChoice, MergePlan, MergeRequest};
use kehu_store::merge_rules::{MergeRule, MergeRuleInput};

use super::customers::flash;
use super::frame::{Frame, Section};
use super::{render, see_other, PageError, Posted, Viewer, T};
use crate::extract::QueryPairs;
use crate::AppState;

/// Clusters per page of the queue.
const PER_PAGE: usize = 20;

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

pub struct RuleView {
    pub id: i64,
    pub name: String,
    pub require: String,
    pub min_score: String,
    pub daily: bool,
    pub enabled: bool,
    pub last_run: String,
}

fn rule_view(r: &MergeRule, t: T) -> RuleView {
    let sep = if t.is_zh() { "，" } else { ", " };
    RuleView {
        id: r.id,
        name: r.name.clone(),
        require: r
            .require
            .0
            .iter()
            .map(|c| reason_label(c, t.0))
            .collect::<Vec<_>>()
            .join(sep),
        min_score: format!("{:.2}", r.min_score),
        daily: r.schedule == "daily",
        enabled: r.enabled,
        last_run: r.last_run_at.map(|at| t.time(at.0)).unwrap_or_default(),
    }
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
    let get = |k: &str| super::param(&params, k);
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

/// One field of the side-by-side comparison: each record's value (in the
/// order of the columns) and the record whose value is kept by default.
pub struct FieldRow {
    pub field: String,
    pub label: String,
    pub cells: Vec<(i64, String)>,
    pub chosen: i64,
}

pub struct RecordColumn {
    pub id: i64,
    pub href: String,
    pub name: String,
    pub created: String,
    pub updated: String,
    pub verified: String,
}

#[derive(Template)]
#[template(path = "duplicates/show.html")]
struct ClusterPage {
    f: Frame,
    c: ClusterCard,
    status: String,
    merge_id: Option<i64>,
    columns: Vec<RecordColumn>,
    rows: Vec<FieldRow>,
    survivor: i64,
    may_merge: bool,
    undo_conflict: bool,
}

fn columns_and_rows(
    plan: &MergePlan,
    t: T,
    labels: &BTreeMap<String, String>,
) -> (Vec<RecordColumn>, Vec<FieldRow>) {
    let never = t.s("show.never_verified");
    let columns = plan
        .records
        .iter()
        .map(|c| RecordColumn {
            id: c.id,
            href: format!("/customers/{}", c.id),
            name: c.name.clone(),
            created: t.time(c.created_at.0),
            updated: t.time(c.updated_at.0),
            verified: c
                .verified_at
                .map_or_else(|| never.to_owned(), |v| t.time(v.0)),
        })
        .collect::<Vec<_>>();
    let rows = field_rows(t, &plan.fields, &columns, |f| {
        match f.strip_prefix("custom.") {
            Some(key) => labels.get(key).cloned().unwrap_or_else(|| key.to_owned()),
            None => t.field(f).to_owned(),
        }
    });
    (columns, rows)
}

/// The rows of the comparison: each field's value per column.
fn field_rows(
    t: T,
    fields: &[FieldChoice],
    columns: &[RecordColumn],
    label: impl Fn(&str) -> String,
) -> Vec<FieldRow> {
    fields
        .iter()
        .map(|f| FieldRow {
            label: label(&f.field),
            cells: columns
                .iter()
                .map(|col| {
                    let value = f
                        .values
                        .iter()
                        .find(|(id, _)| *id == col.id)
                        // A value from a list by its label (阶段: 客户).
                        .map(|(_, v)| t.choice(&f.field, v))
                        .unwrap_or_default();
                    (col.id, value)
                })
                .collect(),
            chosen: f.chosen,
            field: f.field.clone(),
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let cluster = state.store.duplicate_cluster(&viewer.me.actor, id).await?;
    let live: Vec<CustomerId> = cluster
        .members
        .iter()
        .filter(|m| m.deleted_at.is_none())
        .map(|m| CustomerId(m.id))
        .collect();
    let contacts = cluster.entity == "contact";
    let (columns, rows, survivor) = if cluster.status == "open" && live.len() >= 2 && contacts {
        let ids: Vec<ContactId> = live.iter().map(|c| ContactId(c.get())).collect();
        let plan = state
            .store
            .contact_merge_plan(&viewer.me.ctx(), &ids)
            .await?;
        let columns = plan
            .records
            .iter()
            .map(|c| RecordColumn {
                id: c.id,
                href: format!("/customers/{}", c.customer_id),
                name: c.name.clone(),
                created: t.time(c.created_at.0),
                updated: t.time(c.updated_at.0),
                verified: String::new(),
            })
            .collect::<Vec<_>>();
        let rows = field_rows(t, &plan.fields, &columns, |f| t.field(f).to_owned());
        (columns, rows, plan.survivor)
    } else if cluster.status == "open" && live.len() >= 2 {
        let plan = state.store.merge_plan(&viewer.me.actor, &live).await?;
        let labels: BTreeMap<String, String> = state
            .store
            .field_definitions()
            .await?
            .into_iter()
            .map(|d| {
                let label = if t.is_zh() { d.label_zh } else { d.label_en };
                (d.key, label)
            })
            .collect();
        let (columns, rows) = columns_and_rows(&plan, t, &labels);
        (columns, rows, plan.survivor)
    } else {
        (Vec::new(), Vec::new(), 0)
    };
    let merge_id = match cluster.merge_id {
        Some(m) if contacts => {
            let merge = state.store.contact_merge(&viewer.me.ctx(), m).await?;
            merge.undone_at.is_none().then_some(m)
        }
        Some(m) => {
            let merge = state.store.merge(&viewer.me.actor, m).await?;
            merge.undone_at.is_none().then_some(m)
        }
        None => None,
    };
    let view = ClusterPage {
        f: Frame::new(&state, &viewer, Section::Duplicates, t.s("dup.queue_title"))
            .await?
            .with_flash(flash(t, &params)),
        c: card(&cluster, t),
        status: cluster.status.clone(),
        merge_id,
        columns,
        rows,
        survivor,
        may_merge: viewer.me.actor.may_assign_owner(),
        undo_conflict: params
            .iter()
            .any(|(k, v)| k == "flash" && v == "undo_conflict"),
    };
    render(&view)
}

pub async fn merge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let actor = &posted.viewer.me.actor;
    let cluster = state.store.duplicate_cluster(actor, id).await?;
    let parse = |v: &str| v.parse::<i64>().map_err(|_| PageError::BadRequest);
    let survivor = parse(posted.fields.get("survivor").ok_or(PageError::BadRequest)?)?;
    let mut ids = vec![survivor];
    for included in posted.fields.all("include") {
        let m = parse(included)?;
        if !ids.contains(&m) {
            ids.push(m);
        }
    }
    if !ids
        .iter()
        .all(|i| cluster.members.iter().any(|m| m.id == *i))
    {
        return Err(PageError::BadRequest);
    }
    if ids.len() < 2 {
        return Ok(see_other(&format!("/duplicates/{id}?flash=pick_two")));
    }
    let mut choose = BTreeMap::new();
    for (name, value) in &posted.fields.0 {
        let Some(field) = name.strip_prefix("keep.") else {
            continue;
        };
        let from = parse(value)?;
        // A value from a record left out of the merge cannot be kept.
        if ids.contains(&from) {
            choose.insert(field.to_owned(), CustomerId(from));
        }
    }
    if cluster.entity == "contact" {
        let request = ContactMergeRequest {
            survivor: ContactId(ids[0]),
            merged: ids[1..].iter().map(|i| ContactId(*i)).collect(),
            choose: choose
                .into_iter()
                .map(|(f, c): (String, CustomerId)| (f, ContactId(c.get())))
                .collect(),
        };
        state
            .store
            .merge_contacts(&posted.viewer.me.ctx(), &request)
            .await?;
        return Ok(see_other(&format!("/duplicates/{id}?flash=merged")));
    }
    let request = MergeRequest {
        score: Some(cluster.score),
        reasons: cluster.reasons.clone(),
        ..MergeRequest::manual(
            &ids.iter().map(|i| CustomerId(*i)).collect::<Vec<_>>(),
            choose,
        )
    };
    state
        .store
        .merge_customers(&posted.viewer.me.ctx(), &request)
        .await?;
    Ok(see_other(&format!("/duplicates/{id}?flash=merged")))
}

pub async fn dismiss(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let member = match posted.fields.get("member") {
        Some(m) => Some(m.parse().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let left = state
        .store
        .dismiss_cluster(&posted.viewer.me.ctx(), id, member)
        .await?;
    Ok(if left.status == "open" {
        see_other(&format!("/duplicates/{id}?flash=member_removed"))
    } else {
        see_other("/duplicates?flash=dismissed")
    })
}

pub async fn undo(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let cluster = state
        .store
        .duplicate_cluster(&posted.viewer.me.actor, id)
        .await?;
    let merge = cluster.merge_id.ok_or(PageError::Conflict)?;
    let force = posted.fields.get("force").is_some();
    let done = if cluster.entity == "contact" {
        state
            .store
            .undo_contact_merge(&posted.viewer.me.ctx(), merge, force)
            .await?
            .done
    } else {
        state
            .store
            .undo_merge(&posted.viewer.me.ctx(), merge, force)
            .await?
            .done
    };
    Ok(if done {
        see_other(&format!("/duplicates/{id}?flash=merge_undone"))
    } else {
        see_other(&format!("/duplicates/{id}?flash=undo_conflict"))
    })
}

pub async fn create_rule(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let f = &posted.fields;
    let input = MergeRuleInput {
        name: Some(f.get("name").unwrap_or_default().to_owned()),
        require: Some(f.all("require").map(str::to_owned).collect()),
        min_score: Some(
            f.get("min_score")
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(f64::NAN),
        ),
        enabled: Some(true),
        schedule: Some(f.get("schedule").unwrap_or("manual").to_owned()),
    };
    match state
        .store
        .create_merge_rule(&posted.viewer.me.ctx(), input)
        .await
    {
        Ok(_) => Ok(see_other("/duplicates?flash=rule_saved#rules")),
        Err(kehu_store::Error::Invalid(_)) => Ok(see_other("/duplicates?flash=rule_invalid#rules")),
        Err(e) => Err(e.into()),
    }
}

pub async fn toggle_rule(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let rule = state.store.merge_rule(id).await?;
    let input = MergeRuleInput {
        enabled: Some(!rule.enabled),
        ..Default::default()
    };
    state
        .store
        .update_merge_rule(&posted.viewer.me.ctx(), id, input)
        .await?;
    Ok(see_other("/duplicates?flash=saved#rules"))
}

pub async fn delete_rule(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    match state
        .store
        .delete_merge_rule(&posted.viewer.me.ctx(), id)
        .await
    {
        Ok(()) => Ok(see_other("/duplicates?flash=rule_deleted#rules")),
        Err(kehu_store::Error::Conflict(_)) => Ok(see_other("/duplicates?flash=rule_in_use#rules")),
        Err(e) => Err(e.into()),
    }
}

pub async fn run_rules(
    State(state): State<AppState>,
    posted: Posted,
) -> Result<Response, PageError> {
    let ctx = kehu_store::write::Ctx {
        source: kehu_core::ChangeSource::Rule,
        ..posted.viewer.me.ctx()
    };
    let report = state.store.run_merge_rules(&ctx, None).await?;
    Ok(see_other(&format!(
        "/duplicates?flash=rules_ran&n={}#rules",
        report.merges.len()
    )))
}
