//! Merging duplicates at the storage level: chosen values kept, everything
//! attached moved, the merged id still leading to the survivor, history
//! written, and undo back to the exact previous state. Runs on SQLite by
//! default and on PostgreSQL when KEHU_TEST_DATABASE names a server.

use std::collections::BTreeMap;

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::{schema, ChangeSource, ContactId, CustomerId, InteractionId};
use kehu_store::contact_merge::ContactMergeRequest;
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::dedupe::{DedupeRun, QueueCluster, QueueFilter, ScanOptions, ScanProgress};
use kehu_store::merge::MergeRequest;
use kehu_store::merge_rules::MergeRuleInput;
use kehu_store::records::Contact;
use kehu_store::testing::TestDb;
use kehu_store::time::Time;
use kehu_store::write::Ctx;
use kehu_store::{Error, Store};
use serde_json::{json, Value};

fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

async fn user(store: &Store, email: &str, role: &str) -> Ctx {
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

async fn customer(store: &Store, ctx: &Ctx, fields: Value, tags: &[&str]) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        tags: Some(tags.iter().map(|t| t.to_string()).collect()),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

/// A customer as a user sees it, without what any write bumps.
fn state(c: &Customer) -> Value {
    let mut v = serde_json::to_value(c).unwrap();
    let o = v.as_object_mut().unwrap();
    for bumped in ["version", "updated_at", "updated_by"] {
        o.remove(bumped);
    }
    v
}

struct Pair {
    a: Customer,
    b: Customer,
    contact: i64,
    interaction: i64,
    task: i64,
}

/// Two records of one person: 张伟 entered by one rep, 章伟 (a homophone)
/// with the same mobile by another, with a contact, a follow-up and a task
/// on the second.
async fn pair(store: &Store, ctx: &Ctx) -> Pair {
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

fn request(survivor: i64, merged: i64, choose: &[(&str, i64)]) -> MergeRequest {
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

#[tokio::test]
async fn a_merge_keeps_chosen_values_moves_everything_attached_and_undo_restores_both_records() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let p = pair(&store, &ctx).await;
    let before_a = store
        .customer(&ctx.actor, CustomerId(p.a.id))
        .await
        .unwrap();
    let before_b = store
        .customer(&ctx.actor, CustomerId(p.b.id))
        .await
        .unwrap();

    // Detection finds the two as one person.
    scan(&store, &ctx).await;
    let found = queue(&store, &ctx).await;
    assert_eq!(found.len(), 1);
    assert_eq!(members(&found[0]), vec![p.a.id, p.b.id]);
    assert!(found[0].reasons.contains(&"same_mobile".to_string()));
    assert!(found[0].reasons.contains(&"name_pinyin_equal".to_string()));
    let ids: Vec<CustomerId> = members(&found[0]).into_iter().map(CustomerId).collect();

    // The plan proposes the more complete record's values where they differ.
    let plan = store.merge_plan(&ctx.actor, &ids).await.unwrap();
    assert_eq!(
        plan.survivor, p.b.id,
        "the more complete record ranks first"
    );
    let title = plan.fields.iter().find(|f| f.field == "title").unwrap();
    assert_eq!(title.chosen, p.b.id);
    assert!(
        plan.fields.iter().all(|f| f.field != "mobile"),
        "same mobile: nothing to choose"
    );

    // Keep 张伟's record and name, take 章伟's title; the rest by default.
    let merge = store
        .merge_customers(
            &ctx,
            &request(p.a.id, p.b.id, &[("name", p.a.id), ("title", p.b.id)]),
        )
        .await
        .unwrap();
    assert_eq!(merge.survivor_id, p.a.id);
    assert_eq!(merge.merged_ids, vec![p.b.id]);
    assert_eq!(merge.moved, 3);
    let a = store
        .customer(&ctx.actor, CustomerId(p.a.id))
        .await
        .unwrap();
    assert_eq!(a.name, "张伟");
    assert_eq!(a.title.as_deref(), Some("总监"));
    assert_eq!(
        a.email.as_deref(),
        Some("zw@example.com"),
        "filled from the other record"
    );
    assert_eq!(a.city.as_deref(), Some("北京"));
    assert_eq!(a.company.as_deref(), Some("北京某某科技有限公司"));
    assert_eq!(a.tags, vec!["VIP".to_owned(), "北京".to_owned()]);

    // The merged record is in the bin, and its id leads to the survivor.
    assert!(matches!(
        store.customer(&ctx.actor, CustomerId(p.b.id)).await,
        Err(Error::NotFound)
    ));
    assert_eq!(
        store
            .merged_into(&ctx.actor, CustomerId(p.b.id))
            .await
            .unwrap(),
        Some(CustomerId(p.a.id))
    );
    assert_eq!(
        store
            .merged_into(&ctx.actor, CustomerId(p.a.id))
            .await
            .unwrap(),
        None
    );

    // Everything attached moved.
    let contacts = store.contacts_of(&a).await.unwrap();
    assert!(contacts.iter().any(|c| c.id == p.contact));
    let interactions = store.interactions_of(&a).await.unwrap();
    assert!(interactions.iter().any(|i| i.id == p.interaction));
    let tasks = store
        .tasks(&ctx.actor, None, None, Some(CustomerId(p.a.id)), 100)
        .await
        .unwrap();
    assert!(tasks.iter().any(|t| t.id == p.task));

    // History tells the story on both records.
    let history = store.customer_history(&a, 100).await.unwrap();
    let merged = history.iter().find(|h| h.field == "merged").unwrap();
    assert_eq!(merged.source, "merge");
    assert_eq!(
        merged.new_value.as_deref(),
        Some(p.b.id.to_string().as_str())
    );
    let title = history.iter().find(|h| h.field == "title").unwrap();
    assert_eq!(
        (title.old_value.as_deref(), title.new_value.as_deref()),
        (Some("经理"), Some("总监"))
    );
    let b_history = store.customer_history(&before_b, 100).await.unwrap();
    assert!(b_history
        .iter()
        .any(|h| h.field == "merged_into" && h.new_value == Some(p.a.id.to_string())));
    assert!(
        store
            .merges_into(&ctx.actor, CustomerId(p.a.id))
            .await
            .unwrap()[0]
            .id
            == merge.id
    );

    // Undo: both records exactly as they were, everything back in place.
    let undo = store.undo_merge(&ctx, merge.id, false).await.unwrap();
    assert!(undo.done, "{:?}", undo.conflicts);
    assert!(undo.merge.undone_at.is_some());
    let a = store
        .customer(&ctx.actor, CustomerId(p.a.id))
        .await
        .unwrap();
    let b = store
        .customer(&ctx.actor, CustomerId(p.b.id))
        .await
        .unwrap();
    assert_eq!(state(&a), state(&before_a));
    assert_eq!(state(&b), state(&before_b));
    assert_eq!(
        store
            .merged_into(&ctx.actor, CustomerId(p.b.id))
            .await
            .unwrap(),
        None
    );
    let contacts = store.contacts_of(&b).await.unwrap();
    assert_eq!(
        contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![p.contact]
    );
    assert!(store.contacts_of(&a).await.unwrap().is_empty());
    assert_eq!(store.interactions_of(&b).await.unwrap().len(), 1);
    let tasks = store
        .tasks(&ctx.actor, None, None, Some(CustomerId(p.b.id)), 100)
        .await
        .unwrap();
    assert_eq!(tasks.iter().map(|t| t.id).collect::<Vec<_>>(), vec![p.task]);

    // Once is enough.
    assert!(matches!(
        store.undo_merge(&ctx, merge.id, false).await,
        Err(Error::Conflict("already_undone"))
    ));
}

#[tokio::test]
async fn undo_asks_first_when_the_survivor_changed_after_the_merge() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let p = pair(&store, &ctx).await;
    let merge = store
        .merge_customers(&ctx, &request(p.a.id, p.b.id, &[("title", p.b.id)]))
        .await
        .unwrap();
    let edit = CustomerInput {
        patch: parse_object(
            json!({"notes": "合并后补充的备注"}).as_object().unwrap(),
            schema::CUSTOMER,
            &[],
            Mode::Update,
        )
        .unwrap(),
        ..Default::default()
    };
    store
        .update_customer(&ctx, CustomerId(p.a.id), edit, None)
        .await
        .unwrap();

    let asked = store.undo_merge(&ctx, merge.id, false).await.unwrap();
    assert!(!asked.done);
    assert_eq!(asked.conflicts, vec!["survivor_changed".to_owned()]);
    assert!(asked.merge.undone_at.is_none(), "nothing changed");
    assert!(store
        .customer(&ctx.actor, CustomerId(p.b.id))
        .await
        .is_err());

    let forced = store.undo_merge(&ctx, merge.id, true).await.unwrap();
    assert!(forced.done);
    let a = store
        .customer(&ctx.actor, CustomerId(p.a.id))
        .await
        .unwrap();
    assert_eq!(
        a.title.as_deref(),
        Some("经理"),
        "the merge's change is undone"
    );
    assert_eq!(
        a.notes.as_deref(),
        Some("合并后补充的备注"),
        "the later edit stays"
    );
    store
        .customer(&ctx.actor, CustomerId(p.b.id))
        .await
        .unwrap();
}

#[tokio::test]
async fn only_managers_merge_and_bad_requests_change_nothing() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let sales = user(&store, "rep@example.com", "sales").await;
    let p = pair(&store, &admin).await;
    assert!(matches!(
        store
            .merge_customers(&sales, &request(p.a.id, p.b.id, &[]))
            .await,
        Err(Error::Forbidden)
    ));
    for bad in [
        request(p.a.id, p.a.id, &[]),
        request(p.a.id, p.b.id, &[("no_such_field", p.a.id)]),
        request(p.a.id, p.b.id, &[("title", 999_999)]),
    ] {
        assert!(matches!(
            store.merge_customers(&admin, &bad).await,
            Err(Error::Invalid(_))
        ));
    }
    assert!(matches!(
        store
            .merge_customers(&admin, &request(p.a.id, 999_999, &[]))
            .await,
        Err(Error::NotFound)
    ));
    // Nothing of any attempt was kept.
    store
        .customer(&admin.actor, CustomerId(p.b.id))
        .await
        .unwrap();
    let a = store
        .customer(&admin.actor, CustomerId(p.a.id))
        .await
        .unwrap();
    assert_eq!(state(&a), state(&p.a));
}

