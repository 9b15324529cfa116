//! Encryption at rest, as pure functions: AES-256-GCM for values kehu must
//! read back (sensitive fields, stored secrets) and HMAC-SHA256 "blind
//! indexes" for finding them by exact value without decrypting. Keys come
//! from outside (the store's vault loads them); nonces too, so everything
//! here is deterministic and testable.
//!
//! A sealed value is text, so it fits the TEXT and JSON columns values
//! already live in: `enc:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`.
//! The key id says which key opens it, so keys can rotate one value at a
//! time.

pub mod file;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What every sealed value starts with. Nothing else kehu stores does.
pub const SEALED_PREFIX: &str = "enc:v1:";
pub const NONCE_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("a key must be 32 bytes, written as 64 hex digits or in base64")]
    BadKeyText,
    #[error("the value is sealed with key {0}, which is not among the keys given to kehu")]
    UnknownKey(String),
    #[error("the value cannot be opened: it was changed, or sealed for another field or key")]
    Tampered,
    #[error("not a sealed value")]
    NotSealed,
}

/// One master key and the keys derived from it. Its id is a fingerprint,
/// so the same key always has the same id and a wrong key is recognised
/// without ever storing the key.
#[derive(Clone)]
pub struct Key {
    id: String,
    aead: Aes256Gcm,
    index: [u8; 32],
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material.
        write!(f, "Key({})", self.id)
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Key {
    pub fn from_bytes(master: &[u8; 32]) -> Key {
        // Separate keys for separate purposes: a blind index never reveals
        // anything about the encryption key, nor the id about either.
        let id = hex::encode(&derive(master, "kehu key id v1")[..4]);
        let enc = derive(master, "kehu encryption v1");
        Key {
            id,
            aead: Aes256Gcm::new((&enc).into()),
            index: derive(master, "kehu blind index v1"),
        }
    }

    /// A key as written in a key file or `KEHU_MASTER_KEY`: 64 hex digits
    /// or base64 (standard or URL-safe) of 32 bytes.
    pub fn parse(text: &str) -> Result<Key, CryptoError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).ok()
        } else {
            STANDARD
                .decode(text)
                .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
                .ok()
        };
        let bytes: [u8; 32] = bytes
            .and_then(|b| b.try_into().ok())
            .ok_or(CryptoError::BadKeyText)?;
        Ok(Key::from_bytes(&bytes))
    }

    /// The text form of 32 key bytes, for a key file.
    pub fn encode(master: &[u8; 32]) -> String {
        STANDARD.encode(master)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Encrypts `plain` for the place `aad` names (e.g.
    /// `customer.custom.id_card`), so a sealed value copied to another
    /// field does not open there.
    pub fn seal(&self, aad: &str, plain: &str, nonce: [u8; NONCE_LEN]) -> String {
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: aad.as_bytes(),
        };
        let cipher = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("AES-GCM encrypts any message kehu stores");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&cipher);
        format!(
            "{SEALED_PREFIX}{}:{}",
            self.id,
            URL_SAFE_NO_PAD.encode(bytes)
        )
    }

    fn open_bytes(&self, aad: &str, bytes: &[u8]) -> Result<String, CryptoError> {
        if bytes.len() < NONCE_LEN {
            return Err(CryptoError::Tampered);
        }
        let (nonce, cipher) = bytes.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: cipher,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Tampered)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Tampered)
    }

    /// The blind index of `value` in field `field`: equal values give equal
    /// hashes under one key, and nothing about the value can be learned
    /// from it without the key.
    pub fn blind_index(&self, field: &str, value: &str) -> String {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.index).expect("any key length");
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

/// A sealed value taken apart: which key, and the bytes it sealed.
#[derive(Debug, PartialEq, Eq)]
pub struct Sealed<'a> {
    pub key_id: &'a str,
    body: &'a str,
}

