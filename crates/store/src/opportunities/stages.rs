//! Moving an opportunity between the stages of its pipeline (closing or
//! reopening it, with the won and lost webhooks), and its stays in each.

use kehu_core::entry::{Kind, Patch, Stored};
use kehu_core::{Code, Invalid, OpportunityId};

use super::pipelines::stage_of;
use super::{finish, Opportunity, StageStay, COLUMNS, LINES, OPPORTUNITIES};
use crate::db::{q, Tx};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

impl Store {
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
}

pub(super) async fn enter_stage(
    tx: &mut Tx,
    ctx: &Ctx,
    id: i64,
    stage: i64,
    now: i64,
) -> Result<()> {
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