#[tokio::test]
async fn a_pair_marked_not_duplicate_is_remembered() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let p = pair(&store, &ctx).await;
    store
        .mark_not_duplicate(&ctx, CustomerId(p.b.id), CustomerId(p.a.id))
        .await
        .unwrap();
    store
        .mark_not_duplicate(&ctx, CustomerId(p.a.id), CustomerId(p.b.id))
        .await
        .unwrap();
    let pairs = store.not_duplicates().await.unwrap();
    assert_eq!(
        pairs.into_iter().collect::<Vec<_>>(),
        vec![(p.a.id, p.b.id)]
    );
    assert!(matches!(
        store
            .mark_not_duplicate(&ctx, CustomerId(p.a.id), CustomerId(p.a.id))
            .await,
        Err(Error::Invalid(_))
    ));
}

fn no_progress(_: ScanProgress) {}

async fn scan(store: &Store, ctx: &Ctx) -> DedupeRun {
    store
        .scan_duplicates(ctx, ScanOptions::default(), &no_progress)
        .await
        .unwrap()
}

async fn queue(store: &Store, ctx: &Ctx) -> Vec<QueueCluster> {
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

fn members(c: &QueueCluster) -> Vec<i64> {
    c.members.iter().map(|m| m.id).collect()
}

#[tokio::test]
async fn a_scan_finds_duplicates_among_stored_records_with_their_reasons() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let p = pair(&store, &ctx).await;
    // A company entered twice with its name written two ways, and a branch.
    let head = customer(
        &store,
        &ctx,
        json!({"kind": "company", "name": "上海华信科技有限公司", "uscc": "91310000MA1FL8TQ36", "city": "上海", "phone": "021-58881234"}),
        &[],
    )
    .await;
    let again = customer(
        &store,
        &ctx,
        json!({"kind": "company", "name": "华信科技（上海）有限公司", "city": "上海"}),
        &[],
    )
    .await;
    let branch = customer(
        &store,
        &ctx,
        json!({"kind": "company", "name": "上海华信科技有限公司浦东分公司", "city": "上海", "phone": "021-58881234"}),
        &[],
    )
    .await;
    // Reached through a contact's mobile only.
    let via_contact = customer(
        &store,
        &ctx,
        json!({"name": "王芳", "company": "杭州某某贸易有限公司"}),
        &[],
    )
    .await;
    store
        .create_contact(
            &ctx,
            patch(
                schema::CONTACT,
                json!({"customer_id": via_contact.id, "name": "王芳", "mobile": "13700001111"}),
            ),
        )
        .await
        .unwrap();
    let direct = customer(
        &store,
        &ctx,
        json!({"name": "王芳", "mobile": "+86 137-0000-1111"}),
        &[],
    )
    .await;
    // Nothing like anyone else.
    customer(
        &store,
        &ctx,
        json!({"name": "赵六", "mobile": "13511112222"}),
        &[],
    )
    .await;

    let run = scan(&store, &ctx).await;
    assert_eq!(run.records, 8);
    assert_eq!(run.clusters, 4);
    assert!(run.finished_at.is_some());
    let related = QueueFilter {
        related: Some(true),
        limit: 10,
        ..Default::default()
    };
    let page = store.duplicate_queue(&ctx.actor, &related).await.unwrap();
    assert_eq!(page.total, 1);
    assert!(page.clusters[0].related);
    assert!(members(&page.clusters[0]).contains(&branch.id));
    assert!(page.clusters[0]
        .reasons
        .contains(&"branch_of_company".to_string()));
    let duplicates = QueueFilter {
        related: Some(false),
        limit: 10,
        ..Default::default()
    };
    let found = store
        .duplicate_queue(&ctx.actor, &duplicates)
        .await
        .unwrap()
        .clusters;
    let mut groups: Vec<Vec<i64>> = found.iter().map(members).collect();
    groups.sort();
    let mut expected = vec![
        vec![p.a.id, p.b.id],
        vec![head.id, again.id],
        vec![via_contact.id, direct.id],
    ];
    expected.sort();
    assert_eq!(groups, expected);
    let people = found
        .iter()
        .find(|c| members(c) == [p.a.id, p.b.id])
        .unwrap();
    assert!(people.reasons.contains(&"same_mobile".to_string()));
    assert!(people.reasons.contains(&"name_pinyin_equal".to_string()));
    assert_eq!(people.status, "open");
    assert!(!people.related);
    let companies = found
        .iter()
        .find(|c| members(c) == [head.id, again.id])
        .unwrap();
    assert!(companies.reasons.contains(&"same_company_core".to_string()));
    // Strongest first.
    assert!(found.windows(2).all(|w| w[0].score >= w[1].score));

    // A second scan replaces the queue instead of adding to it.
    let second = scan(&store, &ctx).await;
    assert_eq!(second.clusters, 4);
    assert_eq!(queue(&store, &ctx).await.len(), 4);
    assert_eq!(store.dedupe_runs(10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn merging_a_cluster_settles_it_and_the_merged_record_is_not_scanned_again() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let p = pair(&store, &ctx).await;
    scan(&store, &ctx).await;
    let cluster = queue(&store, &ctx).await.remove(0);
    let merge = store
        .merge_customers(&ctx, &request(p.a.id, p.b.id, &[("title", p.b.id)]))
        .await
        .unwrap();
    let settled = store
        .duplicate_cluster(&ctx.actor, cluster.id)
        .await
        .unwrap();
    assert_eq!(settled.status, "merged");
    assert_eq!(settled.merge_id, Some(merge.id));
    assert!(queue(&store, &ctx).await.is_empty());
    let merged_list = QueueFilter {
        status: Some("merged".into()),
        limit: 10,
        ..Default::default()
    };
    let page = store
        .duplicate_queue(&ctx.actor, &merged_list)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    let run = scan(&store, &ctx).await;
    assert_eq!((run.records, run.clusters), (1, 0));
    // The settled cluster stays for the audit report.
    let page = store
        .duplicate_queue(&ctx.actor, &merged_list)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
}

#[tokio::test]
async fn not_a_duplicate_takes_a_record_out_of_its_cluster_for_good() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let p = pair(&store, &ctx).await;
    let third = customer(
        &store,
        &ctx,
        json!({"name": "张伟", "mobile": "13812345678"}),
        &[],
    )
    .await;
    scan(&store, &ctx).await;
    let cluster = queue(&store, &ctx).await.remove(0);
    assert_eq!(members(&cluster), vec![p.a.id, p.b.id, third.id]);

    let left = store
        .dismiss_cluster(&ctx, cluster.id, Some(third.id))
        .await
        .unwrap();
    assert_eq!(members(&left), vec![p.a.id, p.b.id]);
    assert_eq!(left.status, "open");
    assert!(left
        .pairs
        .iter()
        .all(|x| x.a != third.id && x.b != third.id));
    let marked = store.not_duplicates().await.unwrap();
    assert!(marked.contains(&(p.a.id, third.id)) && marked.contains(&(p.b.id, third.id)));

    // Never proposed again, neither as a pair nor through the others.
    let run = scan(&store, &ctx).await;
    assert_eq!(run.clusters, 1);
    let cluster = queue(&store, &ctx).await.remove(0);
    assert_eq!(members(&cluster), vec![p.a.id, p.b.id]);

    // Dismissing the whole cluster dismisses it and remembers the pair.
    let dismissed = store.dismiss_cluster(&ctx, cluster.id, None).await.unwrap();
    assert_eq!(dismissed.status, "dismissed");
    assert!(matches!(
        store.dismiss_cluster(&ctx, cluster.id, None).await,
        Err(Error::Conflict("cluster_closed"))
    ));
    assert_eq!(scan(&store, &ctx).await.clusters, 0);
    assert!(queue(&store, &ctx).await.is_empty());
}

#[tokio::test]
async fn only_managers_scan_and_reps_see_only_clusters_of_records_they_may_see() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let other = user(&store, "other@example.com", "sales").await;
    customer(
        &store,
        &rep,
        json!({"name": "张伟", "mobile": "13812345678"}),
        &[],
    )
    .await;
    customer(
        &store,
        &rep,
        json!({"name": "章伟", "mobile": "13812345678"}),
        &[],
    )
    .await;
    customer(
        &store,
        &rep,
        json!({"name": "李雷", "mobile": "13900001111"}),
        &[],
    )
    .await;
    customer(
        &store,
        &other,
        json!({"name": "李雷", "mobile": "13900001111"}),
        &[],
    )
    .await;

    assert!(matches!(
        store
            .scan_duplicates(&rep, ScanOptions::default(), &no_progress)
            .await,
        Err(Error::Forbidden)
    ));
    let bad = ScanOptions {
        threshold: 1.5,
        ..Default::default()
    };
    assert!(matches!(
        store.scan_duplicates(&admin, bad, &no_progress).await,
        Err(Error::Invalid(_))
    ));
    assert!(store.dedupe_runs(10).await.unwrap().is_empty());

    assert_eq!(scan(&store, &admin).await.clusters, 2);
    assert_eq!(queue(&store, &admin).await.len(), 2);
    let mine = queue(&store, &rep).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].members[0].name, "张伟");
}

