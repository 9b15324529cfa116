//! Imports and batch updates at the storage level: what each row does under
//! each duplicate policy, dry runs, resuming, and undo back to the exact
//! previous state. Files and their formats are tested in kehu-io. Runs on
//! SQLite by default and on PostgreSQL when KEHU_TEST_DATABASE names a
//! server.

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::{schema, ChangeSource, CustomerId};
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::import::{Batch, BatchKind, Counts, ImportOptions, Issue, Policy, Seen, SourceRow};
use kehu_store::testing::TestDb;
use kehu_store::write::Ctx;
use kehu_store::Store;
use serde_json::{json, Value};

fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

async fn admin(store: &Store) -> Ctx {
    let u = store
        .create_user(
            None,
            patch(
                schema::USER,
                json!({"email": "admin@example.com", "name": "管理员", "role": "admin"}),
            ),
            None,
        )
        .await
        .unwrap();
    Ctx::new(u.actor(), ChangeSource::Import)
}

async fn customer(store: &Store, ctx: &Ctx, fields: Value) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

const HEADERS: &[&str] = &[
    "姓名",
    "手机",
    "邮箱",
    "公司",
    "职位",
    "阶段",
    "标签",
    "外部编号",
];

fn options(kind: BatchKind, policy: Policy) -> ImportOptions {
    let headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let mapping = kehu_core::columns::guess_all(&headers, &[])
        .into_iter()
        .map(|t| t.map(|t| t.key()))
        .collect();
    ImportOptions {
        kind,
        policy,
        headers,
        mapping,
        sheet: None,
        header_row: None,
        // Strict: an invalid value of any field rejects its row, as these
        // tests of policies, resuming and undo expect. Rows imported with
        // warnings have a test of their own.
        strict: true,
        description: None,
    }
}

fn rows(rows: &[[&str; 8]]) -> Vec<SourceRow> {
    rows.iter()
        .enumerate()
        .map(|(i, cells)| SourceRow {
            number: i as u64 + 2,
            cells: cells.iter().map(|c| c.to_string()).collect(),
        })
        .collect()
}

/// Runs an import of `source` in chunks of `chunk` rows, as the file
/// driver does; a dry run when `dry`.
async fn import(
    store: &Store,
    ctx: &Ctx,
    options: &ImportOptions,
    source: &[SourceRow],
    chunk: usize,
    dry: bool,
) -> (Option<Batch>, Counts, Vec<Issue>) {
    let preparer = store.preparer(options).await.unwrap();
    let mut batch = if dry {
        None
    } else {
        Some(
            store
                .begin_import(ctx, "test.csv", None, Some("sha"), options)
                .await
                .unwrap(),
        )
    };
    let mut seen = if dry {
        Seen::whole_file()
    } else {
        Seen::default()
    };
    let mut counts = Counts::default();
    let mut issues = Vec::new();
    for part in source.chunks(chunk) {
        let prepared = part.iter().cloned().map(|r| preparer.prepare(r)).collect();
        let out = store
            .import_chunk(ctx, options, batch.as_mut(), &preparer, prepared, &mut seen)
            .await
            .unwrap();
        counts.add(&out.counts);
        issues.extend(out.issues);
    }
    let batch = match batch {
        Some(b) => Some(store.finish_import(&ctx.actor, &b).await.unwrap()),
        None => None,
    };
    (batch, counts, issues)
}

fn codes(issue: &Issue) -> Vec<(String, String)> {
    issue
        .reasons
        .iter()
        .map(|r| (r.field.clone(), r.code.clone()))
        .collect()
}

async fn all_customers(store: &Store, ctx: &Ctx) -> Vec<Customer> {
    let mut out = Vec::new();
    for id in 1..=200 {
        if let Ok(c) = store.customer(&ctx.actor, CustomerId(id)).await {
            out.push(c);
        }
    }
    out
}

