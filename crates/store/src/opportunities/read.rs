//! Reading opportunities: one opportunity, a page of them, the board of a
//! pipeline, the forecast and an opportunity's history.

use std::collections::HashMap;

use kehu_core::money::{totals, Money};
use kehu_core::opportunity::{forecast, weighted, ForecastInput, ForecastRow};
use kehu_core::OpportunityId;

use super::{finish, Column, ForecastBy, Opportunity, OpportunityFilter, COLUMNS, LINES, MAX_PAGE};
use crate::customers::visible;
use crate::db::{q, Where};
use crate::{Error, Result, Store};

impl Store {
    /// An opportunity the actor may see, with its lines.
    pub async fn opportunity(
        &self,
        actor: &kehu_core::Actor,
        id: OpportunityId,
    ) -> Result<Opportunity> {
        let mut o: Opportunity = self
            .visible_row(COLUMNS, "opportunities", actor, id.get())
            .await?;
        o.lines = self.lines(LINES, id.get()).await?;
        Ok(finish(o))
    }

    /// A page of the opportunities the actor may see, newest first.
    pub async fn opportunities(
        &self,
        actor: &kehu_core::Actor,
        filter: &OpportunityFilter,
    ) -> Result<Vec<Opportunity>> {
        let stmt = conditions(actor, filter).query(&format!(
            "SELECT {COLUMNS} FROM opportunities o JOIN customers c ON c.id = o.customer_id \
             WHERE {{where}} ORDER BY o.id DESC LIMIT {}",
            filter.limit.clamp(1, MAX_PAGE)
        ));
        let rows: Vec<Opportunity> = self.db.all(stmt).await?;
        Ok(rows.into_iter().map(finish).collect())
    }

    /// The board of a pipeline: a column per active stage with its first
    /// `per_column` cards (soonest to close first) and what every
    /// opportunity the actor sees there adds up to, plain and weighted.
    pub async fn board(
        &self,
        actor: &kehu_core::Actor,
        pipeline_id: i64,
        filter: &OpportunityFilter,
        per_column: i64,
    ) -> Result<Vec<Column>> {
        let pipeline = self
            .pipelines()
            .await?
            .into_iter()
            .find(|p| p.id == pipeline_id)
            .ok_or(Error::NotFound)?;
        let mut f = filter.clone();
        f.pipeline_id = Some(pipeline_id);
        let stmt = conditions(actor, &f)
            .query("SELECT o.stage_id, o.amount, o.probability FROM opportunities o WHERE {where}");
        let all: Vec<(i64, String, i64)> = self.db.all(stmt).await?;
        let mut by_stage: HashMap<i64, Vec<(Money, i64)>> = HashMap::new();
        for (stage, amount, p) in all {
            let m = Money::parse(&amount).map_err(|_| Error::internal("bad opportunity amount"))?;
            by_stage.entry(stage).or_default().push((m, p));
        }
        let mut columns = Vec::new();
        for stage in pipeline.stages.into_iter().filter(|s| s.active) {
            let items = by_stage.remove(&stage.id).unwrap_or_default();
            let mut g = f.clone();
            g.stage_id = Some(stage.id);
            let stmt = conditions(actor, &g).query(&format!(
                "SELECT {COLUMNS} FROM opportunities o JOIN customers c ON c.id = o.customer_id \
                 WHERE {{where}} ORDER BY o.expected_close IS NULL, o.expected_close, o.id LIMIT {}",
                per_column.clamp(1, MAX_PAGE)
            ));
            let cards: Vec<Opportunity> = self.db.all(stmt).await?;
            columns.push(Column {
                count: items.len() as i64,
                total: money_map(items.iter().map(|(m, _)| *m)),
                weighted: money_map(items.iter().map(|(m, p)| weighted(*m, *p))),
                cards: cards.into_iter().map(finish).collect(),
                stage,
            });
        }
        Ok(columns)
    }

    /// Expected and weighted revenue by month (`from`..=`to`, YYYY-MM) of
    /// the opportunities the actor sees, by owner, team or all together
    /// (groups are user or team ids as text; `""` for none).
    pub async fn forecast(
        &self,
        actor: &kehu_core::Actor,
        from: &str,
        to: &str,
        by: ForecastBy,
    ) -> Result<Vec<ForecastRow>> {
        /// Owner, team, amount, probability, status, expected close, closed.
        type Row = (
            Option<i64>,
            Option<i64>,
            String,
            i64,
            String,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Row> = self
            .db
            .all(q(format!(
                "SELECT o.owner_id, o.team_id, o.amount, o.probability, o.status, \
                     o.expected_close, o.closed_at FROM opportunities o \
                     WHERE o.deleted_at IS NULL AND o.status <> 'lost' AND {}",
                visible(actor.scope(), "o")
            )))
            .await?;
        let mut inputs = Vec::with_capacity(rows.len());
        for (owner, team, amount, probability, status, close, closed_at) in rows {
            let group = match by {
                ForecastBy::Owner => owner.map(|o| o.to_string()).unwrap_or_default(),
                ForecastBy::Team => team.map(|t| t.to_string()).unwrap_or_default(),
                ForecastBy::All => String::new(),
            };
            inputs.push(ForecastInput {
                group,
                amount: Money::parse(&amount).map_err(|_| Error::internal("bad amount"))?,
                probability,
                status,
                expected_close: close,
                won_month: closed_at.map(kehu_core::date::china_month),
            });
        }
        Ok(forecast(&inputs, from, to))
    }

    /// The history of an opportunity the actor may see, newest first.
    pub async fn opportunity_history(
        &self,
        actor: &kehu_core::Actor,
        id: OpportunityId,
        limit: i64,
    ) -> Result<Vec<crate::history::HistoryEntry>> {
        self.opportunity(actor, id).await?;
        self.history_of("opportunity", id.get(), limit).await
    }
}

fn money_map(
    amounts: impl IntoIterator<Item = Money>,
) -> std::collections::BTreeMap<String, String> {
    totals(amounts)
        .into_iter()
        .map(|(c, m)| (c.as_str().to_owned(), m.amount_string()))
        .collect()
}

/// The WHERE clause of a filter.
fn conditions(actor: &kehu_core::Actor, f: &OpportunityFilter) -> Where {
    let mut w = Where::visible(actor.scope());
    let ints = [
        ("o.pipeline_id = ?", f.pipeline_id),
        ("o.stage_id = ?", f.stage_id),
        ("o.owner_id = ?", f.owner_id),
        ("o.team_id = ?", f.team_id),
        ("o.customer_id = ?", f.customer_id),
        ("o.id < ?", f.before),
    ];
    for (sql, value) in ints {
        if let Some(v) = value {
            w.and(sql, v);
        }
    }
    let texts = [
        ("o.status = ?", &f.status),
        ("o.expected_close >= ?", &f.close_from),
        ("o.expected_close <= ?", &f.close_to),
    ];
    for (sql, value) in texts {
        if let Some(v) = value {
            w.and(sql, v.as_str());
        }
    }
    w
}
