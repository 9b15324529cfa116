//! Duplicate policies and batch updates at the storage level: how fill,
//! overwrite and create treat a matched record, which keys find one, and
//! updates that change only the records their rows name. Runs on SQLite
//! by default and on PostgreSQL when KEHU_TEST_DATABASE names a server.

mod common;

use common::importing::{admin, all_customers, codes, customer, import, options, patch, rows};
use kehu_core::entry::{parse_object, Mode};
use kehu_core::{schema, ChangeSource, CustomerId};
use kehu_store::import::{BatchKind, Policy, SourceRow};
use kehu_store::testing::TestDb;
use kehu_store::write::Ctx;
use serde_json::json;

#[tokio::test]
async fn fill_completes_empty_fields_overwrite_replaces_them_and_undo_puts_back_every_value() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let old = customer(
        &store,
        &ctx,
        json!({"name": "张三", "mobile": "13812345678", "company": "旧公司"}),
    )
    .await;
    let row = [[
        "张三",
        "13812345678",
        "zs@example.com",
        "新公司",
        "总监",
        "",
        "新标签",
        "",
    ]];

    let (fill_batch, counts, _) = import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Fill),
        &rows(&row),
        10,
        false,
    )
    .await;
    assert_eq!(counts.updated, 1);
    let filled = store
        .customer(&ctx.actor, CustomerId(old.id))
        .await
        .unwrap();
    assert_eq!(filled.company.as_deref(), Some("旧公司"));
    assert_eq!(filled.title.as_deref(), Some("总监"));
    assert_eq!(filled.email.as_deref(), Some("zs@example.com"));
    assert_eq!(filled.tags, vec!["新标签".to_string()]);

    let (over_batch, counts, _) = import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Overwrite),
        &rows(&row),
        10,
        false,
    )
    .await;
    assert_eq!(counts.updated, 1);
    let over = store
        .customer(&ctx.actor, CustomerId(old.id))
        .await
        .unwrap();
    assert_eq!(over.company.as_deref(), Some("新公司"));

    // Undo the later batch, then the earlier: the record is as it was.
    let report = store
        .undo_import(&ctx, over_batch.unwrap().id, false)
        .await
        .unwrap();
    assert!(report.done);
    assert_eq!(report.restored, 1);
    let back = store
        .customer(&ctx.actor, CustomerId(old.id))
        .await
        .unwrap();
    assert_eq!(back.company.as_deref(), Some("旧公司"));
    assert_eq!(back.title.as_deref(), Some("总监"));
    store
        .undo_import(&ctx, fill_batch.unwrap().id, false)
        .await
        .unwrap();
    let back = store
        .customer(&ctx.actor, CustomerId(old.id))
        .await
        .unwrap();
    assert_eq!(
        (
            back.company,
            back.title,
            back.email,
            back.tags,
            back.name,
            back.mobile
        ),
        (
            old.company,
            old.title,
            old.email,
            old.tags,
            old.name,
            old.mobile
        )
    );
}

#[tokio::test]
async fn an_external_id_finds_the_same_record_again_and_create_never_copies_it() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let first = [["甲公司", "", "", "", "", "", "", "EXT-1"]];
    import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Skip),
        &rows(&first),
        10,
        false,
    )
    .await;
    let renamed = [["甲公司（新名）", "", "", "", "", "", "", "EXT-1"]];
    let (_, counts, _) = import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Overwrite),
        &rows(&renamed),
        10,
        false,
    )
    .await;
    assert_eq!(counts.updated, 1);
    let (_, counts, issues) = import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Create),
        &rows(&renamed),
        10,
        false,
    )
    .await;
    assert_eq!(counts.skipped, 1);
    assert_eq!(
        codes(&issues[0]),
        vec![("external_id".into(), "duplicate".into())]
    );
    let all = all_customers(&store, &ctx).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].name, "甲公司（新名）");

    // Create makes a second record for a mere mobile match.
    let a = [["同号甲", "13811112222", "", "", "", "", "", ""]];
    let b = [["同号乙", "13811112222", "", "", "", "", "", ""]];
    import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Skip),
        &rows(&a),
        10,
        false,
    )
    .await;
    let (_, counts, _) = import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Create),
        &rows(&b),
        10,
        false,
    )
    .await;
    assert_eq!(counts.created, 1);
}

#[tokio::test]
async fn a_mobile_on_a_customers_contact_finds_the_customer() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let company = customer(&store, &ctx, json!({"name": "某某科技", "kind": "company"})).await;
    let contact = parse_object(
        json!({"customer_id": company.id, "name": "李经理", "mobile": "13800000001"})
            .as_object()
            .unwrap(),
        schema::CONTACT,
        &[],
        Mode::Create,
    )
    .unwrap();
    store.create_contact(&ctx, contact).await.unwrap();
    let row = [["李经理", "13800000001", "", "", "", "", "", ""]];
    let (_, counts, issues) = import(
        &store,
        &ctx,
        &options(BatchKind::Import, Policy::Skip),
        &rows(&row),
        10,
        false,
    )
    .await;
    assert_eq!(counts.skipped, 1);
    assert_eq!(issues[0].match_customer_id, Some(company.id));
}

