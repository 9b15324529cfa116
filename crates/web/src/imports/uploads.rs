//! Uploaded files, kept on disk as `<files_dir>/uploads/<id>.<ext>` with a
//! small JSON sidecar holding who uploaded it, when, the name the user
//! knows the file by and its SHA-256.
//!
//! An upload belongs to the user who sent it: its id is random (never
//! derived from the content, which another user holding the same file could
//! compute) and every use checks the owner, answering "no such upload" to
//! anyone else. The SHA-256 of the content still lets the import driver
//! recognise the same file sent again, to resume its unfinished batch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, HttpBody};
use axum::extract::Multipart;
use axum::http::StatusCode;
use kehu_core::UserId;
use kehu_io::{FileError, Format, OpenOptions};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The largest file kehu takes in.
pub const MAX_UPLOAD_BYTES: u64 = 200 * 1024 * 1024;

/// What is kept beside an upload.
#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    /// The name the file had on the user's computer.
    name: String,
    /// The extension of the detected format, which names the stored file.
    ext: String,
    /// Who uploaded it: nobody else may use it.
    owner: i64,
    /// When it was received, in milliseconds since the epoch.
    received_ms: i64,
    /// The SHA-256 of the content.
    sha256: String,
}

/// An uploaded file, found by its id.
#[derive(Debug, Clone)]
pub struct Upload {
    pub id: String,
    pub path: PathBuf,
    pub name: String,
    /// The SHA-256 of the content, which names a batch's file for resuming.
    pub sha256: String,
}

fn uploads_dir(files_dir: &Path) -> PathBuf {
    files_dir.join("uploads")
}