impl<'a> Sealed<'a> {
    pub fn parse(text: &'a str) -> Option<Sealed<'a>> {
        let rest = text.strip_prefix(SEALED_PREFIX)?;
        let (key_id, body) = rest.split_once(':')?;
        (key_id.len() == 8 && key_id.bytes().all(|b| b.is_ascii_hexdigit()))
            .then_some(Sealed { key_id, body })
    }
}

pub fn is_sealed(text: &str) -> bool {
    Sealed::parse(text).is_some()
}

/// The keys kehu holds: the last one seals new values, all of them open.
#[derive(Debug, Clone)]
pub struct Keyring {
    keys: Vec<Key>,
}

impl Keyring {
    /// Keys oldest first; the last is current. At least one.
    pub fn new(keys: Vec<Key>) -> Option<Keyring> {
        (!keys.is_empty()).then_some(Keyring { keys })
    }

    pub fn current(&self) -> &Key {
        self.keys.last().expect("a keyring holds a key")
    }

    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    pub fn get(&self, id: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.id == id)
    }

    pub fn open(&self, aad: &str, text: &str) -> Result<String, CryptoError> {
        let sealed = Sealed::parse(text).ok_or(CryptoError::NotSealed)?;
        let key = self
            .get(sealed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(sealed.key_id.to_owned()))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(sealed.body)
            .map_err(|_| CryptoError::Tampered)?;
        key.open_bytes(aad, &bytes)
    }

    /// The value's blind index under every key, for lookups while a
    /// rotation is under way (some rows still indexed under the old key).
    pub fn blind_indexes(&self, field: &str, value: &str) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| k.blind_index(field, value))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> Key {
        Key::from_bytes(&[b; 32])
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_its_field() {
        let k = key(1);
        let sealed = k.seal("customer.custom.id_card", "11010519491231002X", [7; 12]);
        assert!(sealed.starts_with(&format!("enc:v1:{}:", k.id())));
        assert!(!sealed.contains("11010519491231002X"));
        let ring = Keyring::new(vec![k.clone()]).unwrap();
        assert_eq!(
            ring.open("customer.custom.id_card", &sealed).unwrap(),
            "11010519491231002X"
        );
        assert_eq!(
            ring.open("customer.custom.bank", &sealed),
            Err(CryptoError::Tampered)
        );
        let other = Keyring::new(vec![key(2)]).unwrap();
        assert_eq!(
            other.open("customer.custom.id_card", &sealed),
            Err(CryptoError::UnknownKey(k.id().to_owned()))
        );
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(
            ring.open("customer.custom.id_card", &flipped),
            Err(CryptoError::Tampered)
        );
    }

    #[test]
    fn blind_indexes_match_equal_values_per_key_and_field() {
        let (a, b) = (key(1), key(2));
        assert_eq!(a.blind_index("f", "x"), a.blind_index("f", "x"));
        assert_ne!(a.blind_index("f", "x"), a.blind_index("f", "y"));
        assert_ne!(a.blind_index("f", "x"), a.blind_index("g", "x"));
        assert_ne!(a.blind_index("f", "x"), b.blind_index("f", "x"));
    }

    #[test]
    fn keys_are_read_from_hex_and_base64_and_nothing_else() {
        let bytes = [9u8; 32];
        let id = Key::from_bytes(&bytes).id().to_owned();
        assert_eq!(Key::parse(&hex::encode(bytes)).unwrap().id(), id);
        assert_eq!(Key::parse(&Key::encode(&bytes)).unwrap().id(), id);
        assert_eq!(
            Key::parse(&format!(" {}\n", Key::encode(&bytes)))
                .unwrap()
                .id(),
            id
        );
        assert_eq!(Key::parse("short").unwrap_err(), CryptoError::BadKeyText);
        assert!(Key::parse(&STANDARD.encode([1u8; 31])).is_err());
        assert_ne!(key(1).id(), key(2).id());
        assert!(!format!("{:?}", key(1)).contains("0101"));
    }

    #[test]
    fn only_sealed_values_parse_as_sealed() {
        assert!(!is_sealed("11010519491231002X"));
        assert!(!is_sealed("enc:v1:nothex!!:abc"));
        assert!(is_sealed(&key(3).seal("a", "b", [0; 12])));
    }
}
