//! Uploaded files, kept on disk as `<files_dir>/uploads/<id>.<ext>`,
//! sealed as they arrive under a key of their own
//! (`kehu_core::crypto::file`): a customer list lies there for days, and
//! its clear text never touches the disk. The store keeps who uploaded
//! each file, when, the name the user knows it by, its SHA-256 and its key
//! (sealed under the vault's key, so `kehu keys rotate` reaches it).
//!
//! An upload belongs to the user who sent it: its id is random (never
//! derived from the content, which another user holding the same file could
//! compute) and every use checks the owner, answering "no such upload" to
//! anyone else. The SHA-256 of the content still lets the import driver
//! recognise the same file sent again, to resume its unfinished batch.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, HttpBody};
use axum::extract::Multipart;
use axum::http::StatusCode;
use kehu_core::crypto::file::{FileKey, SealingWriter, PREFIX_LEN};
use kehu_core::UserId;
use kehu_io::{FileError, Format, OpenOptions};
use kehu_store::import::UploadRecord;
use kehu_store::Store;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The largest file kehu takes in.
pub const MAX_UPLOAD_BYTES: u64 = 200 * 1024 * 1024;

/// An uploaded file, found by its id.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub path: PathBuf,
    pub name: String,
    /// The SHA-256 of the content, which names a batch's file for resuming.
    pub sha256: String,
    /// The key the file is sealed with.
    pub key: FileKey,
}

fn uploads_dir(files_dir: &Path) -> PathBuf {
    files_dir.join("uploads")
}

/// How long an upload no running import needs is kept: long enough to map,
/// preview and import it again over a few days.
pub const KEEP_UPLOADS: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Removes uploads older than `keep_for` whose ids `needed` does not hold
/// (the files of unfinished batches), with what the store keeps of them,
/// and files the store knows nothing of (half-received ones, those an
/// older kehu kept) once they are a day old. Returns how many files went.
/// Errors are logged, not returned: what cannot be removed now is tried
/// again next time.
pub async fn sweep(
    store: &Store,
    files_dir: &Path,
    needed: &HashSet<String>,
    keep_for: std::time::Duration,
) -> usize {
    let kept = match store.upload_tokens().await {
        Ok(kept) => kept,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list kept uploads");
            return 0;
        }
    };
    let cutoff = kehu_store::now_ms() - keep_for.as_millis() as i64;
    let expired: HashSet<String> = kept
        .iter()
        .filter(|(token, received)| *received < cutoff && !needed.contains(token))
        .map(|(token, _)| token.clone())
        .collect();
    let known: HashSet<String> = kept.into_iter().map(|(token, _)| token).collect();
    let dir = uploads_dir(files_dir);
    let (removed, gone) = {
        let needed = needed.clone();
        tokio::task::spawn_blocking(move || {
            let removed = remove_files(&dir, &expired, &known, &needed);
            // Forgotten only once its file is gone: a key is never dropped
            // while its file can still be read.
            let left = stems(&dir);
            let gone: Vec<String> = expired.into_iter().filter(|t| !left.contains(t)).collect();
            (removed, gone)
        })
        .await
        .unwrap_or_default()
    };
    if let Err(e) = store.forget_uploads(&gone).await {
        tracing::warn!(error = %e, "cannot forget removed uploads");
    }
    removed
}

/// The ids (names up to the first dot) of the files in `dir`.
fn stems(dir: &Path) -> HashSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashSet::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.split('.').next().map(str::to_owned)
        })
        .collect()
}

/// Removes the files of `expired` uploads, and those of files no kept
/// upload names that are a day old and no unfinished import needs.
fn remove_files(
    dir: &Path,
    expired: &HashSet<String>,
    known: &HashSet<String>,
    needed: &HashSet<String>,
) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let day = std::time::Duration::from_secs(24 * 3600);
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.split('.').next().unwrap_or_default();
        let old = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > day);
        let stale = if known.contains(id) {
            expired.contains(id)
        } else {
            old && !needed.contains(id)
        };
        if !stale {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot remove an old upload")
            }
        }
    }
    removed
}

