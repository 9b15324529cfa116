//! Running and undoing imports at the storage level: dry runs, importing
//! the same file again, resuming an interrupted batch, and undo back to
//! the exact previous state. Files and their formats are tested in
//! kehu-io. Runs on SQLite by default and on PostgreSQL when
//! KEHU_TEST_DATABASE names a server.

mod common;

use common::importing::{admin, all_customers, customer, import, options, rows, FILE};
use kehu_core::entry::{parse_object, Mode};
use kehu_core::{schema, CustomerId};
use kehu_store::customers::CustomerInput;
use kehu_store::import::{BatchKind, Counts, Policy, Seen, SourceRow};
use kehu_store::testing::TestDb;
use serde_json::json;

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
