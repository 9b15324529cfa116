//! `kehu leads import FILE`: leads from a file (CSV, TSV, XLSX, XLS, ODS,
//! vCard, JSON Lines), each checked for duplicates and assigned as a
//! website form would assign it.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use kehu_core::{ChangeSource, Lang};
use kehu_store::leads::Assign;

use crate::cli::Database;
use crate::transfer::Acting;

#[derive(Args, Debug)]
pub struct LeadsArgs {
    #[command(subcommand)]
    pub command: LeadsCommand,
}

#[derive(Subcommand, Debug)]
pub enum LeadsCommand {
    /// Import leads from a file; headers are matched to lead fields
    /// (姓名/name, 公司/company, 手机/mobile, 邮箱/email, 省份/province,
    /// 来源/source, 活动/campaign, 留言/message, …).
    Import {
        #[command(flatten)]
        db: Database,
        #[command(flatten)]
        acting: Acting,
        file: PathBuf,
        /// Who gets the leads: the acting user (default), the pool,
        /// round_robin among --team's sales reps, or region rules.
        #[arg(long, default_value = "mine")]
        assign: String,
        /// The team of a round robin.
        #[arg(long)]
        team: Option<i64>,
        /// The source of rows without one (展会, 官网, …).
        #[arg(long)]
        source: Option<String>,
        /// The campaign of rows without one.
        #[arg(long)]
        campaign: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(args: LeadsArgs) -> anyhow::Result<()> {
    let LeadsCommand::Import {
        db,
        acting,
        file,
        assign,
        team,
        source,
        campaign,
        json,
    } = args.command;
    let (store, ctx, lang) = acting.open(&db, ChangeSource::Import).await?;
    let assign = match assign.as_str() {
        "mine" => Assign::AsGiven,
        other => Assign::parse(other, team).map_err(|_| {
            anyhow::anyhow!(match lang {
                Lang::ZhCn => "--assign 应为 mine、pool、round_robin（需 --team）或 region",
                Lang::En => "--assign is mine, pool, round_robin (with --team) or region",
            })
        })?,
    };
    let report = kehu_io::leads::import_leads(
        &store,
        &ctx,
        &file,
        assign,
        source.as_deref(),
        campaign.as_deref(),
        lang,
    )
    .await
    .with_context(|| format!("{}", file.display()))?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let zh = lang == Lang::ZhCn;
    if zh {
        println!(
            "新建线索 {}（其中 {} 条与已有线索或客户重复，已标出），拒绝 {} 行",
            report.created, report.duplicates, report.rejected
        );
    } else {
        println!(
            "{} leads created ({} of them match an earlier lead or a customer, marked), {} rows refused",
            report.created, report.duplicates, report.rejected
        );
    }
    for (row, why) in &report.issues {
        if zh {
            println!("  第 {row} 行：{why}");
        } else {
            println!("  row {row}: {why}");
        }
    }
    if !report.unmapped.is_empty() {
        let list = report.unmapped.join(", ");
        if zh {
            println!("未导入的列：{list}");
        } else {
            println!("Columns left out: {list}");
        }
    }
    Ok(())
}
