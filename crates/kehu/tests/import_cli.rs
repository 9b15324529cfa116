//! `kehu import` and `kehu export` as a user runs them, on SQLite by default
//! and on PostgreSQL when KEHU_TEST_DATABASE names a server: a dry run, a
//! real run with its rejected rows written out, undo, and an import killed
//! for real half-way and finished by running it again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kehu_store::testing::TestDb;
use serde_json::Value;

mod common;
use common::{json_of, kehu};

const KEHU: &str = env!("CARGO_BIN_EXE_kehu");

/// A CSV of `n` customers: every 50th row has a broken mobile, every 20th
/// repeats the mobile of the row ten before it. Returns the path and the
/// outcome each row must have: (created, skipped, rejected).
fn customers_csv(dir: &Path, n: usize) -> (PathBuf, (i64, i64, i64)) {
    let mut text = String::from("姓名,手机,公司,城市\n");
    let mut seen = HashSet::new();
    let mut expected = (0, 0, 0);
    let mobile = |i: usize| format!("138{:08}", i);
    for i in 0..n {
        let m = if i % 50 == 49 {
            "12345".to_owned()
        } else if i % 20 == 19 {
            mobile(i - 10)
        } else {
            mobile(i)
        };
        if m.len() != 11 {
            expected.2 += 1;
        } else if seen.insert(m.clone()) {
            expected.0 += 1;
        } else {
            expected.1 += 1;
        }
        text.push_str(&format!("客户{i},{m},某某科技{},杭州\n", i % 97));
    }
    let path = dir.join("customers.csv");
    std::fs::write(&path, text).unwrap();
    (path, expected)
}