const FILE: &[[&str; 8]] = &[
    [
        "张三",
        "138 1234 5678",
        "zhang@example.com",
        "北京某某科技有限公司",
        "经理",
        "成交客户",
        "重点，展会",
        "",
    ],
    ["李四", "12345", "not-an-email", "", "", "", "", ""],
    ["王五", "13900000001", "", "", "", "", "", ""],
    ["张三丰", "", "ZHANG@example.com", "", "", "", "", ""],
    ["", "13700000000", "", "", "", "", "", ""],
    ["赵六", "", "", "", "", "老板", "", ""],
    [
        "Smith",
        "+86 137-0000-0009",
        "smith@example.com",
        "",
        "",
        "Prospect",
        "",
        "CRM-9",
    ],
];

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
async fn a_dry_run_predicts_the_real_counts_and_writes_nothing() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    customer(
        &store,
        &ctx,
        json!({"name": "王五老客户", "mobile": "13900000001"}),
    )
    .await;
    let options = options(BatchKind::Import, Policy::Skip);
    let (batch, dry, issues) = import(&store, &ctx, &options, &rows(FILE), 3, true).await;
    assert!(batch.is_none());
    assert_eq!(
        dry,
        Counts {
            created: 2,
            updated: 0,
            unchanged: 0,
            skipped: 2,
            rejected: 3,
            warned: 0,
        }
    );
    // Nothing written: a dry run meets an earlier row of the file by row.
    let dup = issues.iter().find(|i| i.row == 5).unwrap();
    assert_eq!(dup.match_row, Some(2));
    assert_eq!(all_customers(&store, &ctx).await.len(), 1);
    let (_, real, _) = import(&store, &ctx, &options, &rows(FILE), 3, false).await;
    assert_eq!(real, dry);
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing_the_second_time() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    for policy in [Policy::Skip, Policy::Fill, Policy::Overwrite] {
        let options = options(BatchKind::Import, policy);
        import(&store, &ctx, &options, &rows(FILE), 4, false).await;
        let before = all_customers(&store, &ctx).await;
        let (_, again, _) = import(&store, &ctx, &options, &rows(FILE), 4, false).await;
        assert_eq!(again.created, 0, "{policy:?}");
        assert_eq!(again.updated, 0, "{policy:?}");
        let after = all_customers(&store, &ctx).await;
        assert_eq!(
            before.iter().map(|c| (c.id, c.version)).collect::<Vec<_>>(),
            after.iter().map(|c| (c.id, c.version)).collect::<Vec<_>>(),
            "{policy:?}"
        );
    }
}

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
async fn undo_removes_created_records_and_refuses_to_overwrite_later_work_unless_forced() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let keep = customer(
        &store,
        &ctx,
        json!({"name": "老客户", "mobile": "13900000001"}),
    )
    .await;
    let options = options(BatchKind::Import, Policy::Skip);
    let (batch, counts, _) = import(&store, &ctx, &options, &rows(FILE), 3, false).await;
    let batch = batch.unwrap();
    assert_eq!(counts.created, 2);

    // Someone works on an imported record after the import.
    let zhang = store
        .find_customer_by(&ctx.actor, "mobile", "13812345678")
        .await
        .unwrap();
    store
        .update_customer(
            &ctx,
            CustomerId(zhang.id),
            CustomerInput {
                patch: parse_object(
                    json!({"title": "副总"}).as_object().unwrap(),
                    schema::CUSTOMER,
                    &[],
                    Mode::Update,
                )
                .unwrap(),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let refused = store.undo_import(&ctx, batch.id, false).await.unwrap();
    assert!(!refused.done);
    assert_eq!(refused.conflict_count, 1);
    assert_eq!(refused.conflicts, vec![zhang.id]);
    assert_eq!(all_customers(&store, &ctx).await.len(), 3);

    let forced = store.undo_import(&ctx, batch.id, true).await.unwrap();
    assert!(forced.done);
    assert_eq!(forced.removed, 2);
    let left = all_customers(&store, &ctx).await;
    assert_eq!(left.iter().map(|c| c.id).collect::<Vec<_>>(), vec![keep.id]);
    let undone = store.import_batch(&ctx.actor, batch.id).await.unwrap();
    assert_eq!(undone.status, "undone");
    assert!(store.undo_import(&ctx, batch.id, false).await.is_err());

    // The same file imports again after an undo.
    let (_, again, _) = import(&store, &ctx, &options, &rows(FILE), 3, false).await;
    assert_eq!(again.created, 2);
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
async fn a_resumed_batch_continues_after_its_last_committed_chunk_and_its_old_writer_is_shut_out() {
    let (store, _db) = TestDb::create().await;
    let ctx = admin(&store).await;
    let options = options(BatchKind::Import, Policy::Skip);
    let source = rows(FILE);
    let preparer = store.preparer(&options).await.unwrap();
    let mut first = store
        .begin_import(&ctx, "f.csv", None, Some("sha-resume"), &options)
        .await
        .unwrap();
    let chunk = |rows: &[SourceRow]| rows.iter().cloned().map(|r| preparer.prepare(r)).collect();
    store
        .import_chunk(
            &ctx,
            &options,
            Some(&mut first),
            &preparer,
            chunk(&source[..3]),
            &mut Seen::default(),
        )
        .await
        .unwrap();
    // The process dies here. Running the same file again finds the batch.
    let found = store
        .resumable_import(&ctx.actor, "sha-resume")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, first.id);
    let mut resumed = store.claim_import(&ctx.actor, found.id).await.unwrap();
    assert_eq!(resumed.rows_done, 3);
    // The old writer, were it still alive, can no longer commit.
    let late = store
        .import_chunk(
            &ctx,
            &options,
            Some(&mut first),
            &preparer,
            chunk(&source[3..]),
            &mut Seen::default(),
        )
        .await;
    assert!(late.is_err());
    let done = resumed.rows_done as usize;
    store
        .import_chunk(
            &ctx,
            &options,
            Some(&mut resumed),
            &preparer,
            chunk(&source[done..]),
            &mut Seen::default(),
        )
        .await
        .unwrap();
    let finished = store.finish_import(&ctx.actor, &resumed).await.unwrap();
    assert_eq!(finished.rows_done, 7);
    // Without the old 王五 of the other tests, row 4 creates one.
    assert_eq!(
        finished.counts,
        Counts {
            created: 3,
            updated: 0,
            unchanged: 0,
            skipped: 1,
            rejected: 3,
            warned: 0,
        }
    );
    assert_eq!(all_customers(&store, &ctx).await.len(), 3);
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
