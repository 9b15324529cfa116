//! Users, teams, tags and field definitions.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, field_errors, TestApp, PASSWORD};

#[tokio::test]
async fn an_admin_adds_users_to_teams_and_resets_passwords() {
    let app = TestApp::spawn().await;
    let team = app.team("华东大区").await;
    let r = app
        .post("/api/v1/users", &app.admin, json!({"email": "New.Rep@Example.com", "role": "sales", "team_id": team, "password": "long-enough-pw", "lang": "en"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user = body(r).await;
    assert_eq!(user["email"], "new.rep@example.com");
    let id = user["id"].as_i64().unwrap();
    let r = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"email": "new.rep@example.com", "role": "sales"}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        [("email".into(), "not_unique".into())]
    );
    let r = app
        .post(
            "/api/v1/users",
            &app.admin,
            json!({"email": "short@example.com", "role": "sales", "password": "short"}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        [("password".into(), "too_short".into())]
    );

    let r = app
        .post(
            &format!("/api/v1/users/{id}/password"),
            &app.admin,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .post(
            "/api/v1/auth/login",
            "",
            json!({"email": "new.rep@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let r = app
        .patch(
            &format!("/api/v1/teams/{team}"),
            &app.admin,
            json!({"name": "华东"}),
        )
        .await;
    assert_eq!(body(r).await["name"], "华东");
    assert_eq!(
        app.delete(&format!("/api/v1/teams/{team}"), &app.admin)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let teams = body(app.get("/api/v1/teams", &app.admin).await).await;
    assert_eq!(teams.as_array().unwrap().len(), 1);
    let r = app.get(&format!("/api/v1/users/{id}"), &app.admin).await;
    assert_eq!(body(r).await["team_id"], team);
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let me = body(app.get("/api/v1/me", &app.admin).await).await;
    let r = app
        .patch(
            &format!("/api/v1/users/{}", me["id"]),
            &app.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get("/api/v1/me", &app.admin).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn tags_are_shared_renamed_and_removed() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/tags",
            &app.admin,
            json!({"name": "重点客户", "color": "#ff0000"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let tag = body(r).await;
    let r = app
        .post("/api/v1/tags", &app.admin, json!({"name": "重点客户"}))
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        [("name".into(), "not_unique".into())]
    );
    let r = app
        .post(
            "/api/v1/tags",
            &app.admin,
            json!({"name": "x", "color": "red"}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        [("color".into(), "pattern_mismatch".into())]
    );
    let c = app
        .customer(&app.admin, json!({"name": "张三", "tags": ["重点客户"]}))
        .await;
    let r = app
        .patch(
            &format!("/api/v1/tags/{}", tag["id"]),
            &app.admin,
            json!({"name": "VIP"}),
        )
        .await;
    assert_eq!(body(r).await["name"], "VIP");
    let got = body(
        app.get(&format!("/api/v1/customers/{}", c["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(got["tags"], json!(["VIP"]));
    assert_eq!(
        app.delete(&format!("/api/v1/tags/{}", tag["id"]), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let got = body(
        app.get(&format!("/api/v1/customers/{}", c["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(got["tags"], json!([]));
}

#[tokio::test]
async fn field_definitions_are_validated_and_their_type_stays() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/fields",
            &app.admin,
            json!({"key": "Bad Key", "label_zh": "", "label_en": "x", "kind": {"type": "rocket"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = field_errors(&body(r).await)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, ["key", "kind"]);
    let r = app
        .post("/api/v1/fields", &app.admin, json!({"key": "budget", "label_zh": "预算", "label_en": "Budget", "kind": {"type": "money"}, "rules": {"min": "0"}}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{}", body(r).await);
    let f = body(r).await;
    let r = app
        .patch(
            &format!("/api/v1/fields/{}", f["id"]),
            &app.admin,
            json!({"kind": {"type": "text"}}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        [("kind".into(), "read_only".into())]
    );
    let r = app
        .patch(
            &format!("/api/v1/fields/{}", f["id"]),
            &app.admin,
            json!({"label_en": "Annual budget", "rules": {"required": true}}),
        )
        .await;
    assert_eq!(body(r).await["label_en"], "Annual budget");
    let r = app
        .post("/api/v1/customers", &app.admin, json!({"name": "张三"}))
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        [("custom.budget".into(), "required".into())]
    );
    let c = app
        .customer(
            &app.admin,
            json!({"name": "张三", "custom": {"budget": "¥12,000.50"}}),
        )
        .await;
    assert_eq!(c["custom"]["budget"]["amount"], "12000.50");
    let list = body(app.get("/api/v1/fields", &app.admin).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        app.delete(&format!("/api/v1/fields/{}", f["id"]), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}
