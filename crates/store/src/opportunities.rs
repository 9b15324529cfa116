//! Opportunities (商机) on pipelines of stages. An opportunity enters a
//! stage with the stage's default win probability (which may then be set
//! for it alone), and every stay in a stage is kept, so the time spent in
//! each is known. A won or lost stage closes it (lost needs a reason);
//! moving it back to an open stage reopens it. The board groups open work
//! by stage with totals and weighted totals; the forecast adds expected and
//! weighted revenue by month, owner and team.
//!
//! Opportunities are seen as customers are: a rep their own, a manager
//! the team's, an administrator all.

use std::collections::HashMap;

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::money::{totals, Money};
use kehu_core::opportunity::{forecast, weighted, ForecastInput, ForecastRow};
use kehu_core::order::LineInput;
use kehu_core::{schema, Code, Invalid, OpportunityId};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::customers::visible;
use crate::db::{q, Arg, Tx, Where};
use crate::orders::{price_lines, record_owner, write_lines, Order, OrderLine};
use crate::products::Price;
use crate::time::Time;
use crate::write::{Ctx, Table};
use crate::{now_ms, Error, Result, Store};

const OPPORTUNITIES: Table = Table {
    table: "opportunities",
    entity: "opportunity",
    specs: schema::OPPORTUNITY,
};

const LINES: (&str, &str) = ("opportunity_lines", "opportunity_id");

/// Most opportunities one list page or board column shows.
pub const MAX_PAGE: i64 = 200;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Stage {
    pub id: i64,
    pub pipeline_id: i64,
    pub position: i64,
    /// Set on the stages kehu seeded (qualify, needs, proposal,
    /// negotiation, won, lost): named in the reader's language.
    pub key: Option<String>,
    /// Set on stages an administrator named.
    pub name: Option<String>,
    /// The default win probability, percent.
    pub probability: i64,
    /// open, won or lost.
    pub outcome: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Pipeline {
    pub id: i64,
    pub key: Option<String>,
    pub name: Option<String>,
    pub is_default: bool,
    /// In order, retired ones included (marked inactive).
    #[sqlx(skip)]
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Opportunity {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub name: String,
    /// `{"amount": "120000.00", "currency": "CNY"}`.
    #[sqlx(try_from = "String")]
    #[schema(value_type = Object)]
    pub amount: Price,
    /// The amount times the probability.
    #[sqlx(skip)]
    #[schema(value_type = Object)]
    pub weighted: Option<Price>,
    pub expected_close: Option<String>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub probability: i64,
    /// open, won or lost.
    pub status: String,
    pub lost_reason: Option<String>,
    pub closed_at: Option<Time>,
    pub stage_entered_at: Time,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub version: i64,
    pub created_at: Time,
    pub created_by: Option<i64>,
    pub updated_at: Time,
    /// The products it is for (empty when only an amount was given).
    #[sqlx(skip)]
    pub lines: Vec<OrderLine>,
}

/// One stay of an opportunity in a stage.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct StageStay {
    pub stage_id: i64,
    pub entered_at: Time,
    /// `None` while it is still there.
    pub left_at: Option<Time>,
    pub moved_by: Option<i64>,
    /// How long it stayed (so far, for the current stay), in milliseconds.
    #[sqlx(skip)]
    pub duration_ms: i64,
}

/// Which opportunities to list.
#[derive(Debug, Clone, Default)]
pub struct OpportunityFilter {
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// open, won or lost.
    pub status: Option<String>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub customer_id: Option<i64>,
    /// Expected to close on or after / on or before (YYYY-MM-DD).
    pub close_from: Option<String>,
    pub close_to: Option<String>,
    /// Older than this id (the last of the previous page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// One column of the board: a stage, its first cards, and what all its
/// opportunities add up to per currency.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Column {
    pub stage: Stage,
    pub count: i64,
    /// Per currency, `{"CNY": "250000.00"}`.
    #[schema(value_type = Object)]
    pub total: std::collections::BTreeMap<String, String>,
    #[schema(value_type = Object)]
    pub weighted: std::collections::BTreeMap<String, String>,
    pub cards: Vec<Opportunity>,
}

/// Whom the forecast adds up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForecastBy {
    Owner,
    Team,
    /// Everyone the actor sees, together.
    All,
}

