//! Orders over HTTP: a draft from the catalogue, every step with a refused
//! one answering 409 in the caller's language and changing nothing, part
//! and full payments, the customer's figures, and who sees which order.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{body, field_errors, TestApp};
use crate::pages::Browser;

/// Posts a step; `Value::Null` sends no body at all.
async fn step(app: &TestApp, token: &str, id: i64, step: &str, json: Value) -> reqwest::Response {
    let body = (!json.is_null()).then_some(json);
    app.send(
        Method::POST,
        &format!("/api/v1/orders/{id}/{step}"),
        token,
        body,
    )
    .await
}

#[tokio::test]
async fn an_order_goes_from_draft_to_completed_and_refused_steps_change_nothing() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let product = body(
        app.post(
            "/api/v1/products",
            &app.admin,
            json!({"code": "CRM-PRO", "name": "客户管理系统 专业版", "unit": "套", "price": "12800"}),
        )
        .await,
    )
    .await;
    let customer = app
        .customer(&rep, json!({"name": "华信科技", "kind": "company"}))
        .await;
    let cid = customer["id"].as_i64().unwrap();

    // Bad lines and a missing customer are all reported at once.
    let r = app
        .post(
            "/api/v1/orders",
            &rep,
            json!({"customer_id": 999999, "lines": [{"product_id": product["id"], "quantity": 0}, {"name": "培训"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = field_errors(&body(r).await);
    for expected in [
        ("lines[0].quantity", "below_min"),
        ("lines[1].quantity", "required"),
        ("lines[1].unit_price", "required"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {errors:?}"
        );
    }
    let r = app
        .post(
            "/api/v1/orders",
            &rep,
            json!({"customer_id": 999999, "lines": [{"product_id": product["id"], "quantity": 1}]}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        vec![("customer_id".to_string(), "not_found".to_string())]
    );

    let r = app
        .post(
            "/api/v1/orders",
            &rep,
            json!({"customer_id": cid, "external_ref": "ERP-2026-001", "lines": [
                {"product_id": product["id"], "quantity": 2, "discount": "95折"},
                {"name": "实施服务", "unit": "人天", "quantity": "1.5", "unit_price": "¥1,200.00"},
            ]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order = body(r).await;
    let id = order["id"].as_i64().unwrap();
    // 2 × 12800 × 95% = 24320; 1.5 × 1200 = 1800.
    assert_eq!(
        order["total"],
        json!({"amount": "26120.00", "currency": "CNY"})
    );
    assert_eq!(order["status"], "draft");
    assert_eq!(order["lines"][0]["total"]["amount"], "24320.00");

    // Shipping a draft: 409, said in the caller's language, nothing changed.
    let r = app
        .request(Method::POST, &format!("/api/v1/orders/{id}/ship"), &rep)
        .header("accept-language", "zh-CN")
        .json(&json!({"carrier": "顺丰速运", "tracking_no": "SF1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let problem = body(r).await;
    assert_eq!(problem["code"], "invalid_transition");
    assert_eq!(
        problem["detail"],
        "订单当前为“草稿”，不能发货。货款收齐后才能发货。"
    );
    let unchanged = body(app.get(&format!("/api/v1/orders/{id}"), &rep).await).await;
    assert_eq!(unchanged, order);
    // An unknown step is not a route.
    let r = step(&app, &rep, id, "teleport", json!({})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = step(&app, &rep, id, "confirm", Value::Null).await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", body(r).await);
    // Lines of a confirmed order are fixed; its notes are not.
    let r = app
        .patch(
            &format!("/api/v1/orders/{id}"),
            &rep,
            json!({"lines": [{"name": "X", "quantity": 1, "unit_price": "1"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["code"], "order_not_draft");
    let r = app
        .patch(
            &format!("/api/v1/orders/{id}"),
            &rep,
            json!({"notes": "月底前发货"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // Payments: more than is outstanding is refused under amount.
    let pay = |amount: &'static str| json!({"amount": amount, "method": "alipay", "paid_on": "2026-11-30", "reference": "2026113022001"});
    let r = app
        .post(&format!("/api/v1/orders/{id}/payments"), &rep, pay("30000"))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = body(r).await;
    assert_eq!(problem["errors"][0]["field"], "amount");
    assert_eq!(problem["errors"][0]["code"], "above_max");
    let r = app
        .post(&format!("/api/v1/orders/{id}/payments"), &rep, pay("20000"))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let part = body(r).await;
    assert_eq!(part["status"], "confirmed");
    assert_eq!(part["outstanding"]["amount"], "6120.00");
    // Money came in: cancel is refused, with what to do instead.
    let r = app
        .request(Method::POST, &format!("/api/v1/orders/{id}/cancel"), &rep)
        .header("accept-language", "en")
        .json(&json!({"reason": "客户改期"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        body(r).await["detail"],
        "An order that is confirmed cannot be cancelled. Money came in: refund it instead."
    );
    let paid = body(
        app.post(&format!("/api/v1/orders/{id}/payments"), &rep, pay("6120"))
            .await,
    )
    .await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payments"].as_array().unwrap().len(), 2);

    let figures = body(
        app.get(&format!("/api/v1/customers/{cid}/figures"), &rep)
            .await,
    )
    .await;
    assert_eq!(figures["purchase_count"], 1);
    assert_eq!(figures["total_spend"], json!({"CNY": "26120.00"}));
    assert_eq!(figures["last_purchase_at"], paid["paid_at"]);
    let c = body(app.get(&format!("/api/v1/customers/{cid}"), &rep).await).await;
    assert_eq!(c["stage"], "customer");

    // Ship needs carrier and tracking number.
    let r = step(&app, &rep, id, "ship", json!({"carrier": "顺丰速运"})).await;
    assert_eq!(
        field_errors(&body(r).await),
        vec![("tracking_no".to_string(), "required".to_string())]
    );
    let r = step(
        &app,
        &rep,
        id,
        "ship",
        json!({"carrier": "顺丰速运", "tracking_no": "SF1234567890"}),
    )
    .await;
    assert_eq!(body(r).await["status"], "shipped");
    // A logistics system reports the delivery with its own token.
    let r = step(&app, &app.admin, id, "deliver", Value::Null).await;
    assert_eq!(body(r).await["status"], "delivered");
    let r = step(&app, &rep, id, "complete", Value::Null).await;
    assert_eq!(body(r).await["status"], "completed");

    let history = body(app.get(&format!("/api/v1/orders/{id}/history"), &rep).await).await;
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["field"] == "status")
        .map(|h| h["new_value"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["completed", "delivered", "shipped", "paid", "confirmed"]
    );

    let page = body(
        app.get(
            &format!("/api/v1/orders?customer_id={cid}&status=completed"),
            &rep,
        )
        .await,
    )
    .await;
    assert_eq!(page["orders"].as_array().unwrap().len(), 1);
    let r = app.get("/api/v1/orders?status=lost", &rep).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Another rep sees none of it.
    let (_, other) = app.user("other@example.com", "sales", None).await;
    let r = app.get(&format!("/api/v1/orders/{id}"), &other).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let page = body(app.get("/api/v1/orders", &other).await).await;
    assert!(page["orders"].as_array().unwrap().is_empty());
    let r = step(&app, &other, id, "refund", json!({"reason": "x"})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let spec = body(app.get("/api/v1/openapi.json", "").await).await;
    for path in [
        "/api/v1/orders",
        "/api/v1/orders/{id}",
        "/api/v1/orders/{id}/{step}",
        "/api/v1/orders/{id}/payments",
        "/api/v1/customers/{id}/figures",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} not in the OpenAPI document"
        );
    }
}

#[tokio::test]
async fn an_order_is_entered_paid_and_shipped_on_its_pages_and_shows_on_the_customer() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let product = body(
        app.post(
            "/api/v1/products",
            &app.admin,
            json!({"code": "SVC-1", "name": "年度服务", "unit": "年", "price": "5000"}),
        )
        .await,
    )
    .await;
    let pid = product["id"].to_string();
    let c = app.customer(&app.admin, json!({"name": "欧阳娜娜"})).await;
    let cid = c["id"].as_i64().unwrap();

    // Picking the customer: found by pinyin initials.
    let page = b.get("/orders/new?q=oynn").await;
    assert!(
        page.html
            .contains(&format!("/orders/new?customer_id={cid}")),
        "{}",
        page.html
    );

    // A bad quantity: refused on the page, what was typed kept.
    let form = |quantity: &'static str| {
        vec![
            ("customer_id", cid.to_string()),
            ("external_ref", "ERP-9".to_string()),
            ("ordered_on", "2026-11-30".to_string()),
            ("product_id", pid.clone()),
            ("name", String::new()),
            ("unit", String::new()),
            ("quantity", quantity.to_string()),
            ("unit_price", String::new()),
            ("discount", "9折".to_string()),
            ("product_id", String::new()),
            ("name", "上门培训".to_string()),
            ("unit", "次".to_string()),
            ("quantity", "1".to_string()),
            ("unit_price", "800".to_string()),
            ("discount", String::new()),
            ("product_id", String::new()),
            ("name", String::new()),
            ("unit", String::new()),
            ("quantity", String::new()),
            ("unit_price", String::new()),
            ("discount", String::new()),
        ]
    };
    let fields = form("两");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = b.post("/orders", &refs).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("数量: 不是有效的数字"), "{}", page.html);
    assert!(page.html.contains("value=\"两\""));
    assert!(page.html.contains("value=\"上门培训\""));
    let page = b.get(&format!("/customers/{cid}")).await;
    assert!(
        page.html.contains("还没有付清的订单"),
        "nothing was created"
    );

    let fields = form("2");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = b.post("/orders", &refs).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let location = page.location.unwrap();
    let id: i64 = location
        .trim_start_matches("/orders/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let order = format!("/orders/{id}");
    // 2 × 5000 × 90% + 800 = 9800.
    let page = b.get(&location).await;
    assert!(page.html.contains("9800.00 CNY"), "{}", page.html);
    assert!(page.html.contains("订单已创建"));

    // Paying a draft is not offered; its refusal, when forced, is explained.
    let page = b
        .post(
            &format!("{order}/payments"),
            &[
                ("amount", "100"),
                ("method", "cash"),
                ("paid_on", "2026-11-30"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("请先确认订单再收款"), "{}", page.html);

    assert_eq!(
        b.post(&format!("{order}/step/confirm"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let page = b
        .post(
            &format!("{order}/payments"),
            &[
                ("amount", "9900"),
                ("method", "alipay"),
                ("paid_on", "2026-11-30"),
            ],
        )
        .await;
    assert!(page.html.contains("不能大于 9800.00"), "{}", page.html);
    let page = b
        .post(
            &format!("{order}/payments"),
            &[
                ("amount", "9800"),
                ("method", "alipay"),
                ("paid_on", "2026-11-30"),
                ("reference", "ALI-1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = b
        .post(&format!("{order}/step/ship"), &[("carrier", "顺丰速运")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html.contains("value=\"顺丰速运\""),
        "what was typed is kept"
    );
    let page = b
        .post(
            &format!("{order}/step/ship"),
            &[("carrier", "顺丰速运"), ("tracking_no", "SF100200300")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = b.get(&order).await;
    assert!(page.html.contains("已发货"));
    assert!(page.html.contains("SF100200300"));

    // The customer page: figures, the order, and the timeline.
    let page = b.get(&format!("/customers/{cid}")).await;
    assert!(page.html.contains("已购 1 次"), "{}", page.html);
    assert!(page.html.contains("9800.00 CNY"));
    assert!(page.html.contains(&format!("SO-{id:06}")));
    assert!(page.html.contains("回款: "));
    assert!(page.html.contains("发货: "));
    let list = b.get("/orders?status=shipped").await;
    assert!(list.html.contains(&format!("order-{id}")));
    let list = b.get("/orders?status=draft").await;
    assert!(!list.html.contains(&format!("order-{id}")));
}
