//! Personal-data rights over HTTP: only administrators export or erase; an
//! export is a ZIP holding the person; an erasure answers what it erased,
//! leaves the record unreachable and the log without the person's values;
//! the retention set over the API is applied by the daily maintenance.

use std::io::Read;

use kehu_store::time::Time;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{body, field_errors, TestApp};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn request(kind: &str, id: i64) -> Value {
    json!({"kind": kind, "subject_type": "customer", "subject_id": id})
}

#[tokio::test]
async fn a_sales_rep_can_neither_export_nor_erase_and_an_administrator_can() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let c = app
        .customer(
            &rep,
            json!({"name": "宋青书", "mobile": "13812340000", "email": "qingshu@example.com"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();

    for kind in ["export", "erasure"] {
        let r = app
            .post("/api/v1/privacy/requests", &rep, request(kind, id))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{kind}");
    }
    assert_eq!(
        app.get("/api/v1/privacy/requests", &rep).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .send(
            Method::PUT,
            "/api/v1/privacy/settings",
            &rep,
            Some(json!({"retention_days": 1})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mine = body(app.get(&format!("/api/v1/customers/{id}"), &rep).await).await;
    assert_eq!(mine["name"], "宋青书", "the rep's customer is untouched");

    let r = app
        .post(
            "/api/v1/privacy/requests",
            &app.admin,
            request("export", id),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut customers = String::new();
    zip.by_name("customers.json")
        .unwrap()
        .read_to_string(&mut customers)
        .unwrap();
    let customers: Vec<Value> = serde_json::from_str(&customers).unwrap();
    assert_eq!(customers[0]["mobile"], "13812340000");

    let r = app
        .post(
            "/api/v1/privacy/requests",
            &app.admin,
            request("erasure", id),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let erased = body(r).await;
    assert_eq!(erased["counts"]["customers"], 1, "{erased}");
    assert_eq!(
        app.get(&format!("/api/v1/customers/{id}"), &rep)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    for value in ["宋青书", "13812340000", "qingshu@example.com"] {
        assert_eq!(
            app.store.find_anywhere(value).await.unwrap(),
            Vec::<String>::new(),
            "{value}"
        );
    }

    let log = body(app.get("/api/v1/privacy/requests", &app.admin).await).await;
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["erasure", "export"], "newest first");
    assert!(!log.to_string().contains("宋青书"));

    let r = app
        .post(
            "/api/v1/privacy/requests",
            &app.admin,
            request("export", 999_999),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app
        .post(
            "/api/v1/privacy/requests",
            &app.admin,
            json!({"kind": "forget", "subject_type": "user"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        [
            ("kind".to_owned(), "invalid_choice".to_owned()),
            ("subject_id".to_owned(), "required".to_owned()),
            ("subject_type".to_owned(), "invalid_choice".to_owned()),
        ]
    );
}

#[tokio::test]
async fn the_retention_set_by_an_administrator_is_applied_by_the_daily_maintenance() {
    let app = TestApp::spawn().await;
    let r = app
        .send(
            Method::PUT,
            "/api/v1/privacy/settings",
            &app.admin,
            Some(json!({"retention_days": 0})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .send(
            Method::PUT,
            "/api/v1/privacy/settings",
            &app.admin,
            Some(json!({"retention_days": 30})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        body(app.get("/api/v1/privacy/settings", &app.admin).await).await["retention_days"],
        30
    );

    let c = app
        .customer(
            &app.admin,
            json!({"name": "纪晓芙", "mobile": "13822223333"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/customers/{id}"), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let soon = kehu_web::maintenance::run_daily(&app.store, Time(Time::now().0 + 10 * DAY_MS))
        .await
        .unwrap();
    assert_eq!(soon.retention.customers, 0);
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/restore"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "still restorable within the retention"
    );
    assert_eq!(
        app.delete(&format!("/api/v1/customers/{id}"), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let later = kehu_web::maintenance::run_daily(&app.store, Time(Time::now().0 + 31 * DAY_MS))
        .await
        .unwrap();
    assert_eq!(later.retention.customers, 1);
    assert!(app.store.find_anywhere("纪晓芙").await.unwrap().is_empty());
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/restore"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "an erased record cannot come back"
    );
    let log = body(app.get("/api/v1/privacy/requests", &app.admin).await).await;
    assert_eq!(log[0]["reason"], "retention");
}

#[tokio::test]
async fn the_settings_page_names_the_person_asks_to_confirm_and_only_then_erases() {
    use crate::pages::Browser;
    let app = TestApp::spawn().await;
    app.user("rep@example.com", "sales", None).await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "殷梨亭", "mobile": "13866667777"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap().to_string();

    let rep = Browser::login(&app, "rep@example.com").await;
    assert_eq!(
        rep.get("/settings/privacy").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = rep
        .post(
            "/settings/privacy/erase",
            &[("type", "customer"), ("id", &id), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let admin = Browser::login(&app, "admin@example.com").await;
    let page = admin.get("/settings/privacy").await;
    assert_eq!(page.status, StatusCode::OK);
    let confirm = admin
        .get(&format!("/settings/privacy/confirm?type=customer&id={id}"))
        .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.html.contains("殷梨亭"),
        "the confirmation names whom it erases"
    );

    let unconfirmed = admin
        .post(
            "/settings/privacy/erase",
            &[("type", "customer"), ("id", &id)],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !app.store.find_anywhere("殷梨亭").await.unwrap().is_empty(),
        "nothing erased unconfirmed"
    );

    let export = admin
        .post(
            "/settings/privacy/export",
            &[("type", "customer"), ("id", &id)],
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(export.html.starts_with("PK"), "a ZIP");

    let done = admin
        .post(
            "/settings/privacy/erase",
            &[("type", "customer"), ("id", &id), ("confirm", "yes")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(app.store.find_anywhere("殷梨亭").await.unwrap().is_empty());
    assert!(app
        .store
        .find_anywhere("13866667777")
        .await
        .unwrap()
        .is_empty());
    let log = admin.get("/settings/privacy").await;
    assert!(
        log.html.contains("erasure") && log.html.contains("export"),
        "both requests listed"
    );
}
