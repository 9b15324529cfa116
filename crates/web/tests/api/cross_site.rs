//! A foreign page cannot act for a signed-in user: every route that
//! changes anything refuses a cookie-authenticated request from another
//! origin (or a sibling subdomain), whatever its body, and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{body, TestApp, PASSWORD};

/// Signs in over the API and returns the session cookie (`name=value`).
async fn session(app: &TestApp, email: &str) -> String {
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// Row counts of the tables a forged request could change.
async fn fingerprint(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "customers",
        "contacts",
        "interactions",
        "tasks",
        "history",
        "sessions",
        "api_tokens",
        "users",
        "teams",
        "leads",
        "import_batches",
        "webhook_endpoints",
        "merges",
    ] {
        out.push((table, app.store.count_rows(table).await.unwrap()));
    }
    out
}

/// Every state-changing operation of the OpenAPI document, its path
/// parameters filled with `id`.
async fn state_changing_routes(app: &TestApp, id: &str) -> Vec<(Method, String)> {
    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            let method = match method.as_str() {
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                _ => continue,
            };
            let mut filled = String::new();
            let mut rest = path.as_str();
            while let Some(open) = rest.find('{') {
                filled.push_str(&rest[..open]);
                let close = rest[open..].find('}').unwrap() + open;
                let name = &rest[open + 1..close];
                filled.push_str(if name == "step" { "confirm" } else { id });
                rest = &rest[close + 1..];
            }
            filled.push_str(rest);
            routes.push((method, format!("/api/v1{filled}")));
        }
    }
    assert!(routes.len() > 60, "only {} routes found", routes.len());
    routes
}

#[tokio::test]
async fn every_state_changing_api_route_refuses_a_foreign_origin_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let customer = app
        .customer(
            &app.admin,
            json!({"name": "张三", "mobile": "13812345678", "owner_id": 1}),
        )
        .await;
    let id = customer["id"].as_i64().unwrap().to_string();
    let cookie = session(&app, "admin@example.com").await;
    let before = fingerprint(&app).await;

    for (method, path) in state_changing_routes(&app, &id).await {
        // A form a foreign page can send without a preflight, a JSON body,
        // and nothing at all: each must be refused.
        for (content_type, payload) in [
            ("text/plain", "{\"name\": \"x\"}".to_owned()),
            ("application/json", "{}".to_owned()),
            ("", String::new()),
        ] {
            for (header, value) in [
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "same-site"),
                ("referer", "https://evil.example/page"),
            ] {
                let mut r = app
                    .request(method.clone(), &path, "")
                    .header("cookie", &cookie)
                    .header(header, value);
                if !content_type.is_empty() {
                    r = r.header("content-type", content_type).body(payload.clone());
                }
                let r = r.send().await.unwrap();
                assert_eq!(
                    r.status(),
                    StatusCode::FORBIDDEN,
                    "{method} {path} with {header}: {value}"
                );
                assert_eq!(
                    body(r).await["code"],
                    "cross_site_request",
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(fingerprint(&app).await, before);
    let after: Value = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(after["version"], customer["version"]);
    assert!(after["verified_at"].is_null());
}

#[tokio::test]
async fn the_same_requests_from_kehus_own_pages_or_with_a_token_go_through() {
    let app = TestApp::spawn().await;
    let customer = app
        .customer(&app.admin, json!({"name": "李四", "owner_id": 1}))
        .await;
    let id = customer["id"].as_i64().unwrap();
    let cookie = session(&app, "admin@example.com").await;
    let verify = format!("/api/v1/customers/{id}/verify");

    // A cookie with nothing saying where the request came from is refused.
    let r = app
        .request(Method::POST, &verify, "")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // kehu's own page: the browser names kehu as the origin.
    let r = app
        .request(Method::POST, &verify, "")
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", body(r).await);

    // A script using the cookie sends the session's CSRF token, which the
    // page carries; a wrong one is refused.
    let page = app
        .client
        .get(format!("{}/customers", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let token = &page[start..start + page[start..].find('"').unwrap()];
    for (value, status) in [
        (token, StatusCode::OK),
        ("00000000000000000000000000000000", StatusCode::FORBIDDEN),
    ] {
        let r = app
            .request(Method::POST, &verify, "")
            .header("cookie", &cookie)
            .header("x-kehu-csrf", value)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
    }

    // An API token is not something a foreign page can attach.
    let r = app
        .request(Method::POST, &verify, &app.admin)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn page_forms_and_sign_out_refuse_a_foreign_origin_even_with_the_token() {
    let app = TestApp::spawn().await;
    let customer = app
        .customer(&app.admin, json!({"name": "王五", "owner_id": 1}))
        .await;
    let id = customer["id"].as_i64().unwrap();
    let cookie = session(&app, "admin@example.com").await;
    for path in [format!("/customers/{id}/verify"), "/logout".to_owned()] {
        let r = app
            .client
            .post(format!("{}{path}", app.base))
            .header("cookie", &cookie)
            .header("sec-fetch-site", "same-site")
            .form(&[("_csrf", "whatever")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // Still signed in, the customer still unverified.
    let me = app
        .request(Method::GET, "/api/v1/me", "")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let after = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert!(after["verified_at"].is_null());
}
