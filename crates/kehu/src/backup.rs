//! `kehu backup` and `kehu restore`: a verified copy of the database taken
//! while kehu runs, and that copy loaded into a new, empty database. Both
//! print what they checked; `--json` prints the record instead.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use kehu_core::Lang;
use kehu_store::backup::{self, BackupError, BackupRecord, Origin};
use kehu_store::redact_url;

use crate::cli::Database;
use crate::transfer::lang_of;

#[derive(Args, Debug)]
pub struct BackupArgs {
    #[command(flatten)]
    pub db: Database,
    /// The file to write (it must not exist). Default: a new file named
    /// by the time in the backup folder.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Folder for backups (default: `backups/` beside an SQLite file,
    /// `kehu-backups/` for PostgreSQL).
    #[arg(long, env = "KEHU_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Print the backup's record as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Language of messages: zh-CN or en (default: from $LANG).
    #[arg(long, env = "KEHU_LANG")]
    pub lang: Option<String>,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A file `kehu backup` wrote.
    pub file: PathBuf,
    /// The database to restore into, which must be new and empty.
    #[command(flatten)]
    pub db: Database,
    /// Print the restore's record as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Language of messages: zh-CN or en (default: from $LANG).
    #[arg(long, env = "KEHU_LANG")]
    pub lang: Option<String>,
}

/// Who started a command: the operating-system user at this host.
pub fn started_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "?".to_owned());
    format!("{user}@{}", host())
}

/// This machine's name, to tell servers' backups apart.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let lang = lang_of(args.lang.clone());
    let store = args.db.open_for_job().await?;
    let file = match args.output {
        Some(file) => file,
        None => {
            let dir = args
                .backup_dir
                .unwrap_or_else(|| backup::default_dir(&args.db.url));
            dir.join(backup::file_name(store.backend(), kehu_store::now_ms()))
        }
    };
    let done = store
        .backup(&args.db.url, &file, Origin::Cli, &started_by())
        .await;
    store.close().await;
    let record = done.map_err(|e| explain(e, lang))?;
    if args.json {
        println!("{}", serde_json::to_string(&record)?);
    } else {
        print_backup(&record, &redact_url(&args.db.url), lang);
    }
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let lang = lang_of(args.lang.clone());
    let restored = backup::restore(&args.db.url, &args.file, &started_by())
        .await
        .map_err(|e| explain(e, lang))?;
    if args.json {
        println!("{}", serde_json::to_string(&restored.record)?);
        return Ok(());
    }
    let url = redact_url(&args.db.url);
    let tables = restored.counts.len();
    let customers = restored.counts.get("customers").copied().unwrap_or(0);
    let file = args.file.display();
    if lang == Lang::ZhCn {
        println!("已将 {file} 恢复到 {url}：{tables} 张表、客户 {customers} 个，行数与备份一致，数据库已升级到当前版本。");
    } else {
        println!(
            "Restored {file} into {url}: {tables} tables, {customers} customers, row counts \
             equal to the backup's; the schema is up to date."
        );
    }
    Ok(())
}

fn print_backup(r: &BackupRecord, url: &str, lang: Lang) {
    let size = r.size_bytes.unwrap_or(0);
    let customers = r.counts.get("customers").copied().unwrap_or(0);
    let tables = r.counts.len();
    if lang == Lang::ZhCn {
        println!("已备份 {url} 到 {}（{size} 字节）。", r.file);
        println!("已校验：副本通过完整性检查，已清点 {tables} 张表的行数（客户 {customers} 个）并与数据库核对一致。");
    } else {
        println!("Backed up {url} to {} ({size} bytes).", r.file);
        println!(
            "Verified: the copy passed its integrity check; the rows of its {tables} tables \
             were counted ({customers} customers) and agree with the database."
        );
    }
}

/// A refusal or failure in the user's language; the URL it names is
/// already without its password.
fn explain(e: BackupError, lang: Lang) -> anyhow::Error {
    match (e, lang) {
        (BackupError::NotEmpty { url, tables }, Lang::ZhCn) => anyhow!(
            "数据库 {url} 不是空的（已有 {tables} 张表）：只能恢复到新的空数据库。请新建一个数据库（或换一个 SQLite 文件名）再恢复。"
        ),
        (BackupError::Verify(why), Lang::ZhCn) => anyhow!("备份未通过校验：{why}"),
        (e, Lang::ZhCn) => anyhow!("备份或恢复未完成：{e}"),
        (e @ BackupError::NotEmpty { .. }, _) => anyhow!(
            "{e}. Create a new database (or name a new SQLite file) and restore into that."
        ),
        (e, _) => anyhow::Error::new(e),
    }
}
