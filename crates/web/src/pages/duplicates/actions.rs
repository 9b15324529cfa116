//! Acting on a cluster: merging its records, dismissing it (or one
//! member), and undoing a merge.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::Response;
use kehu_core::{ContactId, CustomerId};
use kehu_store::contact_merge::ContactMergeRequest;
use kehu_store::merge::MergeRequest;

use crate::pages::{see_other, PageError, Posted};
use crate::AppState;

pub async fn merge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let actor = &posted.viewer.me.actor;
    let cluster = state.store.duplicate_cluster(actor, id).await?;
    let parse = |v: &str| v.parse::<i64>().map_err(|_| PageError::BadRequest);
    let survivor = parse(posted.fields.get("survivor").ok_or(PageError::BadRequest)?)?;
    let mut ids = vec![survivor];
    for included in posted.fields.all("include") {
        let m = parse(included)?;
        if !ids.contains(&m) {
            ids.push(m);
        }
    }
    if !ids
        .iter()
        .all(|i| cluster.members.iter().any(|m| m.id == *i))
    {
        return Err(PageError::BadRequest);
    }
    if ids.len() < 2 {
        return Ok(see_other(&format!("/duplicates/{id}?flash=pick_two")));
    }
    let mut choose = BTreeMap::new();
    for (name, value) in &posted.fields.0 {
        let Some(field) = name.strip_prefix("keep.") else {
            continue;
        };
        let from = parse(value)?;
        // A value from a record left out of the merge cannot be kept.
        if ids.contains(&from) {
            choose.insert(field.to_owned(), CustomerId(from));
        }
    }
    if cluster.entity == "contact" {
        let request = ContactMergeRequest {
            survivor: ContactId(ids[0]),
            merged: ids[1..].iter().map(|i| ContactId(*i)).collect(),
            choose: choose
                .into_iter()
                .map(|(f, c): (String, CustomerId)| (f, ContactId(c.get())))
                .collect(),
        };
        state
            .store
            .merge_contacts(&posted.viewer.me.ctx(), &request)
            .await?;
        return Ok(see_other(&format!("/duplicates/{id}?flash=merged")));
    }
    let request = MergeRequest {
        score: Some(cluster.score),
        reasons: cluster.reasons.clone(),
        ..MergeRequest::manual(
            &ids.iter().map(|i| CustomerId(*i)).collect::<Vec<_>>(),
            choose,
        )
    };
    state
        .store
        .merge_customers(&posted.viewer.me.ctx(), &request)
        .await?;
    Ok(see_other(&format!("/duplicates/{id}?flash=merged")))
}

pub async fn dismiss(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let member = match posted.fields.get("member") {
        Some(m) => Some(m.parse().map_err(|_| PageError::BadRequest)?),
        None => None,
    };
    let left = state
        .store
        .dismiss_cluster(&posted.viewer.me.ctx(), id, member)
        .await?;
    Ok(if left.status == "open" {
        see_other(&format!("/duplicates/{id}?flash=member_removed"))
    } else {
        see_other("/duplicates?flash=dismissed")
    })
}

pub async fn undo(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    posted: Posted,
) -> Result<Response, PageError> {
    let cluster = state
        .store
        .duplicate_cluster(&posted.viewer.me.actor, id)
        .await?;
    let merge = cluster.merge_id.ok_or(PageError::Conflict)?;
    let force = posted.fields.get("force").is_some();
    let done = if cluster.entity == "contact" {
        state
            .store
            .undo_contact_merge(&posted.viewer.me.ctx(), merge, force)
            .await?
            .done
    } else {
        state
            .store
            .undo_merge(&posted.viewer.me.ctx(), merge, force)
            .await?
            .done
    };
    Ok(if done {
        see_other(&format!("/duplicates/{id}?flash=merge_undone"))
    } else {
        see_other(&format!("/duplicates/{id}?flash=undo_conflict"))
    })
}
