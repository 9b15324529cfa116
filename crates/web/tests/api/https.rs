//! kehu serving HTTPS itself: the session cookie is Secure and
//! `__Host-`-prefixed, every response carries HSTS, and every response has
//! a Content-Security-Policy, the API documentation included.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp, PASSWORD};

#[tokio::test]
async fn over_https_the_session_cookie_is_host_prefixed_and_secure_and_hsts_is_sent() {
    let app = TestApp::spawn_https().await;
    assert!(app.base.starts_with("https://"));
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "admin@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-kehu_session="), "{cookie}");
    for part in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The prefixed cookie signs the browser in, pages included.
    let session = cookie.split(';').next().unwrap();
    let me = app
        .request(reqwest::Method::GET, "/api/v1/me", "")
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(body(me).await["email"], "admin@example.com");
    let page = app
        .client
        .get(format!("{}/customers", app.base))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn over_plain_http_there_is_no_hsts_and_the_cookie_is_unprefixed() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "admin@example.com", "password": PASSWORD}),
        )
        .await;
    assert!(r.headers().get("strict-transport-security").is_none());
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("kehu_session="), "{cookie}");
    assert!(!cookie.contains("Secure"));
    // Behind a proxy that terminates HTTPS and says so.
    let r = app
        .request(reqwest::Method::POST, "/api/v1/auth/login", "")
        .header("x-forwarded-proto", "https")
        .json(&json!({"email": "admin@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("strict-transport-security"));
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-kehu_session=") && cookie.contains("Secure"));
}

#[tokio::test]
async fn every_response_has_a_content_security_policy_the_api_docs_included() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/v1/docs/",
        "/api/v1/openapi.json",
        "/api/v1/customers",
        "/login",
        "/healthz",
        "/no-such-page",
    ] {
        let r = app.get(path, &app.admin).await;
        let csp = r
            .headers()
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path} has no CSP"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("script-src 'unsafe-inline'"), "{path}: {csp}");
    }
    let docs = app.get("/api/v1/docs/", "").await;
    assert_eq!(docs.status(), StatusCode::OK);
    let csp = docs.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}
