//! XLS workbooks: a small one reads in full, and ones built to make the
//! sheet reader allocate what they claim are refused within the limits,
//! quickly, naming the limit, without the memory they ask for.
//!
//! The files are written here as an attacker would: BIFF8 records put
//! together by hand in a compound file. The small legal one proves the
//! writer makes files the reader takes. Tests take turns, so the process's
//! peak memory (Linux's VmHWM) measures the refusals one at a time.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{cells, strings, table, Dir};
use kehu_io::{open, FileError, Limit, OpenOptions};

/// What the process may peak at: the harness and a refusal.
const PEAK_MB: u64 = 64;

static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn my_turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// A BIFF8 record: type, length, data.
fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// BOF of BIFF8 workbook globals (5) or a worksheet (0x10).
fn bof(out: &mut Vec<u8>, kind: u16) {
    let mut data = Vec::new();
    data.extend_from_slice(&0x0600u16.to_le_bytes());
    data.extend_from_slice(&kind.to_le_bytes());
    data.extend_from_slice(&[0; 12]);
    record(out, 0x0809, &data);
}

/// A DIMENSIONS record: first row, one past the last, and the same for
/// columns.
fn dimensions(out: &mut Vec<u8>, rows: (u32, u32), columns: (u16, u16)) {
    let mut data = Vec::new();
    data.extend_from_slice(&rows.0.to_le_bytes());
    data.extend_from_slice(&rows.1.to_le_bytes());
    data.extend_from_slice(&columns.0.to_le_bytes());
    data.extend_from_slice(&columns.1.to_le_bytes());
    data.extend_from_slice(&[0; 2]);
    record(out, 0x0200, &data);
}

/// A LABELSST cell showing shared string `index`.
fn label(out: &mut Vec<u8>, row: u16, col: u16, index: u32) {
    let mut data = Vec::new();
    data.extend_from_slice(&row.to_le_bytes());
    data.extend_from_slice(&col.to_le_bytes());
    data.extend_from_slice(&0u16.to_le_bytes());
    data.extend_from_slice(&index.to_le_bytes());
    record(out, 0x00FD, &data);
}

/// A NUMBER cell.
fn number(out: &mut Vec<u8>, row: u16, col: u16, value: f64) {
    let mut data = Vec::new();
    data.extend_from_slice(&row.to_le_bytes());
    data.extend_from_slice(&col.to_le_bytes());
    data.extend_from_slice(&0u16.to_le_bytes());
    data.extend_from_slice(&value.to_le_bytes());
    record(out, 0x0203, &data);
}

/// A workbook stream with one sheet named "客户": the globals (BOF,
/// BOUNDSHEET, SST of `shared` strings claiming `claimed` of them, EOF)
/// and the sheet (BOF, `sheet` records, EOF).
fn workbook(shared: &[&str], claimed: u32, sheet: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut sst = Vec::new();
    sst.extend_from_slice(&claimed.to_le_bytes());
    sst.extend_from_slice(&claimed.to_le_bytes());
    for s in shared {
        let units: Vec<u16> = s.encode_utf16().collect();
        sst.extend_from_slice(&(units.len() as u16).to_le_bytes());
        sst.push(1); // UTF-16
        units
            .iter()
            .for_each(|u| sst.extend_from_slice(&u.to_le_bytes()));
    }
    let name: Vec<u16> = "客户".encode_utf16().collect();
    let globals = |at: u32| {
        let mut out = Vec::new();
        bof(&mut out, 0x0005);
        record(&mut out, 0x0042, &1200u16.to_le_bytes()); // CODEPAGE: UTF-16
        let mut sheet_entry = at.to_le_bytes().to_vec();
        sheet_entry.extend_from_slice(&[0, 0, name.len() as u8, 1]);
        name.iter()
            .for_each(|u| sheet_entry.extend_from_slice(&u.to_le_bytes()));
        record(&mut out, 0x0085, &sheet_entry);
        record(&mut out, 0x00FC, &sst);
        record(&mut out, 0x000A, &[]);
        out
    };
    // The BOUNDSHEET points past the globals, whose length it does not change.
    let mut out = globals(0);
    out = globals(out.len() as u32);
    bof(&mut out, 0x0010);
    sheet(&mut out);
    record(&mut out, 0x000A, &[]);
    out
}

/// An XLS file holding `stream` as its Workbook.
fn xls(dir: &Dir, name: &str, stream: &[u8]) -> PathBuf {
    let path = dir.path(name);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    let mut compound = cfb::CompoundFile::create_with_version(cfb::Version::V3, file).unwrap();
    compound
        .create_stream("/Workbook")
        .unwrap()
        .write_all(stream)
        .unwrap();
    compound.flush().unwrap();
    path
}

/// Opens `path` and reads every row, expecting the file to be refused.
fn refused(path: &Path) -> (FileError, Duration) {
    let started = Instant::now();
    let error = match open(path, &OpenOptions::default()) {
        Err(e) => e,
        Ok(table) => table
            .filter_map(Result::err)
            .next()
            .expect("the file was read to the end"),
    };
    let took = started.elapsed();
    if let Some(peak) = peak_rss_mb() {
        assert!(peak < PEAK_MB, "peak memory {peak} MB refusing {path:?}");
    }
    (error, took)
}