/// A refusal of a file the format readers cannot open, in both languages.
pub fn file_error(e: FileError) -> ApiError {
    if let FileError::Io(io) = &e {
        if io.kind() != std::io::ErrorKind::InvalidData {
            tracing::warn!(error = %io, "an upload could not be read");
        }
    }
    ApiError::Explained {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: e.code(),
        zh: e.message(true),
        en: e.message(false),
    }
}

fn too_large() -> ApiError {
    let mb = MAX_UPLOAD_BYTES / (1024 * 1024);
    ApiError::Explained {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "file_too_large",
        zh: format!("文件超过 {mb} MB 的上限，请拆分成几个文件再导入"),
        en: format!("The file is larger than the {mb} MB limit; split it into several files"),
    }
}

fn no_upload() -> ApiError {
    ApiError::Explained {
        status: StatusCode::NOT_FOUND,
        code: "no_upload",
        zh: "没有这个上传的文件，请重新上传".into(),
        en: "There is no such uploaded file; upload it again".into(),
    }
}

/// The upload with this id, if it is kept, not expired, and `owner`'s.
/// Another user's upload is answered exactly as a missing one.
pub async fn locate(
    store: &Store,
    files_dir: &Path,
    id: &str,
    owner: UserId,
) -> Result<Upload, ApiError> {
    if !is_id(id) {
        return Err(no_upload());
    }
    let record = store.upload(id).await?.ok_or_else(no_upload)?;
    let age_ms = kehu_store::now_ms().saturating_sub(record.received_at);
    if record.owner != owner || age_ms > KEEP_UPLOADS.as_millis() as i64 {
        return Err(no_upload());
    }
    let path = uploads_dir(files_dir).join(format!("{id}.{}", record.format));
    if !path.is_file() {
        return Err(no_upload());
    }
    Ok(Upload {
        id: record.token,
        path,
        name: record.name,
        sha256: record.sha256,
        key: record.key,
    })
}

/// The key an upload kept at `path` is sealed with; `None` for a file the
/// store knows nothing of (one an older kehu kept in clear).
pub async fn key_of(store: &Store, path: &Path) -> Result<Option<FileKey>, kehu_store::Error> {
    let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
        return Ok(None);
    };
    if !is_id(&stem) {
        return Ok(None);
    }
    Ok(store.upload(&stem).await?.map(|r| r.key))
}

fn is_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A new upload's id: 256 random bits, unguessable and unrelated to the
/// content.
fn new_id() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A file being received: sealed and written to a temporary name and
/// hashed as its pieces arrive, removed unless [`Incoming::finish`] keeps
/// it.
pub struct Incoming {
    file: Option<SealingWriter<std::io::BufWriter<std::fs::File>>>,
    temp: Option<PathBuf>,
    dir: PathBuf,
    name: String,
    owner: UserId,
    key: FileKey,
    hasher: Sha256,
    len: u64,
}