/// How long an upload no running import needs is kept: long enough to map,
/// preview and import it again over a few days.
pub const KEEP_UPLOADS: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Removes uploads older than `keep_for` whose ids `needed` does not hold
/// (the files of unfinished batches), and half-received files older than a
/// day. Returns how many files went. Errors are logged, not returned: a
/// file that cannot be removed now is tried again next time.
pub fn sweep(
    files_dir: &Path,
    needed: &std::collections::HashSet<String>,
    keep_for: std::time::Duration,
) -> usize {
    let dir = uploads_dir(files_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let age = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .unwrap_or_default()
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.split('.').next().unwrap_or_default();
        let stale = if name.starts_with(".incoming-") {
            age(&path) > std::time::Duration::from_secs(24 * 3600)
        } else {
            !needed.contains(id) && age(&path) > keep_for
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
pub fn locate(files_dir: &Path, id: &str, owner: UserId) -> Result<Upload, ApiError> {
    let is_id = id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !is_id {
        return Err(no_upload());
    }
    let dir = uploads_dir(files_dir);
    let sidecar = std::fs::read(dir.join(format!("{id}.json"))).map_err(|_| no_upload())?;
    // A sidecar of an older kehu (no owner) does not parse: upload again.
    let sidecar: Sidecar = serde_json::from_slice(&sidecar).map_err(|_| no_upload())?;
    let age_ms = kehu_store::now_ms().saturating_sub(sidecar.received_ms);
    if sidecar.owner != owner.0 || age_ms > KEEP_UPLOADS.as_millis() as i64 {
        return Err(no_upload());
    }
    let path = dir.join(format!("{id}.{}", sidecar.ext));
    if !path.is_file() {
        return Err(no_upload());
    }
    Ok(Upload {
        id: id.to_owned(),
        path,
        name: sidecar.name,
        sha256: sidecar.sha256,
    })
}

/// A new upload's id: 256 random bits, unguessable and unrelated to the
/// content.
fn new_id() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A file being received: written to a temporary name and hashed as its
/// pieces arrive, removed unless [`Incoming::finish`] keeps it.
pub struct Incoming {
    file: Option<std::fs::File>,
    temp: Option<PathBuf>,
    dir: PathBuf,
    name: String,
    owner: UserId,
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
        let file = std::fs::File::create(&temp).map_err(internal)?;
        Ok(Incoming {
            file: Some(file),
            temp: Some(temp),
            dir,
            name: clean_name(name),
            owner,
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
    pub async fn finish(mut self) -> Result<Upload, ApiError> {
        if let Some(mut f) = self.file.take() {
            f.flush().map_err(internal)?;
        }
        let temp = self.temp.clone().ok_or_else(|| internal("no file"))?;
        if self.len == 0 {
            return Err(file_error(FileError::EmptyFile));
        }
        let opened = {
            let temp = temp.clone();
            tokio::task::spawn_blocking(move || {
                kehu_io::open(&temp, &OpenOptions::default()).map(|t| t.info.format)
            })
            .await
            .map_err(internal)?
        };
        let format = opened.map_err(file_error)?;
        let id = new_id();
        let sha256 = hex::encode(self.hasher.clone().finalize());
        // The sidecar first: a file without one is never found, and is
        // swept away with the half-received ones.
        let sidecar = Sidecar {
            name: self.name.clone(),
            ext: format.as_str().to_owned(),
            owner: self.owner.0,
            received_ms: kehu_store::now_ms(),
            sha256: sha256.clone(),
        };
        let json = serde_json::to_vec(&sidecar).map_err(internal)?;
        std::fs::write(self.dir.join(format!("{id}.json")), json).map_err(internal)?;
        let path = self.dir.join(format!("{id}.{}", format.as_str()));
        std::fs::rename(&temp, &path).map_err(internal)?;
        self.temp = None;
        Ok(Upload {
            id,
            path,
            name: self.name.clone(),
            sha256,
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
    incoming.finish().await
}

/// Receives a `multipart/form-data` upload: its text fields, and the file
/// of its `file` field. `before_file` sees the text fields that came
/// before the file (a form's CSRF token) and may refuse the upload before
/// any of it is written.
pub async fn receive_multipart(
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
            upload = Some(incoming.finish().await?);
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
    use super::*;

    #[test]
    fn old_uploads_go_unless_an_unfinished_import_needs_them() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = uploads_dir(dir.path());
        std::fs::create_dir_all(&uploads).unwrap();
        let long_ago =
            std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 24 * 3600);
        let put = |name: &str, old: bool| {
            let path = uploads.join(name);
            let file = std::fs::File::create(&path).unwrap();
            if old {
                file.set_modified(long_ago).unwrap();
            }
        };
        let (old, needed, fresh) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
        for (id, is_old) in [(&old, true), (&needed, true), (&fresh, false)] {
            put(&format!("{id}.csv"), is_old);
            put(&format!("{id}.json"), is_old);
        }
        put(".incoming-1-1.csv", true);
        let keep = std::collections::HashSet::from([needed.clone()]);
        assert_eq!(sweep(dir.path(), &keep, KEEP_UPLOADS), 3);
        let mut left: Vec<String> = std::fs::read_dir(&uploads)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let want = |id: &str| vec![format!("{id}.csv"), format!("{id}.json")];
        assert_eq!(left, [want(&needed), want(&fresh)].concat());
        // Nothing to sweep is no error.
        assert_eq!(sweep(&dir.path().join("none"), &keep, KEEP_UPLOADS), 0);
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

    #[test]
    fn only_a_well_formed_id_names_an_upload() {
        let dir = Path::new("/nonexistent");
        for id in ["../x", "ABC", &"g".repeat(64), &"a".repeat(63)] {
            assert!(locate(dir, id, UserId(1)).is_err());
        }
    }

    #[tokio::test]
    async fn an_upload_is_found_only_by_its_owner_and_only_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let mut incoming = Incoming::begin(dir.path(), "名单.csv", UserId(7)).unwrap();
        incoming
            .write("姓名,手机\n张三,13812345678\n".as_bytes())
            .unwrap();
        let upload = incoming.finish().await.unwrap();
        assert_eq!(upload.id.len(), 64);
        assert_eq!(
            upload.sha256,
            hex::encode(Sha256::digest("姓名,手机\n张三,13812345678\n"))
        );
        assert_ne!(
            upload.id, upload.sha256,
            "the id says nothing of the content"
        );
        let found = locate(dir.path(), &upload.id, UserId(7)).unwrap();
        assert_eq!(
            (found.name.as_str(), found.path.clone()),
            ("名单.csv", upload.path.clone())
        );
        assert!(matches!(
            locate(dir.path(), &upload.id, UserId(8)),
            Err(ApiError::Explained {
                status: StatusCode::NOT_FOUND,
                code: "no_upload",
                ..
            })
        ));
        // The same content again is another upload.
        let mut again = Incoming::begin(dir.path(), "名单.csv", UserId(7)).unwrap();
        again
            .write("姓名,手机\n张三,13812345678\n".as_bytes())
            .unwrap();
        let again = again.finish().await.unwrap();
        assert_ne!(again.id, upload.id);
        assert_eq!(again.sha256, upload.sha256);
        // Older than the keeping time: gone for its owner too.
        let sidecar = uploads_dir(dir.path()).join(format!("{}.json", upload.id));
        let mut kept: Sidecar = serde_json::from_slice(&std::fs::read(&sidecar).unwrap()).unwrap();
        kept.received_ms -= KEEP_UPLOADS.as_millis() as i64 + 1;
        std::fs::write(&sidecar, serde_json::to_vec(&kept).unwrap()).unwrap();
        assert!(locate(dir.path(), &upload.id, UserId(7)).is_err());
    }
}