const COLUMNS: &str = "o.id, o.customer_id, c.name AS customer_name, o.name, o.amount, \
    o.expected_close, o.owner_id, o.team_id, o.pipeline_id, o.stage_id, o.probability, o.status, \
    o.lost_reason, o.closed_at, o.stage_entered_at, o.source, o.notes, o.version, o.created_at, \
    o.created_by, o.updated_at";

const STAGE_COLUMNS: &str = "id, pipeline_id, position, key, name, probability, outcome, active";

fn finish(mut o: Opportunity) -> Opportunity {
    o.weighted = Some(Price(weighted(o.amount.0, o.probability)));
    o
}

impl Store {
    /// Every pipeline with its stages, the default first.
    pub async fn pipelines(&self) -> Result<Vec<Pipeline>> {
        let mut pipelines: Vec<Pipeline> = self
            .db
            .all(q(
                "SELECT id, key, name, is_default FROM pipelines ORDER BY is_default DESC, id",
            ))
            .await?;
        let stages: Vec<Stage> = self
            .db
            .all(q(format!(
                "SELECT {STAGE_COLUMNS} FROM pipeline_stages ORDER BY pipeline_id, position, id"
            )))
            .await?;
        for p in &mut pipelines {
            p.stages = stages
                .iter()
                .filter(|s| s.pipeline_id == p.id)
                .cloned()
                .collect();
        }
        Ok(pipelines)
    }

