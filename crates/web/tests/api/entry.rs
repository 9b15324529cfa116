//! Every entry standard refuses bad input with 422, names the field and a
//! stable code, explains in the user's language, and writes nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{body, field_errors, TestApp};

#[tokio::test]
async fn each_entry_standard_refuses_bad_input_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let cases: &[(&str, Value, &str)] = &[
        ("name", json!(""), "required"),
        ("name", json!("名".repeat(201)), "too_long"),
        ("mobile", json!("12812345678"), "invalid_mobile"),
        ("mobile", json!("1381234567"), "invalid_mobile"),
        ("phone", json!("12"), "invalid_phone"),
        ("email", json!("zhang@@example.com"), "invalid_email"),
        ("email", json!("zhang@example"), "invalid_email"),
        ("uscc", json!("91350100M000100Y44"), "uscc_checksum"),
        ("uscc", json!("ABC"), "invalid_uscc"),
        ("province", json!("火星"), "invalid_region"),
        ("postal_code", json!("12345"), "invalid_postal_code"),
        ("website", json!("not a url"), "invalid_url"),
        ("stage", json!("vip"), "invalid_choice"),
        ("kind", json!("robot"), "invalid_choice"),
        ("company_size", json!("huge"), "invalid_choice"),
        ("value_tier", json!("gold"), "invalid_choice"),
        ("owner_id", json!("me"), "wrong_type"),
        ("mobile", json!(["13812345678"]), "wrong_type"),
        ("is_admin", json!(true), "unknown_field"),
        ("password_hash", json!("x"), "unknown_field"),
    ];
    for (field, value, code) in cases {
        let mut object = json!({"name": "张三"});
        object[*field] = value.clone();
        let r = app.post("/api/v1/customers", &app.admin, object).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let problem = body(r).await;
        assert_eq!(
            field_errors(&problem),
            [(field.to_string(), code.to_string())],
            "{field}={value}"
        );
    }
    assert_eq!(app.customer_count().await, 0);
}

#[tokio::test]
async fn every_common_way_of_writing_a_mobile_is_stored_as_eleven_digits() {
    let app = TestApp::spawn().await;
    for written in [
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "(+86)13812345678",
        "１３８１２３４５６７８",
        "138.1234.5678",
    ] {
        let c = app
            .customer(&app.admin, json!({"name": "张三", "mobile": written}))
            .await;
        assert_eq!(c["mobile"], "13812345678", "{written}");
    }
    let c = app
        .customer(
            &app.admin,
            json!({"name": "张三", "phone": "(010) 8888-6666 转 123"}),
        )
        .await;
    assert_eq!(c["phone"], "010-88886666-123");
    let c = app
        .customer(
            &app.admin,
            json!({"name": "Ann", "phone": "+44 20 7946 0958"}),
        )
        .await;
    assert_eq!(c["phone"], "+442079460958");
}

#[tokio::test]
async fn all_problems_of_one_input_are_reported_together() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/customers",
            &app.admin,
            json!({"mobile": "1", "email": "x", "stage": "?"}),
        )
        .await;
    let problem = body(r).await;
    assert_eq!(
        field_errors(&problem),
        [
            ("email".into(), "invalid_email".into()),
            ("mobile".into(), "invalid_mobile".into()),
            ("name".into(), "required".into()),
            ("stage".into(), "invalid_choice".into()),
        ]
    );
}

#[tokio::test]
async fn messages_follow_accept_language() {
    let app = TestApp::spawn().await;
    let send = |lang: &'static str| {
        app.request(reqwest::Method::POST, "/api/v1/customers", &app.admin)
            .header("accept-language", lang)
            .json(&json!({"name": "x", "mobile": "123"}))
            .send()
    };
    let en = body(send("en-US,en;q=0.9").await.unwrap()).await;
    let zh = body(send("zh-CN,zh;q=0.9").await.unwrap()).await;
    assert!(en["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("mobile number"));
    assert!(zh["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("手机号"));
    assert_eq!(en["errors"][0]["code"], zh["errors"][0]["code"]);
    assert_ne!(en["title"], zh["title"]);
}

#[tokio::test]
async fn updates_are_checked_as_strictly_as_creates() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(&app.admin, json!({"name": "张三", "mobile": "13812345678"}))
        .await;
    let id = c["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"mobile": "555", "name": null}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        [
            ("mobile".into(), "invalid_mobile".into()),
            ("name".into(), "required".into())
        ]
    );
    let got = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(got["mobile"], "13812345678");
    assert_eq!(got["version"], 1);
}

#[tokio::test]
async fn fields_that_always_have_a_value_cannot_be_cleared() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "张三", "stage": null, "kind": ""}),
        )
        .await;
    assert_eq!(c["stage"], "lead");
    assert_eq!(c["kind"], "individual");
    let id = c["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"stage": null, "kind": ""}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        [
            ("kind".into(), "required".into()),
            ("stage".into(), "required".into())
        ]
    );
    let t = body(
        app.post(
            "/api/v1/tasks",
            &app.admin,
            json!({"title": "回访", "due_at": "2030-01-01 09:00"}),
        )
        .await,
    )
    .await;
    let r = app
        .patch(
            &format!("/api/v1/tasks/{}", t["id"]),
            &app.admin,
            json!({"status": null}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        [("status".into(), "required".into())]
    );
}
