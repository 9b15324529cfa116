//! An XLS workbook (BIFF8 records in an OLE compound file) is read whole by
//! calamine, which trusts it twice over: it reserves room for the rows ×
//! columns a sheet's DIMENSIONS record declares (up to 2^32 rows), and it
//! builds each sheet's rectangle from the lowest to the highest cell
//! position it finds. A few hundred bytes with a cell at A1 and another at
//! the grid's far corner, or one DIMENSIONS record, ask for gigabytes.
//!
//! Before calamine sees the file, its Workbook stream is walked here record
//! by record, keeping only counters, the way calamine will walk it: the
//! globals up to their EOF (sheet positions, the shared-string count), then
//! each sheet from where its BOUNDSHEET record points. Blank cells are not
//! counted: calamine keeps none of them.

use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;

use crate::limits::Limit;
use crate::source::Source;
use crate::{FileError, Format, Limits};

// Record types (MS-XLS 2.3) this walk looks at.
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00FC;
const DIMENSIONS: u16 = 0x0200;
const FORMULA: u16 = 0x0006;
const MULRK: u16 = 0x00BD;
/// Records holding one cell that calamine keeps, its row and column first.
const ONE_CELL: [u16; 6] = [0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x00D6];

fn corrupt(detail: impl ToString) -> FileError {
    FileError::Corrupt {
        format: Format::Xls,
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

pub(crate) fn check(source: &Source, limits: &Limits) -> Result<(), FileError> {
    let file_len = source.plain_len()?;
    let file = source.open()?;
    let mut compound = cfb::CompoundFile::open(file).map_err(corrupt)?;
    // calamine takes the first entry named Workbook (else Book) wherever it
    // sits; checking every such stream covers whichever it picks.
    let streams: Vec<PathBuf> = compound
        .walk()
        .filter(|e| {
            e.is_stream()
                && ["Workbook", "Book"]
                    .iter()
                    .any(|n| e.name().eq_ignore_ascii_case(n))
        })
        .map(|e| e.path().to_owned())
        .collect();
    if streams.is_empty() {
        return Err(corrupt("no Workbook stream"));
    }
    for name in streams {
        let stream = compound.open_stream(&name).map_err(corrupt)?;
        // A stream is made of the file's own sectors, so it cannot be
        // longer than the file; one that says so is not read.
        let len = stream.len();
        if len > file_len {
            return Err(corrupt("a stream longer than the file"));
        }
        let mut bytes = Vec::with_capacity(len as usize);
        stream.take(len).read_to_end(&mut bytes)?;
        check_workbook(&bytes, limits)?;
    }
    Ok(())
}

/// One record with the CONTINUE records after it, as calamine joins them.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    /// Bytes carried on in CONTINUE records.
    continued: usize,
}

/// The records from the start of `stream`; a record running past the end
/// is damage, as it is to calamine.
struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Records<'a> {
    fn split(&mut self) -> Result<(u16, &'a [u8]), FileError> {
        let [t0, t1, l0, l1, ..] = *self.stream else {
            return Err(corrupt("a record cut short"));
        };
        let len = usize::from(u16::from_le_bytes([l0, l1]));
        let Some(data) = self.stream.get(4..4 + len) else {
            return Err(corrupt("a record longer than its stream"));
        };
        self.stream = &self.stream[4 + len..];
        Ok((u16::from_le_bytes([t0, t1]), data))
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(Record<'a>, usize), FileError>;

    /// The next record and the bytes it took, CONTINUE records included.
    fn next(&mut self) -> Option<Self::Item> {
        if self.stream.is_empty() {
            return None;
        }
        let before = self.stream.len();
        let step = (|| {
            let (typ, data) = self.split()?;
            let mut continued = 0;
            while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(CONTINUE) {
                continued += self.split()?.1.len();
            }
            Ok(Record {
                typ,
                data,
                continued,
            })
        })();
        Some(step.map(|r| (r, before - self.stream.len())))
    }
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn check_workbook(stream: &[u8], limits: &Limits) -> Result<(), FileError> {
    let mut sheets = Vec::new();
    for record in (Records { stream }) {
        let (record, _) = record?;
        match record.typ {
            BOUNDSHEET => {
                // calamine reads the sheet's state and type at bytes 4 and 5.
                if record.data.len() < 6 {
                    return Err(corrupt("a BOUNDSHEET record cut short"));
                }
                sheets.push(u32_at(record.data, 0).unwrap_or(0) as usize);
            }
            SST => check_strings(&record, limits)?,
            EOF => break,
            _ => {}
        }
    }
    // calamine holds every sheet at once, so their cells add up. A sheet
    // is walked from its position to its EOF; two sheets at one place, or
    // walks that cover the stream more than once between them, are not
    // something a spreadsheet program writes and would multiply the work.
    let mut seen = HashSet::new();
    let mut cells = 0u64;
    let mut budget = stream.len().saturating_mul(2);
    for at in sheets {
        if at > stream.len() || !seen.insert(at) {
            return Err(corrupt("a sheet out of place"));
        }
        let (sheet_cells, walked) = check_sheet(&stream[at..], limits)?;
        budget = budget
            .checked_sub(walked)
            .ok_or_else(|| corrupt("sheets overlapping"))?;
        cells = cells.saturating_add(sheet_cells);
        if cells > limits.max_cells {
            return Err(over(limits, Limit::Cells, None));
        }
    }
    Ok(())
}

/// The shared strings: however many the header claims, each takes at least
/// three bytes (length and flags), so a count the record cannot hold is
/// damage, and a count past the cells a workbook may have is refused.
fn check_strings(sst: &Record<'_>, limits: &Limits) -> Result<(), FileError> {
    let Some(unique) = u32_at(sst.data, 4) else {
        return Ok(());
    };
    if u64::from(unique) > limits.max_cells {
        return Err(over(limits, Limit::Cells, None));
    }
    let room = (sst.data.len() - 8 + sst.continued) / 3;
    if unique as usize > room {
        return Err(corrupt("more shared strings than the SST holds"));
    }
    Ok(())
}

/// The span of cell positions calamine will build a rectangle over.
#[derive(Default)]
struct Span {
    bounds: Option<(u32, u32, u32, u32)>,
}

impl Span {
    fn add(
        &mut self,
        row: u32,
        first_col: u32,
        last_col: u32,
        limits: &Limits,
    ) -> Result<u64, FileError> {
        let (r0, r1, c0, c1) = self.bounds.get_or_insert((row, row, first_col, last_col));
        *r0 = (*r0).min(row);
        *r1 = (*r1).max(row);
        *c0 = (*c0).min(first_col);
        *c1 = (*c1).max(last_col);
        let rows = u64::from(*r1 - *r0) + 1;
        let columns = u64::from(*c1 - *c0) + 1;
        // The header row comes out of the rows a sheet may hold.
        if rows > limits.max_rows.saturating_add(1) {
            return Err(over(limits, Limit::Rows, None));
        }
        if columns > limits.max_columns as u64 {
            return Err(over(limits, Limit::Columns, Some(u64::from(row) + 1)));
        }
        let cells = rows * columns;
        if cells > limits.max_cells {
            return Err(over(limits, Limit::Cells, None));
        }
        Ok(cells)
    }

    fn cells(&self) -> u64 {
        self.bounds.map_or(0, |(r0, r1, c0, c1)| {
            (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1)
        })
    }
}

/// Walks one sheet as calamine does, returning the cells its rectangles
/// will hold and the bytes walked.
fn check_sheet(stream: &[u8], limits: &Limits) -> Result<(u64, usize), FileError> {
    let mut values = Span::default();
    // calamine keeps formulas' text in a rectangle of their own.
    let mut formulas = Span::default();
    let mut walked = 0;
    let mut seen_bof = false;
    // Substreams inside a sheet (an embedded chart) are skipped by calamine.
    let mut depth = 0usize;
    for record in (Records { stream }) {
        let (record, took) = record?;
        walked += took;
        let data = record.data;
        if depth > 0 {
            match record.typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let cell = || -> Result<(u32, u32), FileError> {
            match (u16_at(data, 0), u16_at(data, 2)) {
                (Some(row), Some(col)) => Ok((row.into(), col.into())),
                _ => Err(corrupt("a cell record cut short")),
            }
        };
        match record.typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => check_dimensions(data, limits)?,
            FORMULA => {
                let (row, col) = cell()?;
                values.add(row, col, col, limits)?;
                formulas.add(row, col, col, limits)?;
            }
            MULRK => {
                let (row, first) = cell()?;
                // calamine puts one cell per six-byte entry from the first
                // column on.
                let entries = data.len().saturating_sub(6) / 6;
                if entries > 0 {
                    values.add(row, first, first + entries as u32 - 1, limits)?;
                }
            }
            t if ONE_CELL.contains(&t) => {
                let (row, col) = cell()?;
                values.add(row, col, col, limits)?;
            }
            _ => {}
        }
    }
    let cells = values.cells() + formulas.cells();
    if cells > limits.max_cells {
        return Err(over(limits, Limit::Cells, None));
    }
    Ok((cells, walked))
}

/// The room calamine reserves from DIMENSIONS, read as it reads it: rows
/// as 32 bits in BIFF8 (16 before), a first column past 255 taken as 0.
fn check_dimensions(data: &[u8], limits: &Limits) -> Result<(), FileError> {
    let (first_row, row_end, mut first_col, col_end) = match data.len() {
        10 => (
            u32::from(u16_at(data, 0).unwrap_or(0)),
            u32::from(u16_at(data, 2).unwrap_or(0)),
            u16_at(data, 4).unwrap_or(0),
            u16_at(data, 6).unwrap_or(0),
        ),
        14 | 16 => (
            u32_at(data, 0).unwrap_or(0),
            u32_at(data, 4).unwrap_or(0),
            u16_at(data, 8).unwrap_or(0),
            u16_at(data, 10).unwrap_or(0),
        ),
        // calamine refuses any other length itself.
        _ => return Ok(()),
    };
    if first_col > 0xFF || col_end < first_col {
        first_col = 0;
    }
    if row_end == 0 || col_end == 0 {
        return Ok(());
    }
    // The ends are one past the last row and column; an end before the
    // start would wrap around in calamine's arithmetic.
    let rows = u64::from(row_end)
        .checked_sub(u64::from(first_row))
        .filter(|&n| n > 0)
        .ok_or_else(|| corrupt("DIMENSIONS ending before they start"))?;
    let columns = u64::from(col_end - first_col);
    if columns == 0 {
        return Err(corrupt("DIMENSIONS ending before they start"));
    }
    if rows > limits.max_rows.saturating_add(1) {
        return Err(over(limits, Limit::Rows, None));
    }
    if columns > limits.max_columns as u64 {
        return Err(over(limits, Limit::Columns, None));
    }
    if rows * columns > limits.max_cells {
        return Err(over(limits, Limit::Cells, None));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dimensions(rows: (u32, u32), columns: (u16, u16)) -> Vec<u8> {
        let mut data = Vec::new();
        data.extend_from_slice(&rows.0.to_le_bytes());
        data.extend_from_slice(&rows.1.to_le_bytes());
        data.extend_from_slice(&columns.0.to_le_bytes());
        data.extend_from_slice(&columns.1.to_le_bytes());
        data.extend_from_slice(&[0; 2]);
        data
    }

    #[test]
    fn dimensions_within_the_limits_pass() {
        let limits = Limits::default();
        assert!(check_dimensions(&dimensions((0, 65_536), (0, 100)), &limits).is_ok());
        // An empty sheet writes zeros.
        assert!(check_dimensions(&dimensions((0, 0), (0, 0)), &limits).is_ok());
    }

    #[test]
    fn dimensions_ending_before_they_start_are_damage() {
        // calamine would subtract and wrap around to four billion rows.
        let limits = Limits::default();
        for (rows, columns) in [((10, 5), (0, 3)), ((5, 5), (0, 3)), ((0, 5), (3, 3))] {
            let error = check_dimensions(&dimensions(rows, columns), &limits).unwrap_err();
            assert!(matches!(error, FileError::Corrupt { .. }), "{error:?}");
        }
    }

    #[test]
    fn a_sheet_is_refused_once_its_cells_span_past_the_cell_limit() {
        let limits = Limits {
            max_cells: 100,
            ..Limits::default()
        };
        let mut span = Span::default();
        span.add(0, 0, 0, &limits).unwrap();
        assert_eq!(span.add(9, 9, 9, &limits).unwrap(), 100);
        let error = span.add(10, 0, 0, &limits).unwrap_err();
        assert!(matches!(
            error,
            FileError::OverLimit {
                limit: Limit::Cells,
                ..
            }
        ));
    }
}
