//! XLSX exports, written in rust_xlsxwriter's constant-memory mode: each
//! row goes to a temporary file as it is written, so a million-row export
//! holds one row in memory, and the finished workbook is streamed out.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};

use crate::{neutralise, FileError};

/// Excel's row limit; the header takes one of them.
const MAX_ROWS: u32 = 1_048_576;

/// Writes one sheet of text cells, the first row (the header) in bold.
/// Every cell is a string, so an 18-digit id or a mobile number stays the
/// digits written, never a rounded number in scientific notation.
pub struct XlsxWriter {
    workbook: Workbook,
    sheet_name: String,
    bold: CellFormat,
    rows: u32,
}

impl XlsxWriter {
    /// Starts a workbook with one sheet. Characters Excel forbids in a
    /// sheet name become `_`, and the name is cut to Excel's 31
    /// characters; the sheet itself is made with the first row.
    pub fn new(sheet_name: &str) -> XlsxWriter {
        XlsxWriter {
            workbook: Workbook::new(),
            sheet_name: sheet_name_for_excel(sheet_name),
            bold: CellFormat::new().set_bold(),
            rows: 0,
        }
    }

    pub fn write_row(&mut self, cells: &[&str]) -> Result<(), FileError> {
        if self.rows >= MAX_ROWS {
            return Err(FileError::TooManyRows { max: MAX_ROWS });
        }
        if self.rows == 0 {
            self.add_sheet()?;
        }
        let row = self.rows;
        let sheet = self.workbook.worksheet_from_index(0).map_err(xlsx_error)?;
        for (col, cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let col = u16::try_from(col).map_err(|_| xlsx_error(XlsxError::RowColumnLimitError))?;
            let text = neutralise(cell);
            if row == 0 {
                sheet.write_string_with_format(row, col, text.as_ref(), &self.bold)
            } else {
                sheet.write_string(row, col, text.as_ref())
            }
            .map_err(xlsx_error)?;
        }
        self.rows += 1;
        Ok(())
    }

    fn add_sheet(&mut self) -> Result<(), FileError> {
        let sheet = self
            .workbook
            .add_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        sheet.set_name(&self.sheet_name).map_err(xlsx_error)?;
        Ok(())
    }

    /// Writes the finished workbook to `out`.
    pub fn finish(mut self, out: &mut (impl Write + Send)) -> Result<(), FileError> {
        if self.rows == 0 {
            self.add_sheet()?;
        }
        self.workbook.save_to_writer(out).map_err(xlsx_error)
    }

    /// Writes the finished workbook to a new file at `path`.
    pub fn finish_to_path(self, path: &Path) -> Result<(), FileError> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        self.finish(&mut out)?;
        out.flush()?;
        Ok(())
    }
}

fn xlsx_error(e: XlsxError) -> FileError {
    match e {
        XlsxError::IoError(e) => FileError::Io(e),
        other => FileError::Write(other.to_string()),
    }
}

fn sheet_name_for_excel(name: &str) -> String {
    let clean: String = name
        .trim()
        .trim_matches('\'')
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if clean.is_empty() || clean.eq_ignore_ascii_case("history") {
        "Sheet1".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_made_acceptable_to_excel() {
        assert_eq!(sheet_name_for_excel("客户/2024:Q1"), "客户_2024_Q1");
        assert_eq!(sheet_name_for_excel(""), "Sheet1");
        assert_eq!(sheet_name_for_excel(&"长".repeat(40)).chars().count(), 31);
    }
}
