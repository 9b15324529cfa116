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

mod sweep;

pub use sweep::{sweep, KEEP_UPLOADS};

fn uploads_dir(files_dir: &Path) -> PathBuf {
    files_dir.join("uploads")
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
mod tests;
