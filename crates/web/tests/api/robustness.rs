//! No input, however malformed, produces a 500 or changes anything.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{body, TestApp};

#[tokio::test]
async fn malformed_bodies_get_problems_not_500s() {
    let app = TestApp::spawn().await;
    let raw = |ct: &'static str, payload: &'static str| {
        app.request(Method::POST, "/api/v1/customers", &app.admin)
            .header("content-type", ct)
            .body(payload)
            .send()
    };
    for (ct, payload, status) in [
        ("application/json", "{\"name\": ", StatusCode::BAD_REQUEST),
        ("application/json", "[1, 2]", StatusCode::BAD_REQUEST),
        ("application/json", "", StatusCode::BAD_REQUEST),
        (
            "application/json",
            "\"just a string\"",
            StatusCode::BAD_REQUEST,
        ),
        (
            "text/plain",
            "{\"name\": \"x\"}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("application/json", "{\"name\": 5}", StatusCode::CREATED),
        (
            "application/json",
            "{\"name\": {\"$ne\": 1}}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "application/json",
            "{\"name\": \"x\", \"tags\": \"VIP\"}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "application/json",
            "{\"name\": \"x\", \"custom\": [1]}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "application/json",
            "{\"name\": \"x\", \"owner_id\": 99999999999999999999}",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = raw(ct, payload).await.unwrap();
        assert_eq!(r.status(), status, "{ct} {payload}");
        if !status.is_success() {
            assert_eq!(
                r.headers()["content-type"],
                "application/problem+json",
                "{payload}"
            );
        }
    }
    // Only the one valid body (a number as a name is text) was written.
    assert_eq!(app.customer_count().await, 1);
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = app
        .post(
            "/api/v1/customers",
            &app.admin,
            json!({"name": "x", "notes": huge}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(app.customer_count().await, 0);
}

#[tokio::test]
async fn sql_and_html_in_strings_are_stored_verbatim_and_harmlessly() {
    let app = TestApp::spawn().await;
    let evil = "Robert'); DROP TABLE customers;--";
    let html = "\"><svg onload=alert(1)>";
    let c = app
        .customer(&app.admin, json!({"name": evil, "notes": html}))
        .await;
    assert_eq!(c["name"], evil);
    assert_eq!(c["notes"], html);
    let found = body(app.get("/api/v1/customers?q=robert'", &app.admin).await).await;
    assert_eq!(found["items"][0]["name"], evil);
    let r = app
        .get(
            "/api/v1/customers?q=%27%20OR%201%3D1--&sort=-name",
            &app.admin,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["items"], json!([]));
    assert_eq!(app.customer_count().await, 1);
}

#[tokio::test]
async fn bad_ids_routes_and_parameters_are_problems() {
    let app = TestApp::spawn().await;
    for (path, status) in [
        ("/api/v1/customers/abc", StatusCode::BAD_REQUEST),
        ("/api/v1/customers/99999999", StatusCode::NOT_FOUND),
        ("/api/v1/nothing-here", StatusCode::NOT_FOUND),
        (
            "/api/v1/customers?limit=abc",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/customers?cursor=%%%",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/customers?cursor=garbage",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/customers?custom.bad-key=1",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = app.get(path, &app.admin).await;
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
    }
    let r = app
        .send(
            Method::PUT,
            "/api/v1/customers",
            &app.admin,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn health_and_the_openapi_document_are_served() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz", "").await;
    assert_eq!(r.status(), StatusCode::OK);
    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/customers",
        "/api/v1/customers/{id}/history",
        "/api/v1/tasks",
        "/api/v1/fields",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/tags",
        "/api/v1/contacts",
        "/api/v1/interactions",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let ui = app.get("/api/v1/docs/", "").await;
    assert_eq!(ui.status(), StatusCode::OK);
    assert!(ui.text().await.unwrap().contains("swagger"));
}

#[tokio::test]
async fn control_characters_and_endless_searches_are_refused() {
    let app = TestApp::spawn().await;
    app.customer(&app.admin, json!({"name": "张三"})).await;
    let many = vec!["a"; 50].join("%20");
    for path in [
        "/api/v1/customers?q=zs%00".to_owned(),
        "/api/v1/customers?tag=%00".to_owned(),
        "/api/v1/customers?city=x%01y".to_owned(),
        format!("/api/v1/customers?q={many}"),
    ] {
        let r = app.get(&path, &app.admin).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "x".repeat(5000), "password": "whatever-pw"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn page_sizes_outside_their_bounds_are_refused_not_clamped() {
    let app = TestApp::spawn().await;
    for (list, max) in [
        ("/api/v1/customers", 500),
        ("/api/v1/leads", 200),
        ("/api/v1/opportunities", 200),
        ("/api/v1/orders", 200),
        ("/api/v1/products", 500),
        ("/api/v1/duplicates", 200),
        ("/api/v1/imports", 500),
        ("/api/v1/access-log", 1000),
    ] {
        for (limit, code) in [(0, "below_min"), (max + 1, "above_max")] {
            let r = app.get(&format!("{list}?limit={limit}"), &app.admin).await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{list}?limit={limit}"
            );
            let problem = body(r).await;
            assert_eq!(problem["errors"][0]["field"], "limit", "{list}: {problem}");
            assert_eq!(problem["errors"][0]["code"], code, "{list}: {problem}");
        }
        let r = app.get(&format!("{list}?limit={max}"), &app.admin).await;
        assert_eq!(r.status(), StatusCode::OK, "{list}?limit={max}");
    }
    // The document states the same bounds.
    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    let limit = doc["paths"]["/api/v1/orders"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["schema"]["maximum"], 200);
    assert_eq!(limit["schema"]["minimum"], 1);
}
