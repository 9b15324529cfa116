//! Personal-data rights at the storage level: an erasure leaves no trace
//! of the person in any column of any table while order totals and
//! payments stand; the request log holds none of the erased values; an
//! import running over the person holds the erasure back; the retention
//! rule erases soft-deleted records after the days set and not before;
//! only administrators may export or erase. SQLite by default, PostgreSQL
//! when KEHU_TEST_DATABASE names a server.

use kehu_core::{schema, ChangeSource, CustomerId, OrderId};
use kehu_store::customers::CustomerInput;
use kehu_store::import::SourceRow;
use kehu_store::import::{Policy, Seen};
use kehu_store::privacy::testing::{self as fixture, person_of_every_kind, VALUES};
use kehu_store::privacy::{PrivacySettings, Subject, SubjectKind};
use kehu_store::testing::{patch, user, TestDb};
use kehu_store::write::Ctx;
use kehu_store::{now_ms, Error, Store};
use serde_json::json;

const DAY: i64 = 24 * 3600 * 1000;

fn customer(id: i64) -> Subject {
    Subject {
        kind: SubjectKind::Customer,
        id,
    }
}

async fn nowhere(store: &Store, values: &[&str]) {
    for value in values {
        let found = store.find_anywhere(value).await.unwrap();
        assert!(found.is_empty(), "{value} is still in {found:?}");
    }
}

#[tokio::test]
async fn erasure_leaves_no_trace_of_the_person_in_any_table_while_orders_and_payments_stand() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let f = person_of_every_kind(&store, &admin).await;
    // The search finds each value before: an erasure that missed one
    // could not pass by a search that finds nothing anyway.
    for value in VALUES {
        assert!(
            !store.find_anywhere(value).await.unwrap().is_empty(),
            "{value} was stored"
        );
    }
    let before = store.order(&admin.actor, OrderId(f.order)).await.unwrap();
    let bystanders = store
        .orders(
            &admin.actor,
            &kehu_store::orders::OrderFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let erased = store
        .erase(&admin.actor, customer(f.customer))
        .await
        .unwrap();

    nowhere(&store, VALUES).await;
    let after = store.order(&admin.actor, OrderId(f.order)).await.unwrap();
    assert_eq!((after.total, after.paid), (before.total, before.paid));
    assert_eq!(after.status, before.status);
    assert_eq!(
        after.customer_name,
        format!("已删除客户 / Erased customer #{}", f.customer)
    );
    let orders_after = store
        .orders(
            &admin.actor,
            &kehu_store::orders::OrderFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let totals = |orders: &[kehu_store::orders::Order]| {
        orders
            .iter()
            .map(|o| (o.id, o.total, o.paid))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        totals(&orders_after),
        totals(&bystanders),
        "every order keeps its amounts"
    );

    // Someone else keeps everything, the duplicate queue aside.
    let other = store
        .customer(&admin.actor, CustomerId(f.bystander))
        .await
        .unwrap();
    assert_eq!(
        (other.name.as_str(), other.mobile.as_deref()),
        ("李四", Some("13700000000"))
    );
    // Gone for good: not restorable, not visible.
    assert!(matches!(
        store.restore_customer(&admin, CustomerId(f.customer)).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.customer(&admin.actor, CustomerId(f.merged)).await,
        Err(Error::NotFound)
    ));

    let log = store
        .privacy_requests(&admin.actor, None, 10)
        .await
        .unwrap();
    let entry = log
        .iter()
        .find(|r| r.id == erased.request_id)
        .expect("the erasure is logged");
    assert_eq!(
        (entry.kind.as_str(), entry.status.as_str()),
        ("erasure", "done")
    );
    assert_eq!(
        (entry.subject_type.as_str(), entry.subject_id),
        ("customer", f.customer)
    );
    assert_eq!(entry.actor_id, Some(admin.actor.user_id.get()));
    let counts: serde_json::Value = serde_json::from_str(&entry.counts).unwrap();
    for table in [
        "customers",
        "contacts",
        "leads",
        "interactions",
        "tasks",
        "history",
        "import_issues",
        "webhook_events",
    ] {
        assert!(
            counts[table].as_i64().unwrap_or(0) > 0,
            "{table} counted in {counts}"
        );
    }
    assert_eq!(
        counts["customers"], 2,
        "the record and the one merged into it"
    );
    let logged = serde_json::to_string(&log).unwrap();
    for value in VALUES {
        assert!(!logged.contains(value), "the log keeps {value}");
    }
}

#[tokio::test]
async fn a_lead_is_erased_on_its_own_and_a_customer_of_the_same_number_keeps_theirs() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let input = CustomerInput {
        patch: patch(
            schema::CUSTOMER,
            json!({"name": "王小二", "mobile": "13600000000"}),
        ),
        ..Default::default()
    };
    let kept = store.create_customer(&admin, input).await.unwrap();
    let lead = store
        .capture_lead(
            &admin,
            patch(
                schema::LEAD,
                json!({"name": "赵敏", "email": "zhaomin@example.com", "message": "想买倚天剑"}),
            ),
            kehu_store::leads::Assign::AsGiven,
        )
        .await
        .unwrap();
    store
        .erase(
            &admin.actor,
            Subject {
                kind: SubjectKind::Lead,
                id: lead.id,
            },
        )
        .await
        .unwrap();
    nowhere(&store, &["赵敏", "zhaomin@example.com", "倚天剑"]).await;
    let still = store
        .customer(&admin.actor, CustomerId(kept.id))
        .await
        .unwrap();
    assert_eq!(still.name, "王小二");
}

