//! The audit report (核对报告): totals, records failing each rule,
//! duplicate clusters found and merged, the completeness distribution,
//! stale records, and a data-quality table per owner and per team. Each
//! run is kept, so the trend over time shows.
//!
//! Records are judged in one pass a page at a time (their rules may hold
//! patterns SQL cannot check); duplicate figures are SQL aggregates.

use std::collections::{BTreeMap, HashMap};

use kehu_core::quality::{bucket, Level, RecordType, BUCKETS};
use kehu_core::{Actor, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{custom_failures, manager_or_admin, Judge};
use crate::customers::visible;
use crate::db::q;
use crate::time::Time;
use crate::{Error, Result, Store};

/// Figures for one kind of record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EntityFigures {
    pub records: i64,
    /// Missing a required field, or holding a value its field's rules
    /// refuse.
    pub invalid: i64,
    /// Scoring below the incomplete threshold.
    pub incomplete: i64,
    /// Neither verified nor updated within the stale period (customers).
    pub stale: i64,
    /// Mean completeness, rounded down; 0 without records.
    pub average_score: i64,
    /// Records per completeness bucket: 0–19, 20–39, 40–59, 60–79, 80–100.
    pub distribution: Vec<i64>,
}

impl EntityFigures {
    fn new() -> EntityFigures {
        EntityFigures {
            distribution: vec![0; BUCKETS.len()],
            ..EntityFigures::default()
        }
    }
}

/// How many records fail one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RuleFigure {
    /// `company`, `individual`, `contact`, or `customer` for a custom
    /// field's own rules.
    pub record_type: String,
    /// The rule's fields (`mobile|phone`) or `custom.KEY`.
    pub field: String,
    /// `required`, `recommended`, or `field_rules` (a custom field's).
    pub level: String,
    pub failing: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DuplicateFigures {
    /// Duplicate clusters waiting for review.
    pub clusters_open: i64,
    pub clusters_merged: i64,
    pub clusters_dismissed: i64,
    /// Merges in force (not undone), and the records they folded away.
    pub merges: i64,
    pub records_merged: i64,
}

/// One line of the data-quality table: a person or a team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QualityRow {
    /// The user or team; none for the shared pool (people) or for records
    /// without a team.
    pub id: Option<i64>,
    pub name: Option<String>,
    /// Customers and their contacts the owner holds.
    pub records: i64,
    pub invalid: i64,
    pub incomplete: i64,
    /// Records in open duplicate clusters that another, earlier record
    /// already held: counted against whoever created them (else the
    /// owner).
    pub duplicates: i64,
    pub stale: i64,
}

/// One run of the audit report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckReport {
    pub run_id: i64,
    pub at: Time,
    /// `all` (an administrator's view) or `team` (a manager's).
    pub scope: String,
    pub team_id: Option<i64>,
    pub stale_days: u32,
    pub incomplete_below: u32,
    pub customers: EntityFigures,
    pub contacts: EntityFigures,
    pub rules: Vec<RuleFigure>,
    pub duplicates: DuplicateFigures,
    pub owners: Vec<QualityRow>,
    pub teams: Vec<QualityRow>,
}

/// The headline figures of an earlier run, for the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, ToSchema)]
pub struct CheckRunSummary {
    pub id: i64,
    pub created_at: Time,
    pub scope: String,
    pub team_id: Option<i64>,
    pub customers: i64,
    pub invalid: i64,
    pub incomplete: i64,
    pub stale: i64,
    pub duplicates: i64,
    pub average_score: i64,
}

/// Counts as the pass goes.
struct Tally {
    customers: EntityFigures,
    contacts: EntityFigures,
    score_sums: [i64; 2],
    /// Per record type, per rule index: records failing it.
    rule_fails: BTreeMap<RecordType, Vec<i64>>,
    custom_fails: BTreeMap<String, i64>,
    owners: BTreeMap<Option<i64>, QualityRow>,
    teams: BTreeMap<Option<i64>, QualityRow>,
}

/// One judged record's marks.
#[derive(Clone, Copy)]
struct Marks {
    invalid: bool,
    incomplete: bool,
    stale: bool,
}

impl Tally {
    fn count(&mut self, owner: Option<i64>, team: Option<i64>, m: Marks) {
        for row in [
            self.owners.entry(owner).or_default(),
            self.teams.entry(team).or_default(),
        ] {
            row.records += 1;
            row.invalid += i64::from(m.invalid);
            row.incomplete += i64::from(m.incomplete);
            row.stale += i64::from(m.stale);
        }
    }
}

fn add(figures: &mut EntityFigures, sum: &mut i64, score: u32, m: Marks) {
    figures.records += 1;
    figures.invalid += i64::from(m.invalid);
    figures.incomplete += i64::from(m.incomplete);
    figures.stale += i64::from(m.stale);
    figures.distribution[bucket(score)] += 1;
    *sum += i64::from(score);
}

/// The table's lines with the names `name_of` gives their ids.
fn named(
    rows: BTreeMap<Option<i64>, QualityRow>,
    name_of: impl Fn(i64) -> Option<String>,
) -> Vec<QualityRow> {
    rows.into_iter()
        .map(|(id, row)| QualityRow {
            id,
            name: id.and_then(&name_of),
            ..row
        })
        .collect()
}

