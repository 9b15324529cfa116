//! Rejected rows and warnings of imports at the storage level: the reasons
//! kept for each skipped or rejected row, owners a rep may not give, a
//! landline in the mobile column, and rows imported with a warning. Runs
//! on SQLite by default and on PostgreSQL when KEHU_TEST_DATABASE names a
//! server.

mod common;

use common::importing::{
    admin, all_customers, codes, customer, import, options, patch, rows, FILE,
};
use kehu_core::{schema, ChangeSource};
use kehu_store::import::{BatchKind, Counts, ImportOptions, Policy, SourceRow};
use kehu_store::testing::TestDb;
use kehu_store::write::Ctx;
use serde_json::json;

#[tokio::test]
async fn each_row_is_created_skipped_as_a_duplicate_or_rejected_with_its_reasons() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let existing = customer(
        &store,
        &ctx,
        json!({"name": "王五老客户", "mobile": "13900000001"}),
    )
    .await;
    let options = options(BatchKind::Import, Policy::Skip);
    // Chunks of three: row 5 (张三丰) meets row 2 (张三) across chunks.
    let (batch, counts, issues) = import(&store, &ctx, &options, &rows(FILE), 3, false).await;
    let batch = batch.unwrap();
    assert_eq!(
        counts,
        Counts {
            created: 2,
            updated: 0,
            unchanged: 0,
            skipped: 2,
            rejected: 3,
            warned: 0,
        }
    );
    assert_eq!(batch.counts, counts);
    assert_eq!(batch.rows_done, 7);
    assert_eq!(batch.status, "done");

    let by_row = |n: i64| issues.iter().find(|i| i.row == n).unwrap();
    let mut bad = codes(by_row(3));
    bad.sort();
    assert_eq!(
        bad,
        vec![
            ("email".into(), "invalid_email".into()),
            ("mobile".into(), "invalid_mobile".into())
        ]
    );
    assert_eq!(by_row(3).cells[0], "李四");
    assert_eq!(
        codes(by_row(4)),
        vec![("mobile".into(), "duplicate".into())]
    );
    assert_eq!(by_row(4).match_customer_id, Some(existing.id));
    assert_eq!(codes(by_row(5)), vec![("email".into(), "duplicate".into())]);
    assert_eq!(codes(by_row(6)), vec![("name".into(), "required".into())]);
    assert_eq!(
        codes(by_row(7)),
        vec![("stage".into(), "invalid_choice".into())]
    );

    let zhang = store
        .find_customer_by(&ctx.actor, "mobile", "13812345678")
        .await
        .unwrap();
    assert_eq!(by_row(5).match_customer_id, Some(zhang.id));
    assert_eq!(zhang.stage, "customer");
    assert_eq!(zhang.tags, vec!["展会".to_string(), "重点".to_string()]);
    assert_eq!(zhang.title.as_deref(), Some("经理"));
    let smith = store
        .find_customer_by(&ctx.actor, "email", "smith@example.com")
        .await
        .unwrap();
    assert_eq!(smith.mobile.as_deref(), Some("13700000009"));
    assert_eq!(smith.external_id.as_deref(), Some("CRM-9"));
    assert_eq!(smith.stage, "prospect");

    // The issues are kept with the batch, for the report and download.
    let kept = store
        .import_issues(&ctx.actor, batch.id, 0, 100)
        .await
        .unwrap();
    assert_eq!(kept, issues);
}

