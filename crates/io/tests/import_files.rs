//! Files all the way into the database and back out: the files Chinese
//! offices produce (GB18030 CSV with Chinese headers, UTF-8 with a BOM,
//! XLSX with dates and long numbers, vCard 2.1 from a phone) imported with
//! the guessed mapping, and an export that imports back to the same
//! records. Fixtures are written by the tests. Runs on SQLite by default
//! and on PostgreSQL when KEHU_TEST_DATABASE names a server.

use std::path::{Path, PathBuf};

use kehu_core::entry::{parse_object, Mode};
use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::{schema, ChangeSource, CustomerId, Lang};
use kehu_io::export::{export_customers, ExportFormat};
use kehu_io::import::{run, Mapping, Observer, Report, Request};
use kehu_store::customers::Customer;
use kehu_store::import::{Issue, Policy};
use kehu_store::list::CustomerFilter;
use kehu_store::testing::TestDb;
use kehu_store::write::Ctx;
use kehu_store::Store;
use serde_json::json;

async fn admin(store: &Store) -> Ctx {
    let fields = json!({"email": "admin@example.com", "name": "管理员", "role": "admin"});
    let patch = parse_object(fields.as_object().unwrap(), schema::USER, &[], Mode::Create).unwrap();
    let user = store.create_user(None, patch, None).await.unwrap();
    Ctx::new(user.actor(), ChangeSource::Import)
}

#[derive(Default)]
struct Issues(Vec<Issue>);

impl Observer for Issues {
    fn issue(&mut self, _headers: &[String], issue: &Issue) {
        self.0.push(issue.clone());
    }
}

async fn import(store: &Store, ctx: &Ctx, path: &Path, policy: Policy) -> (Report, Vec<Issue>) {
    let mut request = Request::new(path);
    request.policy = policy;
    let mut issues = Issues::default();
    let report = run(store, ctx, &request, &mut issues).await.unwrap();
    (report, issues.0)
}

async fn by_mobile(store: &Store, ctx: &Ctx, mobile: &str) -> Customer {
    store
        .find_customer_by(&ctx.actor, "mobile", mobile)
        .await
        .unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gb18030(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

#[tokio::test]
async fn a_gb18030_csv_with_chinese_headers_imports_with_exact_counts_and_reasons() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = "客户名称,手机号码,电子邮件,单位,省份,客户等级,标签,统一社会信用代码\r\n\
               张三,138-1234-5678,zhang@example.com,北京某某科技有限公司,北京,高,重点，展会,\r\n\
               李四,1381234,,,,,,\r\n\
               王五,13900000001,wang@,,火星,,,\r\n\
               张三,13812345678,,,,,,\r\n\
               赵六,13700000000,,\"上海某某贸易有限公司,第二分公司\",上海市,中,,91350100M000100Y43\r\n\
               ,13600000000,,,,,,\r\n\
               钱七,13500000000,,,,最高,,91350100M000100Y44\r\n";
    let path = write(dir.path(), "客户.csv", &gb18030(csv));
    let (report, issues) = import(&store, &ctx, &path, Policy::Skip).await;
    let c = report.counts;
    assert_eq!((c.created, c.skipped, c.rejected), (2, 1, 4));
    assert_eq!(report.mapping[0].as_deref(), Some("name"));
    assert_eq!(report.mapping[5].as_deref(), Some("value_tier"));

    let reasons: Vec<(i64, Vec<(String, String)>)> = issues
        .iter()
        .map(|i| {
            let mut r: Vec<(String, String)> = i
                .reasons
                .iter()
                .map(|r| (r.field.clone(), r.code.clone()))
                .collect();
            r.sort();
            (i.row, r)
        })
        .collect();
    let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
    assert_eq!(
        reasons,
        vec![
            (3, vec![pair("mobile", "invalid_mobile")]),
            (
                4,
                vec![
                    pair("email", "invalid_email"),
                    pair("province", "invalid_region")
                ]
            ),
            (5, vec![pair("mobile", "duplicate")]),
            (7, vec![pair("name", "required")]),
            (
                8,
                vec![
                    pair("uscc", "uscc_checksum"),
                    pair("value_tier", "invalid_choice")
                ]
            ),
        ]
    );
    // A message in each language comes with every reason.
    assert!(issues[0].reasons[0].message(Lang::ZhCn).contains("手机"));
    assert_eq!(issues[2].match_row, Some(2));

    let zhang = by_mobile(&store, &ctx, "13812345678").await;
    assert_eq!(zhang.name, "张三");
    assert_eq!(zhang.province.as_deref(), Some("北京市"));
    assert_eq!(zhang.value_tier.as_deref(), Some("high"));
    assert_eq!(zhang.tags, vec!["展会".to_string(), "重点".to_string()]);
    let zhao = by_mobile(&store, &ctx, "13700000000").await;
    assert_eq!(
        zhao.company.as_deref(),
        Some("上海某某贸易有限公司,第二分公司")
    );
    assert_eq!(zhao.uscc.as_deref(), Some("91350100M000100Y43"));
}

#[tokio::test]
async fn a_utf8_csv_with_a_bom_and_english_headers_imports_and_a_second_run_changes_nothing() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(
        "Name,Mobile Phone,E-mail,Company,Job Title,Lifecycle Stage\n\
         Alice Smith,+86 139 0000 0002,alice@example.com,Acme Ltd,CTO,Customer\n\
         Bob Jones,13900000003,BOB@Example.com,,,prospect\n"
            .as_bytes(),
    );
    let path = write(dir.path(), "contacts.csv", &bytes);
    let (first, _) = import(&store, &ctx, &path, Policy::Fill).await;
    assert_eq!(first.counts.created, 2);
    let alice = by_mobile(&store, &ctx, "13900000002").await;
    assert_eq!(
        (alice.title.as_deref(), alice.stage.as_str()),
        (Some("CTO"), "customer")
    );
    let bob = by_mobile(&store, &ctx, "13900000003").await;
    assert_eq!(bob.email.as_deref(), Some("BOB@example.com"));

    // The same file again: a new batch, every row matching its record.
    let (second, _) = import(&store, &ctx, &path, Policy::Fill).await;
    assert_ne!(
        second.batch.as_ref().unwrap().id,
        first.batch.as_ref().unwrap().id
    );
    assert_eq!(
        (
            second.counts.created,
            second.counts.updated,
            second.counts.unchanged
        ),
        (0, 0, 2)
    );
    let again = by_mobile(&store, &ctx, "13900000002").await;
    assert_eq!(again.version, alice.version);
}

