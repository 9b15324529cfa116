//! Webhooks at the storage level: endpoints only administrators keep, URLs
//! to private addresses refused unless their host is allowed, events
//! written in the transaction of their change (and gone with it when it
//! rolls back), leases that keep two senders off one delivery, and the
//! retry schedule to its end. SQLite by default, PostgreSQL when
//! KEHU_TEST_DATABASE names a server.

use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::order::parse_lines;
use kehu_core::webhook::{EndpointUrl, Event, RETRY_DELAYS_MS};
use kehu_core::{schema, CustomerId, OrderId, WebhookDeliveryId, WebhookId};
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::merge::MergeRequest;
use kehu_store::orders::{Order, Step};
use kehu_store::testing::{field_codes, patch, user, TestDb};
use kehu_store::time::Time;
use kehu_store::webhooks::deliveries::{
    AfterAttempt, AttemptOutcome, WebhookDelivery, KEEP_FINISHED_MS, LEASE_MS,
};
use kehu_store::webhooks::{EndpointInput, WebhookEndpoint};
use kehu_store::write::Ctx;
use kehu_store::{Error, Store};
use serde_json::{json, Value};

fn endpoint(url: &str, events: &[Event]) -> EndpointInput {
    EndpointInput {
        url: Some(EndpointUrl::parse(url).unwrap()),
        events: Some(events.to_vec()),
        active: None,
        description: Some(Some("财务系统".into())),
    }
}

async fn register(store: &Store, admin: &Ctx, events: &[Event]) -> WebhookEndpoint {
    store
        .create_webhook_endpoint(admin, endpoint("https://erp.example.cn/kehu", events))
        .await
        .unwrap()
        .endpoint
}

async fn deliveries(store: &Store, admin: &Ctx, endpoint: i64) -> Vec<WebhookDelivery> {
    store
        .webhook_deliveries(&admin.actor, WebhookId(endpoint), None, 200)
        .await
        .unwrap()
}

/// The events delivered to an endpoint, oldest first.
async fn events(store: &Store, admin: &Ctx, endpoint: i64) -> Vec<String> {
    let mut names: Vec<String> = deliveries(store, admin, endpoint)
        .await
        .into_iter()
        .map(|d| d.event)
        .collect();
    names.reverse();
    names
}

async fn customer(store: &Store, ctx: &Ctx, fields: Value) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

async fn order(store: &Store, ctx: &Ctx, customer: i64, price: &str) -> Order {
    store
        .create_order(
            ctx,
            patch(schema::ORDER, json!({"customer_id": customer})),
            parse_lines(&json!([{"name": "实施服务", "quantity": 1, "unit_price": price}]))
                .unwrap(),
        )
        .await
        .unwrap()
}

async fn pay(store: &Store, ctx: &Ctx, id: i64, amount: &str) -> Result<Order, Error> {
    let p = patch(
        schema::PAYMENT,
        json!({"amount": amount, "method": "bank_transfer", "paid_on": "2026-11-30"}),
    );
    store.add_payment(ctx, OrderId(id), p).await
}

fn failed(status: u16) -> AttemptOutcome {
    AttemptOutcome {
        response_status: Some(status),
        error_kind: None,
        error: None,
        duration_ms: 12,
    }
}

