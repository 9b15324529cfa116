//! Helpers shared by the merge, duplicate-scan and contact-merge tests:
//! users, customers, patches, a duplicate pair, merge requests, and the
//! scan and review-queue shortcuts. The tests using them run on SQLite by
//! default and on PostgreSQL when KEHU_TEST_DATABASE names a server.
#![allow(dead_code)]

use std::collections::BTreeMap;

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::{schema, ChangeSource, CustomerId};
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::dedupe::{DedupeRun, QueueCluster, QueueFilter, ScanOptions, ScanProgress};
use kehu_store::merge::MergeRequest;
use kehu_store::write::Ctx;
use kehu_store::Store;
use serde_json::{json, Value};

pub fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

pub async fn user(store: &Store, email: &str, role: &str) -> Ctx {
    let u = store
        .create_user(
            None,
            patch(
                schema::USER,
                json!({"email": email, "name": email, "role": role}),
            ),
            None,
        )
        .await
        .unwrap();
    Ctx::new(u.actor(), ChangeSource::Ui)
}

pub async fn customer(store: &Store, ctx: &Ctx, fields: Value, tags: &[&str]) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        tags: Some(tags.iter().map(|t| t.to_string()).collect()),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

/// A customer as a user sees it, without what any write bumps.
pub fn state(c: &Customer) -> Value {
    let mut v = serde_json::to_value(c).unwrap();
    let o = v.as_object_mut().unwrap();
    for bumped in ["version", "updated_at", "updated_by"] {
        o.remove(bumped);
    }
    v
}

pub struct Pair {
    pub a: Customer,
    pub b: Customer,
    pub contact: i64,
    pub interaction: i64,
    pub task: i64,
}

/// Two records of one person: 张伟 entered by one rep, 章伟 (a homophone)
/// with the same mobile by another, with a contact, a follow-up and a task
/// on the second.
pub async fn pair(store: &Store, ctx: &Ctx) -> Pair {
    let a = customer(
        store,
        ctx,
        json!({"name": "张伟", "mobile": "13812345678", "company": "北京某某科技有限公司", "title": "经理"}),
        &["VIP"],
    )
    .await;
    let b = customer(
        store,
        ctx,
        json!({"name": "章伟", "mobile": "138 1234 5678", "email": "zw@example.com", "city": "北京", "title": "总监"}),
        &["北京"],
    )
    .await;
    let contact = store
        .create_contact(
            ctx,
            patch(
                schema::CONTACT,
                json!({"customer_id": b.id, "name": "李秘书", "mobile": "13900000001"}),
            ),
        )
        .await
        .unwrap();
    let interaction = store
        .create_interaction(
            ctx,
            patch(
                schema::INTERACTION,
                json!({"customer_id": b.id, "channel": "call", "content": "询价"}),
            ),
        )
        .await
        .unwrap();
    let task = store
        .create_task(
            ctx,
            patch(
                schema::TASK,
                json!({"customer_id": b.id, "title": "回电", "due_at": "2027-01-15T09:00:00+08:00"}),
            ),
        )
        .await
        .unwrap();
    Pair {
        a,
        b,
        contact: contact.id,
        interaction: interaction.id,
        task: task.id,
    }
}

pub fn request(survivor: i64, merged: i64, choose: &[(&str, i64)]) -> MergeRequest {
    MergeRequest {
        survivor: CustomerId(survivor),
        merged: vec![CustomerId(merged)],
        choose: choose
            .iter()
            .map(|(f, id)| (f.to_string(), CustomerId(*id)))
            .collect::<BTreeMap<_, _>>(),
        score: Some(0.97),
        reasons: vec!["same_mobile".into(), "name_pinyin_equal".into()],
        rule: None,
    }
}

pub fn no_progress(_: ScanProgress) {}

pub async fn scan(store: &Store, ctx: &Ctx) -> DedupeRun {
    store
        .scan_duplicates(ctx, ScanOptions::default(), &no_progress)
        .await
        .unwrap()
}

pub async fn queue(store: &Store, ctx: &Ctx) -> Vec<QueueCluster> {
    let filter = QueueFilter {
        limit: 50,
        ..Default::default()
    };
    store
        .duplicate_queue(&ctx.actor, &filter)
        .await
        .unwrap()
        .clusters
}

pub fn members(c: &QueueCluster) -> Vec<i64> {
    c.members.iter().map(|m| m.id).collect()
}
