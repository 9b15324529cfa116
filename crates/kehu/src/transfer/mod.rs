//! `kehu import` and `kehu export`: files in and out, with a progress bar
//! for people and `--json` for scripts.
//!
//! This file holds who a command acts as and in which language, shared by
//! the other commands too, and how a store error is said; `import` holds
//! `kehu import` (files in, undo, resume, list), `output` the progress bar
//! and summary of an import run, and `export` holds `kehu export`.

mod export;
mod import;
mod output;

pub use export::{export, ExportArgs};
pub use import::{import, ImportArgs};

use anyhow::{anyhow, bail};
use clap::Args;
use kehu_core::{ChangeSource, Lang};
use kehu_store::write::Ctx;
use kehu_store::Store;

use crate::cli::Database;

/// Who a command acts as, and in which language it speaks.
#[derive(Args, Debug, Clone)]
pub struct Acting {
    /// Act as this user (their permissions apply, records they create are
    /// theirs). Without it kehu acts as itself: an administrator, and
    /// created records go to the shared pool.
    #[arg(long = "as", env = "KEHU_AS", value_name = "EMAIL")]
    pub as_user: Option<String>,
    /// Language of messages and files: zh-CN or en (default: from $LANG).
    #[arg(long, env = "KEHU_LANG")]
    pub lang: Option<String>,
}

impl Acting {
    fn lang(&self) -> Lang {
        lang_of(self.lang.clone())
    }

    /// The database opened for a job, who acts, and the language.
    pub(crate) async fn open(
        &self,
        db: &Database,
        source: ChangeSource,
    ) -> anyhow::Result<(Store, Ctx, Lang)> {
        let store = db.open_for_job().await?;
        let ctx = self.ctx(&store, source).await?;
        Ok((store, ctx, self.lang()))
    }

    pub(crate) async fn ctx(&self, store: &Store, source: ChangeSource) -> anyhow::Result<Ctx> {
        match &self.as_user {
            None => Ok(Ctx::system(source)),
            Some(email) => {
                let user = store
                    .user_by_email(email)
                    .await
                    .map_err(|_| anyhow!("no user with the email {email}"))?;
                if !user.active {
                    bail!("the user {email} is deactivated");
                }
                Ok(Ctx::new(user.actor(), source))
            }
        }
    }
}

/// The language asked for (`--lang`), else the environment's.
pub(crate) fn lang_of(asked: Option<String>) -> Lang {
    let wanted = asked
        .or_else(|| std::env::var("LC_ALL").ok())
        .or_else(|| std::env::var("LANG").ok())
        .unwrap_or_default();
    if wanted.to_ascii_lowercase().starts_with("zh") {
        Lang::ZhCn
    } else {
        Lang::En
    }
}

fn store_error(e: kehu_store::Error, lang: Lang) -> anyhow::Error {
    let zh = lang == Lang::ZhCn;
    match e {
        kehu_store::Error::NotFound if zh => anyhow!("没有这个批次"),
        kehu_store::Error::NotFound => anyhow!("there is no such batch"),
        kehu_store::Error::Conflict("already_undone") if zh => anyhow!("这个批次已经撤销过了"),
        kehu_store::Error::Conflict("already_undone") => {
            anyhow!("this batch has already been undone")
        }
        kehu_store::Error::Conflict("batch_running") if zh => {
            anyhow!("这个批次正在导入，请等它完成或中断后再撤销")
        }
        kehu_store::Error::Conflict("batch_running") => {
            anyhow!("this batch is still being imported; undo it once it has finished or stopped")
        }
        kehu_store::Error::Invalid(invalid) => anyhow!("{}", invalid.summary(lang)),
        other => anyhow::Error::new(other),
    }
}
