//! XLSX sheets streamed a cell at a time through calamine's cell reader.
//!
//! calamine's `worksheet_range` builds the sheet's whole rectangle up
//! front, so a sheet holding only `A1` and `XFD1048576` asked for 512 GB.
//! Here each cell is checked against the limits as it arrives and rows go
//! out one by one; memory is one row plus the shared strings, which the zip
//! check has already bounded.
//!
//! The cell reader borrows the workbook, so both live on a thread of their
//! own that hands rows over a small channel; dropping the table stops it.

use std::io::BufReader;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use calamine::{Data, DataRef, Reader, Xlsx, XlsxError};

use crate::limits::Limit;
use crate::sheet::{cell_text, choose_sheet};
use crate::source::{Input, Source};
use crate::table::{Opened, RawRow, RowSource};
use crate::{zip_guard, FileError, Format, Limits, TableInfo};

/// Rows read ahead of the importer: enough to keep both threads busy.
const AHEAD_ROWS: usize = 64;

/// The columns of Excel's grid (A to XFD).
const GRID_COLUMNS: u32 = 16_384;

type Workbook = Xlsx<BufReader<Input>>;

fn corrupt(e: XlsxError) -> FileError {
    match e {
        XlsxError::Io(e) => FileError::Io(e),
        other => FileError::Corrupt {
            format: Format::Xlsx,
            detail: other.to_string(),
        },
    }
}

pub(crate) fn open(
    source: &Source,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<Opened, FileError> {
    zip_guard::check(source, Format::Xlsx, limits)?;
    let workbook: Workbook = Xlsx::new(BufReader::new(source.open()?)).map_err(corrupt)?;
    let sheets = workbook.sheet_names();
    let name = choose_sheet(&sheets, sheet)?;
    let (rows, receiver) = sync_channel(AHEAD_ROWS);
    let (source, limits, sheet_name) = (source.clone(), *limits, name.clone());
    std::thread::Builder::new()
        .name("kehu-xlsx".into())
        .spawn(move || {
            let result = zip_guard::check_sheet_runs(&source, &limits)
                .and_then(|()| stream(workbook, &sheet_name, &limits, &rows));
            if let Err(e) = result {
                // The reader may be gone already; then no one is waiting.
                let _ = rows.send(Err(e));
            }
        })?;
    Ok(Opened {
        source: Box::new(SheetRows(receiver)),
        info: TableInfo {
            format: Format::Xlsx,
            encoding: None,
            delimiter: None,
            sheets,
            sheet: Some(name),
        },
        headers: None,
    })
}

struct SheetRows(Receiver<Result<RawRow, FileError>>);

impl RowSource for SheetRows {
    fn next_raw(&mut self) -> Option<Result<RawRow, FileError>> {
        self.0.recv().ok()
    }
}

/// Reads the sheet's cells into rows, sending each row as it completes.
/// Returns early, without error, once no one takes the rows any more.
fn stream(
    mut workbook: Workbook,
    name: &str,
    limits: &Limits,
    out: &SyncSender<Result<RawRow, FileError>>,
) -> Result<(), FileError> {
    let mut cells = match workbook.worksheet_cells_reader(name) {
        Ok(cells) => cells,
        // A chart sheet: no rows.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(corrupt(e)),
    };
    // The dimension a sheet declares is checked, never allocated for: a
    // sheet claiming more rows than may be read (plus its header) is
    // refused before its first cell; rows actually read are counted by
    // the table.
    let declared = cells.dimensions();
    let declared_rows = u64::from(declared.end.0.saturating_sub(declared.start.0)) + 1;
    if declared_rows > limits.max_rows.saturating_add(1) {
        return Err(over(limits, Limit::Rows, None));
    }
    if declared.end.1 >= GRID_COLUMNS {
        return Err(FileError::Corrupt {
            format: Format::Xlsx,
            detail: format!("the sheet claims columns past Excel's {GRID_COLUMNS}"),
        });
    }
    // Rows start at the sheet's first used column, as people see the
    // table; Excel, WPS and LibreOffice all record it in the dimension.
    let first_column = declared.start.1;
    let mut row = Row::default();
    while let Some(cell) = cells.next_cell().map_err(corrupt)? {
        let value = cell.get_value();
        if matches!(value, DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let number = u64::from(r) + 1;
        let Some(column) = c.checked_sub(first_column) else {
            return Err(FileError::Corrupt {
                format: Format::Xlsx,
                detail: format!("row {number} has a cell left of the sheet's dimension"),
            });
        };
        let column = column as usize;
        if column >= limits.max_columns {
            return Err(over(limits, Limit::Columns, Some(number)));
        }
        let text = cell_text(&Data::from(value.clone()));
        if text.len() > limits.max_cell_bytes {
            return Err(over(limits, Limit::CellBytes, Some(number)));
        }
        if row.number != Some(number) {
            if row.number.is_some_and(|n| n > number) {
                return Err(FileError::Corrupt {
                    format: Format::Xlsx,
                    detail: format!("row {number} comes after a later row"),
                });
            }
            if !row.send(out) {
                return Ok(());
            }
            row.number = Some(number);
        }
        if row.cells.len() <= column {
            row.cells.resize(column + 1, String::new());
        }
        row.cells[column] = text;
    }
    row.send(out);
    Ok(())
}

fn over(limits: &Limits, limit: Limit, row: Option<u64>) -> FileError {
    FileError::OverLimit {
        limit,
        max: limit.of(limits),
        row,
    }
}

/// The row being filled.
#[derive(Default)]
struct Row {
    number: Option<u64>,
    cells: Vec<String>,
}

impl Row {
    /// Sends the row, if there is one; false once no one takes rows.
    fn send(&mut self, out: &SyncSender<Result<RawRow, FileError>>) -> bool {
        match self.number.take() {
            None => true,
            Some(number) => {
                let cells = std::mem::take(&mut self.cells);
                out.send(Ok(RawRow { number, cells })).is_ok()
            }
        }
    }
}
