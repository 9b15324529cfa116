//! What the browser pages rely on: saved views, bulk changes, duplicate
//! checks at entry, one's own tasks and language. Runs on SQLite by
//! default and on PostgreSQL when KEHU_TEST_DATABASE names a server.

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::{schema, Actor, ChangeSource, CustomerId, Invalid, Lang, UserId};
use kehu_store::bulk::BulkCustomer;
use kehu_store::bulk_change::{BulkChange, Selection};
use kehu_store::customers::CustomerInput;
use kehu_store::duplicates::DuplicateProbe;
use kehu_store::list::CustomerFilter;
use kehu_store::testing::TestDb;
use kehu_store::write::Ctx;
use kehu_store::{Error, Store};
use serde_json::{json, Value};

fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

async fn user(store: &Store, email: &str, role: &str, team: Option<i64>) -> Ctx {
    let p = patch(
        schema::USER,
        json!({"email": email, "name": email.split('@').next(), "role": role, "team_id": team}),
    );
    let u = store.create_user(None, p, None).await.unwrap();
    Ctx::new(u.actor(), ChangeSource::Ui)
}

async fn customer(store: &Store, ctx: &Ctx, fields: Value) -> i64 {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap().id
}

/// The `(field, code)` pairs of a refusal.
fn refused<T: std::fmt::Debug>(r: Result<T, Error>) -> Vec<(String, &'static str)> {
    match r {
        Err(Error::Invalid(Invalid(errors))) => errors
            .into_iter()
            .map(|e| (e.field, e.code.as_str()))
            .collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn cols(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn saved_views_are_private_until_shared_and_only_their_creator_or_an_admin_changes_them() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let alice = user(&store, "alice@example.com", "sales", None).await;
    let bob = user(&store, "bob@example.com", "sales", None).await;
    let view = store
        .create_saved_view(
            &alice,
            " 我的 线索 ",
            false,
            "?q=zs&stage=lead&sort=-created_at",
            &cols(&["name", "mobile", "name"]),
        )
        .await
        .unwrap();
    assert_eq!(view.name, "我的 线索");
    assert_eq!(view.owner_name, "alice");
    assert_eq!(view.query, "q=zs&stage=lead&sort=-created_at");
    assert_eq!(view.columns, ["name", "mobile"]);
    let id = kehu_core::SavedViewId(view.id);

    assert!(store.saved_views(&bob.actor).await.unwrap().is_empty());
    assert!(matches!(
        store.saved_view(&bob.actor, id).await,
        Err(Error::NotFound)
    ));
    let edit = |ctx: Ctx, name: &'static str, shared: bool| {
        let store = store.clone();
        async move {
            store
                .update_saved_view(&ctx, id, name, shared, "stage=lead", &cols(&["name"]))
                .await
        }
    };
    assert!(matches!(
        edit(bob, "mine", false).await,
        Err(Error::NotFound)
    ));

    edit(alice, "我的线索", true).await.unwrap();
    let seen = store.saved_views(&bob.actor).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].shared);
    assert!(matches!(
        edit(bob, "mine", true).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        store.delete_saved_view(&bob, id).await,
        Err(Error::Forbidden)
    ));
    let by_admin = edit(admin, "全部线索", true).await.unwrap();
    assert_eq!(
        (by_admin.user_id, by_admin.name.as_str()),
        (view.user_id, "全部线索")
    );

    // Names are unique per user: another user may reuse one.
    let again = store
        .create_saved_view(&alice, "全部线索", false, "", &[])
        .await;
    assert_eq!(refused(again), [("name".to_owned(), "name_taken")]);
    store
        .create_saved_view(&bob, "全部线索", false, "", &[])
        .await
        .unwrap();
    assert_eq!(store.saved_views(&bob.actor).await.unwrap().len(), 2);

    store.delete_saved_view(&alice, id).await.unwrap();
    assert_eq!(store.saved_views(&alice.actor).await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_saved_view_with_a_bad_name_query_or_column_is_refused_field_by_field() {
    let (store, _db) = TestDb::create().await;
    let admin = Ctx::system(ChangeSource::Api);
    let def = FieldDef {
        key: FieldKey::parse("member_no").unwrap(),
        label_zh: "会员号".into(),
        label_en: "Member no.".into(),
        kind: FieldKind::Text,
        rules: FieldRules::default(),
        sensitive: false,
    };
    store.create_field_definition(&admin, def, 0).await.unwrap();
    let alice = user(&store, "alice@example.com", "sales", None).await;
    let long = "长".repeat(101);
    let r = store
        .create_saved_view(
            &alice,
            &long,
            false,
            "limit=5&colour=red&stage=lead",
            &cols(&["name", "password"]),
        )
        .await;
    assert_eq!(
        refused(r),
        [
            ("name".to_owned(), "too_long"),
            ("query.limit".to_owned(), "unknown_field"),
            ("query.colour".to_owned(), "unknown_field"),
            ("columns".to_owned(), "invalid_choice"),
        ]
    );
    let r = store
        .create_saved_view(&alice, "  ", false, "cursor=abc", &[])
        .await;
    assert_eq!(
        refused(r),
        [
            ("name".to_owned(), "required"),
            ("query.cursor".to_owned(), "unknown_field"),
        ]
    );
    assert!(store.saved_views(&alice.actor).await.unwrap().is_empty());
    let ok = store
        .create_saved_view(
            &alice,
            "会员",
            false,
            "custom.member_no=M1",
            &cols(&["name", "custom.member_no"]),
        )
        .await
        .unwrap();
    assert_eq!(ok.columns, ["name", "custom.member_no"]);
}

async fn history_fields(store: &Store, actor: &Actor, id: i64) -> Vec<(String, String)> {
    let c = store.customer(actor, CustomerId(id)).await.unwrap();
    store
        .customer_history(actor, &c, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.field, h.source))
        .collect()
}

