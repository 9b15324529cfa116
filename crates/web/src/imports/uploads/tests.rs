use std::collections::HashSet;

use kehu_store::testing::TestDb;

use super::*;

async fn received(store: &Store, dir: &Path, name: &str, owner: i64, text: &str) -> Upload {
    let mut incoming = Incoming::begin(dir, name, UserId(owner)).unwrap();
    incoming.write(text.as_bytes()).unwrap();
    incoming.finish(store).await.unwrap()
}

#[tokio::test]
async fn old_uploads_go_unless_an_unfinished_import_needs_them() {
    let (store, _db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "姓名,手机\n张三,13812345678\n";
    let old = received(&store, dir.path(), "a.csv", 1, text).await;
    let needed = received(&store, dir.path(), "b.csv", 1, text).await;
    let fresh = received(&store, dir.path(), "c.csv", 1, text).await;
    let uploads = uploads_dir(dir.path());
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 24 * 3600);
    let put_old = |name: &str| {
        let file = std::fs::File::create(uploads.join(name)).unwrap();
        file.set_modified(long_ago).unwrap();
    };
    // A half-received file, and what an older kehu kept beside its own.
    put_old(".incoming-1-1.csv");
    put_old(&format!("{}.csv", "d".repeat(64)));
    put_old(&format!("{}.json", "d".repeat(64)));
    // A week is up for the first two, not for the third; the second is
    // still being imported.
    let keep = HashSet::from([needed.id.clone()]);
    let week = KEEP_UPLOADS.as_millis() as i64;
    for upload in [&old, &needed] {
        assert_eq!(upload.sha256, hex::encode(Sha256::digest(text)));
    }
    let backdated = kehu_store::now_ms() - week - 1;
    for token in [&old.id, &needed.id] {
        store
            .forget_uploads(std::slice::from_ref(token))
            .await
            .unwrap();
        store
            .add_upload(&UploadRecord {
                token: token.clone(),
                owner: UserId(1),
                name: "x.csv".into(),
                format: "csv".into(),
                sha256: old.sha256.clone(),
                key: old.key.clone(),
                received_at: backdated,
            })
            .await
            .unwrap();
    }
    assert_eq!(sweep(&store, dir.path(), &keep, KEEP_UPLOADS).await, 4);
    let mut left: Vec<String> = std::fs::read_dir(&uploads)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut want = vec![format!("{}.csv", needed.id), format!("{}.csv", fresh.id)];
    want.sort();
    assert_eq!(left, want);
    // The removed upload's key is forgotten, the others' kept.
    let tokens: Vec<String> = store
        .upload_tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert!(!tokens.contains(&old.id));
    assert!(tokens.contains(&needed.id) && tokens.contains(&fresh.id));
    // Nothing to sweep is no error.
    assert_eq!(
        sweep(&store, &dir.path().join("none"), &keep, KEEP_UPLOADS).await,
        0
    );
}

#[test]
fn shown_names_keep_only_the_last_part() {
    assert_eq!(clean_name("C:\\Users\\张三\\客户.xlsx"), "客户.xlsx");
    assert_eq!(clean_name("../../etc/passwd"), "passwd");
    assert_eq!(clean_name("\u{0}"), "upload");
}

#[test]
fn a_file_over_the_limit_is_refused_and_removed() {
    let dir = std::env::temp_dir().join(format!("kehu-upload-test-{}", std::process::id()));
    let mut incoming = Incoming::begin(&dir, "big.csv", UserId(1)).unwrap();
    let temp = incoming.temp.clone().unwrap();
    incoming.write(b"name\n").unwrap();
    // As if 200 MB had arrived already, without writing them.
    incoming.len = MAX_UPLOAD_BYTES;
    match incoming.write(b"x") {
        Err(ApiError::Explained { status, code, .. }) => {
            assert_eq!(
                (status, code),
                (StatusCode::PAYLOAD_TOO_LARGE, "file_too_large")
            );
        }
        other => panic!("{other:?}"),
    }
    drop(incoming);
    assert!(!temp.exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn only_a_well_formed_id_names_an_upload() {
    let (store, _db) = TestDb::create().await;
    let dir = Path::new("/nonexistent");
    for id in [
        "../x",
        "ABC",
        &"g".repeat(64),
        &"a".repeat(63),
        &"a".repeat(64),
    ] {
        assert!(locate(&store, dir, id, UserId(1)).await.is_err());
    }
}

#[tokio::test]
async fn an_upload_is_sealed_on_disk_and_found_only_by_its_owner_until_it_expires() {
    let (store, _db) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let text = "姓名,手机,身份证号\n张三,13812345678,110101199003071234\n";
    let upload = received(&store, dir.path(), "名单.csv", 7, text).await;
    assert_eq!(upload.id.len(), 64);
    assert_eq!(upload.sha256, hex::encode(Sha256::digest(text)));
    assert_ne!(
        upload.id, upload.sha256,
        "the id says nothing of the content"
    );
    // On disk: sealed, none of the list in clear, for kehu's user only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&upload.path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let raw = std::fs::read(&upload.path).unwrap();
    assert!(kehu_core::crypto::file::is_sealed_file(&raw));
    for clear in ["13812345678", "110101199003071234", "姓名"] {
        let needle = clear.as_bytes();
        assert!(!raw.windows(needle.len()).any(|w| w == needle), "{clear}");
    }
    let found = locate(&store, dir.path(), &upload.id, UserId(7))
        .await
        .unwrap();
    assert_eq!(
        (found.name.as_str(), found.path.clone()),
        ("名单.csv", upload.path.clone())
    );
    // Read back through its key, it is the file that was sent.
    let table = kehu_io::open(
        &found.path,
        &OpenOptions {
            key: Some(found.key.clone()),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert_eq!(table.headers, ["姓名", "手机", "身份证号"]);
    // Without it, it is no file kehu can read.
    assert!(kehu_io::open(&found.path, &OpenOptions::default()).is_err());
    assert!(matches!(
        locate(&store, dir.path(), &upload.id, UserId(8)).await,
        Err(ApiError::Explained {
            status: StatusCode::NOT_FOUND,
            code: "no_upload",
            ..
        })
    ));
    // The same content again is another upload, under another key.
    let again = received(&store, dir.path(), "名单.csv", 7, text).await;
    assert_ne!(again.id, upload.id);
    assert_eq!(again.sha256, upload.sha256);
    assert_ne!(again.key, upload.key);
    // Older than the keeping time: gone for its owner too.
    store
        .forget_uploads(std::slice::from_ref(&upload.id))
        .await
        .unwrap();
    store
        .add_upload(&UploadRecord {
            token: upload.id.clone(),
            owner: UserId(7),
            name: upload.name.clone(),
            format: "csv".into(),
            sha256: upload.sha256.clone(),
            key: upload.key.clone(),
            received_at: kehu_store::now_ms() - KEEP_UPLOADS.as_millis() as i64 - 1,
        })
        .await
        .unwrap();
    assert!(locate(&store, dir.path(), &upload.id, UserId(7))
        .await
        .is_err());
}
