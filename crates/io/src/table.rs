//! The one shape every format is read into: a header row and text rows.
//! Each format yields raw rows; the rules every format shares (blank rows
//! skipped, cells lined up under the headers, apostrophes of neutralised
//! cells dropped) live here once.

use crate::limits::{Crossed, Limit};
use crate::{unneutralise, FileError, Format, Limits};

/// What was found out about a file while opening it.
#[derive(Clone, Debug)]
pub struct TableInfo {
    pub format: Format,
    /// "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE" or "GB18030"; `None`
    /// for spreadsheets, which carry their own.
    pub encoding: Option<&'static str>,
    /// The delimiter of CSV and TSV files.
    pub delimiter: Option<char>,
    /// A workbook's sheets, in order; empty for other formats.
    pub sheets: Vec<String>,
    /// The sheet being read.
    pub sheet: Option<String>,
}

/// One row of data.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The row number the user sees: a spreadsheet's row number; for CSV
    /// the record number (empty lines are no records); a vCard's place in the
    /// file (the first card is 1); a JSON Lines line number.
    pub number: u64,
    /// One cell per header, `""` where the row has none. Longer than the
    /// headers only when the row has non-empty cells past the last header,
    /// which the caller should flag rather than drop. A misfit row's cells
    /// are as read.
    pub cells: Vec<String>,
    /// A row of a delimited file whose number of cells differs from the
    /// header's (and from padding the whole file shares): its cells cannot
    /// be trusted to sit under their headers, so it must be rejected.
    pub misfit: Option<Misfit>,
}

/// How many cells a misfit row has, and how many the header has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Misfit {
    pub cells: usize,
    pub header: usize,
}

/// Non-blank rows looked at for the header: a title, a subtitle, a date
/// line and blank rows above it fit many times over.
const HEADER_PROBE: usize = 20;
/// The furthest row a header may be asked for at (`--header-row`).
pub const MAX_HEADER_ROW: u64 = 1000;

/// Rows read ahead of a delimited file to learn its padding, and the bytes
/// they may hold: bounded, whatever the file.
const PROBE_ROWS: usize = 200;
const PROBE_BYTES: usize = 4 << 20;

/// A row as a format reads it, before the shared rules apply.
pub(crate) struct RawRow {
    pub number: u64,
    pub cells: Vec<String>,
}

/// A format's row reader.
pub(crate) trait RowSource: Send {
    /// The next row, or an error. An error other than
    /// [`FileError::BadRow`] ends the table.
    fn next_raw(&mut self) -> Option<Result<RawRow, FileError>>;
}

/// A file just opened: its reader, what is known of it, and its headers
/// when the format fixes them (otherwise the first non-empty row is).
pub(crate) struct Opened {
    pub source: Box<dyn RowSource>,
    pub info: TableInfo,
    pub headers: Option<Vec<String>>,
}

/// A file being read: headers, facts about the file, and the rows to come.
/// Rows are read on demand, so a table over a large text file holds one
/// row at a time.
pub struct Table {
    /// The header row: trimmed, BOM removed; an empty header cell between
    /// named ones becomes "column N" (N counting from 1).
    pub headers: Vec<String>,
    /// The row the headers were taken from, as the user counts rows;
    /// `None` for formats whose fields name themselves (vCard, JSON Lines).
    pub header_row: Option<u64>,
    pub info: TableInfo,
    source: Box<dyn RowSource>,
    /// Rows read ahead (delimited files), handed out first.
    ahead: std::collections::VecDeque<Result<RawRow, FileError>>,
    /// The cell counts a row of a delimited file may have: the header's,
    /// and padding every line of the file shares. `None`: any (the
    /// spreadsheet formats, whose rows end at their last filled cell).
    widths: Option<[usize; 2]>,
    done: bool,
    limits: Limits,
    /// Rows with data handed out so far, held to `limits.max_rows`.
    rows: u64,
}

