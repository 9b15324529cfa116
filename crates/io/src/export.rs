//! Exporting a customer list: the list's filter, the user's visibility and
//! masking, headers and choice labels in the user's language (which an
//! import reads back), cells neutralised against formula injection by the
//! writers, and an access-log entry for every export.

use std::collections::HashMap;
use std::io::Write;

use kehu_core::columns::{all_targets, choice_label, Target};
use kehu_core::country::Country;
use kehu_core::entry::Kind;
use kehu_core::{person, schema, Actor, Lang};
use kehu_store::customers::Customer;
use kehu_store::list::CustomerFilter;
use kehu_store::Store;
use serde_json::Value;

use crate::{CsvEncoding, CsvWriter, FileError, XlsxWriter};

/// The file an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// UTF-8 with a byte-order mark, so Excel opens it as UTF-8.
    Csv,
    /// GB18030, for older Excel and WPS set-ups that expect it.
    CsvGb18030,
    Xlsx,
}

impl ExportFormat {
    /// The format a file name asks for: `.xlsx` or CSV.
    pub fn for_path(path: &std::path::Path) -> ExportFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("xlsx") => ExportFormat::Xlsx,
            _ => ExportFormat::Csv,
        }
    }
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "csv-gb18030" | "gb18030" | "gbk" => Some(ExportFormat::CsvGb18030),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::CsvGb18030 => "csv-gb18030",
            ExportFormat::Xlsx => "xlsx",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            _ => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::CsvGb18030 => "text/csv; charset=gb18030",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] kehu_store::Error),
}

impl From<std::io::Error> for ExportError {
    fn from(e: std::io::Error) -> ExportError {
        ExportError::File(FileError::Io(e))
    }
}

/// Rows fetched per query.
const PAGE: u64 = 500;

/// A row sink: the CSV or the XLSX writer. One lives per export, so the
/// difference in their sizes costs nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Sheet<W: Write + Send> {
    Csv(CsvWriter<W>),
    Xlsx(XlsxWriter, W),
}

impl<W: Write + Send> Sheet<W> {
    pub(crate) fn new(format: ExportFormat, sheet_name: &str, out: W) -> Sheet<W> {
        match format {
            ExportFormat::Csv => Sheet::Csv(CsvWriter::new(out, CsvEncoding::Utf8Bom)),
            ExportFormat::CsvGb18030 => Sheet::Csv(CsvWriter::new(out, CsvEncoding::Gb18030)),
            ExportFormat::Xlsx => Sheet::Xlsx(XlsxWriter::new(sheet_name), out),
        }
    }

