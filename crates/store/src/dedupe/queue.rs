//! Reading the review queue: scans, pages of clusters, single clusters
//! with their members and scored pairs.

use std::collections::BTreeSet;

use kehu_core::dedupe::Reason;
use kehu_core::{Actor, Code, Invalid};

use super::{DedupeRun, QueueCluster, QueueFilter, QueueMember, QueuePage, QueuePair, MAX_PAGE};
use crate::customers::visible;
use crate::db::q;
use crate::{Error, Result, Store};

/// SQL true when the actor may see every record of cluster `k`.
fn all_visible(actor: &Actor) -> String {
    let vis = visible(actor.scope(), "c");
    format!(
        "((k.entity = 'customer' AND NOT EXISTS (SELECT 1 FROM duplicate_members vm \
         JOIN customers c ON c.id = vm.customer_id WHERE vm.cluster_id = k.id AND NOT {vis})) \
         OR (k.entity = 'contact' AND NOT EXISTS (SELECT 1 FROM contact_duplicate_members vm \
         JOIN contacts x ON x.id = vm.contact_id JOIN customers c ON c.id = x.customer_id \
         WHERE vm.cluster_id = k.id AND NOT {vis})))"
    )
}

/// Whether a cluster's every pair is only related: the SQL of
/// [`QueueCluster::related`].
const RELATED: &str =
    "NOT EXISTS (SELECT 1 FROM duplicate_pairs rp WHERE rp.cluster_id = k.id AND NOT rp.related)";
