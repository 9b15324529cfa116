//! Workbooks: XLSX written by rust_xlsxwriter and a hand-made ODS. XLS goes
//! through the same calamine path but nothing here can write one, so it
//! has no fixture.

mod common;

use std::io::Write;

use common::{cells, rows, strings, table, Dir};
use kehu_io::{open, FileError, Format, OpenOptions};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};

const CUSTOMER_HEADERS: [&str; 8] = [
    "姓名",
    "签约日期",
    "最近联系",
    "手机",
    "统一社会信用代码",
    "身份证号",
    "金额",
    "VIP",
];

fn customer_workbook(dir: &Dir) -> std::path::PathBuf {
    let mut workbook = Workbook::new();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let datetime = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let sheet = workbook.add_worksheet().set_name("客户").unwrap();
    // A title line above the table, as people often leave, and a blank row.
    for (col, header) in CUSTOMER_HEADERS.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    sheet.write_string(3, 0, "张三").unwrap();
    let signed = ExcelDateTime::from_ymd(2024, 1, 15).unwrap();
    sheet
        .write_datetime_with_format(3, 1, &signed, &date)
        .unwrap();
    let contacted = ExcelDateTime::from_ymd(2024, 3, 5)
        .unwrap()
        .and_hms(14, 30, 5)
        .unwrap();
    sheet
        .write_datetime_with_format(3, 2, &contacted, &datetime)
        .unwrap();
    sheet.write_number(3, 3, 13812345678.0).unwrap();
    sheet.write_string(3, 4, "91350100M000100Y43").unwrap();
    sheet.write_string(3, 5, "350102199001011234").unwrap();
    sheet.write_number(3, 6, 1234.5).unwrap();
    sheet.write_boolean(3, 7, true).unwrap();
    sheet.write_string(5, 0, "李四").unwrap();
    sheet.write_string(5, 9, "stray note").unwrap();
    let other = workbook.add_worksheet().set_name("联系人").unwrap();
    other.write_string(0, 0, "联系人").unwrap();
    other.write_string(1, 0, "王五").unwrap();
    let path = dir.path("customers.xlsx");
    workbook.save(&path).unwrap();
    path
}

#[test]
fn xlsx_cells_read_as_the_text_the_user_saw() {
    let dir = Dir::new();
    let t = table(&customer_workbook(&dir));
    assert_eq!(t.info.format, Format::Xlsx);
    assert_eq!(t.info.sheets, ["客户", "联系人"]);
    assert_eq!(t.info.sheet.as_deref(), Some("客户"));
    assert_eq!(t.headers, CUSTOMER_HEADERS);
    let rows = rows(t);
    assert_eq!(rows[0].number, 4, "the spreadsheet's own row number");
    assert_eq!(
        rows[0].cells,
        strings(&[
            "张三",
            "2024-01-15",
            "2024-03-05 14:30:05",
            "13812345678",
            "91350100M000100Y43",
            "350102199001011234",
            "1234.5",
            "true",
        ])
    );
    assert_eq!(rows[1].number, 6);
    assert_eq!(
        rows[1].cells.len(),
        10,
        "a filled cell past the headers is kept"
    );
    assert_eq!(rows[1].cells[9], "stray note");
}

#[test]
fn a_sheet_is_chosen_by_name() {
    let dir = Dir::new();
    let path = customer_workbook(&dir);
    let options = OpenOptions {
        format: None,
        sheet: Some("联系人".into()),
        ..OpenOptions::default()
    };
    let t = open(&path, &options).unwrap();
    assert_eq!(t.info.sheet.as_deref(), Some("联系人"));
    assert_eq!(t.headers, ["联系人"]);
    assert_eq!(cells(t), [strings(&["王五"])]);
}

