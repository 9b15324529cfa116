//! `kehu export`: the customer list, filtered as in its URL, to a file or
//! standard output.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use clap::Args;
use kehu_core::{ChangeSource, Lang};
use kehu_io::export::{export_customers, ExportFormat};
use kehu_store::list::CustomerFilter;

use super::{store_error, Acting};
use crate::cli::Database;

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
