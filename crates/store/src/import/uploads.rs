//! What the store keeps of an uploaded file: its owner, name, format and
//! content hash, and the key the file is sealed with on disk, itself sealed
//! under the vault's key. The file's bytes stay where the server keeps its
//! files; this is what finds and opens them.

use kehu_core::crypto::file::FileKey;
use kehu_core::UserId;

use crate::db::q;
use crate::{Error, Result, Store};

/// What an upload's file key is sealed for.
pub(crate) const UPLOAD_KEY: &str = "uploads.file_key";

/// A kept upload.
#[derive(Debug, Clone)]
pub struct UploadRecord {
    /// The random id the upload is known by.
    pub token: String,
    pub owner: UserId,
    /// The name the file had on the user's computer.
    pub name: String,
    /// The format's usual extension ("csv", "xlsx" …).
    pub format: String,
    pub sha256: String,
    pub key: FileKey,
    pub received_at: i64,
}

impl Store {
    /// Records an upload whose file has been written, sealed with
    /// `record.key`.
    pub async fn add_upload(&self, record: &UploadRecord) -> Result<()> {
        let key = self.vault().seal(UPLOAD_KEY, &record.key.to_hex())?;
        self.db
            .execute(
                q("INSERT INTO uploads (token, owner, name, format, sha256, file_key, received_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&record.token)
                .bind(record.owner.0)
                .bind(&record.name)
                .bind(&record.format)
                .bind(&record.sha256)
                .bind(key)
                .bind(record.received_at),
            )
            .await?;
        Ok(())
    }

    /// The upload with this token, whoever owns it (callers check).
    pub async fn upload(&self, token: &str) -> Result<Option<UploadRecord>> {
        let row: Option<(String, i64, String, String, String, String, i64)> = self
            .db
            .optional(
                q(
                    "SELECT token, owner, name, format, sha256, file_key, received_at \
                   FROM uploads WHERE token = $1",
                )
                .bind(token),
            )
            .await?;
        let Some((token, owner, name, format, sha256, key, received_at)) = row else {
            return Ok(None);
        };
        let key = FileKey::from_hex(&self.vault().open(UPLOAD_KEY, &key)?).ok_or_else(|| {
            Error::internal(format!("upload {token}: a key that is not 32 bytes"))
        })?;
        Ok(Some(UploadRecord {
            token,
            owner: UserId(owner),
            name,
            format,
            sha256,
            key,
            received_at,
        }))
    }

    /// Every kept upload's token and when it was received (a week of
    /// uploads: few enough to list whole).
    pub async fn upload_tokens(&self) -> Result<Vec<(String, i64)>> {
        self.db
            .all(q("SELECT token, received_at FROM uploads ORDER BY id"))
            .await
    }

    /// Forgets uploads whose files are gone: without its key, a sealed
    /// file left behind could not be read by anyone.
    pub async fn forget_uploads(&self, tokens: &[String]) -> Result<u64> {
        let mut forgotten = 0;
        for token in tokens {
            forgotten += self
                .db
                .execute(q("DELETE FROM uploads WHERE token = $1").bind(token))
                .await?;
        }
        Ok(forgotten)
    }
}
