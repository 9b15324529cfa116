//! JSON Lines exports from other systems.

mod common;

use common::{strings, table, Dir};
use kehu_io::{open, FileError, Format, OpenOptions, RowProblem};

#[test]
fn keys_become_headers_in_order_of_first_appearance() {
    let dir = Dir::new();
    let text = concat!(
        "{\"name\":\"张三\",\"mobile\":\"13812345678\",\"tags\":[\"VIP\",\"展会\"]}\n",
        "\n",
        "{\"name\":\"李四\",\"amount\":12000,\"rate\":0.15,\"active\":false,\"fax\":null,\"custom\":{\"level\":\"金牌\"}}\n",
    );
    let t = table(&dir.file("customers.jsonl", text));
    assert_eq!(t.info.format, Format::Jsonl);
    assert_eq!(
        t.headers,
        [
            "name",
            "mobile",
            "tags",
            "amount",
            "rate",
            "active",
            "fax",
            "custom.level"
        ]
    );
    let rows: Vec<_> = t.map(Result::unwrap).collect();
    assert_eq!(rows[0].number, 1);
    assert_eq!(
        rows[0].cells,
        strings(&["张三", "13812345678", "VIP, 展会", "", "", "", "", ""])
    );
    assert_eq!(rows[1].number, 3);
    assert_eq!(
        rows[1].cells,
        strings(&["李四", "", "", "12000", "0.15", "false", "", "金牌"])
    );
}

#[test]
fn a_bad_line_is_refused_alone() {
    let dir = Dir::new();
    let text = "{\"name\":\"a\"}\n[1,2]\n{\"name\":\n{\"name\":\"b\"}\n";
    let t = table(&dir.file("mixed.ndjson", text));
    let results: Vec<_> = t.collect();
    assert_eq!(results.len(), 4);
    assert!(matches!(
        &results[1],
        Err(FileError::BadRow {
            number: 2,
            problem: RowProblem::NotAnObject
        })
    ));
    let Err(e) = &results[2] else {
        panic!("line 3 should fail")
    };
    assert_eq!(e.code(), "bad_row");
    assert!(e.message(false).starts_with("row 3: not valid JSON"));
    assert_eq!(results[3].as_ref().unwrap().cells, ["b"]);
}

#[test]
fn a_key_first_seen_after_line_1000_refuses_its_row() {
    let dir = Dir::new();
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!("{{\"name\":\"n{i}\"}}\n"));
    }
    text.push_str("{\"name\":\"late\",\"vip\":true}\n");
    text.push_str("{\"name\":\"quiet\",\"vip\":null}\n");
    let rows: Vec<_> = table(&dir.file("long.jsonl", &text)).collect();
    assert_eq!(rows.len(), 1002);
    let e = rows[1000].as_ref().unwrap_err();
    assert!(
        matches!(e, FileError::BadRow { number: 1001, problem: RowProblem::UnknownKey(k) } if k == "vip")
    );
    assert!(e.message(true).contains("“vip”"));
    // An empty value under an unknown key loses nothing, so the row is kept.
    assert_eq!(rows[1001].as_ref().unwrap().cells, ["quiet"]);
}

#[test]
fn a_jsonl_file_with_only_blank_lines_is_empty() {
    let dir = Dir::new();
    let options = OpenOptions {
        format: Some(Format::Jsonl),
        sheet: None,
        ..OpenOptions::default()
    };
    let e = open(&dir.file("blank.jsonl", "\n \n"), &options)
        .err()
        .unwrap();
    assert_eq!(e.code(), "empty_file");
}

#[test]
fn a_utf8_bom_before_the_first_object_is_ignored() {
    let dir = Dir::new();
    let t = table(&dir.file("bom.jsonl", "\u{FEFF}{\"名称\":\"x\"}\n"));
    assert_eq!(t.headers, ["名称"]);
}
