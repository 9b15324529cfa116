//! Merging duplicate contacts of one customer at the storage level: found
//! by the scan in their own queue, merged with what is attached moved, and
//! the merge undone. Runs on SQLite by default and on PostgreSQL when
//! KEHU_TEST_DATABASE names a server.

use kehu_core::{schema, ContactId, InteractionId};
use kehu_store::contact_merge::ContactMergeRequest;
use kehu_store::dedupe::QueueFilter;
use kehu_store::records::Contact;
use kehu_store::testing::TestDb;
use kehu_store::Error;
use serde_json::{json, Value};

mod common;
use common::merging::{customer, members, patch, queue, scan, user};

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
