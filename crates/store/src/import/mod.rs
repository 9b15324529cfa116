//! Imports and batch updates (批量导入/批量更新) of customers.
//!
//! A file's rows come in as cells; [`Preparer`] turns each into a parsed
//! candidate with the same entry standards as a form (pure CPU work, so a
//! caller can do it on another thread while the previous chunk is
//! written). [`Store::import_chunk`] then decides, chunk by chunk, what
//! each row does — create a customer, update the one it matches, skip it
//! as a duplicate, or reject it with its reasons — and writes the chunk in
//! one transaction together with the batch's progress. A batch stopped
//! half-way is resumed after its last committed row, so every row is
//! written exactly once; [`Store::undo_import`] takes everything a batch
//! did back, from the history rows it stamped with its id.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use kehu_core::columns::{choice_value, split_list, Target};
use kehu_core::country::Country;
use kehu_core::entry::{country_in, parse_object_in, Kind, Mode, Patch, Stored};
use kehu_core::field::{FieldDef, FieldKind};
use kehu_core::phone;
use kehu_core::{schema, Actor, Code, CustomerId, FieldError, Invalid, Lang};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::bulk::{write_bulk_in, BulkCustomer, Derived, PreparedBulk};
use crate::customers::{
    check_unique_custom, decide_owner, locked, tags_of, update_in, visible, Customer, CustomerInput,
};
use crate::db::{q, Arg, Tx};
use crate::lookups::WholeValue;
use crate::time::Time;
use crate::write::Ctx;
use crate::{now_ms, Error, Result, Store};

/// What a row that matches an existing record (or an earlier row) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
    pub fn parse(s: &str) -> Option<Policy> {
        match s.trim() {
            "skip" => Some(Policy::Skip),
            "fill" => Some(Policy::Fill),
            "overwrite" => Some(Policy::Overwrite),
            "create" => Some(Policy::Create),
            _ => None,
        }
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

/// An import creates records; a batch update (批量更新) only changes the
/// records its rows name, and rejects rows that name none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    Import,
    Update,
}

impl BatchKind {
    fn as_str(self) -> &'static str {
        match self {
            BatchKind::Import => "import",
            BatchKind::Update => "update",
        }
    }
}

/// How a file is read into customers, kept with the batch so a resumed
/// batch reads its file the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportOptions {
    pub kind: BatchKind,
    pub policy: Policy,
    /// The file's column headers, in order.
    pub headers: Vec<String>,
    /// For each column, the key of the field it fills (`name`,
    /// `custom.level`, `owner`, `tags`, `id` …), or null to ignore it.
    pub mapping: Vec<Option<String>>,
    /// The sheet of a workbook.
    #[serde(default)]
    pub sheet: Option<String>,
    /// The row the file's headers are on, as the user counts rows.
    #[serde(default)]
    pub header_row: Option<u64>,
    /// Reject a row whole for any invalid value, not only for an invalid
    /// key (name, mobile, email, credit code, external id).
    #[serde(default)]
    pub strict: bool,
    /// What a batch update by filter changed (`stage=customer`).
    #[serde(default)]
    pub description: Option<String>,
}

/// An import or batch update as kept in the database.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Batch {
    pub id: i64,
    pub kind: BatchKind,
    /// `running`, `done`, `undoing` or `undone`.
    pub status: String,
    pub file_name: String,
    #[serde(skip)]
    pub file_path: Option<String>,
    /// The token of the process writing it (see [`Store::claim_import`]).
    #[serde(skip)]
    runner: String,
    pub file_sha256: Option<String>,
    pub options: ImportOptions,
    pub actor_id: Option<i64>,
    /// Rows read and committed, in file order.
    pub rows_done: i64,
    pub counts: Counts,
    pub created_at: Time,
    pub heartbeat_at: Time,
    pub finished_at: Option<Time>,
    pub undone_at: Option<Time>,
}

impl Batch {
    /// Whether no process is writing it any more: finished, or stopped
    /// without a heartbeat for a while.
    pub fn is_interrupted(&self) -> bool {
        self.status == "running" && now_ms() - self.heartbeat_at.0 > STALE_MS
    }
}

/// A running batch without a heartbeat for this long was interrupted.
pub const STALE_MS: i64 = 60_000;

/// What the rows of a batch (or a chunk, or a dry run) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Counts {
    pub created: i64,
    pub updated: i64,
    /// Matched a record that already held every value of the row.
    pub unchanged: i64,
    /// Duplicates left alone (policy `skip`).
    pub skipped: i64,
    pub rejected: i64,
    /// Rows created or updated without some invalid secondary values (a
    /// second phone, a website, an owner this instance lacks), which are
    /// listed with the row; counted among created, updated or unchanged
    /// too.
    #[serde(default)]
    pub warned: i64,
}

impl Counts {
    pub fn rows(&self) -> i64 {
        self.created + self.updated + self.unchanged + self.skipped + self.rejected
    }

    pub fn add(&mut self, other: &Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
        self.rejected += other.rejected;
        self.warned += other.warned;
    }
}

/// Why a row was rejected or skipped, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    /// The field (`mobile`, `custom.level`), or empty for the whole row.
    pub field: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl Reason {
    fn of(e: &FieldError) -> Reason {
        Reason {
            field: e.field.clone(),
            code: e.code.as_str().to_owned(),
            message_zh: e.code.message(Lang::ZhCn),
            message_en: e.code.message(Lang::En),
        }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
}

/// A row that was not written as it stood: rejected, or a duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Issue {
    pub row: i64,
    /// `rejected`, `skipped`, or `warned` (written without some values).
    pub outcome: String,
    pub cells: Vec<String>,
    pub reasons: Vec<Reason>,
    /// The record a duplicate matches.
    pub match_customer_id: Option<i64>,
    /// The earlier row of the same file a duplicate matches.
    pub match_row: Option<i64>,
}

/// A row as read from a file: its number as the user sees it, and cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub number: u64,
    pub cells: Vec<String>,
}