#[tokio::test]
async fn a_batch_update_changes_only_the_records_its_rows_name() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let a = customer(&store, &ctx, json!({"name": "甲", "mobile": "13800000001"})).await;
    let update = [
        ["", "13800000001", "", "", "采购经理", "意向", "", ""],
        ["新人", "13800000002", "", "", "", "", "", ""],
    ];
    let (batch, counts, issues) = import(
        &store,
        &ctx,
        &options(BatchKind::Update, Policy::Overwrite),
        &rows(&update),
        10,
        false,
    )
    .await;
    assert_eq!(counts.updated, 1);
    assert_eq!(counts.rejected, 1);
    assert_eq!(
        codes(&issues[0]),
        vec![("mobile".into(), "not_found".into())]
    );
    let changed = store.customer(&ctx.actor, CustomerId(a.id)).await.unwrap();
    assert_eq!(changed.title.as_deref(), Some("采购经理"));
    assert_eq!(changed.stage, "prospect");
    assert_eq!(changed.name, "甲");
    assert_eq!(all_customers(&store, &ctx).await.len(), 1);
    store
        .undo_import(&ctx, batch.unwrap().id, false)
        .await
        .unwrap();
    let back = store.customer(&ctx.actor, CustomerId(a.id)).await.unwrap();
    assert_eq!((back.title, back.stage), (None, "lead".to_string()));
}

#[tokio::test]
async fn an_update_by_the_id_of_a_record_one_may_not_see_answers_as_for_a_missing_id() {
    let (store, _db) = TestDb::create().await;
    let admin = admin(&store).await;
    let mut reps = Vec::new();
    for (email, name) in [("a@example.com", "甲"), ("b@example.com", "乙")] {
        let user = store
            .create_user(
                Some(&admin),
                patch(
                    schema::USER,
                    json!({"email": email, "name": name, "role": "sales"}),
                ),
                None,
            )
            .await
            .unwrap();
        reps.push(Ctx::new(user.actor(), ChangeSource::Import));
    }
    let theirs = customer(&store, &reps[0], json!({"name": "别人的客户"})).await;
    let mut options = options(BatchKind::Update, Policy::Overwrite);
    options.headers.push("编号".into());
    options.mapping.push(Some("id".into()));
    let row = |id: i64| SourceRow {
        number: 2,
        cells: ["", "", "", "", "经理", "", "", "", &id.to_string()]
            .map(String::from)
            .to_vec(),
    };
    let missing = theirs.id + 1000;
    let mut answers = Vec::new();
    for id in [theirs.id, missing] {
        let (_, counts, issues) = import(&store, &reps[1], &options, &[row(id)], 10, false).await;
        answers.push((counts.rejected, counts.skipped, codes(&issues[0])));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].2, vec![("id".into(), "not_found".into())]);
    let untouched = store
        .customer(&admin.actor, CustomerId(theirs.id))
        .await
        .unwrap();
    assert_eq!(untouched.title, None);
    // Nor is another rep's foreign record told apart by how a number in
    // the row is read: both rows are read by the file's country.
    let abroad = customer(
        &store,
        &reps[0],
        json!({"name": "Olivia Smith", "country": "AU"}),
    )
    .await;
    let row = |id: i64| SourceRow {
        number: 2,
        cells: ["", "0414 089 598", "", "", "", "", "", "", &id.to_string()]
            .map(String::from)
            .to_vec(),
    };
    let mut answers = Vec::new();
    for id in [abroad.id, abroad.id + 1000] {
        let (_, counts, issues) = import(&store, &reps[1], &options, &[row(id)], 10, false).await;
        answers.push((counts.rejected, counts.skipped, codes(&issues[0])));
    }
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn a_row_naming_a_foreign_record_by_external_id_is_read_by_that_records_country() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let olivia = customer(
        &store,
        &ctx,
        json!({"name": "Olivia Smith", "country": "AU", "external_id": "AU-7"}),
    )
    .await;
    // No country column: the instance's is China, the record's Australia.
    let update = [["", "0414 089 598", "", "", "Buyer", "", "", "AU-7"]];
    let (_, counts, issues) = import(
        &store,
        &ctx,
        &options(BatchKind::Update, Policy::Overwrite),
        &rows(&update),
        10,
        false,
    )
    .await;
    assert_eq!((counts.updated, counts.rejected), (1, 0), "{issues:?}");
    let changed = store
        .customer(&ctx.actor, CustomerId(olivia.id))
        .await
        .unwrap();
    assert_eq!(changed.mobile.as_deref(), Some("+61414089598"));
    assert_eq!(
        (changed.country.as_str(), changed.title.as_deref()),
        ("AU", Some("Buyer"))
    );
    // A Chinese record named the same way keeps China's rules.
    customer(&store, &ctx, json!({"name": "张三", "external_id": "CN-1"})).await;
    let wrong = [["", "0414 089 598", "", "", "", "", "", "CN-1"]];
    let (_, counts, _) = import(
        &store,
        &ctx,
        &options(BatchKind::Update, Policy::Overwrite),
        &rows(&wrong),
        10,
        false,
    )
    .await;
    assert_eq!(counts.rejected, 1);
}
