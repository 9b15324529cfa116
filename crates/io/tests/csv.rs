//! CSV and TSV files as Excel, WPS and other systems save them.

mod common;

use common::{cells, rows, strings, table, Dir};
use encoding_rs::GB18030;
use kehu_io::{open, Format, OpenOptions};

#[test]
fn a_gb18030_file_from_excel_reads_with_chinese_headers() {
    let dir = Dir::new();
    let (bytes, _, unmappable) =
        GB18030.encode("姓名,手机,公司\r\n张三,13812345678,厦门某某科技有限公司\r\n");
    assert!(!unmappable);
    let t = table(&dir.file("客户.csv", &bytes));
    assert_eq!(t.headers, ["姓名", "手机", "公司"]);
    assert_eq!(t.info.encoding, Some("GB18030"));
    assert_eq!(t.info.delimiter, Some(','));
    let rows = rows(t);
    assert_eq!(rows[0].number, 2);
    assert_eq!(
        rows[0].cells,
        ["张三", "13812345678", "厦门某某科技有限公司"]
    );
}

#[test]
fn gbk_after_a_long_ascii_start_is_still_found() {
    let dir = Dir::new();
    let mut text = String::from("name,city\n");
    for i in 0..10_000 {
        text.push_str(&format!("user{i},city{i}\n"));
    }
    text.push_str("王五,泉州\n");
    let (bytes, _, _) = GB18030.encode(&text);
    assert!(bytes.len() > 64 * 1024);
    let t = table(&dir.file("late.csv", &bytes));
    assert_eq!(t.info.encoding, Some("GB18030"));
    assert_eq!(cells(t).last().unwrap(), &strings(&["王五", "泉州"]));
}

#[test]
fn a_utf8_bom_is_not_part_of_the_first_header() {
    let dir = Dir::new();
    let t = table(&dir.file("bom.csv", "\u{FEFF}姓名,手机\n李四,13900001111\n"));
    assert_eq!(t.info.encoding, Some("UTF-8 (BOM)"));
    assert_eq!(t.headers, ["姓名", "手机"]);
    assert_eq!(cells(t), [strings(&["李四", "13900001111"])]);
}

#[test]
fn utf16_files_with_a_bom_read_in_either_byte_order() {
    let dir = Dir::new();
    let text = "姓名\t手机\r\n赵六\t13700001111\r\n";
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let t = table(&dir.file("unicode.txt", &le));
    assert_eq!(t.info.encoding, Some("UTF-16LE"));
    assert_eq!(t.info.delimiter, Some('\t'));
    assert_eq!(t.headers, ["姓名", "手机"]);
    assert_eq!(cells(t), [strings(&["赵六", "13700001111"])]);

    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let t = table(&dir.file("unicode-be.csv", &be));
    assert_eq!(t.info.encoding, Some("UTF-16BE"));
    assert_eq!(cells(t), [strings(&["赵六", "13700001111"])]);
}

#[test]
fn semicolon_and_tab_delimiters_are_sniffed() {
    let dir = Dir::new();
    let t = table(&dir.file("eu.csv", "name;amount\nMüller;1,50\nDupont;2,75\n"));
    assert_eq!(t.info.delimiter, Some(';'));
    assert_eq!(
        cells(t),
        [strings(&["Müller", "1,50"]), strings(&["Dupont", "2,75"])]
    );

    let t = table(&dir.file("tabs.csv", "name\tnote\n张三\ta, b, c\n"));
    assert_eq!(t.info.delimiter, Some('\t'));
    assert_eq!(cells(t), [strings(&["张三", "a, b, c"])]);
}

#[test]
fn a_tsv_file_is_tab_separated_unless_it_clearly_is_not() {
    let dir = Dir::new();
    let t = table(&dir.file("one.tsv", "name\n张三\n"));
    assert_eq!((t.info.format, t.info.delimiter), (Format::Tsv, Some('\t')));
    let t = table(&dir.file("misnamed.tsv", "a,b\n1,2\n"));
    assert_eq!(t.info.delimiter, Some(','));
}

#[test]
fn quoted_fields_keep_commas_quotes_and_newlines() {
    let dir = Dir::new();
    let text = "name,address,note\r\n\"Li, Wei\",\"1 \"\"Main\"\" St\",\"line one\r\nline two\"\r\nnext,x,y\r\n";
    let t = table(&dir.file("quoted.csv", text));
    let rows = rows(t);
    assert_eq!(
        rows[0].cells,
        ["Li, Wei", "1 \"Main\" St", "line one\r\nline two"]
    );
    assert_eq!((rows[0].number, rows[1].number), (2, 3));
}

