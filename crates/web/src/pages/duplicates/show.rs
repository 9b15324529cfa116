//! A cluster's review page: its records side by side, field by field,
//! with the value each field keeps by default.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::{ContactId, CustomerId};
use kehu_store::merge::{FieldChoice, MergePlan};

use super::{card, ClusterCard};
use crate::extract::QueryPairs;
use crate::pages::customers::flash;
use crate::pages::frame::{Frame, Section};
use crate::pages::{render, PageError, Viewer, T};
use crate::AppState;

/// One field of the side-by-side comparison: each record's value (in the
/// order of the columns) and the record whose value is kept by default.
pub struct FieldRow {
    pub field: String,
    pub label: String,
    pub cells: Vec<(i64, String)>,
    pub chosen: i64,
}

pub struct RecordColumn {
    pub id: i64,
    pub href: String,
    pub name: String,
    pub created: String,
    pub updated: String,
    pub verified: String,
}

#[derive(Template)]
#[template(path = "duplicates/show.html")]
struct ClusterPage {
    f: Frame,
    c: ClusterCard,
    status: String,
    merge_id: Option<i64>,
    columns: Vec<RecordColumn>,
    rows: Vec<FieldRow>,
    survivor: i64,
    may_merge: bool,
    undo_conflict: bool,
}

fn columns_and_rows(
    plan: &MergePlan,
    t: T,
    labels: &BTreeMap<String, String>,
) -> (Vec<RecordColumn>, Vec<FieldRow>) {
    let never = t.s("show.never_verified");
    let columns = plan
        .records
        .iter()
        .map(|c| RecordColumn {
            id: c.id,
            href: format!("/customers/{}", c.id),
            name: c.name.clone(),
            created: t.time(c.created_at.0),
            updated: t.time(c.updated_at.0),
            verified: c
                .verified_at
                .map_or_else(|| never.to_owned(), |v| t.time(v.0)),
        })
        .collect::<Vec<_>>();
    let rows = field_rows(t, &plan.fields, &columns, |f| {
        match f.strip_prefix("custom.") {
            Some(key) => labels.get(key).cloned().unwrap_or_else(|| key.to_owned()),
            None => t.field(f).to_owned(),
        }
    });
    (columns, rows)
}

/// The rows of the comparison: each field's value per column.
fn field_rows(
    t: T,
    fields: &[FieldChoice],
    columns: &[RecordColumn],
    label: impl Fn(&str) -> String,
) -> Vec<FieldRow> {
    fields
        .iter()
        .map(|f| FieldRow {
            label: label(&f.field),
            cells: columns
                .iter()
                .map(|col| {
                    let value = f
                        .values
                        .iter()
                        .find(|(id, _)| *id == col.id)
                        // A value from a list by its label (阶段: 客户).
                        .map(|(_, v)| t.choice(&f.field, v))
                        .unwrap_or_default();
                    (col.id, value)
                })
                .collect(),
            chosen: f.chosen,
            field: f.field.clone(),
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    QueryPairs(params): QueryPairs,
) -> Result<Response, PageError> {
    let t = viewer.t();
    let cluster = state.store.duplicate_cluster(&viewer.me.actor, id).await?;
    let live: Vec<CustomerId> = cluster
        .members
        .iter()
        .filter(|m| m.deleted_at.is_none())
        .map(|m| CustomerId(m.id))
        .collect();
    let contacts = cluster.entity == "contact";
    let (columns, rows, survivor) = if cluster.status == "open" && live.len() >= 2 && contacts {
        let ids: Vec<ContactId> = live.iter().map(|c| ContactId(c.get())).collect();
        let plan = state
            .store
            .contact_merge_plan(&viewer.me.ctx(), &ids)
            .await?;
        let columns = plan
            .records
            .iter()
            .map(|c| RecordColumn {
                id: c.id,
                href: format!("/customers/{}", c.customer_id),
                name: c.name.clone(),
                created: t.time(c.created_at.0),
                updated: t.time(c.updated_at.0),
                verified: String::new(),
            })
            .collect::<Vec<_>>();
        let rows = field_rows(t, &plan.fields, &columns, |f| t.field(f).to_owned());
        (columns, rows, plan.survivor)
    } else if cluster.status == "open" && live.len() >= 2 {
        let plan = state.store.merge_plan(&viewer.me.actor, &live).await?;
        let labels: BTreeMap<String, String> = state
            .store
            .field_definitions()
            .await?
            .into_iter()
            .map(|d| {
                let label = if t.is_zh() { d.label_zh } else { d.label_en };
                (d.key, label)
            })
            .collect();
        let (columns, rows) = columns_and_rows(&plan, t, &labels);
        (columns, rows, plan.survivor)
    } else {
        (Vec::new(), Vec::new(), 0)
    };
    let merge_id = match cluster.merge_id {
        Some(m) if contacts => {
            let merge = state.store.contact_merge(&viewer.me.ctx(), m).await?;
            merge.undone_at.is_none().then_some(m)
        }
        Some(m) => {
            let merge = state.store.merge(&viewer.me.actor, m).await?;
            merge.undone_at.is_none().then_some(m)
        }
        None => None,
    };
    let view = ClusterPage {
        f: Frame::new(&state, &viewer, Section::Duplicates, t.s("dup.queue_title"))
            .await?
            .with_flash(flash(t, &params)),
        c: card(&cluster, t),
        status: cluster.status.clone(),
        merge_id,
        columns,
        rows,
        survivor,
        may_merge: viewer.me.actor.may_assign_owner(),
        undo_conflict: params
            .iter()
            .any(|(k, v)| k == "flash" && v == "undo_conflict"),
    };
    render(&view)
}
