//! Backups that restore, at the storage level: a backup taken while a task
//! keeps adding customers restores into a new, empty database with the
//! same rows; a database that is not empty is never restored into; the
//! daily backup runs once however many processes try, and retention
//! removes old files. Runs on SQLite by default and on PostgreSQL when
//! KEHU_TEST_DATABASE names a server (pg_dump and pg_restore must then be
//! installed: without them these tests fail, they never skip).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use kehu_core::{schema, ChangeSource};
use kehu_store::backup::{restore, BackupError, BackupSettings, Origin, Plan};
use kehu_store::customers::CustomerInput;
use kehu_store::testing::{patch, user, TestDb};
use kehu_store::write::Ctx;
use kehu_store::{Backend, Store};
use serde_json::json;

fn input(n: i64) -> CustomerInput {
    CustomerInput {
        patch: patch(
            schema::CUSTOMER,
            json!({"name": format!("客户{n}"), "mobile": format!("139{n:08}"),
                   "email": format!("c{n}@example.com")}),
        ),
        ..Default::default()
    }
}

fn backup_file(dir: &tempfile::TempDir, store: &Store) -> std::path::PathBuf {
    dir.path().join(match store.backend() {
        Backend::Sqlite => "kehu.sqlite",
        Backend::Postgres => "kehu.pgdump",
    })
}

#[tokio::test]
async fn a_backup_taken_while_customers_are_added_restores_into_an_empty_database_unchanged() {
    let (store, db) = TestDb::create().await;
    let rep = user(&store, "rep@example.com", "sales").await;
    for n in 0..300 {
        store.create_customer(&rep, input(n)).await.unwrap();
    }
    // A writer adding customers all through the backup.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicI64::new(0));
    let writer = {
        let (store, rep, stop, written) = (store.clone(), rep, stop.clone(), written.clone());
        tokio::spawn(async move {
            let mut n = 1_000;
            while !stop.load(Ordering::Relaxed) {
                store.create_customer(&rep, input(n)).await.unwrap();
                written.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
        })
    };
    while written.load(Ordering::Relaxed) < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = backup_file(&dir, &store);
    let before = written.load(Ordering::Relaxed);
    let record = store
        .backup(&db.url, &file, Origin::Cli, "test")
        .await
        .expect("the backup verifies");
    let during = written.load(Ordering::Relaxed) - before;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(during > 0, "no customer was added while the backup ran");

    // Recorded, with the copy's figures, and readable by kehu's user only.
    assert_eq!(record.status, "ok");
    assert_eq!(record.kind, "backup");
    assert_eq!(record.origin, "cli");
    assert_eq!(record.file, file.display().to_string());
    let size = std::fs::metadata(&file).unwrap().len();
    assert_eq!(record.size_bytes, Some(size as i64));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the backup is readable by others");
    }
    let in_backup = record.counts["customers"];
    let total = store.count_rows("customers").await.unwrap();
    assert!(
        in_backup >= 300 + before && in_backup < total,
        "{in_backup} of {total}"
    );
    assert!(record.counts["history"] > 0);
    assert!(!dir.path().join("kehu.sqlite.partial").exists());

    // Restored into a new database: the same rows.
    let target = TestDb::create_empty().await;
    let restored = restore(&target.url, &file, "test").await.expect("restored");
    assert_eq!(restored.counts, record.counts);
    assert_eq!(restored.record.kind, "restore");
    assert_eq!(restored.record.status, "ok");
    let copy = Store::connect(&target.url).await.unwrap();
    copy.migrate()
        .await
        .expect("kehu migrates the restored database");
    for (table, n) in &record.counts {
        if table != "backups" {
            assert_eq!(copy.count_rows(table).await.unwrap(), *n, "{table}");
        }
    }
    let sample: Vec<i64> = (1..=5).chain(in_backup - 4..=in_backup).collect();
    let original = store.customer_sample(&sample).await.unwrap();
    assert_eq!(original.len(), 10);
    assert_eq!(copy.customer_sample(&sample).await.unwrap(), original);
    // The backup that was running when its copy was taken shows as the one
    // restored, and the restore is recorded after it.
    let admin = ctx_admin().actor;
    let listed = copy.backups(&admin, 10).await.unwrap();
    assert_eq!(listed[0].kind, "restore");
    assert_eq!(listed[1].kind, "backup");
    assert_eq!(listed[1].status, "ok");
    // And it works: a customer can be added, with a new id.
    let added = copy.create_customer(&rep, input(99_999)).await.unwrap();
    assert!(added.id > in_backup);
    copy.close().await;
}

