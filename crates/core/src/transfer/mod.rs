//! Moving customers in bulk: an import (导入) creates records from a file's
//! rows, a batch update (批量更新) changes the records its rows name. What
//! each row does, and what it changes, is decided here, without a
//! database: the store looks the row's keys up, keeps batches, chunks and
//! undo, and asks.
//!
//! A row is matched by its keys in a fixed order ([`Key`]): the first key
//! that names an earlier row of the file or a record decides. Then the
//! batch's kind and policy say what the row does ([`outcome`]), and a row
//! that updates changes only what [`changes`] lets it.

use serde::{Deserialize, Serialize};

use crate::Code;

pub mod prepare;

/// An import creates records; a batch update only changes the records its
/// rows name, and rejects rows that name none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    Import,
    Update,
}

impl BatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchKind::Import => "import",
            BatchKind::Update => "update",
        }
    }
}

/// What a row that matches an existing record (or an earlier row) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Leave the record as it is; the row is reported as a duplicate.
    Skip,
    /// Fill the record's empty fields from the row.
    Fill,
    /// Overwrite the record's fields with the row's non-empty cells.
    Overwrite,
    /// Create a new record anyway (not for rows matching by id or
    /// external id: those are the record itself, and are skipped).
    Create,
}

impl Policy {
    pub const ALL: [Policy; 4] = [
        Policy::Skip,
        Policy::Fill,
        Policy::Overwrite,
        Policy::Create,
    ];

    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Skip => "skip",
            Policy::Fill => "fill",
            Policy::Overwrite => "overwrite",
            Policy::Create => "create",
        }
    }
}

/// What a row can be matched by, in the order its keys are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Id,
    External,
    Uscc,
    Mobile,
    Email,
}

impl Key {
    pub const ALL: [Key; 5] = [Key::Id, Key::External, Key::Uscc, Key::Mobile, Key::Email];

    /// The customer field the key is.
    pub fn field(self) -> &'static str {
        match self {
            Key::Id => "id",
            Key::External => "external_id",
            Key::Uscc => "uscc",
            Key::Mobile => "mobile",
            Key::Email => "email",
        }
    }

    /// Rows matching by these are the record itself, whatever the policy.
    pub fn is_identity(self) -> bool {
        matches!(self, Key::Id | Key::External)
    }
}

/// Whether a record that a row's key found counts as the row's match. An
/// id of a record the actor may not see is no such id ("someone else's"
/// would confirm that it exists), and so is a hidden record's external id
/// in a batch update, which only updates: the row's other keys are tried.
pub fn counts(kind: BatchKind, key: Key, visible: bool) -> bool {
    visible || !key.is_identity() || (key == Key::External && kind == BatchKind::Import)
}

/// What a row's first counting key met: `target` is the caller's handle
/// on the record (or the earlier row) met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<T> {
    pub key: Key,
    /// The actor may see the record (an earlier row's always is).
    pub visible: bool,
    /// An earlier row of this file made or changed it.
    pub this_file: bool,
    pub target: T,
}

/// What a row does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// Creates a record.
    Create,
    /// Updates the record met ([`changes`] says with what).
    Update(T),
    /// Skipped as a duplicate, found by `key`: of the record met, named in
    /// the report, or ([`Code::DuplicateHidden`]) of one the actor may not
    /// see, not named.
    Skip {
        key: Key,
        code: Code,
        named: Option<T>,
    },
    /// Rejected: a batch update row naming no record; the field is the
    /// key that named none.
    NotFound(&'static str),
}

/// What a row with its first key `first` (if any) does in a batch of
/// `kind` under `policy`, given what its keys met.
pub fn outcome<T>(
    kind: BatchKind,
    policy: Policy,
    first: Option<Key>,
    hit: Option<Hit<T>>,
) -> Outcome<T> {
    let Some(hit) = hit else {
        // An import creates a row whose id names no record it may see: a
        // file exported from another kehu (or of records since removed)
        // brings their ids along.
        return match kind {
            BatchKind::Import => Outcome::Create,
            BatchKind::Update => Outcome::NotFound(first.map_or("id", Key::field)),
        };
    };
    let import = kind == BatchKind::Import;
    if import && policy == Policy::Create && !hit.key.is_identity() {
        Outcome::Create
    } else if !hit.visible {
        Outcome::Skip {
            key: hit.key,
            code: Code::DuplicateHidden,
            named: None,
        }
    } else if hit.this_file || (import && matches!(policy, Policy::Skip | Policy::Create)) {
        // A second row of the file for the same record is a duplicate
        // whatever the policy: applying both would let the file disagree
        // with itself, and importing it again would change the record back
        // and forth.
        Outcome::Skip {
            key: hit.key,
            code: Code::Duplicate,
            named: Some(hit.target),
        }
    } else {
        Outcome::Update(hit.target)
    }
}

/// Whether an updating row's value `new` replaces the record's `old`:
/// never when they are equal, and with `fill` only where the record has
/// none.
pub fn changes<T: PartialEq>(fill: bool, old: Option<&T>, new: Option<&T>) -> bool {
    !(fill && old.is_some()) && old != new
}

#[cfg(test)]
mod tests;
