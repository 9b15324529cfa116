//! Workbooks read whole through calamine (XLS, ODS), with every cell turned
//! into the text the user saw in Excel, not the number Excel stored. XLSX
//! is streamed instead (`xlsx.rs`), sharing the cell text written here.
//!
//! calamine builds a sheet's whole rectangle in memory, so a workbook is
//! first walked to learn how big that rectangle will be: an ODS file's
//! XML by `ods_guard`, an XLS file's BIFF records (the rows and columns
//! its DIMENSIONS records declare, every kept cell's position, the shared
//! strings' count) by `xls_guard`.

use std::io::BufReader;

use calamine::{Data, ExcelDateTime, Ods, Range, Reader, Sheets, Xls};

use crate::source::Source;
use crate::table::{Opened, RawRow, RowSource};
use crate::{ods_guard, xls_guard, zip_guard, FileError, Format, Limits, TableInfo};

pub(crate) fn open(
    source: &Source,
    format: Format,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Opened, FileError> {
    match format {
        Format::Ods => {
            zip_guard::check(source, format, limits)?;
            ods_guard::check(source, limits)?;
        }
        _ => xls_guard::check(source, limits)?,
    }
    let corrupt = |e: calamine::Error| match e {
        calamine::Error::Io(e) => FileError::Io(e),
        other => FileError::Corrupt {
            format,
            detail: other.to_string(),
        },
    };
    let input = BufReader::new(source.open()?);
    let mut workbook: Sheets<_> = match format {
        Format::Ods => Sheets::Ods(Ods::new(input).map_err(|e| corrupt(calamine::Error::Ods(e)))?),
        _ => Sheets::Xls(Xls::new(input).map_err(|e| corrupt(calamine::Error::Xls(e)))?),
    };
    let sheets = workbook.sheet_names();
    let name = choose_sheet(&sheets, sheet)?;
    let range = workbook.worksheet_range(&name).map_err(corrupt)?;
    Ok(Opened {
        source: Box::new(SheetRows { range, next: 0 }),
        info: TableInfo {
            format,
            encoding: None,
            delimiter: None,
            sheets,
            sheet: Some(name),
        },
        headers: None,
    })
}

/// The sheet asked for (by its exact name, else ignoring case and spaces
/// around it), or the first.
pub(crate) fn choose_sheet(sheets: &[String], wanted: Option<&str>) -> Result<String, FileError> {
    match wanted {
        None => sheets.first().cloned().ok_or(FileError::EmptyFile),
        Some(wanted) => sheets
            .iter()
            .find(|s| s.as_str() == wanted)
            .or_else(|| {
                sheets
                    .iter()
                    .find(|s| s.trim().eq_ignore_ascii_case(wanted.trim()))
            })
            .cloned()
            .ok_or_else(|| FileError::NoSuchSheet {
                sheet: wanted.to_owned(),
                available: sheets.to_vec(),
            }),
    }
}

struct SheetRows {
    range: Range<Data>,
    next: usize,
}

impl RowSource for SheetRows {
    fn next_raw(&mut self) -> Option<Result<RawRow, FileError>> {
        let (first_row, _) = self.range.start()?;
        let (height, width) = self.range.get_size();
        if self.next >= height {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let cells = (0..width)
            .map(|j| self.range.get((i, j)).map_or_else(String::new, cell_text))
            .collect();
        Some(Ok(RawRow {
            number: u64::from(first_row) + i as u64 + 1,
            cells,
        }))
    }
}

/// A cell as text. Numbers are written out in full: a mobile stored as the
/// number 13812345678 must come back as those digits, never "1.38E+10".
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => date_text(dt),
        Data::DateTimeIso(s) => iso_text(s),
        Data::DurationIso(s) => s.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// Rust prints floats without an exponent and without a trailing ".0",
/// using the shortest digits that read back as the same number.
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        String::new()
    } else if f == 0.0 {
        "0".to_owned()
    } else {
        f.to_string()
    }
}

/// A date as "YYYY-MM-DD", a date and time as "YYYY-MM-DD HH:MM:SS", a
/// time of day as "HH:MM:SS"; calamine has already applied the workbook's
/// 1900 or 1904 date system.
fn date_text(dt: &ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if dt.is_duration() {
        let seconds = (serial * 86_400.0).round() as i64;
        return format!(
            "{}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        );
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    let time = format!("{h:02}:{mi:02}:{s:02}");
    if (0.0..1.0).contains(&serial) && serial > 0.0 {
        time
    } else if serial.fract() == 0.0 {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

/// ODS stores dates as ISO 8601 text; shown the way Excel dates are.
fn iso_text(s: &str) -> String {
    let s = s.split('.').next().unwrap_or(s);
    let s = s.strip_suffix("T00:00:00").unwrap_or(s);
    s.replacen('T', " ", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::ExcelDateTimeType::{DateTime, TimeDelta};

    #[test]
    fn numbers_are_written_out_in_full() {
        assert_eq!(number_text(13812345678.0), "13812345678");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number_text(-2.5), "-2.5");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(f64::NAN), "");
    }

    #[test]
    fn dates_and_times_read_as_people_write_them() {
        let at = |v, is_1904| date_text(&ExcelDateTime::new(v, DateTime, is_1904));
        assert_eq!(at(45306.0, false), "2024-01-15");
        assert_eq!(at(45306.5, false), "2024-01-15 12:00:00");
        assert_eq!(at(43844.0, true), "2024-01-15");
        assert_eq!(at(0.75, false), "18:00:00");
        assert_eq!(
            date_text(&ExcelDateTime::new(1.5, TimeDelta, false)),
            "36:00:00"
        );
    }

    #[test]
    fn iso_dates_from_ods_lose_the_t() {
        assert_eq!(iso_text("2024-01-15"), "2024-01-15");
        assert_eq!(iso_text("2024-01-15T00:00:00"), "2024-01-15");
        assert_eq!(iso_text("2024-01-15T09:30:00.000"), "2024-01-15 09:30:00");
    }
}