/// A row after parsing, ready for [`Store::import_chunk`].
#[derive(Debug, Clone)]
pub struct PreparedRow {
    number: u64,
    cells: Vec<String>,
    parsed: std::result::Result<Candidate, Vec<FieldError>>,
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
struct Candidate {
    /// Fields (schema::CUSTOMER) from the row's non-empty cells; owner and
    /// team resolved to ids.
    patch: Patch,
    custom: Map<String, Value>,
    tags: Vec<String>,
    id: Option<i64>,
    /// Required fields the row leaves empty: fatal only when it creates.
    missing: Vec<FieldError>,
    /// What the record it would create stores beside its fields.
    derived: Option<Derived>,
    /// Invalid secondary values left out of the record.
    warnings: Vec<FieldError>,
}

impl Candidate {
    fn text(&self, name: &str) -> Option<&str> {
        self.patch.text(name)
    }

    /// Match keys, strongest first.
    fn keys(&self) -> Vec<(KeyKind, String)> {
        let mut out = Vec::new();
        if let Some(id) = self.id {
            out.push((KeyKind::Id, id.to_string()));
        }
        for (kind, field) in [
            (KeyKind::External, "external_id"),
            (KeyKind::Uscc, "uscc"),
            (KeyKind::Mobile, "mobile"),
        ] {
            if let Some(v) = self.text(field) {
                out.push((kind, v.to_owned()));
            }
        }
        if let Some(email) = self.text("email") {
            out.push((KeyKind::Email, email.to_lowercase()));
        }
        out
    }
}

/// What a row can be matched by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeyKind {
    Id,
    External,
    Uscc,
    Mobile,
    Email,
}

impl KeyKind {
    fn field(self) -> &'static str {
        match self {
            KeyKind::Id => "id",
            KeyKind::External => "external_id",
            KeyKind::Uscc => "uscc",
            KeyKind::Mobile => "mobile",
            KeyKind::Email => "email",
        }
    }

    /// The SQL expression the key is looked up by (an index exists on each).
    fn column(self) -> &'static str {
        match self {
            KeyKind::Email => "lower(c.email)",
            KeyKind::Id => "c.id",
            KeyKind::External => "c.external_id",
            KeyKind::Uscc => "c.uscc",
            KeyKind::Mobile => "c.mobile",
        }
    }

    /// Rows matching by these are the record itself, whatever the policy.
    fn is_identity(self) -> bool {
        matches!(self, KeyKind::Id | KeyKind::External)
    }
}

const KEY_KINDS: [KeyKind; 5] = [
    KeyKind::Id,
    KeyKind::External,
    KeyKind::Uscc,
    KeyKind::Mobile,
    KeyKind::Email,
];

/// Users and teams by the names a file may give them.
#[derive(Debug, Clone, Default)]
struct Directory {
    /// Lower-cased email → id.
    by_email: HashMap<String, i64>,
    /// Name → users of that name.
    by_name: HashMap<String, Vec<i64>>,
    /// Id → team, for the owner a created record gets.
    team_of: HashMap<i64, Option<i64>>,
    teams: HashMap<String, i64>,
}

/// Turns file rows into parsed candidates: the mapping, the field
/// definitions, and the users and teams rows may name. Cheap to clone and
/// `Send`, so rows can be prepared on another thread.
#[derive(Debug, Clone)]
pub struct Preparer {
    columns: Vec<Option<Target>>,
    defs: Vec<FieldDef>,
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
    home: Country,
}

/// Cells that put a record in the shared pool when given as its owner.
const POOL_WORDS: &[&str] = &["公海", "pool", "none"];

impl Preparer {
    /// The parsed form of one row.
    pub fn prepare(&self, row: SourceRow) -> PreparedRow {
        let parsed = self.parse(&row.cells);
        PreparedRow {
            number: row.number,
            cells: row.cells,
            parsed,
        }
    }

