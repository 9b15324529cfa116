//! Helpers shared by the import tests: an admin, customers, the column
//! headers and options of a test file, its rows, and a driver that runs an
//! import in chunks as the file driver does. The tests using them run on
//! SQLite by default and on PostgreSQL when KEHU_TEST_DATABASE names a
//! server.
#![allow(dead_code)]

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::{schema, ChangeSource, CustomerId};
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::import::{Batch, BatchKind, Counts, ImportOptions, Issue, Policy, Seen, SourceRow};
use kehu_store::write::Ctx;
use kehu_store::Store;
use serde_json::{json, Value};

pub fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

pub async fn admin(store: &Store) -> Ctx {
    let u = store
        .create_user(
            None,
            patch(
                schema::USER,
                json!({"email": "admin@example.com", "name": "管理员", "role": "admin"}),
            ),
            None,
        )
        .await
        .unwrap();
    Ctx::new(u.actor(), ChangeSource::Import)
}

pub async fn customer(store: &Store, ctx: &Ctx, fields: Value) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

pub const HEADERS: &[&str] = &[
    "姓名",
    "手机",
    "邮箱",
    "公司",
    "职位",
    "阶段",
    "标签",
    "外部编号",
];

pub fn options(kind: BatchKind, policy: Policy) -> ImportOptions {
    let headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let mapping = kehu_core::columns::guess_all(&headers, &[])
        .into_iter()
        .map(|t| t.map(|t| t.key()))
        .collect();
    ImportOptions {
        kind,
        policy,
        headers,
        mapping,
        sheet: None,
        header_row: None,
        // Strict: an invalid value of any field rejects its row, as these
        // tests of policies, resuming and undo expect. Rows imported with
        // warnings have a test of their own.
        strict: true,
        description: None,
    }
}

pub fn rows(rows: &[[&str; 8]]) -> Vec<SourceRow> {
    rows.iter()
        .enumerate()
        .map(|(i, cells)| SourceRow {
            number: i as u64 + 2,
            cells: cells.iter().map(|c| c.to_string()).collect(),
        })
        .collect()
}

/// Runs an import of `source` in chunks of `chunk` rows, as the file
/// driver does; a dry run when `dry`.
pub async fn import(
    store: &Store,
    ctx: &Ctx,
    options: &ImportOptions,
    source: &[SourceRow],
    chunk: usize,
    dry: bool,
) -> (Option<Batch>, Counts, Vec<Issue>) {
    let preparer = store.preparer(options).await.unwrap();
    let mut batch = if dry {
        None
    } else {
        Some(
            store
                .begin_import(ctx, "test.csv", None, Some("sha"), options)
                .await
                .unwrap(),
        )
    };
    let mut seen = if dry {
        Seen::whole_file()
    } else {
        Seen::default()
    };
    let mut counts = Counts::default();
    let mut issues = Vec::new();
    for part in source.chunks(chunk) {
        let prepared = part.iter().cloned().map(|r| preparer.prepare(r)).collect();
        let out = store
            .import_chunk(ctx, options, batch.as_mut(), &preparer, prepared, &mut seen)
            .await
            .unwrap();
        counts.add(&out.counts);
        issues.extend(out.issues);
    }
    let batch = match batch {
        Some(b) => Some(store.finish_import(&ctx.actor, &b).await.unwrap()),
        None => None,
    };
    (batch, counts, issues)
}

pub fn codes(issue: &Issue) -> Vec<(String, String)> {
    issue
        .reasons
        .iter()
        .map(|r| (r.field.clone(), r.code.clone()))
        .collect()
}

pub async fn all_customers(store: &Store, ctx: &Ctx) -> Vec<Customer> {
    let mut out = Vec::new();
    for id in 1..=200 {
        if let Ok(c) = store.customer(&ctx.actor, CustomerId(id)).await {
            out.push(c);
        }
    }
    out
}

pub const FILE: &[[&str; 8]] = &[
    [
        "张三",
        "138 1234 5678",
        "zhang@example.com",
        "北京某某科技有限公司",
        "经理",
        "成交客户",
        "重点，展会",
        "",
    ],
    ["李四", "12345", "not-an-email", "", "", "", "", ""],
    ["王五", "13900000001", "", "", "", "", "", ""],
    ["张三丰", "", "ZHANG@example.com", "", "", "", "", ""],
    ["", "13700000000", "", "", "", "", "", ""],
    ["赵六", "", "", "", "", "老板", "", ""],
    [
        "Smith",
        "+86 137-0000-0009",
        "smith@example.com",
        "",
        "",
        "Prospect",
        "",
        "CRM-9",
    ],
];
