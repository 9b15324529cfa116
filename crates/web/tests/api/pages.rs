//! The browser pages over HTTP: sign-in, forms with their CSRF token,
//! escaping, masking, headers and what each form changes. The same flows
//! run in headless Chromium in crates/kehu/tests/browser.

use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::helpers::{body, TestApp, PASSWORD};

/// A signed-in browser: its session cookie and the CSRF token its pages
/// carry. Redirects are not followed, so each test sees them.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) client: Client,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) html: String,
    headers: reqwest::header::HeaderMap,
}

pub(crate) fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

impl<'a> Browser<'a> {
    pub(crate) async fn login(app: &'a TestApp, email: &str) -> Browser<'a> {
        let client = client();
        let r = client
            .post(format!("{}/login", app.base))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let cookie = r
            .headers()
            .get(SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut b = Browser {
            app,
            client,
            cookie,
            csrf: String::new(),
        };
        let page = b.get("/customers").await;
        b.csrf = attr_after(&page.html, "name=\"_csrf\" value=\"").unwrap();
        b
    }

    /// Sends a request as a browser on kehu's own page would: with the
    /// cookie, and with an `Origin` naming kehu unless the test gave one.
    pub(crate) async fn page(&self, r: reqwest::RequestBuilder) -> Page {
        let mut r = r.header(COOKIE, &self.cookie).build().unwrap();
        if !r.headers().contains_key(ORIGIN) {
            r.headers_mut()
                .insert(ORIGIN, self.app.base.parse().unwrap());
        }
        let r = self.client.execute(r).await.unwrap();
        Page {
            status: r.status(),
            location: r
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            headers: r.headers().clone(),
            html: r.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        self.page(self.client.get(format!("{}{path}", self.app.base)))
            .await
    }

    /// Submits a form with the page's CSRF token.
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.page(
            self.client
                .post(format!("{}{path}", self.app.base))
                .form(&all),
        )
        .await
    }
}

pub(crate) fn attr_after(html: &str, marker: &str) -> Option<String> {
    let rest = &html[html.find(marker)? + marker.len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The id in a `/customers/{id}?…` redirect.
fn id_in(location: &str) -> i64 {
    location
        .trim_start_matches("/customers/")
        .split(['?', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn signed_out_visitors_get_the_login_page_and_a_wrong_password_is_explained() {
    let app = TestApp::spawn().await;
    let c = client();
    let r = c.get(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(r.headers()[LOCATION], "/login");
    let r = c
        .get(format!("{}/customers?q=x", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[LOCATION], "/login?next=%2Fcustomers%3Fq%3Dx");
    let r = c
        .get(format!("{}/login", app.base))
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#), "{html}");
    assert!(html.contains(r#"<label for="email">Email</label>"#));

    let r = c
        .post(format!("{}/login", app.base))
        .header("Accept-Language", "zh-CN")
        .form(&[
            ("email", "admin@example.com"),
            ("password", "wrong-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let html = r.text().await.unwrap();
    assert!(html.contains("邮箱或密码不正确"), "{html}");
    assert!(
        html.contains(r#"value="admin@example.com""#),
        "the email stays typed"
    );

    // After signing in, the page asked for first.
    let r = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("email", "admin@example.com"),
            ("password", PASSWORD),
            ("next", "/tasks"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()[LOCATION], "/tasks");
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // `next` never leads off the site.
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
    ] {
        let r = c
            .post(format!("{}/login", app.base))
            .form(&[
                ("email", "admin@example.com"),
                ("password", PASSWORD),
                ("next", evil),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()[LOCATION], "/customers", "{evil}");
    }
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_are_not_cached() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let c = app
        .customer(&app.admin, json!({"name": "王五", "mobile": "13900139000"}))
        .await;
    let page = b.get(&format!("/customers/{}", c["id"])).await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
    assert!(!page.html.contains("<script>"), "no inline script");
    assert!(!page.html.contains(" style="), "no inline style");
    // The stylesheet and script are served with long caching under a
    // content hash.
    let css = attr_after(&page.html, "rel=\"stylesheet\" href=\"").unwrap();
    let r = app
        .client
        .get(format!("{}{css}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_change_nothing() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let no_token = b
        .page(
            b.client
                .post(format!("{}/customers/new", app.base))
                .form(&[("name", "张三")]),
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let foreign = b
        .page(
            b.client
                .post(format!("{}/customers/new", app.base))
                .header("Origin", "https://evil.example")
                .form(&[("_csrf", b.csrf.as_str()), ("name", "张三")]),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    // Another session's token is not this one's.
    let other = Browser::login(&app, "admin@example.com").await;
    assert_ne!(other.csrf, b.csrf);
    let stolen = b
        .page(
            b.client
                .post(format!("{}/customers/new", app.base))
                .form(&[("_csrf", other.csrf.as_str()), ("name", "张三")]),
        )
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);
    assert_eq!(app.customer_count().await, 0);
    // State never changes on GET.
    for path in ["/logout", "/customers/1/verify", "/customers/bulk", "/lang"] {
        assert_eq!(
            b.get(path).await.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_hostile_name_is_shown_as_text_on_every_page() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let evil = r#""><svg onload=alert(1)>"#;
    let created = b
        .post(
            "/customers/new",
            &[
                ("name", evil),
                ("company", evil),
                ("tags", evil),
                ("notes", evil),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let id = id_in(created.location.as_deref().unwrap());
    b.post(
        &format!("/customers/{id}/follow-up"),
        &[
            ("channel", "call"),
            ("content", evil),
            ("next_step", evil),
            ("next_step_at", "2030-01-01"),
        ],
    )
    .await;
    for path in [
        format!("/customers/{id}"),
        format!("/customers/{id}/edit"),
        "/customers".to_owned(),
        format!("/customers?q={}", "%22%3E%3Csvg"),
        "/tasks".to_owned(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.html.contains("<svg"),
            "{path} shows markup from a user"
        );
        assert!(
            page.html.contains("&#60;svg onload=alert(1)&#62;"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn entry_shows_every_error_inline_and_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let page = b
        .post(
            "/customers/new",
            &[
                ("name", "张三"),
                ("mobile", "1380013800"),
                ("email", "zhang@"),
                ("company", "某某科技"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains(r#"value="1380013800""#));
    assert!(page.html.contains(r#"value="某某科技""#));
    // The same messages as the API gives for the same input.
    let api = body(
        app.post(
            "/api/v1/customers",
            &app.admin,
            json!({"name": "张三", "mobile": "1380013800", "email": "zhang@"}),
        )
        .await,
    )
    .await;
    for e in api["errors"].as_array().unwrap() {
        let message = e["message"].as_str().unwrap();
        let field = e["field"].as_str().unwrap();
        let marker = format!(r#"data-error-for="{field}" aria-live="polite">{message}</p>"#);
        assert!(page.html.contains(&marker), "{marker}");
    }
    assert_eq!(app.customer_count().await, 0);
}

#[tokio::test]
async fn entering_an_existing_mobile_warns_with_a_link_before_a_second_copy() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let first = app
        .customer(&app.admin, json!({"name": "张三", "mobile": "13800138000"}))
        .await;
    let page = b
        .post(
            "/customers/new",
            &[("name", "张三丰"), ("mobile", "138 0013 8000")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page
        .html
        .contains(&format!(r#"<a href="/customers/{}">张三</a>"#, first["id"])));
    assert!(page.html.contains(r#"name="confirm_duplicate""#));
    assert_eq!(app.customer_count().await, 1);
    // Confirmed, it is entered.
    let page = b
        .post(
            "/customers/new",
            &[
                ("name", "张三丰"),
                ("mobile", "13800138000"),
                ("confirm_duplicate", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.customer_count().await, 2);
}

#[tokio::test]
async fn a_viewer_sees_masked_numbers_even_in_the_page_source() {
    let app = TestApp::spawn().await;
    app.user("viewer@example.com", "viewer", None).await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "赵六", "mobile": "13812345678", "email": "zhao@example.com", "owner_id": null}),
        )
        .await;
    let b = Browser::login(&app, "viewer@example.com").await;
    for path in [
        format!("/customers/{}", c["id"]),
        "/customers".to_owned(),
        "/customers?cols=mobile,email".to_owned(),
        "/customers?q=13812345678&cols=mobile".to_owned(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        // The search box shows what the viewer typed; the records do not
        // show more.
        let records = page
            .html
            .find("<tbody>")
            .or_else(|| page.html.find(r#"<dl class="details""#))
            .unwrap();
        let shown = &page.html[records..];
        let shown = &shown[..shown
            .find("</table>")
            .or_else(|| shown.find("</dl>"))
            .unwrap()];
        assert!(page.html.contains("赵六"), "{path}");
        assert!(!shown.contains("13812345678"), "{path}");
        assert!(!shown.contains("zhao@example.com"), "{path}");
    }
    let page = b.get(&format!("/customers/{}", c["id"])).await;
    assert!(page.html.contains("138****5678"), "{}", page.html);
    // A viewer has no entry form.
    assert_eq!(b.get("/customers/new").await.status, StatusCode::FORBIDDEN);
    assert!(!page.html.contains(r#"id="follow-up""#));
}

#[tokio::test]
async fn bulk_assignment_changes_the_ticked_records_with_history() {
    let app = TestApp::spawn().await;
    let (rep, _) = app.user("rep@example.com", "sales", None).await;
    let b = Browser::login(&app, "admin@example.com").await;
    let mut ids = Vec::new();
    for name in ["甲", "乙", "丙"] {
        ids.push(
            app.customer(&app.admin, json!({ "name": name })).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let (a, c) = (ids[0].to_string(), ids[1].to_string());
    let rep_id = rep.to_string();
    let page = b
        .post(
            "/customers/bulk",
            &[
                ("scope", "selected"),
                ("ids", &a),
                ("ids", &c),
                ("action", "owner"),
                ("owner_id", &rep_id),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location.unwrap().contains("flash=bulk&n=2"));
    for (id, owner) in [(ids[0], Some(rep)), (ids[1], Some(rep)), (ids[2], None)] {
        let record = body(
            app.get(&format!("/api/v1/customers/{id}"), &app.admin)
                .await,
        )
        .await;
        let expected = owner.map_or(record["created_by"].clone(), |o| json!(o));
        assert_eq!(record["owner_id"], expected, "{id}");
        let history = body(
            app.get(&format!("/api/v1/customers/{id}/history"), &app.admin)
                .await,
        )
        .await;
        let moved = history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["field"] == "owner_id" && h["new_value"] == json!(rep.to_string()));
        assert_eq!(moved, owner.is_some(), "{id}: {history}");
    }
    // The whole filter: a tag on every customer it finds.
    let page = b
        .post(
            "/customers/bulk",
            &[
                ("scope", "filter"),
                ("filter", "q=%E4%B8%99"),
                ("action", "add_tag"),
                ("tag", "VIP"),
            ],
        )
        .await;
    assert!(page.location.unwrap().contains("n=1"));
    let list = body(app.get("/api/v1/customers?tag=VIP", &app.admin).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_follow_up_with_a_date_shows_in_the_timeline_and_in_my_tasks() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let c = app.customer(&app.admin, json!({"name": "孙七"})).await;
    let path = format!("/customers/{}", c["id"]);
    // Missing content: the error is shown in place, nothing is saved.
    let page = b
        .post(
            &format!("{path}/follow-up"),
            &[("channel", "call"), ("next_step", "回访")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains(r#"value="回访""#));
    let page = b
        .post(
            &format!("{path}/follow-up"),
            &[
                ("channel", "visit"),
                ("content", "谈了续约"),
                ("next_step", "寄送合同"),
                ("next_step_at", "2000-01-02"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await;
    assert!(page.html.contains("谈了续约"));
    assert!(page.html.contains("寄送合同"));
    let tasks = b.get("/tasks").await;
    let overdue = &tasks.html
        [tasks.html.find(r#"id="overdue""#).unwrap()..tasks.html.find(r#"id="today""#).unwrap()];
    assert!(overdue.contains("寄送合同"), "{overdue}");
    assert!(tasks
        .html
        .contains(r#"<span id="task-count" class="badge" title="1 "#));
    let task_id = attr_after(&tasks.html, r#"<li id="task-"#).unwrap();
    let version = attr_after(overdue, r#"name="version" value=""#).unwrap();
    let done = b
        .post(&format!("/tasks/{task_id}/done"), &[("version", &version)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let tasks = b.get("/tasks").await;
    assert!(!tasks.html.contains("寄送合同"));
    assert!(tasks
        .html
        .contains(r#"<span id="task-count" class="badge zero""#));
}

#[tokio::test]
async fn the_language_switch_is_remembered_for_the_user() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    assert!(b
        .get("/customers")
        .await
        .html
        .contains(r#"<html lang="zh-CN">"#));
    let r = b
        .page(
            b.client
                .post(format!("{}/lang", app.base))
                .header("Referer", format!("{}/tasks", app.base))
                .form(&[("_csrf", b.csrf.as_str()), ("lang", "en")]),
        )
        .await;
    assert_eq!(r.location.as_deref(), Some("/tasks"));
    let page = b.get("/customers").await;
    assert!(page.html.contains(r#"<html lang="en">"#));
    assert!(page.html.contains(">Customers</a>"));
    let me = body(app.get("/api/v1/me", &app.admin).await).await;
    assert_eq!(me["lang"], "en");
}
