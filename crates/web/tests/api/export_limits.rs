//! How much personal data one user takes out in an hour is limited and
//! visible: exports and downloads (rejected rows included) are written to
//! the access log, the one beyond the administrator's limit is refused
//! with 429, and administrators see who took how much.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp};

#[tokio::test]
async fn exports_beyond_the_hourly_limit_are_refused_logged_and_shown_to_administrators() {
    let app = TestApp::spawn().await;
    let (_, manager) = app.user("manager@example.com", "manager", None).await;
    for i in 0..3 {
        app.customer(
            &app.admin,
            json!({"name": format!("客户{i}"), "mobile": format!("1381234567{i}")}),
        )
        .await;
    }
    // Only administrators set the limits; nonsense is refused.
    let r = app
        .patch("/api/v1/export-limits", &manager, json!({"per_hour": 1}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .patch("/api/v1/export-limits", &app.admin, json!({"per_hour": 0}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .patch("/api/v1/export-limits", &app.admin, json!({"per_hour": 2}))
        .await;
    assert_eq!(
        body(r).await,
        json!({"per_hour": 2, "rows_per_hour": 1_000_000, "list_rows_per_hour": 20_000})
    );

    for _ in 0..2 {
        let r = app
            .get("/api/v1/customers/export?format=csv", &app.admin)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = app
        .get("/api/v1/customers/export?format=csv", &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let problem = body(r).await;
    assert_eq!(problem["code"], "export_limit", "{problem}");
    // Another user is not held back by the administrator's exports.
    assert_eq!(
        app.get("/api/v1/customers/export?format=csv", &manager)
            .await
            .status(),
        StatusCode::OK
    );

    let log = body(app.get("/api/v1/access-log", &app.admin).await).await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "export").count(),
        3,
        "{log}"
    );
    assert_eq!(
        log[0]["action"], "export",
        "the manager's export is the newest"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "export_refused").count(),
        1,
        "{log}"
    );

    let volumes = body(
        app.get("/api/v1/access-log/export-volumes", &app.admin)
            .await,
    )
    .await;
    let admin_row = volumes
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["user_name"] == "admin@example.com")
        .unwrap_or_else(|| panic!("{volumes}"));
    assert_eq!(admin_row["last_hour"], 2);
    assert_eq!(admin_row["rows_last_hour"], 6);
    assert_eq!(admin_row["refused"], 1);
    assert_eq!(
        app.get("/api/v1/access-log/export-volumes", &manager)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn downloading_an_imports_rejected_rows_is_written_to_the_access_log() {
    let app = TestApp::spawn().await;
    let r = app
        .request(
            reqwest::Method::POST,
            "/api/v1/imports/files?name=a.csv",
            &app.admin,
        )
        .body("姓名,手机\n张三,13812345678\n李四,12345\n")
        .send()
        .await
        .unwrap();
    let file = body(r).await;
    let r = app
        .post(
            "/api/v1/imports",
            &app.admin,
            json!({"file_id": file["file_id"]}),
        )
        .await;
    let batch = body(r).await["batch_id"].as_i64().unwrap();
    for _ in 0..500 {
        let b = body(
            app.get(&format!("/api/v1/imports/{batch}"), &app.admin)
                .await,
        )
        .await;
        if b["running"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let r = app
        .get(&format!("/api/v1/imports/{batch}/rejected.csv"), &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("12345"));
    let log = body(app.get("/api/v1/access-log", &app.admin).await).await;
    let entry = &log[0];
    assert_eq!(entry["action"], "export", "{log}");
    assert_eq!(entry["entity"], "import_issues");
    assert_eq!(entry["filter"], format!("batch={batch}"));
    assert_eq!(entry["format"], "csv");
    assert_eq!(entry["row_count"], 1);
}

/// Sets how many rows list pages may show a user in an hour.
async fn list_limit(app: &TestApp, rows: i64) {
    let r = app
        .patch(
            "/api/v1/export-limits",
            &app.admin,
            json!({"list_rows_per_hour": rows}),
        )
        .await;
    assert_eq!(body(r).await["list_rows_per_hour"], rows);
}

#[tokio::test]
async fn paging_through_the_customer_list_beyond_the_hourly_limit_is_refused_and_shown() {
    let app = TestApp::spawn().await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", None).await;
    let (_, other) = app.user("other@example.com", "sales", None).await;
    // Signed in before there is anything to list: the sign-in shows the
    // (empty) list.
    let browser = crate::pages::Browser::login(&app, "rep@example.com").await;
    for i in 0..5 {
        app.customer(&rep, json!({"name": format!("客户{i}")}))
            .await;
    }
    list_limit(&app, 3).await;

    // Two pages of two: four rows shown, past the limit with the page that
    // crossed it; the next page is refused, by the API and the list page.
    let first = body(app.get("/api/v1/customers?limit=2", &rep).await).await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let r = app
        .get(&format!("/api/v1/customers?limit=2&cursor={cursor}"), &rep)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.get("/api/v1/customers?limit=2", &rep).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body(r).await["code"], "list_limit");
    let page = browser.get("/customers").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        page.html.contains("翻阅的客户列表行数已达上限"),
        "{}",
        page.html
    );
    // Another user pages on.
    assert_eq!(
        app.get("/api/v1/customers?limit=2", &other).await.status(),
        StatusCode::OK
    );

    // Administrators see who paged how much, and the refusal.
    let volumes = body(
        app.get("/api/v1/access-log/export-volumes", &app.admin)
            .await,
    )
    .await;
    let mine = volumes
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["user_id"] == rep_id)
        .unwrap_or_else(|| panic!("{volumes}"));
    assert_eq!(mine["listed_last_hour"], 4, "{mine}");
    assert_eq!(mine["refused"], 1, "{mine}");
}

#[tokio::test]
async fn the_leads_list_counts_against_the_same_hourly_list_limit() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/leads",
                &app.admin,
                json!({"name": format!("线索{i}"), "mobile": format!("1370000000{i}"), "assign": "pool"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    list_limit(&app, 3).await;
    let first = body(app.get("/api/v1/leads?pool=true", &rep).await).await;
    assert_eq!(first["leads"].as_array().unwrap().len(), 3, "{first}");
    let r = app.get("/api/v1/leads?pool=true", &rep).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body(r).await["code"], "list_limit");
    // The customer list shares the budget.
    let r = app.get("/api/v1/customers", &rep).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}