#[tokio::test]
async fn an_xlsx_with_dates_and_long_numbers_keeps_every_digit() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let def = FieldDef {
        key: FieldKey::parse("signed_on").unwrap(),
        label_zh: "签约日期".into(),
        label_en: "Signed on".into(),
        kind: FieldKind::Date,
        rules: FieldRules::default(),
        sensitive: false,
    };
    store.create_field_definition(&ctx, def, 0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("客户.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
    let sheet = workbook.add_worksheet().set_name("名单").unwrap();
    for (col, header) in ["姓名", "手机", "统一社会信用代码", "签约日期", "外部编号"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "张三").unwrap();
    // Excel keeps a typed-in mobile as a number.
    sheet.write_number(1, 1, 13812345678.0).unwrap();
    sheet.write_string(1, 2, "91350100M000100Y43").unwrap();
    let signed = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 1, 15).unwrap();
    sheet
        .write_datetime_with_format(1, 3, &signed, &date)
        .unwrap();
    sheet.write_number(1, 4, 1234567890123.0).unwrap();
    workbook.save(&path).unwrap();

    let (report, issues) = import(&store, &ctx, &path, Policy::Skip).await;
    assert_eq!(report.counts.created, 1, "{issues:?}");
    assert_eq!(report.mapping[3].as_deref(), Some("custom.signed_on"));
    let zhang = by_mobile(&store, &ctx, "13812345678").await;
    assert_eq!(zhang.uscc.as_deref(), Some("91350100M000100Y43"));
    assert_eq!(zhang.external_id.as_deref(), Some("1234567890123"));
    assert_eq!(zhang.custom.0.get("signed_on"), Some(&json!("2024-01-15")));
}

/// Quoted-printable as phones write it, with a soft line break.
fn quoted_printable(text: &str) -> String {
    let encoded: String = text.bytes().map(|b| format!("={b:02X}")).collect();
    let (head, tail) = encoded.split_at(9);
    format!("{head}=\r\n{tail}")
}

