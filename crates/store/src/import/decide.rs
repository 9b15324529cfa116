//! Deciding what each row of a chunk does — create, update, skip or
//! reject — from the keys of earlier rows ([`Seen`]) and the records the
//! database finds.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use kehu_core::entry::{Patch, Stored};
use kehu_core::field::FieldDef;
use kehu_core::transfer::prepare::{Candidate, PreparedRow, Preparer};
use kehu_core::transfer::{changes, counts, outcome, Hit, Key, Outcome};
use kehu_core::{Actor, Code, CustomerId, FieldError, Invalid};
use serde_json::{Map, Value};

use crate::customers::{
    check_unique_custom, decide_owner, locked, tags_of, visible, Customer, CustomerInput,
};
use crate::db::{q, Tx};
use crate::lookups::WholeValue;
use crate::{Error, Result};

use super::prepare::column;
use super::ImportOptions;

/// Keys of rows already decided in this file, so a later row can be
/// matched to an earlier one. Keys are kept as 64-bit hashes: a million
/// rows cost tens of megabytes, not the keys' text.
#[derive(Debug, Default)]
pub struct Seen {
    pub(super) keys: HashMap<u64, Earlier>,
    /// A dry run writes nothing, so only this map knows earlier rows; a
    /// real run finds rows of earlier chunks in the database and forgets
    /// them here after each chunk.
    pub(super) keep: bool,
}

