//! Reading file rows into candidates: [`SourceRow`]s parsed by a
//! [`Preparer`] into [`PreparedRow`]s, with the mapping, the field
//! definitions and the users and teams a file may name. Pure: the store
//! builds the preparer from its tables and writes what it prepares.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{BatchKind, Key};
use crate::columns::{choice_value, split_list, Target};
use crate::country::Country;
use crate::entry::{country_in, parse_object_in, tag_name, Kind, Mode, Patch, Stored};
use crate::field::{FieldDef, FieldKind};
use crate::phone;
use crate::search::Derived;
use crate::{schema, Code, FieldError, Invalid};
/// A row as read from a file: its number as the user sees it, and cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub number: u64,
    pub cells: Vec<String>,
}

/// A row after parsing, ready for the store's import of a chunk.
#[derive(Debug, Clone)]
pub struct PreparedRow {
    pub number: u64,
    pub cells: Vec<String>,
    pub parsed: std::result::Result<Candidate, Vec<FieldError>>,
}

impl PreparedRow {
    /// A row the reader could not read (a broken line of a JSON Lines
    /// file): rejected as it is.
    pub fn unreadable(number: u64, text: String) -> PreparedRow {
        PreparedRow {
            number,
            cells: vec![text],
            parsed: Err(vec![FieldError::new("", Code::UnreadableRow)]),
        }
    }

    /// A row the reader found wrong as a whole (a delimited row whose cells
    /// do not line up under the header): rejected with its cells as read.
    pub fn rejected(number: u64, cells: Vec<String>, code: Code) -> PreparedRow {
        PreparedRow {
            number,
            cells,
            parsed: Err(vec![FieldError::new("", code)]),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Candidate {
    /// Fields (schema::CUSTOMER) from the row's non-empty cells; owner and
    /// team resolved to ids.
    pub patch: Patch,
    pub custom: Map<String, Value>,
    pub tags: Vec<String>,
    pub id: Option<i64>,
    /// Required fields the row leaves empty: fatal only when it creates.
    pub missing: Vec<FieldError>,
    /// What the record it would create stores beside its fields.
    pub derived: Option<Derived>,
    /// Invalid secondary values left out of the record.
    pub warnings: Vec<FieldError>,
}

impl Candidate {
    fn text(&self, name: &str) -> Option<&str> {
        self.patch.text(name)
    }

    /// Match keys, strongest first.
    pub fn keys(&self) -> Vec<(Key, String)> {
        let mut out = Vec::new();
        if let Some(id) = self.id {
            out.push((Key::Id, id.to_string()));
        }
        for (kind, field) in [
            (Key::External, "external_id"),
            (Key::Uscc, "uscc"),
            (Key::Mobile, "mobile"),
        ] {
            if let Some(v) = self.text(field) {
                out.push((kind, v.to_owned()));
            }
        }
        if let Some(email) = self.text("email") {
            out.push((Key::Email, email.to_lowercase()));
        }
        out
    }
}

/// Users and teams by the names a file may give them.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// Lower-cased email → id.
    by_email: HashMap<String, i64>,
    /// Name → users of that name.
    by_name: HashMap<String, Vec<i64>>,
    /// Id → team, for the owner a created record gets.
    team_of: HashMap<i64, Option<i64>>,
    teams: HashMap<String, i64>,
}

impl Directory {
    /// An active user a row may name as owner, by email or by name.
    pub fn add_user(&mut self, id: i64, email: &str, name: Option<String>, team: Option<i64>) {
        self.by_email.insert(email.to_lowercase(), id);
        self.team_of.insert(id, team);
        if let Some(name) = name {
            self.by_name.entry(name).or_default().push(id);
        }
    }

    /// A team a row may name.
    pub fn add_team(&mut self, name: String, id: i64) {
        self.teams.insert(name, id);
    }
}

/// Turns file rows into parsed candidates: the mapping, the field
/// definitions, and the users and teams rows may name. Cheap to clone and
/// `Send`, so rows can be prepared on another thread.
#[derive(Debug, Clone)]
pub struct Preparer {
    columns: Vec<Option<Target>>,
    pub defs: Vec<FieldDef>,
    directory: Directory,
    /// Rows may create records (an import, not a batch update): their
    /// search keys are worked out here, on the reader's thread, rather than
    /// by the writer.
    creates: bool,
    /// The file's headers, to name a value left out in the record's notes.
    headers: Vec<String>,
    /// Any invalid value rejects its row.
    strict: bool,
    /// The country of rows that name none: their values are read by its
    /// rules, and records they create are in it.
    pub home: Country,
}

/// How a row names the record it updates, without a mobile or email
/// (whose reading depends on the country).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordName {
    Id(i64),
    External(String),
}

/// Cells that put a record in the shared pool when given as its owner.
const POOL_WORDS: &[&str] = &["公海", "pool", "none"];

impl Preparer {
    /// A preparer for a batch of `kind` whose columns fill `columns` (in
    /// the file's order, `None` for a column left out).
    pub fn new(
        columns: Vec<Option<Target>>,
        defs: Vec<FieldDef>,
        directory: Directory,
        kind: BatchKind,
        headers: Vec<String>,
        strict: bool,
        home: Country,
    ) -> Preparer {
        Preparer {
            columns,
            defs,
            directory,
            creates: kind == BatchKind::Import,
            headers,
            strict,
            home,
        }
    }