#[tokio::test]
async fn only_administrators_keep_webhooks_and_private_urls_need_an_allowed_host() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let boss = user(&store, "boss@example.com", "manager").await;
    let input = || endpoint("https://erp.example.cn/kehu", &[Event::OrderPaid]);
    assert!(matches!(
        store.create_webhook_endpoint(&boss, input()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        store.webhook_endpoints(&boss.actor).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        store.allow_webhook_host(&boss, "10.0.0.5").await,
        Err(Error::Forbidden)
    ));

    let created = store
        .create_webhook_endpoint(&admin, input())
        .await
        .unwrap();
    assert!(created.secret.starts_with("whsec_") && created.secret.len() > 40);
    assert_eq!(created.endpoint.events, vec![Event::OrderPaid]);
    assert!(created.endpoint.active);
    let json = serde_json::to_value(&created.endpoint).unwrap();
    assert!(
        json.get("secret").is_none(),
        "the secret is shown only once"
    );

    let missing = store
        .create_webhook_endpoint(&admin, EndpointInput::default())
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(missing),
        vec![
            ("url".to_string(), "required".to_string()),
            ("events".to_string(), "required".to_string())
        ]
    );
    for url in [
        "http://10.0.0.5:8080/erp",
        "http://0177.0.0.1/",
        "http://[::ffff:127.0.0.1]/",
    ] {
        let refused = store
            .create_webhook_endpoint(&admin, endpoint(url, &[Event::OrderPaid]))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(refused),
            vec![("url".to_string(), "private_address".to_string())],
            "{url}"
        );
    }
    assert_eq!(
        store.webhook_endpoints(&admin.actor).await.unwrap().len(),
        1
    );

    // Allowed, the ERP on the office network is reached.
    let allowed = store
        .allow_webhook_host(&admin, " 10.0.0.5 ")
        .await
        .unwrap();
    assert_eq!(allowed.host, "10.0.0.5");
    let again = store
        .allow_webhook_host(&admin, "10.0.0.5")
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(again),
        vec![("host".into(), "not_unique".into())]
    );
    let bad = store
        .allow_webhook_host(&admin, "erp:8080")
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(bad),
        vec![("host".into(), "invalid_host".into())]
    );
    let erp = store
        .create_webhook_endpoint(
            &admin,
            endpoint("http://10.0.0.5:8080/erp", &[Event::OrderPaid]),
        )
        .await
        .unwrap();
    assert_eq!(erp.endpoint.url, "http://10.0.0.5:8080/erp");

    // A change keeps what it does not name; a rotated secret is new.
    let changed = store
        .update_webhook_endpoint(
            &admin,
            WebhookId(erp.endpoint.id),
            EndpointInput {
                active: Some(false),
                ..Default::default()
            },
            Some(erp.endpoint.version),
        )
        .await
        .unwrap();
    assert!(!changed.active);
    assert_eq!(changed.url, erp.endpoint.url);
    let stale = store
        .update_webhook_endpoint(
            &admin,
            WebhookId(erp.endpoint.id),
            EndpointInput::default(),
            Some(erp.endpoint.version),
        )
        .await;
    assert!(matches!(stale, Err(Error::Conflict("version"))));
    let rotated = store
        .rotate_webhook_secret(&admin, WebhookId(erp.endpoint.id))
        .await
        .unwrap();
    assert_ne!(rotated.secret, erp.secret);
    store
        .delete_webhook_endpoint(&admin, WebhookId(erp.endpoint.id))
        .await
        .unwrap();
    assert!(matches!(
        store
            .webhook_endpoint(&admin.actor, WebhookId(erp.endpoint.id))
            .await,
        Err(Error::NotFound)
    ));
}

