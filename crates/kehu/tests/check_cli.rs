//! `kehu check` as a script runs it, on SQLite by default and on
//! PostgreSQL when KEHU_TEST_DATABASE names a server: one JSON object with
//! the report's figures, verification tasks created once, the run kept,
//! and the report written to a file on request.

use std::process::Output;

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::{schema, ChangeSource};
use kehu_store::customers::CustomerInput;
use kehu_store::testing::TestDb;
use kehu_store::write::Ctx;
use serde_json::{json, Value};

mod common;
use common::kehu;

fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

/// The one JSON object `kehu check --json` prints.
fn json_of(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "more than one line: {text}");
    common::json_of(out)
}

#[tokio::test]
async fn kehu_check_json_prints_the_report_and_creates_verification_tasks_once() {
    let (store, db) = TestDb::create().await;
    let rep = store
        .create_user(
            None,
            patch(
                schema::USER,
                json!({"email": "rep@example.com", "role": "sales"}),
            ),
            None,
        )
        .await
        .unwrap();
    let ctx = Ctx::new(rep.actor(), ChangeSource::Ui);
    let input = |v: Value| CustomerInput {
        patch: patch(schema::CUSTOMER, v),
        ..Default::default()
    };
    // 20 points, invalid (no phone) and, untouched for 200 days, stale.
    let old = store
        .create_customer(&ctx, input(json!({"name": "张三"})))
        .await
        .unwrap();
    store.backdate_customer(old.id, 200).await.unwrap();
    // 60 points, in the shared pool: no task for anyone.
    let system = Ctx::system(ChangeSource::Ui);
    store
        .create_customer(
            &system,
            input(json!({"name": "李四", "mobile": "13800000001", "email": "l@example.com"})),
        )
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let first = json_of(&kehu(&db.url, dir.path(), &["check", "--json"]));
    assert_eq!(first["verification_tasks_created"], 1);
    assert_eq!(first["scope"], "all");
    assert_eq!(first["customers"]["records"], 2);
    assert_eq!(first["customers"]["invalid"], 1);
    assert_eq!(first["customers"]["incomplete"], 1);
    assert_eq!(first["customers"]["stale"], 1);
    assert_eq!(first["customers"]["average_score"], 40);
    assert_eq!(first["customers"]["distribution"], json!([0, 1, 0, 1, 0]));
    assert_eq!(first["owners"][0]["name"], Value::Null);
    assert_eq!(first["owners"][1]["name"], "rep@example.com");
    assert_eq!(first["owners"][1]["stale"], 1);

    let report = dir.path().join("report.xlsx");
    let second = json_of(&kehu(
        &db.url,
        dir.path(),
        &["check", "--json", "--output", report.to_str().unwrap()],
    ));
    assert_eq!(second["verification_tasks_created"], 0);
    assert_ne!(second["run_id"], first["run_id"]);
    assert!(std::fs::read(&report).unwrap().starts_with(b"PK"));

    let text = kehu(&db.url, dir.path(), &["check"]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("2 customers: 1 invalid, 1 incomplete, 1 not verified in 180 days"),
        "{text}"
    );

    let refused = kehu(&db.url, dir.path(), &["check", "--as", "rep@example.com"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("only administrators and managers may see the data quality report"));
}
