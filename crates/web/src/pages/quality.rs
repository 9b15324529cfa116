//! The audit report page (核对报告) for managers and administrators: the
//! latest run's figures, the data-quality table per owner and team,
//! earlier runs for the trend, and the re-validations rule changes left.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kehu_core::quality::BUCKETS;
use kehu_store::fields::FieldDefinition;
use kehu_store::quality::{
    CheckReport, CheckRunSummary, QualityRow, RecordQuality, Revalidation, RevalidationFailure,
};
use kehu_store::time::Time;

use super::customers::flash;
use super::frame::{Frame, Section};
use super::{render, see_other, PageError, Posted, Viewer, T};
use crate::extract::QueryPairs;
use crate::AppState;

/// Failures shown per page of a re-validation.
const FAILURE_PAGE: i64 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quality", get(page))
        .route("/quality/check", post(run))
        .route("/quality/revalidations/{id}", get(revalidation))
}

/// A customer's completeness in one line for its page: the score, the
/// required and recommended fields missing, and whether it is stale.
pub fn record_summary(t: T, q: &RecordQuality, defs: &[FieldDefinition]) -> String {
    let label = |rule: &String| {
        rule.split('|')
            .map(|field| match field.strip_prefix("custom.") {
                Some(key) => defs
                    .iter()
                    .find(|d| d.key == key)
                    .map_or(key, |d| if t.is_zh() { &d.label_zh } else { &d.label_en })
                    .to_owned(),
                None => t.field(field).to_owned(),
            })
            .collect::<Vec<_>>()
            .join(t.s("quality.or"))
    };
    let mut parts = vec![t.count("quality.score_of", q.score)];
    if !q.missing_required.is_empty() {
        let missing: Vec<String> = q.missing_required.iter().map(label).collect();
        parts.push(format!(
            "{}: {}",
            t.s("quality.missing_required"),
            missing.join(", ")
        ));
    }
    if !q.missing_recommended.is_empty() {
        let missing: Vec<String> = q.missing_recommended.iter().map(label).collect();
        parts.push(format!(
            "{}: {}",
            t.s("quality.missing_recommended"),
            missing.join(", ")
        ));
    }
    if q.stale {
        parts.push(t.s("quality.is_stale").to_owned());
    }
    parts.join(" · ")
}

