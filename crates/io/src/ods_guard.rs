//! ODS compresses repetition by saying it: one cell element with
//! `table:number-columns-repeated="16384"`, one row element with
//! `table:number-rows-repeated="1048576"`. calamine expands those into a
//! rectangle of every sheet in memory when the file is opened, so a few
//! hundred bytes of XML can ask for gigabytes.
//!
//! Before calamine sees the file, its `content.xml` is walked here with
//! nothing kept but counters: how wide the filled part of each row is,
//! and how large each sheet's rectangle will be, repeats included.
//! Empty cells repeated to the sheet's edge (which LibreOffice writes for
//! formatting) cost calamine nothing and count for nothing here.

use std::io::BufReader;

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use crate::limits::{Crossed, Limit, RunGuard};
use crate::source::Source;
use crate::{FileError, Format, Limits};

/// Attributes that make calamine keep a cell (a value, a type or a
/// formula); a cell with none of them is empty to it.
const FILLED: [&str; 7] = [
    "office:value",
    "office:value-type",
    "office:string-value",
    "office:date-value",
    "office:time-value",
    "office:boolean-value",
    "table:formula",
];

fn corrupt(detail: impl ToString) -> FileError {
    FileError::Corrupt {
        format: Format::Ods,
        detail: detail.to_string(),
    }
}

fn over(limits: &Limits, limit: Limit, row: Option<u64>) -> FileError {
    FileError::OverLimit {
        limit,
        max: limit.of(limits),
        row,
    }
}

/// One sheet's counters.
#[derive(Default)]
struct Sheet {
    /// Rows so far, repeats included.
    rows: u64,
    /// Where the filled rows start and end, repeats included.
    first_filled: Option<u64>,
    filled_end: u64,
    /// The widest filled part of a row.
    width: u64,
}

/// The row being walked.
#[derive(Default)]
struct Row {
    repeats: u64,
    /// Columns so far, repeats included, and where the filled part ends.
    columns: u64,
    filled_end: u64,
}

pub(crate) fn check(source: &Source, limits: &Limits) -> Result<(), FileError> {
    let mut zip = ZipArchive::new(BufReader::new(source.open()?)).map_err(corrupt)?;
    let content = zip.by_name("content.xml").map_err(corrupt)?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(RunGuard::xml(content, limits)));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::with_capacity(4096);
    let mut sheet: Option<Sheet> = None;
    let mut row: Option<Row> = None;
    // Cells of all sheets: calamine holds every sheet at once.
    let mut cells = 0u64;
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(xml_error)?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.name().as_ref() {
                "table:table" if sheet.is_none() && !empty => sheet = Some(Sheet::default()),
                "table:table-row" if sheet.is_some() => {
                    let repeats = repeat(e, "table:number-rows-repeated")?;
                    let walked = Row {
                        repeats,
                        ..Row::default()
                    };
                    if empty {
                        end_row(sheet.as_mut(), walked, limits)?;
                    } else {
                        row = Some(walked);
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    if let Some(row) = row.as_mut() {
                        let repeats = repeat(e, "table:number-columns-repeated")?;
                        row.columns = row.columns.saturating_add(repeats);
                        if filled(e, empty) {
                            row.filled_end = row.columns;
                        }
                    }
                }
                _ => {}
            }
        }
        match &event {
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                if let Some(walked) = row.take() {
                    end_row(sheet.as_mut(), walked, limits)?;
                }
            }
            Event::End(e) if e.name().as_ref() == "table:table" => {
                if let Some(done) = sheet.take() {
                    let span = done.filled_end - done.first_filled.unwrap_or(done.filled_end);
                    cells = cells.saturating_add(span.saturating_mul(done.width));
                    if cells > limits.max_cells {
                        return Err(over(limits, Limit::Cells, None));
                    }
                }
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// Adds a finished row (and its repeats) to its sheet.
fn end_row(sheet: Option<&mut Sheet>, row: Row, limits: &Limits) -> Result<(), FileError> {
    let Some(sheet) = sheet else {
        return Ok(());
    };
    let first = sheet.rows.saturating_add(1);
    sheet.rows = sheet.rows.saturating_add(row.repeats);
    if row.filled_end == 0 {
        return Ok(());
    }
    if row.filled_end > limits.max_columns as u64 {
        return Err(over(limits, Limit::Columns, Some(first)));
    }
    sheet.first_filled.get_or_insert(first - 1);
    sheet.filled_end = sheet.rows;
    sheet.width = sheet.width.max(row.filled_end);
    let span = sheet.filled_end - sheet.first_filled.unwrap_or(0);
    // The header row comes out of the rows a sheet may hold.
    if span > limits.max_rows.saturating_add(1) {
        return Err(over(limits, Limit::Rows, None));
    }
    if span.saturating_mul(sheet.width) > limits.max_cells {
        return Err(over(limits, Limit::Cells, None));
    }
    Ok(())
}

/// A repeat count: 1 when absent; a count that is not a number is damage.
fn repeat(e: &BytesStart<'_>, name: &str) -> Result<u64, FileError> {
    for attr in e.attributes().with_checks(false) {
        let attr = attr.map_err(corrupt)?;
        if attr.key.as_ref() == name {
            let text = attr.value;
            return text
                .trim()
                .parse::<u64>()
                .map_err(|_| corrupt(format!("a repeat count of \"{text}\"")));
        }
    }
    Ok(1)
}

/// Whether calamine would keep this cell: it has a value, a type or a
/// formula, or content it could read as text.
fn filled(e: &BytesStart<'_>, empty: bool) -> bool {
    e.attributes()
        .with_checks(false)
        .flatten()
        .any(|a| FILLED.contains(&a.key.as_ref()))
        || !empty
}

/// A limit crossed by the guarded reader comes back as that limit.
fn xml_error(e: quick_xml::Error) -> FileError {
    if let quick_xml::Error::Io(io) = &e {
        if let Some(crossed) = io.get_ref().and_then(|e| e.downcast_ref::<Crossed>()) {
            return FileError::OverLimit {
                limit: crossed.limit,
                max: crossed.max,
                row: None,
            };
        }
    }
    corrupt(e)
}
