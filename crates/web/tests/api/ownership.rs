//! Nothing is shared by knowing an id: an upload belongs to its uploader,
//! and every API route that takes an id answers another team's sales rep
//! as if the record did not exist (or refuses the role outright), changing
//! nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{body, created, id, id_for, import_and_wait, upload_csv, TestApp};
use crate::pages::Browser;

#[tokio::test]
async fn an_upload_is_its_uploaders_alone() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let (_, bob) = app.user("bob@example.com", "sales", None).await;
    let csv = "姓名,手机\n张三,13812345678\n李四,13912345678\n";
    let file = upload_csv(&app, &alice, csv).await;
    let id = file["file_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 64);
    let sha256 = sha2_hex(csv.as_bytes());
    assert_ne!(
        id, sha256,
        "an upload's id must not be computable from its content"
    );

    // Its owner reads it; nobody else does, the administrator included,
    // and the answer is the one for an id that does not exist.
    let path = format!("/api/v1/imports/files/{id}");
    assert_eq!(app.get(&path, &alice).await.status(), StatusCode::OK);
    let missing = body(
        app.get(&format!("/api/v1/imports/files/{}", "0".repeat(64)), &bob)
            .await,
    )
    .await;
    for token in [&bob, &app.admin] {
        let r = app.get(&path, token).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(body(r).await, missing);
        for route in ["/api/v1/imports/preview", "/api/v1/imports"] {
            let r = app.post(route, token, json!({"file_id": id})).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{route}");
            let b = body(r).await;
            assert_eq!(b["code"], "no_upload", "{route}");
            assert!(!b.to_string().contains("张三"), "{b}");
        }
    }
    assert_eq!(app.store.count_rows("import_batches").await.unwrap(), 0);

    // The wizard's mapping page for another user's upload is not found.
    let b = Browser::login(&app, "bob@example.com").await;
    let page = b.get(&format!("/imports/map?file={id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.html.contains("13812345678"));
    let a = Browser::login(&app, "alice@example.com").await;
    assert_eq!(
        a.get(&format!("/imports/map?file={id}")).await.status,
        StatusCode::OK
    );

    // The same file sent by someone else is their own, separate upload.
    let theirs = upload_csv(&app, &bob, csv).await;
    assert_ne!(theirs["file_id"], file["file_id"]);
    let r = app
        .post("/api/v1/imports/preview", &alice, json!({"file_id": id}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

fn sha2_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// What rep A owns, and the administrator keeps, by route prefix.
struct Owned {
    ids: Vec<(&'static str, String)>,
    name: &'static str,
}

impl Owned {
    fn id_for(&self, path: &str) -> Option<&str> {
        id_for(&self.ids, path)
    }
}

/// Records of every kind that rep A (team 1) owns or the administrator
/// keeps, for rep B (team 2) to try by id.
async fn owned_by_a(app: &TestApp, alice: &str, alice_id: i64, team: i64) -> Owned {
    const NAME: &str = "甲方独有客户";
    let customer = app
        .customer(
            alice,
            json!({"name": NAME, "mobile": "13811112222", "email": "own@example.com"}),
        )
        .await;
    let cid = customer["id"].as_i64().unwrap();
    let other = app.customer(alice, json!({"name": "甲方另一客户"})).await;
    let contact = created(
        app,
        "/api/v1/contacts",
        alice,
        json!({"customer_id": cid, "name": "甲方联系人"}),
    )
    .await;
    let interaction = created(
        app,
        "/api/v1/interactions",
        alice,
        json!({"customer_id": cid, "channel": "call", "content": "甲方通话"}),
    )
    .await;
    let task = created(
        app,
        "/api/v1/tasks",
        alice,
        json!({"customer_id": cid, "title": "甲方回访", "due_at": "2030-01-01 09:00"}),
    )
    .await;
    let lead = created(
        app,
        "/api/v1/leads",
        alice,
        json!({"name": "甲方线索", "owner_id": alice_id}),
    )
    .await;
    let opportunity = created(
        app,
        "/api/v1/opportunities",
        alice,
        json!({"customer_id": cid, "name": "甲方商机", "amount": "1000"}),
    )
    .await;
    let product = created(
        app,
        "/api/v1/products",
        &app.admin,
        json!({"code": "P-1", "name": "软件", "price": "100"}),
    )
    .await;
    let order = created(
        app,
        "/api/v1/orders",
        alice,
        json!({"customer_id": cid, "lines": [{"product_id": product["id"], "quantity": 1}]}),
    )
    .await;
    let view = created(app, "/api/v1/views", alice, json!({"name": "甲方视图"})).await;
    let token = created(app, "/api/v1/me/tokens", alice, json!({"name": "甲方令牌"})).await;
    let file = upload_csv(app, alice, "姓名,手机\n丙,13700001111\n").await;
    let batch = import_and_wait(app, alice, &file["file_id"]).await;
    let merge = created(
        app,
        "/api/v1/merges",
        &app.admin,
        json!({"ids": [cid, other["id"]]}),
    )
    .await;
    let webhook = created(
        app,
        "/api/v1/webhooks",
        &app.admin,
        json!({"url": "https://erp.example.com/hook", "events": ["customer.created"]}),
    )
    .await;
    let cluster = app
        .store
        .add_duplicate_cluster(&[cid, other["id"].as_i64().unwrap()], "open")
        .await
        .unwrap();
    Owned {
        ids: vec![
            ("customers", cid.to_string()),
            ("contacts", id(&contact)),
            ("interactions", id(&interaction)),
            ("tasks", id(&task)),
            ("leads", id(&lead)),
            ("opportunities", id(&opportunity)),
            ("orders", id(&order)),
            ("views", id(&view)),
            ("me/tokens", id(&token)),
            ("imports", batch.to_string()),
            (
                "imports/files",
                file["file_id"].as_str().unwrap().to_owned(),
            ),
            ("merges", id(&merge)),
            ("webhooks", id(&webhook)),
            ("duplicates", cluster.to_string()),
            ("users", alice_id.to_string()),
            ("teams", team.to_string()),
            ("products", id(&product)),
        ],
        name: NAME,
    }
}

/// Routes whose records every signed-in user may read: the shared
/// catalogue and the people one may pick as owners.
const READABLE_BY_ALL: &[&str] = &[
    "/api/v1/products/{id}",
    "/api/v1/products/{id}/history",
    "/api/v1/users/{id}",
];

#[tokio::test]
async fn every_route_that_takes_an_id_answers_another_teams_rep_as_not_found() {
    let app = TestApp::spawn().await;
    let team_a = app.team("甲组").await;
    let team_b = app.team("乙组").await;
    let (alice_id, alice) = app.user("alice@example.com", "sales", Some(team_a)).await;
    let (_, bob) = app.user("bob@example.com", "sales", Some(team_b)).await;
    let owned = owned_by_a(&app, &alice, alice_id, team_a).await;
    let before = snapshot(&app).await;

    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    let mut tried = 0;
    let mut wrong = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        if !template.contains('{') {
            continue;
        }
        let Some(id) = owned.id_for(template) else {
            continue;
        };
        let path = template
            .replace("{id}", id)
            .replace("{file_id}", id)
            .replace("{step}", "confirm");
        let missing = template
            .replace("{id}", "999999")
            .replace("{file_id}", &"0".repeat(64))
            .replace("{step}", "confirm");
        for (method, _) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            if method == Method::GET && READABLE_BY_ALL.contains(&template.as_str()) {
                continue;
            }
            let (status, text) = try_as(&app, &bob, &method, &path).await;
            let (missing_status, missing_text) = try_as(&app, &bob, &method, &missing).await;
            // Refused, and refused exactly as for a record that does not
            // exist: the answer tells nothing of A's record.
            let same = status == missing_status && code_of(&text) == code_of(&missing_text);
            if status.is_success() || !same || text.contains(owned.name) {
                wrong.push(format!(
                    "{method} {path}: {status} {text}\n    (missing id: {missing_status} {missing_text})"
                ));
            }
            tried += 1;
        }
    }
    assert!(tried > 60, "only {tried} routes tried");
    assert!(
        wrong.is_empty(),
        "answered as if found:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        snapshot(&app).await,
        before,
        "a refused request changed something"
    );
}

/// Sends `method path` as `token` with an empty JSON object for a body.
async fn try_as(app: &TestApp, token: &str, method: &Method, path: &str) -> (StatusCode, String) {
    let mut r = app.request(method.clone(), path, token);
    if *method != Method::GET {
        r = r.json(&json!({}));
    }
    let r = r.send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

fn code_of(text: &str) -> Value {
    serde_json::from_str::<Value>(text).map_or(Value::Null, |v| v["code"].clone())
}

async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "customers",
        "contacts",
        "interactions",
        "tasks",
        "history",
        "leads",
        "opportunities",
        "orders",
        "payments",
        "api_tokens",
        "saved_views",
        "merges",
        "webhook_endpoints",
        "import_batches",
    ] {
        counts.push(app.store.count_rows(table).await.unwrap());
    }
    let customers = body(app.get("/api/v1/customers?limit=500", &app.admin).await).await;
    for c in customers["items"].as_array().unwrap() {
        counts.push(c["version"].as_i64().unwrap_or(0));
    }
    counts
}
