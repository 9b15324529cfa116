//! Where the keys come from: `KEHU_MASTER_KEY`, or a key file that kehu
//! creates (mode 0600) on the first start of a database that has none.
//! The file holds one key per line, oldest first; the last seals new
//! values. `kehu keys rotate` appends a key, and removes old ones once
//! nothing uses them.

use std::io::Write;
use std::path::{Path, PathBuf};

use kehu_core::crypto::{Key, Keyring};
use rand::RngCore;

use super::KeyError;

/// The default key file: in the user's configuration folder
/// (`$XDG_CONFIG_HOME/kehu/master.key`, else `~/.config/kehu/master.key`),
/// never beside the database, so a copy of the data folder or of a backup
/// does not carry the key that opens it.
pub fn default_path() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(config.join("kehu").join("master.key"))
}

/// Keys written one after another (commas, spaces or new lines between
/// them), as in `KEHU_MASTER_KEY`; `#` starts a comment.
pub fn parse_keys(text: &str) -> Result<Vec<Key>, KeyError> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .flat_map(|l| l.split([',', ' ', '\t']))
        .filter(|t| !t.trim().is_empty())
        .map(|t| Key::parse(t).map_err(KeyError::from))
        .collect()
}

/// The keys in `path`, or `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<Keyring>, KeyError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(path, e)),
    };
    let keys = parse_keys(&text)?;
    Keyring::new(keys).map(Some).ok_or_else(|| KeyError::Empty {
        path: path.display().to_string(),
    })
}

fn unreadable(path: &Path, e: impl std::fmt::Display) -> KeyError {
    KeyError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn new_key_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

const HEADER: &str = "# kehu encryption keys, oldest first; the last one seals new values.\n\
# Back this file up apart from the database: a backup without it cannot be read.\n";

/// Writes `keys` (their text forms) to `path` in one step: a new file with
/// mode 0600 beside it, renamed over the old one (or, with `replace`
/// false, linked to the name only if nothing is there yet), so a crash
/// leaves either the old keys or the new ones, never half a file, and two
/// first starts at once agree on one key.
fn write_all(path: &Path, keys: &[String], replace: bool) -> Result<(), KeyError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|e| unreadable(dir, e))?;
    }
    let mut nonce = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let tmp = path.with_extension(format!("new-{}", hex::encode(nonce)));
    let mut file = private_file(&tmp).map_err(|e| unreadable(&tmp, e))?;
    let mut text = HEADER.to_owned();
    for k in keys {
        let id = Key::parse(k)?.id().to_owned();
        text.push_str(&format!("# key {id}\n{k}\n"));
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| unreadable(&tmp, e))?;
    let placed = if replace {
        std::fs::rename(&tmp, path)
    } else {
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        linked
    };
    placed.map_err(|e| unreadable(path, e))
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

fn texts(path: &Path) -> Result<Vec<String>, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, e))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect())
}

/// Creates the key file with one new key, unless another process just
/// did: then its key is the one. Never overwrites a key file.
pub fn create(path: &Path) -> Result<Keyring, KeyError> {
    if let Err(e) = write_all(path, &[Key::encode(&new_key_bytes())], false) {
        if !path.exists() {
            return Err(e);
        }
    }
    read(path)?.ok_or_else(|| unreadable(path, "it vanished after being written"))
}

/// Adds a new key at the end (it becomes the one that seals).
pub fn append_new(path: &Path) -> Result<Keyring, KeyError> {
    let mut keys = texts(path)?;
    keys.push(Key::encode(&new_key_bytes()));
    write_all(path, &keys, true)?;
    read(path)?.ok_or_else(|| unreadable(path, "it vanished after being written"))
}

/// Removes the keys with these ids (retired: nothing is sealed with them).
pub fn remove(path: &Path, ids: &[String]) -> Result<(), KeyError> {
    let mut keys = Vec::new();
    for text in texts(path)? {
        if !ids
            .iter()
            .any(|id| Key::parse(&text).is_ok_and(|k| k.id() == id))
        {
            keys.push(text);
        }
    }
    write_all(path, &keys, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_and_keeps_its_keys_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf").join("master.key");
        let first = create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = create(&path).unwrap();
        assert_eq!(again.current().id(), first.current().id(), "never replaced");
        let both = append_new(&path).unwrap();
        assert_eq!(both.keys().len(), 2);
        assert_eq!(both.keys()[0].id(), first.current().id());
        assert_ne!(both.current().id(), first.current().id());
        remove(&path, &[first.current().id().to_owned()]).unwrap();
        let left = read(&path).unwrap().unwrap();
        assert_eq!(left.keys().len(), 1);
        assert_eq!(left.current().id(), both.current().id());
    }

    #[test]
    fn master_keys_from_the_environment_are_listed_oldest_first() {
        let (a, b) = (Key::encode(&[1; 32]), hex::encode([2u8; 32]));
        let keys = parse_keys(&format!("{a}, {b}")).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[1].id(), Key::from_bytes(&[2; 32]).id());
        assert!(parse_keys("not-a-key").is_err());
    }
}
