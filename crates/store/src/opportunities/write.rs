//! Creating and changing opportunities (not their stage), and the draft
//! order made from one.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::money::Money;
use kehu_core::order::LineInput;
use kehu_core::{Code, Invalid, OpportunityId};
use rust_decimal::Decimal;

use super::stages::enter_stage;
use super::{Opportunity, Stage, LINES, OPPORTUNITIES, STAGE_COLUMNS};
use crate::db::{q, Arg, Tx};
use crate::orders::{price_lines, record_owner, write_lines, Order};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

impl Store {
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

    /// Starts the transaction that changes an opportunity: the row as it is
    /// now, locked on PostgreSQL; one the actor may not see is not found.
    pub(super) async fn open_opportunity(
        &self,
        ctx: &Ctx,
        id: OpportunityId,
    ) -> Result<(Tx, Current)> {
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
pub(super) struct Current {
    pub(super) customer_id: i64,
    pub(super) pipeline_id: i64,
    pub(super) stage_id: i64,
    pub(super) version: i64,
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
