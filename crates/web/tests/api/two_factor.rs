//! Two-factor sign-in (TOTP) from enrolment to signing in, over the API
//! and the pages, and the administrators' policy that requires it.

use kehu_store::testing::totp_code;
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{body, TestApp, PASSWORD};
use crate::pages::{attr_after, Browser};

fn browser() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

fn now() -> i64 {
    kehu_store::now_ms()
}

/// A six-digit code that is none of those accepted around now.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-2..=2)
        .map(|d| totp_code(secret, now() + d * 30_000))
        .collect();
    (0..10)
        .map(|d| d.to_string().repeat(6))
        .find(|c| !near.contains(c))
        .unwrap()
}

async fn api_login(app: &TestApp, email: &str, totp: Option<&str>) -> reqwest::Response {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(code) = totp {
        body["totp"] = json!(code);
    }
    app.post("/api/v1/auth/login", "", body).await
}

/// Turns two-factor sign-in on for the token's user over the API and
/// returns the secret and the recovery codes.
async fn enrol(app: &TestApp, token: &str) -> (String, Vec<String>) {
    let r = app.post("/api/v1/me/two-factor", token, json!({})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let e = body(r).await;
    let secret = e["secret"].as_str().unwrap().to_owned();
    assert!(e["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let r = app
        .post(
            "/api/v1/me/two-factor/confirm",
            token,
            json!({"totp": wrong_code(&secret)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/me/two-factor/confirm",
            token,
            json!({"totp": totp_code(&secret, now())}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let codes = body(r).await["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(codes.len(), 10);
    (secret, codes)
}

#[tokio::test]
async fn with_two_factor_the_api_login_needs_a_code_and_a_recovery_code_works_once() {
    let app = TestApp::spawn().await;
    let (secret, codes) = enrol(&app, &app.admin).await;
    let status = body(app.get("/api/v1/me/two-factor", &app.admin).await).await;
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);

    // The password alone: asked for the code.
    let r = api_login(&app, "admin@example.com", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get(SET_COOKIE).is_none());
    assert_eq!(body(r).await["code"], "two_factor_required");
    // A wrong code: refused.
    let r = api_login(&app, "admin@example.com", Some(&wrong_code(&secret))).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(r).await["code"], "wrong_code");
    // The code the app shows next (the enrolment spent the current one).
    let code = totp_code(&secret, now() + 30_000);
    let r = api_login(&app, "admin@example.com", Some(&code)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(SET_COOKIE).is_some());
    // Seen over a shoulder and replayed: refused.
    let r = api_login(&app, "admin@example.com", Some(&code)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A recovery code, once.
    let r = api_login(&app, "admin@example.com", Some(&codes[0])).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = api_login(&app, "admin@example.com", Some(&codes[0])).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Turning it off takes a code.
    let r = app
        .post(
            "/api/v1/me/two-factor/disable",
            &app.admin,
            json!({"totp": wrong_code(&secret)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post(
            "/api/v1/me/two-factor/disable",
            &app.admin,
            json!({"totp": codes[1]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        api_login(&app, "admin@example.com", None).await.status(),
        StatusCode::OK
    );
}

/// Posts the login form and returns the answer.
async fn page_login(app: &TestApp, client: &Client) -> reqwest::Response {
    client
        .post(format!("{}/login", app.base))
        .form(&[
            ("email", "admin@example.com"),
            ("password", PASSWORD),
            ("lang", "en"),
        ])
        .send()
        .await
        .unwrap()
}

async fn post_code(
    app: &TestApp,
    client: &Client,
    challenge: &str,
    code: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/login/code", app.base))
        .form(&[
            ("challenge", challenge),
            ("code", code),
            ("next", "/tasks"),
            ("lang", "en"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn on_the_pages_two_factor_is_set_up_from_the_account_and_asked_for_at_sign_in() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let page = b.get("/account").await;
    assert!(
        page.html.contains("id=\"two-factor-begin\""),
        "{}",
        page.html
    );
    let page = b.post("/account/two-factor", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("src=\"data:image/svg+xml;base64,"),
        "the QR code"
    );
    let secret = attr_after(&page.html, "id=\"totp-secret\">").unwrap_or_default();
    let secret = secret.split('<').next().unwrap().to_owned();
    assert!(page
        .html
        .contains("otpauth://totp/kehu:admin%40example.com?"));
    let page = b
        .post(
            "/account/two-factor/confirm",
            &[("code", &wrong_code(&secret))],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = b
        .post(
            "/account/two-factor/confirm",
            &[("code", &totp_code(&secret, now()))],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let codes: Vec<String> = page
        .html
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "{}", page.html);

    // Signing in: the password leads to the code step, not in.
    let client = browser();
    let r = page_login(&app, &client).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let html = r.text().await.unwrap();
    let challenge = attr_after(&html, "name=\"challenge\" value=\"").unwrap();
    let r = post_code(&app, &client, &challenge, &wrong_code(&secret)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("The code is wrong or was already used"));
    let r = post_code(
        &app,
        &client,
        &challenge,
        &totp_code(&secret, now() + 30_000),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/tasks");
    let cookie = r.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let r = client
        .get(format!("{}/tasks", app.base))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The challenge was spent with the sign-in.
    let r = post_code(&app, &client, &challenge, &codes[0]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // A recovery code works at the code step, once.
    for expected in [StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED] {
        let html = page_login(&app, &client).await.text().await.unwrap();
        let challenge = attr_after(&html, "name=\"challenge\" value=\"").unwrap();
        let r = post_code(&app, &client, &challenge, &codes[5]).await;
        assert_eq!(r.status(), expected);
    }
}

#[tokio::test]
async fn the_policy_makes_administrators_set_up_two_factor_before_they_get_in() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/two-factor",
            &rep,
            Some(json!({"policy": "everyone"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/two-factor",
            &app.admin,
            Some(json!({"policy": "admins"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let policy = body(app.get("/api/v1/settings/two-factor", &rep).await).await;
    assert_eq!(policy["policy"], "admins");
    // An administrator's API token is no way around it: refused until
    // they have set two-factor sign-in up (below), a rep's goes on.
    let r = app.get("/api/v1/customers", &app.admin).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["code"], "two_factor_setup_required");
    assert_eq!(
        app.get("/api/v1/customers", &rep).await.status(),
        StatusCode::OK
    );

    // A sales rep is not asked; an administrator without it is refused
    // on the API and sent to set it up on the page.
    assert_eq!(
        api_login(&app, "rep@example.com", None).await.status(),
        StatusCode::OK
    );
    let r = api_login(&app, "admin@example.com", None).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["code"], "two_factor_setup_required");

    let client = browser();
    let r = page_login(&app, &client).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(SET_COOKIE).is_none());
    let html = r.text().await.unwrap();
    assert!(html.contains("requires two-factor sign-in"), "{html}");
    let challenge = attr_after(&html, "name=\"challenge\" value=\"").unwrap();
    let secret = attr_after(&html, "id=\"totp-secret\">").unwrap_or_default();
    let secret = secret.split('<').next().unwrap().to_owned();
    let r = post_code(&app, &client, &challenge, &wrong_code(&secret)).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // The secret is shown again after a mistake.
    assert!(r.text().await.unwrap().contains(&secret));
    let r = post_code(&app, &client, &challenge, &totp_code(&secret, now())).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get(SET_COOKIE).is_some());
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("<li><code>").count(), 10, "{html}");

    // The token works again, and from now on the code is asked for, and
    // the policy keeps it on.
    assert_eq!(
        app.get("/api/v1/customers", &app.admin).await.status(),
        StatusCode::OK
    );
    let r = api_login(&app, "admin@example.com", None).await;
    assert_eq!(body(r).await["code"], "two_factor_required");
    let code = totp_code(&secret, now() + 30_000);
    let r = app
        .post(
            "/api/v1/me/two-factor/disable",
            &app.admin,
            json!({"totp": code}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["code"], "two_factor_required");
}

#[tokio::test]
async fn an_administrator_sets_the_policy_on_the_users_page() {
    let app = TestApp::spawn().await;
    app.user("rep@example.com", "sales", None).await;
    let rep = Browser::login(&app, "rep@example.com").await;
    let b = Browser::login(&app, "admin@example.com").await;
    let page = b.get("/settings/users").await;
    assert!(
        page.html.contains("<option value=\"optional\" selected>"),
        "{}",
        page.html
    );
    // Other roles cannot.
    let page = rep
        .post("/settings/two-factor", &[("policy", "everyone")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = b
        .post("/settings/two-factor", &[("policy", "everyone")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // The page shows the new policy; the administrator's own API token
    // now waits for their two-factor set-up.
    let r = app.get("/api/v1/settings/two-factor", &app.admin).await;
    assert_eq!(body(r).await["code"], "two_factor_setup_required");
    assert!(b
        .get("/settings/users")
        .await
        .html
        .contains("<option value=\"everyone\" selected>"));
}
