//! `kehu backup` and `kehu restore` through the real binary, on SQLite by
//! default and on PostgreSQL when KEHU_TEST_DATABASE names a server (then
//! pg_dump and pg_restore must be installed; without them this fails, it
//! never skips): a backup taken while customers are being added, restored
//! into a new database with the same rows, a second restore into it
//! refused, and no password in anything printed.

use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use kehu_core::schema;
use kehu_store::customers::CustomerInput;
use kehu_store::testing::{patch, user, TestDb};
use kehu_store::Store;
use serde_json::json;

mod common;
use common::{json_of, kehu};

const PASSWORD: &str = "s3cret-pw";

/// The URL with a password in it: PostgreSQL's trust authentication
/// ignores it, and kehu must never print it.
fn with_password(url: &str) -> String {
    match url.strip_prefix("postgres://") {
        Some(rest) => match rest.split_once('@') {
            Some((user, host)) => format!("postgres://{user}:{PASSWORD}@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

fn printed(out: &Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(PASSWORD), "a password was printed: {text}");
    text
}

fn input(n: i64) -> CustomerInput {
    CustomerInput {
        patch: patch(
            schema::CUSTOMER,
            json!({"name": format!("客户{n}"), "mobile": format!("137{n:08}")}),
        ),
        ..Default::default()
    }
}

#[tokio::test]
async fn kehu_backup_while_customers_are_added_then_kehu_restore_into_an_empty_database() {
    let (store, db) = TestDb::create().await;
    let rep = user(&store, "rep@example.com", "sales").await;
    for n in 0..200 {
        store.create_customer(&rep, input(n)).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kehu.backup");
    let url = with_password(&db.url);

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, rep, stop) = (store.clone(), rep, stop.clone());
        tokio::spawn(async move {
            let mut n = 1_000;
            while !stop.load(Ordering::Relaxed) {
                store.create_customer(&rep, input(n)).await.unwrap();
                n += 1;
            }
            n - 1_000
        })
    };
    let (cwd, f, u) = (dir.path().to_owned(), file.clone(), url.clone());
    let out = tokio::task::spawn_blocking(move || {
        kehu(
            &u,
            &cwd,
            &["backup", "--output", f.to_str().unwrap(), "--json"],
        )
    })
    .await
    .unwrap();
    stop.store(true, Ordering::Relaxed);
    let added = writer.await.unwrap();
    printed(&out);
    let record = json_of(&out);
    assert_eq!(record["status"], "ok");
    assert_eq!(record["origin"], "cli");
    assert!(added > 0, "no customer was added while kehu backup ran");
    let in_backup = record["counts"]["customers"].as_i64().unwrap();
    assert!(in_backup >= 200, "{record}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let target = TestDb::create_empty().await;
    let target_url = with_password(&target.url);
    let f = file.to_str().unwrap();
    let out = kehu(&target_url, dir.path(), &["restore", f, "--json"]);
    printed(&out);
    let restored = json_of(&out);
    assert_eq!(restored["kind"], "restore");
    assert_eq!(restored["counts"], record["counts"]);
    let copy = Store::connect(&target.url).await.unwrap();
    assert_eq!(copy.count_rows("customers").await.unwrap(), in_backup);
    let sample: Vec<i64> = vec![1, 2, 100, in_backup - 1, in_backup];
    assert_eq!(
        copy.customer_sample(&sample).await.unwrap(),
        store.customer_sample(&sample).await.unwrap()
    );

    // Again into the same database: refused, in either language, and
    // nothing changed.
    let out = kehu(&target_url, dir.path(), &["restore", f]);
    assert!(!out.status.success());
    let text = printed(&out);
    assert!(text.contains("is not empty"), "{text}");
    let out = kehu(&target_url, dir.path(), &["restore", f, "--lang", "zh-CN"]);
    assert!(!out.status.success());
    assert!(printed(&out).contains("不是空的"));
    assert_eq!(copy.count_rows("customers").await.unwrap(), in_backup);
    copy.close().await;
}

#[tokio::test]
async fn kehu_backup_without_output_writes_a_new_file_in_the_backup_folder() {
    let (_store, db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("nightly");
    let args = ["backup", "--backup-dir", folder.to_str().unwrap()];
    let url = with_password(&db.url);
    let first = kehu(&url, dir.path(), &args);
    assert!(first.status.success(), "{}", printed(&first));
    let text = printed(&first);
    assert!(text.contains("Verified"), "{text}");
    let second = kehu(&url, dir.path(), &args);
    assert!(second.status.success(), "{}", printed(&second));
    let files: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|f| f.starts_with("kehu-")), "{files:?}");
    // A file that is not a backup is refused before anything is touched.
    let target = TestDb::create_empty().await;
    let bogus = dir.path().join("notes.txt");
    std::fs::write(&bogus, "not a backup").unwrap();
    let out = kehu(
        &target.url,
        dir.path(),
        &["restore", bogus.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let text = printed(&out);
    assert!(text.contains("neither"), "{text}");
}
