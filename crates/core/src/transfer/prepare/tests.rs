//! Reading a file's row into a candidate, as an import and a batch update
//! do, with no database.

use super::*;

fn cells(row: &[&str]) -> Vec<String> {
    row.iter().map(|c| (*c).to_owned()).collect()
}

/// A preparer for columns name, mobile, email, owner, tags and fax, with
/// two users named 李四 and one 王经理 (w@example.com, team 9).
fn preparer(kind: BatchKind, strict: bool) -> Preparer {
    let mut directory = Directory::default();
    directory.add_user(3, "W@example.com", Some("王经理".to_owned()), Some(9));
    directory.add_user(4, "li1@example.com", Some("李四".to_owned()), None);
    directory.add_user(5, "li2@example.com", Some("李四".to_owned()), None);
    directory.add_team("华东".to_owned(), 9);
    let columns = vec![
        Some(Target::Field("name")),
        Some(Target::Field("mobile")),
        Some(Target::Field("email")),
        Some(Target::Owner),
        Some(Target::Tags),
        Some(Target::Field("fax")),
    ];
    let headers = ["姓名", "手机", "邮箱", "负责人", "标签", "传真"];
    Preparer::new(
        columns,
        Vec::new(),
        directory,
        kind,
        headers.iter().map(|h| (*h).to_owned()).collect(),
        strict,
        Country::CN,
    )
}

fn read(p: &Preparer, row: &[&str]) -> Result<Candidate, Vec<FieldError>> {
    p.prepare(SourceRow {
        number: 2,
        cells: cells(row),
    })
    .parsed
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_row_becomes_a_candidate_with_its_keys_owner_and_tags() {
    let p = preparer(BatchKind::Import, false);
    let c = read(
        &p,
        &[
            "张三",
            "138 0013 8000",
            "Zhang@Example.com",
            "w@example.com",
            "VIP，重点",
            "",
        ],
    )
    .unwrap();
    assert_eq!(c.patch.text("name"), Some("张三"));
    assert_eq!(
        c.keys(),
        vec![
            (Key::Mobile, "13800138000".to_owned()),
            (Key::Email, "zhang@example.com".to_owned()),
        ]
    );
    assert_eq!(c.patch.get("owner_id"), Some(&Some(Stored::Int(3))));
    assert_eq!(c.tags, ["VIP", "重点"]);
    assert!(c.missing.is_empty() && c.warnings.is_empty());
    assert!(c.derived.is_some(), "an import works out search keys here");
    // A batch update creates nothing: no search keys to work out.
    let update = preparer(BatchKind::Update, false);
    assert!(read(&update, &["张三", "13800138000", "", "", "", ""])
        .unwrap()
        .derived
        .is_none());
    // 公海 puts the record in the shared pool.
    let pooled = read(&p, &["张三", "13800138000", "", "公海", "", ""]).unwrap();
    assert_eq!(pooled.patch.get("owner_id"), Some(&None));
}

#[test]
fn an_invalid_key_value_or_a_shifted_row_rejects_the_row_whole() {
    let p = preparer(BatchKind::Import, false);
    let wrong = read(&p, &["张三", "12345", "", "", "", ""]).unwrap_err();
    assert_eq!(fields(&wrong), ["mobile"]);
    let wrong = read(&p, &["张三", "", "not-an-email", "", "", ""]).unwrap_err();
    assert_eq!(fields(&wrong), ["email"]);
    // A cell beyond the header's: the columns would be shifted.
    let shifted = read(&p, &["张三", "", "", "", "", "", "上海"]).unwrap_err();
    assert_eq!(shifted[0].code, Code::ExtraCells);
    // Empty cells beyond it are padding.
    assert!(read(&p, &["张三", "", "", "", "", "", " "]).is_ok());
}

#[test]
fn an_invalid_secondary_value_is_left_out_with_a_warning_unless_strict() {
    let p = preparer(BatchKind::Import, false);
    // An owner named ambiguously and a fax that is no number.
    let row = ["张三", "13800138000", "", "李四", "", "n/a"];
    let c = read(&p, &row).unwrap();
    let mut warned = fields(&c.warnings);
    warned.sort_unstable();
    assert_eq!(warned, ["fax", "owner_id"]);
    assert_eq!(c.patch.get("fax"), None);
    let notes = c.patch.text("notes").unwrap();
    assert!(notes.contains("传真: n/a"), "{notes}");
    assert!(notes.contains("负责人: 李四"), "{notes}");
    let strict = preparer(BatchKind::Import, true);
    let mut refused = read(&strict, &row).unwrap_err();
    refused.sort_by(|a, b| a.field.cmp(&b.field));
    assert_eq!(fields(&refused), ["fax", "owner_id"]);
}

#[test]
fn a_row_without_a_name_is_a_candidate_missing_it() {
    // Fatal only when the row creates: a batch update by mobile needs no
    // name.
    let p = preparer(BatchKind::Update, false);
    let c = read(&p, &["", "13800138000", "", "", "", ""]).unwrap();
    assert_eq!(fields(&c.missing), ["name"]);
}