#[test]
fn an_unknown_sheet_lists_the_sheets_there_are() {
    let dir = Dir::new();
    let path = customer_workbook(&dir);
    let options = OpenOptions {
        format: None,
        sheet: Some("Sheet9".into()),
        ..OpenOptions::default()
    };
    let Err(e) = open(&path, &options) else {
        panic!("Sheet9 does not exist")
    };
    assert_eq!(e.code(), "no_such_sheet");
    assert!(
        matches!(&e, FileError::NoSuchSheet { available, .. } if available == &["客户", "联系人"])
    );
    assert!(e.message(true).contains("客户、联系人"));
}

#[test]
fn a_broken_workbook_is_reported_as_damaged() {
    let dir = Dir::new();
    let path = dir.file("broken.xlsx", b"PK\x03\x04 this is not really a zip");
    let e = open(&path, &OpenOptions::default()).err().unwrap();
    assert_eq!(e.code(), "corrupt_file");
}

const CONTENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body><office:spreadsheet>
  <table:table table:name="客户">
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>姓名</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>手机</text:p></table:table-cell>
    <table:table-cell office:value-type="string"><text:p>签约日期</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell office:value-type="string"><text:p>张三</text:p></table:table-cell>
    <table:table-cell office:value-type="float" office:value="13812345678"><text:p>13812345678</text:p></table:table-cell>
    <table:table-cell office:value-type="date" office:date-value="2024-01-15"><text:p>2024-01-15</text:p></table:table-cell>
   </table:table-row>
  </table:table>
  <table:table table:name="其他"><table:table-row><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>
 </office:spreadsheet></office:body>
</office:document-content>"#;

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

fn ods_bytes() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflated = SimpleFileOptions::default();
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(MANIFEST.as_bytes()).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    // Written as office programs do, with no white space between elements.
    let content: String = CONTENT.lines().map(str::trim).collect();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn an_ods_spreadsheet_reads_like_excel() {
    let dir = Dir::new();
    // Named .zip: the ODS is recognised by the MIME type stored inside.
    let t = table(&dir.file("from-libreoffice.zip", ods_bytes()));
    assert_eq!(t.info.format, Format::Ods);
    assert_eq!(t.info.sheets, ["客户", "其他"]);
    assert_eq!(t.headers, ["姓名", "手机", "签约日期"]);
    assert_eq!(cells(t), [strings(&["张三", "13812345678", "2024-01-15"])]);
}

#[test]
fn a_merged_title_row_above_the_header_is_skipped_and_the_header_row_reported() {
    let dir = Dir::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let title = CellFormat::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 3, "客户联系人清单 2024", &title)
        .unwrap();
    sheet.write_string(1, 0, "制表：销售部").unwrap();
    for (col, header) in ["姓名", "手机", "邮箱", "地址"].iter().enumerate() {
        sheet.write_string(3, col as u16, *header).unwrap();
    }
    sheet.write_string(4, 0, "张三").unwrap();
    sheet.write_string(4, 1, "13812345678").unwrap();
    sheet.write_string(4, 3, "北京市海淀区").unwrap();
    let path = dir.path("titled.xlsx");
    workbook.save(&path).unwrap();

    let t = table(&path);
    assert_eq!(t.headers, strings(&["姓名", "手机", "邮箱", "地址"]));
    assert_eq!(t.header_row, Some(4));
    let rows = rows(t);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].number, 5);
    assert_eq!(rows[0].cells[3], "北京市海淀区");

    // Asked for another row, kehu takes that one, whatever it holds.
    let t = open(
        &path,
        &OpenOptions {
            header_row: Some(2),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert_eq!(t.headers, strings(&["制表：销售部"]));
    assert_eq!(t.header_row, Some(2));
    // A row past the file is refused, naming it.
    let e = open(
        &path,
        &OpenOptions {
            header_row: Some(40),
            ..OpenOptions::default()
        },
    )
    .err()
    .unwrap();
    assert_eq!(e.code(), "no_header_row");
    assert!(e.to_string().contains("row 40"), "{e}");
}
