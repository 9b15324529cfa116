//! A data-subject export (GDPR art. 15 and 20, PIPL art. 45) as one ZIP:
//! for each kind of row kehu holds about the person, `NAME.json` (an array
//! of objects, every column as stored) and `NAME.csv` (the same rows for a
//! spreadsheet, cells neutralised against formulas), and `manifest.json`
//! naming the subject, the time, and each section's row count. Rows are
//! read and written a page at a time, so the export's memory does not grow
//! with the person's history; a section stops at
//! [`MAX_SECTION_ROWS`] and the manifest says so.

use std::io::{Seek, Write};

use kehu_core::Actor;
use kehu_store::privacy::export::{Section, MAX_SECTION_ROWS};
use kehu_store::privacy::{Counts, Subject};
use kehu_store::time::Time;
use kehu_store::Store;
use serde_json::{json, Map, Value};
use zip::write::SimpleFileOptions;
use zip::ZipWriter;

use crate::export::ExportError;
use crate::{CsvEncoding, CsvWriter};

/// Rows read per query.
const PAGE: usize = 1_000;

/// Writes the export of `subject` to `out` and records it in the privacy
/// log. Gives back `out` and the rows written per section.
pub async fn write_person_export<W: Write + Seek>(
    store: &Store,
    actor: &Actor,
    subject: Subject,
    out: W,
) -> Result<(W, Counts), ExportError> {
    let sections = store.export_sections(actor, subject).await?;
    let mut zip = ZipWriter::new(out);
    let options = SimpleFileOptions::default().large_file(true);
    let mut counts = Counts::new();
    let mut truncated = Vec::new();
    for section in &sections {
        zip.start_file(format!("{}.json", section.name), options)
            .map_err(zip_error)?;
        let (rows, columns) = write_json(store, section, &mut zip).await?;
        zip.start_file(format!("{}.csv", section.name), options)
            .map_err(zip_error)?;
        write_csv(store, section, &columns, &mut zip).await?;
        if rows > MAX_SECTION_ROWS {
            truncated.push(section.name);
        }
        counts.insert(section.name.to_owned(), rows.min(MAX_SECTION_ROWS) as i64);
    }
    let manifest = json!({
        "subject": {"type": subject.kind.as_str(), "id": subject.id},
        "generated_at": Time::now().to_rfc3339(),
        "rows": counts,
        "truncated": truncated,
        "max_rows_per_section": MAX_SECTION_ROWS,
        "note": "Every column as kehu stores it: times are milliseconds since 1970-01-01 UTC; \
                 amounts are exact decimals. 时间为 1970-01-01 UTC 起的毫秒数；金额为精确小数。",
    });
    zip.start_file("manifest.json", options)
        .map_err(zip_error)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?)?;
    let out = zip.finish().map_err(zip_error)?;
    store.log_privacy_export(actor, subject, &counts).await?;
    Ok((out, counts))
}

fn zip_error(e: zip::result::ZipError) -> ExportError {
    ExportError::from(std::io::Error::other(e))
}

/// Writes the section as a JSON array, one object per line. Gives the rows
/// seen (one past the cap when there were more) and the columns of the
/// first row, which every row of a section shares.
async fn write_json<W: Write>(
    store: &Store,
    section: &Section,
    out: &mut W,
) -> Result<(usize, Vec<String>), ExportError> {
    let mut rows = 0;
    let mut columns = Vec::new();
    out.write_all(b"[")?;
    while rows <= MAX_SECTION_ROWS {
        let page = store.export_page(section, rows, PAGE).await?;
        if rows == 0 {
            columns = page
                .first()
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default();
        }
        for row in &page {
            if rows == MAX_SECTION_ROWS {
                return finish_json(out, rows + 1, columns);
            }
            out.write_all(if rows == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut *out, row).map_err(std::io::Error::other)?;
            rows += 1;
        }
        if page.len() < PAGE {
            break;
        }
    }
    finish_json(out, rows, columns)
}

fn finish_json<W: Write>(
    out: &mut W,
    rows: usize,
    columns: Vec<String>,
) -> Result<(usize, Vec<String>), ExportError> {
    out.write_all(b"\n]\n")?;
    Ok((rows, columns))
}

async fn write_csv<W: Write>(
    store: &Store,
    section: &Section,
    columns: &[String],
    out: &mut W,
) -> Result<(), ExportError> {
    let mut csv = CsvWriter::new(out, CsvEncoding::Utf8Bom);
    let header: Vec<&str> = columns.iter().map(String::as_str).collect();
    csv.write_row(&header)?;
    let mut done = 0;
    while done < MAX_SECTION_ROWS {
        let page = store.export_page(section, done, PAGE).await?;
        for row in page.iter().take(MAX_SECTION_ROWS - done) {
            let cells: Vec<String> = columns.iter().map(|c| cell(row, c)).collect();
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            csv.write_row(&cells)?;
        }
        done += page.len();
        if page.len() < PAGE {
            break;
        }
    }
    csv.finish()?;
    Ok(())
}

fn cell(row: &Map<String, Value>, column: &str) -> String {
    match row.get(column) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}
