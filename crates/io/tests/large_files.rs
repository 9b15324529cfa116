//! Files that are large, wide or oddly formatted but real still read in
//! full under the default limits: the limits refuse hostile files, never
//! a customer list.

mod common;

use std::io::Write;

use common::{ods_file, rows, table, Dir};
use rust_xlsxwriter::Workbook;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

#[test]
fn a_large_xlsx_reads_every_row() {
    let dir = Dir::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = ["姓名", "手机", "公司", "邮箱", "地址", "金额"];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    let rows_written = 60_000u32;
    for r in 1..=rows_written {
        sheet.write_string(r, 0, format!("客户{r}")).unwrap();
        sheet
            .write_number(r, 1, 13_800_000_000.0 + f64::from(r))
            .unwrap();
        sheet.write_string(r, 2, "某某科技有限公司").unwrap();
        sheet
            .write_string(r, 3, format!("c{r}@example.com"))
            .unwrap();
        sheet.write_string(r, 4, "广东省深圳市南山区").unwrap();
        sheet.write_number(r, 5, f64::from(r) / 4.0).unwrap();
    }
    let path = dir.path("large.xlsx");
    workbook.save(&path).unwrap();
    let t = table(&path);
    assert_eq!(t.headers, headers);
    let rows = rows(t);
    assert_eq!(rows.len(), rows_written as usize);
    let last = rows.last().unwrap();
    assert_eq!(last.number, u64::from(rows_written) + 1);
    assert_eq!(last.cells[0], "客户60000");
    assert_eq!(last.cells[1], "13800060000");
    assert_eq!(last.cells[5], "15000");
}

#[test]
fn the_longest_cell_excel_holds_and_a_row_as_wide_as_the_limit_read() {
    let dir = Dir::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for col in 0..1024u16 {
        sheet.write_string(0, col, format!("列{col}")).unwrap();
        sheet.write_number(1, col, f64::from(col)).unwrap();
    }
    // 32,767 characters is Excel's most; in Chinese that is 98 KB.
    let longest = "长".repeat(32_767);
    sheet.write_string(2, 0, &longest).unwrap();
    let path = dir.path("wide.xlsx");
    workbook.save(&path).unwrap();
    let t = table(&path);
    assert_eq!(t.headers.len(), 1024);
    let rows = rows(t);
    assert_eq!(rows[0].cells[1023], "1023");
    assert_eq!(rows[1].cells[0], longest);
}

#[test]
fn a_wide_csv_with_a_long_note_reads() {
    let dir = Dir::new();
    let header: Vec<String> = (0..1024).map(|i| format!("c{i}")).collect();
    let note = "备注".repeat(20_000);
    let mut csv = header.join(",");
    csv.push('\n');
    csv.push_str(&format!("\"{note}\""));
    csv.push_str(&",x".repeat(1023));
    // Trailing empty fields, as spreadsheets export them, cost nothing.
    csv.push_str(&",".repeat(5000));
    csv.push('\n');
    let rows = rows(table(&dir.file("wide.csv", csv)));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].cells[0], note);
    assert_eq!(rows[0].cells[1023], "x");
}

#[test]
fn formatting_stretched_to_the_sheet_edge_is_not_data() {
    // LibreOffice and Excel write formatted empty cells far to the right
    // and below the table, and say so in the sheet's dimension.
    let dir = Dir::new();
    let path = dir.path("formatted.xlsx");
    let mut zip = ZipWriter::new(std::fs::File::create(&path).unwrap());
    let deflate = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="XFD1" s="1"/></row><row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c></row><row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData></worksheet>"#,
        ),
    ];
    for (name, xml) in parts {
        zip.start_file(name, deflate).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    let t = table(&path);
    assert_eq!(t.headers, ["姓名"]);
    let read = rows(t);
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].cells, ["张三"]);

    // The same in ODS: empty cells and rows repeated to the sheet's edge.
    let row = |text: &str| {
        format!(
            r#"<table:table-row><table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row>"#
        )
    };
    let rows_xml = format!(
        r#"{}{}<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
        row("姓名"),
        row("张三")
    );
    let path = ods_file(&dir, "formatted.ods", &rows_xml);
    let t = table(&path);
    assert_eq!(t.headers, ["姓名"]);
    assert_eq!(rows(t)[0].cells, ["张三"]);
}
