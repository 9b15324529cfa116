//! Orders at the storage level: exact totals with discounts, every step of
//! the workflow allowed or refused with nothing changed, part and full
//! payments, and the customer's purchase figures kept in the same
//! transaction. SQLite by default, PostgreSQL when KEHU_TEST_DATABASE names
//! a server.

use kehu_core::order::{parse_lines, LineInput, OrderStatus};
use kehu_core::{schema, CustomerId, OrderId, ProductId};
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::merge::MergeRequest;
use kehu_store::orders::{Order, OrderFilter, Step};
use kehu_store::testing::{field_codes, patch, user, TestDb};
use kehu_store::write::Ctx;
use kehu_store::{Error, Store};
use serde_json::{json, Value};

async fn customer(store: &Store, ctx: &Ctx, fields: Value) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

fn lines(v: Value) -> Vec<LineInput> {
    parse_lines(&v).unwrap()
}

async fn order(store: &Store, ctx: &Ctx, customer: i64, l: Value) -> Order {
    store
        .create_order(
            ctx,
            patch(schema::ORDER, json!({"customer_id": customer})),
            lines(l),
        )
        .await
        .unwrap()
}

async fn pay(store: &Store, ctx: &Ctx, id: i64, amount: &str) -> Result<Order, Error> {
    store
        .add_payment(
            ctx,
            OrderId(id),
            patch(
                schema::PAYMENT,
                json!({"amount": amount, "method": "bank_transfer", "paid_on": "2026-11-30"}),
            ),
        )
        .await
}

fn ship() -> Step {
    Step::Ship(patch(
        schema::SHIPMENT,
        json!({"carrier": "顺丰速运", "tracking_no": "SF1234567890"}),
    ))
}

fn reason() -> kehu_core::entry::Patch {
    patch(schema::ORDER_REASON, json!({"reason": "客户改期"}))
}

/// Every step a person can take, freshly built.
fn every_step() -> Vec<(&'static str, Step)> {
    vec![
        ("confirm", Step::Confirm),
        ("ship", ship()),
        ("deliver", Step::Deliver),
        ("complete", Step::Complete),
        ("cancel", Step::Cancel(reason())),
        ("refund", Step::Refund(reason())),
    ]
}

/// Tries every step but `allowed` on the order and checks each is refused
/// and leaves the order exactly as it was.
async fn only_allowed(store: &Store, ctx: &Ctx, id: i64, allowed: &[&str]) {
    let before = store.order(&ctx.actor, OrderId(id)).await.unwrap();
    let history_before = store
        .order_history(&ctx.actor, OrderId(id), 1000)
        .await
        .unwrap()
        .len();
    for (name, step) in every_step() {
        if allowed.contains(&name) {
            continue;
        }
        match store.order_step(ctx, OrderId(id), step).await {
            Err(Error::Transition { status, .. }) => assert_eq!(status.as_str(), before.status),
            other => panic!("{name} on a {} order: {other:?}", before.status),
        }
    }
    if before.status != "confirmed" {
        assert!(
            matches!(
                pay(store, ctx, id, "1").await,
                Err(Error::Transition { .. })
            ),
            "a payment on a {} order",
            before.status
        );
    }
    let after = store.order(&ctx.actor, OrderId(id)).await.unwrap();
    assert_eq!(
        serde_json::to_value(&after).unwrap(),
        serde_json::to_value(&before).unwrap(),
        "a refused step changed the order"
    );
    let history_after = store
        .order_history(&ctx.actor, OrderId(id), 1000)
        .await
        .unwrap()
        .len();
    assert_eq!(
        history_after, history_before,
        "a refused step wrote history"
    );
}

