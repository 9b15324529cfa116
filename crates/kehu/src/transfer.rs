//! `kehu import` and `kehu export`: files in and out, with a progress bar
//! for people and `--json` for scripts.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kehu_core::{ChangeSource, Lang};
use kehu_io::export::{export_customers, ExportFormat, IssueWriter};
use kehu_io::import::{self as job, Mapping, Progress, Report, Request};
use kehu_io::Format;
use kehu_store::import::{BatchKind, Issue, Policy, UndoReport};
use kehu_store::list::CustomerFilter;
use kehu_store::write::Ctx;
use kehu_store::Store;
use serde_json::json;

use crate::cli::Database;
use crate::file_limits::FileLimits;

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

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: Database,
    #[command(flatten)]
    pub acting: Acting,
    /// csv (UTF-8 with BOM, opens in Excel), csv-gb18030 or xlsx; default
    /// from the output file's name, else csv.
    #[arg(long)]
    pub format: Option<String>,
    /// The customer list's filter as in its URL, e.g.
    /// "stage=lead&province=广东省&tag=展会".
    #[arg(long, default_value = "")]
    pub filter: String,
    /// Where to write (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
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

/// The progress bar and the rejected-rows file of one run.
struct Output {
    bar: ProgressBar,
    errors_path: Option<PathBuf>,
    errors: Option<IssueWriter<BufWriter<File>>>,
    failed: Option<anyhow::Error>,
    lang: Lang,
}

impl job::Observer for Output {
    fn progress(&mut self, p: &Progress) {
        self.show(p);
    }

    fn issue(&mut self, headers: &[String], issue: &Issue) {
        self.keep(headers, issue);
    }
}

impl Output {
    fn new(errors: Option<&Path>, lang: Lang, quiet: bool) -> anyhow::Result<Output> {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        Ok(Output {
            bar,
            errors_path: errors.map(Path::to_owned),
            errors: None,
            failed: None,
            lang,
        })
    }

    fn show(&mut self, p: &Progress) {
        if let Some(total) = p.total {
            if self.bar.length() != Some(total.max(p.rows)) {
                self.bar.set_length(total.max(p.rows));
                self.bar.set_style(
                    ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {msg}  ETA {eta}")
                        .expect("a valid template"),
                );
            }
        }
        self.bar.set_position(p.rows);
        let rate = p.rows_this_run as f64 / p.elapsed.as_secs_f64().max(0.001);
        self.bar.set_message(format!(
            "{rate:.0} rows/s  +{} ~{} ={} ·{} ✗{}",
            p.counts.created,
            p.counts.updated,
            p.counts.unchanged,
            p.counts.skipped,
            p.counts.rejected
        ));
    }