fn assert_limit(error: &FileError, limit: Limit) {
    match error {
        FileError::OverLimit { limit: got, .. } => assert_eq!(*got, limit, "{error:?}"),
        other => panic!("expected the {limit:?} limit, got {other:?}"),
    }
    assert!(!error.message(false).is_empty());
    assert!(error.message(true).chars().any(|c| c > '\u{2E80}'));
}

#[test]
fn a_small_xls_is_read_in_full() {
    let _turn = my_turn();
    let dir = Dir::new();
    let stream = workbook(&["姓名", "手机", "张三"], 3, |s| {
        dimensions(s, (0, 2), (0, 2));
        label(s, 0, 0, 0);
        label(s, 0, 1, 1);
        label(s, 1, 0, 2);
        number(s, 1, 1, 13812345678.0);
    });
    let path = xls(&dir, "small.xls", &stream);
    let table = table(&path);
    assert_eq!(table.info.sheets, strings(&["客户"]));
    assert_eq!(table.headers, strings(&["姓名", "手机"]));
    assert_eq!(cells(table), vec![strings(&["张三", "13812345678"])]);
}

#[test]
fn a_two_cell_xls_spanning_the_whole_grid_is_refused_at_once() {
    let _turn = my_turn();
    // A1 and IV65536, the far corner of BIFF8's grid: calamine would build
    // a rectangle of 16,777,216 cells from these two.
    let dir = Dir::new();
    let stream = workbook(&["姓名"], 1, |s| {
        label(s, 0, 0, 0);
        number(s, 65535, 255, 1.0);
    });
    let path = xls(&dir, "two-cells.xls", &stream);
    assert!(std::fs::metadata(&path).unwrap().len() < 8192);
    let (error, took) = refused(&path);
    assert_limit(&error, Limit::Cells);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn an_xls_cell_far_past_the_last_column_is_refused_by_the_column_limit() {
    let _turn = my_turn();
    // BIFF8 stops at column 256, but the record holds 16 bits.
    let dir = Dir::new();
    let stream = workbook(&["姓名"], 1, |s| {
        label(s, 0, 0, 0);
        number(s, 0, 65535, 1.0);
    });
    let path = xls(&dir, "wide.xls", &stream);
    let (error, took) = refused(&path);
    assert_limit(&error, Limit::Columns);
    assert!(
        matches!(error, FileError::OverLimit { row: Some(1), .. }),
        "{error:?}"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn an_xls_declaring_billions_of_rows_is_refused_by_the_row_limit() {
    let _turn = my_turn();
    // calamine reserves room for what DIMENSIONS declares before any cell.
    let dir = Dir::new();
    let stream = workbook(&["姓名"], 1, |s| {
        dimensions(s, (0, 4_000_000_000), (0, 256));
        label(s, 0, 0, 0);
    });
    let path = xls(&dir, "dimensions.xls", &stream);
    let (error, took) = refused(&path);
    assert_limit(&error, Limit::Rows);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn an_xls_declaring_a_grid_past_the_cell_limit_is_refused() {
    let _turn = my_turn();
    let dir = Dir::new();
    let stream = workbook(&["姓名"], 1, |s| {
        dimensions(s, (0, 65536), (0, 256));
        label(s, 0, 0, 0);
    });
    let path = xls(&dir, "declared-grid.xls", &stream);
    let (error, _) = refused(&path);
    assert_limit(&error, Limit::Cells);
}

#[test]
fn an_xls_claiming_billions_of_shared_strings_is_refused() {
    let _turn = my_turn();
    let dir = Dir::new();
    let stream = workbook(&["姓名"], 3_000_000_000, |s| label(s, 0, 0, 0));
    let path = xls(&dir, "strings.xls", &stream);
    let (error, took) = refused(&path);
    assert_limit(&error, Limit::Cells);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn an_xls_whose_records_run_past_the_stream_is_refused_as_damaged() {
    let _turn = my_turn();
    let dir = Dir::new();
    let mut stream = workbook(&["姓名"], 1, |s| label(s, 0, 0, 0));
    // The last record (EOF) now claims bytes that are not there.
    let at = stream.len() - 2;
    stream[at..].copy_from_slice(&100u16.to_le_bytes());
    let path = xls(&dir, "cut.xls", &stream);
    let (error, _) = refused(&path);
    assert!(matches!(error, FileError::Corrupt { .. }), "{error:?}");
}

#[test]
fn an_xls_sheet_placed_outside_its_stream_is_refused_as_damaged() {
    let _turn = my_turn();
    // calamine slices the stream at the BOUNDSHEET's position unchecked.
    let dir = Dir::new();
    let mut stream = workbook(&["姓名"], 1, |s| label(s, 0, 0, 0));
    // The BOUNDSHEET follows the globals' BOF (20 bytes) and CODEPAGE (6).
    let at = 20 + 6 + 4;
    stream[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let path = xls(&dir, "misplaced.xls", &stream);
    let (error, _) = refused(&path);
    assert!(matches!(error, FileError::Corrupt { .. }), "{error:?}");
}
