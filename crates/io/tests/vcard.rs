//! Contact exports from phones and mail programs.

mod common;

use common::{rows, strings, table, Dir};
use encoding_rs::GB18030;
use kehu_io::{Format, VCARD_HEADERS};

/// Quoted-printable as phones write it: every byte `=XX`, lines broken
/// with a soft line break (`=` at the end) every `width` characters.
fn quoted_printable(bytes: &[u8], width: usize) -> String {
    let encoded: String = bytes.iter().map(|b| format!("={b:02X}")).collect();
    let chunks: Vec<String> = encoded
        .as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    chunks.join("=\r\n")
}

fn card_cells(text: &str) -> Vec<Vec<String>> {
    let dir = Dir::new();
    let t = table(&dir.file("contacts.vcf", text));
    assert_eq!(t.headers, VCARD_HEADERS);
    assert_eq!(t.info.format, Format::Vcard);
    rows(t).into_iter().map(|r| r.cells).collect()
}

fn field<'a>(row: &'a [String], header: &str) -> &'a str {
    let at = VCARD_HEADERS.iter().position(|h| *h == header).unwrap();
    &row[at]
}

#[test]
fn a_2_1_card_with_a_quoted_printable_utf8_name_split_by_a_soft_break() {
    let name = quoted_printable("张三丰".as_bytes(), 12);
    assert!(name.contains("=\r\n"));
    let text = format!(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;;;\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{name}\r\nTEL;CELL:13812345678\r\nTEL;WORK:0592-1234567\r\nEND:VCARD\r\n"
    );
    let rows = card_cells(&text);
    assert_eq!(field(&rows[0], "name"), "张三丰");
    assert_eq!(field(&rows[0], "mobile"), "13812345678");
    assert_eq!(field(&rows[0], "phone"), "0592-1234567");
}

#[test]
fn a_2_1_card_with_a_gb2312_quoted_printable_name_and_bare_parameters() {
    let (gb, _, _) = GB18030.encode("李四");
    let name = quoted_printable(&gb, 76);
    let text = format!(
        "BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=GB2312;QUOTED-PRINTABLE:{name}\nTEL;HOME;VOICE:0591-7654321\nTEL:+86 139 0000 1111\nEND:VCARD\n"
    );
    let rows = card_cells(&text);
    assert_eq!(field(&rows[0], "name"), "李四");
    // No TEL says CELL, so the one that is a mainland mobile is taken.
    assert_eq!(field(&rows[0], "mobile"), "+86 139 0000 1111");
    assert_eq!(field(&rows[0], "phone"), "0591-7654321");
}

#[test]
fn a_3_0_card_with_typed_numbers_and_the_rest_of_its_fields() {
    let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:王五\r\nN:王;五;;;\r\nORG:厦门某某科技有限公司;销售部\r\nTITLE:经理\r\nTEL;TYPE=WORK,VOICE:0592-5550000\r\nTEL;TYPE=CELL:138-0000-2222\r\nEMAIL;TYPE=INTERNET:wang@example.com\r\nEMAIL;TYPE=INTERNET,PREF:wu@example.com\r\nADR;TYPE=WORK:;;软件园二期望海路1号;厦门市;福建省;361000;中国\r\nURL:https://example.com\r\nNOTE:老客户\\n年底回访\\, 先电话\r\nEND:VCARD\r\n";
    let rows = card_cells(text);
    assert_eq!(
        rows[0],
        strings(&[
            "王五",
            "138-0000-2222",
            "0592-5550000",
            "wu@example.com",
            "厦门某某科技有限公司",
            "经理",
            "福建省厦门市软件园二期望海路1号",
            "https://example.com",
            "老客户\n年底回访, 先电话",
        ])
    );
}

#[test]
fn a_4_0_card_with_a_tel_uri_keeps_the_number_as_written() {
    let text = "BEGIN:VCARD\nVERSION:4.0\nFN:赵六\nTEL;TYPE=\"cell,voice\";VALUE=uri:tel:+86-138-1234-5678\nEND:VCARD\n";
    let rows = card_cells(text);
    assert_eq!(field(&rows[0], "mobile"), "+86-138-1234-5678");
}

#[test]
fn every_card_is_a_row_numbered_by_its_place_and_n_stands_in_for_fn() {
    let text = "BEGIN:VCARD\nVERSION:3.0\nN:Smith;John;;;\nEMAIL:john@example.com\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nN:陈;小明;;;\nADR:;;1 Main St;Springfield;IL;62701;USA\nEND:VCARD\n\
                BEGIN:VCARD\nVERSION:3.0\nNOTE:folded \n line\nFN:Last\n";
    let dir = Dir::new();
    let rows = rows(table(&dir.file("many.vcf", text)));
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.number, field(&r.cells, "name").to_owned()))
        .collect();
    // The second card is empty and skipped; the last lacks END:VCARD.
    assert_eq!(
        got,
        [
            (1, "John Smith".to_owned()),
            (3, "陈小明".into()),
            (4, "Last".into())
        ]
    );
    assert_eq!(
        field(&rows[1].cells, "address"),
        "1 Main St, Springfield, IL, 62701, USA"
    );
    assert_eq!(field(&rows[2].cells, "notes"), "folded line");
}

#[test]
fn undeclared_gbk_and_base64_values_are_decoded() {
    let (gb, _, _) = GB18030.encode("周七");
    let mut bytes = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:".to_vec();
    bytes.extend_from_slice(&gb);
    bytes.extend_from_slice(b"\r\nTITLE;ENCODING=BASE64;CHARSET=UTF-8:5oC755uR\r\nEND:VCARD\r\n");
    let dir = Dir::new();
    let rows = rows(table(&dir.file("old-phone.vcf", &bytes)));
    assert_eq!(field(&rows[0].cells, "name"), "周七");
    assert_eq!(field(&rows[0].cells, "title"), "总监");
}

#[test]
fn a_nested_agent_card_does_not_become_a_row() {
    let text =
        "BEGIN:VCARD\nFN:Boss\nAGENT:BEGIN:VCARD\nFN:Assistant\nEND:VCARD\nTITLE:CEO\nEND:VCARD\n";
    let rows = card_cells(text);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (field(&rows[0], "name"), field(&rows[0], "title")),
        ("Boss", "CEO")
    );
}