impl Store {
    pub async fn dedupe_run(&self, id: i64) -> Result<DedupeRun> {
        self.db
            .optional(
                q(format!(
                    "SELECT {RUN_COLUMNS} FROM dedupe_runs WHERE id = $1"
                ))
                .bind(id),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    /// The latest scans, newest first.
    pub async fn dedupe_runs(&self, limit: usize) -> Result<Vec<DedupeRun>> {
        self.db
            .all(
                q(format!(
                    "SELECT {RUN_COLUMNS} FROM dedupe_runs ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit.clamp(1, MAX_PAGE) as i64),
            )
            .await
    }

    /// A page of the review queue, strongest clusters first. A cluster is
    /// listed only when the actor may see every record in it.
    pub async fn duplicate_queue(&self, actor: &Actor, filter: &QueueFilter) -> Result<QueuePage> {
        if !actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let status = filter.status.as_deref().unwrap_or("open");
        if !["open", "merged", "dismissed"].contains(&status) {
            return Err(Invalid::one("status", Code::InvalidChoice).into());
        }
        let entity = filter.entity.as_deref().unwrap_or("customer");
        if !["customer", "contact"].contains(&entity) {
            return Err(Invalid::one("entity", Code::InvalidChoice).into());
        }
        // Both are from fixed lists, checked above.
        let mut cond = format!(
            "k.status = '{status}' AND k.entity = '{entity}' AND {}",
            all_visible(actor)
        );
        match filter.related {
            Some(true) => cond.push_str(&format!(" AND {RELATED}")),
            Some(false) => cond.push_str(&format!(" AND NOT {RELATED}")),
            None => {}
        }
        let (total,): (i64,) = self
            .db
            .one(
                q(format!(
                    "SELECT COUNT(*) FROM duplicate_clusters k WHERE {cond}"
                ))
                .once(),
            )
            .await?;
        let order = if status == "open" {
            "k.score DESC, k.id"
        } else {
            "k.id DESC"
        };
        let heads: Vec<ClusterHead> = self
            .db
            .all(
                q(format!(
                    "SELECT {HEAD_COLUMNS}, {RELATED} AS related FROM duplicate_clusters k WHERE {cond} \
                     ORDER BY {order} LIMIT $1 OFFSET $2"
                ))
                .once()
                .bind(filter.limit.clamp(1, MAX_PAGE) as i64)
                .bind(filter.offset as i64),
            )
            .await?;
        let clusters = self.fill_clusters(actor, heads).await?;
        let run: Option<DedupeRun> = self
            .db
            .optional(q(format!(
                "SELECT {RUN_COLUMNS} FROM dedupe_runs WHERE finished_at IS NOT NULL \
                 ORDER BY id DESC LIMIT 1"
            )))
            .await?;
        Ok(QueuePage {
            clusters,
            total,
            run,
        })
    }

    /// The clusters a scan found, in id order from `after` on: for reading
    /// a whole scan's result page by page, whatever became of each cluster.
    pub async fn run_clusters(
        &self,
        actor: &Actor,
        run: i64,
        after: i64,
        limit: usize,
    ) -> Result<Vec<QueueCluster>> {
        if !actor.may_assign_owner() {
            return Err(Error::Forbidden);
        }
        let heads: Vec<ClusterHead> = self
            .db
            .all(
                q(format!(
                    "SELECT {HEAD_COLUMNS}, {RELATED} AS related FROM duplicate_clusters k WHERE k.run_id = $1 \
                     AND k.id > $2 ORDER BY k.id LIMIT $3"
                ))
                .bind(run)
                .bind(after)
                .bind(limit.clamp(1, 10_000) as i64),
            )
            .await?;
        self.fill_clusters(actor, heads).await
    }

    /// One cluster, if the actor may see every record in it.
    pub async fn duplicate_cluster(&self, actor: &Actor, id: i64) -> Result<QueueCluster> {
        if !actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let head: Option<ClusterHead> = self
            .db
            .optional(
                q(format!(
                    "SELECT {HEAD_COLUMNS}, {RELATED} AS related FROM duplicate_clusters k WHERE k.id = $1 \
                     AND {}",
                    all_visible(actor)
                ))
                .bind(id),
            )
            .await?;
        let head = head.ok_or(Error::NotFound)?;
        Ok(self.fill_clusters(actor, vec![head]).await?.remove(0))
    }

    /// The clusters' members and pairs, each member's mobile and email
    /// masked when `actor` sees that record's contact details masked (a
    /// rep's cluster may hold a pool record beside their own).
    async fn fill_clusters(
        &self,
        actor: &Actor,
        heads: Vec<ClusterHead>,
    ) -> Result<Vec<QueueCluster>> {
        if heads.is_empty() {
            return Ok(Vec::new());
        }
        let list = heads
            .iter()
            .map(|h| h.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut members: Vec<QueueMember> = self
            .db
            .all(
                q(format!(
                    "SELECT m.cluster_id, c.id, c.kind, c.name, c.company, c.mobile, c.email, \
                     c.city, c.external_id, c.owner_id, c.created_at, c.updated_at, c.deleted_at, \
                     CAST(NULL AS BIGINT) AS customer_id \
                     FROM duplicate_members m JOIN customers c ON c.id = m.customer_id \
                     WHERE m.cluster_id IN ({list}) \
                     UNION ALL \
                     SELECT m.cluster_id, x.id, 'contact', x.name, c.name, x.mobile, x.email, \
                     c.city, CAST(NULL AS TEXT), c.owner_id, x.created_at, x.updated_at, x.deleted_at, \
                     x.customer_id FROM contact_duplicate_members m JOIN contacts x ON x.id = m.contact_id \
                     JOIN customers c ON c.id = x.customer_id \
                     WHERE m.cluster_id IN ({list}) ORDER BY 1, 2"
                ))
                .once(),
            )
            .await?;
        for m in &mut members {
            if !actor.sees_contact_details(m.owner_id.map(kehu_core::UserId)) {
                m.mobile = m.mobile.as_deref().map(crate::mask::phone);
                m.email = m.email.as_deref().map(crate::mask::email);
            }
        }
        let pairs: Vec<PairRow> = self
            .db
            .all(
                q(format!(
                    "SELECT cluster_id, a_id, b_id, score, reasons, related FROM duplicate_pairs \
                     WHERE cluster_id IN ({list}) ORDER BY cluster_id, score DESC, a_id, b_id"
                ))
                .once(),
            )
            .await?;
        let mut out = Vec::with_capacity(heads.len());
        for head in heads {
            let members: Vec<QueueMember> = members
                .iter()
                .filter(|m| m.cluster_id == head.id)
                .cloned()
                .collect();
            let mut reasons = BTreeSet::new();
            let mut links = Vec::new();
            for p in pairs.iter().filter(|p| p.cluster_id == head.id) {
                let codes: Vec<String> = serde_json::from_str(&p.reasons)
                    .map_err(|e| Error::internal(format!("cluster {}: {e}", head.id)))?;
                reasons.extend(codes.iter().cloned());
                links.push(QueuePair {
                    a: p.a_id,
                    b: p.b_id,
                    score: p.score,
                    reasons: codes,
                    related: p.related,
                });
            }
            out.push(QueueCluster {
                entity: head.entity,
                id: head.id,
                run_id: head.run_id,
                status: head.status,
                score: head.score,
                related: head.related,
                merge_id: head.merge_id.or(head.contact_merge_id),
                reasons: in_reason_order(reasons),
                members,
                pairs: links,
            });
        }
        Ok(out)
    }
}
/// Reason codes in the order the reasons are declared (strongest
/// evidence first), unknown ones last.
fn in_reason_order(codes: BTreeSet<String>) -> Vec<String> {
    let mut codes: Vec<String> = codes.into_iter().collect();
    let rank = |c: &String| {
        Reason::ALL
            .iter()
            .position(|r| r.as_str() == c)
            .unwrap_or(usize::MAX)
    };
    codes.sort_by_key(rank);
    codes
}

const RUN_COLUMNS: &str = "id, actor_id, threshold, records, pairs, clusters, auto_merged, \
                           started_at, finished_at";

const HEAD_COLUMNS: &str =
    "k.id, k.run_id, k.entity, k.status, k.score, k.merge_id, k.contact_merge_id";

#[derive(sqlx::FromRow)]
struct ClusterHead {
    id: i64,
    run_id: i64,
    entity: String,
    contact_merge_id: Option<i64>,
    status: String,
    score: f64,
    merge_id: Option<i64>,
    related: bool,
}

#[derive(sqlx::FromRow)]
struct PairRow {
    cluster_id: i64,
    a_id: i64,
    b_id: i64,
    score: f64,
    reasons: String,
    related: bool,
}
