//! Exports, read back: what kehu writes, kehu reads unchanged. And no input,
//! however hostile, makes a reader panic.

mod common;

use std::io::Read;

use common::{cells, rows, strings, table, Dir};
use encoding_rs::GB18030;
use kehu_io::{open, CsvEncoding, CsvWriter, Format, OpenOptions, XlsxWriter};
use proptest::prelude::*;

const HEADERS: [&str; 3] = ["姓名", "手机", "公司"];

fn csv_bytes(rows: &[Vec<String>], encoding: CsvEncoding) -> Vec<u8> {
    let mut writer = CsvWriter::new(Vec::new(), encoding);
    writer.write_row(&HEADERS).unwrap();
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writer.write_row(&cells).unwrap();
    }
    writer.finish().unwrap()
}

#[test]
fn a_utf8_export_has_a_bom_crlf_and_defused_formulas() {
    let bytes = csv_bytes(
        &[strings(&["张三", "=HYPERLINK(\"x\")", "a,b"])],
        CsvEncoding::Utf8Bom,
    );
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text,
        "\u{FEFF}姓名,手机,公司\r\n张三,\"'=HYPERLINK(\"\"x\"\")\",\"a,b\"\r\n"
    );
}

#[test]
fn a_gb18030_export_is_gb18030_throughout() {
    let bytes = csv_bytes(
        &[strings(&["张三", "13812345678", "𠀀 ✓ é"])],
        CsvEncoding::Gb18030,
    );
    assert!(std::str::from_utf8(&bytes).is_err());
    let (text, _, errors) = GB18030.decode(&bytes);
    assert!(!errors);
    assert_eq!(text, "姓名,手机,公司\r\n张三,13812345678,𠀀 ✓ é\r\n");
}

#[test]
fn an_empty_utf8_export_is_just_the_bom() {
    let writer = CsvWriter::new(Vec::new(), CsvEncoding::Utf8Bom);
    assert_eq!(writer.finish().unwrap(), b"\xEF\xBB\xBF");
}

#[test]
fn an_xlsx_export_reads_back_exactly_with_a_bold_header() {
    let dir = Dir::new();
    let path = dir.path("export.xlsx");
    let mut writer = XlsxWriter::new("客户/导出");
    writer.write_row(&HEADERS).unwrap();
    writer.write_row(&["张三", "13812345678", "=1+2"]).unwrap();
    writer.write_row(&["", "", ""]).unwrap();
    writer
        .write_row(&["350102199001011234", "0592-1234567", "-5"])
        .unwrap();
    writer.finish_to_path(&path).unwrap();

    let t = table(&path);
    assert_eq!(t.info.format, Format::Xlsx);
    assert_eq!(t.info.sheets, ["客户_导出"]);
    assert_eq!(t.headers, HEADERS);
    let rows = rows(t);
    assert_eq!(rows[0].cells, ["张三", "13812345678", "=1+2"]);
    assert_eq!(
        (rows[1].number, &rows[1].cells),
        (4, &strings(&["350102199001011234", "0592-1234567", "-5"]))
    );

    let mut styles = String::new();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    zip.by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains("<b/>"), "the header row's bold font");
}

#[test]
fn an_xlsx_export_streams_to_any_writer_and_keeps_many_rows() {
    let mut writer = XlsxWriter::new("Sheet1");
    writer.write_row(&["id", "name"]).unwrap();
    for i in 0..20_000 {
        writer.write_row(&[&format!("{:018}", i), "名字"]).unwrap();
    }
    let mut out = Vec::new();
    writer.finish(&mut out).unwrap();
    let dir = Dir::new();
    let rows = rows(table(&dir.file("big.xlsx", &out)));
    assert_eq!(rows.len(), 20_000);
    assert_eq!(rows[19_999].cells, ["000000000000019999", "名字"]);
}