#[tokio::test]
async fn a_bulk_change_touches_only_visible_records_and_records_history_per_record() {
    let (store, _db) = TestDb::create().await;
    let system = Ctx::system(ChangeSource::Api);
    let team = store.create_team(&system, "华南").await.unwrap().id;
    let manager = user(&store, "m@example.com", "manager", Some(team)).await;
    let alice = user(&store, "alice@example.com", "sales", Some(team)).await;
    let bob = user(&store, "bob@example.com", "sales", Some(team)).await;
    let mut mine = Vec::new();
    for name in ["甲", "乙", "丙"] {
        mine.push(customer(&store, &alice, json!({"name": name})).await);
    }
    let bobs = customer(&store, &bob, json!({"name": "丁"})).await;
    let mut ids: Vec<CustomerId> = mine.iter().map(|id| CustomerId(*id)).collect();
    ids.push(CustomerId(bobs));
    ids.push(CustomerId(999_999));

    let tag = |t: &str| BulkChange::AddTag(t.into());
    let outcome = store
        .bulk_change(&alice, Selection::Ids(ids.clone()), tag(" VIP "))
        .await
        .unwrap();
    assert_eq!((outcome.matched, outcome.changed), (3, 3));
    let again = store
        .bulk_change(&alice, Selection::Ids(ids.clone()), tag("VIP"))
        .await
        .unwrap();
    assert_eq!((again.matched, again.changed), (3, 0));
    let bobs_row = store.customer(&bob.actor, CustomerId(bobs)).await.unwrap();
    assert!(bobs_row.tags.is_empty());
    let history = history_fields(&store, &alice.actor, mine[0]).await;
    let tag_rows: Vec<_> = history.iter().filter(|(f, _)| f == "tags").collect();
    assert_eq!(tag_rows, [&("tags".to_owned(), "ui".to_owned())]);

    // A rep may not hand records to others.
    let r = store
        .bulk_change(
            &alice,
            Selection::Ids(ids.clone()),
            BulkChange::Owner(Some(bob.actor.user_id)),
        )
        .await;
    assert_eq!(refused(r), [("owner_id".to_owned(), "read_only")]);

    // A manager does, by filter; the team follows the new owner.
    let by_tag = CustomerFilter::from_query("tag=VIP", "filter").unwrap();
    let moved = store
        .bulk_change(
            &manager,
            Selection::Filter(Box::new(by_tag)),
            BulkChange::Owner(Some(bob.actor.user_id)),
        )
        .await
        .unwrap();
    assert_eq!((moved.matched, moved.changed), (3, 3));
    let c = store
        .customer(&bob.actor, CustomerId(mine[1]))
        .await
        .unwrap();
    assert_eq!(
        (c.owner_id, c.team_id),
        (Some(bob.actor.user_id.get()), Some(team))
    );
    assert!(store
        .customer(&alice.actor, CustomerId(mine[1]))
        .await
        .is_err());

    let removed = store
        .bulk_change(
            &bob,
            Selection::Ids(ids.clone()),
            BulkChange::RemoveTag("VIP".into()),
        )
        .await
        .unwrap();
    assert_eq!((removed.matched, removed.changed), (4, 3));

    // Each bulk change is a batch: undoing the move gives the records back
    // to their owner and team, with the tag removal after it undone first.
    let undone = store
        .undo_import(&bob, removed.batch_id.unwrap(), false)
        .await
        .unwrap();
    assert!(undone.done);
    let undone = store
        .undo_import(&manager, moved.batch_id.unwrap(), false)
        .await
        .unwrap();
    assert_eq!((undone.done, undone.restored), (true, 3));
    let back = store
        .customer(&alice.actor, CustomerId(mine[1]))
        .await
        .unwrap();
    assert_eq!(back.owner_id, Some(alice.actor.user_id.get()));
    assert_eq!(back.tags, vec!["VIP".to_string()]);
}

