//! Webhooks end to end: a receiver on 127.0.0.1 (allowed by the
//! administrator) gets signed requests the test verifies on its own,
//! failures are retried on the clock the test moves, private addresses
//! are refused however they are written and wherever they come from
//! (registration, DNS, a redirect), a refused change sends nothing, and a
//! replay sends the same event again. The sender is driven with
//! `deliver_due(now)`; no test reaches beyond this machine.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode as AxumStatus};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use kehu_store::time::Time;
use kehu_web::webhooks::{deliver_due, Round};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{body, field_errors, TestApp};
use crate::pages::Browser;

/// How the receiver answers a request.
#[derive(Clone)]
enum Answer {
    Status(u16),
    RedirectTo(String),
}

/// One request the receiver got.
#[derive(Clone)]
struct Hit {
    headers: HeaderMap,
    body: String,
}

/// A tiny HTTP server on 127.0.0.1 that records what it is sent and
/// answers from a script (200 once the script runs out).
#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    port: u16,
}

impl Receiver {
    async fn start(answers: Vec<Answer>) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            port: listener.local_addr().unwrap().port(),
            answers: Arc::new(Mutex::new(answers.into())),
            ..Default::default()
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(record))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        receiver
    }

    fn url(&self, host: &str) -> String {
        format!("http://{host}:{}/hook", self.port)
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }
}

async fn record(State(r): State<Receiver>, headers: HeaderMap, body: String) -> Response {
    r.hits.lock().unwrap().push(Hit { headers, body });
    match r.answers.lock().unwrap().pop_front() {
        None => AxumStatus::OK.into_response(),
        Some(Answer::Status(s)) => AxumStatus::from_u16(s).unwrap().into_response(),
        Some(Answer::RedirectTo(to)) => {
            (AxumStatus::FOUND, [(header::LOCATION, to)]).into_response()
        }
    }
}

fn header<'a>(hit: &'a Hit, name: &str) -> &'a str {
    hit.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// Verifies a request as a receiver would, from the secret alone.
fn verify(secret: &str, hit: &Hit) {
    let timestamp = header(hit, "x-kehu-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", hit.body).as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header(hit, "x-kehu-signature"), expected);
}

