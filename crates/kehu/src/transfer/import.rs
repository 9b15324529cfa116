//! `kehu import`: its arguments, importing a file, and the batch
//! actions undo, resume and list.

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::{Args, Subcommand};
use kehu_core::{ChangeSource, Lang};
use kehu_io::import::{self as job, Mapping, Request};
use kehu_io::Format;
use kehu_store::import::{BatchKind, Policy, UndoReport};

use super::output::Output;
use super::{store_error, Acting};
use crate::cli::Database;
use crate::file_limits::FileLimits;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub action: Option<ImportAction>,
    /// The file: CSV, TSV, XLSX, XLS, ODS, vCard (.vcf) or JSON Lines.
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub rest: ImportFlags,
}

#[derive(Args, Debug)]
pub struct ImportFlags {
    #[command(flatten)]
    pub db: Database,
    #[command(flatten)]
    pub acting: Acting,
    /// Check every row and report what would happen, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// What a row matching an existing record does: skip it, fill the
    /// record's empty fields, overwrite them, or create a record anyway.
    #[arg(long, default_value = "skip", value_parser = ["skip", "fill", "overwrite", "create"])]
    pub policy: String,
    /// Batch update: rows change the records they name (by id, external id,
    /// mobile or email) and never create any. Implies --policy overwrite
    /// unless fill is asked for.
    #[arg(long)]
    pub update: bool,
    /// A saved template's name, or `header=field` pairs
    /// (e.g. "姓名=name,会员等级=custom.level,备用=-"); other columns are
    /// mapped from their headers.
    #[arg(long, value_name = "TEMPLATE_OR_SPEC")]
    pub map: Option<String>,
    /// Save the mapping used under this name, for the next file.
    #[arg(long, value_name = "NAME")]
    pub save_template: Option<String>,
    /// The sheet of a workbook (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// The row the column headers are on, as a spreadsheet numbers rows
    /// (CSV: the record number). Found by default: title rows, dates and
    /// blank rows above the header are skipped.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=kehu_io::MAX_HEADER_ROW))]
    pub header_row: Option<u64>,
    /// Reject a row for any invalid value. By default a row whose only
    /// invalid values are secondary (a second phone, a website, a postal
    /// code, an owner or team kehu does not have) is imported without
    /// them, listed as imported with warnings and the values kept in its
    /// notes; invalid names, mobiles, emails, credit codes and external
    /// ids always reject their row.
    #[arg(long)]
    pub strict: bool,
    /// The file's format, when its name does not say: csv, tsv, xlsx, xls,
    /// ods, vcf, jsonl.
    #[arg(long)]
    pub format: Option<String>,
    /// Write the rejected and skipped rows, with reasons, to this file
    /// (.csv or .xlsx), ready to fix and import again.
    #[arg(long, value_name = "OUT")]
    pub errors: Option<PathBuf>,
    /// Print one JSON object (batch id and counts) instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: FileLimits,
}