/// The customers an export finds: (rows, distinct mobiles).
fn exported(db: &str, dir: &Path) -> (usize, usize) {
    let out = dir.join("all.csv");
    let o = kehu(db, dir, &["export", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mobile = header.iter().position(|h| *h == "Mobile").unwrap();
    let mobiles: Vec<String> = lines
        .map(|l| l.split(',').nth(mobile).unwrap_or_default().to_owned())
        .collect();
    let distinct: HashSet<&String> = mobiles.iter().collect();
    (mobiles.len(), distinct.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_writes_nothing_a_run_reports_its_rejected_rows_and_undo_takes_it_all_back() {
    let (_store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let (csv, (created, skipped, rejected)) = customers_csv(dir.path(), 500);
    let file = csv.to_str().unwrap();

    let dry = json_of(&kehu(
        &db.url,
        dir.path(),
        &["import", file, "--dry-run", "--json"],
    ));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["batch_id"], Value::Null);
    assert_eq!(
        (
            dry["created"].as_i64(),
            dry["skipped"].as_i64(),
            dry["rejected"].as_i64()
        ),
        (Some(created), Some(skipped), Some(rejected))
    );
    assert_eq!(exported(&db.url, dir.path()), (0, 0));

    let errors = dir.path().join("rejected.csv");
    let run = json_of(&kehu(
        &db.url,
        dir.path(),
        &[
            "import",
            file,
            "--json",
            "--errors",
            errors.to_str().unwrap(),
        ],
    ));
    assert_eq!(run["status"], "done");
    assert_eq!(run["created"].as_i64(), Some(created));
    assert_eq!(
        exported(&db.url, dir.path()),
        (created as usize, created as usize)
    );
    // The rejected and skipped rows come back with their cells and reasons.
    let text = std::fs::read_to_string(&errors).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as i64, 1 + skipped + rejected);
    assert!(
        lines[0].ends_with("Original row,Import problem"),
        "{}",
        lines[0]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("客户49,12345,") && l.contains("not a valid mainland mobile")),
        "{text}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("客户19,13800000009,") && l.contains("same as row 11")));

    let batch = run["batch_id"].as_i64().unwrap().to_string();
    let undo = kehu(&db.url, dir.path(), &["import", "undo", &batch]);
    assert!(
        undo.status.success(),
        "{}",
        String::from_utf8_lossy(&undo.stderr)
    );
    assert!(String::from_utf8_lossy(&undo.stdout).contains(&format!("{created} created records")));
    assert_eq!(exported(&db.url, dir.path()), (0, 0));
    let again = kehu(&db.url, dir.path(), &["import", "undo", &batch]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already been undone"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_killed_half_way_is_finished_by_running_it_again_with_every_row_once() {
    let (_store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let (csv, (created, skipped, rejected)) = customers_csv(dir.path(), 60_000);
    let file = csv.to_str().unwrap();
    let mut child = Command::new(KEHU)
        .args(["import", file, "--quiet"])
        .current_dir(dir.path())
        .env("KEHU_DATABASE_URL", &db.url)
        .env("KEHU_MASTER_KEY", kehu_store::testing::TEST_MASTER_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some chunks are committed, then kill the process outright.
    let started = Instant::now();
    let done_before_kill = loop {
        let list = kehu(&db.url, dir.path(), &["import", "list", "--json"]);
        let rows = String::from_utf8_lossy(&list.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find_map(|b| b["rows_done"].as_i64())
            .unwrap_or(0);
        if rows >= 4000 {
            break rows;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let (left, _) = exported(&db.url, dir.path());
    assert!(
        (left as i64) < created,
        "the import finished before it could be killed ({done_before_kill} rows seen)"
    );

    let resumed = json_of(&kehu(&db.url, dir.path(), &["import", file, "--json"]));
    assert_eq!(resumed["resumed"], true);
    assert_eq!(resumed["status"], "done");
    assert_eq!(resumed["rows"].as_i64(), Some(60_000));
    assert_eq!(
        (
            resumed["created"].as_i64(),
            resumed["skipped"].as_i64(),
            resumed["rejected"].as_i64()
        ),
        (Some(created), Some(skipped), Some(rejected))
    );
    // Every customer exactly once.
    assert_eq!(
        exported(&db.url, dir.path()),
        (created as usize, created as usize)
    );
    // Running it once more changes nothing.
    let third = json_of(&kehu(&db.url, dir.path(), &["import", file, "--json"]));
    assert_eq!(third["resumed"], false);
    assert_eq!(third["created"].as_i64(), Some(0));
}

/// Every line of standard output as JSON.
fn json_lines(out: &Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "kehu failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicates_imported_from_a_file_are_found_by_dedupe_and_merged_and_unmerged_from_the_command_line(
) {
    let (_store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    // Two pairs of one person each, entered the ways people do; the import
    // itself cannot tell (no shared mobile, e-mail or credit code).
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "外部编号,姓名,手机,邮箱,公司,城市\n\
         E1,张伟,13812345678,,北京某某科技有限公司,北京\n\
         E2,章伟,,zhang.wei@example.com,某某科技（北京）有限公司,北京\n\
         E3,李娜,13900001111,li.na@example.com,上海华联商贸有限公司,上海\n\
         E4,王强,13700002222,,杭州华信贸易有限公司,杭州\n\
         E5,李娜,,,华联商贸（上海）有限公司,上海\n",
    )
    .unwrap();
    let import = json_of(&kehu(
        &db.url,
        dir.path(),
        &["import", csv.to_str().unwrap(), "--json"],
    ));
    assert_eq!(import["created"], 5);

    let clusters = json_lines(&kehu(&db.url, dir.path(), &["dedupe", "--json", "--quiet"]));
    let mut found: Vec<Vec<String>> = clusters
        .iter()
        .map(|c| serde_json::from_value(c["external_ids"].clone()).unwrap())
        .collect();
    found.sort();
    assert_eq!(found, vec![vec!["E1", "E2"], vec!["E3", "E5"]]);
    let li_na = clusters
        .iter()
        .find(|c| c["members"][0]["external_id"] == "E3")
        .unwrap();
    assert!(li_na["score"].as_f64().unwrap() >= 0.6);
    assert!(li_na["reasons"]
        .as_array()
        .unwrap()
        .contains(&Value::from("same_company_core")));

    // Text output names the records and the reasons in words.
    let text = kehu(&db.url, dir.path(), &["dedupe", "--quiet"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("company core equal"), "{text}");
    assert!(text.contains("ext:E5"), "{text}");
    assert!(text.contains("2 clusters of likely duplicates"), "{text}");

    let id = |ext: &str| {
        li_na["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["external_id"] == ext)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
            .to_string()
    };
    let merge = json_of(&kehu(
        &db.url,
        dir.path(),
        &["merge", &id("E3"), &id("E5"), "--json"],
    ));
    let after = json_lines(&kehu(&db.url, dir.path(), &["dedupe", "--json", "--quiet"]));
    assert_eq!(after.len(), 1);
    let merge_id = merge["id"].as_i64().unwrap().to_string();
    let undo = json_of(&kehu(
        &db.url,
        dir.path(),
        &["merge", "undo", &merge_id, "--json"],
    ));
    assert_eq!(undo["done"], true);
    let again = json_lines(&kehu(&db.url, dir.path(), &["dedupe", "--json", "--quiet"]));
    assert_eq!(again.len(), 2);

    // Two people after all: never proposed again.
    let marked = kehu(
        &db.url,
        dir.path(),
        &["merge", "not-duplicate", &id("E3"), &id("E5")],
    );
    assert!(
        marked.status.success(),
        "{}",
        String::from_utf8_lossy(&marked.stderr)
    );
    let left = json_lines(&kehu(&db.url, dir.path(), &["dedupe", "--json", "--quiet"]));
    assert_eq!(left.len(), 1);

    // A bad threshold is refused in words.
    let bad = kehu(&db.url, dir.path(), &["dedupe", "--threshold", "2"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("threshold"));
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_contacts_are_merged_and_unmerged_from_the_command_line() {
    use kehu_core::entry::{parse_object, Mode};
    use kehu_core::{schema, ChangeSource, ContactId};
    use kehu_store::customers::CustomerInput;
    use kehu_store::write::Ctx;

    let (store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let ctx = Ctx::system(ChangeSource::Api);
    let patch =
        |specs, v: Value| parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap();
    let firm = store
        .create_customer(
            &ctx,
            CustomerInput {
                patch: patch(
                    schema::CUSTOMER,
                    serde_json::json!({"kind": "company", "name": "杭州某某贸易有限公司"}),
                ),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for fields in [
        serde_json::json!({"name": "王芳", "mobile": "13700001111", "title": "采购"}),
        serde_json::json!({"name": "王芳", "email": "wf@example.com"}),
    ] {
        let mut fields = fields;
        fields["customer_id"] = firm.id.into();
        ids.push(
            store
                .create_contact(&ctx, patch(schema::CONTACT, fields))
                .await
                .unwrap()
                .id,
        );
    }
    let (a, b) = (ids[0].to_string(), ids[1].to_string());

    let merge = json_of(&kehu(
        &db.url,
        dir.path(),
        &["merge", &a, &b, "--contacts", "--json"],
    ));
    assert_eq!(merge["survivor_id"], ids[0]);
    let kept = store.contact(&ctx.actor, ContactId(ids[0])).await.unwrap();
    assert_eq!(kept.email.as_deref(), Some("wf@example.com"));
    assert!(store.contact(&ctx.actor, ContactId(ids[1])).await.is_err());

    let text = kehu(
        &db.url,
        dir.path(),
        &["merge", "show", &merge["id"].to_string(), "--contacts"],
    );
    assert!(String::from_utf8_lossy(&text.stdout).contains("kehu merge undo"));
    let undo = json_of(&kehu(
        &db.url,
        dir.path(),
        &[
            "merge",
            "undo",
            &merge["id"].to_string(),
            "--contacts",
            "--json",
        ],
    ));
    assert_eq!(undo["done"], true);
    let back = store.contact(&ctx.actor, ContactId(ids[0])).await.unwrap();
    assert_eq!(back.email, None);
    assert!(store.contact(&ctx.actor, ContactId(ids[1])).await.is_ok());

    let clusters = json_lines(&kehu(&db.url, dir.path(), &["dedupe", "--json", "--quiet"]));
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0]["entity"], "contact");
    let marked = kehu(
        &db.url,
        dir.path(),
        &["merge", "not-duplicate", &a, &b, "--contacts"],
    );
    assert!(
        marked.status.success(),
        "{}",
        String::from_utf8_lossy(&marked.stderr)
    );
    let clusters = json_lines(&kehu(&db.url, dir.path(), &["dedupe", "--json", "--quiet"]));
    assert!(clusters.is_empty());
}

#[tokio::test]
async fn leads_are_imported_from_a_file_into_the_pool_with_duplicates_named_and_bad_rows_refused() {
    let (store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("fair.csv");
    std::fs::write(
        &csv,
        "姓名,公司,手机,邮箱,省份,留言,展位号\n\
         王经理,远景贸易有限公司,13711112222,wang@yuanjing.example,浙江,想看演示,A12\n\
         李四,,12345,,,,\n\
         张三,华信科技,13711112222,,上海,,B3\n\
         ,无名公司,13900000000,,,,\n",
    )
    .unwrap();
    let out = json_of(&kehu(
        &db.url,
        dir.path(),
        &[
            "leads",
            "import",
            csv.to_str().unwrap(),
            "--assign",
            "pool",
            "--source",
            "展会",
            "--campaign",
            "2026 春季展",
            "--json",
        ],
    ));
    assert_eq!(out["created"], 2);
    assert_eq!(
        out["duplicates"], 1,
        "the second 137… is named as a duplicate"
    );
    assert_eq!(out["rejected"], 2);
    let rows: Vec<i64> = out["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[0].as_i64().unwrap())
        .collect();
    assert_eq!(rows, [3, 5]);
    assert_eq!(out["unmapped"], serde_json::json!(["展位号"]));

    let admin = kehu_store::testing::user(&store, "admin@example.com", "admin").await;
    let leads = store
        .leads(
            &admin.actor,
            &kehu_store::leads::LeadFilter {
                pool: true,
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(leads.len(), 2);
    let wang = leads.iter().find(|l| l.name == "王经理").unwrap();
    assert_eq!(wang.source.as_deref(), Some("展会"));
    assert_eq!(wang.campaign.as_deref(), Some("2026 春季展"));
    assert_eq!(wang.message.as_deref(), Some("想看演示"));
    assert_eq!(wang.province.as_deref(), Some("浙江省"));

    let bad = kehu(
        &db.url,
        dir.path(),
        &[
            "leads",
            "import",
            csv.to_str().unwrap(),
            "--assign",
            "round_robin",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--assign"));
}

#[tokio::test(flavor = "multi_thread")]
async fn title_rows_and_a_shifted_row_are_handled_and_said_by_the_command_line() {
    let (_store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    // A title and a subtitle above the header; row 5 has an unquoted comma
    // in its address.
    let text = "Customer contacts 2024\nExported by sales\nName,Mobile,Address,Source\n\
                Olivia Smith,13812345678,1 George St,Website\n\
                Jack Brown,13912345678,2 Pitt St, Sydney,Referral\n\
                Mia Wilson,13712345678,3 King St,Trade show\n";
    let file = dir.path().join("contacts.csv");
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();

    let out = kehu(&db.url, dir.path(), &["import", file, "--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Headers taken from row 3"), "{said}");

    let errors = dir.path().join("rejected.csv");
    let run = json_of(&kehu(
        &db.url,
        dir.path(),
        &[
            "import",
            file,
            "--json",
            "--errors",
            errors.to_str().unwrap(),
        ],
    ));
    assert_eq!(run["header_row"], 3);
    assert_eq!(
        (run["created"].as_i64(), run["rejected"].as_i64()),
        (Some(2), Some(1))
    );
    let rejected = std::fs::read_to_string(&errors).unwrap();
    // The row number and reason stay under their headers; the cell the
    // comma split off follows them.
    let line = rejected
        .lines()
        .find(|l| l.starts_with("Jack Brown"))
        .unwrap_or_else(|| panic!("{rejected}"));
    assert!(
        line.starts_with(
            "Jack Brown,13912345678,2 Pitt St, Sydney,5,\"has 5 cells, the header has 4"
        ),
        "{line}"
    );
    assert!(line.ends_with(",Referral"), "{line}");

    // A header row given by hand that maps nothing is refused, and one
    // past the end names the row.
    let out = kehu(
        &db.url,
        dir.path(),
        &["import", file, "--dry-run", "--header-row", "1"],
    );
    assert!(!out.status.success());
    let out = kehu(
        &db.url,
        dir.path(),
        &["import", file, "--dry-run", "--header-row", "60"],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no row 60"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