#[tokio::test]
async fn a_restore_refuses_a_database_that_is_not_empty() {
    let (store, db) = TestDb::create().await;
    let rep = user(&store, "rep@example.com", "sales").await;
    store.create_customer(&rep, input(1)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = backup_file(&dir, &store);
    store
        .backup(&db.url, &file, Origin::Cli, "test")
        .await
        .unwrap();

    let (other, target) = TestDb::create().await;
    let them = user(&other, "them@example.com", "sales").await;
    other.create_customer(&them, input(2)).await.unwrap();
    other.create_customer(&them, input(3)).await.unwrap();
    match restore(&target.url, &file, "test").await {
        Err(e @ BackupError::NotEmpty { .. }) => {
            assert!(e.to_string().contains("not empty"), "{e}");
        }
        other => panic!("restored into a database in use: {other:?}"),
    }
    assert_eq!(other.count_rows("customers").await.unwrap(), 2);
    assert_eq!(other.count_rows("backups").await.unwrap(), 0);
}

fn ctx_admin() -> Ctx {
    Ctx::system(ChangeSource::Ui)
}

#[tokio::test]
async fn the_daily_backup_runs_once_and_retention_removes_the_oldest() {
    let (store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan {
        url: db.url.clone(),
        dir: dir.path().join("daily"),
    };
    // Two processes on one database: one backup between them.
    let second = Store::connect(&db.url).await.unwrap();
    let (a, b) = tokio::join!(
        store.daily_backup(&plan, "one"),
        second.daily_backup(&plan, "two")
    );
    let taken = [a.unwrap(), b.unwrap()];
    assert_eq!(taken.iter().filter(|t| t.is_some()).count(), 1);
    assert!(store.daily_backup(&plan, "one").await.unwrap().is_none());

    // Three more days, one backup each.
    let mut files = vec![taken.into_iter().flatten().next().unwrap().0.file];
    for _ in 0..3 {
        store.backdate_backups(1).await.unwrap();
        let (record, _) = store.daily_backup(&plan, "one").await.unwrap().unwrap();
        assert_eq!(record.status, "ok");
        files.push(record.file);
    }
    assert!(files.iter().all(|f| std::path::Path::new(f).exists()));

    // Keep two: the two oldest go, file and all, and are marked removed.
    let keep_two = BackupSettings {
        daily: true,
        keep_days: 30,
        keep_count: 2,
    };
    store
        .set_backup_settings(&ctx_admin(), keep_two)
        .await
        .unwrap();
    let pruned = store.prune_backups(kehu_store::now_ms()).await.unwrap();
    assert_eq!(pruned.removed, vec![files[1].clone(), files[0].clone()]);
    let exists: Vec<bool> = files
        .iter()
        .map(|f| std::path::Path::new(f).exists())
        .collect();
    assert_eq!(exists, [false, false, true, true]);
    let listed = store.backups(&ctx_admin().actor, 10).await.unwrap();
    assert_eq!(listed.iter().filter(|r| r.removed_at.is_some()).count(), 2);

    // Keep a day: the one from yesterday goes; the newest always stays,
    // even when it too is older than the days kept.
    let keep_a_day = BackupSettings {
        keep_days: 1,
        keep_count: 10,
        ..keep_two
    };
    store
        .set_backup_settings(&ctx_admin(), keep_a_day)
        .await
        .unwrap();
    store.backdate_backups(5).await.unwrap();
    store.prune_backups(kehu_store::now_ms()).await.unwrap();
    let exists: Vec<bool> = files
        .iter()
        .map(|f| std::path::Path::new(f).exists())
        .collect();
    assert_eq!(exists, [false, false, false, true]);

    // Off: no backup, however long since the last.
    let off = BackupSettings {
        daily: false,
        ..keep_a_day
    };
    store.set_backup_settings(&ctx_admin(), off).await.unwrap();
    assert!(store.daily_backup(&plan, "one").await.unwrap().is_none());
    second.close().await;
}

#[tokio::test]
async fn only_administrators_set_retention_and_nonsense_is_refused() {
    let (store, _db) = TestDb::create().await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let settings = BackupSettings::default();
    assert!(matches!(
        store.set_backup_settings(&rep, settings).await,
        Err(kehu_store::Error::Forbidden)
    ));
    assert!(store.backups(&rep.actor, 10).await.is_err());
    let none_kept = BackupSettings {
        keep_count: 0,
        ..settings
    };
    assert!(matches!(
        store.set_backup_settings(&ctx_admin(), none_kept).await,
        Err(kehu_store::Error::Invalid(_))
    ));
    assert_eq!(store.backup_settings().await.unwrap(), settings);
}

#[tokio::test]
async fn a_damaged_backup_is_refused_and_nothing_is_restored() {
    let (store, db) = TestDb::create().await;
    let rep = user(&store, "rep@example.com", "sales").await;
    for n in 0..200 {
        store.create_customer(&rep, input(n)).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = backup_file(&dir, &store);
    store
        .backup(&db.url, &file, Origin::Cli, "test")
        .await
        .unwrap();
    // Half the file lost, as on a full disk.
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();

    let target = TestDb::create_empty().await;
    let refused = restore(&target.url, &file, "test").await;
    assert!(refused.is_err(), "a damaged backup was restored");
    // The target is still empty: a second, good restore may go there.
    std::fs::write(&file, &bytes).unwrap();
    let restored = restore(&target.url, &file, "test").await.unwrap();
    assert_eq!(restored.counts["customers"], 200);
}
