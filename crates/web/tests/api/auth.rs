use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp, PASSWORD};

#[tokio::test]
async fn signing_in_sets_an_http_only_session_cookie_that_works_until_logout() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "ADMIN@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_owned();

    let me = app
        .request(reqwest::Method::GET, "/api/v1/me", "")
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(body(me).await["email"], "admin@example.com");

    app.request(reqwest::Method::POST, "/api/v1/auth/logout", "")
        .header("cookie", &session)
        .header("origin", &app.base)
        .send()
        .await
        .unwrap();
    let me = app
        .request(reqwest::Method::GET, "/api/v1/me", "")
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn requests_without_valid_credentials_are_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/api/v1/customers", "").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/customers", "kehu_forged").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "admin@example.com", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn repeated_failed_sign_ins_lock_the_address_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let r = app
            .post(
                "/api/v1/auth/login",
                "",
                json!({"email": "admin@example.com", "password": "guess-guess"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "admin@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_deactivated_users_token_and_sessions_are_refused_at_once() {
    let app = TestApp::spawn().await;
    let (id, token) = app.user("leaver@example.com", "sales", None).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), StatusCode::OK);
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/me", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/v1/customers", &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "leaver@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_tokens_are_shown_once_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let r = app
        .post("/api/v1/me/tokens", &app.admin, json!({"name": "ERP sync"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created = body(r).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("kehu_"));
    assert_eq!(
        app.get("/api/v1/me", &secret).await.status(),
        StatusCode::OK
    );
    let list = app
        .get("/api/v1/me/tokens", &app.admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&secret));
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/me/tokens/{id}"), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/v1/me", &secret).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn users_cannot_set_their_own_role_or_password_hash() {
    let app = TestApp::spawn().await;
    let (id, token) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &token,
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"email": "x@example.com", "role": "sales", "password_hash": "$argon2id$forged"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let me = app.get("/api/v1/me", &token).await.text().await.unwrap();
    assert!(me.contains("\"role\":\"sales\""));
    assert!(!me.contains("password"));
}

#[tokio::test]
async fn changing_ones_own_password_takes_the_current_one() {
    let app = TestApp::spawn().await;
    let (id, token) = app.user("rep@example.com", "sales", None).await;
    let path = format!("/api/v1/users/{id}/password");
    let r = app
        .post(&path, &token, json!({"password": "a-brand-new-password"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &path,
            &token,
            json!({"password": "a-brand-new-password", "current_password": "wrong-one-1"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            &path,
            &token,
            json!({"password": "a-brand-new-password", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "rep@example.com", "password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}
