//! Automatic merging (自动合并): an administrator's rules under which the
//! review queue's clusters are merged without a person looking at each,
//! e.g. "same mobile and same name, score at least 0.9". Rules run by hand
//! or daily; every merge they make is an ordinary merge, undone the same
//! way, and names its rule.

use kehu_core::dedupe::Reason;
use kehu_core::{Code, CustomerId, Invalid};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{json, q};
use crate::dedupe::{score_out_of_range, QueueCluster};
use crate::merge::{MergeRequest, MAX_MERGE};
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// Evidence against a pair, which no rule may require.
const AGAINST: &[Reason] = &[Reason::DifferentUscc, Reason::NameDifferent];

/// How often a rule runs by itself.
pub const SCHEDULES: &[&str] = &["manual", "daily"];

/// A daily rule runs again this long after its last run.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Open clusters read per page when rules run.
const PAGE: usize = 500;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct MergeRule {
    pub id: i64,
    pub name: String,
    /// Reason codes every pair of a cluster must have (`same_mobile`, …).
    #[sqlx(try_from = "String")]
    pub require: Codes,
    /// Every pair of a cluster must score at least this.
    pub min_score: f64,
    pub enabled: bool,
    /// `manual` or `daily`.
    pub schedule: String,
    pub last_run_at: Option<Time>,
    pub created_at: Time,
    pub updated_at: Time,
}

/// A JSON array of reason codes in a TEXT column (both backends).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
pub struct Codes(pub Vec<String>);

impl TryFrom<String> for Codes {
    type Error = serde_json::Error;
    fn try_from(s: String) -> std::result::Result<Self, Self::Error> {
        serde_json::from_str(&s).map(Codes)
    }
}

/// A rule as an administrator writes it; on update, `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct MergeRuleInput {
    pub name: Option<String>,
    pub require: Option<Vec<String>>,
    pub min_score: Option<f64>,
    pub enabled: Option<bool>,
    pub schedule: Option<String>,
}

/// What running rules did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AutoMerge {
    /// Open clusters looked at.
    pub clusters: i64,
    /// The merges made, each undoable.
    pub merges: Vec<i64>,
}

impl MergeRule {
    /// Whether the rule merges `cluster`: duplicates (not branches), every
    /// record still live, and every pair strong enough with every reason
    /// the rule requires.
    pub fn covers(&self, cluster: &QueueCluster) -> bool {
        !cluster.related
            && cluster.entity == "customer"
            && cluster.status == "open"
            && (2..=MAX_MERGE).contains(&cluster.members.len())
            && cluster.members.iter().all(|m| m.deleted_at.is_none())
            && !cluster.pairs.is_empty()
            && cluster.pairs.iter().all(|p| {
                p.score >= self.min_score - 1e-9
                    && !p.related
                    && self.require.0.iter().all(|r| p.reasons.contains(r))
            })
    }
}

fn check(input: &MergeRuleInput, creating: bool) -> Result<()> {
    let mut invalid = Invalid::default();
    match input.name.as_deref().map(str::trim) {
        Some("") => invalid.push("name", Code::Required),
        Some(n) if n.chars().count() > 100 => invalid.push("name", Code::TooLong { max: 100 }),
        None if creating => invalid.push("name", Code::Required),
        _ => {}
    }
    if let Some(require) = &input.require {
        for (i, code) in require.iter().enumerate() {
            let known = Reason::ALL
                .iter()
                .find(|r| r.as_str() == code)
                .filter(|r| !AGAINST.contains(r));
            if known.is_none() {
                invalid.push(format!("require.{i}"), Code::InvalidChoice);
            }
        }
    }
    match input.min_score.map(score_out_of_range) {
        Some(Some(code)) => invalid.push("min_score", code),
        None if creating => invalid.push("min_score", Code::Required),
        _ => {}
    }
    if let Some(s) = &input.schedule {
        if !SCHEDULES.contains(&s.as_str()) {
            invalid.push("schedule", Code::InvalidChoice);
        }
    }
    // A rule with no required evidence and a low score would merge what
    // only looks alike: one of the two must be strict.
    if creating
        && input.require.as_ref().is_none_or(Vec::is_empty)
        && input.min_score.is_some_and(|s| s < 0.9)
    {
        invalid.push("require", Code::Required);
    }
    Ok(invalid.into_result()?)
}

const COLUMNS: &str =
    "id, name, require, min_score, enabled, schedule, last_run_at, created_at, updated_at";

impl Store {
    /// Every rule, by id.
    pub async fn merge_rules(&self) -> Result<Vec<MergeRule>> {
        self.db
            .all(q(format!("SELECT {COLUMNS} FROM merge_rules ORDER BY id")))
            .await
    }

    pub async fn merge_rule(&self, id: i64) -> Result<MergeRule> {
        self.db
            .optional(q(format!("SELECT {COLUMNS} FROM merge_rules WHERE id = $1")).bind(id))
            .await?
            .ok_or(Error::NotFound)
    }

