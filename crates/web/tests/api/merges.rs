//! Merging duplicates over HTTP: the default plan, a merge with a chosen
//! value, the merged id leading to the survivor (API and page), undo, and
//! pairs marked as not duplicates.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, field_errors, TestApp};

#[tokio::test]
async fn customers_merge_and_the_merge_is_undone_over_the_api() {
    let app = TestApp::spawn().await;
    let a = app
        .customer(
            &app.admin,
            json!({"name": "张伟", "mobile": "13812345678", "title": "经理"}),
        )
        .await;
    let b = app
        .customer(
            &app.admin,
            json!({"name": "章伟", "mobile": "13812345678", "email": "zw@example.com", "title": "总监"}),
        )
        .await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());

    let plan = body(
        app.get(&format!("/api/v1/merges/plan?ids={a},{b}"), &app.admin)
            .await,
    )
    .await;
    let title = plan["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "title")
        .unwrap();
    assert_eq!(title["values"].as_array().unwrap().len(), 2, "{plan}");

    let r = app
        .post(
            "/api/v1/merges",
            &app.admin,
            json!({"ids": [a, b], "keep": {"title": a}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let merge = body(r).await;
    assert_eq!(merge["survivor_id"], a);
    assert_eq!(merge["merged_ids"], json!([b]));

    // The merged id leads to the survivor, with the kept and filled values.
    let r = app.get(&format!("/api/v1/customers/{b}"), &app.admin).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.url().path().ends_with(&format!("/customers/{a}")),
        "{}",
        r.url()
    );
    let survivor = body(r).await;
    assert_eq!(survivor["title"], "经理");
    assert_eq!(survivor["email"], "zw@example.com");

    let id = merge["id"].as_i64().unwrap();
    let r = app
        .post(&format!("/api/v1/merges/{id}/undo"), &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let back = body(app.get(&format!("/api/v1/customers/{b}"), &app.admin).await).await;
    assert_eq!(back["id"], b);
    assert_eq!(back["title"], "总监");
    let r = app
        .post(&format!("/api/v1/merges/{id}/undo"), &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Not duplicates: remembered.
    let r = app
        .post("/api/v1/not-duplicates", &app.admin, json!({"ids": [b, a]}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(app.store.not_duplicates().await.unwrap().contains(&(a, b)));
}

#[tokio::test]
async fn bad_merge_requests_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let a = app.customer(&app.admin, json!({"name": "甲"})).await["id"]
        .as_i64()
        .unwrap();
    let b = app.customer(&app.admin, json!({"name": "乙"})).await["id"]
        .as_i64()
        .unwrap();
    for (bad, field) in [
        (json!({"ids": [a]}), "ids"),
        (json!({"ids": "1,2"}), "ids"),
        (json!({"ids": [a, b], "keep": {"title": "a"}}), "keep.title"),
        (
            json!({"ids": [a, b], "keep": {"no_such_field": a}}),
            "choose.no_such_field",
        ),
        (json!({"ids": [a, b], "extra": 1}), "extra"),
    ] {
        let r = app.post("/api/v1/merges", &app.admin, bad.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let problem = body(r).await;
        assert!(
            field_errors(&problem).iter().any(|(f, _)| f == field),
            "{bad}: {problem}"
        );
    }
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .post("/api/v1/merges", &rep, json!({"ids": [a, b]}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.customer_count().await, 2);
}
