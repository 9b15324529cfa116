//! One masking gate, walked: every GET route of the API and every page,
//! fetched as a viewer and as a sales rep looking at records of the shared
//! pool, shows no full mobile, phone, e-mail or sensitive field value of a
//! record that user may only see masked: records, lists, search, history,
//! contacts, merges, imports and their rejects, leads, exports, quality
//! runs, and the duplicate queue (refused to both). The routes are read
//! from the web crate's source, so a route added later fails this test
//! until it is walked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{body, created, id, id_for, import_and_wait, upload_csv, TestApp};
use crate::pages::Browser;

/// Values of records in the shared pool: a rep sees them masked.
const POOL_SECRETS: &[&str] = &[
    // 公海甲: the mobile it had, the one it has, its landline, e-mail and
    // a sensitive field; its contacts (merged into one).
    "13711110001",
    "13711110002",
    "65521001",
    "pool.jia@",
    "110101199003074578",
    "13711110003",
    "13711110004",
    "pool.contact@",
    // 公海乙, in the duplicate queue with 公海甲.
    "13711110005",
    "pool.yi@",
    // 公海丙, two records merged.
    "13711110006",
    "pool.bing@",
    // A lead in the pool.
    "13711110007",
    "pool.lead@",
    // A company breaking a quality rule.
    "13711110008",
];

/// Values of the rep's own records: the rep sees them, a viewer does not.
const OWN_SECRETS: &[&str] = &["13722220001", "own.rep@", "13722220002"];

/// What the rep typed into the file it imported and into a lookup: shown
/// back to whoever typed it, so not counted on the routes that echo it.
const TYPED: &[&str] = &["13711110002"];

/// Each secret as it may be written out: as stored, grouped by spaces or
/// dashes (138 1234 5678, 6552-1001).
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    if secret.len() == 11 && secret.bytes().all(|b| b.is_ascii_digit()) {
        for sep in [" ", "-"] {
            out.push(format!(
                "{}{sep}{}{sep}{}",
                &secret[..3],
                &secret[3..7],
                &secret[7..]
            ));
        }
    }
    if secret.len() == 8 && secret.bytes().all(|b| b.is_ascii_digit()) {
        for sep in [" ", "-"] {
            out.push(format!("{}{sep}{}", &secret[..4], &secret[4..]));
        }
    }
    out
}

/// Every `.route("PATH", …)` whose method router has a `get(`, in the Rust
/// files under `dir`, with `prefix` in front.
fn get_routes(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            get_routes(&path, prefix, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            // The route's arguments, up to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i);
            let args = &rest[..end];
            let Some((path, handlers)) = args
                .trim_start()
                .strip_prefix('"')
                .and_then(|a| a.split_once('"'))
            else {
                continue;
            };
            let gets = handlers
                .match_indices("get(")
                .any(|(i, _)| i == 0 || !handlers.as_bytes()[i - 1].is_ascii_alphanumeric());
            if gets {
                out.insert(format!("{prefix}{path}"));
            }
        }
    }
}

