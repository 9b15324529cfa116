//! Data quality over HTTP: the rules (administrators change them and get
//! the records that now break them), a customer's completeness, the audit
//! report with its kept runs and downloads, and the report page.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, field_errors, TestApp};
use crate::pages::Browser;

#[tokio::test]
async fn an_admin_makes_a_field_required_and_sees_exactly_the_records_that_now_break_it() {
    let app = TestApp::spawn().await;
    let with = app
        .customer(&app.admin, json!({"kind": "company", "name": "甲公司", "mobile": "13812345678", "uscc": "91350100M000100Y43"}))
        .await;
    let without = app
        .customer(
            &app.admin,
            json!({"kind": "company", "name": "乙公司", "mobile": "13812345679"}),
        )
        .await;
    let rules = body(app.get("/api/v1/quality/rules", &app.admin).await).await;
    assert_eq!(rules["stale_days"], 180);
    let mut company = rules["company"].as_array().unwrap().clone();
    let uscc = company
        .iter_mut()
        .find(|r| r["fields"] == json!(["uscc"]))
        .unwrap();
    uscc["level"] = json!("required");

    let r = app
        .patch(
            "/api/v1/quality/rules",
            &app.admin,
            json!({"company": company, "stale_days": 90}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let changed = body(r).await;
    assert_eq!(changed["rules"]["stale_days"], 90);
    assert_eq!(changed["revalidation"]["failing"], 1);
    let id = changed["revalidation"]["id"].as_i64().unwrap();
    let listed = body(
        app.get(
            &format!("/api/v1/quality/revalidations/{id}/failures"),
            &app.admin,
        )
        .await,
    )
    .await;
    assert_eq!(
        listed,
        json!([{"entity": "customer", "record_id": without["id"], "field": "uscc", "code": "required"}])
    );
    let csv = app
        .get(
            &format!("/api/v1/quality/revalidations/{id}/failures?format=csv"),
            &app.admin,
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(
        csv.contains(&format!(",{},uscc,required", without["id"])),
        "{csv}"
    );
    // Listed, not changed.
    let after = body(
        app.get(&format!("/api/v1/customers/{}", without["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(after["version"], without["version"]);
    let q = body(
        app.get(
            &format!("/api/v1/customers/{}/quality", with["id"]),
            &app.admin,
        )
        .await,
    )
    .await;
    assert_eq!(q["score"], 50);
    assert_eq!(q["missing_required"], json!([]));
}

#[tokio::test]
async fn bad_rules_are_refused_by_field_and_only_admins_may_change_them() {
    let app = TestApp::spawn().await;
    let r = app
        .patch(
            "/api/v1/quality/rules",
            &app.admin,
            json!({"contact": [{"fields": ["shoe_size"], "level": "required", "weight": 5}], "stale_days": 0, "colour": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        vec![("colour".to_owned(), "unknown_field".to_owned())]
    );
    let r = app
        .patch(
            "/api/v1/quality/rules",
            &app.admin,
            json!({"contact": [{"fields": ["shoe_size"], "level": "required", "weight": 5}], "stale_days": 0}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        vec![
            ("contact[0].fields".to_owned(), "unknown_field".to_owned()),
            ("stale_days".to_owned(), "below_min".to_owned()),
        ]
    );
    let rules = body(app.get("/api/v1/quality/rules", &app.admin).await).await;
    assert_eq!(
        rules["stale_days"], 180,
        "a refused change changed something"
    );

    let (_, manager) = app.user("boss@example.com", "manager", None).await;
    let r = app
        .patch("/api/v1/quality/rules", &manager, json!({"stale_days": 30}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_check_run_is_kept_listed_and_downloadable_and_refused_to_reps() {
    let app = TestApp::spawn().await;
    app.customer(&app.admin, json!({"name": "张三"})).await;
    app.customer(
        &app.admin,
        json!({"name": "李四", "mobile": "13800000001", "email": "l@example.com"}),
    )
    .await;
    let r = app
        .post("/api/v1/quality/check", &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let report = body(r).await;
    assert_eq!(report["customers"]["records"], 2);
    assert_eq!(report["customers"]["invalid"], 1);
    // 张三 20, 李四 60.
    assert_eq!(report["customers"]["distribution"], json!([0, 1, 0, 1, 0]));
    let id = report["run_id"].as_i64().unwrap();

    let runs = body(app.get("/api/v1/quality/check-runs", &app.admin).await).await;
    assert_eq!(runs[0]["id"], id);
    assert_eq!(runs[0]["invalid"], 1);

    let csv = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/quality/check-runs/{id}?format=csv"),
            &app.admin,
        )
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "CSV without a BOM");
    assert!(text.contains("Customers,2,1,"), "{text}");
    let xlsx = app
        .get(
            &format!("/api/v1/quality/check-runs/{id}?format=xlsx"),
            &app.admin,
        )
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let bad = app
        .get(
            &format!("/api/v1/quality/check-runs/{id}?format=pdf"),
            &app.admin,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app.post("/api/v1/quality/check", &rep, json!({})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.get("/api/v1/quality/check-runs", &rep).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_report_page_shows_a_manager_the_figures_and_refuses_a_rep() {
    let app = TestApp::spawn().await;
    let team = app.team("华东").await;
    app.user("boss@example.com", "manager", Some(team)).await;
    app.user("rep@example.com", "sales", Some(team)).await;
    app.customer(&app.admin, json!({"name": "张三", "owner_id": null}))
        .await;

    let boss = Browser::login(&app, "boss@example.com").await;
    let empty = boss.get("/quality").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.html.contains("id=\"no-runs\""));
    assert!(
        empty.html.contains("href=\"/quality\""),
        "no link in the navigation"
    );
    let ran = boss.post("/quality/check", &[]).await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER);
    let location = ran.location.unwrap();
    assert!(location.starts_with("/quality?run="), "{location}");
    let page = boss.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("id=\"owners\""));
    assert!(page.html.contains("<svg id=\"distribution-chart\""));
    // The pool customer the manager sees: one record, invalid (no phone).
    assert!(
        page.html.contains("<th scope=\"row\">客户</th><td>1</td>")
            || page
                .html
                .contains("<th scope=\"row\">Customers</th><td>1</td>")
    );

    // A re-validation a rule change left, paged on its own page.
    let r = app
        .patch(
            "/api/v1/quality/rules",
            &app.admin,
            json!({"individual": [{"fields": ["email"], "level": "required", "weight": 1}]}),
        )
        .await;
    let reval = body(r).await["revalidation"]["id"].as_i64().unwrap();
    // It lists records of every team: administrators only.
    assert_eq!(
        boss.get(&format!("/quality/revalidations/{reval}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let admin = Browser::login(&app, "admin@example.com").await;
    let listed = admin.get(&format!("/quality/revalidations/{reval}")).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        listed.html.contains("href=\"/customers/"),
        "the failing pool record is not linked"
    );

    let rep = Browser::login(&app, "rep@example.com").await;
    assert_eq!(rep.get("/quality").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        rep.get(&format!("/quality/revalidations/{reval}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(!rep.get("/tasks").await.html.contains("href=\"/quality\""));
}

#[tokio::test]
async fn an_admin_edits_the_rules_in_settings_and_is_led_to_the_records_that_now_fail() {
    let app = TestApp::spawn().await;
    app.customer(
        &app.admin,
        json!({"kind": "company", "name": "乙公司", "mobile": "13812345679"}),
    )
    .await;
    let admin = Browser::login(&app, "admin@example.com").await;
    let form = admin.get("/settings/quality").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form
        .html
        .contains("name=\"company.fields\" value=\"mobile|phone\""));

    let bad = admin
        .post(
            "/settings/quality",
            &[
                ("company.fields", "name"),
                ("company.level", "required"),
                ("company.weight", "x"),
                ("stale_days", "90"),
                ("incomplete_below", "60"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rules = body(app.get("/api/v1/quality/rules", &app.admin).await).await;
    assert_eq!(rules["stale_days"], 180, "a refused form changed the rules");

    let saved = admin
        .post(
            "/settings/quality",
            &[
                ("company.fields", "name"),
                ("company.level", "required"),
                ("company.weight", "50"),
                ("company.fields", "uscc"),
                ("company.level", "required"),
                ("company.weight", "50"),
                ("company.fields", ""),
                ("company.level", "recommended"),
                ("company.weight", ""),
                ("individual.fields", "name"),
                ("individual.level", "required"),
                ("individual.weight", "100"),
                ("stale_days", "90"),
                ("incomplete_below", "60"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let location = saved.location.unwrap();
    assert!(location.contains("flash=rules_saved&n=1"), "{location}");
    let rules = body(app.get("/api/v1/quality/rules", &app.admin).await).await;
    assert_eq!(rules["stale_days"], 90);
    assert_eq!(rules["company"].as_array().unwrap().len(), 2);
    assert_eq!(rules["contact"], json!([]));
    let listed = admin.get(&location).await;
    assert!(listed.html.contains("uscc"));
    assert!(
        listed
            .html
            .contains("Rules saved: 1 records break the new rules")
            || listed.html.contains("规则已保存：1 条记录不符合新规则"),
        "the saved rules are confirmed on the page they lead to"
    );

    app.user("rep@example.com", "sales", None).await;
    let rep = Browser::login(&app, "rep@example.com").await;
    assert_eq!(
        rep.get("/settings/quality").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_daily_maintenance_gives_stale_records_of_owners_a_verification_task() {
    let app = TestApp::spawn().await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", None).await;
    let c = app.customer(&rep, json!({"name": "老客户"})).await;
    let later = kehu_store::time::Time(kehu_store::now_ms() + 181 * 24 * 3600 * 1000);
    let done = kehu_web::maintenance::run_daily(&app.store, later)
        .await
        .unwrap();
    assert_eq!(done.stale.tasks_created, 1);
    let again = kehu_web::maintenance::run_daily(&app.store, later)
        .await
        .unwrap();
    assert_eq!(again.stale.tasks_created, 0);
    let tasks = body(
        app.get(&format!("/api/v1/customers/{}/tasks", c["id"]), &rep)
            .await,
    )
    .await;
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
    assert_eq!(tasks[0]["assignee_id"], rep_id);
    assert_eq!(tasks[0]["status"], "open");
    assert_eq!(tasks[0]["purpose"], "verify");
    // Marking the record verified completes the task.
    let r = app
        .post(
            &format!("/api/v1/customers/{}/verify", c["id"]),
            &rep,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let tasks = body(
        app.get(&format!("/api/v1/customers/{}/tasks", c["id"]), &rep)
            .await,
    )
    .await;
    assert_eq!(tasks[0]["status"], "done");
}