fn scope_of(actor: &Actor) -> (&'static str, Option<i64>) {
    match actor.scope() {
        Scope::All => ("all", None),
        Scope::Team(team) => ("team", team.map(|t| t.get())),
        // Never reached: reps are refused before.
        Scope::Own(_) => ("team", actor.team_id.map(|t| t.get())),
    }
}

impl Store {
    /// Runs the audit report over what `actor` sees (managers: their
    /// team and the pool; administrators: everything), keeps it, and
    /// returns it. `now` decides which records are stale.
    pub async fn run_check(&self, actor: &Actor, now: Time) -> Result<CheckReport> {
        manager_or_admin(actor)?;
        let scope = actor.scope();
        let judge = Judge {
            rules: self.quality_rules().await?,
            defs: self.field_defs().await?,
            now: now.0,
        };
        let mut tally = Tally {
            customers: EntityFigures::new(),
            contacts: EntityFigures::new(),
            score_sums: [0, 0],
            rule_fails: RecordType::ALL
                .iter()
                .map(|r| (*r, vec![0; judge.rules.of(*r).len()]))
                .collect(),
            custom_fails: BTreeMap::new(),
            owners: BTreeMap::new(),
            teams: BTreeMap::new(),
        };
        let below = judge.rules.incomplete_below;
        let mut after = 0;
        loop {
            let page = self.customers_after(scope, after).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for c in &page {
                let (record, a) = judge.customer(c);
                let custom = custom_failures(&judge.defs, c);
                let marks = Marks {
                    invalid: !a.is_valid() || !custom.is_empty(),
                    incomplete: a.score < below,
                    stale: judge.stale(c),
                };
                add(
                    &mut tally.customers,
                    &mut tally.score_sums[0],
                    a.score,
                    marks,
                );
                if let Some(fails) = tally.rule_fails.get_mut(&record) {
                    for &i in a.missing_required.iter().chain(&a.missing_recommended) {
                        fails[i] += 1;
                    }
                }
                for (field, _) in custom {
                    *tally.custom_fails.entry(field).or_default() += 1;
                }
                tally.count(c.owner_id, c.team_id, marks);
            }
        }
        let mut after = 0;
        loop {
            let page = self.contacts_after(scope, after).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for c in &page {
                let a = judge.contact(c);
                let marks = Marks {
                    invalid: !a.is_valid(),
                    incomplete: a.score < below,
                    stale: false,
                };
                add(
                    &mut tally.contacts,
                    &mut tally.score_sums[1],
                    a.score,
                    marks,
                );
                if let Some(fails) = tally.rule_fails.get_mut(&RecordType::Contact) {
                    for &i in a.missing_required.iter().chain(&a.missing_recommended) {
                        fails[i] += 1;
                    }
                }
                tally.count(c.owner_id, c.team_id, marks);
            }
        }
        for (figures, sum) in [
            (&mut tally.customers, tally.score_sums[0]),
            (&mut tally.contacts, tally.score_sums[1]),
        ] {
            if figures.records > 0 {
                figures.average_score = sum / figures.records;
            }
        }
        let duplicates = self.duplicate_figures(scope).await?;
        self.count_duplicates_entered(scope, &mut tally).await?;

        let mut rules = Vec::new();
        for record in RecordType::ALL {
            for (rule, failing) in judge
                .rules
                .of(record)
                .iter()
                .zip(&tally.rule_fails[&record])
            {
                rules.push(RuleFigure {
                    record_type: record.as_str().to_owned(),
                    field: rule.label(),
                    level: match rule.level {
                        Level::Required => "required",
                        Level::Recommended => "recommended",
                    }
                    .to_owned(),
                    failing: *failing,
                });
            }
        }
        for def in &judge.defs {
            let field = format!("custom.{}", def.key);
            rules.push(RuleFigure {
                failing: tally.custom_fails.get(&field).copied().unwrap_or(0),
                record_type: "customer".to_owned(),
                field,
                level: "field_rules".to_owned(),
            });
        }
        let (scope_name, team_id) = scope_of(actor);
        let mut report = CheckReport {
            run_id: 0,
            at: now,
            scope: scope_name.to_owned(),
            team_id,
            stale_days: judge.rules.stale_days,
            incomplete_below: below,
            customers: tally.customers,
            contacts: tally.contacts,
            rules,
            duplicates,
            owners: self.named_users(tally.owners).await?,
            teams: self.named_teams(tally.teams).await?,
        };
        report.run_id = self.keep_check_run(actor, &report).await?;
        Ok(report)
    }