#[tokio::test]
async fn a_rep_imports_records_as_their_own_and_may_not_give_them_to_others() {
    let (store, _db) = TestDb::create().await;
    let admin = admin(&store).await;
    let rep = store
        .create_user(
            Some(&admin),
            patch(
                schema::USER,
                json!({"email": "rep@example.com", "name": "小王", "role": "sales"}),
            ),
            None,
        )
        .await
        .unwrap();
    let rep = Ctx::new(rep.actor(), ChangeSource::Import);
    let mut options = options(BatchKind::Import, Policy::Skip);
    options.headers.push("负责人".into());
    options.mapping.push(Some("owner".into()));
    let file: Vec<SourceRow> = vec![
        SourceRow {
            number: 2,
            cells: ["甲", "13800000001", "", "", "", "", "", "", ""]
                .map(String::from)
                .to_vec(),
        },
        SourceRow {
            number: 3,
            cells: [
                "乙",
                "13800000002",
                "",
                "",
                "",
                "",
                "",
                "",
                "admin@example.com",
            ]
            .map(String::from)
            .to_vec(),
        },
        SourceRow {
            number: 4,
            cells: ["丙", "13800000003", "", "", "", "", "", "", "小王"]
                .map(String::from)
                .to_vec(),
        },
        SourceRow {
            number: 5,
            cells: ["丁", "13800000004", "", "", "", "", "", "", "谁也不是"]
                .map(String::from)
                .to_vec(),
        },
    ];
    let (_, counts, issues) = import(&store, &rep, &options, &file, 10, false).await;
    assert_eq!(counts.created, 2);
    assert_eq!(
        codes(&issues[0]),
        vec![("owner_id".into(), "read_only".into())]
    );
    assert_eq!(
        codes(&issues[1]),
        vec![("owner_id".into(), "not_found".into())]
    );
    let mine = store
        .find_customer_by(&rep.actor, "mobile", "13800000001")
        .await
        .unwrap();
    assert_eq!(mine.owner_id, Some(rep.actor.user_id.get()));
}

#[tokio::test]
async fn a_landline_in_the_mobile_column_is_kept_as_the_phone_number() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let options = options(BatchKind::Import, Policy::Skip);
    let file = [
        [
            "北京某某科技有限公司",
            "010-6234 5678",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        ["Catalyst Ltd", "+44 121 250 7768", "", "", "", "", "", ""],
        ["李四", "1381234", "", "", "", "", "", ""],
    ];
    let (_, counts, issues) = import(&store, &ctx, &options, &rows(&file), 10, false).await;
    assert_eq!((counts.created, counts.rejected), (2, 1));
    assert_eq!(
        codes(&issues[0]),
        vec![("mobile".into(), "invalid_mobile".into())]
    );
    let created = all_customers(&store, &ctx).await;
    let phones: Vec<(&str, Option<&str>, Option<&str>)> = created
        .iter()
        .map(|c| (c.name.as_str(), c.phone.as_deref(), c.mobile.as_deref()))
        .collect();
    assert_eq!(
        phones,
        vec![
            ("北京某某科技有限公司", Some("010-62345678"), None),
            ("Catalyst Ltd", Some("+441212507768"), None)
        ]
    );
}

#[tokio::test]
async fn a_row_with_only_secondary_values_wrong_is_imported_without_them_with_a_warning() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let options = ImportOptions {
        strict: false,
        ..options(BatchKind::Import, Policy::Skip)
    };
    // Row 7 (赵六) has a stage kehu does not know; row 3 (李四) a wrong
    // mobile and email, which are keys.
    let (batch, counts, issues) = import(&store, &ctx, &options, &rows(FILE), 3, false).await;
    assert_eq!(
        counts,
        Counts {
            created: 4,
            updated: 0,
            unchanged: 0,
            skipped: 1,
            rejected: 2,
            warned: 1,
        }
    );
    assert_eq!(batch.unwrap().counts, counts);
    let warned = issues.iter().find(|i| i.outcome == "warned").unwrap();
    assert_eq!(warned.row, 7);
    assert_eq!(
        codes(warned),
        vec![("stage".into(), "invalid_choice".into())]
    );
    let zhao = all_customers(&store, &ctx)
        .await
        .into_iter()
        .find(|c| c.name == "赵六")
        .unwrap();
    // The default stage, and the value as the file had it in the notes.
    assert_eq!(zhao.stage, "lead");
    assert_eq!(
        zhao.notes.as_deref(),
        Some("[导入未采用 · not imported] 阶段: 老板")
    );
    // Keys still reject their row whole.
    let li = issues.iter().find(|i| i.row == 3).unwrap();
    assert_eq!(li.outcome, "rejected");
}