#[test]
fn an_xlsx_export_with_no_rows_is_still_a_workbook() {
    let mut out = Vec::new();
    XlsxWriter::new("空").finish(&mut out).unwrap();
    let dir = Dir::new();
    let e = open(&dir.file("empty.xlsx", &out), &OpenOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.code(), "empty_file");
}

/// What reading gives back for written rows: blank rows are skipped.
fn expected(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .filter(|row| row.iter().any(|c| !c.trim().is_empty()))
        .cloned()
        .collect()
}

fn gb18030_text() -> impl Strategy<Value = String> {
    ".{0,12}".prop_filter("GB18030 encodes it exactly", |s| {
        let (bytes, _, unmappable) = GB18030.encode(s);
        !unmappable && GB18030.decode_without_bom_handling(&bytes).0 == s.as_str()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn utf8_csv_exports_read_back_unchanged(
        rows in prop::collection::vec(prop::collection::vec(".{0,12}", 3), 0..12)
    ) {
        let dir = Dir::new();
        let path = dir.file("export.csv", csv_bytes(&rows, CsvEncoding::Utf8Bom));
        let t = table(&path);
        prop_assert_eq!(&t.headers, &HEADERS);
        prop_assert_eq!(cells(t), expected(&rows));
    }

    #[test]
    fn gb18030_csv_exports_read_back_unchanged(
        rows in prop::collection::vec(prop::collection::vec(gb18030_text(), 3), 0..12)
    ) {
        let dir = Dir::new();
        let path = dir.file("export.csv", csv_bytes(&rows, CsvEncoding::Gb18030));
        let t = table(&path);
        prop_assert_eq!(t.info.encoding, Some("GB18030"));
        prop_assert_eq!(cells(t), expected(&rows));
    }

    #[test]
    fn hostile_bytes_never_make_a_reader_panic(
        prefix in prop::sample::select(vec![
            b"".as_slice(), b"\xEF\xBB\xBF", b"BEGIN:VCARD\r\n", b"{", b"a,b\n\"", b"\xFF\xFE", b"\xFE\xFF",
        ]),
        body in prop::collection::vec(any::<u8>(), 0..2048),
        name in prop::sample::select(vec!["x.csv", "x.tsv", "x.jsonl", "x.vcf", "x"]),
        forced in prop::sample::select(vec![None, Some(Format::Csv), Some(Format::Jsonl), Some(Format::Vcard)]),
    ) {
        let dir = Dir::new();
        let bytes = [prefix, &body].concat();
        let path = dir.file(name, &bytes);
        let options = OpenOptions {
            format: forced,
            ..OpenOptions::default()
        };
        if let Ok(table) = open(&path, &options) {
            let headers = table.headers.len();
            for row in table.take(10_000).flatten() {
                // Every row lines up under the headers, or is a misfit
                // whose cells are kept as read, never lined up wrongly.
                match row.misfit {
                    None => prop_assert!(row.cells.len() >= headers),
                    Some(m) => prop_assert_eq!(m.cells, row.cells.len()),
                }
            }
        }
    }

    #[test]
    fn vcard_shaped_junk_never_makes_the_reader_panic(
        lines in prop::collection::vec(
            "(BEGIN:VCARD|END:VCARD|FN|N|TEL|ADR|EMAIL|ORG|AGENT)(;(CHARSET=[A-Z0-9-]{0,8}|ENCODING=(b|QUOTED-PRINTABLE)|TYPE=\"?[a-z,]{0,8}\"?|QUOTED-PRINTABLE))*:[=A-F0-9;\\\\,a-z ]{0,20}=?",
            0..20,
        )
    ) {
        let dir = Dir::new();
        let text = format!("BEGIN:VCARD\n{}", lines.join("\n"));
        let path = dir.file("junk.vcf", &text);
        let table = open(&path, &OpenOptions::default()).unwrap();
        for row in table {
            prop_assert_eq!(row.unwrap().cells.len(), 9);
        }
    }
}