impl Incoming {
    pub fn begin(files_dir: &Path, name: &str, owner: UserId) -> Result<Incoming, ApiError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = uploads_dir(files_dir);
        std::fs::create_dir_all(&dir).map_err(internal)?;
        // The original extension lets the readers tell CSV from TSV.
        let ext: String = Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .filter(|e| e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
            .unwrap_or_default();
        let temp = dir.join(format!(
            ".incoming-{}-{}.{ext}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let key = FileKey::from_bytes(rand::random());
        // Readable by kehu's own user alone, like its key file and backups.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&temp).map_err(internal)?;
        let prefix: [u8; PREFIX_LEN] = rand::random();
        let file =
            SealingWriter::new(std::io::BufWriter::new(file), &key, prefix).map_err(internal)?;
        Ok(Incoming {
            file: Some(file),
            temp: Some(temp),
            dir,
            name: clean_name(name),
            owner,
            key,
            hasher: Sha256::new(),
            len: 0,
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), ApiError> {
        self.len += bytes.len() as u64;
        if self.len > MAX_UPLOAD_BYTES {
            return Err(too_large());
        }
        self.hasher.update(bytes);
        match self.file.as_mut() {
            Some(f) => f.write_all(bytes).map_err(internal),
            None => Err(internal("upload already finished")),
        }
    }

    /// Keeps the file when a reader can open it; otherwise removes it and
    /// says why in the user's words.
    pub async fn finish(mut self, store: &Store) -> Result<Upload, ApiError> {
        if let Some(f) = self.file.take() {
            f.finish().map_err(internal)?;
        }
        let temp = self.temp.clone().ok_or_else(|| internal("no file"))?;
        if self.len == 0 {
            return Err(file_error(FileError::EmptyFile));
        }
        let opened = {
            let temp = temp.clone();
            let options = OpenOptions {
                key: Some(self.key.clone()),
                ..OpenOptions::default()
            };
            tokio::task::spawn_blocking(move || {
                kehu_io::open(&temp, &options).map(|t| t.info.format)
            })
            .await
            .map_err(internal)?
        };
        let format = opened.map_err(file_error)?;
        let id = new_id();
        let sha256 = hex::encode(self.hasher.clone().finalize());
        let path = self.dir.join(format!("{id}.{}", format.as_str()));
        std::fs::rename(&temp, &path).map_err(internal)?;
        self.temp = None;
        let record = UploadRecord {
            token: id.clone(),
            owner: self.owner,
            name: self.name.clone(),
            format: format.as_str().to_owned(),
            sha256: sha256.clone(),
            key: self.key.clone(),
            received_at: kehu_store::now_ms(),
        };
        if let Err(e) = store.add_upload(&record).await {
            // Without its key the file could never be read.
            let _ = std::fs::remove_file(&path);
            return Err(e.into());
        }
        Ok(Upload {
            id,
            path,
            name: self.name.clone(),
            sha256,
            key: self.key.clone(),
        })
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.file = None;
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// A file name as shown back: its last part, without control characters.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "upload".to_owned()
    } else {
        clean
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string().into())
}

/// Receives a file sent as the whole request body.
pub async fn receive_body(
    store: &Store,
    files_dir: &Path,
    name: &str,
    owner: UserId,
    mut body: Body,
) -> Result<Upload, ApiError> {
    let mut incoming = Incoming::begin(files_dir, name, owner)?;
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        match frame {
            None => break,
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    incoming.write(data)?;
                }
            }
            Some(Err(_)) => return Err(ApiError::BadBody("bad_request")),
        }
    }
    incoming.finish(store).await
}

/// Receives a `multipart/form-data` upload: its text fields, and the file
/// of its `file` field. `before_file` sees the text fields that came
/// before the file (a form's CSRF token) and may refuse the upload before
/// any of it is written.
pub async fn receive_multipart(
    store: &Store,
    files_dir: &Path,
    owner: UserId,
    mut multipart: Multipart,
    before_file: impl Fn(&[(String, String)]) -> Result<(), ApiError>,
) -> Result<(Option<Upload>, Vec<(String, String)>), ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::BadBody("bad_request")
        }
    };
    let mut fields = Vec::new();
    let mut upload = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            before_file(&fields)?;
            let file_name = field.file_name().unwrap_or_default().to_owned();
            if file_name.is_empty() {
                // A form sent without choosing a file.
                continue;
            }
            let mut incoming = Incoming::begin(files_dir, &file_name, owner)?;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                incoming.write(&chunk)?;
            }
            upload = Some(incoming.finish(store).await?);
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                value.extend_from_slice(&chunk);
                if value.len() > 64 * 1024 {
                    return Err(ApiError::TooLarge);
                }
            }
            fields.push((name, String::from_utf8_lossy(&value).into_owned()));
        }
    }
    Ok((upload, fields))
}

/// A kept upload's format, from the name it is stored under.
pub fn format_of(path: &Path) -> Option<Format> {
    Format::from_name(&path.extension()?.to_string_lossy())
}

#[cfg(test)]
mod tests {
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
        let long_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 24 * 3600);
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
}