#[tokio::test]
async fn a_bad_bulk_change_is_refused_before_anything_changes() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let gone = user(&store, "gone@example.com", "sales", None).await;
    let viewer = user(&store, "v@example.com", "viewer", None).await;
    store
        .update_user(
            &admin,
            gone.actor.user_id,
            patch(
                schema::USER,
                json!({"email": "gone@example.com", "role": "sales", "active": false}),
            ),
        )
        .await
        .unwrap();
    let id = customer(&store, &admin, json!({"name": "甲"})).await;
    let ids = || Selection::Ids(vec![CustomerId(id)]);
    let cases = [
        (BulkChange::Stage("won".into()), "stage", "invalid_choice"),
        (BulkChange::AddTag(" ".into()), "tag", "required"),
        (BulkChange::AddTag("长".repeat(51)), "tag", "too_long"),
        (BulkChange::RemoveTag("无此标签".into()), "tag", "not_found"),
        (
            BulkChange::Owner(Some(gone.actor.user_id)),
            "owner_id",
            "not_found",
        ),
        (
            BulkChange::Owner(Some(UserId(424_242))),
            "owner_id",
            "not_found",
        ),
    ];
    for (change, field, code) in cases {
        let r = store.bulk_change(&admin, ids(), change.clone()).await;
        assert_eq!(refused(r), [(field.to_owned(), code)], "{change:?}");
    }
    let many = Selection::Ids((1..=10_001).map(CustomerId).collect());
    let r = store
        .bulk_change(&admin, many, BulkChange::Stage("customer".into()))
        .await;
    assert_eq!(refused(r), [("ids".to_owned(), "too_many_values")]);
    assert!(matches!(
        store
            .bulk_change(&viewer, ids(), BulkChange::Stage("customer".into()))
            .await,
        Err(Error::Forbidden)
    ));
    let c = store.customer(&admin.actor, CustomerId(id)).await.unwrap();
    assert_eq!((c.stage.as_str(), c.version), ("lead", 1));
}

#[tokio::test]
async fn a_bulk_change_by_filter_walks_every_match_in_chunks() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let rows: Vec<BulkCustomer> = (0..1_100)
        .map(|i| BulkCustomer {
            patch: patch(
                schema::CUSTOMER,
                json!({"name": format!("客户{i}"), "stage": if i % 11 == 0 { "loyal" } else { "lead" }}),
            ),
            ..Default::default()
        })
        .collect();
    store.bulk_insert_customers(&admin, &rows).await.unwrap();
    // Sorted by update time, which the change itself moves: the walk must
    // still see each record once.
    let leads = CustomerFilter::from_query("stage=lead&sort=updated_at", "filter").unwrap();
    let outcome = store
        .bulk_change(
            &admin,
            Selection::Filter(Box::new(leads.clone())),
            BulkChange::Stage("prospect".into()),
        )
        .await
        .unwrap();
    assert_eq!((outcome.matched, outcome.changed), (1_000, 1_000));
    let left = store
        .bulk_change(
            &admin,
            Selection::Filter(Box::new(leads)),
            BulkChange::Stage("prospect".into()),
        )
        .await
        .unwrap();
    assert_eq!((left.matched, left.changed), (0, 0));
}

