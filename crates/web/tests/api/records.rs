//! Contacts, follow-ups and tasks.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp};

#[tokio::test]
async fn a_company_has_contacts_that_can_be_changed_and_removed() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "深圳华信科技有限公司", "kind": "company"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    let r = app
        .post("/api/v1/contacts", &app.admin, json!({"customer_id": id, "name": "王经理", "mobile": "13812345678", "is_primary": true}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let contact = body(r).await;
    let cid = contact["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/contacts/{cid}"),
            &app.admin,
            json!({"title": "采购经理"}),
        )
        .await;
    assert_eq!(body(r).await["title"], "采购经理");
    let r = app
        .patch(
            &format!("/api/v1/contacts/{cid}"),
            &app.admin,
            json!({"customer_id": 1}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list = body(
        app.get(&format!("/api/v1/customers/{id}/contacts"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{cid}"), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/v1/contacts/{cid}"), &app.admin)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_follow_up_with_a_dated_next_step_creates_a_task() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let c = app.customer(&rep, json!({"name": "张三"})).await;
    let id = c["id"].as_i64().unwrap();
    let r = app
        .post(
            "/api/v1/interactions",
            &rep,
            json!({
                "customer_id": id, "channel": "call", "content": "电话沟通了报价，客户希望下周安排演示",
                "next_step": "安排产品演示", "next_step_at": "2030-01-15 10:00",
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let interaction = body(r).await;
    assert_eq!(interaction["next_step_at"], "2030-01-15T02:00:00.000Z");
    let task_id = interaction["task_id"].as_i64().expect("a task was created");

    let tasks = body(app.get("/api/v1/tasks?status=open", &rep).await).await;
    let task = &tasks.as_array().unwrap()[0];
    assert_eq!(task["id"], task_id);
    assert_eq!(task["title"], "安排产品演示");
    assert_eq!(task["customer_id"], id);

    let r = app
        .patch(
            &format!("/api/v1/tasks/{task_id}"),
            &rep,
            json!({"status": "done"}),
        )
        .await;
    let done = body(r).await;
    assert_eq!(done["status"], "done");
    assert!(done["completed_at"].is_string());
    let timeline = body(
        app.get(&format!("/api/v1/customers/{id}/interactions"), &rep)
            .await,
    )
    .await;
    assert_eq!(timeline.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn interactions_and_tasks_are_checked_and_updatable() {
    let app = TestApp::spawn().await;
    let c = app.customer(&app.admin, json!({"name": "张三"})).await;
    let id = c["id"].as_i64().unwrap();
    let r = app
        .post(
            "/api/v1/interactions",
            &app.admin,
            json!({"customer_id": id, "channel": "fax", "content": ""}),
        )
        .await;
    assert_eq!(
        crate::helpers::field_errors(&body(r).await),
        [
            ("channel".into(), "invalid_choice".into()),
            ("content".into(), "required".into())
        ]
    );
    let r = app
        .post(
            "/api/v1/interactions",
            &app.admin,
            json!({"customer_id": id, "channel": "visit", "content": "上门拜访"}),
        )
        .await;
    let iid = body(r).await["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/interactions/{iid}"),
            &app.admin,
            json!({"content": "上门拜访，见到了总经理"}),
        )
        .await;
    assert_eq!(body(r).await["content"], "上门拜访，见到了总经理");
    assert_eq!(
        app.delete(&format!("/api/v1/interactions/{iid}"), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let r = app
        .post(
            "/api/v1/tasks",
            &app.admin,
            json!({"title": "回访", "due_at": "明天"}),
        )
        .await;
    assert_eq!(
        crate::helpers::field_errors(&body(r).await),
        [("due_at".into(), "invalid_datetime".into())]
    );
    let r = app
        .post(
            "/api/v1/tasks",
            &app.admin,
            json!({"title": "回访", "due_at": "2030-01-01T09:00:00+08:00", "customer_id": id}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let t = body(r).await;
    let r = app
        .get(&format!("/api/v1/tasks/{}", t["id"]), &app.admin)
        .await;
    assert_eq!(body(r).await["title"], "回访");
    let list = body(
        app.get(&format!("/api/v1/customers/{id}/tasks"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        app.delete(&format!("/api/v1/tasks/{}", t["id"]), &app.admin)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}