impl Table {
    /// The table of an opened file, its header row found (or taken at
    /// `header_row`, as the user counts rows).
    pub(crate) fn start(
        opened: Opened,
        limits: &Limits,
        header_row: Option<u64>,
    ) -> Result<Table, FileError> {
        let Opened {
            mut source,
            info,
            headers,
        } = opened;
        let mut ahead = std::collections::VecDeque::new();
        let (headers, header_row) = match headers {
            Some(headers) => (headers, None),
            None => {
                let header = match header_row {
                    Some(n) => header_at(source.as_mut(), n),
                    None => find_header(source.as_mut(), &mut ahead),
                }
                .map_err(lift)?;
                (header.cells, Some(header.number))
            }
        };
        // Headers are a row like any other; a hostile one is refused here
        // before it is cleaned, guessed at and shown.
        check_row(&headers, limits, None)?;
        let widths = if info.delimiter.is_some() {
            let header = headers.len();
            let padding = probe_padding(source.as_mut(), &mut ahead, header);
            Some([header, padding.unwrap_or(header)])
        } else {
            None
        };
        Ok(Table {
            headers: clean_headers(headers),
            header_row,
            info,
            source,
            ahead,
            widths,
            done: false,
            limits: *limits,
            rows: 0,
        })
    }

    /// The next row with data, or an error for a row that could not be read.
    /// After a [`FileError::BadRow`] the following rows can still be read;
    /// any other error is the last item.
    pub fn next_row(&mut self) -> Option<Result<Row, FileError>> {
        while !self.done {
            let next = match self.ahead.pop_front() {
                Some(row) => Some(row),
                None => self.source.next_raw(),
            };
            match next {
                None => self.done = true,
                Some(Err(e)) => {
                    self.done = !matches!(e, FileError::BadRow { .. });
                    return Some(Err(lift(e)));
                }
                Some(Ok(raw)) => {
                    if let Err(e) = check_row(&raw.cells, &self.limits, Some(raw.number)) {
                        self.done = true;
                        return Some(Err(e));
                    }
                    if let Some(row) = self.shape(raw) {
                        self.rows += 1;
                        if self.rows > self.limits.max_rows {
                            self.done = true;
                            return Some(Err(FileError::OverLimit {
                                limit: Limit::Rows,
                                max: self.limits.max_rows,
                                row: Some(row.number),
                            }));
                        }
                        return Some(Ok(row));
                    }
                }
            }
        }
        None
    }

    /// Lines a row up under the headers; `None` for a blank row.
    fn shape(&self, raw: RawRow) -> Option<Row> {
        let mut cells = raw.cells;
        for cell in &mut cells {
            if unneutralise(cell).len() != cell.len() {
                cell.remove(0);
            }
        }
        if is_blank(&cells) {
            return None;
        }
        if let Some(widths) = self.widths {
            if !widths.contains(&cells.len()) {
                return Some(Row {
                    number: raw.number,
                    misfit: Some(Misfit {
                        cells: cells.len(),
                        header: widths[0],
                    }),
                    cells,
                });
            }
        }
        let width = self.headers.len();
        match cells.iter().rposition(|c| !c.is_empty()) {
            Some(last) if last >= width => cells.truncate(last + 1),
            _ => cells.resize(width, String::new()),
        }
        Some(Row {
            number: raw.number,
            cells,
            misfit: None,
        })
    }
}

/// Reads the first rows of a delimited file into `ahead` and returns the
/// padding the file shares, if any: a cell count above the header's that
/// most rows have with nothing in their extra cells (an exporter ending
/// every line with the same empty cells). One row with an unquoted comma
/// is not padding; a file whose every line carries it is.
fn probe_padding(
    source: &mut dyn RowSource,
    ahead: &mut std::collections::VecDeque<Result<RawRow, FileError>>,
    header: usize,
) -> Option<usize> {
    // Cell counts of padded rows, rows looked at, their bytes.
    let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
    let (mut rows, mut bytes) = (0usize, 0usize);
    let mut note = |raw: &RawRow, rows: &mut usize, bytes: &mut usize| {
        if !is_blank(&raw.cells) {
            *rows += 1;
            *bytes += raw.cells.iter().map(String::len).sum::<usize>();
            let padded =
                raw.cells.len() > header && raw.cells[header..].iter().all(|c| c.trim().is_empty());
            if padded {
                *counts.entry(raw.cells.len()).or_default() += 1;
            }
        }
    };
    // Rows the header search read ahead come first.
    let mut ended = false;
    for next in ahead.iter() {
        match next {
            Ok(raw) => note(raw, &mut rows, &mut bytes),
            Err(FileError::BadRow { .. }) => {}
            Err(_) => ended = true,
        }
    }
    while !ended && rows < PROBE_ROWS && bytes < PROBE_BYTES {
        let Some(next) = source.next_raw() else { break };
        if let Ok(raw) = &next {
            note(raw, &mut rows, &mut bytes);
        }
        ended = matches!(&next, Err(e) if !matches!(e, FileError::BadRow { .. }));
        ahead.push_back(next);
    }
    counts
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n * 2 > rows)
        .map(|(width, _)| width)
}

