use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp};

#[tokio::test]
async fn a_customer_is_created_read_updated_deleted_and_restored() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(
            &app.admin,
            json!({
                "name": "张三", "kind": "individual", "company": "北京某某科技有限公司",
                "mobile": "+86 138-1234-5678", "email": "Zhang.San@Example.COM",
                "province": "广东", "stage": "prospect", "tags": ["VIP", "展会"],
            }),
        )
        .await;
    assert_eq!(c["mobile"], "13812345678");
    assert_eq!(c["email"], "Zhang.San@example.com");
    assert_eq!(c["province"], "广东省");
    assert_eq!(c["tags"], json!(["VIP", "展会"]));
    assert_eq!(c["version"], 1);
    let id = c["id"].as_i64().unwrap();

    let got = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(got["name"], "张三");

    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"title": "采购总监", "version": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let updated = body(r).await;
    assert_eq!(updated["title"], "采购总监");
    assert_eq!(updated["version"], 2);

    // A write based on an old version is refused and changes nothing.
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"title": "CEO", "version": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let got = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(got["title"], "采购总监");

    let r = app
        .delete(&format!("/api/v1/customers/{id}"), &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .get(&format!("/api/v1/customers/{id}"), &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = app
        .post(
            &format!("/api/v1/customers/{id}/restore"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["title"], "采购总监");
}

#[tokio::test]
async fn every_change_writes_field_history_with_old_and_new_values() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(&app.admin, json!({"name": "李四", "mobile": "13900001111"}))
        .await;
    let id = c["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/customers/{id}"),
        &app.admin,
        json!({"mobile": "139 0000 2222", "stage": "customer", "tags": ["老客户"]}),
    )
    .await;
    let history = body(
        app.get(&format!("/api/v1/customers/{id}/history"), &app.admin)
            .await,
    )
    .await;
    let rows = history.as_array().unwrap();
    let find = |field: &str| rows.iter().find(|r| r["field"] == field).cloned();
    let mobile = find("mobile").expect("mobile change recorded");
    assert_eq!(mobile["old_value"], "13900001111");
    assert_eq!(mobile["new_value"], "13900002222");
    assert_eq!(mobile["source"], "api");
    assert!(mobile["actor_id"].as_i64().is_some());
    assert_eq!(find("stage").unwrap()["old_value"], "lead");
    assert_eq!(find("tags").unwrap()["new_value"], "老客户");
    assert!(find("created").is_some());

    // Setting a field to the value it has is not a change.
    let before = rows.len();
    app.patch(
        &format!("/api/v1/customers/{id}"),
        &app.admin,
        json!({"stage": "customer"}),
    )
    .await;
    let again = body(
        app.get(&format!("/api/v1/customers/{id}/history"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(again.as_array().unwrap().len(), before);
}

#[tokio::test]
async fn verifying_a_customer_stamps_who_and_when() {
    let app = TestApp::spawn().await;
    let c = app.customer(&app.admin, json!({"name": "王五"})).await;
    assert!(c["verified_at"].is_null());
    let id = c["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/customers/{id}/verify"),
            &app.admin,
            json!({}),
        )
        .await;
    let v = body(r).await;
    assert!(v["verified_at"].as_str().unwrap().ends_with('Z'));
    assert!(v["verified_by"].as_i64().is_some());
}

#[tokio::test]
async fn customers_can_be_looked_up_by_exact_mobile_or_email() {
    let app = TestApp::spawn().await;
    app.customer(
        &app.admin,
        json!({"name": "赵六", "mobile": "13712345678", "email": "zl@example.com"}),
    )
    .await;
    let r = app
        .get("/api/v1/customers/lookup?mobile=137-1234-5678", &app.admin)
        .await;
    assert_eq!(body(r).await["name"], "赵六");
    let r = app
        .get("/api/v1/customers/lookup?email=ZL@EXAMPLE.COM", &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .get("/api/v1/customers/lookup?mobile=13700000000", &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn custom_fields_are_checked_by_their_definition_and_unique_ones_stay_unique() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/fields",
            &app.admin,
            json!({
                "key": "member_no", "label_zh": "会员号", "label_en": "Member no.",
                "kind": {"type": "text"}, "rules": {"unique": true, "pattern": "M\\d{6}"},
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body(r).await);
    app.post(
        "/api/v1/fields",
        &app.admin,
        json!({"key": "level", "label_zh": "等级", "label_en": "Level",
               "kind": {"type": "select", "options": ["A", "B"]}}),
    )
    .await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "甲", "custom": {"member_no": "M000001", "level": "A"}}),
        )
        .await;
    assert_eq!(c["custom"]["member_no"], "M000001");

    let r = app
        .post(
            "/api/v1/customers",
            &app.admin,
            json!({"name": "乙", "custom": {"member_no": "M000001"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        crate::helpers::field_errors(&body(r).await),
        [("custom.member_no".into(), "not_unique".into())]
    );

    let r = app
        .post(
            "/api/v1/customers",
            &app.admin,
            json!({"name": "丙", "custom": {"member_no": "X1", "level": "C", "nope": 1}}),
        )
        .await;
    let errors = crate::helpers::field_errors(&body(r).await);
    assert_eq!(
        errors,
        [
            ("custom.level".into(), "not_an_option".into()),
            ("custom.member_no".into(), "pattern_mismatch".into()),
            ("custom.nope".into(), "unknown_field".into()),
        ]
    );
    assert_eq!(app.customer_count().await, 1);
}

#[tokio::test]
async fn changing_only_tags_bumps_the_version() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(&app.admin, json!({"name": "张三", "tags": ["b", "A"]}))
        .await;
    let id = c["id"].as_i64().unwrap();
    let same = body(
        app.patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"tags": ["A", "b"]}),
        )
        .await,
    )
    .await;
    assert_eq!(same["version"], c["version"]);
    let changed = body(
        app.patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"tags": ["A"]}),
        )
        .await,
    )
    .await;
    assert_eq!(changed["version"], c["version"].as_i64().unwrap() + 1);
}