    fn parse(&self, cells: &[String]) -> std::result::Result<Candidate, Vec<FieldError>> {
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
                        match crate::tags::tag_name(&tag) {
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
        let country = country_in(&object, self.home);
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
        let mut parsed = parse_object_in(&object, schema::CUSTOMER, &[], Mode::Update, self.home);
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
            parsed = parse_object_in(&object, schema::CUSTOMER, &[], Mode::Update, self.home);
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
    fn team_of(&self, user: i64) -> Option<Option<i64>> {
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

/// Keys of rows already decided in this file, so a later row can be
/// matched to an earlier one. Keys are kept as 64-bit hashes: a million
/// rows cost tens of megabytes, not the keys' text.
#[derive(Debug, Default)]
pub struct Seen {
    keys: HashMap<u64, Earlier>,
    /// How many of the file's mobile numbers show as each masked form
    /// (`139****2222`), counted for users who see numbers masked.
    masked: HashMap<String, u32>,
    /// A dry run writes nothing, so only this map knows earlier rows; a
    /// real run finds rows of earlier chunks in the database and forgets
    /// them here after each chunk.
    keep: bool,
}

impl Seen {
    /// For a dry run: remembers every row of the file.
    pub fn whole_file() -> Seen {
        Seen {
            keep: true,
            ..Seen::default()
        }
    }

    /// Counts the chunk's mobile numbers by the form a user who sees them
    /// masked would see, and refuses the file when too many share one: a
    /// list of real customers almost never holds even a handful of numbers
    /// alike in their first three and last four digits, while a file
    /// guessing the hidden digits of `139****2222` holds thousands.
    fn note_masked(&mut self, rows: &[PreparedRow]) -> Result<()> {
        for row in rows {
            let Ok(c) = &row.parsed else { continue };
            for (kind, value) in c.keys() {
                if kind != KeyKind::Mobile {
                    continue;
                }
                let masked = crate::mask::phone(&value);
                let n = self.masked.entry(masked.clone()).or_default();
                *n += 1;
                if *n > MASKED_REPEATS {
                    return Err(Error::MaskedGuess { masked });
                }
            }
        }
        Ok(())
    }
}

/// What the cells of kept import rows are sealed for (the AAD).
pub(crate) const ISSUE_CELLS: &str = "import_issues.cells";

/// The cells of a kept import row as stored (sealed, or clear from before
/// kehu sealed them), as JSON text.
pub(crate) fn open_cells(vault: &crate::Vault, stored: &str) -> Result<String> {
    vault.open(ISSUE_CELLS, stored)
}

/// More mobile numbers than this sharing one masked form refuse a file
/// imported by a user who sees numbers masked. In a uniformly spread list
/// of a million numbers the most crowded form holds about a dozen.
const MASKED_REPEATS: u32 = 20;

#[derive(Debug, Clone, Copy)]
struct Earlier {
    row: u64,
    /// The record the earlier row created or updated, or the index of the
    /// create in this chunk.
    target: Ref,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    Existing(i64),
    Created(usize),
    /// Created in a dry run: no id.
    Planned,
}

fn hash_key(kind: KeyKind, value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// A record that a key found in the database.
#[derive(Debug, Clone, Copy)]
struct Found {
    id: i64,
    visible: bool,
    /// In the shared pool: a user who is not a manager sees its numbers
    /// masked.
    pooled: bool,
}

enum Decision {
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

/// What one chunk did.
#[derive(Debug, Clone, Default)]
pub struct ChunkOutcome {
    pub counts: Counts,
    /// Its rejected and skipped rows.
    pub issues: Vec<Issue>,
}

impl Store {
    /// Everything needed to parse rows for `options`, with the mapping's
    /// keys checked: an unknown field key is an error naming the column.
    pub async fn preparer(&self, options: &ImportOptions) -> Result<Preparer> {
        let defs = self.field_defs().await?;
        let mut invalid = Invalid::default();
        let mut columns = Vec::new();
        for (i, key) in options.mapping.iter().enumerate() {
            match key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
                None => columns.push(None),
                Some(k) => match Target::parse(k, &defs) {
                    Some(t) => columns.push(Some(t)),
                    None => {
                        let header = options.headers.get(i).cloned().unwrap_or_default();
                        invalid.push(format!("mapping.{header}"), Code::UnknownField);
                        columns.push(None);
                    }
                },
            }
        }
        let mut seen = Vec::new();
        for (i, t) in columns.iter().enumerate() {
            if let Some(t) = t {
                if seen.contains(t) {
                    let header = options.headers.get(i).cloned().unwrap_or_default();
                    invalid.push(format!("mapping.{header}"), Code::NotUnique);
                }
                seen.push(t.clone());
            }
        }
        invalid.into_result()?;
        let mut directory = Directory::default();
        for user in self.users().await?.into_iter().filter(|u| u.active) {
            directory
                .by_email
                .insert(user.email.to_lowercase(), user.id);
            directory.team_of.insert(user.id, user.team_id);
            if let Some(name) = user.name {
                directory.by_name.entry(name).or_default().push(user.id);
            }
        }
        for team in self.teams().await? {
            directory.teams.insert(team.name, team.id);
        }
        Ok(Preparer {
            columns,
            defs,
            directory,
            creates: options.kind == BatchKind::Import,
            headers: options.headers.clone(),
            strict: options.strict,
            home: self.default_country().await?,
        })
    }

    /// Starts a batch. `file_path` is where the file is kept for a resume.
    pub async fn begin_import(
        &self,
        ctx: &Ctx,
        file_name: &str,
        file_path: Option<&str>,
        file_sha256: Option<&str>,
        options: &ImportOptions,
    ) -> Result<Batch> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let now = now_ms();
        let options_json =
            serde_json::to_string(options).map_err(|e| Error::internal(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert(
                q("INSERT INTO import_batches (kind, status, file_name, file_path, file_sha256, options, \
                   actor_id, heartbeat_at, created_at, runner) \
                   VALUES ($1, 'running', $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id")
                .bind(options.kind.as_str())
                .bind(file_name)
                .bind(file_path)
                .bind(file_sha256)
                .bind(options_json)
                .bind(ctx.by())
                .bind(now)
                .bind(runner_token()),
            )
            .await?;
        tx.commit().await?;
        self.import_batch(&ctx.actor, id).await
    }

    /// A batch the actor may see: their own, or any for an administrator.
    pub async fn import_batch(&self, actor: &Actor, id: i64) -> Result<Batch> {
        let row: Option<BatchRow> = self
            .db
            .optional(
                q(format!(
                    "SELECT {BATCH_COLUMNS} FROM import_batches WHERE id = $1"
                ))
                .bind(id),
            )
            .await?;
        let batch = row.ok_or(Error::NotFound)?.into_batch()?;
        if !actor.is_admin() && batch.actor_id != Some(actor.user_id.get()) {
            return Err(Error::NotFound);
        }
        Ok(batch)
    }

    /// The actor's batches (an administrator's: everyone's), newest first.
    pub async fn import_batches(&self, actor: &Actor, limit: i64) -> Result<Vec<Batch>> {
        let condition = if actor.is_admin() {
            "1 = 1".to_owned()
        } else {
            format!("actor_id = {}", actor.user_id.get())
        };
        let rows: Vec<BatchRow> = self
            .db
            .all(
                q(format!(
                    "SELECT {BATCH_COLUMNS} FROM import_batches WHERE {condition} ORDER BY id DESC LIMIT $1"
                ))
                .bind(limit),
            )
            .await?;
        rows.into_iter().map(BatchRow::into_batch).collect()
    }

    /// The unfinished batch of the same file by the same user, if any:
    /// running the same import again resumes it instead of starting over.
    pub async fn resumable_import(
        &self,
        actor: &Actor,
        file_sha256: &str,
    ) -> Result<Option<Batch>> {
        let rows: Vec<BatchRow> = self
            .db
            .all(
                q(format!(
                    "SELECT {BATCH_COLUMNS} FROM import_batches WHERE file_sha256 = $1 AND status = 'running' \
                     AND actor_id IS NOT DISTINCT FROM $2 ORDER BY id DESC"
                ))
                .bind(file_sha256)
                .bind(Some(actor.user_id.get()).filter(|id| *id > 0)),
            )
            .await?;
        rows.into_iter()
            .next()
            .map(BatchRow::into_batch)
            .transpose()
    }

    /// Takes an unfinished batch over for this process. Whoever wrote it
    /// before (a process that was killed, or one still running) can commit
    /// no further chunk of it, so resuming never writes a row twice.
    pub async fn claim_import(&self, actor: &Actor, id: i64) -> Result<Batch> {
        let batch = self.import_batch(actor, id).await?;
        if batch.status != "running" {
            return Err(Error::Conflict("batch_finished"));
        }
        let n = self
            .db
            .execute(
                q(
                    "UPDATE import_batches SET heartbeat_at = $1, runner = $2 WHERE id = $3 \
                   AND status = 'running'",
                )
                .bind(now_ms())
                .bind(runner_token())
                .bind(id),
            )
            .await?;
        if n == 0 {
            return Err(Error::Conflict("batch_finished"));
        }
        self.import_batch(actor, id).await
    }

    /// Decides one chunk of rows and, for a batch, writes it in one
    /// transaction together with the batch's progress. Without a batch it
    /// is a dry run: the same decisions, nothing written. `seen` carries
    /// the keys of earlier rows of the file.
    pub async fn import_chunk(
        &self,
        ctx: &Ctx,
        options: &ImportOptions,
        batch: Option<&mut Batch>,
        preparer: &Preparer,
        rows: Vec<PreparedRow>,
        seen: &mut Seen,
    ) -> Result<ChunkOutcome> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        if crate::lookups::counted(&ctx.actor) {
            seen.note_masked(&rows)?;
            self.lookups_left(&ctx.actor, "import").await?;
        }
        let mut tx = self.db.begin().await?;
        let found = lookup(&mut tx, &ctx.actor, &rows).await?;
        let charged = revealed(&ctx.actor, &rows, &found);
        crate::lookups::charge_in(&mut tx, &ctx.actor, &charged, "import").await?;
        let touched = match &batch {
            Some(b) => touched(&mut tx, b.id, &found).await?,
            None => HashSet::new(),
        };
        let warned = Warned::of(&rows);
        let mut decisions = decide(options, &ctx.actor, preparer, &rows, &found, &touched, seen);
        check_unique(&mut tx, preparer, &mut decisions).await?;
        let mut outcome = ChunkOutcome::default();
        let Some(batch) = batch else {
            // A dry run: an update is told apart from a row that would
            // change nothing by comparing with the record as it is.
            for (row, decision) in rows.into_iter().zip(decisions) {
                match decision {
                    Decision::Update {
                        target: Ref::Existing(id),
                        candidate,
                    } => {
                        let current = current_of(&mut tx, &ctx.actor, id).await?;
                        if update_input(&current, &candidate, options.fill()).is_some() {
                            outcome.counts.updated += 1;
                        } else {
                            outcome.counts.unchanged += 1;
                        }
                    }
                    other => outcome.record(&row, other, &[]),
                }
            }
            if !seen.keep {
                seen.keys.clear();
            }
            outcome.warn(warned);
            // It wrote nothing but the lookups it charged.
            tx.commit().await?;
            return Ok(outcome);
        };
        let ctx = ctx.in_batch(batch.id);
        let defs = &preparer.defs;

        // Creates first, in one bulk write: a later row of the chunk may
        // update a record an earlier one creates.
        let mut creates = Vec::new();
        for decision in &mut decisions {
            if let Decision::Create(c) = decision {
                if c.patch.get("country").is_none() {
                    let home = Stored::Text(preparer.home.code().to_owned());
                    c.patch.set.push(("country", Some(home)));
                }
                // Only the count of creates is reported afterwards.
                creates.push(BulkCustomer {
                    patch: std::mem::take(&mut c.patch),
                    tags: std::mem::take(&mut c.tags),
                    custom: std::mem::take(&mut c.custom),
                    derived: c.derived.take(),
                    ..BulkCustomer::default()
                });
            }
        }
        let created_ids = if creates.is_empty() {
            Vec::new()
        } else {
            let prepared = PreparedBulk::new(&ctx, &tx.vault.clone(), defs, &mut creates)?;
            write_bulk_in(&mut tx, prepared).await?
        };

        for (row, decision) in rows.into_iter().zip(decisions) {
            let decision = match decision {
                Decision::Update { target, candidate } => {
                    let id = match target {
                        Ref::Existing(id) => id,
                        Ref::Created(i) => created_ids[i],
                        Ref::Planned => {
                            return Err(Error::internal("planned record in a real run"))
                        }
                    };
                    let current = current_of(&mut tx, &ctx.actor, id).await?;
                    match update_input(&current, &candidate, options.fill()) {
                        None => {
                            outcome.counts.unchanged += 1;
                            continue;
                        }
                        Some(input) => {
                            match update_in(&mut tx, &ctx, defs, CustomerId(id), input, None).await
                            {
                                Ok(changes) if changes.is_empty() => {
                                    outcome.counts.unchanged += 1;
                                    continue;
                                }
                                Ok(_) => {
                                    outcome.counts.updated += 1;
                                    continue;
                                }
                                // Refused before anything was written
                                // (an owner the importer may not give).
                                Err(Error::Invalid(invalid)) => Decision::Reject(invalid.0),
                                Err(e) => return Err(e),
                            }
                        }
                    }
                }
                other => other,
            };
            outcome.record(&row, decision, &created_ids);
        }

        outcome.warn(warned);
        let mut issue_rows = Vec::new();
        for issue in &outcome.issues {
            // The row as read is personal data (and may hold a sensitive
            // field's value): kept sealed, like sensitive fields.
            let cells = tx.vault.seal(ISSUE_CELLS, &json(&issue.cells)?)?;
            issue_rows.extend([
                Arg::from(batch.id),
                issue.row.into(),
                issue.outcome.as_str().into(),
                cells.into(),
                json(&issue.reasons)?.into(),
                issue.match_customer_id.into(),
                issue.match_row.into(),
            ]);
        }
        tx.insert_rows(
            "import_issues",
            &[
                "batch_id",
                "row_number",
                "outcome",
                "cells",
                "reasons",
                "match_customer_id",
                "match_row",
            ],
            issue_rows,
            false,
        )
        .await?;
        let c = outcome.counts;
        let now = now_ms();
        let moved = tx
            .execute(
                q("UPDATE import_batches SET rows_done = rows_done + $1, created = created + $2, \
                   updated = updated + $3, unchanged = unchanged + $4, skipped = skipped + $5, \
                   rejected = rejected + $6, heartbeat_at = $7, warned = warned + $11 \
                   WHERE id = $8 AND status = 'running' AND rows_done = $9 AND runner = $10")
                .bind(c.rows())
                .bind(c.created)
                .bind(c.updated)
                .bind(c.unchanged)
                .bind(c.skipped)
                .bind(c.rejected)
                .bind(now)
                .bind(batch.id)
                .bind(batch.rows_done)
                .bind(batch.runner.as_str())
                .bind(c.warned),
            )
            .await?;
        if moved == 0 {
            // Another process wrote this batch meanwhile: nothing of this
            // chunk is kept.
            return Err(Error::Conflict("batch_moved"));
        }
        tx.commit().await?;
        batch.rows_done += c.rows();
        batch.counts.add(&c);
        batch.heartbeat_at = Time(now);
        if !seen.keep {
            seen.keys.clear();
        }
        Ok(outcome)
    }

    /// Marks a batch whose every row is committed as done.
    pub async fn finish_import(&self, actor: &Actor, batch: &Batch) -> Result<Batch> {
        let now = now_ms();
        self.db
            .execute(
                q("UPDATE import_batches SET status = 'done', finished_at = $1, heartbeat_at = $1, \
                   file_path = NULL WHERE id = $2 AND status = 'running'")
                .bind(now)
                .bind(batch.id),
            )
            .await?;
        self.import_batch(actor, batch.id).await
    }

    /// Closes the batch of a bulk change with its counts.
    pub(crate) async fn finish_bulk_batch(
        &self,
        batch: &Batch,
        outcome: &crate::bulk_change::BulkOutcome,
    ) -> Result<()> {
        let now = now_ms();
        self.db
            .execute(
                q(
                    "UPDATE import_batches SET status = 'done', rows_done = $1, updated = $2, \
                   unchanged = $3, finished_at = $4, heartbeat_at = $4 WHERE id = $5",
                )
                .bind(outcome.matched as i64)
                .bind(outcome.changed as i64)
                .bind((outcome.matched - outcome.changed) as i64)
                .bind(now)
                .bind(batch.id),
            )
            .await?;
        Ok(())
    }

    /// The rejected and skipped rows of a batch, in file order, after row
    /// `after`.
    pub async fn import_issues(
        &self,
        actor: &Actor,
        batch_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Issue>> {
        self.import_batch(actor, batch_id).await?;
        /// Row number, outcome, cells, reasons, matched customer and row.
        type IssueRow = (i64, String, String, String, Option<i64>, Option<i64>);
        let rows: Vec<IssueRow> = self
            .db
            .all(
                q(
                    "SELECT row_number, outcome, cells, reasons, match_customer_id, match_row \
                   FROM import_issues WHERE batch_id = $1 AND row_number > $2 \
                   ORDER BY row_number LIMIT $3",
                )
                .bind(batch_id)
                .bind(after)
                .bind(limit),
            )
            .await?;
        rows.into_iter()
            .map(
                |(row, outcome, cells, reasons, match_customer_id, match_row)| {
                    Ok(Issue {
                        row,
                        outcome,
                        cells: serde_json::from_str(&open_cells(self.vault(), &cells)?)
                            .map_err(|e| Error::internal(e.to_string()))?,
                        reasons: serde_json::from_str(&reasons)
                            .map_err(|e| Error::internal(e.to_string()))?,
                        match_customer_id,
                        match_row,
                    })
                },
            )
            .collect()
    }
}

impl ImportOptions {
    fn fill(&self) -> bool {
        self.policy == Policy::Fill
    }
}

/// The rows of a chunk written without some of their values: number,
/// cells, and what was left out.
struct Warned(Vec<(u64, Vec<String>, Vec<FieldError>)>);

impl Warned {
    fn of(rows: &[PreparedRow]) -> Warned {
        Warned(
            rows.iter()
                .filter_map(|r| match &r.parsed {
                    Ok(c) if !c.warnings.is_empty() => {
                        Some((r.number, r.cells.clone(), c.warnings.clone()))
                    }
                    _ => None,
                })
                .collect(),
        )
    }
}

impl ChunkOutcome {
    /// Keeps the rows that were written (created, updated or unchanged)
    /// without some values as `warned` issues, in file order among the
    /// rest; a row rejected or skipped after all needs no warning.
    fn warn(&mut self, warned: Warned) {
        if warned.0.is_empty() {
            return;
        }
        let listed: HashSet<i64> = self.issues.iter().map(|i| i.row).collect();
        for (number, cells, reasons) in warned.0 {
            if listed.contains(&(number as i64)) {
                continue;
            }
            self.counts.warned += 1;
            self.issues.push(Issue {
                row: number as i64,
                outcome: "warned".to_owned(),
                cells,
                reasons: reasons.iter().map(Reason::of).collect(),
                match_customer_id: None,
                match_row: None,
            });
        }
        self.issues.sort_by_key(|i| i.row);
    }

    /// Counts a decided row and keeps it as an issue when it was not
    /// written. `created` are the ids of this chunk's creates.
    fn record(&mut self, row: &PreparedRow, decision: Decision, created: &[i64]) {
        let (outcome, reasons, customer, match_row) = match decision {
            Decision::Create(_) => {
                self.counts.created += 1;
                return;
            }
            Decision::Update { .. } => {
                self.counts.updated += 1;
                return;
            }
            Decision::Skip {
                reasons,
                customer,
                row,
            } => {
                self.counts.skipped += 1;
                let id = match customer {
                    Some(Ref::Existing(id)) => Some(id),
                    Some(Ref::Created(i)) => created.get(i).copied(),
                    _ => None,
                };
                ("skipped", reasons, id, row)
            }
            Decision::Reject(reasons) => {
                self.counts.rejected += 1;
                ("rejected", reasons, None, None)
            }
        };
        self.issues.push(Issue {
            row: row.number as i64,
            outcome: outcome.to_owned(),
            cells: row.cells.clone(),
            reasons: reasons.iter().map(Reason::of).collect(),
            match_customer_id: customer,
            match_row: match_row.map(|r| r as i64),
        });
    }
}

/// A random token naming the process that writes a batch.
fn runner_token() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))
}

/// The live records the chunk's keys find, by key.
type FoundMap = HashMap<(KeyKind, String), Found>;

/// Looks every key of the chunk up in the database: one query per kind of
/// key, each on its index.
async fn lookup(tx: &mut Tx, actor: &Actor, rows: &[PreparedRow]) -> Result<FoundMap> {
    let mut wanted: HashMap<KeyKind, Vec<String>> = HashMap::new();
    for row in rows {
        if let Ok(c) = &row.parsed {
            for (kind, value) in c.keys() {
                wanted.entry(kind).or_default().push(value);
            }
        }
    }
    let mut found = FoundMap::new();
    let seen_by = visible(actor.scope(), "c");
    for kind in KEY_KINDS {
        let Some(mut values) = wanted.remove(&kind) else {
            continue;
        };
        values.sort();
        values.dedup();
        for part in values.chunks(1000) {
            let placeholders: Vec<String> =
                (1..=part.len()).map(|i| tx.backend().param(i)).collect();
            let key_sql = if kind == KeyKind::Id {
                "CAST(c.id AS TEXT)".to_owned()
            } else {
                kind.column().to_owned()
            };
            let list = placeholders.join(", ");
            // A mobile is also found on a customer's contacts, as the
            // entry check finds it; the customer's own field comes first.
            let contacts = if kind == KeyKind::Mobile {
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
                kind.column(),
            ))
            .once();
            for value in part {
                stmt = if kind == KeyKind::Id {
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
fn revealed(actor: &Actor, rows: &[PreparedRow], found: &FoundMap) -> Vec<WholeValue> {
    let mut out = Vec::new();
    for row in rows {
        let Ok(c) = &row.parsed else { continue };
        for (kind, value) in c.keys() {
            if !matches!(kind, KeyKind::Mobile | KeyKind::Email) {
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
async fn touched(tx: &mut Tx, batch: i64, found: &FoundMap) -> Result<HashSet<i64>> {
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
fn decide(
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
        // (key, record, earlier row of this file, visible, met in this file)
        let mut hit: Option<(KeyKind, Ref, Option<u64>, bool, bool)> = None;
        for (kind, value) in &keys {
            if let Some(earlier) = seen.keys.get(&hash_key(*kind, value)) {
                hit = Some((*kind, earlier.target, Some(earlier.row), true, true));
                break;
            }
            if let Some(f) = found.get(&(*kind, value.clone())) {
                // An id the actor may not see is treated as no such id:
                // "someone else's" would confirm that it exists. So is an
                // external id in a batch update, which only updates.
                let unknown = kind.is_identity()
                    && !f.visible
                    && (*kind == KeyKind::Id || options.kind == BatchKind::Update);
                if unknown {
                    continue;
                }
                let this_file = touched.contains(&f.id);
                hit = Some((*kind, Ref::Existing(f.id), None, f.visible, this_file));
                break;
            }
        }
        let decision = match hit {
            // A batch update changes only records its rows name. An import
            // creates a row whose id names no record it may see: a file
            // exported from another kehu (or of records since removed)
            // brings their ids along.
            None if candidate.id.is_some() && options.kind == BatchKind::Update => {
                Decision::Reject(vec![FieldError::new("id", Code::NotFound)])
            }
            None if options.kind == BatchKind::Update => {
                let field = keys.first().map_or("id", |(k, _)| k.field());
                Decision::Reject(vec![FieldError::new(field, Code::NotFound)])
            }
            None => create(actor, preparer, candidate),
            Some((kind, target, earlier_row, visible, this_file)) => {
                let duplicate = |code| Decision::Skip {
                    reasons: vec![FieldError::new(kind.field(), code)],
                    customer: Some(target),
                    row: earlier_row,
                };
                let create_anyway = options.kind == BatchKind::Import
                    && options.policy == Policy::Create
                    && !kind.is_identity();
                if create_anyway {
                    create(actor, preparer, candidate)
                } else if !visible {
                    Decision::Skip {
                        reasons: vec![FieldError::new(kind.field(), Code::DuplicateHidden)],
                        customer: None,
                        row: None,
                    }
                } else if this_file
                    || (options.kind == BatchKind::Import
                        && matches!(options.policy, Policy::Skip | Policy::Create))
                {
                    // A second row of the file for the same record is a
                    // duplicate whatever the policy: applying both would
                    // let the file disagree with itself, and importing it
                    // again would change the record back and forth.
                    duplicate(Code::Duplicate)
                } else {
                    Decision::Update {
                        target,
                        candidate: candidate.clone(),
                    }
                }
            }
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
fn create(actor: &Actor, preparer: &Preparer, candidate: &Candidate) -> Decision {
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
async fn check_unique(tx: &mut Tx, preparer: &Preparer, decisions: &mut [Decision]) -> Result<()> {
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
async fn current_of(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Customer> {
    let mut c = locked(tx, actor, CustomerId(id)).await?;
    c.tags = tags_of(tx, id).await?;
    Ok(c)
}

/// The change a matching row makes to `current`: with `fill`, only fields
/// the record leaves empty; otherwise every field the row gives. Tags are
/// added, never removed. `None` when nothing would change.
fn update_input(current: &Customer, row: &Candidate, fill: bool) -> Option<CustomerInput> {
    let mut patch = Patch::default();
    for (name, value) in &row.patch.set {
        let old = current.field(name);
        // Kind and stage always hold a value (their defaults), which a
        // fill leaves alone like any other value.
        if (fill && old.is_some()) || old == *value {
            continue;
        }
        patch.set.push((name, value.clone()));
    }
    let mut custom = Map::new();
    for (key, value) in &row.custom {
        let old = current.custom.0.get(key);
        if (fill && old.is_some()) || old == Some(value) {
            continue;
        }
        custom.insert(key.clone(), value.clone());
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

const BATCH_COLUMNS: &str =
    "id, kind, status, file_name, file_path, file_sha256, runner, options, actor_id, \
     rows_done, created, updated, unchanged, skipped, rejected, warned, heartbeat_at, created_at, \
     finished_at, undone_at";

#[derive(sqlx::FromRow)]
struct BatchRow {
    id: i64,
    kind: String,
    status: String,
    file_name: String,
    file_path: Option<String>,
    file_sha256: Option<String>,
    runner: String,
    options: String,
    actor_id: Option<i64>,
    rows_done: i64,
    created: i64,
    updated: i64,
    unchanged: i64,
    skipped: i64,
    rejected: i64,
    warned: i64,
    heartbeat_at: i64,
    created_at: i64,
    finished_at: Option<i64>,
    undone_at: Option<i64>,
}

impl BatchRow {
    fn into_batch(self) -> Result<Batch> {
        let options: ImportOptions = serde_json::from_str(&self.options)
            .map_err(|e| Error::internal(format!("batch {} options: {e}", self.id)))?;
        let kind = if self.kind == "update" {
            BatchKind::Update
        } else {
            BatchKind::Import
        };
        Ok(Batch {
            id: self.id,
            kind,
            status: self.status,
            file_name: self.file_name,
            file_path: self.file_path,
            file_sha256: self.file_sha256,
            runner: self.runner,
            options,
            actor_id: self.actor_id,
            rows_done: self.rows_done,
            counts: Counts {
                created: self.created,
                updated: self.updated,
                unchanged: self.unchanged,
                skipped: self.skipped,
                rejected: self.rejected,
                warned: self.warned,
            },
            created_at: Time(self.created_at),
            heartbeat_at: Time(self.heartbeat_at),
            finished_at: self.finished_at.map(Time),
            undone_at: self.undone_at.map(Time),
        })
    }
}

/// What undoing a batch did, or why it did not.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct UndoReport {
    pub batch_id: i64,
    /// Whether the batch is now undone. When not, `conflicts` says why.
    pub done: bool,
    /// Records the batch created, now moved to the bin.
    pub removed: i64,
    /// Records whose fields the batch changed, given their previous values.
    pub restored: i64,
    /// How many records were changed by someone else after the batch, so
    /// undoing would overwrite their work.
    pub conflict_count: i64,
    /// The first of those records.
    pub conflicts: Vec<i64>,
}

/// Records per transaction while undoing.
const UNDO_CHUNK: i64 = 20_000;

impl Store {
    /// Takes back everything a batch did: the records it created go to the
    /// bin, the fields it changed get their previous values (from history).
    /// Refuses, listing them, when records were changed after the batch by
    /// someone else, unless `force`. An undo that was stopped half-way
    /// continues where it stopped.
    pub async fn undo_import(&self, ctx: &Ctx, id: i64, force: bool) -> Result<UndoReport> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let batch = self.import_batch(&ctx.actor, id).await?;
        match batch.status.as_str() {
            "undone" => return Err(Error::Conflict("already_undone")),
            "running" if !batch.is_interrupted() => return Err(Error::Conflict("batch_running")),
            _ => {}
        }
        let mut report = UndoReport {
            batch_id: id,
            ..UndoReport::default()
        };
        if batch.status != "undoing" {
            let conflicts: Vec<(i64,)> = self.db.all(q(CONFLICTS_SQL).bind(id)).await?;
            report.conflict_count = conflicts.len() as i64;
            report.conflicts = conflicts.into_iter().take(100).map(|(c,)| c).collect();
            if report.conflict_count > 0 && !force {
                return Ok(report);
            }
            self.db
                .execute(
                    q("UPDATE import_batches SET status = 'undoing', heartbeat_at = $1 WHERE id = $2 \
                       AND status IN ('running', 'done')")
                    .bind(now_ms())
                    .bind(id),
                )
                .await?;
        }

        // Created records go to the bin, a chunk per transaction.
        let mut after = 0i64;
        loop {
            let page: Vec<(i64, i64)> = self
                .db
                .all(
                    q("SELECT entity_id, entity_id FROM history WHERE batch_id = $1 AND entity = 'customer' \
                       AND field = 'created' AND entity_id > $2 ORDER BY entity_id LIMIT $3")
                    .bind(id)
                    .bind(after)
                    .bind(UNDO_CHUNK),
                )
                .await?;
            let Some(&(last, _)) = page.last() else { break };
            after = last;
            let ids: Vec<String> = page.iter().map(|(_, c)| c.to_string()).collect();
            let now = now_ms();
            let mut tx = self.db.begin().await?;
            let removed: Vec<(i64,)> = tx
                .all(
                    q(format!(
                        "UPDATE customers SET deleted_at = $1, deleted_by = $2, updated_at = $1, \
                         updated_by = $2, version = version + 1 \
                         WHERE id IN ({}) AND deleted_at IS NULL RETURNING id",
                        ids.join(", ")
                    ))
                    .once()
                    .bind(now)
                    .bind(ctx.by()),
                )
                .await?;
            let mut rows = Vec::with_capacity(removed.len() * crate::write::HISTORY_COLUMNS.len());
            for (customer,) in &removed {
                rows.extend([
                    Arg::from("customer"),
                    (*customer).into(),
                    "deleted".into(),
                    Arg::Text(None),
                    Some(format!("undo of batch {id}")).into(),
                    ctx.source.as_str().into(),
                    ctx.by().into(),
                    now.into(),
                    Arg::Int(None),
                ]);
            }
            tx.insert_rows("history", crate::write::HISTORY_COLUMNS, rows, false)
                .await?;
            tx.execute(
                q("UPDATE import_batches SET heartbeat_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id),
            )
            .await?;
            tx.commit().await?;
            report.removed += removed.len() as i64;
        }

        // Changed records get each field's value from before the batch:
        // the old value of the batch's first change to it.
        let defs = self.field_defs().await?;
        let mut after = 0i64;
        loop {
            let page: Vec<(i64,)> = self
                .db
                .all(
                    q("SELECT DISTINCT h.entity_id FROM history h WHERE h.batch_id = $1 \
                       AND h.entity = 'customer' AND h.field <> 'created' AND h.entity_id > $2 \
                       AND NOT EXISTS (SELECT 1 FROM history c WHERE c.batch_id = $1 \
                           AND c.entity = 'customer' AND c.field = 'created' AND c.entity_id = h.entity_id) \
                       ORDER BY h.entity_id LIMIT $3")
                    .bind(id)
                    .bind(after)
                    .bind(UNDO_CHUNK / 10),
                )
                .await?;
            let Some(&(last,)) = page.last() else { break };
            after = last;
            let mut tx = self.db.begin().await?;
            for (customer,) in page {
                let changes: Vec<(String, Option<String>)> = tx
                    .all(
                        q("SELECT field, old_value FROM history WHERE batch_id = $1 AND entity = 'customer' \
                           AND entity_id = $2 ORDER BY id")
                        .bind(id)
                        .bind(customer),
                    )
                    .await?;
                // Old values of sensitive fields are kept sealed.
                let mut changes = changes;
                for (field, old) in &mut changes {
                    crate::vault::values::history_value(&tx.vault.clone(), field, old, true)?;
                }
                let input = previous_values(&defs, changes);
                match update_in(&mut tx, ctx, &defs, CustomerId(customer), input, None).await {
                    Ok(changes) if !changes.is_empty() => report.restored += 1,
                    Ok(_) => {}
                    // Deleted since: there is nothing to give values back to.
                    Err(Error::NotFound) => {}
                    Err(e) => return Err(e),
                }
            }
            tx.execute(
                q("UPDATE import_batches SET heartbeat_at = $1 WHERE id = $2")
                    .bind(now_ms())
                    .bind(id),
            )
            .await?;
            tx.commit().await?;
        }

        self.db
            .execute(
                q(
                    "UPDATE import_batches SET status = 'undone', undone_at = $1, undone_by = $2, \
                   heartbeat_at = $1 WHERE id = $3",
                )
                .bind(now_ms())
                .bind(ctx.by())
                .bind(id),
            )
            .await?;
        report.done = true;
        Ok(report)
    }
}

/// Records a batch touched that someone else changed after it: a record it
/// created that was changed or given contacts, follow-ups or tasks; a field
/// it changed that was changed again.
const CONFLICTS_SQL: &str = "\
SELECT DISTINCT h.entity_id FROM history h WHERE h.batch_id = $1 AND h.entity = 'customer' AND (
    EXISTS (SELECT 1 FROM history l WHERE l.entity = 'customer' AND l.entity_id = h.entity_id
            AND l.id > h.id AND (l.batch_id IS NULL OR l.batch_id <> $1)
            AND (h.field = 'created' OR l.field = h.field))
    OR (h.field = 'created' AND (
        EXISTS (SELECT 1 FROM contacts x WHERE x.customer_id = h.entity_id AND x.deleted_at IS NULL)
        OR EXISTS (SELECT 1 FROM interactions x WHERE x.customer_id = h.entity_id AND x.deleted_at IS NULL)
        OR EXISTS (SELECT 1 FROM tasks x WHERE x.customer_id = h.entity_id AND x.deleted_at IS NULL))))
ORDER BY h.entity_id";

/// The change that puts back each field's value from before a batch, from
/// the batch's history rows of one record in order.
pub(crate) fn previous_values(
    defs: &[FieldDef],
    changes: Vec<(String, Option<String>)>,
) -> CustomerInput {
    let mut input = CustomerInput::default();
    let mut done: Vec<String> = Vec::new();
    for (field, old) in changes {
        // The first change of a field holds its value from before.
        if done.contains(&field) {
            continue;
        }
        done.push(field.clone());
        if field == "tags" {
            input.tags = Some(
                old.map(|o| o.split(", ").map(str::to_owned).collect())
                    .unwrap_or_default(),
            );
        } else if let Some(key) = field.strip_prefix("custom.") {
            let value = match (old, defs.iter().find(|d| d.key.as_str() == key)) {
                (None, _) => Value::Null,
                (Some(text), Some(def))
                    if matches!(
                        def.kind,
                        FieldKind::Integer
                            | FieldKind::Bool
                            | FieldKind::Money
                            | FieldKind::MultiSelect { .. }
                    ) =>
                {
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                }
                (Some(text), _) => Value::String(text),
            };
            input
                .custom
                .get_or_insert_with(Map::new)
                .insert(key.to_owned(), value);
        } else if let Some(spec) = schema::CUSTOMER.iter().find(|s| s.name == field) {
            let value = old.and_then(|text| match spec.kind {
                Kind::Id | Kind::DateTime => text.parse().ok().map(Stored::Int),
                Kind::Bool => Some(Stored::Bool(text == "true")),
                _ => Some(Stored::Text(text)),
            });
            input.patch.set.push((spec.name, value));
        }
        // Derived columns (sort key, company core) follow from the fields.
    }
    input
}

/// A column mapping saved under a name (导入模板).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportTemplate {
    pub id: i64,
    pub name: String,
    /// Column header → field key.
    #[schema(value_type = Object)]
    pub mapping: Map<String, Value>,
    pub created_by: Option<i64>,
    pub updated_at: Time,
}

impl ImportTemplate {
    /// The mapping for a file's headers: each header's saved key, if any.
    pub fn apply(&self, headers: &[String]) -> Vec<Option<String>> {
        headers
            .iter()
            .map(|h| {
                self.mapping
                    .get(h.trim())
                    .and_then(Value::as_str)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
            })
            .collect()
    }
}

impl Store {
    /// Saves a mapping under a name, replacing one of the same name.
    pub async fn save_import_template(
        &self,
        ctx: &Ctx,
        name: &str,
        headers: &[String],
        mapping: &[Option<String>],
    ) -> Result<ImportTemplate> {
        if !ctx.actor.may_write_records() {
            return Err(Error::Forbidden);
        }
        let name = kehu_core::text::clean(name);
        if name.is_empty() {
            return Err(Invalid::one("name", Code::Required).into());
        }
        if name.chars().count() > 100 {
            return Err(Invalid::one("name", Code::TooLong { max: 100 }).into());
        }
        let defs = self.field_defs().await?;
        let mut map = Map::new();
        for (header, key) in headers.iter().zip(mapping) {
            if let Some(key) = key {
                if Target::parse(key, &defs).is_none() {
                    return Err(
                        Invalid::one(format!("mapping.{header}"), Code::UnknownField).into(),
                    );
                }
                map.insert(header.trim().to_owned(), Value::from(key.as_str()));
            }
        }
        let now = now_ms();
        self.db
            .execute(
                q("INSERT INTO import_templates (name, mapping, created_by, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $4) \
                   ON CONFLICT (name) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at")
                .bind(&name)
                .bind(Value::Object(map).to_string())
                .bind(ctx.by())
                .bind(now),
            )
            .await?;
        self.import_template(&name)
            .await?
            .ok_or_else(|| Error::internal("saved template vanished"))
    }

    pub async fn import_template(&self, name: &str) -> Result<Option<ImportTemplate>> {
        Ok(self
            .import_templates()
            .await?
            .into_iter()
            .find(|t| t.name == name))
    }

    pub async fn import_templates(&self) -> Result<Vec<ImportTemplate>> {
        let rows: Vec<(i64, String, String, Option<i64>, i64)> = self
            .db
            .all(q(
                "SELECT id, name, mapping, created_by, updated_at FROM import_templates ORDER BY name",
            ))
            .await?;
        rows.into_iter()
            .map(|(id, name, mapping, created_by, updated_at)| {
                let mapping = serde_json::from_str(&mapping)
                    .map_err(|e| Error::internal(format!("template {id}: {e}")))?;
                Ok(ImportTemplate {
                    id,
                    name,
                    mapping,
                    created_by,
                    updated_at: Time(updated_at),
                })
            })
            .collect()
    }

    /// Deletes a template: its author's, or any for an administrator.
    pub async fn delete_import_template(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let n = self
            .db
            .execute(
                q("DELETE FROM import_templates WHERE id = $1 AND (created_by IS NOT DISTINCT FROM $2 OR $3)")
                    .bind(id)
                    .bind(ctx.by())
                    .bind(ctx.actor.is_admin()),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }
}