/// Allows a host over the API.
async fn allow(app: &TestApp, host: &str) {
    let r = app
        .post(
            "/api/v1/webhook-allowed-hosts",
            &app.admin,
            json!({ "host": host }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// Registers an endpoint and returns it with its secret.
async fn register(app: &TestApp, url: &str, events: &[&str]) -> Value {
    let r = app
        .post(
            "/api/v1/webhooks",
            &app.admin,
            json!({ "url": url, "events": events, "description": "ERP" }),
        )
        .await;
    let status = r.status();
    let b = body(r).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    b
}

async fn deliveries(app: &TestApp, endpoint: &Value) -> Vec<Value> {
    let path = format!("/api/v1/webhooks/{}/deliveries", endpoint["id"]);
    let b = body(app.get(&path, &app.admin).await).await;
    b.as_array().unwrap_or_else(|| panic!("{b}")).clone()
}

async fn send(app: &TestApp, now: Time) -> Round {
    deliver_due(&app.store, now).await.unwrap()
}

#[tokio::test]
async fn a_webhook_reaches_an_allowed_receiver_signed_and_with_its_headers() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![]).await;
    allow(&app, "127.0.0.1").await;
    let hook = register(&app, &receiver.url("127.0.0.1"), &["customer.created"]).await;
    let secret = hook["secret"].as_str().unwrap();
    let got = body(
        app.get(&format!("/api/v1/webhooks/{}", hook["id"]), &app.admin)
            .await,
    )
    .await;
    assert!(got.get("secret").is_none(), "the secret is shown only once");

    let c = app
        .customer(
            &app.admin,
            json!({"name": "华信科技", "mobile": "13812345678"}),
        )
        .await;
    let round = send(&app, Time::now()).await;
    assert_eq!(round.delivered, 1);

    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    verify(secret, hit);
    assert_eq!(header(hit, "x-kehu-event"), "customer.created");
    assert_eq!(header(hit, "content-type"), "application/json");
    let sent: Value = serde_json::from_str(&hit.body).unwrap();
    assert_eq!(sent["event"], "customer.created");
    assert_eq!(sent["data"]["id"], c["id"]);
    assert_eq!(sent["data"]["name"], "华信科技");
    let timestamp: i64 = header(hit, "x-kehu-timestamp").parse().unwrap();
    assert!((Time::now().0 / 1000 - timestamp).abs() < 60);

    let log = deliveries(&app, &hook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(header(hit, "x-kehu-delivery"), log[0]["id"].to_string());
    assert_eq!(sent["id"], log[0]["event_id"]);
    assert_eq!(log[0]["status"], "delivered");
    let attempts = log[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["response_status"], 200);
    // Measured, and within the 15 s a request may take.
    let took = attempts[0]["duration_ms"].as_i64().unwrap();
    assert!((0..15_000).contains(&took), "{took}");
    assert!(attempts[0]["attempted_at"].is_string());

    // A rotated secret signs what is sent from then on.
    let rotated = body(
        app.post(
            &format!("/api/v1/webhooks/{}/rotate-secret", hook["id"]),
            &app.admin,
            json!({}),
        )
        .await,
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    app.customer(&app.admin, json!({"name": "乙"})).await;
    send(&app, Time::now()).await;
    verify(new_secret, &receiver.hits()[1]);
}

#[tokio::test]
async fn a_delivery_answered_500_is_retried_later_and_both_attempts_are_logged() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![Answer::Status(500)]).await;
    allow(&app, "127.0.0.1").await;
    let hook = register(&app, &receiver.url("127.0.0.1"), &["customer.created"]).await;
    app.customer(&app.admin, json!({"name": "甲"})).await;

    let now = Time::now();
    assert_eq!(
        send(&app, now).await,
        Round {
            retrying: 1,
            ..Round::default()
        }
    );
    let log = deliveries(&app, &hook).await;
    assert_eq!(log[0]["status"], "pending");
    assert_eq!(log[0]["attempts"][0]["response_status"], 500);
    let next = chrono::DateTime::parse_from_rfc3339(log[0]["next_attempt_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    assert_eq!(next, now.0 + 60_000, "tried again a minute later");

    // Not before it is due.
    assert_eq!(send(&app, Time(now.0 + 30_000)).await, Round::default());
    assert_eq!(receiver.hits().len(), 1);
    let later = Time(now.0 + 61_000);
    assert_eq!(send(&app, later).await.delivered, 1);

    let hits = receiver.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].body, hits[1].body, "the same event, byte for byte");
    assert_eq!(
        header(&hits[0], "x-kehu-delivery"),
        header(&hits[1], "x-kehu-delivery")
    );
    verify(hook["secret"].as_str().unwrap(), &hits[1]);
    assert_eq!(
        header(&hits[1], "x-kehu-timestamp"),
        (later.0 / 1000).to_string()
    );
    let log = deliveries(&app, &hook).await;
    assert_eq!(log[0]["status"], "delivered");
    let statuses: Vec<&Value> = log[0]["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["response_status"])
        .collect();
    assert_eq!(statuses, vec![&json!(500), &json!(200)]);
}

#[tokio::test]
async fn private_addresses_are_refused_at_registration_at_send_time_and_after_a_redirect() {
    let app = TestApp::spawn().await;
    for url in [
        "http://127.0.0.1/",
        "http://0177.0.0.1/",
        "http://2130706433/",
        "http://[::ffff:127.0.0.1]/",
        "http://169.254.169.254/",
    ] {
        let r = app
            .request(reqwest::Method::POST, "/api/v1/webhooks", &app.admin)
            .header("Accept-Language", "en")
            .json(&json!({ "url": url, "events": ["order.paid"] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let problem = body(r).await;
        assert_eq!(
            field_errors(&problem),
            vec![("url".to_string(), "private_address".to_string())],
            "{url}"
        );
        assert!(problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("private"));
    }
    for (url, code) in [
        ("ftp://erp.example.cn/", "unsupported_scheme"),
        ("http://kehu:secret@erp.example.cn/", "url_credentials"),
        ("not a url", "unsupported_scheme"),
    ] {
        let r = app
            .post(
                "/api/v1/webhooks",
                &app.admin,
                json!({ "url": url, "events": ["order.paid"] }),
            )
            .await;
        assert_eq!(
            field_errors(&body(r).await),
            vec![("url".to_string(), code.to_string())]
        );
    }
    let r = app
        .post(
            "/api/v1/webhooks",
            &app.admin,
            json!({ "url": "https://erp.example.cn/", "events": ["order.lost"], "colour": 1 }),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        vec![
            ("colour".to_string(), "unknown_field".to_string()),
            ("events".to_string(), "not_an_option".to_string())
        ]
    );
    assert!(body(app.get("/api/v1/webhooks", &app.admin).await).await == json!([]));

    // A name that resolves to loopback is refused when it is sent to, even
    // with 127.0.0.1 allowed: the allow-list names hosts, not addresses.
    let target = Receiver::start(vec![]).await;
    allow(&app, "127.0.0.1").await;
    let by_name = register(&app, &target.url("localhost"), &["customer.created"]).await;
    app.customer(&app.admin, json!({"name": "甲"})).await;
    assert_eq!(send(&app, Time::now()).await.retrying, 1);
    assert!(target.hits().is_empty(), "nothing reached the receiver");
    let attempt = &deliveries(&app, &by_name).await[0]["attempts"][0];
    assert_eq!(attempt["error_kind"], "refused_address", "{attempt}");
    assert!(attempt["response_status"].is_null());
    assert!(
        attempt["error"].as_str().unwrap().contains("loopback"),
        "{attempt}"
    );
    let r = app
        .patch(
            &format!("/api/v1/webhooks/{}", by_name["id"]),
            &app.admin,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // An allowed receiver that redirects elsewhere is not followed.
    let redirecting = Receiver::start(vec![Answer::RedirectTo(target.url("localhost"))]).await;
    let hook = register(&app, &redirecting.url("127.0.0.1"), &["customer.created"]).await;
    app.customer(&app.admin, json!({"name": "乙"})).await;
    assert_eq!(send(&app, Time::now()).await.retrying, 1);
    assert_eq!(redirecting.hits().len(), 1);
    assert!(target.hits().is_empty(), "the redirect was not followed");
    let attempt = &deliveries(&app, &hook).await[0]["attempts"][0];
    assert_eq!(attempt["response_status"], 302);
    assert_eq!(attempt["error_kind"], "redirect");
}

#[tokio::test]
async fn a_refused_order_step_sends_nothing_and_a_replay_sends_the_event_again() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![]).await;
    allow(&app, "127.0.0.1").await;
    let hook = register(
        &app,
        &receiver.url("127.0.0.1"),
        &["order.confirmed", "order.shipped", "order.cancelled"],
    )
    .await;
    let c = app.customer(&app.admin, json!({"name": "华信科技"})).await;
    let order = body(
        app.post(
            "/api/v1/orders",
            &app.admin,
            json!({"customer_id": c["id"], "lines": [{"name": "实施服务", "quantity": 1, "unit_price": "1200"}]}),
        )
        .await,
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/orders/{}/ship", order["id"]),
            &app.admin,
            json!({"carrier": "顺丰速运", "tracking_no": "SF1"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(send(&app, Time::now()).await, Round::default());
    assert!(receiver.hits().is_empty());
    assert!(deliveries(&app, &hook).await.is_empty());

    let r = app
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/orders/{}/confirm", order["id"]),
            &app.admin,
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(send(&app, Time::now()).await.delivered, 1);
    let first = deliveries(&app, &hook).await.remove(0);

    // Others may neither see nor replay webhooks.
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    assert_eq!(
        app.get("/api/v1/webhooks", &rep).await.status(),
        StatusCode::FORBIDDEN
    );
    let replay_path = format!("/api/v1/webhook-deliveries/{}/replay", first["id"]);
    assert_eq!(
        app.post(&replay_path, &rep, json!({})).await.status(),
        StatusCode::FORBIDDEN
    );

    let r = app.post(&replay_path, &app.admin, json!({})).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let replay = body(r).await;
    assert_eq!(replay["replay_of"], first["id"]);
    assert_eq!(replay["event_id"], first["event_id"]);
    assert_eq!(replay["status"], "pending");
    assert_eq!(send(&app, Time::now()).await.delivered, 1);

    let hits = receiver.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].body, hits[1].body, "the same event again");
    assert_eq!(
        header(&hits[1], "x-kehu-delivery"),
        replay["id"].to_string()
    );
    verify(hook["secret"].as_str().unwrap(), &hits[1]);
    let log = deliveries(&app, &hook).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["attempts"][0]["response_status"], 200);
    assert_eq!(
        log[1]["attempts"].as_array().unwrap().len(),
        1,
        "the original keeps its own"
    );
    assert_eq!(
        app.post(
            "/api/v1/webhook-deliveries/999999/replay",
            &app.admin,
            json!({})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );

    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    for path in [
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}/deliveries",
        "/api/v1/webhook-deliveries/{id}/replay",
        "/api/v1/webhook-allowed-hosts",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} not documented");
    }
}

#[tokio::test]
async fn the_settings_page_adds_a_webhook_lists_its_deliveries_and_replays_one() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(vec![]).await;
    let b = Browser::login(&app, "admin@example.com").await;
    let page = b.get("/settings/webhooks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .html
        .contains(r#"href="/settings/webhooks" aria-current="true""#));

    let url = receiver.url("127.0.0.1");
    let form = [
        ("url", url.as_str()),
        ("description", "财务 ERP"),
        ("events", "customer.created"),
        ("events", "order.paid"),
        ("active", "1"),
    ];
    let refused = b.post("/settings/webhooks", &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused.html.split(r#"id="wh-url-error">"#).nth(1).unwrap();
    assert!(error.starts_with("指向本机、内网或保留地址"), "{error}");
    assert!(
        refused.html.contains(&format!(r#"value="{url}""#)),
        "the URL stays typed"
    );
    assert!(refused.html.contains(r#"value="财务 ERP""#));
    assert!(refused.html.contains(r#"value="order.paid" checked"#));
    assert!(!refused.html.contains(r#"value="order.shipped" checked"#));

    let bad_host = b
        .post("/settings/webhooks/hosts", &[("host", "erp:8080/x")])
        .await;
    assert_eq!(bad_host.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_host.html.contains(r#"value="erp:8080/x""#));
    let allowed = b
        .post("/settings/webhooks/hosts", &[("host", "127.0.0.1")])
        .await;
    assert_eq!(
        allowed.location.as_deref(),
        Some("/settings/webhooks?flash=host_allowed")
    );

    let created = b.post("/settings/webhooks", &form).await;
    assert_eq!(created.status, StatusCode::OK);
    let secret = created
        .html
        .split(r#"id="webhook-secret""#)
        .nth(1)
        .and_then(|s| s.split("<code>").nth(1))
        .and_then(|s| s.split("</code>").next())
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    let hooks = body(app.get("/api/v1/webhooks", &app.admin).await).await;
    let id = hooks[0]["id"].as_i64().unwrap();
    assert_eq!(hooks[0]["description"], "财务 ERP");
    let shown = b.get(&format!("/settings/webhooks/{id}")).await;
    assert!(!shown.html.contains(&secret), "shown only once");

    app.customer(&app.admin, json!({"name": "华信科技"})).await;
    send(&app, Time::now()).await;
    let page = b.get(&format!("/settings/webhooks/{id}")).await;
    assert!(page.html.contains("customer.created"));
    assert!(page.html.contains("HTTP 200"));
    assert!(page.html.contains("已送达"));
    let delivery = hooks_delivery(&app, id).await;
    let replayed = b
        .post(
            &format!("/settings/webhook-deliveries/{delivery}/replay"),
            &[],
        )
        .await;
    assert_eq!(
        replayed.location.as_deref(),
        Some(format!("/settings/webhooks/{id}?flash=replay_queued").as_str())
    );
    let page = b
        .get(&format!("/settings/webhooks/{id}?flash=replay_queued"))
        .await;
    assert!(
        page.html.contains(&format!("重发自 #{delivery}")),
        "the replay names its original"
    );
    assert_eq!(send(&app, Time::now()).await.delivered, 1);
    assert_eq!(receiver.hits().len(), 2);
    verify(&secret, &receiver.hits()[1]);

    // Editing keeps the form's rules: no events is refused in place.
    let edit = b
        .post(
            &format!("/settings/webhooks/{id}"),
            &[("url", url.as_str()), ("description", "改")],
        )
        .await;
    assert_eq!(edit.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(edit
        .html
        .split(r#"id="wh-events-error">"#)
        .nth(1)
        .unwrap()
        .starts_with("必填"));
    assert!(edit.html.contains(r#"value="改""#));

    app.user("boss@example.com", "manager", None).await;
    let boss = Browser::login(&app, "boss@example.com").await;
    assert_eq!(
        boss.get("/settings/webhooks").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        boss.get(&format!("/settings/webhooks/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
}

/// The id of an endpoint's newest delivery.
async fn hooks_delivery(app: &TestApp, id: i64) -> i64 {
    let log = deliveries(app, &json!({ "id": id })).await;
    log[0]["id"].as_i64().unwrap()
}