impl Iterator for Table {
    type Item = Result<Row, FileError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_row()
    }
}

/// The last line of defence for every format: a row wider or with longer
/// cells than the limits is refused, whatever the reader let through.
/// Empty cells past the last filled one are formatting, not columns.
fn check_row(cells: &[String], limits: &Limits, row: Option<u64>) -> Result<(), FileError> {
    let over = |limit: Limit| FileError::OverLimit {
        limit,
        max: limit.of(limits),
        row,
    };
    let width = cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    if width > limits.max_columns {
        return Err(over(Limit::Columns));
    }
    if cells.iter().any(|c| c.len() > limits.max_cell_bytes) {
        return Err(over(Limit::CellBytes));
    }
    Ok(())
}

/// A limit crossed inside a reader that could only say so as an I/O error.
pub(crate) fn lift(e: FileError) -> FileError {
    match e {
        FileError::Io(io) => match io.get_ref().and_then(|e| e.downcast_ref::<Crossed>()) {
            Some(crossed) => FileError::OverLimit {
                limit: crossed.limit,
                max: crossed.max,
                row: None,
            },
            None => FileError::Io(io),
        },
        e => e,
    }
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Finds the header among the first rows: offices put titles
/// (`客户联系人清单 2024`, merged across the columns), dates and blank rows
/// above it. The header is the row naming the most columns kehu knows
/// (when two or more are known), else the first row filled across most of
/// the width the rows have. Rows after it that were looked at go to
/// `ahead`; rows above it are not data and are dropped.
fn find_header(
    source: &mut dyn RowSource,
    ahead: &mut std::collections::VecDeque<Result<RawRow, FileError>>,
) -> Result<RawRow, FileError> {
    let mut looked: Vec<Result<RawRow, FileError>> = Vec::new();
    let (mut rows, mut bytes) = (0usize, 0usize);
    while rows < HEADER_PROBE && bytes < PROBE_BYTES {
        let Some(next) = source.next_raw() else { break };
        match next {
            Ok(raw) => {
                if !is_blank(&raw.cells) {
                    rows += 1;
                    bytes += raw.cells.iter().map(String::len).sum::<usize>();
                }
                looked.push(Ok(raw));
            }
            Err(e @ FileError::BadRow { .. }) => looked.push(Err(e)),
            // A read error before any row is the file's error; after
            // some, it ends the rows the header is chosen from.
            Err(e) if rows == 0 => return Err(e),
            Err(e) => {
                looked.push(Err(e));
                break;
            }
        }
    }
    let filled = |r: &RawRow| r.cells.iter().filter(|c| !c.trim().is_empty()).count();
    let known = |r: &RawRow| {
        r.cells
            .iter()
            .filter(|c| kehu_core::columns::guess(c.trim(), &[]).is_some())
            .count()
    };
    let candidates = || {
        looked
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().ok().map(|r| (i, r)))
            .filter(|(_, r)| !is_blank(&r.cells))
    };
    let most_known = candidates().map(|(_, r)| known(r)).max().unwrap_or(0);
    let widest = candidates().map(|(_, r)| filled(r)).max().unwrap_or(0);
    let chosen = if most_known >= 2 {
        candidates().find(|(_, r)| known(r) == most_known)
    } else {
        // Filled across at least 60% of the widest row: a title of one
        // cell is not; a header with a few unnamed columns is.
        candidates().find(|(_, r)| filled(r) * 5 >= widest * 3)
    }
    .map(|(i, _)| i);
    let Some(chosen) = chosen else {
        return Err(FileError::EmptyFile);
    };
    let mut looked = looked.into_iter().skip(chosen);
    let header = looked
        .next()
        .and_then(Result::ok)
        .ok_or(FileError::EmptyFile)?;
    ahead.extend(looked);
    Ok(header)
}