#[tokio::test]
async fn a_merge_rule_merges_only_the_clusters_it_covers_and_each_merge_is_undone_alone() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let manager = user(&store, "boss@example.com", "manager").await;
    // Same mobile and same name: the rule's case.
    let a = customer(
        &store,
        &admin,
        json!({"name": "李娜", "mobile": "13900001111"}),
        &[],
    )
    .await;
    let b = customer(
        &store,
        &admin,
        json!({"name": "李娜", "mobile": "139 0000 1111", "city": "上海"}),
        &[],
    )
    .await;
    // Same mobile, homophone name: left for a person.
    let p = pair(&store, &admin).await;

    let strict = MergeRuleInput {
        name: Some("同手机同姓名".into()),
        require: Some(vec!["same_mobile".into(), "same_name".into()]),
        min_score: Some(0.8),
        ..Default::default()
    };
    assert!(matches!(
        store.create_merge_rule(&manager, strict.clone()).await,
        Err(Error::Forbidden)
    ));
    for bad in [
        MergeRuleInput {
            require: Some(vec!["different_uscc".into()]),
            ..strict.clone()
        },
        MergeRuleInput {
            min_score: Some(1.5),
            ..strict.clone()
        },
        MergeRuleInput {
            require: Some(vec![]),
            min_score: Some(0.5),
            ..strict.clone()
        },
        MergeRuleInput {
            schedule: Some("hourly".into()),
            ..strict.clone()
        },
    ] {
        assert!(matches!(
            store.create_merge_rule(&admin, bad).await,
            Err(Error::Invalid(_))
        ));
    }
    assert!(store.merge_rules().await.unwrap().is_empty());
    let rule = store
        .create_merge_rule(&admin, strict.clone())
        .await
        .unwrap();
    assert!(matches!(
        store.create_merge_rule(&admin, strict).await,
        Err(Error::Invalid(_))
    ));

    let daily = MergeRuleInput {
        schedule: Some("daily".into()),
        ..Default::default()
    };
    store
        .update_merge_rule(&admin, rule.id, daily)
        .await
        .unwrap();
    assert_eq!(store.due_merge_rules(Time::now()).await.unwrap().len(), 1);

    scan(&store, &admin).await;
    let report = store
        .run_merge_rules(&Ctx::system(ChangeSource::Rule), None)
        .await
        .unwrap();
    assert_eq!(report.clusters, 2);
    assert_eq!(report.merges.len(), 1);
    let merge = store.merge(&admin.actor, report.merges[0]).await.unwrap();
    assert_eq!(merge.source, "rule");
    assert_eq!(merge.rule_id, Some(rule.id));
    let mut both = vec![merge.survivor_id, merge.merged_ids[0]];
    both.sort();
    assert_eq!(both, vec![a.id, b.id]);
    // The homophones wait in the queue.
    let left = queue(&store, &admin).await;
    assert_eq!(left.len(), 1);
    assert_eq!(members(&left[0]), vec![p.a.id, p.b.id]);
    assert_eq!(store.dedupe_runs(1).await.unwrap()[0].auto_merged, 1);
    assert!(store
        .merge_rule(rule.id)
        .await
        .unwrap()
        .last_run_at
        .is_some());

    // A rule that merged something stays, disabled if need be.
    assert!(matches!(
        store.delete_merge_rule(&admin, rule.id).await,
        Err(Error::Conflict("rule_in_use"))
    ));
    let off = MergeRuleInput {
        enabled: Some(false),
        ..Default::default()
    };
    assert!(
        !store
            .update_merge_rule(&admin, rule.id, off)
            .await
            .unwrap()
            .enabled
    );

    let undo = store.undo_merge(&admin, merge.id, false).await.unwrap();
    assert!(undo.done);
    assert!(store.customer(&admin.actor, CustomerId(a.id)).await.is_ok());
    assert!(store.customer(&admin.actor, CustomerId(b.id)).await.is_ok());
    // A disabled rule does not run with the others.
    assert!(store
        .run_merge_rules(&admin, None)
        .await
        .unwrap()
        .merges
        .is_empty());
}

