//! The storage story, run on SQLite by default and on PostgreSQL when
//! KEHU_TEST_DATABASE names a server: bulk writes, search keys, tasks from
//! follow-ups, history, and all-or-nothing updates.

use kehu_core::entry::{parse_object, Mode, Patch, Stored};
use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::{schema, ChangeSource, CustomerId};
use kehu_store::bulk::BulkCustomer;
use kehu_store::customers::CustomerInput;
use kehu_store::list::CustomerFilter;
use kehu_store::testing::TestDb;
use kehu_store::write::Ctx;
use serde_json::{json, Value};

fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

fn search(q: &str) -> CustomerFilter {
    CustomerFilter::from_params(&[("q".into(), q.into())]).unwrap()
}

#[tokio::test]
async fn bulk_written_customers_are_searchable_with_their_contacts_tasks_and_history() {
    let (store, _db) = TestDb::create().await;
    let ctx = Ctx::system(ChangeSource::Import);
    let mut interaction = patch(
        schema::INTERACTION,
        json!({"customer_id": 0, "channel": "call", "content": "报价"}),
    );
    interaction
        .set
        .push(("next_step", Some(Stored::Text("发送合同".into()))));
    interaction.set.push((
        "next_step_at",
        Some(Stored::Int(kehu_store::now_ms() + 86_400_000)),
    ));
    let rows = vec![
        BulkCustomer {
            patch: patch(
                schema::CUSTOMER,
                json!({"name": "张三", "mobile": "13812345678", "kind": "company"}),
            ),
            tags: vec!["VIP".into(), "展会".into()],
            contacts: vec![patch(
                schema::CONTACT,
                json!({"customer_id": 0, "name": "李经理"}),
            )],
            interactions: vec![interaction],
            ..Default::default()
        },
        BulkCustomer {
            patch: patch(
                schema::CUSTOMER,
                json!({"name": "曾国藩", "email": "zeng@example.com"}),
            ),
            tags: vec!["VIP".into()],
            ..Default::default()
        },
    ];
    let ids = store.bulk_insert_customers(&ctx, &rows).await.unwrap();
    assert_eq!(ids.len(), 2);
    let admin = ctx.actor;

    let found = store.list_customers(&admin, &search("zs")).await.unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].tags, ["VIP", "展会"]);
    assert_eq!(found.items[0].stage, "lead");
    assert_eq!(
        store
            .list_customers(&admin, &search("zengguofan"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        store
            .list_customers(&admin, &search("5678"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    let first = CustomerId(ids[0]);
    let customer = store.customer(&admin, first).await.unwrap();
    assert_eq!(store.contacts_of(&admin, &customer).await.unwrap().len(), 1);
    let interactions = store.interactions_of(&customer).await.unwrap();
    assert!(interactions[0].task_id.is_some());
    let tasks = store
        .tasks(&admin, None, Some("open"), Some(first), 10)
        .await
        .unwrap();
    assert_eq!(tasks[0].title, "发送合同");
    let history = store.customer_history(&admin, &customer, 10).await.unwrap();
    assert_eq!(history[0].field, "created");
    assert_eq!(history[0].source, "import");

    // Ids handed out afterwards do not collide with the reserved ones.
    let next = store
        .create_customer(
            &ctx,
            CustomerInput {
                patch: patch(schema::CUSTOMER, json!({"name": "王五"})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(next.id > ids[1]);
}

#[tokio::test]
async fn an_update_that_fails_part_way_changes_nothing() {
    let (store, _db) = TestDb::create().await;
    let ctx = Ctx::system(ChangeSource::Api);
    let def = FieldDef {
        key: FieldKey::parse("member_no").unwrap(),
        label_zh: "会员号".into(),
        label_en: "Member no.".into(),
        kind: FieldKind::Text,
        rules: FieldRules {
            unique: true,
            ..Default::default()
        },
        sensitive: false,
    };
    store.create_field_definition(&ctx, def, 0).await.unwrap();
    let input = |name: &str, member: &str| CustomerInput {
        patch: patch(schema::CUSTOMER, json!({"name": name})),
        custom: Some(json!({"member_no": member}).as_object().unwrap().clone()),
        ..Default::default()
    };
    store
        .create_customer(&ctx, input("甲", "M1"))
        .await
        .unwrap();
    let b = store
        .create_customer(&ctx, input("乙", "M2"))
        .await
        .unwrap();

    // The name change is written first, then the custom field breaks a rule:
    // the whole update must roll back.
    let change = CustomerInput {
        patch: parse_object(
            json!({"name": "改名"}).as_object().unwrap(),
            schema::CUSTOMER,
            &[],
            Mode::Update,
        )
        .unwrap(),
        custom: Some(json!({"member_no": "M1"}).as_object().unwrap().clone()),
        ..Default::default()
    };
    let err = store
        .update_customer(&ctx, CustomerId(b.id), change, None)
        .await
        .unwrap_err();
    assert!(matches!(err, kehu_store::Error::Invalid(_)), "{err:?}");
    let after = store.customer(&ctx.actor, CustomerId(b.id)).await.unwrap();
    assert_eq!(after.name, "乙");
    assert_eq!(after.version, 1);
    let history = store
        .customer_history(&ctx.actor, &after, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
}

#[tokio::test]
async fn a_large_bulk_write_keeps_every_character_of_what_was_typed() {
    // Enough rows that PostgreSQL is sent them by COPY, whose text format
    // gives tabs, line breaks, backslashes and `\N` meanings of their own.
    let (store, _db) = TestDb::create().await;
    let ctx = Ctx::system(ChangeSource::Import);
    let notes = |i: usize| format!("第{i}行\t制表\n换行\r回车 \\ 反斜杠 \\N 不是空值 '引号\" ✓");
    let rows: Vec<BulkCustomer> = (0..150)
        .map(|i| {
            let mut p = patch(
                schema::CUSTOMER,
                json!({"name": format!("客户{i}"), "mobile": format!("139{i:08}")}),
            );
            // Stored as given: entry standards fold control characters in
            // what users type, but the store must not rely on it.
            p.set.push(("notes", Some(Stored::Text(notes(i)))));
            BulkCustomer {
                patch: p,
                ..Default::default()
            }
        })
        .collect();
    let ids = store.bulk_insert_customers(&ctx, &rows).await.unwrap();
    assert_eq!(ids.len(), 150);
    for (i, id) in ids.iter().enumerate().step_by(37) {
        let c = store.customer(&ctx.actor, CustomerId(*id)).await.unwrap();
        assert_eq!(c.notes.as_deref(), Some(notes(i).as_str()));
        assert_eq!(c.name, format!("客户{i}"));
    }
    // An empty cell is NULL, not the text `\N`.
    let c = store
        .customer(&ctx.actor, CustomerId(ids[0]))
        .await
        .unwrap();
    assert_eq!(c.email, None);
    // And the keys went in: found by a fragment of the mobile.
    let found = store
        .list_customers(&ctx.actor, &search("00000149"))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].id, ids[149]);
}

#[tokio::test]
async fn a_bulk_write_refused_by_the_database_writes_nothing_and_the_store_goes_on() {
    let (store, _db) = TestDb::create().await;
    let ctx = Ctx::system(ChangeSource::Import);
    let rows: Vec<BulkCustomer> = (0..150)
        .map(|i| {
            let mut p = patch(schema::CUSTOMER, json!({"name": format!("客户{i}")}));
            if i == 120 {
                // A stage the table's CHECK refuses, past the first rows.
                p.set.retain(|(name, _)| *name != "stage");
                p.set.push(("stage", Some(Stored::Text("bogus".into()))));
            }
            BulkCustomer {
                patch: p,
                ..Default::default()
            }
        })
        .collect();
    assert!(store.bulk_insert_customers(&ctx, &rows).await.is_err());
    assert_eq!(store.count_rows("customers").await.unwrap(), 0);
    assert_eq!(store.count_rows("customer_search").await.unwrap(), 0);
    // The connections are fine afterwards.
    let ok = store
        .bulk_insert_customers(&ctx, &rows[..120])
        .await
        .unwrap();
    assert_eq!(ok.len(), 120);
    assert_eq!(store.count_rows("customers").await.unwrap(), 120);
}

#[tokio::test]
async fn indexes_set_aside_by_an_interrupted_load_are_rebuilt_at_the_next_start() {
    let (store, db) = TestDb::create().await;
    let ctx = Ctx::system(ChangeSource::Import);
    assert!(store.suspend_indexes().await.unwrap());
    assert!(store.suspended_index_count().await.unwrap() > 10);
    let foreign_keys = store.foreign_key_count("customer_search").await.unwrap();
    if store.backend() == kehu_store::Backend::Postgres {
        // PostgreSQL's row-by-row key check is set aside too.
        assert_eq!(foreign_keys, 0);
    }
    let mut rows = vec![BulkCustomer {
        patch: patch(
            schema::CUSTOMER,
            json!({"name": "单雄信", "mobile": "13900001111"}),
        ),
        ..Default::default()
    }];
    let defs = store.field_defs().await.unwrap();
    let prepared =
        kehu_store::bulk::PreparedBulk::new(&ctx, store.vault(), &defs, &mut rows).unwrap();
    store.write_bulk(&ctx, prepared).await.unwrap();
    // The load "crashes" here, before finish_bulk.
    store.close().await;

    let restarted = kehu_store::Store::connect(&db.url).await.unwrap();
    restarted.migrate().await.unwrap();
    assert_eq!(restarted.suspended_index_count().await.unwrap(), 0);
    assert_eq!(
        restarted
            .foreign_key_count("customer_search")
            .await
            .unwrap(),
        1
    );
    let found = restarted
        .list_customers(&ctx.actor, &search("sxx"))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(
        restarted
            .list_customers(&ctx.actor, &search("1111"))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    // With customers present, nothing is set aside: users may be searching.
    assert!(!restarted.suspend_indexes().await.unwrap());
}

#[tokio::test]
async fn a_word_matching_thousands_of_customers_pages_through_all_of_them_in_order() {
    let (store, _db) = TestDb::create().await;
    let ctx = Ctx::system(ChangeSource::Import);
    // Enough matches that the search walks the list index instead of
    // sorting the matches (see COMMON_MATCHES).
    let rows: Vec<BulkCustomer> = (0..3_500)
        .map(|i| BulkCustomer {
            patch: patch(
                schema::CUSTOMER,
                json!({"name": if i % 7 == 0 { "李四" } else { "张三" }}),
            ),
            created_at: Some(1_700_000_000_000 + i * 1_000),
            ..Default::default()
        })
        .collect();
    store.bulk_insert_customers(&ctx, &rows).await.unwrap();
    let expected = rows
        .iter()
        .filter(|r| r.patch.text("name") == Some("张三"))
        .count();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut params = vec![
            ("q".to_owned(), "zs".to_owned()),
            ("limit".to_owned(), "500".to_owned()),
        ];
        if let Some(c) = &cursor {
            params.push(("cursor".to_owned(), c.clone()));
        }
        let page = store
            .list_customers(&ctx.actor, &CustomerFilter::from_params(&params).unwrap())
            .await
            .unwrap();
        assert!(page.items.iter().all(|c| c.name == "张三"));
        seen.extend(page.items.iter().map(|c| (c.updated_at, c.id)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), expected);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
}
