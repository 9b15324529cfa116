//! Leads from a file (a trade fair's visitor list, a purchased list, a
//! campaign's sign-ups): every row parsed by the lead's entry standards,
//! checked for duplicates and assigned like any captured lead. Rows are
//! read one at a time, so the file may be large; each lead is written in a
//! transaction of its own, and a refused row is reported with its number
//! and reasons while the rest go on.

use std::path::Path;

use kehu_core::columns::{guess_all, Target};
use kehu_core::entry::{parse_object_in, Mode};
use kehu_core::text::match_key;
use kehu_core::{schema, Lang};
use kehu_store::leads::Assign;
use kehu_store::write::Ctx;
use kehu_store::Store;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{open, FileError, OpenOptions};

/// What a lead import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LeadImport {
    pub created: u64,
    /// Leads whose mobile or email matched an earlier lead or a customer
    /// (created all the same, with the match named on the lead).
    pub duplicates: u64,
    pub rejected: u64,
    /// The refused rows: (row number, reasons in the caller's language).
    pub issues: Vec<(u64, String)>,
    /// Headers that name no lead field, left out.
    pub unmapped: Vec<String>,
}

/// Why a lead import stopped.
#[derive(Debug, thiserror::Error)]
pub enum LeadImportError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] kehu_store::Error),
}

/// Most refused rows a report lists one by one.
const MAX_ISSUES: usize = 1000;

/// The lead field a header names: a customer field a lead also has, or a
/// campaign or message column.
fn lead_field(header: &str, guessed: Option<Target>) -> Option<&'static str> {
    let key = match_key(header);
    if ["campaign", "市场活动", "活动", "活动名称", "utmcampaign"].contains(&key.as_str())
    {
        return Some("campaign");
    }
    if [
        "message",
        "留言",
        "咨询内容",
        "需求",
        "备注",
        "notes",
        "comment",
    ]
    .contains(&key.as_str())
    {
        return Some("message");
    }
    match guessed {
        Some(Target::Field(name)) => schema::LEAD
            .iter()
            .map(|s| s.name)
            .find(|n| *n == name && *n != "owner_id"),
        _ => None,
    }
}

/// Imports leads from `path`, each assigned by `assign`; `source` and
/// `campaign` fill rows that have none.
pub async fn import_leads(
    store: &Store,
    ctx: &Ctx,
    path: &Path,
    assign: Assign,
    source: Option<&str>,
    campaign: Option<&str>,
    lang: Lang,
) -> Result<LeadImport, LeadImportError> {
    let mut table = open(path, &OpenOptions::default())?;
    let home = store.default_country().await?;
    let guessed = guess_all(&table.headers, &[]);
    let fields: Vec<Option<&'static str>> = table
        .headers
        .iter()
        .zip(guessed)
        .map(|(h, g)| lead_field(h, g))
        .collect();
    let mut report = LeadImport {
        unmapped: table
            .headers
            .iter()
            .zip(&fields)
            .filter(|(_, f)| f.is_none())
            .map(|(h, _)| h.clone())
            .collect(),
        ..Default::default()
    };
    let refuse = |report: &mut LeadImport, number: u64, why: String| {
        report.rejected += 1;
        if report.issues.len() < MAX_ISSUES {
            report.issues.push((number, why));
        }
    };
    while let Some(row) = table.next_row() {
        let row = match row {
            Ok(row) => row,
            Err(FileError::BadRow { number, .. }) => {
                refuse(
                    &mut report,
                    number,
                    kehu_core::Code::UnreadableRow.message(lang),
                );
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(m) = row.misfit {
            let code = kehu_core::Code::CellCount {
                cells: m.cells,
                header: m.header,
            };
            refuse(&mut report, row.number, code.message(lang));
            continue;
        }
        let mut object = Map::new();
        for (cell, field) in row.cells.iter().zip(&fields) {
            if let (Some(field), false) = (field, cell.trim().is_empty()) {
                object.insert((*field).to_owned(), Value::from(cell.trim()));
            }
        }
        for (field, default) in [("source", source), ("campaign", campaign)] {
            if let (false, Some(v)) = (object.contains_key(field), default) {
                object.insert(field.to_owned(), Value::from(v));
            }
        }
        let patch = match parse_object_in(&object, schema::LEAD, &[], Mode::Create, home) {
            Ok(p) => p,
            Err(invalid) => {
                refuse(&mut report, row.number, invalid.summary(lang));
                continue;
            }
        };
        match store.capture_lead(ctx, patch, assign).await {
            Ok(lead) => {
                report.created += 1;
                if lead.duplicate_lead_id.is_some() || lead.duplicate_customer_id.is_some() {
                    report.duplicates += 1;
                }
            }
            Err(kehu_store::Error::Invalid(invalid)) => {
                refuse(&mut report, row.number, invalid.summary(lang))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(report)
}
