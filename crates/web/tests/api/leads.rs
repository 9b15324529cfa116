//! Leads over HTTP: the public web form (spam kept out by the honeypot and
//! the rate limit, duplicates found, the lead's source and campaign kept,
//! embeddable in the company's site), the pool and claiming, and a lead
//! worked and converted on its pages.

use reqwest::StatusCode;
use serde_json::json;

use kehu_web::client_ip::TrustedProxies;

use crate::helpers::{body, TestApp};
use crate::pages::Browser;

#[tokio::test]
async fn the_public_form_captures_leads_and_keeps_spam_out() {
    let app = TestApp::spawn().await;
    let existing = app
        .customer(&app.admin, json!({"name": "张三", "mobile": "13812345678"}))
        .await;
    let r = app
        .post(
            "/api/v1/lead-forms",
            &app.admin,
            json!({"name": "官网咨询", "source": "官网表单", "campaign": "双十一", "assign": "pool"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let form = body(r).await;
    let key = form["key"].as_str().unwrap().to_owned();
    let url = format!("{}/f/{key}", app.base);
    let client = reqwest::Client::new();

    // Served to anyone, and other sites may frame it.
    let page = client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(page.headers().get("x-frame-options").is_none());
    assert!(page.text().await.unwrap().contains("name=\"website\""));
    // Every other page may not be framed.
    let login = client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers()["x-frame-options"], "DENY");

    let send = |fields: Vec<(&'static str, &'static str)>| {
        let client = client.clone();
        let url = url.clone();
        async move { client.post(&url).form(&fields).send().await.unwrap() }
    };
    // A bot fills the hidden field: thanked, nothing kept.
    let r = send(vec![
        ("name", "Bot"),
        ("mobile", "13900001111"),
        ("website", "http://spam.example"),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let leads = body(app.get("/api/v1/leads?pool=true", &app.admin).await).await;
    assert!(leads["leads"].as_array().unwrap().is_empty());

    // A bad mobile: refused with the field named, what was typed kept.
    let r = send(vec![("name", "李四"), ("mobile", "12345")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"李四\""), "{html}");

    // A person with a customer's mobile: a pool lead, the duplicate named.
    let r = send(vec![
        ("name", "张三"),
        ("mobile", "138-1234-5678"),
        ("message", "想了解报价"),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("id=\"thanks\""));
    let leads = body(app.get("/api/v1/leads?pool=true", &app.admin).await).await;
    let lead = &leads["leads"][0];
    assert_eq!(lead["name"], "张三");
    assert_eq!(lead["source"], "官网表单");
    assert_eq!(lead["campaign"], "双十一");
    assert_eq!(lead["owner_id"], serde_json::Value::Null);
    assert_eq!(lead["duplicate_customer_id"], existing["id"]);

    // A visitor abroad picks her country: her number is read by its plan.
    let page = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(r#"<option value="CN" selected>"#),
        "the instance's default country chosen"
    );
    let r = send(vec![
        ("country", "AU"),
        ("name", "Olivia Smith"),
        ("mobile", "0414 089 598"),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let leads = body(app.get("/api/v1/leads?pool=true", &app.admin).await).await;
    let olivia = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Olivia Smith")
        .unwrap()
        .clone();
    assert_eq!(
        (olivia["country"].as_str(), olivia["mobile"].as_str()),
        (Some("AU"), Some("+61414089598"))
    );

    // The same address, too often: refused, not kept. Three counted so far
    // (the honeypot's is not): two more reach the limit of five.
    for _ in 0..2 {
        send(vec![("name", "王五")]).await;
    }
    let r = send(vec![("name", "赵六")]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let leads = body(app.get("/api/v1/leads?pool=true", &app.admin).await).await;
    assert_eq!(leads["leads"].as_array().unwrap().len(), 4);

    // An unknown form is not found.
    let r = client
        .get(format!("{}/f/nope", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Posts `n` leads to a new public form, each as if from `visitor`
/// (`X-Forwarded-For`), and returns the last answer's status.
async fn submit_as(app: &TestApp, key: &str, visitor: &str, n: usize) -> StatusCode {
    let mut status = StatusCode::OK;
    for i in 0..n {
        status = reqwest::Client::new()
            .post(format!("{}/f/{key}", app.base))
            .header("x-forwarded-for", visitor)
            .form(&[("name", format!("访客{i}"))])
            .send()
            .await
            .unwrap()
            .status();
    }
    status
}

async fn form_key(app: &TestApp) -> String {
    let r = app
        .post(
            "/api/v1/lead-forms",
            &app.admin,
            json!({"name": "官网咨询", "assign": "pool"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    body(r).await["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_has_a_limit_of_their_own() {
    // kehu behind nginx on the same machine: every connection comes from
    // 127.0.0.1, the visitor's address is in X-Forwarded-For.
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await;
    let key = form_key(&app).await;
    assert_eq!(
        submit_as(&app, &key, "203.0.113.1", 5).await,
        StatusCode::OK
    );
    assert_eq!(
        submit_as(&app, &key, "203.0.113.1", 1).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another visitor is not held back by the first one's submissions, and
    // a fake entry a visitor wrote in front of the header changes nothing.
    assert_eq!(
        submit_as(&app, &key, "203.0.113.2", 1).await,
        StatusCode::OK
    );
    assert_eq!(
        submit_as(&app, &key, "198.51.100.1, 203.0.113.1", 1).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let leads = body(
        app.get("/api/v1/leads?pool=true&limit=50", &app.admin)
            .await,
    )
    .await;
    assert_eq!(leads["leads"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_ignored() {
    let app = TestApp::spawn().await;
    let key = form_key(&app).await;
    assert_eq!(
        submit_as(&app, &key, "203.0.113.1", 5).await,
        StatusCode::OK
    );
    // A spammer cannot get round the limit by making addresses up.
    assert_eq!(
        submit_as(&app, &key, "203.0.113.2", 1).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_pool_lead_is_claimed_worked_and_converted_on_its_pages() {
    let app = TestApp::spawn().await;
    let (rep_id, rep_token) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .post(
            "/api/v1/leads",
            &app.admin,
            json!({"name": "王经理", "company": "远景贸易有限公司", "mobile": "13711112222", "assign": "pool"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = body(r).await["id"].as_i64().unwrap();

    // In the pool the rep sees it masked.
    let seen = body(app.get(&format!("/api/v1/leads/{id}"), &rep_token).await).await;
    assert_eq!(seen["mobile"], "137****2222");
    let r = app
        .post(
            &format!("/api/v1/leads/{id}/followups"),
            &rep_token,
            json!({"channel": "call", "content": "x"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    let b = Browser::login(&app, "rep@example.com").await;
    let pool = b.get("/leads?pool=1").await;
    assert!(
        pool.html.contains(&format!("id=\"claim-{id}\"")),
        "{}",
        pool.html
    );
    let page = b.post(&format!("/leads/{id}/claim"), &[]).await;
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/leads/{id}?flash=claimed").as_str())
    );
    let page = b.get(&format!("/leads/{id}")).await;
    assert!(page.html.contains("13711112222"), "unmasked for its owner");

    // A follow-up with a next step; disqualifying without a reason is refused.
    let page = b
        .post(
            &format!("/leads/{id}/follow-up"),
            &[
                ("channel", "call"),
                ("content", "有采购计划"),
                ("next_step", "发报价"),
                ("next_step_at", "2030-01-02"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = b
        .post(
            &format!("/leads/{id}/status"),
            &[("status", "disqualified")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = b
        .post(&format!("/leads/{id}/status"), &[("status", "qualified")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let tasks = b.get("/tasks").await;
    assert!(tasks.html.contains("发报价"));

    let page = b
        .post(
            &format!("/leads/{id}/convert"),
            &[
                ("kind", "company"),
                ("opportunity_name", "首单"),
                ("opportunity_amount", "30000"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let customer_page = page.location.unwrap();
    let page = b.get(&customer_page).await;
    assert!(page.html.contains("远景贸易有限公司"));
    assert!(page.html.contains("王经理"), "the contact");
    assert!(page.html.contains("首单"), "the opportunity");
    let lead = body(app.get(&format!("/api/v1/leads/{id}"), &rep_token).await).await;
    assert_eq!(lead["status"], "converted");
    assert_eq!(lead["owner_id"], rep_id);

    let spec = body(app.get("/api/v1/openapi.json", "").await).await;
    for path in [
        "/api/v1/leads",
        "/api/v1/leads/{id}/claim",
        "/api/v1/leads/{id}/convert",
        "/api/v1/pool-rules",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path}");
    }
}