#[tokio::test]
async fn a_vcard_2_1_export_from_a_phone_imports_its_chinese_names() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let vcf = format!(
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{};;;\r\n\
         FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{}\r\nTEL;CELL:+86 138 1234 5678\r\n\
         EMAIL;INTERNET:zhang@example.com\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{}\r\n\
         TEL;CELL:13900000001\r\nORG:某某科技\r\nEND:VCARD\r\n",
        quoted_printable("张三"),
        quoted_printable("张三"),
        quoted_printable("李四光"),
    );
    let path = write(dir.path(), "通讯录.vcf", vcf.as_bytes());
    let (report, issues) = import(&store, &ctx, &path, Policy::Skip).await;
    assert_eq!(report.counts.created, 2, "{issues:?}");
    let zhang = by_mobile(&store, &ctx, "13812345678").await;
    assert_eq!(
        (zhang.name.as_str(), zhang.email.as_deref()),
        ("张三", Some("zhang@example.com"))
    );
    let li = by_mobile(&store, &ctx, "13900000001").await;
    assert_eq!(
        (li.name.as_str(), li.company.as_deref()),
        ("李四光", Some("某某科技"))
    );
}

#[tokio::test]
async fn an_export_imports_back_to_the_same_records_with_formula_cells_neutralised() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = "姓名,手机,备注,阶段,负责人,标签\n\
               张三,13812345678,=1+1,意向,admin@example.com,\"a, b\"\n\
               李四,,@SUM(A1),成交客户,,\n\
               王五,13900000001,-5,,,\n";
    let path = write(dir.path(), "in.csv", csv.as_bytes());
    let (first, issues) = import(&store, &ctx, &path, Policy::Skip).await;
    assert_eq!(first.counts.created, 3, "{issues:?}");
    let before: Vec<Customer> = {
        let mut all = Vec::new();
        for id in 1..10 {
            if let Ok(c) = store.customer(&ctx.actor, CustomerId(id)).await {
                all.push(c);
            }
        }
        all
    };
    assert_eq!(before.len(), 3);

    for (format, name) in [
        (ExportFormat::Csv, "out.csv"),
        (ExportFormat::Xlsx, "out.xlsx"),
    ] {
        let out = dir.path().join(name);
        let file = std::fs::File::create(&out).unwrap();
        let filter = CustomerFilter::from_query("", "filter").unwrap();
        let (_, rows) = export_customers(&store, &ctx.actor, &filter, "", format, Lang::ZhCn, file)
            .await
            .unwrap();
        assert_eq!(rows, 3);
        if format == ExportFormat::Csv {
            let text = std::fs::read_to_string(&out).unwrap();
            assert!(text.starts_with('\u{feff}'));
            assert!(text.contains(",'=1+1,"), "{text}");
            assert!(text.contains(",'@SUM(A1),"), "{text}");
            assert!(text.contains(",'-5,"), "{text}");
            assert!(!text.contains(",=1+1"), "{text}");
        }
        // Every exported row finds its record by id, and changes nothing.
        let (again, issues) = import(&store, &ctx, &out, Policy::Overwrite).await;
        assert_eq!(
            (
                again.counts.created,
                again.counts.updated,
                again.counts.unchanged
            ),
            (0, 0, 3),
            "{name}: {issues:?}"
        );
    }
    for old in before {
        let now = store
            .customer(&ctx.actor, CustomerId(old.id))
            .await
            .unwrap();
        assert_eq!(now.version, old.version);
        assert_eq!(now.notes, old.notes);
    }
    let exports = store.access_log(&ctx.actor, 10).await.unwrap();
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[0].row_count, 3);
}

#[tokio::test]
async fn a_mapping_given_by_hand_overrides_the_guess_and_can_be_saved_as_a_template() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "odd.csv",
        "联系人,号码,备用\n张三,13812345678,老客户\n".as_bytes(),
    );
    let mut request = Request::new(&path);
    request.mapping = Mapping::Spec("号码=mobile,备用=notes".into());
    let report = run(&store, &ctx, &request, &mut ()).await.unwrap();
    assert_eq!(report.counts.created, 1);
    let zhang = by_mobile(&store, &ctx, "13812345678").await;
    assert_eq!(zhang.notes.as_deref(), Some("老客户"));
    store
        .save_import_template(&ctx, "旧系统", &report.headers, &report.mapping)
        .await
        .unwrap();
    let again = write(
        dir.path(),
        "odd2.csv",
        "联系人,号码,备用\n李四,13900000001,新客户\n".as_bytes(),
    );
    let mut request = Request::new(&again);
    request.mapping = Mapping::Template("旧系统".into());
    let report = run(&store, &ctx, &request, &mut ()).await.unwrap();
    assert_eq!(report.counts.created, 1);
    assert_eq!(
        by_mobile(&store, &ctx, "13900000001")
            .await
            .notes
            .as_deref(),
        Some("新客户")
    );
    // A mapping naming a field that does not exist changes nothing.
    let mut request = Request::new(&again);
    request.mapping = Mapping::Spec("号码=phone_number".into());
    assert!(run(&store, &ctx, &request, &mut ()).await.is_err());
}
