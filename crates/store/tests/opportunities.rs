//! Opportunities at the storage level: stages with their probabilities,
//! stage history with time spent, won and lost, the board's totals, the
//! forecast against hand-computed figures, visibility, and an order made
//! from an opportunity. SQLite by default, PostgreSQL when
//! KEHU_TEST_DATABASE names a server.

use kehu_core::order::parse_lines;
use kehu_core::{schema, OpportunityId};
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::opportunities::{ForecastBy, Opportunity, OpportunityFilter, Pipeline};
use kehu_store::testing::{field_codes, patch, user, TestDb};
use kehu_store::write::Ctx;
use kehu_store::{Error, Store};
use serde_json::{json, Value};

async fn customer(store: &Store, ctx: &Ctx, name: &str) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, json!({"name": name})),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

async fn opportunity(store: &Store, ctx: &Ctx, fields: Value) -> Opportunity {
    store
        .create_opportunity(ctx, patch(schema::OPPORTUNITY, fields), None, None)
        .await
        .unwrap()
}

/// The id of the stage of the default pipeline with this key.
fn stage(pipelines: &[Pipeline], key: &str) -> i64 {
    pipelines[0]
        .stages
        .iter()
        .find(|s| s.key.as_deref() == Some(key))
        .unwrap()
        .id
}

