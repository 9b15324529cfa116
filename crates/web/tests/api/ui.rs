//! The API behind the browser pages: saved views, bulk changes, the live
//! entry check and one's own settings.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, field_errors, TestApp};

fn errors(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect()
}

#[tokio::test]
async fn saved_views_are_created_listed_changed_and_deleted() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let (_, bob) = app.user("bob@example.com", "sales", None).await;
    let r = app
        .post(
            "/api/v1/views",
            &alice,
            json!({"name": "我的线索", "query": "stage=lead&sort=-created_at", "columns": ["name", "mobile"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let view = body(r).await;
    assert_eq!(view["shared"], false);
    assert_eq!(view["owner_name"], "alice@example.com");
    let path = format!("/api/v1/views/{}", view["id"]);

    let r = app.patch(&path, &bob, json!({"name": "x"})).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app.patch(&path, &alice, json!({"shared": true})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let changed = body(r).await;
    assert_eq!(changed["shared"], true);
    assert_eq!(changed["columns"], json!(["name", "mobile"]));
    let listed = body(app.get("/api/v1/views", &bob).await).await;
    assert_eq!(listed[0]["name"], "我的线索");
    assert_eq!(
        app.delete(&path, &bob).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.delete(&path, &alice).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(body(app.get("/api/v1/views", &bob).await).await, json!([]));
}

#[tokio::test]
async fn a_bad_saved_view_gets_field_errors() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/views",
            &app.admin,
            json!({"name": "", "query": "sort=colour&limit=3", "columns": ["password"], "owner": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let b = body(r).await;
    assert_eq!(field_errors(&b), errors(&[("owner", "unknown_field")]));
    let r = app
        .post(
            "/api/v1/views",
            &app.admin,
            json!({"name": "", "query": "sort=colour&limit=3", "columns": ["password"]}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        errors(&[
            ("columns", "invalid_choice"),
            ("name", "required"),
            ("query.limit", "unknown_field"),
            ("query.sort", "invalid_choice"),
        ])
    );
    app.post("/api/v1/views", &app.admin, json!({"name": "甲"}))
        .await;
    let r = app
        .post("/api/v1/views", &app.admin, json!({"name": "甲"}))
        .await;
    let b = body(r).await;
    assert_eq!(field_errors(&b), errors(&[("name", "name_taken")]));
    assert_eq!(b["errors"][0]["message"], "您已有同名的项目，请换一个名称");
}

#[tokio::test]
async fn customers_change_in_bulk_by_ids_or_filter() {
    let app = TestApp::spawn().await;
    let (rep, token) = app.user("rep@example.com", "sales", None).await;
    let a = app.customer(&app.admin, json!({"name": "甲"})).await;
    let b = app.customer(&app.admin, json!({"name": "乙"})).await;
    let r = app
        .post(
            "/api/v1/customers/bulk",
            &app.admin,
            json!({"ids": [a["id"], b["id"]], "action": "add_tag", "tag": "VIP"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let tagged = body(r).await;
    assert_eq!(
        (&tagged["matched"], &tagged["changed"]),
        (&json!(2), &json!(2))
    );

    let r = app
        .post(
            "/api/v1/customers/bulk",
            &app.admin,
            json!({"filter": "tag=VIP", "action": "owner", "owner_id": rep}),
        )
        .await;
    let moved = body(r).await;
    assert_eq!(
        (&moved["matched"], &moved["changed"]),
        (&json!(2), &json!(2))
    );
    let mine = body(app.get("/api/v1/customers", &token).await).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);

    let r = app
        .post(
            "/api/v1/customers/bulk",
            &token,
            json!({"filter": "", "action": "stage", "stage": "customer"}),
        )
        .await;
    let staged = body(r).await;
    assert_eq!(
        (&staged["matched"], &staged["changed"]),
        (&json!(2), &json!(2))
    );
    let history = body(
        app.get(&format!("/api/v1/customers/{}/history", a["id"]), &token)
            .await,
    )
    .await;
    let stage = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["field"] == "stage")
        .unwrap();
    assert_eq!(stage["new_value"], "customer");
    assert_eq!(stage["source"], "api");

    // Each bulk change is a batch that can be undone like an import.
    let batch = staged["batch_id"].as_i64().unwrap();
    let r = app
        .post(&format!("/api/v1/imports/{batch}/undo"), &token, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let back = body(
        app.get(&format!("/api/v1/customers/{}", a["id"]), &token)
            .await,
    )
    .await;
    assert_eq!(back["stage"], "lead");
    assert!(tagged["batch_id"].is_i64() && moved["batch_id"].is_i64());
}

#[tokio::test]
async fn a_bad_bulk_request_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.customer(&app.admin, json!({"name": "甲"})).await;
    let cases = [
        (
            json!({"action": "stage", "stage": "customer"}),
            vec![("ids", "required")],
        ),
        (
            json!({"ids": [a["id"]], "filter": "", "action": "stage", "stage": "customer"}),
            vec![("filter", "read_only")],
        ),
        (
            json!({"ids": ["x"], "action": "paint"}),
            vec![("action", "invalid_choice"), ("ids", "wrong_type")],
        ),
        (
            json!({"filter": "limit=5", "action": "stage", "stage": "customer"}),
            vec![("filter.limit", "unknown_field")],
        ),
        (
            json!({"ids": [a["id"]], "action": "owner"}),
            vec![("owner_id", "required")],
        ),
        (
            json!({"ids": [a["id"]], "action": "stage", "stage": "won"}),
            vec![("stage", "invalid_choice")],
        ),
        (
            json!({"ids": [a["id"]], "action": "remove_tag", "tag": "没有"}),
            vec![("tag", "not_found")],
        ),
        (
            json!({"ids": [a["id"]], "action": "add_tag", "tag": "VIP", "colour": 1}),
            vec![("colour", "unknown_field")],
        ),
    ];
    for (request, expected) in cases {
        let r = app
            .post("/api/v1/customers/bulk", &app.admin, request.clone())
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{request}");
        assert_eq!(field_errors(&body(r).await), errors(&expected), "{request}");
    }
    let got = body(
        app.get(&format!("/api/v1/customers/{}", a["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(
        (got["version"].clone(), got["tags"].clone()),
        (json!(1), json!([]))
    );
}

#[tokio::test]
async fn the_entry_check_reports_field_errors_and_duplicates_together() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let (_, bob) = app.user("bob@example.com", "sales", None).await;
    let zhang = app
        .customer(
            &alice,
            json!({"name": "张三", "mobile": "13812345678", "company": "北京某某科技有限公司"}),
        )
        .await;

    // A bad email does not stop the mobile from being checked.
    let r = app
        .request(reqwest::Method::POST, "/api/v1/customers/check", &bob)
        .header("Accept-Language", "en")
        .json(&json!({"name": "章三", "mobile": "138 1234 5678", "email": "not-an-email"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    assert_eq!(field_errors(&b), errors(&[("email", "invalid_email")]));
    assert_eq!(b["errors"][0]["message"], "is not a valid email address");
    assert_eq!(
        b["duplicates"],
        json!([{"customer_id": null, "visible": false, "name": null,
                "owner_name": null, "reasons": ["mobile"]}])
    );

    // The errors are those creating the customer would give.
    let body_of = json!({"mobile": "12345", "stage": "won", "colour": "red"});
    let created = app.post("/api/v1/customers", &alice, body_of.clone()).await;
    let checked = app.post("/api/v1/customers/check", &alice, body_of).await;
    let created = field_errors(&body(created).await);
    assert_eq!(created.len(), 4);
    assert_eq!(field_errors(&body(checked).await), created);

    // Editing the record itself finds no duplicate of it; the user's own
    // language wins over the browser's.
    app.patch("/api/v1/me", &alice, json!({"lang": "en"})).await;
    let r = app
        .request(reqwest::Method::POST, "/api/v1/customers/check", &alice)
        .header("Accept-Language", "zh-CN")
        .json(&json!({"id": zhang["id"], "name": "张三", "company": "某某科技有限公司", "mobile": "13812345678", "postal_code": "1"}))
        .send()
        .await
        .unwrap();
    let b = body(r).await;
    assert_eq!(b["duplicates"], json!([]));
    assert_eq!(b["errors"][0]["message"], "a postal code has 6 digits");
    let r = app
        .post(
            "/api/v1/customers/check",
            &alice,
            json!({"name": "张三", "company": "某某科技有限公司"}),
        )
        .await;
    let b = body(r).await;
    assert_eq!(b["errors"], json!([]));
    assert_eq!(b["duplicates"][0]["name"], "张三");
    assert_eq!(b["duplicates"][0]["reasons"], json!(["name_company"]));
}

#[tokio::test]
async fn one_sets_ones_own_language_and_name_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let r = app
        .patch("/api/v1/me", &alice, json!({"lang": "en", "name": "Alice"}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let me = body(r).await;
    assert_eq!(
        (me["lang"].clone(), me["name"].clone()),
        (json!("en"), json!("Alice"))
    );
    let r = app
        .patch(
            "/api/v1/me",
            &alice,
            json!({"lang": "fr", "role": "admin", "name": 5}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        errors(&[
            ("lang", "invalid_choice"),
            ("name", "wrong_type"),
            ("role", "unknown_field"),
        ])
    );
    let me = body(app.get("/api/v1/me", &alice).await).await;
    assert_eq!(
        (me["role"].clone(), me["lang"].clone()),
        (json!("sales"), json!("en"))
    );
}