#[tokio::test]
async fn an_import_running_over_the_person_holds_the_erasure_back_and_is_logged_as_refused() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let input = CustomerInput {
        patch: patch(
            schema::CUSTOMER,
            json!({"name": fixture::NAME, "mobile": fixture::MOBILE}),
        ),
        ..Default::default()
    };
    let c = store.create_customer(&admin, input).await.unwrap();
    let ctx = Ctx::new(admin.actor, ChangeSource::Import);
    let mut options = fixture::import_options();
    options.policy = Policy::Overwrite;
    let preparer = store.preparer(&options).await.unwrap();
    // The file was uploaded: kept sealed under a key the store holds.
    let token = "ef".repeat(32);
    store
        .add_upload(&kehu_store::import::UploadRecord {
            token: token.clone(),
            owner: admin.actor.user_id,
            name: "更新.csv".into(),
            format: "csv".into(),
            sha256: "5a".repeat(32),
            key: kehu_core::crypto::file::FileKey::from_bytes([3; 32]),
            received_at: kehu_store::now_ms(),
        })
        .await
        .unwrap();
    let path = format!("/srv/kehu-files/uploads/{token}.csv");
    let mut batch = store
        .begin_import(
            &ctx,
            "更新.csv",
            Some(&path),
            Some(&"5a".repeat(32)),
            &options,
        )
        .await
        .unwrap();
    let row = SourceRow {
        number: 2,
        cells: vec![
            fixture::NAME.into(),
            fixture::MOBILE.into(),
            fixture::EMAIL.into(),
        ],
    };
    store
        .import_chunk(
            &ctx,
            &options,
            Some(&mut batch),
            &preparer,
            vec![preparer.prepare(row)],
            &mut Seen::default(),
        )
        .await
        .unwrap();

    let refused = store.erase(&admin.actor, customer(c.id)).await;
    assert!(
        matches!(refused, Err(Error::Conflict("import_running"))),
        "{refused:?}"
    );
    let kept = store
        .customer(&admin.actor, CustomerId(c.id))
        .await
        .unwrap();
    assert_eq!(
        kept.email.as_deref(),
        Some(fixture::EMAIL),
        "nothing erased"
    );
    let log = store
        .privacy_requests(&admin.actor, None, 10)
        .await
        .unwrap();
    assert_eq!(
        (log[0].status.as_str(), log[0].refusal.as_deref()),
        ("refused", Some("import_running"))
    );

    store.finish_import(&ctx.actor, &batch).await.unwrap();
    let erased = store.erase(&admin.actor, customer(c.id)).await.unwrap();
    nowhere(&store, &[fixture::NAME, fixture::MOBILE, fixture::EMAIL]).await;
    // The uploaded file that held the person lost its key: it can never
    // be read again.
    assert_eq!(
        erased.counts.get("uploads"),
        Some(&1),
        "{:?}",
        erased.counts
    );
    assert!(store.upload(&token).await.unwrap().is_none());
}