#[tokio::test]
async fn an_opportunity_moves_through_stages_with_their_probabilities_and_history() {
    let (store, _db) = TestDb::create().await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let pipelines = store.pipelines().await.unwrap();
    assert!(pipelines[0].is_default);
    let keys: Vec<&str> = pipelines[0]
        .stages
        .iter()
        .filter_map(|s| s.key.as_deref())
        .collect();
    assert_eq!(
        keys,
        ["qualify", "needs", "proposal", "negotiation", "won", "lost"]
    );

    let c = customer(&store, &rep, "远景贸易").await;
    let o = opportunity(
        &store,
        &rep,
        json!({"customer_id": c.id, "name": "年度采购", "amount": "120000", "expected_close": "2026-12-20"}),
    )
    .await;
    assert_eq!(o.stage_id, stage(&pipelines, "qualify"));
    assert_eq!(o.probability, 10, "the stage's default");
    assert_eq!(o.status, "open");
    assert_eq!(o.weighted.unwrap().0.amount_string(), "12000.00");

    // The probability is set for this one alone; a stage move resets it.
    let o = store
        .update_opportunity(
            &rep,
            OpportunityId(o.id),
            Default::default(),
            Some(30),
            None,
            Some(o.version),
        )
        .await
        .unwrap();
    assert_eq!(o.probability, 30);
    let o = store
        .move_opportunity(
            &rep,
            OpportunityId(o.id),
            stage(&pipelines, "proposal"),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(o.probability, 50);

    // Lost needs a reason; nothing changes without one.
    let lost = stage(&pipelines, "lost");
    let refused = store
        .move_opportunity(&rep, OpportunityId(o.id), lost, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(refused),
        vec![("lost_reason".into(), "required".into())]
    );
    let same = store
        .opportunity(&rep.actor, OpportunityId(o.id))
        .await
        .unwrap();
    assert_eq!(same.version, o.version);
    let o = store
        .move_opportunity(
            &rep,
            OpportunityId(o.id),
            lost,
            Some("价格太高".into()),
            None,
        )
        .await
        .unwrap();
    assert_eq!((o.status.as_str(), o.probability), ("lost", 0));
    assert_eq!(o.lost_reason.as_deref(), Some("价格太高"));
    assert!(o.closed_at.is_some());
    // Back to an open stage: reopened; then won.
    let o = store
        .move_opportunity(
            &rep,
            OpportunityId(o.id),
            stage(&pipelines, "negotiation"),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!((o.status.as_str(), o.probability), ("open", 75));
    assert!(o.closed_at.is_none() && o.lost_reason.is_none());
    let o = store
        .move_opportunity(
            &rep,
            OpportunityId(o.id),
            stage(&pipelines, "won"),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!((o.status.as_str(), o.probability), ("won", 100));

    // Each stay, in order; each ends when the next begins.
    let stays = store
        .opportunity_stages(&rep.actor, OpportunityId(o.id))
        .await
        .unwrap();
    let order: Vec<i64> = stays.iter().map(|s| s.stage_id).collect();
    assert_eq!(
        order,
        [
            stage(&pipelines, "qualify"),
            stage(&pipelines, "proposal"),
            lost,
            stage(&pipelines, "negotiation"),
            stage(&pipelines, "won")
        ]
    );
    for pair in stays.windows(2) {
        assert_eq!(pair[0].left_at, Some(pair[1].entered_at));
        assert!(pair[0].duration_ms >= 0);
    }
    assert!(stays.last().unwrap().left_at.is_none());
    let history = store
        .opportunity_history(&rep.actor, OpportunityId(o.id), 100)
        .await
        .unwrap();
    assert_eq!(history.iter().filter(|h| h.field == "stage_id").count(), 4);

    // A stage of no pipeline of this opportunity is refused.
    let refused = store
        .move_opportunity(&rep, OpportunityId(o.id), 9999, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(refused),
        vec![("stage_id".into(), "not_found".into())]
    );

    // Another rep sees none of it.
    let other = user(&store, "other@example.com", "sales").await;
    assert!(matches!(
        store.opportunity(&other.actor, OpportunityId(o.id)).await,
        Err(Error::NotFound)
    ));
    assert!(store
        .opportunities(
            &other.actor,
            &OpportunityFilter {
                limit: 50,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_board_and_the_forecast_add_up_as_computed_by_hand() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let wang = user(&store, "wang@example.com", "sales").await;
    let li = user(&store, "li@example.com", "sales").await;
    let pipelines = store.pipelines().await.unwrap();
    let cw = customer(&store, &wang, "王的客户").await;
    let cl = customer(&store, &li, "李的客户").await;
    let proposal = stage(&pipelines, "proposal");
    // Wang: 100,000 at 50% (proposal) in December; 40,000 at 10% in January.
    opportunity(
        &store,
        &wang,
        json!({"customer_id": cw.id, "name": "A", "amount": "100000", "expected_close": "2026-12-10", "stage_id": proposal}),
    )
    .await;
    opportunity(
        &store,
        &wang,
        json!({"customer_id": cw.id, "name": "B", "amount": "40000", "expected_close": "2027-01-05"}),
    )
    .await;
    // Li: 33,333.33 at 75% in December (probability set by hand).
    let c = store
        .create_opportunity(
            &li,
            patch(
                schema::OPPORTUNITY,
                json!({"customer_id": cl.id, "name": "C", "amount": "33333.33", "expected_close": "2026-12-31", "stage_id": proposal}),
            ),
            Some(75),
            None,
        )
        .await
        .unwrap();
    assert_eq!(c.probability, 75);

    let board = store
        .board(
            &admin.actor,
            pipelines[0].id,
            &OpportunityFilter::default(),
            50,
        )
        .await
        .unwrap();
    let col = board.iter().find(|c| c.stage.id == proposal).unwrap();
    assert_eq!(col.count, 2);
    assert_eq!(col.total["CNY"], "133333.33");
    // 50,000 + 24,999.9975 → 25,000.00 (each rounded to the cent).
    assert_eq!(col.weighted["CNY"], "75000.00");
    assert_eq!(col.cards.len(), 2);
    let first = board.first().unwrap();
    assert_eq!((first.count, first.total["CNY"].as_str()), (1, "40000.00"));
    // Wang's board has only his.
    let mine = store
        .board(
            &wang.actor,
            pipelines[0].id,
            &OpportunityFilter::default(),
            50,
        )
        .await
        .unwrap();
    assert_eq!(
        mine.iter().find(|c| c.stage.id == proposal).unwrap().count,
        1
    );

    let rows = store
        .forecast(&admin.actor, "2026-12", "2027-01", ForecastBy::Owner)
        .await
        .unwrap();
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.month.clone(),
                r.group.clone(),
                r.expected.clone(),
                r.weighted.clone(),
            )
        })
        .collect();
    let (w, l) = (
        wang.actor.user_id.get().to_string(),
        li.actor.user_id.get().to_string(),
    );
    let s = |v: &str| v.to_owned();
    let mut want = vec![
        (s("2026-12"), w.clone(), s("100000.00"), s("50000.00")),
        (s("2026-12"), l.clone(), s("33333.33"), s("25000.00")),
        (s("2027-01"), w.clone(), s("40000.00"), s("4000.00")),
    ];
    want.sort();
    assert_eq!(got, want);
    let all = store
        .forecast(&admin.actor, "2026-12", "2026-12", ForecastBy::All)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].expected.as_str(), all[0].weighted.as_str()),
        ("133333.33", "75000.00")
    );
    // A rep's forecast is their own.
    let own = store
        .forecast(&li.actor, "2026-12", "2027-01", ForecastBy::All)
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].expected, "33333.33");
}

