//! The vault: the keys that seal sensitive values and stored secrets, kept
//! outside the database (a key file or `KEHU_MASTER_KEY`), and the one small
//! API every part of kehu uses to seal and open them. What is sealed, where,
//! and how keys rotate live in [`sweep`]; reading and writing the key file
//! in [`keyfile`].

pub mod keyfile;
pub mod sweep;
pub(crate) mod values;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use kehu_core::crypto::{is_sealed, CryptoError, Keyring, NONCE_LEN};
use rand::RngCore;

use crate::{Error, Result};

/// The keys kehu holds, or none (a store opened without them can do
/// everything but read or write sensitive values). Keys from a key file
/// are read again by [`Vault::refresh`], so a running server takes up the
/// key `kehu keys rotate` adds without a restart.
#[derive(Debug)]
pub struct Vault {
    ring: RwLock<Option<Arc<Keyring>>>,
    file: Option<PathBuf>,
}

impl Clone for Vault {
    fn clone(&self) -> Vault {
        Vault {
            ring: RwLock::new(self.snapshot()),
            file: self.file.clone(),
        }
    }
}

impl Vault {
    /// No keys: sealing and opening fail with a message saying so.
    pub fn locked() -> Vault {
        Vault {
            ring: RwLock::new(None),
            file: None,
        }
    }

    pub fn new(ring: Keyring) -> Vault {
        Vault {
            ring: RwLock::new(Some(Arc::new(ring))),
            file: None,
        }
    }

    /// Keys read from `file`, which [`Vault::refresh`] reads again.
    pub fn from_file(ring: Keyring, file: PathBuf) -> Vault {
        Vault {
            file: Some(file),
            ..Vault::new(ring)
        }
    }

    /// Where the keys came from, for messages.
    pub fn describe(&self) -> String {
        match &self.file {
            Some(f) => format!("the key file {}", f.display()),
            None => "the keys kehu was given (KEHU_MASTER_KEY)".to_owned(),
        }
    }

    fn snapshot(&self) -> Option<Arc<Keyring>> {
        self.ring
            .read()
            .map(|r| r.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn ring(&self) -> Result<Arc<Keyring>> {
        self.snapshot().ok_or_else(|| {
            Error::internal(
                "no encryption key: sensitive values can be neither sealed nor read \
                 (start kehu with --key-file or KEHU_MASTER_KEY)",
            )
        })
    }

    /// Reads the key file again and takes up its keys if they changed.
    /// Returns whether they did. Keys from the environment stay as they are.
    pub fn refresh(&self) -> std::result::Result<bool, KeyError> {
        let Some(file) = &self.file else {
            return Ok(false);
        };
        let Some(ring) = keyfile::read(file)? else {
            return Ok(false);
        };
        let ids = |r: &Keyring| {
            r.keys()
                .iter()
                .map(|k| k.id().to_owned())
                .collect::<Vec<_>>()
        };
        if self.snapshot().is_some_and(|old| ids(&old) == ids(&ring)) {
            return Ok(false);
        }
        let mut slot = self.ring.write().unwrap_or_else(|e| e.into_inner());
        *slot = Some(Arc::new(ring));
        Ok(true)
    }

    /// The id of the key that seals new values.
    pub fn current_id(&self) -> Option<String> {
        self.snapshot().map(|r| r.current().id().to_owned())
    }

    /// Seals `plain` for the place `aad` names, under the current key with a
    /// fresh random nonce.
    pub fn seal(&self, aad: &str, plain: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        Ok(self.ring()?.current().seal(aad, plain, nonce))
    }

    /// Opens a sealed value. Text that is not sealed is returned as it is:
    /// it was stored before encryption (or before its field was marked
    /// sensitive) and the start-up sweep has not reached it yet.
    pub fn open(&self, aad: &str, stored: &str) -> Result<String> {
        if !is_sealed(stored) {
            return Ok(stored.to_owned());
        }
        self.ring()?
            .open(aad, stored)
            .map_err(|e| Error::internal(format!("{aad}: {e}")))
    }

    /// Whether `stored` is sealed under the current key (nothing to do for
    /// a rotation).
    pub fn is_current(&self, stored: &str) -> bool {
        kehu_core::crypto::Sealed::parse(stored)
            .is_some_and(|s| self.current_id().as_deref() == Some(s.key_id))
    }

    /// Seals `stored` again under the current key if it is clear text or
    /// sealed under an older key; `None` when it needs nothing.
    pub fn reseal(&self, aad: &str, stored: &str) -> Result<Option<String>> {
        if self.is_current(stored) {
            return Ok(None);
        }
        let plain = self.open(aad, stored)?;
        self.seal(aad, &plain).map(Some)
    }

    /// The blind index of `value` under the current key, to store.
    pub fn blind_index(&self, field: &str, value: &str) -> Result<(String, String)> {
        let ring = self.ring()?;
        let key = ring.current();
        Ok((key.id().to_owned(), key.blind_index(field, value)))
    }

    /// The blind indexes of `value` under every key, to look it up while a
    /// rotation may have left some rows indexed under an older one.
    pub fn lookup_indexes(&self, field: &str, value: &str) -> Result<Vec<String>> {
        Ok(self.ring()?.blind_indexes(field, value))
    }
}

/// A stored secret (a webhook endpoint's signing secret; SMTP and SMS
/// credentials when they come): sealed in the database, opened only to use
/// it. `purpose` binds the sealed text to its use, so a secret copied into
/// another column does not open there.
pub struct Secret;

impl Secret {
    /// The place a secret for `purpose` is sealed for.
    pub fn aad(purpose: &str) -> String {
        format!("secret.{purpose}")
    }

    pub fn seal(vault: &Vault, purpose: &str, secret: &str) -> Result<String> {
        vault.seal(&Secret::aad(purpose), secret)
    }

    pub fn open(vault: &Vault, purpose: &str, stored: &str) -> Result<String> {
        vault.open(&Secret::aad(purpose), stored)
    }
}

/// Why kehu refuses to start with the keys it was given.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    #[error("the key file {path} cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the key file {path} holds no key")]
    Empty { path: String },
    #[error(
        "this database holds values sealed with key {missing}, which {holder} does not have. \
         Start kehu with the key file (--key-file, KEHU_KEY_FILE) or KEHU_MASTER_KEY that \
         belongs to this database; without it those values cannot be read. Nothing was changed."
    )]
    WrongKey { missing: String, holder: String },
    #[error(
        "the key file {path} does not exist, but this database holds values sealed with key \
         {missing}. Restore the key file from your backup or point --key-file / KEHU_KEY_FILE \
         at it; kehu will not make a new key, which could not read them. Nothing was changed."
    )]
    MissingKeyFile { path: String, missing: String },
}