    pub(crate) fn write_row(&mut self, cells: &[&str]) -> Result<(), ExportError> {
        match self {
            Sheet::Csv(w) => w.write_row(cells)?,
            Sheet::Xlsx(w, _) => w.write_row(cells)?,
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<W, ExportError> {
        Ok(match self {
            Sheet::Csv(w) => w.finish()?,
            Sheet::Xlsx(w, mut out) => {
                w.finish(&mut out)?;
                out
            }
        })
    }
}

/// Writes every customer `filter` finds that `actor` may see, masked as
/// the actor sees them, and records the export in the access log. Returns
/// the writer and the number of rows.
pub async fn export_customers<W: Write + Send>(
    store: &Store,
    actor: &Actor,
    filter: &CustomerFilter,
    query: &str,
    format: ExportFormat,
    lang: Lang,
    out: W,
) -> Result<(W, u64), ExportError> {
    let definitions = store.field_definitions().await?;
    let defs = definitions
        .iter()
        .map(|d| d.def())
        .collect::<Result<Vec<_>, _>>()?;
    let targets = all_targets(&defs);
    let users: HashMap<i64, String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let teams: HashMap<i64, String> = store
        .teams()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let sheet_name = match lang {
        Lang::ZhCn => "客户",
        Lang::En => "Customers",
    };
    let mut sheet = Sheet::new(format, sheet_name, out);
    let mut header: Vec<String> = targets.iter().map(|t| t.label(lang, &defs)).collect();
    // The age beside the birth date, as of the day of the export: what a
    // reader of the file sorts and groups by. No import reads it back.
    let age_at = targets
        .iter()
        .position(|t| matches!(t, Target::Field(name) if *name == "birth_date"))
        .map(|i| i + 1);
    let today = kehu_core::date::china_today();
    if let Some(at) = age_at {
        let label = match lang {
            Lang::ZhCn => "年龄",
            Lang::En => "Age",
        };
        header.insert(at, label.to_owned());
    }
    sheet.write_row(&header.iter().map(String::as_str).collect::<Vec<_>>())?;

    let mut page_filter = filter.walk(PAGE);
    let mut rows = 0u64;
    loop {
        let page = store.list_customers(actor, &page_filter).await?;
        for c in page.items {
            let mut cells: Vec<String> = targets
                .iter()
                .map(|t| cell(&c, t, lang, &users, &teams))
                .collect();
            if let Some(at) = age_at {
                // A birth date masked for the reader gives no age either.
                let age = c
                    .birth_date
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(|born| person::age(born, today).to_string());
                cells.insert(at, age.unwrap_or_default());
            }
            sheet.write_row(&cells.iter().map(String::as_str).collect::<Vec<_>>())?;
            rows += 1;
        }
        match page.next_cursor {
            Some(cursor) => page_filter.resume(&cursor)?,
            None => break,
        }
    }
    let out = sheet.finish()?;
    store
        .log_export(actor, "customer", query, format.as_str(), rows as i64)
        .await?;
    Ok((out, rows))
}

/// One cell of an exported customer.
fn cell(
    c: &Customer,
    target: &Target,
    lang: Lang,
    users: &HashMap<i64, String>,
    teams: &HashMap<i64, String>,
) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match target {
        Target::Id => c.id.to_string(),
        Target::Owner => c
            .owner_id
            .and_then(|id| users.get(&id).cloned())
            .unwrap_or_default(),
        Target::Team => c
            .team_id
            .and_then(|id| teams.get(&id).cloned())
            .unwrap_or_default(),
        Target::Tags => c.tags.join(", "),
        Target::Custom(key) => match c.custom.0.get(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            Some(Value::Object(money)) => {
                let amount = money.get("amount").and_then(Value::as_str).unwrap_or("");
                let currency = money.get("currency").and_then(Value::as_str).unwrap_or("");
                format!("{amount} {currency}").trim().to_owned()
            }
            Some(other) => other.to_string(),
        },
        Target::Field(name) => {
            let value = c.field(name).map(|v| v.to_history());
            let kind = schema::CUSTOMER
                .iter()
                .find(|s| s.name == *name)
                .map(|s| s.kind);
            match (kind, value) {
                (Some(Kind::Choice(_)), Some(v)) => choice_label(name, &v, lang),
                // Names a person reads, which an import reads back.
                (Some(Kind::Country), Some(v)) => {
                    Country::from_code(&v).map_or(v.clone(), |c| c.name(lang).to_owned())
                }
                (Some(Kind::Gender), Some(v)) => person::gender_label(&v, lang).to_owned(),
                (Some(Kind::Language), Some(v)) => {
                    person::language_name(&v, lang).unwrap_or(&v).to_owned()
                }
                (_, v) => text(&v),
            }
        }
    }
}

/// Writes the rejected and skipped rows of an import as a file to fix and
/// import again: the row's own cells under the file's headers, then its
/// row number and the reasons (columns no import maps to a field), then
/// any cells the row had past the headers.
pub struct IssueWriter<W: Write + Send> {
    sheet: Sheet<W>,
    columns: usize,
    lang: Lang,
    pub rows: u64,
}

impl<W: Write + Send> IssueWriter<W> {
    pub fn new(
        headers: &[String],
        format: ExportFormat,
        lang: Lang,
        out: W,
    ) -> Result<IssueWriter<W>, ExportError> {
        let (sheet_name, row, problem) = match lang {
            Lang::ZhCn => ("导入问题", "原行号", "导入问题"),
            Lang::En => ("Import problems", "Original row", "Import problem"),
        };
        let mut sheet = Sheet::new(format, sheet_name, out);
        let mut header: Vec<&str> = headers.iter().map(String::as_str).collect();
        header.extend([row, problem]);
        sheet.write_row(&header)?;
        Ok(IssueWriter {
            sheet,
            columns: headers.len(),
            lang,
            rows: 0,
        })
    }

    pub fn write(&mut self, issue: &kehu_store::import::Issue) -> Result<(), ExportError> {
        let mut cells: Vec<String> = issue.cells.clone();
        // Cells past the headers (a row with an unquoted comma) follow the
        // row number and reasons, which stay under their own headers.
        let extra = if cells.len() > self.columns {
            cells.split_off(self.columns)
        } else {
            cells.resize(self.columns, String::new());
            Vec::new()
        };
        cells.push(issue.row.to_string());
        cells.push(describe(issue, self.lang));
        cells.extend(extra);
        self.sheet
            .write_row(&cells.iter().map(String::as_str).collect::<Vec<_>>())?;
        self.rows += 1;
        Ok(())
    }

    pub fn finish(self) -> Result<W, ExportError> {
        self.sheet.finish()
    }
}

/// An issue's reasons as one line: "手机: 手机号码格式不正确; 邮箱: …",
/// with the record or row a duplicate matches.
pub fn describe(issue: &kehu_store::import::Issue, lang: Lang) -> String {
    let mut parts = reasons(issue, lang);
    if issue.outcome == "warned" {
        let said = match lang {
            Lang::ZhCn => "已导入，但未采用以下值（原值记入备注）",
            Lang::En => "imported without these values (kept in the notes as given)",
        };
        return format!("{said}: {}", parts.join("; "));
    }
    match (issue.match_customer_id, issue.match_row, lang) {
        (_, Some(row), Lang::ZhCn) => parts.push(format!("同第 {row} 行")),
        (_, Some(row), Lang::En) => parts.push(format!("same as row {row}")),
        (Some(id), None, Lang::ZhCn) => parts.push(format!("客户 #{id}")),
        (Some(id), None, Lang::En) => parts.push(format!("customer #{id}")),
        _ => {}
    }
    parts.join("; ")
}

/// Each reason of an issue, after its field's label.
pub fn reasons(issue: &kehu_store::import::Issue, lang: Lang) -> Vec<String> {
    issue
        .reasons
        .iter()
        .map(|r| {
            let field = if r.field.is_empty() {
                String::new()
            } else {
                let label = Target::parse(&r.field, &[])
                    .map_or_else(|| r.field.clone(), |t| t.label(lang, &[]));
                format!("{label}: ")
            };
            format!("{field}{}", r.message(lang))
        })
        .collect()
}