#[derive(Subcommand, Debug)]
pub enum ImportAction {
    /// Take back everything a batch did: created records go to the bin,
    /// changed fields get their previous values.
    Undo {
        batch: i64,
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        /// Undo even where records were changed after the batch.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Finish a batch that was stopped part-way, from its last committed row.
    Resume {
        batch: i64,
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        #[arg(long, value_name = "OUT")]
        errors: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        limits: FileLimits,
    },
    /// The latest imports and batch updates.
    List {
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let file = args.file.clone();
    match (args.action, file) {
        (
            Some(ImportAction::Undo {
                batch,
                db,
                acting,
                force,
                json,
            }),
            _,
        ) => {
            let (store, ctx, lang) = acting.open(&db, ChangeSource::Import).await?;
            let report = store
                .undo_import(&ctx, batch, force)
                .await
                .map_err(|e| store_error(e, lang))?;
            print_undo(&report, lang, json);
            if !report.done {
                std::process::exit(2);
            }
            Ok(())
        }
        (
            Some(ImportAction::Resume {
                batch,
                db,
                acting,
                errors,
                json,
                quiet,
                limits,
            }),
            _,
        ) => {
            let (store, ctx, lang) = acting.open(&db, ChangeSource::Import).await?;
            let mut out = Output::new(errors.as_deref(), lang, json || quiet)?;
            let report = job::resume(&store, &ctx, batch, &limits.limits(), None, &mut out)
                .await
                .map_err(|e| anyhow!(e.message(lang)))?;
            out.finish(&report, false, json, lang)
        }
        (
            Some(ImportAction::List {
                db,
                acting,
                limit,
                json,
            }),
            _,
        ) => {
            let store = db.open_for_job().await?;
            let ctx = acting.ctx(&store, ChangeSource::Import).await?;
            let batches = store.import_batches(&ctx.actor, limit).await?;
            if json {
                for b in &batches {
                    println!("{}", serde_json::to_string(b)?);
                }
            } else {
                for b in &batches {
                    let c = b.counts;
                    println!(
                        "{:>6}  {:<8} {:<7} {}  rows {}  created {}  updated {}  skipped {}  rejected {}",
                        b.id,
                        b.status,
                        if b.kind == BatchKind::Update { "update" } else { "import" },
                        b.file_name,
                        b.rows_done,
                        c.created,
                        c.updated,
                        c.skipped,
                        c.rejected
                    );
                }
            }
            Ok(())
        }
        (None, Some(file)) => import_file(file, args.rest).await,
        (None, None) => {
            bail!("give a file to import, or undo/resume/list (see kehu import --help)")
        }
    }
}

async fn import_file(file: PathBuf, a: ImportFlags) -> anyhow::Result<()> {
    let lang = a.acting.lang();
    if !file.is_file() {
        bail!(match lang {
            Lang::ZhCn => format!("找不到文件 {}", file.display()),
            Lang::En => format!("there is no file {}", file.display()),
        });
    }
    let format = match &a.format {
        None => None,
        Some(f) => Some(Format::from_name(f).ok_or_else(|| anyhow!("unknown format {f}"))?),
    };
    let policy = Policy::parse(&a.policy).ok_or_else(|| anyhow!("unknown policy {}", a.policy))?;
    let store = a.db.open_for_job().await?;
    let ctx = a.acting.ctx(&store, ChangeSource::Import).await?;
    let mut request = Request::new(&file);
    request.format = format;
    request.sheet = a.sheet.clone();
    request.header_row = a.header_row;
    request.strict = a.strict;
    request.dry_run = a.dry_run;
    request.limits = a.limits.limits();
    if a.update {
        request.kind = BatchKind::Update;
        request.policy = if policy == Policy::Fill {
            Policy::Fill
        } else {
            Policy::Overwrite
        };
    } else {
        request.policy = policy;
    }
    request.mapping = match &a.map {
        None => Mapping::Auto,
        Some(m) if m.contains('=') => Mapping::Spec(m.clone()),
        Some(name) => Mapping::Template(name.clone()),
    };
    let mut out = Output::new(a.errors.as_deref(), lang, a.json || a.quiet)?;
    let report = job::run(&store, &ctx, &request, &mut out)
        .await
        .map_err(|e| anyhow!(e.message(lang)))?;
    if let Some(name) = &a.save_template {
        store
            .save_import_template(&ctx, name, &report.headers, &report.mapping)
            .await
            .map_err(|e| store_error(e, lang))?;
    }
    out.finish(&report, a.dry_run, a.json, lang)
}

fn print_undo(report: &UndoReport, lang: Lang, json: bool) {
    if json {
        println!("{}", serde_json::to_string(report).unwrap_or_default());
        return;
    }
    let zh = lang == Lang::ZhCn;
    if report.done {
        if zh {
            println!(
                "批次 {} 已撤销：{} 条新建的记录移入回收站，{} 条记录恢复了原值。",
                report.batch_id, report.removed, report.restored
            );
        } else {
            println!(
                "Batch {} undone: {} created records moved to the bin, {} records given their previous values.",
                report.batch_id, report.removed, report.restored
            );
        }
        return;
    }
    let ids: Vec<String> = report.conflicts.iter().map(i64::to_string).collect();
    if zh {
        eprintln!(
            "未撤销：批次 {} 之后有 {} 条记录被他人修改过（如 {}），撤销会覆盖这些修改。确认要覆盖请加 --force。",
            report.batch_id,
            report.conflict_count,
            ids.join(", ")
        );
    } else {
        eprintln!(
            "Not undone: {} records were changed after batch {} (e.g. {}), and undoing would overwrite that work. Add --force to undo anyway.",
            report.conflict_count,
            report.batch_id,
            ids.join(", ")
        );
    }
}
