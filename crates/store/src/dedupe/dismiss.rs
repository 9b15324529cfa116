//! Marking records as not duplicates: dismissing clusters of the queue,
//! and the pairs merges mark, which are never proposed again.

use std::collections::BTreeSet;

use kehu_core::{Code, Invalid};

use super::QueueCluster;
use crate::db::{q, Tx};
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

impl Store {
    /// "Not a duplicate" on a cluster of the queue: with `member`, that
    /// record is not a duplicate of any other in the cluster and leaves it;
    /// without, none of the records is a duplicate of another. The pairs
    /// are remembered and never proposed again. A cluster left with fewer
    /// than two records is dismissed.
    pub async fn dismiss_cluster(
        &self,
        ctx: &Ctx,
        id: i64,
        member: Option<i64>,
    ) -> Result<QueueCluster> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let cluster = self.duplicate_cluster(&ctx.actor, id).await?;
        if cluster.status != "open" {
            return Err(Error::Conflict("cluster_closed"));
        }
        let ids: Vec<i64> = cluster.members.iter().map(|m| m.id).collect();
        let entity = Entity::of(&cluster);
        let leaving: Vec<i64> = match member {
            Some(m) if ids.contains(&m) => vec![m],
            Some(_) => return Err(Invalid::one("member", Code::NotFound).into()),
            None => ids.clone(),
        };
        let now = now_ms();
        let mut tx = self.db.begin().await?;
        let mut marked = BTreeSet::new();
        for &x in &leaving {
            for &y in &ids {
                if x != y && marked.insert((x.min(y), x.max(y))) {
                    not_duplicate_in(&mut tx, ctx, entity, x, y, now).await?;
                }
            }
        }
        let staying = ids.len() - leaving.len();
        if staying < 2 {
            tx.execute(
                q("UPDATE duplicate_clusters SET status = 'dismissed' WHERE id = $1").bind(id),
            )
            .await?;
        } else {
            let gone = leaving[0];
            tx.execute(
                q("DELETE FROM duplicate_pairs WHERE cluster_id = $1 AND (a_id = $2 OR b_id = $2)")
                    .bind(id)
                    .bind(gone),
            )
            .await?;
            let (members, column) = entity.members();
            tx.execute(
                q(format!(
                    "DELETE FROM {members} WHERE cluster_id = $1 AND {column} = $2"
                ))
                .bind(id)
                .bind(gone),
            )
            .await?;
            tx.execute(
                q("UPDATE duplicate_clusters SET size = size - 1, score = COALESCE((SELECT MAX(score) \
                   FROM duplicate_pairs WHERE cluster_id = $1), score) WHERE id = $1")
                .bind(id),
            )
            .await?;
        }
        tx.commit().await?;
        self.duplicate_cluster(&ctx.actor, id).await
    }
}

/// What the members of a cluster are: customers or contacts, each with
/// its own tables of members and of pairs marked as not duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entity {
    Customer,
    Contact,
}

impl Entity {
    fn of(cluster: &QueueCluster) -> Entity {
        if cluster.entity == "contact" {
            Entity::Contact
        } else {
            Entity::Customer
        }
    }

    fn name(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Contact => "contact",
        }
    }

    /// The members table and its record column.
    fn members(self) -> (&'static str, &'static str) {
        match self {
            Entity::Customer => ("duplicate_members", "customer_id"),
            Entity::Contact => ("contact_duplicate_members", "contact_id"),
        }
    }

    fn not_duplicates(self) -> &'static str {
        match self {
            Entity::Customer => "not_duplicates",
            Entity::Contact => "contact_not_duplicates",
        }
    }
}

/// Remembers that records `x` and `y` are not duplicates, inside `tx`.
async fn not_duplicate_in(
    tx: &mut Tx,
    ctx: &Ctx,
    entity: Entity,
    x: i64,
    y: i64,
    now: i64,
) -> Result<()> {
    tx.execute(
        q(format!(
            "INSERT INTO {} (a_id, b_id, actor_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
            entity.not_duplicates()
        ))
        .bind(x.min(y))
        .bind(x.max(y))
        .bind(ctx.by())
        .bind(now),
    )
    .await?;
    Ok(())
}

/// Remembers that two records are not duplicates, and takes the pair out
/// of the review queue: an open cluster of just these two is dismissed,
/// a larger one loses the pair.
pub(crate) async fn mark_not_duplicate_in(
    tx: &mut Tx,
    ctx: &Ctx,
    entity: Entity,
    a: i64,
    b: i64,
) -> Result<()> {
    let (lo, hi) = (a.min(b), a.max(b));
    not_duplicate_in(tx, ctx, entity, lo, hi, now_ms()).await?;
    let (members, column) = entity.members();
    let open_with_both = format!(
        "SELECT id FROM duplicate_clusters WHERE status = 'open' AND entity = '{}' AND id IN \
         (SELECT cluster_id FROM {members} WHERE {column} = $1 \
          INTERSECT SELECT cluster_id FROM {members} WHERE {column} = $2)",
        entity.name()
    );
    tx.execute(
        q(format!(
            "UPDATE duplicate_clusters SET status = 'dismissed' WHERE size = 2 \
             AND id IN ({open_with_both})"
        ))
        .bind(lo)
        .bind(hi),
    )
    .await?;
    tx.execute(
        q(format!(
            "DELETE FROM duplicate_pairs WHERE a_id = $1 AND b_id = $2 \
             AND cluster_id IN ({open_with_both})"
        ))
        .bind(lo)
        .bind(hi),
    )
    .await?;
    Ok(())
}