/// The row numbered `number` (as the user counts), taken as the header
/// whatever it holds; the rows above it are dropped.
fn header_at(source: &mut dyn RowSource, number: u64) -> Result<RawRow, FileError> {
    if number == 0 || number > MAX_HEADER_ROW {
        return Err(FileError::NoHeaderRow { row: number });
    }
    loop {
        match source.next_raw() {
            None => return Err(FileError::NoHeaderRow { row: number }),
            Some(Err(FileError::BadRow { number: n, .. })) if n < number => {}
            Some(Err(e)) => return Err(e),
            Some(Ok(raw)) if raw.number < number => {}
            Some(Ok(raw)) if raw.number == number => return Ok(raw),
            Some(Ok(_)) => return Err(FileError::NoHeaderRow { row: number }),
        }
    }
}

/// Trims headers and names the unnamed. Empty cells after the last named
/// header are formatting left over in a sheet, not columns, and are dropped.
fn clean_headers(mut headers: Vec<String>) -> Vec<String> {
    for header in &mut headers {
        let clean = unneutralise(header.trim_start_matches('\u{FEFF}').trim()).to_owned();
        *header = clean;
    }
    let named = headers
        .iter()
        .rposition(|h| !h.is_empty())
        .map_or(0, |i| i + 1);
    headers.truncate(named);
    for (i, header) in headers.iter_mut().enumerate() {
        if header.is_empty() {
            *header = format!("column {}", i + 1);
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rows(std::vec::IntoIter<Result<RawRow, FileError>>);

    impl RowSource for Rows {
        fn next_raw(&mut self) -> Option<Result<RawRow, FileError>> {
            self.0.next()
        }
    }

    fn table(rows: Vec<Result<Vec<&str>, FileError>>) -> Result<Table, FileError> {
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.map(|cells| RawRow {
                    number: i as u64 + 1,
                    cells: cells.into_iter().map(String::from).collect(),
                })
            })
            .collect::<Vec<_>>();
        Table::start(
            Opened {
                source: Box::new(Rows(rows.into_iter())),
                info: TableInfo {
                    format: Format::Csv,
                    encoding: None,
                    delimiter: None,
                    sheets: vec![],
                    sheet: None,
                },
                headers: None,
            },
            &Limits::default(),
            None,
        )
    }

    #[test]
    fn the_header_is_the_first_non_empty_row_and_is_cleaned() {
        let t = table(vec![
            Ok(vec!["", " "]),
            Ok(vec!["\u{FEFF}姓名 ", "", "'=公司", "", ""]),
            Ok(vec!["张三"]),
        ])
        .unwrap();
        assert_eq!(t.headers, ["姓名", "column 2", "=公司"]);
        let rows: Vec<Row> = t.map(Result::unwrap).collect();
        assert_eq!(
            rows,
            [Row {
                number: 3,
                cells: vec!["张三".into(), "".into(), "".into()],
                misfit: None,
            }]
        );
    }

    #[test]
    fn blank_rows_are_skipped_and_extra_cells_kept_only_when_filled() {
        let t = table(vec![
            Ok(vec!["a", "b"]),
            Ok(vec!["1", "2", "", ""]),
            Ok(vec!["", "  "]),
            Ok(vec!["3", "", "extra"]),
            Ok(vec!["'-4", "'x"]),
        ])
        .unwrap();
        let rows: Vec<Row> = t.map(Result::unwrap).collect();
        let cells: Vec<_> = rows.iter().map(|r| (r.number, r.cells.clone())).collect();
        assert_eq!(
            cells,
            [
                (2, vec!["1".to_owned(), "2".into()]),
                (4, vec!["3".into(), "".into(), "extra".into()]),
                (5, vec!["-4".into(), "'x".into()]),
            ]
        );
    }

    #[test]
    fn a_file_of_blank_rows_is_empty() {
        let e = table(vec![Ok(vec!["", ""])]).err().unwrap();
        assert_eq!(e.code(), "empty_file");
    }

    #[test]
    fn a_bad_row_is_skipped_but_a_read_error_ends_the_table() {
        let bad = || FileError::BadRow {
            number: 2,
            problem: crate::RowProblem::NotAnObject,
        };
        let mut t = table(vec![
            Ok(vec!["a"]),
            Err(bad()),
            Ok(vec!["x"]),
            Err(FileError::EmptyFile),
            Ok(vec!["never"]),
        ])
        .unwrap();
        assert!(t.next_row().unwrap().is_err());
        assert_eq!(t.next_row().unwrap().unwrap().cells, ["x"]);
        assert!(t.next_row().unwrap().is_err());
        assert!(t.next_row().is_none());
    }
}
