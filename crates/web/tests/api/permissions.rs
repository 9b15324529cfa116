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

#[tokio::test]
async fn a_viewer_finds_records_by_a_whole_number_but_cannot_probe_masked_digits() {
    let app = TestApp::spawn().await;
    let team = app.team("Sales").await;
    let (_, rep) = app.user("rep@example.com", "sales", Some(team)).await;
    let (_, viewer) = app.user("viewer@example.com", "viewer", Some(team)).await;
    app.customer(
        &rep,
        json!({"name": "张三", "mobile": "13812345678", "email": "zs@example.com"}),
    )
    .await;
    let count = |q: &'static str| {
        let app = &app;
        let viewer = viewer.clone();
        async move {
            let b = body(app.get(&format!("/api/v1/customers?q={q}"), &viewer).await).await;
            b["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(count("13812345678").await, 1);
    assert_eq!(count("zs@example.com").await, 1);
    assert_eq!(count("zhangsan").await, 1);
    for probe in ["1381", "5678", "138123", "zs@exa"] {
        assert_eq!(count(probe).await, 0, "{probe}");
    }
    // The rep who owns it searches by any fragment.
    let b = body(app.get("/api/v1/customers?q=5678", &rep).await).await;
    assert_eq!(b["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn customers_follow_their_owner_to_a_new_team() {
    let app = TestApp::spawn().await;
    let north = app.team("North").await;
    let south = app.team("South").await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", Some(north)).await;
    let (_, boss_n) = app.user("n@example.com", "manager", Some(north)).await;
    let (_, boss_s) = app.user("s@example.com", "manager", Some(south)).await;
    let c = app.customer(&rep, json!({"name": "张三"})).await;
    let path = format!("/api/v1/customers/{}", c["id"]);
    assert_eq!(app.get(&path, &boss_n).await.status(), StatusCode::OK);
    app.patch(
        &format!("/api/v1/users/{rep_id}"),
        &app.admin,
        json!({"team_id": south}),
    )
    .await;
    assert_eq!(
        app.get(&path, &boss_n).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&path, &boss_s).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn values_of_a_deleted_field_are_no_longer_shown() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/api/v1/fields",
            &app.admin,
            json!({"key": "id_card", "label_zh": "证件", "label_en": "ID", "kind": {"type": "text"}, "sensitive": true}),
        )
        .await;
    let field = body(r).await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "张三", "custom": {"id_card": "secret-123"}}),
        )
        .await;
    assert_eq!(c["custom"]["id_card"], "secret-123");
    app.delete(&format!("/api/v1/fields/{}", field["id"]), &app.admin)
        .await;
    let text = app
        .get(&format!("/api/v1/customers/{}", c["id"]), &app.admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains("secret-123"), "{text}");
}

#[tokio::test]
async fn a_rep_finds_pool_records_by_whole_numbers_only() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let pooled = app
        .customer(
            &app.admin,
            json!({"name": "公海客户", "mobile": "13711112222", "owner_id": null}),
        )
        .await;
    assert!(pooled["owner_id"].is_null());
    app.customer(&rep, json!({"name": "我的客户", "mobile": "13711113333"}))
        .await;
    let names = |q: &'static str| {
        let app = &app;
        let rep = rep.clone();
        async move {
            let b = body(app.get(&format!("/api/v1/customers?q={q}"), &rep).await).await;
            let mut n: Vec<String> = b["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_owned())
                .collect();
            n.sort();
            n
        }
    };
    assert_eq!(names("1111").await, ["我的客户"]);
    assert_eq!(names("13711112222").await, ["公海客户"]);
    assert_eq!(names("gonghai").await, ["公海客户"]);
    // The pool record is shown masked to the rep.
    let one = body(
        app.get(&format!("/api/v1/customers/{}", pooled["id"]), &rep)
            .await,
    )
    .await;
    assert_eq!(one["mobile"], "137****2222");
}
