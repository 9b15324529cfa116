//! The product catalogue over HTTP: exact prices in and out, unique codes
//! and bad prices refused under their fields, who may keep it, search,
//! deactivation and the price history.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, field_errors, TestApp};
use crate::pages::Browser;

#[tokio::test]
async fn the_catalogue_is_kept_by_managers_and_read_by_everyone_over_the_api() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/products",
            &app.admin,
            json!({"code": "CRM-STD", "name": "客户管理系统 标准版", "unit": "套", "price": "¥12,800"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let product = body(r).await;
    assert_eq!(
        product["price"],
        json!({"amount": "12800.00", "currency": "CNY"})
    );
    let id = product["id"].as_i64().unwrap();

    let r = app
        .post(
            "/api/v1/products",
            &app.admin,
            json!({"code": "CRM-STD", "name": "重复", "price": "-1"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        vec![("price".to_string(), "below_min".to_string())]
    );
    let r = app
        .post(
            "/api/v1/products",
            &app.admin,
            json!({"code": "CRM-STD", "name": "重复", "price": {"amount": "1.5", "currency": "USD"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        vec![("code".to_string(), "not_unique".to_string())]
    );

    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .post(
            "/api/v1/products",
            &rep,
            json!({"code": "X", "name": "X", "price": "1"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = body(app.get("/api/v1/products?q=crm", &rep).await).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["products"][0]["code"], "CRM-STD");

    let path = format!("/api/v1/products/{id}");
    let r = app.patch(&path, &rep, json!({"price": "1"})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .patch(&path, &app.admin, json!({"price": "13000.5", "version": 1}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["price"]["amount"], "13000.50");
    let r = app
        .patch(&path, &app.admin, json!({"active": false, "version": 1}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app.patch(&path, &app.admin, json!({"active": false})).await;
    assert_eq!(body(r).await["active"], false);
    let page = body(app.get("/api/v1/products", &rep).await).await;
    assert_eq!(page["total"], 0);
    let page = body(app.get("/api/v1/products?all=true", &rep).await).await;
    assert_eq!(page["total"], 1);

    let history = body(app.get(&format!("{path}/history"), &rep).await).await;
    let prices: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["field"] == "price")
        .map(|h| h["new_value"].as_str().unwrap())
        .collect();
    assert_eq!(prices, vec!["13000.50 CNY"]);
    let r = app.get("/api/v1/products/999999", &rep).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_manager_adds_and_reprices_products_on_the_catalogue_page() {
    let app = TestApp::spawn().await;
    app.user("boss@example.com", "manager", None).await;
    let boss = Browser::login(&app, "boss@example.com").await;
    let refused = boss
        .post(
            "/products",
            &[
                ("code", "HW-1"),
                ("name", "扫码枪"),
                ("unit", "台"),
                ("price", "-3"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains(r#"id="product-error""#));
    assert!(
        refused.html.contains(r#"value="扫码枪""#),
        "what was typed stays"
    );
    let added = boss
        .post(
            "/products",
            &[
                ("code", "HW-1"),
                ("name", "扫码枪"),
                ("unit", "台"),
                ("price", "299.5"),
            ],
        )
        .await;
    assert_eq!(
        added.location.as_deref(),
        Some("/products?flash=product_added")
    );
    let page = body(app.get("/api/v1/products", &app.admin).await).await;
    let id = page["products"][0]["id"].as_i64().unwrap();
    assert_eq!(page["products"][0]["price"]["amount"], "299.50");

    // Saving the row without the box ticked takes it out of the catalogue.
    let saved = boss
        .post(
            &format!("/products/{id}"),
            &[
                ("name", "扫码枪"),
                ("unit", "台"),
                ("price", "279"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/products?all=1&flash=saved")
    );
    let p = body(app.get(&format!("/api/v1/products/{id}"), &app.admin).await).await;
    assert_eq!(p["price"]["amount"], "279.00");
    assert_eq!(p["active"], false);

    app.user("rep@example.com", "sales", None).await;
    let rep = Browser::login(&app, "rep@example.com").await;
    let page = rep.get("/products?all=1").await;
    assert!(page.html.contains("279.00 CNY"));
    assert!(!page.html.contains(r#"id="product-form""#));
    let r = rep
        .post("/products", &[("code", "X"), ("name", "X"), ("price", "1")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
