//! Merging duplicates at the storage level: chosen values kept, everything
//! attached moved, the merged id still leading to the survivor, history
//! written, and undo back to the exact previous state. Runs on SQLite by
//! default and on PostgreSQL when KEHU_TEST_DATABASE names a server.

use kehu_core::entry::{parse_object, Mode};
use kehu_core::{schema, CustomerId};
use kehu_store::customers::CustomerInput;
use kehu_store::testing::TestDb;
use kehu_store::Error;
use serde_json::json;

mod common;
use common::merging::{customer, members, pair, queue, request, scan, state, user};

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
    let contacts = store.contacts_of(&ctx.actor, &a).await.unwrap();
    assert!(contacts.iter().any(|c| c.id == p.contact));
    let interactions = store.interactions_of(&a).await.unwrap();
    assert!(interactions.iter().any(|i| i.id == p.interaction));
    let tasks = store
        .tasks(&ctx.actor, None, None, Some(CustomerId(p.a.id)), 100)
        .await
        .unwrap();
    assert!(tasks.iter().any(|t| t.id == p.task));

    // History tells the story on both records.
    let history = store.customer_history(&ctx.actor, &a, 100).await.unwrap();
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
    let b_history = store
        .customer_history(&ctx.actor, &before_b, 100)
        .await
        .unwrap();
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
    let contacts = store.contacts_of(&ctx.actor, &b).await.unwrap();
    assert_eq!(
        contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![p.contact]
    );
    assert!(store.contacts_of(&ctx.actor, &a).await.unwrap().is_empty());
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