#[tokio::test]
async fn orders_total_exactly_and_move_only_along_the_allowed_steps() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let product = store
        .create_product(
            &admin,
            patch(
                schema::PRODUCT,
                json!({"code": "CRM-STD", "name": "客户管理系统 标准版", "unit": "套", "price": "19.99"}),
            ),
        )
        .await
        .unwrap();
    let buyer = customer(
        &store,
        &rep,
        json!({"name": "华信科技", "kind": "company", "stage": "prospect"}),
    )
    .await;

    // 3 × 19.99 less 10% = 53.973 → 53.97; 2 × 100 − 15.5 = 184.50;
    // 0.01 at 100% off = 0: 238.47 in all, which floats would not give.
    let o = order(
        &store,
        &rep,
        buyer.id,
        json!([
            {"product_id": product.id, "quantity": 3, "discount": "9折"},
            {"name": "实施服务", "quantity": "2", "unit_price": "100", "discount": "15.5"},
            {"name": "赠品", "quantity": 1, "unit_price": "0.01", "discount": "100%"},
        ]),
    )
    .await;
    assert_eq!(o.status, "draft");
    assert_eq!(o.number, format!("SO-{:06}", o.id));
    assert_eq!(o.owner_id, Some(rep.actor.user_id.get()));
    let json = serde_json::to_value(&o).unwrap();
    assert_eq!(
        json["total"],
        json!({"amount": "238.47", "currency": "CNY"})
    );
    assert_eq!(
        json["outstanding"],
        json!({"amount": "238.47", "currency": "CNY"})
    );
    assert_eq!(
        json["lines"][0]["name"], "客户管理系统 标准版",
        "copied from the catalogue"
    );
    assert_eq!(json["lines"][0]["unit"], "套");
    assert_eq!(json["lines"][0]["total"]["amount"], "53.97");
    assert_eq!(
        json["lines"][0]["discount"],
        json!({"kind": "percent", "value": "10"})
    );
    assert_eq!(json["lines"][1]["total"]["amount"], "184.50");
    assert_eq!(json["lines"][2]["total"]["amount"], "0.00");

    // A draft is edited; a line in another currency is refused by line.
    let mixed = store
        .update_order(
            &rep,
            OrderId(o.id),
            kehu_core::entry::Patch::default(),
            Some(lines(json!([
                {"name": "A", "quantity": 1, "unit_price": "10"},
                {"name": "B", "quantity": 1, "unit_price": "10 USD"},
            ]))),
            Some(o.version),
        )
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(mixed),
        vec![("lines[1].unit_price".into(), "currency_mismatch".into())]
    );
    // A product taken out of the catalogue is not sold again.
    store
        .update_product(
            &admin,
            ProductId(product.id),
            kehu_core::entry::parse_object(
                json!({"active": false}).as_object().unwrap(),
                schema::PRODUCT,
                &[],
                kehu_core::entry::Mode::Update,
            )
            .unwrap(),
            None,
        )
        .await
        .unwrap();
    let inactive = store
        .create_order(
            &rep,
            patch(schema::ORDER, json!({"customer_id": buyer.id})),
            lines(json!([{"product_id": product.id, "quantity": 1}])),
        )
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(inactive),
        vec![("lines[0].product_id".into(), "inactive".into())]
    );

    // Draft: only confirm and cancel.
    only_allowed(&store, &rep, o.id, &["confirm", "cancel"]).await;
    let o = store
        .order_step(&rep, OrderId(o.id), Step::Confirm)
        .await
        .unwrap();
    assert_eq!(o.status, "confirmed");
    assert!(o.confirmed_at.is_some());
    // Confirmed: the lines are fixed now.
    let fixed = store
        .update_order(
            &rep,
            OrderId(o.id),
            kehu_core::entry::Patch::default(),
            Some(lines(
                json!([{"name": "A", "quantity": 1, "unit_price": "1"}]),
            )),
            None,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(fixed, Error::Conflict("order_not_draft")),
        "{fixed:?}"
    );
    only_allowed(&store, &rep, o.id, &["cancel"]).await;

    // Part payments keep it confirmed; more than is outstanding, another
    // currency, or nothing is refused and records nothing.
    let o = pay(&store, &rep, o.id, "100").await.unwrap();
    assert_eq!(o.status, "confirmed");
    assert_eq!(o.payments.len(), 1);
    assert_eq!(o.outstanding.unwrap().0.amount_string(), "138.47");
    let over = pay(&store, &rep, o.id, "138.48").await.unwrap_err();
    assert_eq!(
        field_codes(over),
        vec![("amount".into(), "above_max".into())]
    );
    let usd = pay(&store, &rep, o.id, "10 USD").await.unwrap_err();
    assert_eq!(
        field_codes(usd),
        vec![("amount".into(), "currency_mismatch".into())]
    );
    let zero = pay(&store, &rep, o.id, "0").await.unwrap_err();
    assert_eq!(
        field_codes(zero),
        vec![("amount".into(), "below_min".into())]
    );
    // Money came in: cancelling is refused (refund it instead).
    only_allowed(&store, &rep, o.id, &[]).await;
    assert_eq!(
        store
            .order(&rep.actor, OrderId(o.id))
            .await
            .unwrap()
            .payments
            .len(),
        1
    );

    // The rest pays it, and the customer's figures follow in the same step.
    let o = pay(&store, &rep, o.id, "138.47").await.unwrap();
    assert_eq!(o.status, "paid");
    assert!(o.paid_at.is_some());
    let figures = store
        .customer_figures(&rep.actor, CustomerId(buyer.id))
        .await
        .unwrap();
    assert_eq!(figures.purchase_count, 1);
    assert_eq!(
        figures.total_spend.get("CNY").map(String::as_str),
        Some("238.47")
    );
    assert_eq!(figures.first_purchase_at, o.paid_at);
    assert_eq!(figures.last_purchase_at, o.paid_at);
    let buyer_now = store
        .customer(&rep.actor, CustomerId(buyer.id))
        .await
        .unwrap();
    assert_eq!(
        buyer_now.stage, "customer",
        "a first purchase makes a customer"
    );

    only_allowed(&store, &rep, o.id, &["ship", "refund"]).await;
    let o = store.order_step(&rep, OrderId(o.id), ship()).await.unwrap();
    assert_eq!(o.status, "shipped");
    assert_eq!(o.carrier.as_deref(), Some("顺丰速运"));
    assert_eq!(o.tracking_no.as_deref(), Some("SF1234567890"));
    only_allowed(&store, &rep, o.id, &["deliver", "refund"]).await;
    let o = store
        .order_step(&rep, OrderId(o.id), Step::Deliver)
        .await
        .unwrap();
    only_allowed(&store, &rep, o.id, &["complete", "refund"]).await;
    let o = store
        .order_step(&rep, OrderId(o.id), Step::Complete)
        .await
        .unwrap();
    assert_eq!(o.status, "completed");
    only_allowed(&store, &rep, o.id, &[]).await;

    // Each step is in the order's history, old → new.
    let history = store
        .order_history(&rep.actor, OrderId(o.id), 100)
        .await
        .unwrap();
    let moves: Vec<(Option<String>, Option<String>)> = history
        .iter()
        .rev()
        .filter(|h| h.field == "status")
        .map(|h| (h.old_value.clone(), h.new_value.clone()))
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        moves,
        vec![
            (s("draft"), s("confirmed")),
            (s("confirmed"), s("paid")),
            (s("paid"), s("shipped")),
            (s("shipped"), s("delivered")),
            (s("delivered"), s("completed")),
        ]
    );
    assert_eq!(history.iter().filter(|h| h.field == "payment").count(), 2);

    // A second paid order makes the customer loyal; refunding it takes it
    // out of the figures again (the stage stays).
    let second = order(
        &store,
        &rep,
        buyer.id,
        json!([{"name": "续费", "quantity": 1, "unit_price": "1000"}]),
    )
    .await;
    store
        .order_step(&rep, OrderId(second.id), Step::Confirm)
        .await
        .unwrap();
    let second = pay(&store, &rep, second.id, "1000").await.unwrap();
    let figures = store
        .customer_figures(&rep.actor, CustomerId(buyer.id))
        .await
        .unwrap();
    assert_eq!(figures.purchase_count, 2);
    assert_eq!(figures.total_spend["CNY"], "1238.47");
    assert_eq!(figures.last_purchase_at, second.paid_at);
    assert_eq!(
        store
            .customer(&rep.actor, CustomerId(buyer.id))
            .await
            .unwrap()
            .stage,
        "loyal"
    );
    let refunded = store
        .order_step(&rep, OrderId(second.id), Step::Refund(reason()))
        .await
        .unwrap();
    assert_eq!(refunded.status, "refunded");
    assert_eq!(refunded.reason.as_deref(), Some("客户改期"));
    let figures = store
        .customer_figures(&rep.actor, CustomerId(buyer.id))
        .await
        .unwrap();
    assert_eq!(figures.purchase_count, 1);
    assert_eq!(figures.total_spend["CNY"], "238.47");

    // A draft with nothing paid is cancelled, with its reason.
    let third = order(
        &store,
        &rep,
        buyer.id,
        json!([{"name": "X", "quantity": 1, "unit_price": "1"}]),
    )
    .await;
    let cancelled = store
        .order_step(&rep, OrderId(third.id), Step::Cancel(reason()))
        .await
        .unwrap();
    assert_eq!(cancelled.status, "cancelled");
    only_allowed(&store, &rep, third.id, &[]).await;

    let listed = store
        .orders(
            &rep.actor,
            &OrderFilter {
                customer_id: Some(buyer.id),
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![third.id, second.id],
        "newest first"
    );
    let next = store
        .orders(
            &rep.actor,
            &OrderFilter {
                customer_id: Some(buyer.id),
                before: Some(second.id),
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(next.iter().map(|o| o.id).collect::<Vec<_>>(), vec![o.id]);
    let paid_only = store
        .orders(
            &rep.actor,
            &OrderFilter {
                status: Some(OrderStatus::Completed),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(paid_only.len(), 1);
}

#[tokio::test]
async fn orders_are_seen_as_their_customers_are_and_follow_a_merge() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let other = user(&store, "other@example.com", "sales").await;
    let mine = customer(
        &store,
        &rep,
        json!({"name": "张三", "mobile": "13812345678"}),
    )
    .await;
    let o = order(
        &store,
        &rep,
        mine.id,
        json!([{"name": "咨询", "quantity": 1, "unit_price": "500"}]),
    )
    .await;

    // Another rep neither sees the order nor orders for the customer.
    assert!(matches!(
        store.order(&other.actor, OrderId(o.id)).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.order_step(&other, OrderId(o.id), Step::Confirm).await,
        Err(Error::NotFound)
    ));
    let hidden = store
        .create_order(
            &other,
            patch(schema::ORDER, json!({"customer_id": mine.id})),
            lines(json!([{"name": "X", "quantity": 1, "unit_price": "1"}])),
        )
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(hidden),
        vec![("customer_id".into(), "not_found".into())]
    );
    assert!(store
        .orders(
            &other.actor,
            &OrderFilter {
                limit: 50,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .orders(
                &admin.actor,
                &OrderFilter {
                    limit: 50,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
        1
    );

    // Paid, then the customer is merged into a duplicate: the order moves
    // and the survivor's figures count it; undo moves it back.
    store
        .order_step(&rep, OrderId(o.id), Step::Confirm)
        .await
        .unwrap();
    pay(&store, &rep, o.id, "500").await.unwrap();
    let twin = customer(
        &store,
        &rep,
        json!({"name": "张三", "mobile": "13812345679"}),
    )
    .await;
    let merge = store
        .merge_customers(
            &admin,
            &MergeRequest {
                survivor: CustomerId(twin.id),
                merged: vec![CustomerId(mine.id)],
                choose: Default::default(),
                score: None,
                reasons: vec![],
                rule: None,
            },
        )
        .await
        .unwrap();
    let moved = store.order(&rep.actor, OrderId(o.id)).await.unwrap();
    assert_eq!(moved.customer_id, twin.id);
    let figures = store
        .customer_figures(&rep.actor, CustomerId(twin.id))
        .await
        .unwrap();
    assert_eq!(figures.purchase_count, 1);
    assert_eq!(figures.total_spend["CNY"], "500.00");
    store.undo_merge(&admin, merge.id, true).await.unwrap();
    assert_eq!(
        store
            .order(&rep.actor, OrderId(o.id))
            .await
            .unwrap()
            .customer_id,
        mine.id
    );
    let figures = store
        .customer_figures(&rep.actor, CustomerId(twin.id))
        .await
        .unwrap();
    assert_eq!(figures.purchase_count, 0);
    let figures = store
        .customer_figures(&rep.actor, CustomerId(mine.id))
        .await
        .unwrap();
    assert_eq!(figures.purchase_count, 1);
}
