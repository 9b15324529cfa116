//! `kehu check`: the audit report (核对报告). Gives stale records their
//! verification tasks, then counts invalid, incomplete, duplicate and stale
//! records overall and per owner and team, keeps the run, and prints it
//! (or one JSON object with `--json`), optionally also as CSV or XLSX.

use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args;
use kehu_core::quality::BUCKETS;
use kehu_core::{ChangeSource, Lang};
use kehu_io::export::ExportFormat;
use kehu_store::quality::CheckReport;
use kehu_store::time::Time;

use crate::cli::Database;
use crate::transfer::Acting;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub db: Database,
    #[command(flatten)]
    pub acting: Acting,
    /// Print one JSON object (the report, with the verification tasks the
    /// run created) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the report to this file: .xlsx, else CSV.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub async fn run(args: CheckArgs) -> anyhow::Result<()> {
    let (store, ctx, lang) = args.acting.open(&args.db, ChangeSource::Rule).await?;
    let zh = lang == Lang::ZhCn;
    let now = Time::now();
    // Creating tasks for everyone's records is an administrator's act.
    let tasks_created = if ctx.actor.is_admin() {
        store.sweep_stale(now).await?.tasks_created
    } else {
        0
    };
    let report = store
        .run_check(&ctx.actor, now)
        .await
        .map_err(|e| match e {
            kehu_store::Error::Forbidden if zh => anyhow!("只有管理员和经理可以查看核对报告"),
            kehu_store::Error::Forbidden => {
                anyhow!("only administrators and managers may see the data quality report")
            }
            other => anyhow::Error::new(other),
        })?;
    if let Some(path) = &args.output {
        let format = ExportFormat::for_path(path);
        let bytes = kehu_io::quality_report::write_report(&report, format, lang)?;
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("verification_tasks_created".into(), tasks_created.into());
        }
        println!("{}", serde_json::to_string(&value)?);
    } else {
        print_text(&report, tasks_created, lang);
    }
    store.close().await;
    Ok(())
}

fn print_text(r: &CheckReport, tasks_created: i64, lang: Lang) {
    let zh = lang == Lang::ZhCn;
    let c = &r.customers;
    if zh {
        println!("核对报告 #{}（{}，北京时间）", r.run_id, r.at.to_china());
        println!(
            "客户 {} 个：不合规 {}，不完整 {}，超过 {} 天未核对 {}，平均完整度 {}。",
            c.records, c.invalid, c.incomplete, r.stale_days, c.stale, c.average_score
        );
        println!(
            "联系人 {} 个：不合规 {}，不完整 {}。",
            r.contacts.records, r.contacts.invalid, r.contacts.incomplete
        );
        println!(
            "重复：待审核 {} 组，已合并 {} 组，已排除 {} 组；合并 {} 次，并掉 {} 条记录。",
            r.duplicates.clusters_open,
            r.duplicates.clusters_merged,
            r.duplicates.clusters_dismissed,
            r.duplicates.merges,
            r.duplicates.records_merged
        );
        println!("新建核对任务 {tasks_created} 个。");
        println!("完整度分布：");
    } else {
        println!(
            "Data quality report #{} ({} China time)",
            r.run_id,
            r.at.to_china()
        );
        println!(
            "{} customers: {} invalid, {} incomplete, {} not verified in {} days, average completeness {}.",
            c.records, c.invalid, c.incomplete, c.stale, r.stale_days, c.average_score
        );
        println!(
            "{} contacts: {} invalid, {} incomplete.",
            r.contacts.records, r.contacts.invalid, r.contacts.incomplete
        );
        println!(
            "Duplicates: {} clusters open, {} merged, {} dismissed; {} merges folded {} records.",
            r.duplicates.clusters_open,
            r.duplicates.clusters_merged,
            r.duplicates.clusters_dismissed,
            r.duplicates.merges,
            r.duplicates.records_merged
        );
        println!("{tasks_created} verification tasks created.");
        println!("Completeness:");
    }
    for (bucket, n) in BUCKETS.iter().zip(&c.distribution) {
        println!("  {bucket:>7}  {n}");
    }
    println!(
        "{}",
        if zh {
            "按负责人（客户与联系人/不合规/不完整/重复录入/待核对）："
        } else {
            "By owner (customers and contacts/invalid/incomplete/duplicates entered/stale):"
        }
    );
    for o in &r.owners {
        let name = o.name.clone().unwrap_or_else(|| {
            if zh {
                "公海".into()
            } else {
                "shared pool".into()
            }
        });
        println!(
            "  {name}: {}/{}/{}/{}/{}",
            o.records, o.invalid, o.incomplete, o.duplicates, o.stale
        );
    }
}