#[tokio::test]
async fn retention_erases_soft_deleted_customers_after_the_days_set_and_not_before() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let make = |name: &str, mobile: &str| CustomerInput {
        patch: patch(schema::CUSTOMER, json!({"name": name, "mobile": mobile})),
        ..Default::default()
    };
    let gone = store
        .create_customer(&admin, make("周芷若", "13511112222"))
        .await
        .unwrap();
    let live = store
        .create_customer(&admin, make("殷素素", "13533334444"))
        .await
        .unwrap();
    store
        .delete_customer(&admin, CustomerId(gone.id))
        .await
        .unwrap();

    // No retention set: soft-deleted records are kept however old.
    let none = store.purge_expired(now_ms() + 1000 * DAY).await.unwrap();
    assert_eq!(none.customers, 0);
    assert!(!store.find_anywhere("周芷若").await.unwrap().is_empty());

    let set = PrivacySettings {
        retention_days: Some(30),
    };
    store.set_privacy_settings(&admin.actor, set).await.unwrap();
    let early = store.purge_expired(now_ms() + 29 * DAY).await.unwrap();
    assert_eq!(early.customers, 0, "29 days after deletion is not yet 30");
    assert!(!store.find_anywhere("周芷若").await.unwrap().is_empty());

    let due = store.purge_expired(now_ms() + 31 * DAY).await.unwrap();
    assert_eq!(due.customers, 1);
    nowhere(&store, &["周芷若", "13511112222"]).await;
    let kept = store
        .customer(&admin.actor, CustomerId(live.id))
        .await
        .unwrap();
    assert_eq!(kept.name, "殷素素", "a live record is never purged");
    let again = store.purge_expired(now_ms() + 62 * DAY).await.unwrap();
    assert_eq!(again.customers, 0, "an erased record is erased once");

    let log = store
        .privacy_requests(&admin.actor, None, 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].reason.as_str(), log[0].actor_id),
        ("retention", None)
    );
    assert_eq!(log[0].subject_id, gone.id);
}

#[tokio::test]
async fn only_administrators_may_export_erase_read_the_log_or_set_the_retention() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let f = person_of_every_kind(&store, &admin).await;
    for role in ["sales", "manager", "service", "marketing", "viewer"] {
        let who = user(&store, &format!("{role}@example.com"), role).await;
        let subject = customer(f.customer);
        assert!(
            matches!(
                store.export_sections(&who.actor, subject).await,
                Err(Error::Forbidden)
            ),
            "{role}"
        );
        assert!(
            matches!(
                store.erase(&who.actor, subject).await,
                Err(Error::Forbidden)
            ),
            "{role}"
        );
        assert!(matches!(
            store.privacy_requests(&who.actor, None, 10).await,
            Err(Error::Forbidden)
        ));
        let set = PrivacySettings {
            retention_days: Some(1),
        };
        assert!(matches!(
            store.set_privacy_settings(&who.actor, set).await,
            Err(Error::Forbidden)
        ));
    }
    let c = store
        .customer(&admin.actor, CustomerId(f.customer))
        .await
        .unwrap();
    assert_eq!(c.name, fixture::NAME, "nothing was erased");
    assert!(store
        .privacy_requests(&admin.actor, None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.export_sections(&admin.actor, customer(999_999)).await,
        Err(Error::NotFound)
    ));
}