impl Seen {
    /// For a dry run: remembers every row of the file.
    pub fn whole_file() -> Seen {
        Seen {
            keep: true,
            ..Seen::default()
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Earlier {
    row: u64,
    /// The record the earlier row created or updated, or the index of the
    /// create in this chunk.
    target: Ref,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ref {
    Existing(i64),
    Created(usize),
    /// Created in a dry run: no id.
    Planned,
}

fn hash_key(kind: Key, value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// A record that a key found in the database.
#[derive(Debug, Clone, Copy)]
pub(super) struct Found {
    id: i64,
    visible: bool,
    /// In the shared pool: a user who is not a manager sees its numbers
    /// masked.
    pooled: bool,
}

pub(super) enum Decision {
    Create(Candidate),
    Update {
        target: Ref,
        candidate: Candidate,
    },
    Skip {
        reasons: Vec<FieldError>,
        customer: Option<Ref>,
        row: Option<u64>,
    },
    Reject(Vec<FieldError>),
}

/// The live records the chunk's keys find, by key.
type FoundMap = HashMap<(Key, String), Found>;

/// Looks every key of the chunk up in the database: one query per kind of
/// key, each on its index.
pub(super) async fn lookup(tx: &mut Tx, actor: &Actor, rows: &[PreparedRow]) -> Result<FoundMap> {
    let mut wanted: HashMap<Key, Vec<String>> = HashMap::new();
    for row in rows {
        if let Ok(c) = &row.parsed {
            for (kind, value) in c.keys() {
                wanted.entry(kind).or_default().push(value);
            }
        }
    }
    let mut found = FoundMap::new();
    let seen_by = visible(actor.scope(), "c");
    for kind in Key::ALL {
        let Some(mut values) = wanted.remove(&kind) else {
            continue;
        };
        values.sort();
        values.dedup();
        for part in values.chunks(1000) {
            let placeholders: Vec<String> =
                (1..=part.len()).map(|i| tx.backend().param(i)).collect();
            let key_sql = if kind == Key::Id {
                "CAST(c.id AS TEXT)".to_owned()
            } else {
                column(kind).to_owned()
            };
            let list = placeholders.join(", ");
            // A mobile is also found on a customer's contacts, as the
            // entry check finds it; the customer's own field comes first.
            let contacts = if kind == Key::Mobile {
                format!(
                    " UNION ALL SELECT c.id, x.mobile, CASE WHEN {seen_by} THEN 1 ELSE 0 END, \
                     CASE WHEN c.owner_id IS NULL THEN 1 ELSE 0 END, 1 \
                     FROM contacts x JOIN customers c ON c.id = x.customer_id \
                     WHERE x.deleted_at IS NULL AND c.deleted_at IS NULL AND x.mobile IN ({list})"
                )
            } else {
                String::new()
            };
            let mut stmt = q(format!(
                "SELECT c.id, {key_sql}, CASE WHEN {seen_by} THEN 1 ELSE 0 END, \
                 CASE WHEN c.owner_id IS NULL THEN 1 ELSE 0 END, 0 FROM customers c \
                 WHERE c.deleted_at IS NULL AND {} IN ({list}){contacts} ORDER BY 5, 1",
                column(kind),
            ))
            .once();
            for value in part {
                stmt = if kind == Key::Id {
                    stmt.bind(value.parse::<i64>().unwrap_or(0))
                } else {
                    stmt.bind(value.as_str())
                };
            }
            let rows: Vec<(i64, String, i32, i32, i32)> = tx.all(stmt).await?;
            for (id, key, visible, pooled, _) in rows {
                // The oldest record of a key wins.
                found.entry((kind, key)).or_insert(Found {
                    id,
                    visible: visible == 1,
                    pooled: pooled == 1,
                });
            }
        }
    }
    Ok(found)
}

/// The whole mobile numbers and emails of the chunk that found a record the
/// actor sees masked or not at all: a row's answer (a duplicate of a pool
/// record, or of someone else's) tells that the value exists, as a lookup
/// would, so each is charged as one.
pub(super) fn revealed(actor: &Actor, rows: &[PreparedRow], found: &FoundMap) -> Vec<WholeValue> {
    let mut out = Vec::new();
    for row in rows {
        let Ok(c) = &row.parsed else { continue };
        for (kind, value) in c.keys() {
            if !matches!(kind, Key::Mobile | Key::Email) {
                continue;
            }
            let Some(f) = found.get(&(kind, value.clone())) else {
                continue;
            };
            let owner = (!f.pooled).then_some(actor.user_id);
            if f.visible && actor.sees_contact_details(owner) {
                continue;
            }
            out.extend(WholeValue::of_key(&value));
        }
    }
    out.sort_by(|a, b| (a.field(), a.value()).cmp(&(b.field(), b.value())));
    out.dedup();
    out
}

/// The records among `found` that earlier chunks of the batch created or
/// changed: rows matching them repeat an earlier row of the file.
pub(super) async fn touched(tx: &mut Tx, batch: i64, found: &FoundMap) -> Result<HashSet<i64>> {
    let mut ids: Vec<i64> = found.values().map(|f| f.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = HashSet::new();
    for part in ids.chunks(1000) {
        let list: Vec<String> = part.iter().map(i64::to_string).collect();
        let rows: Vec<(i64,)> = tx
            .all(
                q(format!(
                    "SELECT DISTINCT entity_id FROM history WHERE batch_id = $1 AND entity = 'customer' \
                     AND entity_id IN ({})",
                    list.join(", ")
                ))
                .once()
                .bind(batch),
            )
            .await?;
        out.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(out)
}

/// What each row of a chunk does, in file order.
pub(super) fn decide(
    options: &ImportOptions,
    actor: &Actor,
    preparer: &Preparer,
    rows: &[PreparedRow],
    found: &FoundMap,
    touched: &HashSet<i64>,
    seen: &mut Seen,
) -> Vec<Decision> {
    let mut creates = 0usize;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let candidate = match &row.parsed {
            Err(errors) => {
                out.push(Decision::Reject(errors.clone()));
                continue;
            }
            Ok(c) => c,
        };
        let keys = candidate.keys();
        // The first key that met an earlier row of the file or a record
        // that counts (see `counts`); its target is the record and the
        // earlier row.
        let mut hit: Option<Hit<(Ref, Option<u64>)>> = None;
        for (kind, value) in &keys {
            if let Some(earlier) = seen.keys.get(&hash_key(*kind, value)) {
                hit = Some(Hit {
                    key: *kind,
                    visible: true,
                    this_file: true,
                    target: (earlier.target, Some(earlier.row)),
                });
                break;
            }
            if let Some(f) = found.get(&(*kind, value.clone())) {
                if !counts(options.kind, *kind, f.visible) {
                    continue;
                }
                hit = Some(Hit {
                    key: *kind,
                    visible: f.visible,
                    this_file: touched.contains(&f.id),
                    target: (Ref::Existing(f.id), None),
                });
                break;
            }
        }
        let first = keys.first().map(|(k, _)| *k);
        let decision = match outcome(options.kind, options.policy, first, hit) {
            Outcome::Create => create(actor, preparer, candidate),
            Outcome::NotFound(field) => {
                Decision::Reject(vec![FieldError::new(field, Code::NotFound)])
            }
            Outcome::Update((target, _)) => Decision::Update {
                target,
                candidate: candidate.clone(),
            },
            Outcome::Skip { key, code, named } => Decision::Skip {
                reasons: vec![FieldError::new(key.field(), code)],
                customer: named.map(|(target, _)| target),
                row: named.and_then(|(_, row)| row),
            },
        };
        let target = match &decision {
            Decision::Create(_) => {
                creates += 1;
                Some(if seen.keep {
                    Ref::Planned
                } else {
                    Ref::Created(creates - 1)
                })
            }
            Decision::Update { target, .. } => Some(*target),
            _ => None,
        };
        if let Some(target) = target {
            for (kind, value) in &keys {
                seen.keys.entry(hash_key(*kind, value)).or_insert(Earlier {
                    row: row.number,
                    target,
                });
            }
        }
        out.push(decision);
    }
    out
}

/// A row that creates a record, with its owner and team decided the way a
/// form's would be; or its rejection.
pub(super) fn create(actor: &Actor, preparer: &Preparer, candidate: &Candidate) -> Decision {
    if !candidate.missing.is_empty() {
        return Decision::Reject(candidate.missing.clone());
    }
    let requested = crate::customers::requested_owner(actor, &candidate.patch, None);
    let owner_team = requested.and_then(|id| preparer.team_of(id));
    match decide_owner(actor, &candidate.patch, None, requested, owner_team) {
        Err(invalid) => Decision::Reject(invalid.0),
        Ok((owner, team)) => {
            let mut c = candidate.clone();
            c.patch
                .set
                .retain(|(n, _)| *n != "owner_id" && *n != "team_id");
            c.patch.set.push(("owner_id", owner.map(Stored::Int)));
            c.patch.set.push(("team_id", team.map(Stored::Int)));
            Decision::Create(c)
        }
    }
}

/// Rejects creates whose values of unique custom fields are taken, by a
/// record or by an earlier create of the chunk.
pub(super) async fn check_unique(
    tx: &mut Tx,
    preparer: &Preparer,
    decisions: &mut [Decision],
) -> Result<()> {
    let unique: Vec<&FieldDef> = preparer.defs.iter().filter(|d| d.rules.unique).collect();
    if unique.is_empty() {
        return Ok(());
    }
    let mut taken: Vec<(String, Value)> = Vec::new();
    for decision in decisions.iter_mut() {
        let (custom, except) = match decision {
            Decision::Create(c) => (&c.custom, None),
            Decision::Update {
                target: Ref::Existing(id),
                candidate,
            } => (&candidate.custom, Some(*id)),
            _ => continue,
        };
        let mut clash = Invalid::default();
        for def in &unique {
            let key = def.key.as_str();
            if let Some(v) = custom.get(key) {
                if taken.iter().any(|(k, t)| k == key && t == v) {
                    clash.push(format!("custom.{key}"), Code::NotUnique);
                }
            }
        }
        if clash.is_empty() {
            if let Err(Error::Invalid(invalid)) =
                check_unique_custom(tx, &preparer.defs, custom, except).await
            {
                clash = invalid;
            }
        }
        if clash.is_empty() {
            for def in &unique {
                if let Some(v) = custom.get(def.key.as_str()) {
                    taken.push((def.key.as_str().to_owned(), v.clone()));
                }
            }
        } else {
            *decision = Decision::Reject(clash.0);
        }
    }
    Ok(())
}

/// A live customer the actor may see, with its tags, locked for this
/// transaction on PostgreSQL.
pub(super) async fn current_of(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Customer> {
    let mut c = locked(tx, actor, CustomerId(id)).await?;
    c.tags = tags_of(tx, id).await?;
    Ok(c)
}

/// The change a matching row makes to `current`: with `fill`, only fields
/// the record leaves empty; otherwise every field the row gives. Tags are
/// added, never removed. `None` when nothing would change.
pub(super) fn update_input(
    current: &Customer,
    row: &Candidate,
    fill: bool,
) -> Option<CustomerInput> {
    let mut patch = Patch::default();
    for (name, value) in &row.patch.set {
        let old = current.field(name);
        // Kind and stage always hold a value (their defaults), which a
        // fill leaves alone like any other value.
        if changes(fill, old.as_ref(), value.as_ref()) {
            patch.set.push((name, value.clone()));
        }
    }
    let mut custom = Map::new();
    for (key, value) in &row.custom {
        if changes(fill, current.custom.0.get(key), Some(value)) {
            custom.insert(key.clone(), value.clone());
        }
    }
    let new_tags: Vec<&String> = row
        .tags
        .iter()
        .filter(|t| !current.tags.contains(t))
        .collect();
    if patch.is_empty() && custom.is_empty() && new_tags.is_empty() {
        return None;
    }
    let tags = (!new_tags.is_empty()).then(|| {
        current
            .tags
            .iter()
            .chain(new_tags)
            .cloned()
            .collect::<Vec<_>>()
    });
    Some(CustomerInput {
        patch,
        tags,
        custom: (!custom.is_empty()).then_some(custom),
    })
}
