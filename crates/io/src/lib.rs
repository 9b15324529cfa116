#![forbid(unsafe_code)]
//! kehu's import and export file formats. Customers arrive as spreadsheets
//! (XLSX, XLS, ODS), CSV or TSV from Excel and WPS in whatever encoding
//! they were saved in, phone contact exports (vCard) and JSON Lines from
//! other systems; [`open`] reads any of them as one [`Table`] of text rows,
//! so the importer needs to know about none of them. Exports are written by
//! [`CsvWriter`] and [`XlsxWriter`].
//!
//! Text files and XLSX sheets are streamed in constant memory; ODS and XLS
//! sheets are read whole by calamine. Every reader works within
//! [`Limits`], checked before anything is allocated for what a file
//! claims, so a hostile file is refused rather than read.
//!
//! The formats know no database and no domain rules: cells are text as the
//! user sees it. [`import`] and [`export`] move such tables into and out of
//! the store, where the entry standards decide what cells mean.

mod detect;
mod encoding;
mod error;
pub mod export;
pub mod import;
mod json_order;
mod jsonl;
pub mod leads;
mod limits;
mod neutral;
mod ods_guard;
pub mod privacy;
pub mod quality_report;
mod sheet;
mod source;
mod table;
mod text;
mod vcard;
mod write_csv;
mod write_xlsx;
mod xls_guard;
mod xlsx;
mod zip_guard;

use std::io::Read;
use std::path::Path;

pub use detect::detect_format;
pub use error::{FileError, RowProblem};
pub use kehu_core::crypto::file::FileKey;
pub use limits::{Limit, Limits};
pub use neutral::{neutralise, unneutralise};
pub use source::{Input, Source};
pub use table::{Misfit, Row, Table, TableInfo, MAX_HEADER_ROW};
pub use vcard::VCARD_HEADERS;
pub use write_csv::{CsvEncoding, CsvWriter};
pub use write_xlsx::XlsxWriter;

/// The file formats kehu reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Tsv,
    Xlsx,
    Xls,
    Ods,
    Vcard,
    Jsonl,
}

impl Format {
    /// The usual file extension, also the name [`Format::from_name`] takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Vcard => "vcf",
            Format::Jsonl => "jsonl",
        }
    }

    /// A format from its name or file extension, in any case and with or
    /// without the dot: "csv", ".XLSX", "vcard", "ndjson".
    pub fn from_name(name: &str) -> Option<Format> {
        let name = name.trim().trim_start_matches('.').to_ascii_lowercase();
        Some(match name.as_str() {
            "csv" => Format::Csv,
            "tsv" => Format::Tsv,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "ods" => Format::Ods,
            "vcf" | "vcard" => Format::Vcard,
            "jsonl" | "ndjson" => Format::Jsonl,
            _ => return None,
        })
    }
}

/// How to open a file; the defaults detect everything.
#[derive(Default, Clone, Debug)]
pub struct OpenOptions {
    /// The format, when the caller knows better than the file's name.
    pub format: Option<Format>,
    /// The sheet of a workbook to read; the first sheet when `None`.
    pub sheet: Option<String>,
    /// How big a file is read; beyond, it is refused.
    pub limits: Limits,
    /// The row to take as the header, as the user counts rows; found among
    /// the first rows when `None` (titles above it are skipped).
    pub header_row: Option<u64>,
    /// The key of a file kept sealed on disk (an upload); `None` for a
    /// file as the user gave it.
    pub key: Option<FileKey>,
}

/// How much of a file is looked at to detect its format and delimiter.
const HEAD_LEN: usize = 64 * 1024;

/// Opens a file as a table: its format detected from its contents and
/// name (unless `options` says), its header row read, its rows ready to be
/// taken one at a time.
pub fn open(path: &Path, options: &OpenOptions) -> Result<Table, FileError> {
    let source = Source::new(path, options.key.clone());
    let head = read_head(&source)?;
    if options.key.is_none() && kehu_core::crypto::file::is_sealed_file(&head) {
        return Err(FileError::SealedFile);
    }
    let name = source.name();
    let format = match options.format {
        Some(format) => format,
        None => detect_format(&name, &head).ok_or_else(|| {
            let ext = Path::new(&name).extension();
            FileError::UnknownFormat(ext.map_or_else(String::new, |e| e.to_string_lossy().into()))
        })?,
    };
    let limits = &options.limits;
    let opened = open_format(&source, &head, format, options).map_err(table::lift)?;
    Table::start(opened, limits, options.header_row)
}

fn open_format(
    source: &Source,
    head: &[u8],
    format: Format,
    options: &OpenOptions,
) -> Result<table::Opened, FileError> {
    let limits = &options.limits;
    Ok(match format {
        Format::Csv | Format::Tsv => text::open(source, head, format, limits)?,
        Format::Xlsx => xlsx::open(source, options.sheet.as_deref(), limits)?,
        Format::Xls | Format::Ods => sheet::open(source, format, options.sheet.as_deref(), limits)?,
        Format::Vcard => vcard::open(source, head, limits)?,
        Format::Jsonl => jsonl::open(source, head, limits)?,
    })
}

fn read_head(source: &Source) -> Result<Vec<u8>, FileError> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    source
        .open()?
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in [
            Format::Csv,
            Format::Tsv,
            Format::Xlsx,
            Format::Xls,
            Format::Ods,
            Format::Vcard,
            Format::Jsonl,
        ] {
            assert_eq!(Format::from_name(format.as_str()), Some(format));
        }
        assert_eq!(Format::from_name("vcard"), Some(Format::Vcard));
        assert_eq!(Format::from_name(".NDJSON"), Some(Format::Jsonl));
        assert_eq!(Format::from_name("pdf"), None);
    }
}
