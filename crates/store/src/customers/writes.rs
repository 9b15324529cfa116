//! Writing customers inside a transaction: inserting a new one and
//! applying a change to a live one, with history, custom values, tags and
//! search keys.

use kehu_core::company::company_core;
use kehu_core::entry::{Kind, Stored};
use kehu_core::field::FieldDef;
use kehu_core::webhook::Event;
use kehu_core::CustomerId;
use serde_json::Value;

use super::custom::{custom_changes, merge_custom};
use super::search_keys::index_customer;
use super::tags::set_tags;
use super::{assign_owner, check_unique_custom, locked, sort_key, CustomerInput, CUSTOMERS};
use crate::db::{q, Arg, Tx};
use crate::vault::values::{index_custom, seal_changes, seal_custom};
use crate::webhooks::outbox;
use crate::write::{Change, Ctx};
use crate::{now_ms, Result};

/// Applies a change to a live customer the actor may see, inside `tx`:
/// owner and team, fields, custom values and tags, each real change
/// recorded in history. Returns the changes; none when every value was
/// already as asked. The caller has checked that the actor may write.
pub(crate) async fn update_in(
    tx: &mut Tx,
    ctx: &Ctx,
    defs: &[FieldDef],
    id: CustomerId,
    input: CustomerInput,
    expected_version: Option<i64>,
) -> Result<Vec<Change>> {
    let mut patch = input.patch;
    // Every decision below is made from the row as it is inside this
    // transaction (locked on PostgreSQL), not from an earlier read.
    let current = locked(tx, &ctx.actor, id).await?;
    crate::locale::check_move(&patch, &current)?;
    let mut extra = Vec::new();
    if patch.get("owner_id").is_some() || patch.get("team_id").is_some() {
        let (owner, team) = assign_owner(tx, &ctx.actor, &patch, Some(&current)).await?;
        extra.push(("owner_id", Kind::Id, owner.map(Stored::Int)));
        extra.push(("team_id", Kind::Id, team.map(Stored::Int)));
        patch
            .set
            .retain(|(n, _)| *n != "owner_id" && *n != "team_id");
    }
    if let Some(name) = patch.text("name") {
        extra.push((
            "sort_key",
            Kind::Text(0),
            Some(Stored::Text(sort_key(name))),
        ));
    }
    if let Some(company) = patch.get("company") {
        let core = company.as_ref().and_then(Stored::as_text).map(company_core);
        extra.push(("company_core", Kind::Text(0), core.map(Stored::Text)));
    }
    let mut changes = CUSTOMERS
        .update(tx, id.get(), &patch, extra, ctx, expected_version)
        .await?;
    if let Some(values) = input.custom {
        let merged = merge_custom(defs, &current.custom.0, &values)?;
        check_unique_custom(tx, defs, &merged, Some(id.get())).await?;
        let custom_changes = custom_changes(&current.custom.0, &merged);
        if !custom_changes.is_empty() {
            let now = now_ms();
            let vault = tx.vault.clone();
            let mut sealed = merged.clone();
            seal_custom(&vault, defs, &mut sealed)?;
            tx.execute(
                q(
                    "UPDATE customers SET custom = $1, updated_at = $2, updated_by = $3, \
                   version = version + 1 WHERE id = $4",
                )
                .bind(Value::Object(sealed).to_string())
                .bind(now)
                .bind(ctx.by())
                .bind(id.get()),
            )
            .await?;
            index_custom(tx, id.get(), defs, &merged).await?;
            let recorded = seal_changes(&vault, defs, &custom_changes)?;
            crate::write::write_history(tx, "customer", id.get(), &recorded, ctx, now).await?;
            changes.extend(custom_changes);
        }
    }
    if let Some(tags) = input.tags {
        if set_tags(tx, id.get(), &tags, ctx, true).await? {
            changes.push(Change {
                field: "tags".into(),
                old: None,
                new: None,
            });
        }
    }
    let searchable = ["name", "company", "mobile", "phone", "email"];
    if changes
        .iter()
        .any(|c| searchable.contains(&c.field.as_str()))
    {
        index_customer(tx, id.get()).await?;
    }
    Ok(changes)
}

/// Writes a new customer inside `tx`: owner and team as the actor may give
/// them, custom fields checked, tags and search keys written. Returns its id.
pub(crate) async fn insert_customer(
    tx: &mut Tx,
    ctx: &Ctx,
    defs: &[kehu_core::field::FieldDef],
    input: CustomerInput,
) -> Result<i64> {
    let custom = kehu_core::field::validate_custom(defs, &input.custom.unwrap_or_default())?;
    let mut patch = input.patch;
    let (owner, team) = assign_owner(tx, &ctx.actor, &patch, None).await?;
    patch
        .set
        .retain(|(n, _)| *n != "owner_id" && *n != "team_id");
    check_unique_custom(tx, defs, &custom, None).await?;
    let name = patch.text("name").unwrap_or_default().to_owned();
    let company = patch.text("company").map(str::to_owned);
    let mut sealed = custom.clone();
    seal_custom(&tx.vault.clone(), defs, &mut sealed)?;
    let extra = vec![
        ("owner_id", Arg::from(owner)),
        ("team_id", Arg::from(team)),
        ("custom", Value::Object(sealed).to_string().into()),
        ("sort_key", sort_key(&name).into()),
        ("company_core", company.as_deref().map(company_core).into()),
    ];
    let id = CUSTOMERS.insert(tx, &patch, extra, ctx).await?;
    index_custom(tx, id, defs, &custom).await?;
    if let Some(tags) = input.tags {
        set_tags(tx, id, &tags, ctx, false).await?;
    }
    index_customer(tx, id).await?;
    outbox::emit_customer(tx, Event::CustomerCreated, CustomerId(id), defs).await?;
    Ok(id)
}
