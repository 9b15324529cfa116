//! The browser pages over HTTP, continued: settings, labels on every
//! control, the live check, contacts, the edit form, bulk owner changes
//! and one's own password (pages.rs has sign-in, policy, escaping, entry,
//! masking, bulk assignment, follow-ups and the language switch).

use crate::helpers::{body, TestApp, PASSWORD};
use crate::pages::{attr_after, client, Browser};
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn settings_are_for_administrators_and_a_new_field_joins_the_form() {
    let app = TestApp::spawn().await;
    app.user("rep@example.com", "sales", None).await;
    let rep = Browser::login(&app, "rep@example.com").await;
    for path in ["/settings/fields", "/settings/users", "/settings/teams"] {
        assert_eq!(rep.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(!rep
        .get("/customers")
        .await
        .html
        .contains(r#"href="/settings""#));
    let admin = Browser::login(&app, "admin@example.com").await;
    let bad = admin
        .post(
            "/settings/fields",
            &[
                ("key", "Level"),
                ("label_zh", "等级"),
                ("label_en", "Level"),
                ("type", "select"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = admin
        .post(
            "/settings/fields",
            &[
                ("key", "level"),
                ("label_zh", "客户等级"),
                ("label_en", "Level"),
                ("type", "select"),
                ("options", "A\nB\nC"),
                ("required", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let form = admin.get("/customers/new").await;
    assert!(
        form.html
            .contains(r#"<label for="f-custom-level">客户等级"#),
        "{}",
        form.html
    );
    // The rule holds on entry.
    let page = admin.post("/customers/new", &[("name", "周八")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page
        .html
        .contains(r#"data-error-for="custom.level" aria-live="polite">必填</p>"#));
    let page = admin
        .post("/customers/new", &[("name", "周八"), ("custom.level", "B")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // Adding a user without a password shows a generated one once.
    let page = admin
        .post(
            "/settings/users",
            &[("email", "new@example.com"), ("role", "service")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let password = attr_after(&page.html, "new@example.com: <code>")
        .map(|s| s.split('<').next().unwrap().to_owned());
    let password = password.expect("the generated password is shown");
    let r = client()
        .post(format!("{}/login", app.base))
        .form(&[
            ("email", "new@example.com"),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_control_on_every_page_has_a_label() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let c = app.customer(&app.admin, json!({"name": "吴九"})).await;
    let order = crate::helpers::body(
        app.post(
            "/api/v1/orders",
            &app.admin,
            json!({"customer_id": c["id"], "lines": [{"name": "X", "quantity": 1, "unit_price": "10"}]}),
        )
        .await,
    )
    .await;
    let opportunity = crate::helpers::body(
        app.post(
            "/api/v1/opportunities",
            &app.admin,
            json!({"customer_id": c["id"], "name": "X", "amount": "10"}),
        )
        .await,
    )
    .await;
    b.post(
        &format!("/customers/{}/follow-up", c["id"]),
        &[
            ("channel", "call"),
            ("content", "x"),
            ("next_step", "y"),
            ("next_step_at", "2030-01-01"),
        ],
    )
    .await;
    // A webhook with a delivery waiting (to the discard port of this
    // machine; nothing sends it here), for the endpoint page's controls.
    app.post(
        "/api/v1/webhook-allowed-hosts",
        &app.admin,
        json!({"host": "127.0.0.1"}),
    )
    .await;
    let hook = crate::helpers::body(
        app.post(
            "/api/v1/webhooks",
            &app.admin,
            json!({"url": "http://127.0.0.1:9/hook", "events": ["customer.created"]}),
        )
        .await,
    )
    .await;
    app.customer(&app.admin, json!({"name": "郑十"})).await;
    for path in [
        "/customers".to_owned(),
        "/customers/new".to_owned(),
        format!("/customers/{}", c["id"]),
        format!("/customers/{}/edit", c["id"]),
        "/tasks".to_owned(),
        "/duplicates".to_owned(),
        "/products".to_owned(),
        "/orders".to_owned(),
        "/opportunities".to_owned(),
        "/leads".to_owned(),
        "/leads?pool=1".to_owned(),
        "/leads/new".to_owned(),
        "/settings/leads".to_owned(),
        "/settings/pipelines".to_owned(),
        "/opportunities/list".to_owned(),
        "/opportunities/forecast".to_owned(),
        format!("/opportunities/new?customer_id={}", c["id"]),
        format!("/opportunities/{}", opportunity["id"]),
        format!("/opportunities/{}/edit", opportunity["id"]),
        format!("/orders/new?customer_id={}", c["id"]),
        "/orders/new?q=x".to_owned(),
        format!("/orders/{}", order["id"]),
        "/settings/fields".to_owned(),
        "/settings/users".to_owned(),
        "/settings/teams".to_owned(),
        "/settings/webhooks".to_owned(),
        format!("/settings/webhooks/{}", hook["id"]),
        "/account".to_owned(),
    ] {
        let page = b.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.html.contains("<title>"), "{path}");
        for tag in ["<input", "<select", "<textarea"] {
            for part in page.html.split(tag).skip(1) {
                let element = &part[..part.find('>').unwrap()];
                if element.contains(r#"type="hidden""#) {
                    continue;
                }
                let labelled = element.contains("aria-label=")
                    || attr_after(element, "id=\"")
                        .is_some_and(|id| page.html.contains(&format!("for=\"{id}\"")))
                    || page.html[..page.html.find(element).unwrap()]
                        .rsplit("<label")
                        .next()
                        .is_some_and(|before| !before.contains("</label>"));
                assert!(labelled, "{path}: {tag}{element}> has no label");
            }
        }
    }
}

#[tokio::test]
async fn the_live_check_answers_with_the_apis_messages_and_duplicates() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    app.customer(
        &app.admin,
        json!({"name": "郑十", "email": "zheng@example.com"}),
    )
    .await;
    let r = b
        .client
        .post(format!("{}/api/v1/customers/check", app.base))
        .header(COOKIE, &b.cookie)
        .header(ORIGIN, &app.base)
        .header(CONTENT_TYPE, "application/json")
        .header("Accept-Language", "en")
        .body(json!({"name": "郑", "mobile": "123", "email": "ZHENG@example.com"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let result: serde_json::Value = r.json().await.unwrap();
    assert_eq!(result["errors"][0]["field"], "mobile", "{result}");
    assert_eq!(
        result["duplicates"][0]["reasons"],
        json!(["email"]),
        "{result}"
    );
}

#[tokio::test]
async fn a_contact_is_added_from_the_customer_page() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "北京云帆科技有限公司", "kind": "company"}),
        )
        .await;
    let path = format!("/customers/{}", c["id"]);
    let page = b
        .post(
            &format!("{path}/contacts"),
            &[("name", "李娜"), ("mobile", "1381234")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html.contains(r#"value="李娜""#),
        "what was typed stays"
    );
    assert!(page.html.contains("<details open>"));
    let contacts = body(
        app.get(
            &format!("/api/v1/customers/{}/contacts", c["id"]),
            &app.admin,
        )
        .await,
    )
    .await;
    assert_eq!(contacts, json!([]));
    let page = b
        .post(
            &format!("{path}/contacts"),
            &[
                ("name", "李娜"),
                ("mobile", "13812345678"),
                ("title", "采购经理"),
                ("is_primary", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await;
    assert!(page.html.contains("<strong>李娜</strong>"));
    assert!(page.html.contains("13812345678"));
    // The form's country is the customer's until another is chosen; a
    // contact abroad has her number read by her country's plan.
    assert!(
        page.html.contains(r#"<option value="CN" selected>"#),
        "the customer's country chosen"
    );
    let added = b
        .post(
            &format!("{path}/contacts"),
            &[
                ("country", "AU"),
                ("name", "Olivia Smith"),
                ("mobile", "0414 089 598"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let contacts = body(
        app.get(
            &format!("/api/v1/customers/{}/contacts", c["id"]),
            &app.admin,
        )
        .await,
    )
    .await;
    let olivia = contacts
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "Olivia Smith")
        .unwrap();
    assert_eq!(
        (olivia["country"].as_str(), olivia["mobile"].as_str()),
        (Some("AU"), Some("+61414089598"))
    );
    let page = b.get(&path).await;
    assert!(
        page.html.contains("澳大利亚"),
        "her country beside her name"
    );
    assert!(
        page.html.contains("0414 089 598"),
        "as people of her country write it"
    );
}

#[tokio::test]
async fn saving_the_edit_form_unchanged_changes_nothing() {
    let app = TestApp::spawn().await;
    for field in [
        json!({"key": "signed", "label_zh": "签约时间", "label_en": "Signed", "kind": {"type": "date_time"}}),
        json!({"key": "budget", "label_zh": "预算", "label_en": "Budget", "kind": {"type": "money"}}),
        json!({"key": "needs", "label_zh": "需求", "label_en": "Needs", "kind": {"type": "multi_select", "options": ["CRM", "ERP"]}}),
    ] {
        assert_eq!(
            app.post("/api/v1/fields", &app.admin, field).await.status(),
            StatusCode::CREATED
        );
    }
    let (gone, _) = app.user("gone@example.com", "sales", None).await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "钱十一", "owner_id": gone, "custom": {
                "signed": "2026-03-01 09:30", "budget": "¥12,000.50", "needs": ["CRM", "ERP"]}}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    let before = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    app.patch(
        &format!("/api/v1/users/{gone}"),
        &app.admin,
        json!({"active": false}),
    )
    .await;

    let b = Browser::login(&app, "admin@example.com").await;
    let page = b.get(&format!("/customers/{id}")).await;
    assert!(
        page.html.contains("2026-03-01 09:30"),
        "China time, not UTC"
    );
    assert!(page.html.contains("12000.50 CNY"));
    let form = b.get(&format!("/customers/{id}/edit")).await;
    assert!(
        form.html.contains(r#"value="2026-03-01T09:30""#),
        "datetime-local value"
    );
    // Submit the form exactly as the browser would: every field as shown.
    let mut fields: Vec<(String, String)> = Vec::new();
    for part in form.html.split("<input").skip(1) {
        let tag = &part[..part.find('>').unwrap()];
        let (Some(name), Some(value)) = (attr_after(tag, "name=\""), attr_after(tag, "value=\""))
        else {
            continue;
        };
        if name != "_csrf" && !tag.contains("type=\"checkbox\"") {
            fields.push((name, value.replace("&#34;", "\"")));
        }
    }
    for part in form.html.split("<select").skip(1) {
        let select = &part[..part.find("</select>").unwrap()];
        let name = attr_after(select, "name=\"").unwrap();
        for option in select.split("<option").skip(1) {
            if option.contains(" selected") {
                fields.push((name.clone(), attr_after(option, "value=\"").unwrap()));
            }
        }
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = b.post(&format!("/customers/{id}/edit"), &pairs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let after = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(after["custom"], before["custom"]);
    assert_eq!(
        after["owner_id"],
        json!(gone),
        "a deactivated owner stays the owner"
    );

    // Nothing chosen in a multiple choice clears it.
    let version = after["version"].to_string();
    let without: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(k, _)| *k != "custom.needs" && *k != "version")
        .chain([("version", version.as_str())])
        .collect();
    let saved = b.post(&format!("/customers/{id}/edit"), &without).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let after = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert!(after["custom"].get("needs").is_none(), "{after}");
}

#[tokio::test]
async fn a_bulk_owner_change_needs_an_owner_chosen_and_viewers_get_no_live_check() {
    let app = TestApp::spawn().await;
    let c = app.customer(&app.admin, json!({"name": "孙十二"})).await;
    let b = Browser::login(&app, "admin@example.com").await;
    let id = c["id"].to_string();
    let page = b
        .post(
            "/customers/bulk",
            &[
                ("scope", "selected"),
                ("ids", &id),
                ("action", "owner"),
                ("owner_id", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let record = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(record["owner_id"], c["owner_id"], "not moved to the pool");

    let (_, viewer) = app.user("viewer@example.com", "viewer", None).await;
    let r = app
        .post(
            "/api/v1/customers/check",
            &viewer,
            json!({"name": "x", "mobile": "13800138000"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Behind a proxy the browser's host comes as X-Forwarded-Host.
    let page = b
        .page(
            b.client
                .post(format!("{}/customers/{id}/verify", app.base))
                .header("Origin", "https://crm.example.com")
                .header("X-Forwarded-Host", "crm.example.com")
                .form(&[("_csrf", b.csrf.as_str())]),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn one_changes_ones_own_password_with_the_current_one() {
    let app = TestApp::spawn().await;
    app.user("rep@example.com", "sales", None).await;
    let b = Browser::login(&app, "rep@example.com").await;
    assert!(b.get("/account").await.html.contains("rep@example.com"));
    let new = "a-new-long-password";
    let page = b
        .post(
            "/account/password",
            &[
                ("current_password", "wrong-password"),
                ("password", new),
                ("password_confirm", "typo"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("密码不正确") && page.html.contains("两次输入不一致"));
    let page = b
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", new),
                ("password_confirm", new),
            ],
        )
        .await;
    assert_eq!(page.location.as_deref(), Some("/login?done=password"));
    // The session that changed it is over too; the new password signs in.
    assert_eq!(b.get("/customers").await.status, StatusCode::SEE_OTHER);
    let r = client()
        .post(format!("{}/login", app.base))
        .form(&[("email", "rep@example.com"), ("password", new)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}
