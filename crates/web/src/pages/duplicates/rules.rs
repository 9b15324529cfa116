//! The merge rules: as the queue lists them for administrators, and
//! adding, switching on or off, deleting and running them.

use axum::extract::{Path, State};
use axum::response::Response;
use kehu_store::merge_rules::{MergeRule, MergeRuleInput};

use super::reason_label;
use crate::pages::{see_other, PageError, Posted, T};
use crate::AppState;

pub struct RuleView {
    pub id: i64,
    pub name: String,
    pub require: String,
    pub min_score: String,
    pub daily: bool,
    pub enabled: bool,
    pub last_run: String,
}

pub(super) fn rule_view(r: &MergeRule, t: T) -> RuleView {
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
