//! Files built to exhaust a reader are refused within the limits: quickly,
//! with a message naming the limit, and without the memory they ask for.
//!
//! Fixtures are written here as raw XML inside zips, as an attacker would.
//! Every test in this file is cheap when the readers work, so the process's
//! peak memory (Linux's VmHWM) is itself a check: one reader allocating
//! what a file claims would show. The tests take turns, so that fixtures
//! built at the same time do not add up.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{ods_file, Dir};
use kehu_io::{open, FileError, Limit, OpenOptions};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// What the process may peak at: the harness, the largest fixture (16 MB
/// of JSON Lines text) and a reader refusing it.
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

/// Opens `path` and reads every row, expecting the file to be refused.
fn refused(path: &std::path::Path) -> (FileError, Duration) {
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
    // The limit is named to the user, in both languages.
    assert!(!error.message(false).is_empty());
    assert!(error.message(true).chars().any(|c| c > '\u{2E80}'));
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// An XLSX whose only sheet is `sheet_xml` (written by `write_sheet`),
/// with `extra` parts beside it.
fn xlsx(
    dir: &Dir,
    name: &str,
    write_sheet: impl FnOnce(&mut dyn Write),
    extra: &[(&str, &str)],
) -> PathBuf {
    let path = dir.path(name);
    let mut zip = ZipWriter::new(std::fs::File::create(&path).unwrap());
    let deflate = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (part, xml) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    {
        zip.start_file(part, deflate).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", deflate).unwrap();
    write_sheet(&mut zip);
    zip.finish().unwrap();
    path
}

#[test]
fn a_two_cell_xlsx_spanning_the_whole_grid_is_refused_at_once() {
    let _turn = my_turn();
    // The reported file: 1.5 KB whose sheet has cells A1 and XFD1048576,
    // for which the sheet reader once asked for 549,755,813,888 bytes.
    let dir = Dir::new();
    let path = xlsx(
        &dir,
        "two-cells.xlsx",
        |w| {
            write!(
                w,
                r#"{SHEET_START}<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#
            )
            .unwrap()
        },
        &[],
    );
    assert!(std::fs::metadata(&path).unwrap().len() < 4096);
    let (error, took) = refused(&path);
    assert_limit(&error, Limit::Columns);
    assert!(
        matches!(
            error,
            FileError::OverLimit {
                row: Some(1_048_576),
                max: 1024,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.message(false).contains("Row 1048576"));
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn a_zip_bomb_xlsx_is_refused_by_its_compression_ratio() {
    let _turn = my_turn();
    // 32 MB of identical rows pack into a few tens of KB.
    let dir = Dir::new();
    let path = xlsx(
        &dir,
        "bomb.xlsx",
        |w| {
            write!(w, "{SHEET_START}<sheetData>").unwrap();
            let row = r#"<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaa</t></is></c></row>"#;
            let chunk = row.repeat(1000);
            for _ in 0..(32 * 1024 * 1024 / chunk.len()) {
                w.write_all(chunk.as_bytes()).unwrap();
            }
            write!(w, "</sheetData></worksheet>").unwrap();
        },
        &[],
    );
    let packed = std::fs::metadata(&path).unwrap().len();
    assert!(packed < 320 * 1024, "the bomb packs to {packed} bytes");
    let (error, took) = refused(&path);
    assert_limit(&error, Limit::CompressionRatio);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn shared_strings_announcing_billions_of_entries_are_refused() {
    let _turn = my_turn();
    // calamine reserves room for the announced count before reading one.
    let dir = Dir::new();
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>姓名</t></si></sst>"#;
    let path = xlsx(
        &dir,
        "sst.xlsx",
        |w| {
            write!(
                w,
                r#"{SHEET_START}<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#
            )
            .unwrap()
        },
        &[("xl/sharedStrings.xml", sst)],
    );
    let (error, took) = refused(&path);
    assert_eq!(error.code(), "corrupt_file", "{error:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn an_xlsx_cell_longer_than_excel_allows_is_refused_before_it_is_read() {
    let _turn = my_turn();
    let dir = Dir::new();
    let path = xlsx(
        &dir,
        "long-cell.xlsx",
        |w| {
            write!(
                w,
                r#"{SHEET_START}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#
            )
            .unwrap();
            // Varied enough not to trip the compression ratio.
            for i in 0..400_000u32 {
                write!(w, "{:08x}", i.wrapping_mul(2_654_435_761)).unwrap();
            }
            write!(w, "</t></is></c></row></sheetData></worksheet>").unwrap();
        },
        &[],
    );
    let (error, _) = refused(&path);
    assert_limit(&error, Limit::CellBytes);
}

const ODS_HEADER: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>手机</text:p></table:table-cell></table:table-row>"#;

#[test]
fn an_ods_repeating_a_filled_row_a_million_times_is_refused() {
    let _turn = my_turn();
    // Two hundred bytes asking calamine for a million rows of 1,000 cells.
    let dir = Dir::new();
    let rows = format!(
        r#"{ODS_HEADER}<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="1000"/></table:table-row>"#
    );
    let (error, took) = refused(&ods_file(&dir, "rows.ods", &rows));
    assert_limit(&error, Limit::Cells);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn an_ods_row_repeating_a_filled_cell_past_the_columns_is_refused() {
    let _turn = my_turn();
    let dir = Dir::new();
    let rows = format!(
        r#"{ODS_HEADER}<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="16384"><text:p>x</text:p></table:table-cell></table:table-row>"#
    );
    let (error, _) = refused(&ods_file(&dir, "columns.ods", &rows));
    assert_limit(&error, Limit::Columns);
    assert!(
        matches!(error, FileError::OverLimit { row: Some(2), .. }),
        "{error:?}"
    );
}

#[test]
fn a_csv_line_of_a_million_columns_is_refused_without_reading_it_whole() {
    let _turn = my_turn();
    let dir = Dir::new();
    let mut csv = String::from("姓名,手机\n");
    csv.push_str(&"1,".repeat(1_000_000));
    csv.push('\n');
    let (error, took) = refused(&dir.file("wide.csv", csv));
    assert_limit(&error, Limit::Columns);
    assert!(
        matches!(error, FileError::OverLimit { row: Some(2), .. }),
        "{error:?}"
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn a_csv_header_of_a_million_columns_is_refused_too() {
    let _turn = my_turn();
    let dir = Dir::new();
    let csv = format!("{}\n", "h,".repeat(1_000_000));
    let (error, _) = refused(&dir.file("wide-header.csv", csv));
    assert_limit(&error, Limit::Columns);
}

#[test]
fn a_quoted_csv_cell_of_megabytes_is_refused_at_the_cell_limit() {
    let _turn = my_turn();
    let dir = Dir::new();
    let csv = format!("姓名,备注\n张三,\"{}\"\n", "备注\n".repeat(1_000_000));
    let (error, _) = refused(&dir.file("long.csv", csv));
    assert_limit(&error, Limit::CellBytes);
    assert!(
        matches!(error, FileError::OverLimit { row: Some(2), .. }),
        "{error:?}"
    );
}

#[test]
fn a_json_lines_line_of_megabytes_is_refused_at_the_line_limit() {
    let _turn = my_turn();
    let dir = Dir::new();
    let jsonl = format!(
        "{{\"name\":\"张三\"}}\n{{\"name\":\"{}\"}}\n",
        "x".repeat(8 * 1024 * 1024)
    );
    let (error, _) = refused(&dir.file("long.jsonl", jsonl));
    assert_limit(&error, Limit::LineBytes);
}

#[test]
fn a_json_lines_object_of_tens_of_thousands_of_keys_is_refused() {
    let _turn = my_turn();
    let dir = Dir::new();
    let keys: Vec<String> = (0..50_000).map(|i| format!("\"k{i}\":1")).collect();
    let jsonl = format!("{{{}}}\n", keys.join(","));
    let (error, _) = refused(&dir.file("keys.jsonl", jsonl));
    assert_limit(&error, Limit::Columns);
}

#[test]
fn rows_past_the_row_limit_are_refused_at_the_first_one_too_many() {
    let _turn = my_turn();
    let dir = Dir::new();
    let mut csv = String::from("姓名\n");
    for i in 1..=11 {
        csv.push_str(&format!("客户{i}\n"));
    }
    let options = OpenOptions {
        limits: kehu_io::Limits {
            max_rows: 10,
            ..kehu_io::Limits::default()
        },
        ..OpenOptions::default()
    };
    let rows: Vec<_> = open(&dir.file("eleven.csv", csv), &options)
        .unwrap()
        .collect();
    assert_eq!(rows.len(), 11);
    assert!(rows[..10].iter().all(Result::is_ok));
    let error = rows[10].as_ref().unwrap_err();
    assert_limit(error, Limit::Rows);
    assert!(
        error.message(false).contains("more than 10 rows"),
        "{error}"
    );
}