/// A record of each kind with contact details in the pool, the rep's own
/// records, and the rep's import; returns the id to put into each route,
/// by the route's path after `/api/v1/` (or `/` for pages), longest
/// prefix first.
async fn seed(app: &TestApp, rep: &str, rep_id: i64) -> Vec<(&'static str, String)> {
    let admin = &app.admin;
    let field = created(
        app,
        "/api/v1/fields",
        admin,
        json!({"key": "id_card", "label_zh": "证件", "label_en": "ID", "kind": {"type": "text"}, "sensitive": true}),
    )
    .await;
    let jia = app
        .customer(
            admin,
            json!({"name": "公海甲", "mobile": "13711110001", "phone": "010-65521001",
                   "email": "pool.jia@example.com", "owner_id": null,
                   "custom": {"id_card": "110101199003074578"}}),
        )
        .await;
    assert!(jia["owner_id"].is_null(), "{jia}");
    let p = jia["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/customers/{p}"),
            admin,
            json!({"mobile": "13711110002"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut contacts = Vec::new();
    for fields in [
        json!({"customer_id": p, "name": "联系人甲", "mobile": "13711110003", "email": "pool.contact@example.com"}),
        json!({"customer_id": p, "name": "联系人甲", "mobile": "13711110004"}),
    ] {
        contacts.push(id(&created(app, "/api/v1/contacts", admin, fields).await));
    }
    let contact_merge = created(
        app,
        "/api/v1/contact-merges",
        admin,
        json!({"ids": [contacts[0].parse::<i64>().unwrap(), contacts[1].parse::<i64>().unwrap()]}),
    )
    .await;
    let yi = app
        .customer(
            admin,
            json!({"name": "公海乙", "mobile": "13711110005", "email": "pool.yi@example.com", "owner_id": null}),
        )
        .await;
    let cluster = app
        .store
        .add_duplicate_cluster(&[p, yi["id"].as_i64().unwrap()], "open")
        .await
        .unwrap();
    let bing1 = app
        .customer(
            admin,
            json!({"name": "公海丙", "mobile": "13711110006", "owner_id": null}),
        )
        .await;
    let bing2 = app
        .customer(
            admin,
            json!({"name": "公海丙", "email": "pool.bing@example.com", "owner_id": null}),
        )
        .await;
    let merge = created(
        app,
        "/api/v1/merges",
        admin,
        json!({"ids": [bing1["id"], bing2["id"]]}),
    )
    .await;
    let lead = created(
        app,
        "/api/v1/leads",
        admin,
        json!({"name": "公海线索", "mobile": "13711110007", "email": "pool.lead@example.com", "assign": "pool"}),
    )
    .await;
    let interaction = created(
        app,
        "/api/v1/interactions",
        admin,
        json!({"customer_id": p, "channel": "call", "content": "回访"}),
    )
    .await;
    let task = created(
        app,
        "/api/v1/tasks",
        admin,
        json!({"customer_id": p, "title": "回访", "due_at": "2030-01-01 09:00"}),
    )
    .await;
    let opportunity = created(
        app,
        "/api/v1/opportunities",
        admin,
        json!({"customer_id": p, "name": "公海商机", "amount": "1000", "owner_id": rep_id}),
    )
    .await;
    let product = created(
        app,
        "/api/v1/products",
        admin,
        json!({"code": "P-1", "name": "软件", "price": "100"}),
    )
    .await;
    // The rep's opportunity with the pool customer, and the order made
    // from it: their pages show the customer.
    let order = created(
        app,
        &format!("/api/v1/opportunities/{}/order", opportunity["id"]),
        rep,
        json!({}),
    )
    .await;
    let webhook = created(
        app,
        "/api/v1/webhooks",
        admin,
        json!({"url": "https://erp.example.com/hook", "events": ["customer.created"]}),
    )
    .await;
    let form = created(
        app,
        "/api/v1/lead-forms",
        admin,
        json!({"name": "官网咨询", "source": "官网表单", "assign": "pool"}),
    )
    .await;
    let scan = created(app, "/api/v1/duplicate-scans", admin, json!({})).await;
    // A pool company without its credit code, which a rule then requires:
    // a check run and a revalidation list it.
    app.customer(
        admin,
        json!({"kind": "company", "name": "公海公司", "mobile": "13711110008", "owner_id": null}),
    )
    .await;
    let check = created(app, "/api/v1/quality/check", admin, json!({})).await;
    let rules = body(app.get("/api/v1/quality/rules", admin).await).await;
    let mut company = rules["company"].as_array().unwrap().clone();
    for rule in &mut company {
        if rule["fields"] == json!(["uscc"]) {
            rule["level"] = json!("required");
        }
    }
    let changed = body(
        app.patch("/api/v1/quality/rules", admin, json!({"company": company}))
            .await,
    )
    .await;
    let revalidation = changed["revalidation"]["id"].as_i64().unwrap();

    // The rep's own records, and an import of the rep's that meets the
    // pool record by its mobile and rejects a row.
    app.customer(
        rep,
        json!({"name": "甲方客户", "mobile": "13722220001", "email": "own.rep@example.com"}),
    )
    .await;
    created(
        app,
        "/api/v1/leads",
        rep,
        json!({"name": "甲方线索", "mobile": "13722220002", "owner_id": rep_id}),
    )
    .await;
    let view = created(app, "/api/v1/views", rep, json!({"name": "我的视图"})).await;
    let file = upload_csv(app, rep, "姓名,手机\n公海甲,13711110002\n坏行,123\n").await;
    let batch = import_and_wait(app, rep, &file["file_id"])
        .await
        .to_string();
    let file = file["file_id"].as_str().unwrap().to_owned();

    vec![
        ("customers", p.to_string()),
        // Not a route: the pool customer's pair in the queue, for the
        // merge plan.
        ("duplicate pair", yi["id"].to_string()),
        ("contacts", contacts[0].clone()),
        ("contact-merges", id(&contact_merge)),
        ("interactions", id(&interaction)),
        ("tasks", id(&task)),
        ("leads", id(&lead)),
        ("opportunities", id(&opportunity)),
        ("orders", id(&order)),
        ("products", id(&product)),
        ("views", id(&view)),
        ("imports", batch),
        ("imports/files", file),
        ("merges", id(&merge)),
        ("webhooks", id(&webhook)),
        ("settings/webhooks", id(&webhook)),
        ("duplicates", cluster.to_string()),
        ("duplicate-scans", id(&scan)),
        ("users", rep_id.to_string()),
        ("fields", id(&field)),
        ("settings/fields", id(&field)),
        (
            "quality/check-runs",
            check["run_id"].as_i64().unwrap().to_string(),
        ),
        ("quality/revalidations", revalidation.to_string()),
        ("countries", "AU".to_owned()),
        ("f", form["key"].as_str().unwrap().to_owned()),
        ("static", "app.css".to_owned()),
    ]
}

/// The concrete path for a route: its one path parameter filled with the
/// seeded id of the longest matching prefix, and a query where the route
/// needs one to show anything.
fn concrete(template: &str, ids: &[(&str, String)], pool: i64, other: i64) -> Option<String> {
    let path = match template.find('{') {
        None => template.to_owned(),
        Some(open) => {
            let close = template[open..].find('}')? + open;
            let id = id_for(ids, template)?;
            format!("{}{id}{}", &template[..open], &template[close + 1..])
        }
    };
    let query = match template {
        "/api/v1/customers" | "/customers" => "?q=公海".to_owned(),
        "/api/v1/customers/lookup" => "?mobile=13711110002".to_owned(),
        "/api/v1/merges/plan" => format!("?ids={pool},{other}"),
        "/settings/privacy/confirm" => format!("?type=customer&id={pool}"),
        "/imports/map" => {
            let file = ids.iter().find(|(p, _)| *p == "imports/files")?;
            format!("?file={}", file.1)
        }
        _ => String::new(),
    };
    Some(format!("{path}{query}"))
}

/// Routes that echo what the caller typed (its own import, a lookup).
fn echoes(template: &str) -> bool {
    template.starts_with("/api/v1/imports")
        || template.starts_with("/imports")
        || template == "/api/v1/customers/lookup"
}

#[tokio::test]
async fn no_route_or_page_shows_a_viewer_or_a_rep_a_value_they_may_only_see_masked() {
    let app = TestApp::spawn().await;
    let team = app.team("销售一组").await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", Some(team)).await;
    let (_, viewer) = app.user("viewer@example.com", "viewer", Some(team)).await;
    let ids = seed(&app, &rep, rep_id).await;
    let pool: i64 = ids[0].1.parse().unwrap();
    let other: i64 = ids
        .iter()
        .find(|(p, _)| *p == "duplicate pair")
        .unwrap()
        .1
        .parse()
        .unwrap();

    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut api = BTreeSet::new();
    get_routes(&src.join("api"), "/api/v1", &mut api);
    let mut pages = BTreeSet::new();
    get_routes(&src.join("pages"), "", &mut pages);
    assert!(api.len() > 60 && pages.len() > 30, "{api:?} {pages:?}");

    let reps_browser = Browser::login(&app, "rep@example.com").await;
    let viewers_browser = Browser::login(&app, "viewer@example.com").await;
    let users = [
        (
            "viewer",
            &viewer,
            &viewers_browser,
            [POOL_SECRETS, OWN_SECRETS].concat(),
        ),
        ("rep", &rep, &reps_browser, POOL_SECRETS.to_vec()),
    ];

    let mut unwalked = Vec::new();
    let mut shown = BTreeMap::new();
    let mut walked = 0;
    for template in api.iter().chain(&pages) {
        let Some(path) = concrete(template, &ids, pool, other) else {
            unwalked.push(template.clone());
            continue;
        };
        for (who, token, browser, secrets) in &users {
            let (status, text) = if template.starts_with("/api/") {
                let r = app.request(Method::GET, &path, token).send().await.unwrap();
                (r.status(), r.text().await.unwrap())
            } else {
                let page = browser.get(&path).await;
                (page.status, page.html)
            };
            walked += 1;
            if status.is_server_error() {
                shown.insert(format!("{who} GET {path}"), format!("{status}: {text}"));
            }
            for secret in secrets {
                if echoes(template) && TYPED.contains(secret) {
                    continue;
                }
                if let Some(form) = forms(secret).into_iter().find(|f| text.contains(f)) {
                    shown.insert(
                        format!("{who} GET {path} ({status})"),
                        format!("shows {form}"),
                    );
                }
            }
        }
    }
    assert!(
        unwalked.is_empty(),
        "routes with no seeded id: {unwalked:?}"
    );
    assert!(walked > 200, "only {walked} fetches");
    assert!(
        shown.is_empty(),
        "full values shown:\n{}",
        shown
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    // The walk sees what it should: the pool record, masked, on its page
    // and in the API, and the rep's own number in full to the rep.
    let page = reps_browser.get(&format!("/customers/{pool}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("137****0002"), "{}", page.html);
    let own = body(app.get("/api/v1/customers?q=甲方客户", &rep).await).await;
    assert_eq!(own["items"][0]["mobile"], "13722220001", "{own}");
    let seen = body(app.get(&format!("/api/v1/customers/{pool}"), &viewer).await).await;
    assert_eq!(seen["mobile"], "137****0002", "{seen}");
    let id_of = |prefix: &str| &ids.iter().find(|(p, _)| *p == prefix).unwrap().1;
    for (browser, path) in [
        (
            &reps_browser,
            format!("/opportunities/{}", id_of("opportunities")),
        ),
        (&reps_browser, format!("/orders/{}", id_of("orders"))),
        (&viewers_browser, format!("/leads/{}", id_of("leads"))),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.html.contains("公海"), "{path}: {}", page.html);
    }
}
