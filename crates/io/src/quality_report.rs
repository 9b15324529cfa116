//! The audit report (核对报告) as a spreadsheet: one sheet of sections
//! (totals, rules, duplicates, completeness, people, teams), each a small
//! table under a heading row, in the reader's language.

use kehu_core::quality::BUCKETS;
use kehu_core::Lang;
use kehu_store::quality::{CheckReport, EntityFigures, QualityRow, RevalidationFailure};

use crate::export::{ExportError, ExportFormat, Sheet};

/// A text in both languages, picked by `lang`.
fn tr(lang: Lang, zh: &'static str, en: &'static str) -> String {
    match lang {
        Lang::ZhCn => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

fn level_name(lang: Lang, level: &str) -> String {
    match level {
        "required" => tr(lang, "必填", "required"),
        "recommended" => tr(lang, "建议填写", "recommended"),
        _ => tr(lang, "字段规则", "field rules"),
    }
}

fn record_type_name(lang: Lang, record: &str) -> String {
    match record {
        "company" => tr(lang, "企业客户", "company customers"),
        "individual" => tr(lang, "个人客户", "individual customers"),
        "contact" => tr(lang, "联系人", "contacts"),
        _ => tr(lang, "客户", "customers"),
    }
}

fn quality_rows(
    lang: Lang,
    rows: &[QualityRow],
    nobody: (&'static str, &'static str),
) -> Vec<Vec<String>> {
    let mut out = vec![vec![
        tr(lang, "名称", "Name"),
        tr(lang, "记录数", "Records"),
        tr(lang, "不合规", "Invalid"),
        tr(lang, "不完整", "Incomplete"),
        tr(lang, "重复录入", "Duplicates entered"),
        tr(lang, "待核对", "Stale"),
    ]];
    for r in rows {
        out.push(vec![
            r.name
                .clone()
                .unwrap_or_else(|| tr(lang, nobody.0, nobody.1)),
            r.records.to_string(),
            r.invalid.to_string(),
            r.incomplete.to_string(),
            r.duplicates.to_string(),
            r.stale.to_string(),
        ]);
    }
    out
}

fn entity_row(name: String, f: &EntityFigures) -> Vec<String> {
    vec![
        name,
        f.records.to_string(),
        f.invalid.to_string(),
        f.incomplete.to_string(),
        f.stale.to_string(),
        f.average_score.to_string(),
    ]
}

/// The report as rows of cells: what the CSV and XLSX files hold.
pub fn report_rows(report: &CheckReport, lang: Lang) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = vec![
        vec![
            tr(lang, "核对报告", "Data quality report"),
            report.at.to_china(),
        ],
        vec![
            tr(lang, "多久未核对算过期（天）", "Stale after (days)"),
            report.stale_days.to_string(),
        ],
        vec![
            tr(lang, "完整度低于此分算不完整", "Incomplete below score"),
            report.incomplete_below.to_string(),
        ],
        Vec::new(),
        vec![
            tr(lang, "记录", "Records"),
            tr(lang, "总数", "Total"),
            tr(lang, "不合规", "Invalid"),
            tr(lang, "不完整", "Incomplete"),
            tr(lang, "待核对", "Stale"),
            tr(lang, "平均完整度", "Average completeness"),
        ],
        entity_row(tr(lang, "客户", "Customers"), &report.customers),
        entity_row(tr(lang, "联系人", "Contacts"), &report.contacts),
        Vec::new(),
        vec![
            tr(lang, "完整度分布", "Completeness"),
            tr(lang, "客户", "Customers"),
            tr(lang, "联系人", "Contacts"),
        ],
    ];
    for (i, bucket) in BUCKETS.iter().enumerate() {
        rows.push(vec![
            (*bucket).to_owned(),
            report
                .customers
                .distribution
                .get(i)
                .copied()
                .unwrap_or(0)
                .to_string(),
            report
                .contacts
                .distribution
                .get(i)
                .copied()
                .unwrap_or(0)
                .to_string(),
        ]);
    }
    rows.push(Vec::new());
    rows.push(vec![
        tr(lang, "规则", "Rule"),
        tr(lang, "记录类型", "Record type"),
        tr(lang, "要求", "Level"),
        tr(lang, "不符合的记录", "Records failing"),
    ]);
    for r in &report.rules {
        rows.push(vec![
            r.field.clone(),
            record_type_name(lang, &r.record_type),
            level_name(lang, &r.level),
            r.failing.to_string(),
        ]);
    }
    let d = &report.duplicates;
    rows.push(Vec::new());
    rows.push(vec![
        tr(lang, "重复", "Duplicates"),
        tr(lang, "数量", "Count"),
    ]);
    for (zh, en, n) in [
        ("待审核的重复组", "Clusters open", d.clusters_open),
        ("已合并的重复组", "Clusters merged", d.clusters_merged),
        ("已排除的重复组", "Clusters dismissed", d.clusters_dismissed),
        ("合并次数", "Merges", d.merges),
        ("被合并的记录", "Records merged", d.records_merged),
    ] {
        rows.push(vec![tr(lang, zh, en), n.to_string()]);
    }
    rows.push(Vec::new());
    rows.push(vec![tr(lang, "按负责人", "By owner")]);
    rows.extend(quality_rows(lang, &report.owners, ("公海", "Shared pool")));
    rows.push(Vec::new());
    rows.push(vec![tr(lang, "按团队", "By team")]);
    rows.extend(quality_rows(lang, &report.teams, ("无团队", "No team")));
    rows
}

/// Writes the report as CSV or XLSX and hands back the file's bytes.
pub fn write_report(
    report: &CheckReport,
    format: ExportFormat,
    lang: Lang,
) -> Result<Vec<u8>, ExportError> {
    write_rows(
        report_rows(report, lang),
        format,
        &tr(lang, "核对报告", "Data quality"),
    )
}

/// The header of a re-validation's list of failing records.
pub fn failure_header(lang: Lang) -> Vec<String> {
    vec![
        tr(lang, "记录类型", "Record type"),
        tr(lang, "记录编号", "Record id"),
        tr(lang, "规则", "Rule"),
        tr(lang, "问题代码", "Problem code"),
    ]
}

/// One failing record of a re-validation as cells, the problem as its
/// stable code (`required`, `pattern_mismatch`).
pub fn failure_row(f: &RevalidationFailure, lang: Lang) -> Vec<String> {
    let entity = match f.entity.as_str() {
        "contact" => tr(lang, "联系人", "contact"),
        _ => tr(lang, "客户", "customer"),
    };
    vec![
        entity,
        f.record_id.to_string(),
        f.field.clone(),
        f.code.clone(),
    ]
}

/// Writes rows (the first one a header) as CSV or XLSX.
pub fn write_rows(
    rows: impl IntoIterator<Item = Vec<String>>,
    format: ExportFormat,
    sheet_name: &str,
) -> Result<Vec<u8>, ExportError> {
    let mut sheet = Sheet::new(format, sheet_name, Vec::new());
    for row in rows {
        sheet.write_row(&row.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    sheet.finish()
}