    /// The parsed form of one row.
    pub fn prepare(&self, row: SourceRow) -> PreparedRow {
        self.prepare_in(row, self.home)
    }

    /// [`Preparer::prepare`] for a row whose values are read by `home`'s
    /// rules when it names no country: one that updates a record of
    /// another country.
    pub fn prepare_in(&self, row: SourceRow, home: Country) -> PreparedRow {
        let parsed = self.parse(&row.cells, home);
        PreparedRow {
            number: row.number,
            cells: row.cells,
            parsed,
        }
    }

    /// The record a row names by id or external id, when it names no
    /// country of its own: the record's country then reads its values.
    pub fn names_record(&self, cells: &[String]) -> Option<RecordName> {
        let cell = |wanted: fn(&Target) -> bool| {
            self.columns
                .iter()
                .zip(cells)
                .find(|(t, c)| t.as_ref().is_some_and(wanted) && !c.trim().is_empty())
                .map(|(_, c)| c.trim().to_owned())
        };
        if cell(|t| matches!(t, Target::Field("country"))).is_some() {
            return None;
        }
        if let Some(id) = cell(|t| matches!(t, Target::Id)).and_then(|c| c.parse().ok()) {
            return Some(RecordName::Id(id));
        }
        cell(|t| matches!(t, Target::Field("external_id"))).map(RecordName::External)
    }