#[tokio::test]
async fn duplicate_contacts_of_one_customer_are_found_merged_and_the_merge_undone() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let firm = customer(
        &store,
        &ctx,
        json!({"kind": "company", "name": "杭州某某贸易有限公司"}),
        &[],
    )
    .await;
    let other = customer(
        &store,
        &ctx,
        json!({"kind": "company", "name": "宁波远航物流有限公司"}),
        &[],
    )
    .await;
    let contact = |customer: i64, fields: Value| {
        let mut fields = fields;
        fields["customer_id"] = json!(customer);
        let store = store.clone();
        async move {
            store
                .create_contact(&ctx, patch(schema::CONTACT, fields))
                .await
                .unwrap()
        }
    };
    let first = contact(
        firm.id,
        json!({"name": "王芳", "mobile": "13700001111", "title": "采购"}),
    )
    .await;
    let second = contact(
        firm.id,
        json!({"name": "王 芳", "mobile": "137-0000-1111", "email": "wf@example.com", "title": "采购经理"}),
    )
    .await;
    // The same number at another customer is not this customer's duplicate.
    contact(other.id, json!({"name": "王芳", "mobile": "13700001111"})).await;
    let follow_up = store
        .create_interaction(
            &ctx,
            patch(
                schema::INTERACTION,
                json!({"customer_id": firm.id, "contact_id": second.id, "channel": "call", "content": "报价"}),
            ),
        )
        .await
        .unwrap();
    let before_first = store
        .contact(&ctx.actor, ContactId(first.id))
        .await
        .unwrap();
    let before_second = store
        .contact(&ctx.actor, ContactId(second.id))
        .await
        .unwrap();

    scan(&store, &ctx).await;
    let contacts = QueueFilter {
        entity: Some("contact".into()),
        limit: 10,
        ..Default::default()
    };
    let page = store.duplicate_queue(&ctx.actor, &contacts).await.unwrap();
    assert_eq!(page.total, 1);
    let cluster = &page.clusters[0];
    assert_eq!(cluster.entity, "contact");
    assert_eq!(members(cluster), vec![first.id, second.id]);
    assert!(cluster
        .members
        .iter()
        .all(|m| m.customer_id == Some(firm.id)));
    assert!(cluster.reasons.contains(&"same_mobile".to_string()));
    // Customers' queue is not the contacts' one.
    assert!(queue(&store, &ctx).await.is_empty());

    let plan = store
        .contact_merge_plan(&ctx, &[ContactId(first.id), ContactId(second.id)])
        .await
        .unwrap();
    assert_eq!(plan.survivor, second.id, "the more complete contact first");
    let request = ContactMergeRequest {
        survivor: ContactId(first.id),
        merged: vec![ContactId(second.id)],
        choose: [("title".to_string(), ContactId(first.id))]
            .into_iter()
            .collect(),
    };
    let merge = store.merge_contacts(&ctx, &request).await.unwrap();
    assert_eq!(merge.moved, 1);
    let kept = store
        .contact(&ctx.actor, ContactId(first.id))
        .await
        .unwrap();
    assert_eq!(kept.title.as_deref(), Some("采购"));
    assert_eq!(kept.email.as_deref(), Some("wf@example.com"));
    assert!(matches!(
        store.contact(&ctx.actor, ContactId(second.id)).await,
        Err(Error::NotFound)
    ));
    let moved = store
        .interaction(&ctx.actor, InteractionId(follow_up.id))
        .await
        .unwrap();
    assert_eq!(moved.contact_id, Some(first.id));
    let settled = store
        .duplicate_cluster(&ctx.actor, cluster.id)
        .await
        .unwrap();
    assert_eq!(
        (settled.status.as_str(), settled.merge_id),
        ("merged", Some(merge.id))
    );

    let undo = store
        .undo_contact_merge(&ctx, merge.id, false)
        .await
        .unwrap();
    assert!(undo.done);
    let strip = |c: &Contact| {
        let mut v = serde_json::to_value(c).unwrap();
        for bumped in ["version", "updated_at", "updated_by"] {
            v.as_object_mut().unwrap().remove(bumped);
        }
        v
    };
    let after_first = store
        .contact(&ctx.actor, ContactId(first.id))
        .await
        .unwrap();
    let after_second = store
        .contact(&ctx.actor, ContactId(second.id))
        .await
        .unwrap();
    assert_eq!(strip(&after_first), strip(&before_first));
    assert_eq!(strip(&after_second), strip(&before_second));
    let back = store
        .interaction(&ctx.actor, InteractionId(follow_up.id))
        .await
        .unwrap();
    assert_eq!(back.contact_id, Some(second.id));
    let reopened = store
        .duplicate_cluster(&ctx.actor, cluster.id)
        .await
        .unwrap();
    assert_eq!(reopened.status, "open");

    // Two people after all: remembered.
    let dismissed = store.dismiss_cluster(&ctx, cluster.id, None).await.unwrap();
    assert_eq!(dismissed.status, "dismissed");
    scan(&store, &ctx).await;
    let page = store.duplicate_queue(&ctx.actor, &contacts).await.unwrap();
    assert_eq!(page.total, 0);
}

