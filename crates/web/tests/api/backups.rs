//! Backups as administrators see them: `GET /api/v1/backups` with the last
//! backup's time and result (a failure shown as one), the retention set
//! through the API and the Settings page, and nobody else let in.

use kehu_store::backup::{Origin, Plan};
use kehu_web::maintenance::{backup_daily, DailyBackup};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp};
use crate::pages::Browser;

#[tokio::test]
async fn administrators_see_the_last_backups_time_and_result_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let (_, manager) = app.user("boss@example.com", "manager", None).await;

    let empty = body(app.get("/api/v1/backups", &app.admin).await).await;
    assert_eq!(empty["last"], json!(null));
    assert_eq!(
        empty["settings"],
        json!({"daily": true, "keep_days": 14, "keep_count": 14})
    );
    for token in [&rep, &manager] {
        let r = app.get("/api/v1/backups", token).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.get("/api/v1/backups", "").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The day's backup, as the server's daily loop takes it.
    let dir = tempfile::tempdir().unwrap();
    let daily = DailyBackup {
        plan: Plan {
            url: app.database_url().to_owned(),
            dir: dir.path().to_owned(),
        },
        started_by: "kehu serve@server-a".into(),
    };
    let before = kehu_store::now_ms();
    backup_daily(&app.store, &daily).await;
    let after = kehu_store::now_ms();
    let listed = body(app.get("/api/v1/backups", &app.admin).await).await;
    let last = &listed["last"];
    assert_eq!(last["status"], "ok", "{listed}");
    assert_eq!(last["origin"], "daily");
    assert_eq!(last["started_by"], "kehu serve@server-a");
    let at = last["started_at"].as_i64().unwrap();
    assert!(before <= at && at <= after);
    assert_eq!(last["counts"]["users"], 3);
    assert!(std::path::Path::new(last["file"].as_str().unwrap()).exists());

    // A backup that fails is the last backup, shown as failed with why.
    let taken = dir.path().join("taken.bak");
    std::fs::write(&taken, "x").unwrap();
    let failed = app
        .store
        .backup(app.database_url(), &taken, Origin::Cli, "ops@host")
        .await;
    assert!(failed.is_err());
    let listed = body(app.get("/api/v1/backups", &app.admin).await).await;
    assert_eq!(listed["last"]["status"], "failed");
    assert!(listed["last"]["message"]
        .as_str()
        .unwrap()
        .contains("exists already"));
    assert_eq!(listed["records"].as_array().unwrap().len(), 2);

    // And on the Settings page, for administrators only.
    let admin = Browser::login(&app, "admin@example.com").await;
    let page = admin.get("/settings/backups").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("id=\"last-backup\""));
    assert!(page.html.contains("taken.bak"), "{}", page.html);
    assert!(page.html.contains("kehu serve@server-a"));
    let rep_browser = Browser::login(&app, "rep@example.com").await;
    assert_eq!(
        rep_browser.get("/settings/backups").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn administrators_set_the_retention_through_the_api_and_the_settings_page() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .patch("/api/v1/backups/settings", &rep, json!({"keep_days": 1}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .patch(
            "/api/v1/backups/settings",
            &app.admin,
            json!({"keep_count": 0}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .patch(
            "/api/v1/backups/settings",
            &app.admin,
            json!({"keep_days": 7, "daily": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        body(r).await,
        json!({"daily": false, "keep_days": 7, "keep_count": 14})
    );
    let listed = body(app.get("/api/v1/backups", &app.admin).await).await;
    assert_eq!(listed["settings"]["keep_days"], 7);

    let admin = Browser::login(&app, "admin@example.com").await;
    let refused = admin
        .post(
            "/settings/backups",
            &[("daily", "1"), ("keep_days", "x"), ("keep_count", "3")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let saved = admin
        .post(
            "/settings/backups",
            &[("daily", "1"), ("keep_days", "30"), ("keep_count", "3")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let settings = app.store.backup_settings().await.unwrap();
    assert_eq!(
        (settings.daily, settings.keep_days, settings.keep_count),
        (true, 30, 3)
    );

    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    assert!(doc["paths"]["/api/v1/backups"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/backups/settings"]["patch"].is_object());
}