#[test]
fn a_row_whose_cell_count_differs_from_the_header_is_a_misfit_kept_as_read() {
    let dir = Dir::new();
    // Row 3 has an unquoted comma in its address and an empty last cell:
    // read as it stands, every later column would shift one place.
    let text = "姓名,地址,来源,备注\n\
                张三,北京市海淀区,展会,老客户\n\
                李四,上海市,浦东新区,官网,\n\
                王五\n\
                ,,,\n\
                赵六,广州市,转介绍,\n";
    let rows = rows(table(&dir.file("shifted.csv", text)));
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.number, r.misfit.map(|m| (m.cells, m.header))))
        .collect();
    assert_eq!(
        got,
        [(2, None), (3, Some((5, 4))), (4, Some((1, 4))), (6, None)]
    );
    assert_eq!(
        rows[1].cells,
        strings(&["李四", "上海市", "浦东新区", "官网", ""])
    );
    assert_eq!(rows[3].cells, strings(&["赵六", "广州市", "转介绍", ""]));
}

#[test]
fn padding_every_line_shares_is_not_a_misfit_but_one_more_cell_still_is() {
    let dir = Dir::new();
    // An exporter that ends every data line with two empty cells.
    let mut text = String::from("name,city\n");
    for i in 0..20 {
        text.push_str(&format!("n{i},c{i},,\n"));
    }
    text.push_str("odd,one,,,\n");
    let rows = rows(table(&dir.file("padded.csv", &text)));
    assert_eq!(rows.len(), 21);
    assert!(rows[..20].iter().all(|r| r.misfit.is_none()));
    assert_eq!(rows[0].cells, strings(&["n0", "c0"]));
    assert_eq!(rows[20].misfit.map(|m| (m.cells, m.header)), Some((5, 2)));
}

#[test]
fn neutralised_cells_read_back_without_their_apostrophe() {
    let dir = Dir::new();
    let t = table(&dir.file("export.csv", "name,formula\n张三,'=1+2\n"));
    assert_eq!(cells(t), [strings(&["张三", "=1+2"])]);
}

#[test]
fn an_empty_file_says_so() {
    let dir = Dir::new();
    for (name, bytes) in [
        ("empty.csv", ""),
        ("blank.csv", "\n\r\n,,\n"),
        ("bom.csv", "\u{FEFF}"),
    ] {
        let e = open(&dir.file(name, bytes), &OpenOptions::default())
            .err()
            .unwrap();
        assert_eq!(e.code(), "empty_file", "{name}");
    }
}

#[test]
fn a_missing_file_is_unreadable() {
    let dir = Dir::new();
    let e = open(&dir.path("gone.csv"), &OpenOptions::default())
        .err()
        .unwrap();
    assert_eq!(e.code(), "unreadable_file");
    assert!(e.message(true).starts_with("无法读取文件"));
}

#[test]
fn a_text_file_named_xls_is_read_as_text() {
    let dir = Dir::new();
    let t = table(&dir.file("export.xls", "姓名\t手机\n张三\t13812345678\n"));
    assert_eq!(t.info.format, Format::Csv);
    assert_eq!(cells(t), [strings(&["张三", "13812345678"])]);
}

#[test]
fn two_title_lines_and_a_blank_line_above_the_header_are_skipped() {
    let dir = Dir::new();
    let text = "客户联系人清单 2024\n导出日期：2024-05-01\n\nName,Mobile,Email,City\n\
                Olivia Smith,0414 089 598,olivia@example.com.au,Sydney\n";
    let t = table(&dir.file("titled.csv", text));
    assert_eq!(t.headers, strings(&["Name", "Mobile", "Email", "City"]));
    // CSV rows are counted as records: the empty line is none.
    assert_eq!(t.header_row, Some(3));
    let rows = rows(t);
    assert_eq!(
        (rows[0].number, rows[0].misfit, rows[0].cells[3].as_str()),
        (4, None, "Sydney")
    );
}

#[test]
fn without_known_column_names_the_header_is_the_first_row_filled_across() {
    let dir = Dir::new();
    let text = "Quarterly list\nFoo,Bar,Baz\n1,2,3\n4,5,6\n";
    let t = table(&dir.file("unknown.csv", text));
    assert_eq!(t.headers, strings(&["Foo", "Bar", "Baz"]));
    assert_eq!(t.header_row, Some(2));
    // And a file that starts with its header keeps it.
    let t = table(&dir.file("plain.csv", "a,b\n1,2\n"));
    assert_eq!((t.header_row, t.headers.len()), (Some(1), 2));
}