#[tokio::test]
async fn order_events_are_written_with_their_change_and_a_refused_step_writes_none() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let finance = register(&store, &admin, &[Event::OrderConfirmed, Event::OrderPaid]).await;
    let logistics = register(
        &store,
        &admin,
        &[
            Event::OrderShipped,
            Event::OrderDelivered,
            Event::OrderCancelled,
        ],
    )
    .await;
    let buyer = customer(&store, &rep, json!({"name": "华信科技", "kind": "company"})).await;
    let o = order(&store, &rep, buyer.id, "1200").await;
    assert!(
        events(&store, &admin, finance.id).await.is_empty(),
        "a draft is no event"
    );

    // Refused steps change nothing, outbox included.
    for step in [Step::Deliver, Step::Complete] {
        assert!(matches!(
            store.order_step(&rep, OrderId(o.id), step).await,
            Err(Error::Transition { .. })
        ));
    }
    assert!(
        pay(&store, &rep, o.id, "100").await.is_err(),
        "a draft takes no payment"
    );
    assert!(events(&store, &admin, finance.id).await.is_empty());
    assert!(events(&store, &admin, logistics.id).await.is_empty());

    store
        .order_step(&rep, OrderId(o.id), Step::Confirm)
        .await
        .unwrap();
    // A part payment is no event; more than is outstanding is refused.
    pay(&store, &rep, o.id, "200").await.unwrap();
    assert!(pay(&store, &rep, o.id, "1000.01").await.is_err());
    assert_eq!(
        events(&store, &admin, finance.id).await,
        vec!["order.confirmed"]
    );
    pay(&store, &rep, o.id, "1000").await.unwrap();
    let ship = Step::Ship(patch(
        schema::SHIPMENT,
        json!({"carrier": "顺丰速运", "tracking_no": "SF1234567890"}),
    ));
    store.order_step(&rep, OrderId(o.id), ship).await.unwrap();
    store
        .order_step(&rep, OrderId(o.id), Step::Deliver)
        .await
        .unwrap();
    assert_eq!(
        events(&store, &admin, finance.id).await,
        vec!["order.confirmed", "order.paid"]
    );
    assert_eq!(
        events(&store, &admin, logistics.id).await,
        vec!["order.shipped", "order.delivered"]
    );

    // The payload is the order as the API shows it, at the time.
    let paid = deliveries(&store, &admin, finance.id).await.remove(0);
    let body = paid.payload.0;
    assert_eq!(body["event"], "order.paid");
    assert_eq!(body["id"], paid.event_id);
    assert!(body["occurred_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["data"]["id"], o.id);
    assert_eq!(body["data"]["number"], format!("SO-{:06}", o.id));
    assert_eq!(body["data"]["status"], "paid");
    assert_eq!(body["data"]["paid"]["amount"], "1200.00");
    assert_eq!(body["data"]["payments"].as_array().unwrap().len(), 2);
    assert_eq!(body["data"]["lines"][0]["name"], "实施服务");
    assert_eq!(paid.status, "pending");

    // Confirming an order with nothing to pay confirms and pays it; an
    // inactive endpoint gets nothing.
    store
        .update_webhook_endpoint(
            &admin,
            WebhookId(logistics.id),
            EndpointInput {
                active: Some(false),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let free = order(&store, &rep, buyer.id, "0").await;
    store
        .order_step(&rep, OrderId(free.id), Step::Confirm)
        .await
        .unwrap();
    let other = order(&store, &rep, buyer.id, "5").await;
    let cancel = Step::Cancel(patch(schema::ORDER_REASON, json!({"reason": "客户改期"})));
    store
        .order_step(&rep, OrderId(other.id), cancel)
        .await
        .unwrap();
    assert_eq!(
        events(&store, &admin, finance.id).await,
        vec![
            "order.confirmed",
            "order.paid",
            "order.confirmed",
            "order.paid"
        ]
    );
    assert_eq!(events(&store, &admin, logistics.id).await.len(), 2);
}

#[tokio::test]
async fn customer_events_leave_out_sensitive_fields_and_a_merge_says_who_stays() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let hook = register(
        &store,
        &admin,
        &[
            Event::CustomerCreated,
            Event::CustomerUpdated,
            Event::CustomerMerged,
        ],
    )
    .await;
    for (key, sensitive) in [("member_no", false), ("bank_account", true)] {
        let def = FieldDef {
            key: FieldKey::parse(key).unwrap(),
            label_zh: key.into(),
            label_en: key.into(),
            kind: FieldKind::Text,
            rules: FieldRules::default(),
            sensitive,
        };
        store.create_field_definition(&admin, def, 0).await.unwrap();
    }
    let input = CustomerInput {
        patch: patch(
            schema::CUSTOMER,
            json!({"name": "张三", "mobile": "13812345678", "email": "zs@example.cn"}),
        ),
        tags: Some(vec!["VIP".into()]),
        custom: Some(
            json!({"member_no": "M1", "bank_account": "6222020200112233445"})
                .as_object()
                .unwrap()
                .clone(),
        ),
    };
    let zhang = store.create_customer(&admin, input).await.unwrap();
    let twin = customer(
        &store,
        &admin,
        json!({"name": "张三", "mobile": "13812345678"}),
    )
    .await;
    // An update that changes nothing is no event.
    let same = CustomerInput {
        patch: patch(schema::CUSTOMER, json!({"name": "张三"})),
        ..Default::default()
    };
    store
        .update_customer(&admin, CustomerId(zhang.id), same, None)
        .await
        .unwrap();
    let changed = CustomerInput {
        patch: patch(
            schema::CUSTOMER,
            json!({"name": "张三", "title": "采购经理"}),
        ),
        ..Default::default()
    };
    store
        .update_customer(&admin, CustomerId(zhang.id), changed, None)
        .await
        .unwrap();
    store
        .merge_customers(
            &admin,
            &MergeRequest::manual(
                &[CustomerId(zhang.id), CustomerId(twin.id)],
                Default::default(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        events(&store, &admin, hook.id).await,
        vec![
            "customer.created",
            "customer.created",
            "customer.updated",
            "customer.merged"
        ]
    );
    let all = deliveries(&store, &admin, hook.id).await;
    let created = &all[3].payload.0["data"];
    assert_eq!(created["name"], "张三");
    assert_eq!(created["mobile"], "13812345678", "receivers ship with it");
    assert_eq!(created["tags"], json!(["VIP"]));
    assert_eq!(created["custom"], json!({"member_no": "M1"}));
    assert!(!all[3].payload.0.to_string().contains("6222020200112233445"));
    assert!(!all[3].payload.0.to_string().contains("resident_id"));
    assert_eq!(all[1].payload.0["data"]["title"], "采购经理");
    let merged = &all[0].payload.0["data"];
    assert_eq!(merged["survivor"]["id"], zhang.id);
    assert_eq!(merged["merged_ids"], json!([twin.id]));
    assert!(merged["merge_id"].as_i64().is_some());
    assert_eq!(merged["survivor"]["custom"], json!({"member_no": "M1"}));
}

#[tokio::test]
async fn a_lease_keeps_a_delivery_to_one_sender_and_retries_back_off_until_they_give_up() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let hook = register(&store, &admin, &[Event::CustomerCreated]).await;
    customer(&store, &admin, json!({"name": "甲"})).await;
    let now = Time::now();

    // Two senders at once: one gets it, the other nothing.
    let (a, b) = tokio::join!(
        store.claim_webhook_deliveries(now, 10),
        store.claim_webhook_deliveries(now, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
    let claimed = a.into_iter().chain(b).next().unwrap();
    assert_eq!(claimed.event, "customer.created");
    assert!(claimed.secret.starts_with("whsec_"));
    assert!(store
        .claim_webhook_deliveries(now, 10)
        .await
        .unwrap()
        .is_empty());
    // A sender that died leaves a lease that runs out.
    let later = Time(now.0 + LEASE_MS);
    let taken_over = store.claim_webhook_deliveries(later, 10).await.unwrap();
    assert_eq!(taken_over.len(), 1);
    assert_ne!(taken_over[0].lease_token, claimed.lease_token);
    // The first sender's late answer is logged but moves nothing.
    let after = store
        .finish_webhook_attempt(&claimed, &failed(500), later)
        .await
        .unwrap();
    assert!(matches!(after, AfterAttempt::RetryAt(_)));
    let d = &deliveries(&store, &admin, hook.id).await[0];
    assert_eq!((d.status.as_str(), d.attempts.len()), ("pending", 1));

    // Every attempt fails: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then failed.
    let mut delivery = taken_over.into_iter().next().unwrap();
    let mut clock = later;
    let mut waits = Vec::new();
    loop {
        match store
            .finish_webhook_attempt(&delivery, &failed(503), clock)
            .await
            .unwrap()
        {
            AfterAttempt::RetryAt(at) => {
                waits.push(at.0 - clock.0);
                assert!(store
                    .claim_webhook_deliveries(Time(at.0 - 1), 10)
                    .await
                    .unwrap()
                    .is_empty());
                clock = at;
                delivery = store
                    .claim_webhook_deliveries(clock, 10)
                    .await
                    .unwrap()
                    .remove(0);
            }
            AfterAttempt::GaveUp => break,
            AfterAttempt::Delivered => panic!("a 503 delivered"),
        }
    }
    assert_eq!(waits, RETRY_DELAYS_MS.to_vec());
    let d = &deliveries(&store, &admin, hook.id).await[0];
    assert_eq!(d.status, "failed");
    assert!(d.next_attempt_at.is_none() && d.finished_at.is_some());
    assert_eq!(d.attempts.len(), 8, "the late answer and seven attempts");
    assert!(d.attempts.iter().all(|a| a.response_status.is_some()));

    // A replay is a new delivery of the same event, due now.
    let replay = store
        .replay_webhook_delivery(&admin, WebhookDeliveryId(d.id))
        .await
        .unwrap();
    assert_ne!(replay.id, d.id);
    assert_eq!(replay.event_id, d.event_id);
    assert_eq!(replay.replay_of, Some(d.id));
    assert_eq!(replay.status, "pending");
    assert_eq!(replay.payload, d.payload);
    let due = store
        .claim_webhook_deliveries(Time::now(), 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![replay.id]
    );
    let rep = user(&store, "rep@example.com", "sales").await;
    assert!(matches!(
        store
            .replay_webhook_delivery(&rep, WebhookDeliveryId(d.id))
            .await,
        Err(Error::Forbidden)
    ));
}

#[tokio::test]
async fn finished_deliveries_are_kept_a_quarter_and_pending_ones_for_good() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let hook = register(&store, &admin, &[Event::CustomerCreated]).await;
    customer(&store, &admin, json!({"name": "甲"})).await;
    customer(&store, &admin, json!({"name": "乙"})).await;
    let now = Time::now();
    let due = store.claim_webhook_deliveries(now, 1).await.unwrap();
    let delivered = &due[0];
    let ok = AttemptOutcome {
        response_status: Some(200),
        ..failed(500)
    };
    store
        .finish_webhook_attempt(delivered, &ok, now)
        .await
        .unwrap();
    assert_eq!(deliveries(&store, &admin, hook.id).await.len(), 2);

    // A day short of a quarter: everything stays.
    let day = 24 * 3_600_000;
    let pruned = store
        .prune_webhook_deliveries(Time(now.0 + KEEP_FINISHED_MS - day))
        .await
        .unwrap();
    assert_eq!(pruned, 0);
    assert_eq!(deliveries(&store, &admin, hook.id).await.len(), 2);

    // A quarter on: the delivered one goes with its attempt and its event;
    // the one still waiting for its receiver stays.
    let pruned = store
        .prune_webhook_deliveries(Time(now.0 + KEEP_FINISHED_MS + day))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let left = deliveries(&store, &admin, hook.id).await;
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].id, delivered.id);
    assert_eq!(left[0].status, "pending");
    assert!(matches!(
        store
            .webhook_delivery(&admin.actor, WebhookDeliveryId(delivered.id))
            .await,
        Err(Error::NotFound)
    ));
    let events = store.count_rows("webhook_events").await.unwrap();
    let attempts = store.count_rows("webhook_attempts").await.unwrap();
    assert_eq!((events, attempts), (1, 0));
}

#[tokio::test]
async fn a_captured_lead_and_an_opportunity_won_or_lost_are_reported() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let hook = register(
        &store,
        &admin,
        &[
            Event::LeadCreated,
            Event::OpportunityWon,
            Event::OpportunityLost,
        ],
    )
    .await;
    store
        .capture_lead(
            &admin,
            patch(
                schema::LEAD,
                json!({"name": "王经理", "mobile": "13711112222"}),
            ),
            kehu_store::leads::Assign::Pool,
        )
        .await
        .unwrap();
    let c = customer(&store, &admin, json!({"name": "华信"})).await;
    let pipelines = store.pipelines().await.unwrap();
    let stage = |key: &str| {
        pipelines[0]
            .stages
            .iter()
            .find(|s| s.key.as_deref() == Some(key))
            .unwrap()
            .id
    };
    let mut ids = Vec::new();
    for name in ["A", "B"] {
        let o = store
            .create_opportunity(
                &admin,
                patch(
                    schema::OPPORTUNITY,
                    json!({"customer_id": c.id, "name": name, "amount": "1000"}),
                ),
                None,
                None,
            )
            .await
            .unwrap();
        ids.push(o.id);
    }
    // A move to an open stage reports nothing; a refused lost move neither.
    let id = |i: usize| kehu_core::OpportunityId(ids[i]);
    store
        .move_opportunity(&admin, id(0), stage("proposal"), None, None)
        .await
        .unwrap();
    assert!(store
        .move_opportunity(&admin, id(1), stage("lost"), None, None)
        .await
        .is_err());
    store
        .move_opportunity(&admin, id(0), stage("won"), None, None)
        .await
        .unwrap();
    store
        .move_opportunity(&admin, id(1), stage("lost"), Some("预算取消".into()), None)
        .await
        .unwrap();
    assert_eq!(
        events(&store, &admin, hook.id).await,
        ["lead.created", "opportunity.won", "opportunity.lost"]
    );
    let lost = deliveries(&store, &admin, hook.id).await.remove(0);
    let body = lost.payload.0;
    assert_eq!(body["data"]["lost_reason"], "预算取消");
    assert_eq!(body["data"]["amount"]["amount"], "1000.00");
}
