//! Sign-in limits as an attacker meets them, over the API and the login
//! page: per address and per address and account, never locking the
//! owner out from elsewhere. Two-factor sign-in and its policy are in
//! `two_factor.rs`.

use kehu_store::sign_in::Limits;
use kehu_web::client_ip::TrustedProxies;
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{body, TestApp, PASSWORD};

/// kehu behind a proxy on the same machine, so each test can speak from
/// any address (`X-Forwarded-For`).
async fn behind_proxy(limits: Limits) -> TestApp {
    TestApp::spawn_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        s.sign_in_limits = limits;
    })
    .await
}

async fn login_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
    lang: &str,
) -> reqwest::Response {
    Client::new()
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("x-forwarded-for", address)
        .header("accept-language", lang)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

fn retry_after(r: &reqwest::Response) -> i64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn spraying_one_password_over_many_accounts_from_one_address_is_answered_429() {
    let app = behind_proxy(Limits::default()).await;
    let per_address = Limits::default().per_address;
    for i in 0..per_address {
        let r = login_from(
            &app,
            "203.0.113.9",
            &format!("u{i}@example.com"),
            "Summer2026!",
            "en",
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Even a real account with its right password: the address is held back.
    let r = login_from(&app, "203.0.113.9", "admin@example.com", PASSWORD, "en").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&r);
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    let problem = body(r).await;
    assert_eq!(problem["code"], "sign_in_throttled");
    assert!(
        problem["detail"].as_str().unwrap().contains("minutes"),
        "{problem}"
    );
    let r = login_from(&app, "203.0.113.9", "admin@example.com", PASSWORD, "zh-CN").await;
    let problem = body(r).await;
    assert!(
        problem["title"]
            .as_str()
            .unwrap()
            .contains("登录失败次数过多"),
        "{problem}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("分钟"),
        "{problem}"
    );
    // The administrator at the office is not affected.
    let r = login_from(&app, "198.51.100.20", "admin@example.com", PASSWORD, "en").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn guessing_one_accounts_password_is_answered_429_but_its_owner_signs_in_from_elsewhere() {
    let app = behind_proxy(Limits::default()).await;
    let attacker = "203.0.113.66";
    for _ in 0..Limits::default().per_account {
        let r = login_from(&app, attacker, "admin@example.com", "guess-guess", "en").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = login_from(&app, attacker, "admin@example.com", PASSWORD, "en").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) > 0);
    // The victim, at their own address, during the attacker's lock.
    let r = login_from(&app, "198.51.100.20", "admin@example.com", PASSWORD, "en").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("set-cookie").is_some());
    // And their API token never stopped working.
    assert_eq!(
        app.get("/api/v1/me", &app.admin).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn knocking_during_a_lock_does_not_make_it_last_longer() {
    // A short window, so the test can wait it out.
    let window_ms = 2_000;
    let app = behind_proxy(Limits {
        per_account: 2,
        per_address: 20,
        window_ms,
    })
    .await;
    let at = "203.0.113.66";
    let started = std::time::Instant::now();
    for _ in 0..2 {
        let r = login_from(&app, at, "admin@example.com", "guess-guess", "en").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Keep trying all through the window: every try is refused…
    let mut refused = 0;
    while started.elapsed().as_millis() < u128::try_from(window_ms).unwrap() - 300 {
        let r = login_from(&app, at, "admin@example.com", "guess-guess", "en").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        refused += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused > 3, "{refused}");
    // …and the door opens when the window of the first failures ends.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let r = login_from(&app, at, "admin@example.com", PASSWORD, "en").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_login_page_answers_429_with_the_wait_in_the_users_language() {
    let app = behind_proxy(Limits::default()).await;
    let page = |password: &'static str, address: &'static str| {
        Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}/login", app.base))
            .header("x-forwarded-for", address)
            .form(&[
                ("email", "admin@example.com"),
                ("password", password),
                ("lang", "zh-CN"),
            ])
            .send()
    };
    for _ in 0..Limits::default().per_account {
        assert_eq!(
            page("guess-guess", "203.0.113.66").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let r = page(PASSWORD, "203.0.113.66").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    let html = r.text().await.unwrap();
    assert!(
        html.contains("登录失败次数过多，请 15 分钟后再试"),
        "{html}"
    );
    // The owner elsewhere gets in.
    let r = page(PASSWORD, "198.51.100.20").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn only_administrators_see_the_emails_of_other_users() {
    let app = TestApp::spawn().await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"email": "wang.boss@example.com", "name": "王总", "role": "manager", "password": "a-long-password"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let list = body(app.get("/api/v1/users", &rep).await).await;
    let users = list.as_array().unwrap();
    assert_eq!(users.len(), 3);
    let boss = users.iter().find(|u| u["role"] == "manager").unwrap();
    assert_eq!(boss["name"], "王总");
    assert!(boss.get("email").is_none(), "{boss}");
    assert!(!list.to_string().contains("wang.boss"), "{list}");
    let admin = users.iter().find(|u| u["role"] == "admin").unwrap();
    assert!(admin.get("email").is_none(), "{admin}");
    // One user at a time, the same; one's own record in full.
    let id = admin["id"].as_i64().unwrap();
    let one = body(app.get(&format!("/api/v1/users/{id}"), &rep).await).await;
    assert!(one.get("email").is_none(), "{one}");
    let me = body(app.get(&format!("/api/v1/users/{rep_id}"), &rep).await).await;
    assert_eq!(me["email"], "rep@example.com");
    // Administrators manage users: they see every email.
    let list = body(app.get("/api/v1/users", &app.admin).await).await;
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["email"].is_string()));
}

#[tokio::test]
async fn the_openapi_document_describes_throttling_and_the_two_factor_answers() {
    let app = TestApp::spawn().await;
    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    let login = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"];
    assert!(
        login["429"]["headers"]["Retry-After"].is_object(),
        "{login}"
    );
    assert!(login["429"]["description"]
        .as_str()
        .unwrap()
        .contains("sign_in_throttled"));
    assert!(login["401"]["description"]
        .as_str()
        .unwrap()
        .contains("two_factor_required"));
    assert!(login["403"]["description"]
        .as_str()
        .unwrap()
        .contains("two_factor_setup_required"));
    for path in [
        "/api/v1/me/two-factor",
        "/api/v1/me/two-factor/confirm",
        "/api/v1/me/two-factor/disable",
        "/api/v1/settings/two-factor",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    // The user list says which shape each role gets.
    let users = &doc["paths"]["/api/v1/users"]["get"]["responses"]["200"];
    assert!(users.to_string().contains("UserView"), "{users}");
}
