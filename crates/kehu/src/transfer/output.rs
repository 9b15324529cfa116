//! The progress bar and the rejected-rows file of one import run, and
//! the summary printed (or the JSON object) when it ends.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kehu_core::Lang;
use kehu_io::export::{ExportFormat, IssueWriter};
use kehu_io::import::{self as job, Progress, Report};
use kehu_store::import::Issue;
use serde_json::json;

/// The progress bar and the rejected-rows file of one run.
pub(super) struct Output {
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
    pub(super) fn new(errors: Option<&Path>, lang: Lang, quiet: bool) -> anyhow::Result<Output> {
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

    pub(super) fn finish(
        self,
        report: &Report,
        dry_run: bool,
        json: bool,
        lang: Lang,
    ) -> anyhow::Result<()> {
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