    async fn duplicate_figures(&self, scope: Scope) -> Result<DuplicateFigures> {
        let seen = visible(scope, "c");
        let clusters: Vec<(String, i64)> = self
            .db
            .all(q(format!(
                "SELECT dc.status, COUNT(*) FROM duplicate_clusters dc WHERE EXISTS (SELECT 1 \
                 FROM duplicate_members m JOIN customers c ON c.id = m.customer_id \
                 WHERE m.cluster_id = dc.id AND {seen}) GROUP BY dc.status"
            )))
            .await?;
        let count = |status: &str| {
            clusters
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n)
        };
        let (merges, records_merged): (i64, i64) = self
            .db
            .one(q(format!(
                "SELECT COUNT(DISTINCT m.id), COUNT(mm.customer_id) FROM merges m \
                 JOIN customers c ON c.id = m.survivor_id \
                 LEFT JOIN merge_members mm ON mm.merge_id = m.id \
                 WHERE m.undone_at IS NULL AND {seen}"
            )))
            .await?;
        Ok(DuplicateFigures {
            clusters_open: count("open"),
            clusters_merged: count("merged"),
            clusters_dismissed: count("dismissed"),
            merges,
            records_merged,
        })
    }

    /// Members of open clusters that were not the cluster's first record,
    /// per person (creator, else owner) and per team, in one query.
    async fn count_duplicates_entered(&self, scope: Scope, tally: &mut Tally) -> Result<()> {
        let rows: Vec<(Option<i64>, Option<i64>, i64)> = self
            .db
            .all(q(format!(
                "SELECT COALESCE(c.created_by, c.owner_id), c.team_id, COUNT(DISTINCT c.id) \
                 FROM duplicate_members m \
                 JOIN duplicate_clusters dc ON dc.id = m.cluster_id AND dc.status = 'open' \
                 JOIN customers c ON c.id = m.customer_id AND c.deleted_at IS NULL \
                 WHERE {} AND EXISTS (SELECT 1 FROM duplicate_members m2 \
                 JOIN customers c2 ON c2.id = m2.customer_id \
                 WHERE m2.cluster_id = m.cluster_id AND (c2.created_at < c.created_at \
                 OR (c2.created_at = c.created_at AND c2.id < c.id))) \
                 GROUP BY COALESCE(c.created_by, c.owner_id), c.team_id",
                visible(scope, "c")
            )))
            .await?;
        for (user, team, n) in rows {
            tally.owners.entry(user).or_default().duplicates += n;
            tally.teams.entry(team).or_default().duplicates += n;
        }
        Ok(())
    }

    async fn named_users(
        &self,
        rows: BTreeMap<Option<i64>, QualityRow>,
    ) -> Result<Vec<QualityRow>> {
        let names: HashMap<i64, String> = self
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name.unwrap_or(u.email)))
            .collect();
        Ok(named(rows, |id| names.get(&id).cloned()))
    }

    async fn named_teams(
        &self,
        rows: BTreeMap<Option<i64>, QualityRow>,
    ) -> Result<Vec<QualityRow>> {
        let names: HashMap<i64, String> = self
            .teams()
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        Ok(named(rows, |id| names.get(&id).cloned()))
    }

    async fn keep_check_run(&self, actor: &Actor, report: &CheckReport) -> Result<i64> {
        let text = super::json(report)?;
        let c = &report.customers;
        let duplicates: i64 = report.owners.iter().map(|o| o.duplicates).sum();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q("INSERT INTO check_runs (actor_id, scope, team_id, customers, invalid, incomplete, stale, \
                   duplicates, average_score, report, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0))
                .bind(report.scope.as_str())
                .bind(report.team_id)
                .bind(c.records)
                .bind(c.invalid)
                .bind(c.incomplete)
                .bind(c.stale)
                .bind(duplicates)
                .bind(c.average_score)
                .bind(text)
                .bind(report.at.0),
            )
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The SQL condition picking the runs of the actor's scope.
    fn runs_of(actor: &Actor) -> String {
        match scope_of(actor) {
            ("all", _) => "scope = 'all'".to_owned(),
            (_, Some(team)) => format!("scope = 'team' AND team_id = {team}"),
            (_, None) => "scope = 'team' AND team_id IS NULL".to_owned(),
        }
    }

    /// Earlier runs of the report for the actor's scope, newest first.
    pub async fn check_runs(&self, actor: &Actor, limit: i64) -> Result<Vec<CheckRunSummary>> {
        manager_or_admin(actor)?;
        self.db
            .all(
                q(format!(
                    "SELECT id, created_at, scope, team_id, customers, invalid, incomplete, stale, \
                     duplicates, average_score FROM check_runs WHERE {} ORDER BY id DESC LIMIT $1",
                    Store::runs_of(actor)
                ))
                .bind(limit.clamp(1, 1000)),
            )
            .await
    }

    /// One kept run, in full.
    pub async fn check_run(&self, actor: &Actor, id: i64) -> Result<CheckReport> {
        manager_or_admin(actor)?;
        let row: Option<(i64, String)> = self
            .db
            .optional(
                q(format!(
                    "SELECT id, report FROM check_runs WHERE id = $1 AND {}",
                    Store::runs_of(actor)
                ))
                .bind(id),
            )
            .await?;
        let (id, text) = row.ok_or(Error::NotFound)?;
        let mut report: CheckReport = serde_json::from_str(&text)
            .map_err(|e| Error::internal(format!("check run {id}: {e}")))?;
        report.run_id = id;
        Ok(report)
    }
}