/// The report is for the people who train and assess staff.
fn managers_only(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.me.actor.is_manager_or_admin() {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

/// One line of a small figures table: a label and its number.
pub struct Figure {
    pub label: String,
    pub value: i64,
}

/// One bar of the completeness chart, in SVG user units.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub height: i64,
    pub label: &'static str,
    pub count: i64,
}

/// Chart size: a bar per bucket, the tallest reaching the top.
const CHART_HEIGHT: i64 = 120;
const BAR_STEP: i64 = 80;
const BAR_WIDTH: i64 = 56;

/// The customers' completeness distribution as bars.
fn bars(distribution: &[(&'static str, i64, i64)]) -> Vec<Bar> {
    let most = distribution.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    distribution
        .iter()
        .enumerate()
        .map(|(i, &(label, count, _))| {
            let height = count * CHART_HEIGHT / most;
            Bar {
                x: i as i64 * BAR_STEP + (BAR_STEP - BAR_WIDTH) / 2,
                y: 20 + CHART_HEIGHT - height,
                height,
                label,
                count,
            }
        })
        .collect()
}

pub struct RuleLine {
    pub field: String,
    pub record_type: &'static str,
    pub level: &'static str,
    pub failing: i64,
}

pub struct PersonLine {
    pub name: String,
    pub row: QualityRow,
}

pub struct RunLine {
    pub id: i64,
    pub at: String,
    pub run: CheckRunSummary,
}

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityPage {
    f: Frame,
    report: Option<CheckReport>,
    /// When the report shown ran.
    at: String,
    totals: Vec<Figure>,
    distribution: Vec<(&'static str, i64, i64)>,
    bars: Vec<Bar>,
    rules: Vec<RuleLine>,
    duplicates: Vec<Figure>,
    owners: Vec<PersonLine>,
    teams: Vec<PersonLine>,
    runs: Vec<RunLine>,
    revalidations: Vec<(Revalidation, String)>,
}

impl QualityPage {
    /// The two data-quality tables: their id, heading and lines.
    fn people(&self) -> [(&'static str, &'static str, &Vec<PersonLine>); 2] {
        [
            ("owners", "quality.by_owner", &self.owners),
            ("teams", "quality.by_team", &self.teams),
        ]
    }
}

fn people(rows: &[QualityRow], nobody: &str) -> Vec<PersonLine> {
    rows.iter()
        .map(|row| PersonLine {
            name: row.name.clone().unwrap_or_else(|| nobody.to_owned()),
            row: row.clone(),
        })
        .collect()
}

fn figure(t: T, key: &str, value: i64) -> Figure {
    Figure {
        label: t.s(key).to_owned(),
        value,
    }
}

fn totals(t: T, r: &CheckReport) -> Vec<Figure> {
    let c = &r.customers;
    vec![
        figure(t, "quality.customers", c.records),
        figure(t, "quality.invalid", c.invalid),
        figure(t, "quality.incomplete", c.incomplete),
        figure(t, "quality.stale", c.stale),
        figure(t, "quality.average", c.average_score),
        figure(t, "quality.contacts", r.contacts.records),
        figure(t, "quality.contacts_invalid", r.contacts.invalid),
        figure(t, "quality.contacts_incomplete", r.contacts.incomplete),
    ]
}

fn duplicates(t: T, r: &CheckReport) -> Vec<Figure> {
    let d = &r.duplicates;
    vec![
        figure(t, "quality.clusters_open", d.clusters_open),
        figure(t, "quality.clusters_merged", d.clusters_merged),
        figure(t, "quality.clusters_dismissed", d.clusters_dismissed),
        figure(t, "quality.merges", d.merges),
        figure(t, "quality.records_merged", d.records_merged),
    ]
}

fn rule_lines(t: T, r: &CheckReport) -> Vec<RuleLine> {
    r.rules
        .iter()
        .map(|rule| RuleLine {
            field: rule.field.clone(),
            record_type: t.s(&format!("quality.type_{}", rule.record_type)),
            level: t.s(&format!("quality.level_{}", rule.level)),
            failing: rule.failing,
        })
        .collect()
}

/// `/quality`: the newest run (or `?run=ID`), earlier runs and the
/// latest re-validations.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    managers_only(&viewer)?;
    let t = viewer.t();
    let actor = &viewer.me.actor;
    let runs = state.store.check_runs(actor, 30).await?;
    let wanted = super::param(&params, "run")
        .map(|v| v.parse::<i64>().map_err(|_| PageError::BadRequest))
        .transpose()?
        .or(runs.first().map(|r| r.id));
    let report = match wanted {
        Some(id) => Some(state.store.check_run(actor, id).await?),
        None => None,
    };
    // Rule changes are the administrator's to follow up.
    let revalidations = if actor.is_admin() {
        state.store.revalidations(actor, 10).await?
    } else {
        Vec::new()
    }
    .into_iter()
    .map(|r| {
        let at = t.time(r.created_at.0);
        (r, at)
    })
    .collect();
    let mut page = QualityPage {
        f: Frame::new(&state, &viewer, Section::Quality, t.s("nav.quality"))
            .await?
            .with_flash(flash(t, &params)),
        totals: Vec::new(),
        distribution: Vec::new(),
        bars: Vec::new(),
        rules: Vec::new(),
        duplicates: Vec::new(),
        owners: Vec::new(),
        teams: Vec::new(),
        runs: runs
            .into_iter()
            .map(|run| RunLine {
                id: run.id,
                at: t.time(run.created_at.0),
                run,
            })
            .collect(),
        revalidations,
        report: None,
        at: String::new(),
    };
    if let Some(r) = report {
        page.totals = totals(t, &r);
        page.duplicates = duplicates(t, &r);
        page.rules = rule_lines(t, &r);
        page.distribution = BUCKETS
            .iter()
            .enumerate()
            .map(|(i, b)| {
                (
                    *b,
                    r.customers.distribution.get(i).copied().unwrap_or(0),
                    r.contacts.distribution.get(i).copied().unwrap_or(0),
                )
            })
            .collect();
        page.bars = bars(&page.distribution);
        page.owners = people(&r.owners, t.s("quality.pool"));
        page.teams = people(&r.teams, t.s("quality.no_team"));
        page.at = t.time(r.at.0);
        page.report = Some(r);
    }
    render(&page)
}

/// Runs the report now and shows it.
pub async fn run(State(state): State<AppState>, posted: Posted) -> Result<Response, PageError> {
    managers_only(&posted.viewer)?;
    let report = state
        .store
        .run_check(&posted.viewer.me.actor, Time::now())
        .await?;
    Ok(see_other(&format!(
        "/quality?run={}&flash=check_done",
        report.run_id
    )))
}

#[derive(Template)]
#[template(path = "quality_revalidation.html")]
struct RevalidationPage {
    f: Frame,
    r: Revalidation,
    at: String,
    failures: Vec<RevalidationFailure>,
    previous: Option<i64>,
    next: Option<i64>,
}

/// `/quality/revalidations/{id}?offset=N` (administrators): the records a
/// rule change left failing, a page at a time.
pub async fn revalidation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    if !viewer.me.actor.is_admin() {
        return Err(PageError::Forbidden);
    }
    let t = viewer.t();
    let offset = super::param(&params, "offset")
        .map(|v| v.parse::<i64>().map_err(|_| PageError::BadRequest))
        .transpose()?
        .unwrap_or(0)
        .max(0);
    let actor = &viewer.me.actor;
    let r = state.store.revalidation(actor, id).await?;
    let failures = state
        .store
        .revalidation_failures(actor, id, offset, FAILURE_PAGE)
        .await?;
    let next = (failures.len() as i64 == FAILURE_PAGE).then_some(offset + FAILURE_PAGE);
    let previous = (offset > 0).then(|| (offset - FAILURE_PAGE).max(0));
    render(&RevalidationPage {
        f: Frame::new(
            &state,
            &viewer,
            Section::Quality,
            t.s("quality.revalidation"),
        )
        .await?
        .with_flash(flash(t, &params)),
        at: t.time(r.created_at.0),
        r,
        failures,
        previous,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fullest_bucket_reaches_the_top_of_the_chart_and_empty_ones_are_flat() {
        let bars = bars(&[("0-19", 0, 0), ("20-39", 5, 0), ("40-59", 10, 3)]);
        assert_eq!(
            bars.iter().map(|b| b.height).collect::<Vec<_>>(),
            vec![0, CHART_HEIGHT / 2, CHART_HEIGHT]
        );
        // Every bar stands on the same baseline.
        assert!(bars.iter().all(|b| b.y + b.height == 20 + CHART_HEIGHT));
        assert!(bars.windows(2).all(|w| w[1].x - w[0].x == BAR_STEP));
        // Nothing to show: no division by zero, no bars.
        assert!(super::bars(&[("0-19", 0, 0)]).iter().all(|b| b.height == 0));
    }
}