#[tokio::test]
async fn an_opportunitys_products_become_a_draft_order() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let product = store
        .create_product(
            &admin,
            patch(
                schema::PRODUCT,
                json!({"code": "P1", "name": "专业版", "unit": "套", "price": "8000"}),
            ),
        )
        .await
        .unwrap();
    let c = customer(&store, &rep, "华信").await;
    let lines = parse_lines(&json!([
        {"product_id": product.id, "quantity": 3, "discount": "95折"},
        {"name": "实施", "quantity": 1, "unit_price": "3000"},
    ]))
    .unwrap();
    let o = store
        .create_opportunity(
            &rep,
            patch(
                schema::OPPORTUNITY,
                json!({"customer_id": c.id, "name": "扩容", "amount": "1"}),
            ),
            None,
            Some(lines),
        )
        .await
        .unwrap();
    // 3 × 8000 × 95% + 3000 = 25800: the lines set the amount.
    assert_eq!(o.amount.0.amount_string(), "25800.00");
    assert_eq!(o.lines.len(), 2);
    let order = store
        .order_from_opportunity(&rep, OpportunityId(o.id))
        .await
        .unwrap();
    assert_eq!(order.opportunity_id, Some(o.id));
    assert_eq!(order.customer_id, c.id);
    assert_eq!(order.status, "draft");
    assert_eq!(order.total.0.amount_string(), "25800.00");
    assert_eq!(order.lines.len(), 2);

    // Without products, one line for the amount.
    let plain = opportunity(
        &store,
        &rep,
        json!({"customer_id": c.id, "name": "咨询", "amount": "¥6,000"}),
    )
    .await;
    let order = store
        .order_from_opportunity(&rep, OpportunityId(plain.id))
        .await
        .unwrap();
    assert_eq!(order.lines[0].name, "咨询");
    assert_eq!(order.total.0.amount_string(), "6000.00");
}

#[tokio::test]
async fn a_manager_gives_an_opportunity_to_another_rep_and_a_rep_may_not() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let rep = user(&store, "rep@example.com", "sales").await;
    let other = user(&store, "other@example.com", "sales").await;
    let c = customer(&store, &rep, "远景贸易").await;
    let o = opportunity(
        &store,
        &rep,
        json!({"customer_id": c.id, "name": "年度采购"}),
    )
    .await;
    assert_eq!(o.owner_id, Some(rep.actor.user_id.get()));

    let to_other = || {
        kehu_core::entry::parse_object(
            json!({"owner_id": other.actor.user_id.get()})
                .as_object()
                .unwrap(),
            schema::OPPORTUNITY,
            &[],
            kehu_core::entry::Mode::Update,
        )
        .unwrap()
    };
    let refused = store
        .update_opportunity(&rep, OpportunityId(o.id), to_other(), None, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(refused),
        vec![("owner_id".into(), "read_only".into())]
    );
    let moved = store
        .update_opportunity(&admin, OpportunityId(o.id), to_other(), None, None, None)
        .await
        .unwrap();
    assert_eq!(moved.owner_id, Some(other.actor.user_id.get()));
    assert!(store
        .opportunity(&other.actor, OpportunityId(o.id))
        .await
        .is_ok());
    assert!(matches!(
        store.opportunity(&rep.actor, OpportunityId(o.id)).await,
        Err(Error::NotFound)
    ));
    let history = store
        .opportunity_history(&admin.actor, OpportunityId(o.id), 50)
        .await
        .unwrap();
    assert!(history.iter().any(|h| h.field == "owner_id"));
}
