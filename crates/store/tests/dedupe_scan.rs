//! Duplicate scans and the review queue at the storage level: clusters
//! found with their reasons, settled by a merge or dismissed as not
//! duplicates, visibility for reps, and merge rules that merge whole
//! clusters. Runs on SQLite by default and on PostgreSQL when
//! KEHU_TEST_DATABASE names a server.

use kehu_core::{schema, ChangeSource, CustomerId};
use kehu_store::dedupe::{QueueFilter, ScanOptions};
use kehu_store::merge_rules::MergeRuleInput;
use kehu_store::testing::TestDb;
use kehu_store::time::Time;
use kehu_store::write::Ctx;
use kehu_store::Error;
use serde_json::json;

mod common;
use common::merging::{customer, members, no_progress, pair, patch, queue, request, scan, user};

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