    /// Adds a pipeline with its stages, in order (administrators). A
    /// pipeline needs at least one open stage, and one won and one lost
    /// stage to close its opportunities with.
    pub async fn create_pipeline(
        &self,
        ctx: &Ctx,
        name: &str,
        stages: &[StageInput],
    ) -> Result<Pipeline> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let name = pipeline_name(name)?;
        check_stages(stages)?;
        let mut tx = self.db.begin().await?;
        let now = now_ms();
        let id = tx
            .insert(
                q(
                    "INSERT INTO pipelines (name, is_default, created_at, updated_at) \
                   VALUES ($1, FALSE, $2, $2) RETURNING id",
                )
                .bind(name)
                .bind(now),
            )
            .await?;
        for (i, stage) in stages.iter().enumerate() {
            insert_stage(&mut tx, id, i as i64 + 1, stage).await?;
        }
        tx.commit().await?;
        self.pipelines()
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(Error::NotFound)
    }

    /// Adds a stage to a pipeline, after its stages or at `position`
    /// (administrators).
    pub async fn add_stage(&self, ctx: &Ctx, pipeline: i64, stage: &StageInput) -> Result<Stage> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        check_stage(stage, "")?;
        let mut tx = self.db.begin().await?;
        let (last,): (Option<i64>,) = tx
            .one(
                q("SELECT MAX(position) FROM pipeline_stages WHERE pipeline_id = $1")
                    .bind(pipeline),
            )
            .await?;
        let Some(last) = last else {
            return Err(Error::NotFound);
        };
        let id = insert_stage(&mut tx, pipeline, last + 1, stage).await?;
        tx.commit().await?;
        let mut tx = self.db.begin().await?;
        let stage = stage_of(&mut tx, id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(stage)
    }

    /// Renames a stage, changes its default probability (opportunities
    /// already in it keep theirs), moves it to `position`, or retires it
    /// (administrators). A stage with open opportunities is not retired.
    pub async fn update_stage(&self, ctx: &Ctx, id: i64, change: &StageChange) -> Result<Stage> {
        if !ctx.actor.is_admin() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let current = stage_of(&mut tx, id).await?.ok_or(Error::NotFound)?;
        if let Some(name) = &change.name {
            let name = stage_name(name, "name")?;
            tx.execute(
                q("UPDATE pipeline_stages SET name = $1 WHERE id = $2")
                    .bind(name)
                    .bind(id),
            )
            .await?;
        }
        if let Some(p) = change.probability {
            if !(0..=100).contains(&p) {
                return Err(
                    Invalid::one("probability", Code::AboveMax { max: "100".into() }).into(),
                );
            }
            tx.execute(
                q("UPDATE pipeline_stages SET probability = $1 WHERE id = $2")
                    .bind(p)
                    .bind(id),
            )
            .await?;
        }
        if change.active == Some(false) && current.active {
            let (open,): (i64,) = tx
                .one(
                    q("SELECT COUNT(*) FROM opportunities WHERE stage_id = $1 AND deleted_at IS NULL")
                        .bind(id),
                )
                .await?;
            if open > 0 {
                return Err(Error::Conflict("stage_in_use"));
            }
        }
        if let Some(active) = change.active {
            tx.execute(
                q("UPDATE pipeline_stages SET active = $1 WHERE id = $2")
                    .bind(active)
                    .bind(id),
            )
            .await?;
        }
        if let Some(position) = change.position {
            // Shift the others to make room, keeping their order.
            tx.execute(
                q("UPDATE pipeline_stages SET position = position + 1 \
                   WHERE pipeline_id = $1 AND position >= $2 AND id <> $3")
                .bind(current.pipeline_id)
                .bind(position)
                .bind(id),
            )
            .await?;
            tx.execute(
                q("UPDATE pipeline_stages SET position = $1 WHERE id = $2")
                    .bind(position)
                    .bind(id),
            )
            .await?;
        }
        let stage = stage_of(&mut tx, id).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        Ok(stage)
    }

    /// An opportunity for a customer the actor may see, in the default
    /// pipeline's first stage unless `pipeline_id`/`stage_id` say otherwise
    /// (an open, active stage of that pipeline). With lines, the amount is
    /// what the lines add up to.
    pub async fn create_opportunity(
        &self,
        ctx: &Ctx,
        patch: Patch,
        probability: Option<i64>,
        lines: Option<Vec<LineInput>>,
    ) -> Result<Opportunity> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let mut tx = self.db.begin().await?;
        let id = insert_opportunity(&mut tx, ctx, patch, probability, lines).await?;
        tx.commit().await?;
        self.opportunity(&ctx.actor, OpportunityId(id)).await
    }

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

    /// Changes an opportunity's own fields (not its stage: see
    /// [`Store::move_opportunity`]); lines, when given, replace the old
    /// ones and set the amount.
    pub async fn update_opportunity(
        &self,
        ctx: &Ctx,
        id: OpportunityId,
        mut patch: Patch,
        probability: Option<i64>,
        lines: Option<Vec<LineInput>>,
        version: Option<i64>,
    ) -> Result<Opportunity> {
        let (mut tx, current) = self.open_opportunity(ctx, id).await?;
        let mut extra = Vec::new();
        if patch
            .set
            .iter()
            .any(|(n, _)| matches!(*n, "pipeline_id" | "stage_id"))
        {
            return Err(Invalid::one("stage_id", Code::ReadOnly).into());
        }
        if let Some(Some(Stored::Int(customer))) = patch.get("customer_id").cloned() {
            if customer != current.customer_id {
                let (owner, team) = record_owner(&mut tx, ctx, customer).await?;
                extra.push(("owner_id", Kind::Id, owner.map(Stored::Int)));
                extra.push(("team_id", Kind::Id, team.map(Stored::Int)));
            }
        }
        patch
            .set
            .retain(|(n, v)| *n != "customer_id" || v.is_some());
        if let Some((owner, team)) = given_owner(&mut tx, ctx, &patch).await? {
            extra.retain(|(n, _, _)| !matches!(*n, "owner_id" | "team_id"));
            extra.push(("owner_id", Kind::Id, owner.map(Stored::Int)));
            extra.push(("team_id", Kind::Id, team.map(Stored::Int)));
        }
        patch.set.retain(|(n, _)| *n != "owner_id");
        if let Some(p) = probability {
            extra.push(("probability", Kind::Id, Some(Stored::Int(p))));
        }
        if let Some(lines) = lines {
            if lines.is_empty() {
                write_lines(&mut tx, LINES, id.get(), &[]).await?;
            } else {
                let (priced, total) = price_lines(&mut tx, &lines).await?;
                write_lines(&mut tx, LINES, id.get(), &priced).await?;
                patch.set.retain(|(n, _)| *n != "amount");
                extra.push(("amount", Kind::Money, Some(Stored::Text(total.to_string()))));
            }
        }
        OPPORTUNITIES
            .update(&mut tx, id.get(), &patch, extra, ctx, version)
            .await?;
        tx.commit().await?;
        self.opportunity(&ctx.actor, id).await
    }

    /// Moves an opportunity to another stage of its pipeline: it takes the
    /// stage's probability, its stay in the old stage ends, and a won or
    /// lost stage closes it (lost needs `lost_reason`). Moving a closed one
    /// to an open stage reopens it. The same stage again changes nothing.
    pub async fn move_opportunity(
        &self,
        ctx: &Ctx,
        id: OpportunityId,
        stage_id: i64,
        lost_reason: Option<String>,
        version: Option<i64>,
    ) -> Result<Opportunity> {
        let (mut tx, current) = self.open_opportunity(ctx, id).await?;
        if version.is_some_and(|v| v != current.version) {
            return Err(Error::Conflict("version"));
        }
        let stage = stage_of(&mut tx, stage_id)
            .await?
            .filter(|s| s.pipeline_id == current.pipeline_id && s.active)
            .ok_or_else(|| Invalid::one("stage_id", Code::NotFound))?;
        if stage.id == current.stage_id {
            return self.opportunity(&ctx.actor, id).await;
        }
        let reason = lost_reason
            .map(|r| kehu_core::text::clean(&r))
            .filter(|r| !r.is_empty());
        if stage.outcome == "lost" && reason.is_none() {
            return Err(Invalid::one("lost_reason", Code::Required).into());
        }
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(Invalid::one("lost_reason", Code::TooLong { max: 500 }).into());
        }
        let now = now_ms();
        let closed = stage.outcome != "open";
        let text = |s: &str| Some(Stored::Text(s.to_owned()));
        let extra = vec![
            ("stage_id", Kind::Id, Some(Stored::Int(stage.id))),
            (
                "probability",
                Kind::Id,
                Some(Stored::Int(stage.probability)),
            ),
            ("status", Kind::Text(10), text(&stage.outcome)),
            ("stage_entered_at", Kind::DateTime, Some(Stored::Int(now))),
            (
                "closed_at",
                Kind::DateTime,
                closed.then_some(Stored::Int(now)),
            ),
            (
                "lost_reason",
                Kind::Text(500),
                if stage.outcome == "lost" {
                    reason.map(Stored::Text)
                } else {
                    None
                },
            ),
        ];
        OPPORTUNITIES
            .update(&mut tx, id.get(), &Patch::default(), extra, ctx, None)
            .await?;
        tx.execute(
            q("UPDATE opportunity_stages SET left_at = $1 WHERE opportunity_id = $2 AND left_at IS NULL")
                .bind(now)
                .bind(id.get()),
        )
        .await?;
        enter_stage(&mut tx, ctx, id.get(), stage.id, now).await?;
        let event = match stage.outcome.as_str() {
            "won" => Some(kehu_core::webhook::Event::OpportunityWon),
            "lost" => Some(kehu_core::webhook::Event::OpportunityLost),
            _ => None,
        };
        if let Some(event) = event {
            let endpoints = crate::webhooks::outbox::subscribers(&mut tx, event).await?;
            if !endpoints.is_empty() {
                let mut o: Opportunity = tx
                    .optional(
                        q(format!(
                            "SELECT {COLUMNS} FROM opportunities o \
                             JOIN customers c ON c.id = o.customer_id WHERE o.id = $1"
                        ))
                        .bind(id.get()),
                    )
                    .await?
                    .ok_or(Error::NotFound)?;
                o.lines = tx
                    .all(q(crate::orders::lines_sql(LINES)).bind(id.get()))
                    .await?;
                let o = finish(o);
                crate::webhooks::outbox::emit_to(&mut tx, event, &endpoints, &o).await?;
            }
        }
        tx.commit().await?;
        self.opportunity(&ctx.actor, id).await
    }

    /// Each stay of an opportunity in a stage, oldest first, with how long
    /// it lasted (the current one until now).
    pub async fn opportunity_stages(
        &self,
        actor: &kehu_core::Actor,
        id: OpportunityId,
    ) -> Result<Vec<StageStay>> {
        self.opportunity(actor, id).await?;
        let mut stays: Vec<StageStay> = self
            .db
            .all(
                q(
                    "SELECT stage_id, entered_at, left_at, moved_by FROM opportunity_stages \
                   WHERE opportunity_id = $1 ORDER BY id",
                )
                .bind(id.get()),
            )
            .await?;
        let now = now_ms();
        for s in &mut stays {
            s.duration_ms = s.left_at.map_or(now, |t| t.0) - s.entered_at.0;
        }
        Ok(stays)
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

    /// A draft order made from an opportunity: its products (or one line
    /// named after it, for its amount), for its customer.
    pub async fn order_from_opportunity(&self, ctx: &Ctx, id: OpportunityId) -> Result<Order> {
        let o = self.opportunity(&ctx.actor, id).await?;
        let lines: Vec<LineInput> = if o.lines.is_empty() {
            vec![LineInput {
                name: Some(o.name.clone()),
                quantity: Decimal::ONE,
                unit_price: Some(o.amount.0),
                ..Default::default()
            }]
        } else {
            o.lines
                .iter()
                .map(|l| LineInput {
                    product_id: l.product_id,
                    name: Some(l.name.clone()),
                    unit: l.unit.clone(),
                    quantity: l.quantity.parse().unwrap_or(Decimal::ONE),
                    unit_price: Some(l.unit_price.0),
                    discount: l.discount.0,
                })
                .collect()
        };
        let patch = Patch {
            set: vec![("customer_id", Some(Stored::Int(o.customer_id)))],
        };
        self.create_order_for(ctx, patch, lines, Some(o.id)).await
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

    /// Starts the transaction that changes an opportunity: the row as it is
    /// now, locked on PostgreSQL; one the actor may not see is not found.
    async fn open_opportunity(&self, ctx: &Ctx, id: OpportunityId) -> Result<(Tx, Current)> {
        let (tx, (customer_id, pipeline_id, stage_id, version)) = self
            .begin_change(
                ctx,
                "opportunities",
                "o.customer_id, o.pipeline_id, o.stage_id, o.version",
                id.get(),
            )
            .await?;
        let current = Current {
            customer_id,
            pipeline_id,
            stage_id,
            version,
        };
        Ok((tx, current))
    }
}

/// A new stage.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct StageInput {
    pub name: String,
    /// Percent, 0 to 100.
    pub probability: i64,
    /// open (the default), won or lost.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// What to change of a stage; `None` leaves it.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
pub struct StageChange {
    pub name: Option<String>,
    pub probability: Option<i64>,
    pub active: Option<bool>,
    pub position: Option<i64>,
}

fn pipeline_name(name: &str) -> Result<String> {
    stage_name(name, "name")
}

fn stage_name(name: &str, field: &str) -> Result<String> {
    let name = kehu_core::text::clean(name);
    if name.is_empty() {
        return Err(Invalid::one(field, Code::Required).into());
    }
    if name.chars().count() > 50 {
        return Err(Invalid::one(field, Code::TooLong { max: 50 }).into());
    }
    Ok(name)
}

/// `prefix` names the stage in a list (`stages[2].`), or is empty.
fn check_stage(stage: &StageInput, prefix: &str) -> Result<()> {
    let mut invalid = Invalid::default();
    if let Err(Error::Invalid(i)) = stage_name(&stage.name, &format!("{prefix}name")) {
        invalid.0.extend(i.0);
    }
    if !(0..=100).contains(&stage.probability) {
        invalid.push(
            format!("{prefix}probability"),
            Code::AboveMax { max: "100".into() },
        );
    }
    if !matches!(
        stage.outcome.as_deref(),
        None | Some("open" | "won" | "lost")
    ) {
        invalid.push(format!("{prefix}outcome"), Code::InvalidChoice);
    }
    Ok(invalid.into_result()?)
}

fn check_stages(stages: &[StageInput]) -> Result<()> {
    let mut invalid = Invalid::default();
    for (i, s) in stages.iter().enumerate() {
        if let Err(Error::Invalid(e)) = check_stage(s, &format!("stages[{i}].")) {
            invalid.0.extend(e.0);
        }
    }
    let has = |o: &str| {
        stages
            .iter()
            .any(|s| s.outcome.as_deref().unwrap_or("open") == o)
    };
    if invalid.0.is_empty() && !(has("open") && has("won") && has("lost")) {
        invalid.push("stages", Code::Required);
    }
    Ok(invalid.into_result()?)
}

async fn insert_stage(
    tx: &mut Tx,
    pipeline: i64,
    position: i64,
    stage: &StageInput,
) -> Result<i64> {
    tx.insert(
        q(
            "INSERT INTO pipeline_stages (pipeline_id, position, name, probability, outcome) \
           VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(pipeline)
        .bind(position)
        .bind(kehu_core::text::clean(&stage.name))
        .bind(stage.probability)
        .bind(stage.outcome.as_deref().unwrap_or("open")),
    )
    .await
}

/// Writes a new opportunity inside `tx` (see [`Store::create_opportunity`]);
/// returns its id.
pub(crate) async fn insert_opportunity(
    tx: &mut Tx,
    ctx: &Ctx,
    patch: Patch,
    probability: Option<i64>,
    lines: Option<Vec<LineInput>>,
) -> Result<i64> {
    let customer =
        int(&patch, "customer_id").ok_or_else(|| Invalid::one("customer_id", Code::Required))?;
    let (owner, team) = match given_owner(tx, ctx, &patch).await? {
        Some(owner_team) => {
            // The customer must still be one the actor may see.
            record_owner(tx, ctx, customer).await?;
            owner_team
        }
        None => record_owner(tx, ctx, customer).await?,
    };
    let stage = entry_stage(tx, int(&patch, "pipeline_id"), int(&patch, "stage_id")).await?;
    let mut extra = vec![
        ("owner_id", Arg::from(owner)),
        ("team_id", team.into()),
        ("stage_entered_at", now_ms().into()),
        (
            "probability",
            probability.unwrap_or(stage.probability).into(),
        ),
        ("status", "open".into()),
    ];
    let priced = match &lines {
        Some(l) if !l.is_empty() => Some(price_lines(tx, l).await?),
        _ => None,
    };
    let amount = match &priced {
        Some((_, total)) => *total,
        None => given_amount(&patch)?,
    };
    let mut patch = patch;
    patch
        .set
        .retain(|(n, _)| !matches!(*n, "pipeline_id" | "stage_id" | "amount" | "owner_id"));
    extra.push(("pipeline_id", stage.pipeline_id.into()));
    extra.push(("stage_id", stage.id.into()));
    extra.push(("amount", amount.to_string().into()));
    let id = OPPORTUNITIES.insert(tx, &patch, extra, ctx).await?;
    if let Some((p, _)) = &priced {
        write_lines(tx, LINES, id, p).await?;
    }
    enter_stage(tx, ctx, id, stage.id, now_ms()).await?;
    Ok(id)
}

/// An opportunity as it is inside a transaction.
struct Current {
    customer_id: i64,
    pipeline_id: i64,
    stage_id: i64,
    version: i64,
}

/// The owner (and their team) a patch gives an opportunity: only managers
/// and administrators give one, and only to an active user.
async fn given_owner(
    tx: &mut Tx,
    ctx: &Ctx,
    patch: &Patch,
) -> Result<Option<(Option<i64>, Option<i64>)>> {
    let Some(value) = patch.get("owner_id") else {
        return Ok(None);
    };
    if !ctx.actor.may_assign_owner() {
        return Err(Invalid::one("owner_id", Code::ReadOnly).into());
    }
    let Some(owner) = value.as_ref().and_then(Stored::as_int) else {
        return Err(Invalid::one("owner_id", Code::Required).into());
    };
    let row: Option<(Option<i64>,)> = tx
        .optional(q("SELECT team_id FROM users WHERE id = $1 AND active").bind(owner))
        .await?;
    match row {
        Some((team,)) => Ok(Some((Some(owner), team))),
        None => Err(Invalid::one("owner_id", Code::NotFound).into()),
    }
}

fn int(patch: &Patch, name: &str) -> Option<i64> {
    patch.get(name).cloned().flatten().and_then(|v| v.as_int())
}

/// The amount a patch gives, or nothing in yuan.
fn given_amount(patch: &Patch) -> Result<Money> {
    match patch.text("amount") {
        Some(a) => Money::parse(a).map_err(|code| Invalid::one("amount", code).into()),
        None => Ok(Money::new(Decimal::ZERO, Default::default())),
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

async fn stage_of(tx: &mut Tx, id: i64) -> Result<Option<Stage>> {
    tx.optional(
        q(format!(
            "SELECT {STAGE_COLUMNS} FROM pipeline_stages WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}

/// The stage a new opportunity enters: the given one (an open, active
/// stage of the given or default pipeline), or that pipeline's first.
async fn entry_stage(tx: &mut Tx, pipeline: Option<i64>, stage: Option<i64>) -> Result<Stage> {
    let pipeline = match pipeline {
        Some(p) => p,
        None => {
            let (id,): (i64,) = tx
                .optional(q(
                    "SELECT id FROM pipelines ORDER BY is_default DESC, id LIMIT 1",
                ))
                .await?
                .ok_or_else(|| Error::internal("no pipeline"))?;
            id
        }
    };
    let stages: Vec<Stage> = tx
        .all(
            q(format!(
                "SELECT {STAGE_COLUMNS} FROM pipeline_stages WHERE pipeline_id = $1 \
                 AND active AND outcome = 'open' ORDER BY position, id"
            ))
            .bind(pipeline),
        )
        .await?;
    match stage {
        Some(id) => stages
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Invalid::one("stage_id", Code::NotFound).into()),
        None => stages
            .into_iter()
            .next()
            .ok_or_else(|| Invalid::one("pipeline_id", Code::NotFound).into()),
    }
}

async fn enter_stage(tx: &mut Tx, ctx: &Ctx, id: i64, stage: i64, now: i64) -> Result<()> {
    tx.execute(
        q(
            "INSERT INTO opportunity_stages (opportunity_id, stage_id, entered_at, moved_by) \
           VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(stage)
        .bind(now)
        .bind(ctx.by()),
    )
    .await?;
    Ok(())
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