#[tokio::test]
async fn a_scan_finds_people_with_no_phone_or_email_by_name_birth_date_and_address() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    let person = |name: &str, born: &str, address: &str| {
        json!({"name": name, "country": "AU", "birth_date": born, "address": address,
               "city": "Sydney", "province": "NSW", "postal_code": "2000"})
    };
    let robert = customer(
        &store,
        &ctx,
        person("Robert Smith", "1985-03-05", "12 George Street"),
        &[],
    )
    .await;
    // A nickname, day and month swapped, the street type abbreviated.
    let bob = customer(
        &store,
        &ctx,
        person("Bob Smith", "1985-05-03", "12 George St"),
        &[],
    )
    .await;
    // His wife: same home, another name and birthday.
    customer(
        &store,
        &ctx,
        person("Mary Smith", "1987-11-20", "12 George Street"),
        &[],
    )
    .await;
    let run = scan(&store, &ctx).await;
    assert_eq!(run.clusters, 1, "{run:?}");
    let clusters = queue(&store, &ctx).await;
    assert_eq!(members(&clusters[0]), vec![robert.id, bob.id]);
    let reasons = serde_json::to_string(&clusters[0].reasons).unwrap();
    assert!(reasons.contains("birth_date_near"), "{reasons}");
    assert!(reasons.contains("same_address"), "{reasons}");
}

