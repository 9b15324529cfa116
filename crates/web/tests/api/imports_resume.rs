//! Interrupted imports: a batch whose writer died mid-file is resumed by
//! hand or when the server starts, without writing a row twice.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, TestApp};
use crate::importing::counts;

/// A batch whose writer was killed after its first chunk: rows 2–3 of a
/// five-row file committed, the heartbeat stale. Returns the batch id.
async fn interrupted_batch(app: &TestApp, csv: &str) -> i64 {
    use kehu_core::{Actor, ChangeSource, Role, UserId};
    use kehu_store::import::{BatchKind, ImportOptions, Policy, Seen, SourceRow};
    use kehu_store::write::Ctx;

    let (status, file) = app
        .upload(&app.admin, "kill.csv", csv.as_bytes().to_vec(), "en")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file_id = file["file_id"].as_str().unwrap();
    let path = app.files.path().join(format!("uploads/{file_id}.csv"));
    let admin = app.store.user_by_email("admin@example.com").await.unwrap();
    let ctx = Ctx::new(
        Actor {
            user_id: UserId(admin.id),
            role: Role::Admin,
            team_id: None,
        },
        ChangeSource::Import,
    );
    let headers: Vec<String> = serde_json::from_value(file["headers"].clone()).unwrap();
    let options = ImportOptions {
        kind: BatchKind::Import,
        policy: Policy::Skip,
        mapping: serde_json::from_value(file["mapping"].clone()).unwrap(),
        headers,
        sheet: None,
        header_row: None,
        strict: false,
        description: None,
    };
    let mut batch = app
        .store
        .begin_import(
            &ctx,
            "kill.csv",
            Some(&path.to_string_lossy()),
            Some(file_id),
            &options,
        )
        .await
        .unwrap();
    let preparer = app.store.preparer(&options).await.unwrap();
    let rows = csv
        .lines()
        .skip(1)
        .take(2)
        .zip(2..)
        .map(|(line, number)| {
            preparer.prepare(SourceRow {
                number,
                cells: line.split(',').map(str::to_owned).collect(),
            })
        })
        .collect();
    app.store
        .import_chunk(
            &ctx,
            &options,
            Some(&mut batch),
            &preparer,
            rows,
            &mut Seen::default(),
        )
        .await
        .unwrap();
    app.store.stop_heartbeat(batch.id).await.unwrap();
    batch.id
}

#[tokio::test]
async fn an_interrupted_import_is_resumed_by_hand_or_when_the_server_starts() {
    let app = TestApp::spawn().await;
    let csv = "姓名,手机\n甲,13800000001\n乙,13800000002\n丙,13800000003\n丁,13800000004\n戊,13800000005\n";
    let id = interrupted_batch(&app, csv).await;
    let batch = body(app.get(&format!("/api/v1/imports/{id}"), &app.admin).await).await;
    assert_eq!(
        (
            batch["status"].as_str(),
            batch["interrupted"].as_bool(),
            batch["running"].as_bool()
        ),
        (Some("running"), Some(true), Some(false)),
        "{batch}"
    );
    assert_eq!(batch["rows_done"], 2);
    assert_eq!(batch["estimated_total"], 5);
    let r = app
        .post(
            &format!("/api/v1/imports/{id}/resume"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let batch = app.finished(&app.admin, id).await;
    assert_eq!(batch["status"], "done", "{batch}");
    assert_eq!(counts(&batch), [5, 0, 0, 0, 0]);
    assert_eq!(app.customer_count().await, 5, "every row exactly once");
    let r = app
        .post(
            &format!("/api/v1/imports/{id}/resume"),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Long jobs resume: a starting server finishes what a stopped one left.
    let csv = csv.replace("1380000", "1390000");
    let id = interrupted_batch(&app, &csv).await;
    let restarted = kehu_web::AppState::new(app.store.clone(), app.files.path());
    kehu_web::imports::resume_interrupted(&restarted);
    let started = Instant::now();
    let batch = loop {
        let b = body(app.get(&format!("/api/v1/imports/{id}"), &app.admin).await).await;
        if b["status"] != "running" || started.elapsed() > Duration::from_secs(30) {
            break b;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(batch["status"], "done", "{batch}");
    assert_eq!(counts(&batch), [5, 0, 0, 0, 0]);
    assert_eq!(app.customer_count().await, 10);
}