    fn keep(&mut self, headers: &[String], issue: &Issue) {
        let Some(path) = &self.errors_path else {
            return;
        };
        if self.failed.is_some() {
            return;
        }
        if self.errors.is_none() {
            let opened = File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))
                .and_then(|f| {
                    IssueWriter::new(
                        headers,
                        ExportFormat::for_path(path),
                        self.lang,
                        BufWriter::new(f),
                    )
                    .map_err(anyhow::Error::from)
                });
            match opened {
                Ok(w) => self.errors = Some(w),
                Err(e) => {
                    self.failed = Some(e);
                    return;
                }
            }
        }
        if let Some(w) = self.errors.as_mut() {
            if let Err(e) = w.write(issue) {
                self.failed = Some(e.into());
            }
        }
    }

    fn finish(self, report: &Report, dry_run: bool, json: bool, lang: Lang) -> anyhow::Result<()> {
        self.bar.finish_and_clear();
        if let Some(e) = self.failed {
            return Err(e);
        }
        let errors_written = match self.errors {
            Some(w) => {
                let rows = w.rows;
                w.finish()?.flush()?;
                rows
            }
            None => 0,
        };
        let c = report.counts;
        let seconds = report.elapsed.as_secs_f64();
        let rows = c.rows();
        let batch_id = report.batch.as_ref().map(|b| b.id);
        if json {
            let value = json!({
                "batch_id": batch_id,
                "status": report.batch.as_ref().map(|b| b.status.clone()),
                "dry_run": dry_run,
                "resumed": report.resumed,
                "rows": rows,
                "created": c.created,
                "updated": c.updated,
                "unchanged": c.unchanged,
                "skipped": c.skipped,
                "rejected": c.rejected,
                "warned": c.warned,
                "seconds": (seconds * 1000.0).round() / 1000.0,
                "errors_file": self.errors_path.filter(|_| errors_written > 0),
                "header_row": report.header_row,
                "mapping": report.headers.iter().zip(&report.mapping)
                    .map(|(h, m)| json!({"header": h, "field": m})).collect::<Vec<_>>(),
            });
            println!("{value}");
            return Ok(());
        }
        let zh = lang == Lang::ZhCn;
        let head = match (batch_id, dry_run, zh) {
            (_, true, true) => "预检（未写入任何数据）".to_owned(),
            (_, true, false) => "Dry run (nothing written)".to_owned(),
            (Some(id), _, true) => format!(
                "批次 {id} 已完成{}",
                if report.resumed { "（续传）" } else { "" }
            ),
            (Some(id), _, false) => format!(
                "Batch {id} done{}",
                if report.resumed { " (resumed)" } else { "" }
            ),
            (None, _, _) => String::new(),
        };
        println!("{head}");
        if let Some(n) = report.header_row.filter(|n| *n > 1) {
            // Said only when rows above it were skipped: the usual first
            // row goes without saying.
            if zh {
                println!("  表头在第 {n} 行，其上的行（标题、空行）未导入");
            } else {
                println!("  Headers taken from row {n}; the rows above it (titles, blank rows) were skipped");
            }
        }
        let lines: [(&str, &str, i64); 5] = [
            ("新建", "created", c.created),
            ("更新", "updated", c.updated),
            ("无变化", "unchanged", c.unchanged),
            ("重复跳过", "skipped as duplicates", c.skipped),
            ("拒绝", "rejected", c.rejected),
        ];
        for (label_zh, label_en, n) in lines {
            println!("  {:<24} {n:>10}", if zh { label_zh } else { label_en });
        }
        if c.warned > 0 {
            let label = if zh {
                "其中有警告（部分值未采用）"
            } else {
                "of which with warnings"
            };
            println!("  {label:<24} {:>10}", c.warned);
        }
        let rate = rows as f64 / seconds.max(0.001);
        if zh {
            println!("  共 {rows} 行，用时 {seconds:.1} 秒（每秒 {rate:.0} 行）");
        } else {
            println!("  {rows} rows in {seconds:.1} s ({rate:.0} rows/s)");
        }
        if errors_written > 0 {
            if let Some(path) = &self.errors_path {
                if zh {
                    println!(
                        "  被拒绝和跳过的 {errors_written} 行及原因已写入 {}",
                        path.display()
                    );
                } else {
                    println!(
                        "  {errors_written} rejected and skipped rows, with reasons: {}",
                        path.display()
                    );
                }
            }
        }
        if let Some(id) = batch_id.filter(|_| !dry_run) {
            if zh {
                println!("  撤销本批次：kehu import undo {id}");
            } else {
                println!("  To undo this batch: kehu import undo {id}");
            }
        }
        Ok(())
    }
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

pub async fn export(a: ExportArgs) -> anyhow::Result<()> {
    let lang = a.acting.lang();
    let format = match (&a.format, &a.output) {
        (Some(f), _) => {
            ExportFormat::parse(f).ok_or_else(|| anyhow!("unknown export format {f}"))?
        }
        (None, Some(path)) => ExportFormat::for_path(path),
        (None, None) => ExportFormat::Csv,
    };
    let filter =
        CustomerFilter::from_query(&a.filter, "filter").map_err(|i| store_error(i.into(), lang))?;
    let store = a.db.open_for_job().await?;
    let ctx = a.acting.ctx(&store, ChangeSource::Api).await?;
    let rows = match &a.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let (mut w, rows) = export_customers(
                &store,
                &ctx.actor,
                &filter,
                &a.filter,
                format,
                lang,
                BufWriter::new(file),
            )
            .await?;
            w.flush()?;
            rows
        }
        None => {
            let (mut w, rows) = export_customers(
                &store,
                &ctx.actor,
                &filter,
                &a.filter,
                format,
                lang,
                BufWriter::new(std::io::stdout()),
            )
            .await?;
            w.flush()?;
            rows
        }
    };
    if let Some(path) = &a.output {
        match lang {
            Lang::ZhCn => eprintln!("已导出 {rows} 条客户到 {}", path.display()),
            Lang::En => eprintln!("Exported {rows} customers to {}", path.display()),
        }
    }
    Ok(())
}
