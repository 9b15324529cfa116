//! Least privilege: a rep sees own records and the pool, a manager the
//! team's, an admin everything; what one may not see is 404 everywhere.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp};

#[tokio::test]
async fn a_rep_cannot_read_list_search_update_or_delete_another_reps_customer() {
    let app = TestApp::spawn().await;
    let team = app.team("华南销售").await;
    let (_, alice) = app.user("alice@example.com", "sales", Some(team)).await;
    let (_, bob) = app.user("bob@example.com", "sales", Some(team)).await;
    let c = app
        .customer(
            &alice,
            json!({"name": "张三", "mobile": "13812345678", "email": "zs@example.com"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    let path = format!("/api/v1/customers/{id}");

    assert_eq!(app.get(&path, &bob).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("{path}/history"), &bob).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{path}/contacts"), &bob).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch(&path, &bob, json!({"name": "hacked"}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(&path, &bob).await.status(),
        StatusCode::NOT_FOUND
    );
    for query in [
        "",
        "?q=zhangsan",
        "?q=5678",
        "?q=zs@example.com",
        "?owner_id=1",
    ] {
        let list = body(app.get(&format!("/api/v1/customers{query}"), &bob).await).await;
        assert_eq!(list["items"], json!([]), "{query}");
    }
    assert_eq!(
        app.get("/api/v1/customers/lookup?mobile=13812345678", &bob)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/customers/lookup?email=zs@example.com", &bob)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(
            "/api/v1/contacts",
            &bob,
            json!({"customer_id": id, "name": "间谍"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Nothing changed, and the owner still sees it all.
    let got = body(app.get(&path, &alice).await).await;
    assert_eq!(got["name"], "张三");
    assert_eq!(got["version"], 1);
}

#[tokio::test]
async fn a_manager_sees_the_team_and_an_admin_sees_everyone() {
    let app = TestApp::spawn().await;
    let north = app.team("North").await;
    let south = app.team("South").await;
    let (_, rep_n) = app.user("n@example.com", "sales", Some(north)).await;
    let (_, rep_s) = app.user("s@example.com", "sales", Some(south)).await;
    let (_, boss_n) = app.user("boss@example.com", "manager", Some(north)).await;
    let cn = app.customer(&rep_n, json!({"name": "北方客户"})).await;
    let cs = app.customer(&rep_s, json!({"name": "南方客户"})).await;
    let get = |token: &str, c: &serde_json::Value| {
        let path = format!("/api/v1/customers/{}", c["id"]);
        let token = token.to_owned();
        let app = &app;
        async move { app.get(&path, &token).await.status() }
    };
    assert_eq!(get(&boss_n, &cn).await, StatusCode::OK);
    assert_eq!(get(&boss_n, &cs).await, StatusCode::NOT_FOUND);
    assert_eq!(get(&app.admin, &cs).await, StatusCode::OK);
    let list = body(app.get("/api/v1/customers", &boss_n).await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_rep_cannot_give_records_away_or_take_them_from_others() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let (bob_id, _) = app.user("bob@example.com", "sales", None).await;
    let r = app
        .post(
            "/api/v1/customers",
            &alice,
            json!({"name": "张三", "owner_id": bob_id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        crate::helpers::field_errors(&body(r).await),
        [("owner_id".into(), "read_only".into())]
    );
    let c = app.customer(&alice, json!({"name": "张三"})).await;
    let r = app
        .patch(
            &format!("/api/v1/customers/{}", c["id"]),
            &alice,
            json!({"owner_id": bob_id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Records a rep creates are theirs.
    assert!(c["owner_id"].as_i64().is_some_and(|o| o != bob_id));
}

#[tokio::test]
async fn a_viewer_sees_phone_numbers_and_emails_masked_everywhere() {
    let app = TestApp::spawn().await;
    let team = app.team("Sales").await;
    let (_, rep) = app.user("rep@example.com", "sales", Some(team)).await;
    let (_, viewer) = app.user("viewer@example.com", "viewer", Some(team)).await;
    let c = app
        .customer(
            &rep,
            json!({"name": "张三", "mobile": "13812345678", "email": "zhangsan@example.com"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    app.patch(
        &format!("/api/v1/customers/{id}"),
        &app.admin,
        json!({"mobile": "13987654321"}),
    )
    .await;
    app.post(
        "/api/v1/contacts",
        &app.admin,
        json!({"customer_id": id, "name": "李四", "mobile": "13600001234"}),
    )
    .await;

    let one = app
        .get(&format!("/api/v1/customers/{id}"), &viewer)
        .await
        .text()
        .await
        .unwrap();
    let list = app
        .get("/api/v1/customers?q=zhangsan", &viewer)
        .await
        .text()
        .await
        .unwrap();
    let history = app
        .get(&format!("/api/v1/customers/{id}/history"), &viewer)
        .await
        .text()
        .await
        .unwrap();
    let contacts = app
        .get(&format!("/api/v1/customers/{id}/contacts"), &viewer)
        .await
        .text()
        .await
        .unwrap();
    for (what, text) in [
        ("customer", &one),
        ("list", &list),
        ("history", &history),
        ("contacts", &contacts),
    ] {
        for secret in [
            "13812345678",
            "13987654321",
            "13600001234",
            "zhangsan@example.com",
        ] {
            assert!(!text.contains(secret), "{what} shows {secret}: {text}");
        }
    }
    assert!(one.contains("139****4321"), "{one}");
    assert!(history.contains("138****5678"), "{history}");
    assert!(contacts.contains("136****1234"), "{contacts}");

    // A viewer may look but not write.
    let r = app
        .post("/api/v1/customers", &viewer, json!({"name": "x"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_admins_manage_users_fields_and_teams() {
    let app = TestApp::spawn().await;
    let (_, manager) = app.user("m@example.com", "manager", None).await;
    let r = app
        .post(
            "/api/v1/users",
            &manager,
            json!({"email": "new@example.com", "role": "admin", "password": "long-enough-pw"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post("/api/v1/teams", &manager, json!({"name": "Mine"}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/api/v1/fields",
            &manager,
            json!({"key": "x", "label_zh": "x", "label_en": "x", "kind": {"type": "text"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let users = body(app.get("/api/v1/users", &app.admin).await).await;
    assert_eq!(users.as_array().unwrap().len(), 2);
}
