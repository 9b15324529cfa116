//! `kehu privacy export|erase|log`: a person's data out as a ZIP, erased
//! for good, and the log of such requests (PIPL art. 44–47; GDPR art. 15,
//! 17, 20). Administrators only (kehu itself, or `--as` an administrator).

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use kehu_core::ChangeSource;
use kehu_store::privacy::{Subject, SubjectKind};

use crate::cli::Database;
use crate::transfer::Acting;

#[derive(Args, Debug)]
pub struct PrivacyArgs {
    #[command(subcommand)]
    pub command: PrivacyCommand,
}

/// Whom: exactly one of the three.
#[derive(Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct Whom {
    #[arg(long)]
    pub customer: Option<i64>,
    #[arg(long)]
    pub contact: Option<i64>,
    #[arg(long)]
    pub lead: Option<i64>,
}

impl Whom {
    fn subject(&self) -> Subject {
        match (self.customer, self.contact, self.lead) {
            (Some(id), _, _) => Subject {
                kind: SubjectKind::Customer,
                id,
            },
            (_, Some(id), _) => Subject {
                kind: SubjectKind::Contact,
                id,
            },
            (_, _, Some(id)) => Subject {
                kind: SubjectKind::Lead,
                id,
            },
            // clap requires one of the three.
            _ => Subject {
                kind: SubjectKind::Customer,
                id: 0,
            },
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum PrivacyCommand {
    /// Write everything kehu holds about a person to a ZIP of JSON and CSV.
    Export {
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        #[command(flatten)]
        whom: Whom,
        /// The ZIP to write.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Erase a person's data for good: records anonymised (orders and
    /// payments keep their amounts), follow-ups, tasks, history, search
    /// keys, duplicate-queue entries, merges and rejected import rows
    /// deleted. Cannot be undone.
    Erase {
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        #[command(flatten)]
        whom: Whom,
        /// Confirms that the erasure cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// The newest requests: who, when, whom, what, counts.
    Log {
        #[command(flatten)]
        db: Database,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

pub async fn run(args: PrivacyArgs) -> anyhow::Result<()> {
    match args.command {
        PrivacyCommand::Export {
            db,
            acting,
            whom,
            output,
        } => {
            let (store, ctx, _) = acting.open(&db, ChangeSource::Api).await?;
            let subject = whom.subject();
            let file = std::fs::File::create(&output)
                .with_context(|| format!("cannot create {}", output.display()))?;
            let written = kehu_io::privacy::write_person_export(
                &store,
                &ctx.actor,
                subject,
                std::io::BufWriter::new(file),
            )
            .await;
            let (out, counts) = match written {
                Ok(done) => done,
                Err(e) => {
                    let _ = std::fs::remove_file(&output);
                    return Err(refused(e.to_string()));
                }
            };
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            let rows: i64 = counts.values().sum();
            println!(
                "{}: {rows} rows in {} sections",
                output.display(),
                counts.len()
            );
        }
        PrivacyCommand::Erase {
            db,
            acting,
            whom,
            yes,
        } => {
            if !yes {
                bail!(
                    "erasing cannot be undone; run again with --yes to erase / 删除后无法恢复，确认请加 --yes"
                );
            }
            let (store, ctx, _) = acting.open(&db, ChangeSource::Api).await?;
            let erased = store
                .erase(&ctx.actor, whom.subject())
                .await
                .map_err(|e| refused(e.to_string()))?;
            println!(
                "erased (request {}): {}",
                erased.request_id,
                serde_json::to_string(&erased.counts)?
            );
        }
        PrivacyCommand::Log { db, limit } => {
            let store = db.open().await?;
            let system = kehu_store::write::Ctx::system(ChangeSource::Api);
            for r in store.privacy_requests(&system.actor, None, limit).await? {
                println!(
                    "{}\t{}\t{}\t{} {}\t{}\t{}\t{}",
                    r.id,
                    r.at.to_rfc3339(),
                    r.kind,
                    r.subject_type,
                    r.subject_id,
                    r.reason,
                    r.refusal.as_deref().unwrap_or(&r.status),
                    r.counts
                );
            }
        }
    }
    Ok(())
}

/// Store errors in words a person at the terminal understands.
fn refused(e: String) -> anyhow::Error {
    match e.as_str() {
        "not found" => anyhow::anyhow!("no such record"),
        "forbidden" => anyhow::anyhow!("only administrators may export or erase personal data"),
        "conflict: import_running" => {
            anyhow::anyhow!("an import that writes this person's records is running: erase once it has finished")
        }
        _ => anyhow::anyhow!(e),
    }
}
