//! Pipelines and their stages: listing them, and adding, renaming,
//! reordering and retiring stages (administrators), with their checks.

use kehu_core::{Code, Invalid};

use super::{Pipeline, Stage, StageChange, StageInput, STAGE_COLUMNS};
use crate::db::{q, Tx};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

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

pub(super) async fn stage_of(tx: &mut Tx, id: i64) -> Result<Option<Stage>> {
    tx.optional(
        q(format!(
            "SELECT {STAGE_COLUMNS} FROM pipeline_stages WHERE id = $1"
        ))
        .bind(id),
    )
    .await
}