    fn parse(
        &self,
        cells: &[String],
        home: Country,
    ) -> std::result::Result<Candidate, Vec<FieldError>> {
        let mut errors = Invalid::default();
        if cells.len() > self.columns.len()
            && cells[self.columns.len()..]
                .iter()
                .any(|c| !c.trim().is_empty())
        {
            errors.push("", Code::ExtraCells);
        }
        let mut object = Map::new();
        let mut custom = Map::new();
        let mut tags = Vec::new();
        let mut id = None;
        let mut owner: Option<Option<i64>> = None;
        let mut team = None;
        // The column each refusable value came from, by the field its
        // error names.
        let mut given: Vec<(String, usize)> = Vec::new();
        // A landline in the mobile column (手机 columns often hold the
        // switchboard) is a phone number; which is which depends on the
        // row's country, known once every cell is read.
        let mut mobile = None;
        for (column, (target, cell)) in self.columns.iter().zip(cells).enumerate() {
            let Some(target) = target else { continue };
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            given.push((error_field(target), column));
            match target {
                Target::Field("mobile") => mobile = Some(cell),
                Target::Field(name) => {
                    let spec = schema::CUSTOMER.iter().find(|s| s.name == *name);
                    let value = match spec.map(|s| s.kind) {
                        Some(Kind::Choice(options)) => match choice_value(name, options, cell) {
                            Some(v) => Value::from(v),
                            None => {
                                errors.push(*name, Code::InvalidChoice);
                                continue;
                            }
                        },
                        _ => Value::from(cell),
                    };
                    object.insert((*name).to_owned(), value);
                }
                Target::Custom(key) => {
                    let Some(def) = self.defs.iter().find(|d| d.key.as_str() == key) else {
                        continue;
                    };
                    let value = match def.kind {
                        FieldKind::MultiSelect { .. } => {
                            Value::Array(split_list(cell).into_iter().map(Value::from).collect())
                        }
                        _ => Value::from(cell),
                    };
                    match def.validate(&value) {
                        Ok(Value::Null) => {}
                        Ok(v) => {
                            custom.insert(key.clone(), v);
                        }
                        Err(code) => errors.push(format!("custom.{key}"), code),
                    }
                }
                Target::Tags => {
                    for tag in split_list(cell) {
                        match tag_name(&tag) {
                            Ok(t) if !tags.contains(&t) => tags.push(t),
                            Ok(_) => {}
                            Err(code) => errors.push("tags", code),
                        }
                    }
                }
                Target::Owner => match self.owner(cell) {
                    Ok(o) => owner = Some(o),
                    Err(code) => errors.push("owner_id", code),
                },
                Target::Team => match self.directory.teams.get(cell) {
                    Some(t) => team = Some(*t),
                    None => errors.push("team_id", Code::NotFound),
                },
                Target::Id => match cell.parse::<i64>() {
                    Ok(i) if i > 0 => id = Some(i),
                    _ => errors.push("id", Code::WrongType),
                },
            }
        }
        let country = country_in(&object, home);
        if let Some(cell) = mobile {
            if phone::mobile_in(country, cell).is_err() && phone::phone_in(country, cell).is_ok() {
                if object.contains_key("phone") {
                    errors.push("mobile", phone::mobile_in(country, cell).unwrap_err());
                } else {
                    object.insert("phone".to_owned(), Value::from(cell));
                }
            } else {
                object.insert("mobile".to_owned(), Value::from(cell));
            }
        }
        let mut parsed = parse_object_in(&object, schema::CUSTOMER, &[], Mode::Update, home);
        if let Err(more) = &parsed {
            errors.0.extend(more.0.iter().cloned());
        }
        let mut warnings = Vec::new();
        if !errors.is_empty() {
            if self.strict || errors.0.iter().any(|e| is_key_field(&e.field)) {
                return Err(errors.0);
            }
            // Only secondary values are wrong: the row is written without
            // them, and an import keeps them in the record's notes as the
            // file had them.
            let mut dropped = Vec::new();
            for e in &errors.0 {
                object.remove(e.field.as_str());
                if let Some((_, column)) = given.iter().find(|(f, _)| *f == e.field) {
                    let header = self.headers.get(*column).map_or("", String::as_str);
                    let value = cells.get(*column).map_or("", |c| c.trim());
                    dropped.push(format!("{header}: {value}"));
                }
            }
            if self.creates && !dropped.is_empty() {
                let line = format!("[导入未采用 · not imported] {}", dropped.join("; "));
                let notes = match object.get("notes").and_then(Value::as_str) {
                    Some(n) => format!("{n} {line}"),
                    None => line,
                };
                object.insert("notes".to_owned(), Value::from(fit_notes(notes)));
            }
            warnings = errors.0;
            parsed = parse_object_in(&object, schema::CUSTOMER, &[], Mode::Update, home);
        }
        let mut patch = parsed.map_err(|more| more.0)?;
        if let Some(owner) = owner {
            patch.set.push(("owner_id", owner.map(Stored::Int)));
        }
        if let Some(team) = team {
            patch.set.push(("team_id", Some(Stored::Int(team))));
        }
        let mut missing = Vec::new();
        if patch.text("name").is_none() {
            missing.push(FieldError::new("name", Code::Required));
        }
        for def in self.defs.iter().filter(|d| d.rules.required) {
            if !custom.contains_key(def.key.as_str()) {
                missing.push(FieldError::new(
                    format!("custom.{}", def.key.as_str()),
                    Code::Required,
                ));
            }
        }
        let derived = (self.creates && missing.is_empty()).then(|| Derived::of(&patch));
        Ok(Candidate {
            patch,
            custom,
            tags,
            id,
            missing,
            derived,
            warnings,
        })
    }

    /// A user named by email or by name (which must be unambiguous); the
    /// pool for 公海.
    fn owner(&self, cell: &str) -> std::result::Result<Option<i64>, Code> {
        if POOL_WORDS.iter().any(|w| w.eq_ignore_ascii_case(cell)) {
            return Ok(None);
        }
        if let Some(id) = self.directory.by_email.get(&cell.to_lowercase()) {
            return Ok(Some(*id));
        }
        match self.directory.by_name.get(cell).map(Vec::as_slice) {
            Some([id]) => Ok(Some(*id)),
            Some([_, _, ..]) => Err(Code::Ambiguous),
            _ => Err(Code::NotFound),
        }
    }

    /// The team of an active user; `None` when there is no such user.
    pub fn team_of(&self, user: i64) -> Option<Option<i64>> {
        self.directory.team_of.get(&user).copied()
    }
}

/// Fields whose invalid value rejects a row whole: what records are found
/// and told apart by (and the row as a whole, `""`). Any other invalid
/// value is left out with a warning unless the import is strict.
fn is_key_field(field: &str) -> bool {
    matches!(
        field,
        "" | "id" | "name" | "mobile" | "email" | "uscc" | "external_id"
    )
}

/// The field an error about a column's value names.
fn error_field(target: &Target) -> String {
    match target {
        Target::Field(name) => (*name).to_owned(),
        Target::Custom(key) => format!("custom.{key}"),
        Target::Tags => "tags".to_owned(),
        Target::Owner => "owner_id".to_owned(),
        Target::Team => "team_id".to_owned(),
        Target::Id => "id".to_owned(),
    }
}

/// Notes cut to the longest a customer's notes may be.
fn fit_notes(notes: String) -> String {
    const MAX: usize = 5000;
    if notes.chars().count() <= MAX {
        return notes;
    }
    notes.chars().take(MAX).collect()
}

#[cfg(test)]
mod tests;
