//! `kehu dedupe`: scan every customer for duplicates, fill the review
//! queue, and print the clusters found.

use std::time::Instant;

use anyhow::anyhow;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kehu_core::dedupe::Reason;
use kehu_core::{ChangeSource, Lang};
use kehu_store::dedupe::{QueueCluster, ScanOptions, ScanProgress, ScanStep};

use crate::cli::Database;
use crate::transfer::Acting;

/// Clusters read back per query when printing.
const PRINT_PAGE: usize = 2_000;

#[derive(Args, Debug)]
pub struct DedupeArgs {
    /// Report pairs scoring at least this, from 0 to 1 (lower finds more,
    /// with more false alarms).
    #[arg(long, default_value_t = kehu_core::dedupe::DEFAULT_THRESHOLD)]
    pub threshold: f32,
    /// One JSON object per cluster and line: record ids, external ids,
    /// score, reasons.
    #[arg(long)]
    pub json: bool,
    /// After the scan, merge the clusters the administrators' enabled
    /// merge rules cover (each merge undoable with kehu merge undo).
    #[arg(long)]
    pub merge_rules: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub db: Database,
    #[command(flatten)]
    pub acting: Acting,
}

pub async fn run(a: DedupeArgs) -> anyhow::Result<()> {
    let (store, ctx, lang) = a.acting.open(&a.db, ChangeSource::Merge).await?;
    let zh = lang == Lang::ZhCn;
    let bar = if a.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:12} {bar:40} {pos}/{len}  ETA {eta}")
            .expect("a valid template"),
    );
    let show = |p: ScanProgress| {
        let step = match (p.step, zh) {
            (ScanStep::Reading, true) => "读取客户",
            (ScanStep::Reading, false) => "reading",
            (ScanStep::Comparing, true) => "比对候选对",
            (ScanStep::Comparing, false) => "comparing",
            (ScanStep::Saving, true) => "保存结果",
            (ScanStep::Saving, false) => "saving",
        };
        bar.set_message(step);
        bar.set_length(p.total);
        bar.set_position(p.done);
    };
    let started = Instant::now();
    let options = ScanOptions {
        threshold: a.threshold,
        ..ScanOptions::default()
    };
    let run = store
        .scan_duplicates(&ctx, options, &show)
        .await
        .map_err(|e| explain(e, lang))?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let auto = if a.merge_rules {
        let rule_ctx = kehu_store::write::Ctx {
            source: ChangeSource::Rule,
            ..ctx
        };
        let report = store
            .run_merge_rules(&rule_ctx, None)
            .await
            .map_err(|e| explain(e, lang))?;
        Some(report.merges.len())
    } else {
        None
    };

    let (mut related, mut contacts) = (0usize, 0usize);
    let mut after = 0;
    loop {
        let page = store
            .run_clusters(&ctx.actor, run.id, after, PRINT_PAGE)
            .await
            .map_err(|e| explain(e, lang))?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for cluster in &page {
            related += usize::from(cluster.related);
            contacts += usize::from(cluster.entity == "contact");
            if a.json {
                println!("{}", serde_json::to_string(&json_line(cluster)?)?);
            } else {
                print_cluster(cluster, lang);
            }
        }
    }
    let summary = if zh {
        format!(
            "扫描 {} 条客户，用时 {elapsed:.1} 秒：{} 组疑似重复客户，{related} 组为同一公司的分支机构，\
             {contacts} 组重复联系人。在“查重合并”页面逐组核对合并，或用 kehu merge 合并客户。",
            run.records,
            run.clusters as usize - related - contacts,
        )
    } else {
        format!(
            "Scanned {} customers in {elapsed:.1} s: {} clusters of likely duplicates, {related} of \
             branches of one company and {contacts} of duplicate contacts. Review and merge them on the \
             Duplicates page, or merge customers with kehu merge.",
            run.records,
            run.clusters as usize - related - contacts,
        )
    };
    let summary = match (auto, zh) {
        (None, _) => summary,
        (Some(n), true) => format!(
            "{summary}\n按合并规则自动合并了 {n} 组（每次合并都可用 kehu merge undo 撤销）。"
        ),
        (Some(n), false) => format!(
            "{summary}\nMerge rules merged {n} clusters (each can be undone with kehu merge undo)."
        ),
    };
    // With --json, standard output carries only the clusters.
    if a.json {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    Ok(())
}

/// A cluster with its record ids and external ids at the top, for
/// scripts (bench/score_dupes.py reads `external_ids`).
fn json_line(c: &QueueCluster) -> anyhow::Result<serde_json::Value> {
    let mut v = serde_json::to_value(c)?;
    let ids: Vec<i64> = c.members.iter().map(|m| m.id).collect();
    let external: Vec<&str> = c
        .members
        .iter()
        .filter_map(|m| m.external_id.as_deref())
        .collect();
    if let Some(o) = v.as_object_mut() {
        o.insert("ids".into(), ids.into());
        o.insert("external_ids".into(), external.into());
    }
    Ok(v)
}

fn print_cluster(c: &QueueCluster, lang: Lang) {
    let reasons: Vec<&str> = c
        .reasons
        .iter()
        .map(|code| {
            Reason::ALL
                .iter()
                .find(|r| r.as_str() == code)
                .map_or(code.as_str(), |r| r.label(lang))
        })
        .collect();
    let kind = match (c.related, lang) {
        (true, Lang::ZhCn) => " 分支机构",
        (true, Lang::En) => " related",
        (false, _) => "",
    };
    let sep = if lang == Lang::ZhCn { "，" } else { ", " };
    println!("[{}] {:.2}{kind}  {}", c.id, c.score, reasons.join(sep));
    for m in &c.members {
        let mut line = format!("    #{} {}", m.id, m.name);
        for extra in [&m.company, &m.mobile, &m.email, &m.city]
            .into_iter()
            .flatten()
        {
            line.push_str("  ");
            line.push_str(extra);
        }
        if let Some(ext) = &m.external_id {
            line.push_str(&format!("  ext:{ext}"));
        }
        println!("{line}");
    }
}

fn explain(e: kehu_store::Error, lang: Lang) -> anyhow::Error {
    use kehu_store::Error as E;
    match (e, lang) {
        (E::Forbidden, Lang::ZhCn) => anyhow!("只有管理员和经理可以查重"),
        (E::Forbidden, Lang::En) => {
            anyhow!("only administrators and managers may scan for duplicates")
        }
        (E::Conflict("scan_running"), Lang::ZhCn) => {
            anyhow!("另一次查重扫描正在进行，请等它结束")
        }
        (E::Conflict("scan_running"), Lang::En) => {
            anyhow!("another duplicate scan is running; wait for it to finish")
        }
        (other, _) => crate::merge::explain(other, lang),
    }
}