#[tokio::test]
async fn duplicates_are_found_by_mobile_email_uscc_and_name_at_the_same_company() {
    let (store, _db) = TestDb::create().await;
    let alice = user(&store, "alice@example.com", "sales", None).await;
    let bob = user(&store, "bob@example.com", "sales", None).await;
    let zhang = customer(
        &store,
        &alice,
        json!({"name": "张三", "company": "北京某某科技有限公司", "mobile": "13812345678",
               "email": "Zhang.San@Example.com", "uscc": "91350100M000100Y43"}),
    )
    .await;
    let contact = patch(
        schema::CONTACT,
        json!({"customer_id": zhang, "name": "李经理", "mobile": "13900001111"}),
    );
    store.create_contact(&alice, contact).await.unwrap();
    let deleted = customer(
        &store,
        &alice,
        json!({"name": "旧", "mobile": "13700000000"}),
    )
    .await;
    let admin = Ctx::system(ChangeSource::Api);
    store
        .delete_customer(&admin, CustomerId(deleted))
        .await
        .unwrap();

    let probe = DuplicateProbe {
        mobile: Some("13812345678".into()),
        email: Some("zhang.san@example.com".into()),
        ..Default::default()
    };
    let hits = store
        .possible_duplicates(&alice.actor, &probe, None)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].customer_id, Some(zhang));
    assert!(hits[0].visible);
    assert_eq!(hits[0].name.as_deref(), Some("张三"));
    assert_eq!(hits[0].reasons, ["mobile", "email"]);

    // Someone else's customer is reported without its id, name or owner.
    let hits = store
        .possible_duplicates(&bob.actor, &probe, None)
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert!(!hits[0].visible);
    assert_eq!(
        (hits[0].customer_id, &hits[0].name, &hits[0].owner_name),
        (None, &None, &None)
    );

    // The same-sounding name at the same company (another way to write it),
    // the credit code, a contact's mobile.
    let probes = [
        DuplicateProbe {
            name: Some("章三".into()),
            company: Some("某某科技（北京）有限公司".into()),
            ..Default::default()
        },
        DuplicateProbe {
            uscc: Some("91350100M000100Y43".into()),
            ..Default::default()
        },
        DuplicateProbe {
            mobile: Some("13900001111".into()),
            ..Default::default()
        },
    ];
    for (probe, reason) in probes.iter().zip(["name_company", "uscc", "mobile"]) {
        let hits = store
            .possible_duplicates(&bob.actor, probe, None)
            .await
            .unwrap();
        assert_eq!(hits.len(), 1, "{probe:?}");
        assert_eq!(
            (hits[0].customer_id, hits[0].reasons.clone()),
            (None, vec![reason])
        );
    }

    // The record being edited, a deleted one, a different person at the
    // company, and nothing to look for match nothing.
    let none = [
        (probe.clone(), Some(CustomerId(zhang))),
        (
            DuplicateProbe {
                mobile: Some("13700000000".into()),
                ..Default::default()
            },
            None,
        ),
        (
            DuplicateProbe {
                name: Some("李四".into()),
                company: Some("北京某某科技有限公司".into()),
                ..Default::default()
            },
            None,
        ),
        (DuplicateProbe::default(), None),
    ];
    for (probe, exclude) in none {
        let hits = store
            .possible_duplicates(&alice.actor, &probe, exclude)
            .await
            .unwrap();
        assert!(hits.is_empty(), "{probe:?}");
    }
}

#[tokio::test]
async fn my_tasks_are_counted_as_overdue_or_due_today_and_listed_with_their_customer() {
    let (store, _db) = TestDb::create().await;
    let alice = user(&store, "alice@example.com", "sales", None).await;
    let c = customer(&store, &alice, json!({"name": "张三"})).await;
    let now = kehu_store::now_ms();
    let hour = 3_600_000;
    let end_of_today = now + 5 * hour;
    for (title, due, status) in [
        ("昨天", now - 20 * hour, "open"),
        ("刚才", now - hour, "open"),
        ("今天下午", now + 2 * hour, "open"),
        ("明天", now + 30 * hour, "open"),
        ("已完成", now - hour, "done"),
    ] {
        let due = kehu_store::time::Time(due).to_rfc3339();
        let task = patch(
            schema::TASK,
            json!({"title": title, "due_at": due, "status": status, "customer_id": c}),
        );
        store.create_task(&alice, task).await.unwrap();
    }
    let deleted = patch(
        schema::TASK,
        json!({"title": "删掉的", "due_at": kehu_store::time::Time(now - hour).to_rfc3339()}),
    );
    let deleted = store.create_task(&alice, deleted).await.unwrap();
    store
        .delete_task(&alice, kehu_core::TaskId(deleted.id))
        .await
        .unwrap();

    let counts = store
        .task_counts(alice.actor.user_id, now, end_of_today)
        .await
        .unwrap();
    assert_eq!((counts.overdue, counts.today), (2, 1));

    let rows = store
        .open_tasks_of(&alice.actor, alice.actor.user_id, 3)
        .await
        .unwrap();
    let titles: Vec<&str> = rows.iter().map(|r| r.task.title.as_str()).collect();
    assert_eq!(titles, ["昨天", "刚才", "今天下午"]);
    assert_eq!(rows[0].customer_name.as_deref(), Some("张三"));
}

#[tokio::test]
async fn a_user_keeps_the_language_and_name_they_choose() {
    let (store, _db) = TestDb::create().await;
    let alice = user(&store, "alice@example.com", "sales", None).await;
    store
        .set_own_lang(alice.actor.user_id, Lang::En)
        .await
        .unwrap();
    assert_eq!(
        store
            .user(alice.actor.user_id)
            .await
            .unwrap()
            .lang
            .as_deref(),
        Some("en")
    );
    let u = store.set_own_name(&alice, Some(" 爱丽丝 ")).await.unwrap();
    assert_eq!(u.name.as_deref(), Some("爱丽丝"));
    let too_long = "长".repeat(101);
    let r = store.set_own_name(&alice, Some(&too_long)).await;
    assert_eq!(refused(r), [("name".to_owned(), "too_long")]);
}