#[tokio::test]
async fn a_merge_that_keeps_another_records_country_takes_its_address_with_it() {
    let (store, _db) = TestDb::create().await;
    let ctx = user(&store, "admin@example.com", "admin").await;
    // One person entered in China before moving to Sydney, and again there.
    let before = customer(
        &store,
        &ctx,
        json!({"name": "李雷", "mobile": "13812345678", "province": "广东", "city": "广州",
               "postal_code": "510000"}),
        &[],
    )
    .await;
    let after = customer(
        &store,
        &ctx,
        json!({"name": "李雷", "country": "AU", "province": "NSW", "city": "Sydney",
               "postal_code": "2000"}),
        &[],
    )
    .await;
    let merge = store
        .merge_customers(
            &ctx,
            &request(before.id, after.id, &[("country", after.id)]),
        )
        .await
        .unwrap();
    let kept = store
        .customer(&ctx.actor, CustomerId(merge.survivor_id))
        .await
        .unwrap();
    assert_eq!(kept.country, "AU");
    assert_eq!(kept.province.as_deref(), Some("New South Wales"));
    assert_eq!(kept.city.as_deref(), Some("Sydney"));
    assert_eq!(kept.postal_code.as_deref(), Some("2000"));
    // The mainland mobile comes along: it is valid from anywhere.
    assert_eq!(kept.mobile.as_deref(), Some("13812345678"));
    // Undo puts the Chinese record back as it was.
    let undone = store.undo_merge(&ctx, merge.id, false).await.unwrap();
    assert!(undone.done, "{undone:?}");
    let back = store
        .customer(&ctx.actor, CustomerId(before.id))
        .await
        .unwrap();
    assert_eq!(back.country, "CN");
    assert_eq!(back.province.as_deref(), Some("广东省"));
}