    /// Administrators only.
    pub async fn create_merge_rule(&self, ctx: &Ctx, input: MergeRuleInput) -> Result<MergeRule> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        check(&input, true)?;
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let name = input.name.unwrap_or_default().trim().to_owned();
        let taken: Option<(i64,)> = tx
            .optional(q("SELECT id FROM merge_rules WHERE name = $1").bind(name.as_str()))
            .await?;
        if taken.is_some() {
            return Err(Invalid::one("name", Code::NameTaken).into());
        }
        let id = tx
            .insert(
                q("INSERT INTO merge_rules (name, require, min_score, enabled, schedule, created_by, \
                   created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id")
                .bind(name)
                .bind(json(&input.require.unwrap_or_default())?)
                .bind(input.min_score.unwrap_or(1.0))
                .bind(input.enabled.unwrap_or(true))
                .bind(input.schedule.unwrap_or_else(|| "manual".into()))
                .bind(ctx.by())
                .bind(now),
            )
            .await?;
        tx.commit().await?;
        self.merge_rule(id).await
    }

    pub async fn update_merge_rule(
        &self,
        ctx: &Ctx,
        id: i64,
        input: MergeRuleInput,
    ) -> Result<MergeRule> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        check(&input, false)?;
        let old = self.merge_rule(id).await?;
        let name = input.name.map_or(old.name.clone(), |n| n.trim().to_owned());
        if name != old.name {
            let taken: Option<(i64,)> = self
                .db
                .optional(
                    q("SELECT id FROM merge_rules WHERE name = $1 AND id <> $2")
                        .bind(name.as_str())
                        .bind(id),
                )
                .await?;
            if taken.is_some() {
                return Err(Invalid::one("name", Code::NameTaken).into());
            }
        }
        self.db
            .execute(
                q("UPDATE merge_rules SET name = $1, require = $2, min_score = $3, enabled = $4, \
                   schedule = $5, updated_at = $6 WHERE id = $7")
                .bind(name)
                .bind(json(&input.require.unwrap_or(old.require.0))?)
                .bind(input.min_score.unwrap_or(old.min_score))
                .bind(input.enabled.unwrap_or(old.enabled))
                .bind(input.schedule.unwrap_or(old.schedule))
                .bind(now_ms())
                .bind(id),
            )
            .await?;
        self.merge_rule(id).await
    }

    /// Removes a rule that never merged anything; one that did stays with
    /// its merges (disable it instead).
    pub async fn delete_merge_rule(&self, ctx: &Ctx, id: i64) -> Result<()> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        self.merge_rule(id).await?;
        let used: Option<(i64,)> = self
            .db
            .optional(q("SELECT id FROM merges WHERE rule_id = $1 LIMIT 1").bind(id))
            .await?;
        if used.is_some() {
            return Err(Error::Conflict("rule_in_use"));
        }
        self.db
            .execute(q("DELETE FROM merge_rules WHERE id = $1").bind(id))
            .await?;
        Ok(())
    }

    /// Runs enabled rules (or only `only`, enabled or not) over the review
    /// queue's open clusters: each cluster a rule covers is merged with
    /// the default choice of values, as that rule's merge. Administrators
    /// (or kehu itself, on schedule).
    pub async fn run_merge_rules(&self, ctx: &Ctx, only: Option<i64>) -> Result<AutoMerge> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let rules: Vec<MergeRule> = match only {
            Some(id) => vec![self.merge_rule(id).await?],
            None => self
                .merge_rules()
                .await?
                .into_iter()
                .filter(|r| r.enabled)
                .collect(),
        };
        let mut report = AutoMerge::default();
        if rules.is_empty() {
            return Ok(report);
        }
        let mut after = 0;
        loop {
            let heads: Vec<(i64,)> = self
                .db
                .all(
                    q(
                        "SELECT id FROM duplicate_clusters WHERE status = 'open' AND entity = 'customer' AND id > $1 \
                       ORDER BY id LIMIT $2",
                    )
                    .bind(after)
                    .bind(PAGE as i64),
                )
                .await?;
            let Some(&(last,)) = heads.last() else { break };
            after = last;
            for (id,) in heads {
                report.clusters += 1;
                let cluster = self.duplicate_cluster(&ctx.actor, id).await?;
                let Some(rule) = rules.iter().find(|r| r.covers(&cluster)) else {
                    continue;
                };
                let ids: Vec<CustomerId> =
                    cluster.members.iter().map(|m| CustomerId(m.id)).collect();
                let plan = self.merge_plan(&ctx.actor, &ids).await?;
                let mut merged: Vec<CustomerId> = ids;
                merged.retain(|c| c.get() != plan.survivor);
                let request = MergeRequest {
                    survivor: CustomerId(plan.survivor),
                    merged,
                    choose: Default::default(),
                    score: Some(cluster.score),
                    reasons: cluster.reasons.clone(),
                    rule: Some(rule.id),
                };
                match self.merge_customers(ctx, &request).await {
                    Ok(m) => report.merges.push(m.id),
                    // Changed since the scan (merged by hand, deleted):
                    // left for the next scan.
                    Err(Error::NotFound | Error::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let now = now_ms();
        for rule in &rules {
            self.db
                .execute(
                    q("UPDATE merge_rules SET last_run_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(rule.id),
                )
                .await?;
        }
        self.db
            .execute(
                q(
                    "UPDATE dedupe_runs SET auto_merged = auto_merged + $1 WHERE id = \
                   (SELECT MAX(id) FROM dedupe_runs WHERE finished_at IS NOT NULL)",
                )
                .bind(report.merges.len() as i64),
            )
            .await?;
        Ok(report)
    }

    /// Enabled daily rules not run in the day before `now`, for the daily
    /// maintenance to scan and run.
    pub async fn due_merge_rules(&self, now: Time) -> Result<Vec<MergeRule>> {
        let cutoff = now.0 - DAY_MS + 60_000;
        Ok(self
            .merge_rules()
            .await?
            .into_iter()
            .filter(|r| {
                r.enabled && r.schedule == "daily" && r.last_run_at.is_none_or(|at| at.0 <= cutoff)
            })
            .collect())
    }
}
