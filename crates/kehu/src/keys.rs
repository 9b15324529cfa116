//! The encryption keys on the command line: where every subcommand finds
//! them (`--key-file`, `KEHU_KEY_FILE`, `KEHU_MASTER_KEY`), and `kehu keys
//! status|rotate`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use kehu_core::crypto::Keyring;
use kehu_store::vault::keyfile;
use kehu_store::vault::sweep::UnlockError;
use kehu_store::vault::KeyError;
use kehu_store::{Store, Vault};

/// How long a new key must have been current before `kehu keys rotate`
/// retires the old one: every running `kehu serve` reads the key file
/// again each minute, and must have taken the new key up so that none
/// still seals with the old one.
const SETTLE_MS: i64 = 3 * 60 * 1000;

#[derive(Args, Debug, Clone)]
pub struct KeySource {
    /// The file holding the encryption keys (created, mode 0600, on the
    /// first start of a database that has none). Default:
    /// ~/.config/kehu/master.key, apart from the data. KEHU_MASTER_KEY
    /// (keys in base64 or hex, oldest first) takes precedence.
    #[arg(long = "key-file", env = "KEHU_KEY_FILE")]
    pub key_file: Option<PathBuf>,
}

impl KeySource {
    /// The key file in use, unless the keys come from the environment.
    pub fn file(&self) -> anyhow::Result<Option<PathBuf>> {
        if master_key().is_some() {
            return Ok(None);
        }
        match self.key_file.clone().or_else(keyfile::default_path) {
            Some(path) => Ok(Some(path)),
            None => bail!("no place for the encryption key: give --key-file or KEHU_KEY_FILE"),
        }
    }

    /// The keys for `store`'s database. A missing key file is created only
    /// for a database that has never sealed anything.
    pub async fn vault(&self, store: &Store) -> anyhow::Result<Vault> {
        if let Some(text) = master_key() {
            let keys = keyfile::parse_keys(&text).context("KEHU_MASTER_KEY")?;
            let ring = Keyring::new(keys).context("KEHU_MASTER_KEY holds no key")?;
            return Ok(Vault::new(ring));
        }
        let path = self.file()?.expect("no master key: a file");
        if let Some(ring) = keyfile::read(&path)? {
            return Ok(Vault::from_file(ring, path));
        }
        let used = store.missing_keys(&Vault::locked()).await?;
        if let Some(missing) = used.into_iter().next() {
            return Err(KeyError::MissingKeyFile {
                path: path.display().to_string(),
                missing,
            }
            .into());
        }
        let ring = keyfile::create(&path)?;
        eprintln!(
            "Created the encryption key file {} (readable by you alone). Back it up apart \
             from the database: a backup without it cannot be read.",
            path.display()
        );
        Ok(Vault::from_file(ring, path))
    }
}

fn master_key() -> Option<String> {
    std::env::var("KEHU_MASTER_KEY")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// Opens the store with its keys: refused with a message when they are
/// not the database's; clear text left from before is sealed.
pub async fn unlock(store: Store, keys: &KeySource) -> anyhow::Result<Store> {
    let vault = keys.vault(&store).await?;
    store.unlock(vault).await.map_err(unlock_error)
}

fn unlock_error(e: UnlockError) -> anyhow::Error {
    match e {
        UnlockError::Key(k) => anyhow::Error::new(k),
        UnlockError::Store(s) => anyhow::Error::new(s).context("cannot seal sensitive values"),
    }
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// Which keys the database knows and how many rows each one seals.
    Status {
        #[command(flatten)]
        db: crate::cli::Database,
    },
    /// Seals everything again under a new key, in batches that each
    /// commit (run it again after an interruption: it goes on), then
    /// retires the old key once nothing uses it. With a key file, a new
    /// key is added to it; with KEHU_MASTER_KEY, add the new key at its
    /// end first.
    Rotate {
        #[command(flatten)]
        db: crate::cli::Database,
        /// Rows per batch.
        #[arg(long, default_value_t = 1000)]
        batch: i64,
        /// Stop after this many batches (run again to go on).
        #[arg(long)]
        max_batches: Option<u64>,
    },
}

pub async fn run(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Status { db } => {
            let store = db.open().await?;
            print_status(&store).await
        }
        KeysCommand::Rotate {
            db,
            batch,
            max_batches,
        } => rotate(db, batch.max(1), max_batches).await,
    }
}

async fn print_status(store: &Store) -> anyhow::Result<()> {
    println!("Keys from {}", store.vault().describe());
    for k in store.key_status().await? {
        let state = match (k.current, k.retired_at) {
            (true, _) => "current",
            (false, Some(_)) => "retired",
            (false, None) if k.in_use() => "old, still in use",
            (false, None) => "old, unused",
        };
        let rows: Vec<String> = k.rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
        println!("  {}  {state:<18} {}", k.id, rows.join(", "));
    }
    Ok(())
}

async fn rotate(
    db: crate::cli::Database,
    batch: i64,
    max_batches: Option<u64>,
) -> anyhow::Result<()> {
    let store = db.connect().await?;
    let vault = db.keys.vault(&store).await?;
    let store = store.check_keys(vault).await.map_err(unlock_error)?;
    let old_in_use = store
        .key_status()
        .await?
        .iter()
        .any(|k| !k.current && k.retired_at.is_none() && k.in_use());
    // A rotation under way (values under an older key) goes on; otherwise
    // a new key starts one.
    let store = if old_in_use {
        store
    } else if let Some(path) = db.keys.file()? {
        let ring = keyfile::append_new(&path)?;
        println!("Added key {} to {}.", ring.current().id(), path.display());
        store
            .check_keys(Vault::from_file(ring, path))
            .await
            .map_err(unlock_error)?
    } else {
        bail!(
            "nothing is sealed with an older key: to rotate, add a new key at the end of \
             KEHU_MASTER_KEY (32 random bytes in base64, e.g. `openssl rand -base64 32`) and run \
             this again"
        );
    };
    let report = store.sweep(batch, max_batches).await?;
    println!(
        "Sealed {} rows again in {} batches{}.",
        report.rows,
        report.batches,
        if report.finished {
            ""
        } else {
            "; run `kehu keys rotate` again to go on"
        }
    );
    if report.finished {
        retire(&store, &db.keys).await?;
    }
    print_status(&store).await
}

async fn retire(store: &Store, keys: &KeySource) -> anyhow::Result<()> {
    let status = store.key_status().await?;
    let current_since = status.iter().find(|k| k.current).map_or(0, |k| k.added_at);
    if kehu_store::now_ms() - current_since < SETTLE_MS {
        println!(
            "The old key is kept a few minutes more, until every running kehu has taken up \
             the new one: run `kehu keys rotate` again after {} minutes to retire it.",
            SETTLE_MS / 60_000
        );
        return Ok(());
    }
    let retired = store.retire_unused_keys().await?;
    if retired.is_empty() {
        return Ok(());
    }
    match keys.file()? {
        Some(path) => {
            keyfile::remove(&path, &retired)?;
            println!(
                "Retired and removed from {}: {}",
                path.display(),
                retired.join(", ")
            );
        }
        None => println!(
            "Retired: {}. Remove them from KEHU_MASTER_KEY.",
            retired.join(", ")
        ),
    }
    Ok(())
}
