//! Imports and exports over HTTP: a file uploaded, mapped, previewed, run
//! in the background, reported, imported again, undone; exports with the
//! list's filter, formula cells neutralised, masking and the access log.
//! Every fixture is written by the test itself.
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{body, TestApp};
use crate::importing::{counts, multipart};

/// A CSV as Chinese offices save it from Excel: GB18030, Chinese headers.
/// Row 2 is new, row 3 is invalid, row 4 duplicates an existing customer
/// (mobile 13900000001), row 5 duplicates row 2, row 6 is new.
const CUSTOMERS_CSV: &str = "姓名,手机,邮箱,公司,外部编号,备注\r\n\
张三,13812345678,zhangsan@example.com,北京某某科技有限公司,EXT-1,=1+1\r\n\
王五,12345,wangwu@,,EXT-2,\r\n\
李四,139 0000 0001,,,EXT-3,\r\n\
张三丰,+86 138-1234-5678,,,EXT-4,\r\n\
赵六,13700000002,zhao@example.com,,EXT-5,来自展会\r\n";

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// The `Content-Disposition` of a successful download.
fn attachment_of(r: &reqwest::Response) -> String {
    assert_eq!(r.status(), StatusCode::OK);
    let value = r.headers()[CONTENT_DISPOSITION].to_str().unwrap();
    assert!(value.starts_with("attachment;"), "{value}");
    value.to_owned()
}

#[tokio::test]
async fn imports_a_gb18030_file_from_upload_to_undo() {
    let app = TestApp::spawn().await;
    let existing = app
        .customer(&app.admin, json!({"name": "李四", "mobile": "13900000001"}))
        .await;
    let existing_id = existing["id"].as_i64().unwrap();

    // Upload: the encoding is recognised and the columns guessed.
    let (status, file) = app
        .upload(
            &app.admin,
            "%E5%AE%A2%E6%88%B7.csv",
            gb18030(CUSTOMERS_CSV),
            "en",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["name"], "客户.csv");
    assert_eq!(file["format"], "csv");
    assert_eq!(file["encoding"], "GB18030");
    assert_eq!(file["headers"][0], "姓名");
    assert_eq!(
        file["mapping"],
        json!(["name", "mobile", "email", "company", "external_id", "notes"])
    );
    assert_eq!(file["sample"].as_array().unwrap().len(), 5);
    assert_eq!(file["sample"][0][0], "张三");
    let file_id = file["file_id"].as_str().unwrap().to_owned();
    let again = body(
        app.get(&format!("/api/v1/imports/files/{file_id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(again["headers"], file["headers"]);

    // Preview: counts and reasons, nothing written.
    let r = app
        .send_in(
            "en",
            Method::POST,
            "/api/v1/imports/preview",
            &app.admin,
            Some(json!({"file_id": file_id, "policy": "skip"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let preview = body(r).await;
    assert_eq!(counts(&preview), [2, 0, 0, 2, 1], "{preview}");
    let issues = preview["issues"].as_array().unwrap();
    let rejected = &issues[0];
    assert_eq!(
        (rejected["row"].as_i64(), rejected["outcome"].as_str()),
        (Some(3), Some("rejected"))
    );
    let fields: Vec<&str> = rejected["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"mobile") && fields.contains(&"email"),
        "{rejected}"
    );
    assert_eq!(issues[1]["row"], 4);
    assert_eq!(issues[1]["match_customer_id"], existing_id);
    assert_eq!(issues[2]["row"], 5);
    assert_eq!(issues[2]["match_row"], 2);
    assert!(
        issues[2]["description"].as_str().unwrap().contains("row 2"),
        "{}",
        issues[2]
    );
    assert_eq!(app.customer_count().await, 1);

    // Run: accepted at once, then done with the same counts.
    let batch = app
        .import(
            &app.admin,
            json!({"file_id": file_id, "policy": "skip", "save_template": "展会名单"}),
        )
        .await;
    assert_eq!(batch["status"], "done", "{batch}");
    assert_eq!(counts(&batch), [2, 0, 0, 2, 1]);
    assert_eq!(batch["rows_done"], 5);
    assert_eq!(batch["estimated_total"], 5);
    assert_eq!(batch["interrupted"], false);
    let id = batch["id"].as_i64().unwrap();
    assert_eq!(app.customer_count().await, 3);
    let list = body(app.get("/api/v1/imports", &app.admin).await).await;
    assert_eq!(list[0]["id"], id);
    let templates = body(app.get("/api/v1/import-templates", &app.admin).await).await;
    assert_eq!(templates[0]["name"], "展会名单");
    assert_eq!(templates[0]["mapping"]["手机"], "mobile");

    let issues = body(
        app.get(
            &format!("/api/v1/imports/{id}/issues?after=3&limit=1"),
            &app.admin,
        )
        .await,
    )
    .await;
    assert_eq!(issues.as_array().unwrap().len(), 1);
    assert_eq!(issues[0]["row"], 4);

    // Rejected rows come back as they were, with row numbers and reasons.
    let r = app
        .send_in(
            "en",
            Method::GET,
            &format!("/api/v1/imports/{id}/rejected.csv"),
            &app.admin,
            None,
        )
        .await;
    let disposition = attachment_of(&r);
    assert!(disposition.contains("rejected-rows.csv"), "{disposition}");
    let csv = r.text().await.unwrap();
    let csv = csv.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "姓名,手机,邮箱,公司,外部编号,备注,Original row,Import problem"
    );
    assert!(
        lines[1].starts_with("王五,12345,wangwu@,,EXT-2,,3,"),
        "{csv}"
    );
    assert!(lines[1].contains("Mobile"), "{csv}");
    assert!(lines[3].contains("same as row 2"), "{csv}");
    assert_eq!(lines.len(), 4, "{csv}");
    let r = app
        .get(&format!("/api/v1/imports/{id}/rejected.xlsx"), &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));

    // The same file again changes nothing.
    let second = app.import(&app.admin, json!({"file_id": file_id})).await;
    assert_ne!(second["id"], batch["id"]);
    assert_eq!(second["status"], "done");
    let [created, updated, ..] = counts(&second);
    assert_eq!((created, updated), (0, 0), "{second}");
    assert_eq!(app.customer_count().await, 3);

    // A record changed since: undo refuses, naming it, unless forced.
    let found = body(
        app.get("/api/v1/customers/lookup?mobile=13812345678", &app.admin)
            .await,
    )
    .await;
    let zhang = found["id"].as_i64().unwrap();
    assert_eq!(found["notes"], "=1+1");
    let r = app
        .patch(
            &format!("/api/v1/customers/{zhang}"),
            &app.admin,
            json!({"title": "经理"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .send_in(
            "zh-CN",
            Method::POST,
            &format!("/api/v1/imports/{id}/undo"),
            &app.admin,
            Some(json!({"force": false})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let refused = body(r).await;
    assert_eq!(refused["code"], "undo_conflicts");
    assert_eq!(refused["conflicts"], json!([zhang]));
    assert_eq!(refused["conflict_count"], 1);
    assert!(
        refused["detail"].as_str().unwrap().contains("仍然撤销"),
        "{refused}"
    );
    assert_eq!(app.customer_count().await, 3);

    let r = app
        .post(
            &format!("/api/v1/imports/{id}/undo"),
            &app.admin,
            json!({"force": true}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let undone = body(r).await;
    assert_eq!(
        (undone["done"].as_bool(), undone["removed"].as_i64()),
        (Some(true), Some(2))
    );
    assert_eq!(app.customer_count().await, 1);
    let batch = body(app.get(&format!("/api/v1/imports/{id}"), &app.admin).await).await;
    assert_eq!(batch["status"], "undone");
    let r = app
        .post(&format!("/api/v1/imports/{id}/undo"), &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["code"], "already_undone");
}

#[tokio::test]
async fn a_batch_update_by_mobile_changes_only_existing_records_and_a_template_maps_it() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "张三", "mobile": "13812345678", "stage": "lead"}),
        )
        .await;
    let csv = "\u{feff}手机号码,阶段,备用\n13812345678,成交客户,x\n13700000009,成交客户,y\n";
    let (content_type, bytes) = multipart(&[("kind", "update")], "更新.csv", csv.as_bytes());
    let r = app
        .request(Method::POST, "/api/v1/imports/files", &app.admin)
        .header(CONTENT_TYPE, content_type)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let file = body(r).await;
    assert_eq!(file["encoding"], "UTF-8 (BOM)");
    assert_eq!(file["mapping"], json!(["mobile", "stage", null]));

    let r = app
        .post(
            "/api/v1/import-templates",
            &app.admin,
            json!({"name": "阶段更新", "mapping": {"手机号码": "mobile", "阶段": "stage"}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let template_id = body(r).await["id"].as_i64().unwrap();
    let batch = app
        .import(
            &app.admin,
            json!({"file_id": file["file_id"], "kind": "update", "template": "阶段更新"}),
        )
        .await;
    assert_eq!(batch["kind"], "update");
    assert_eq!(counts(&batch), [0, 1, 0, 0, 1], "{batch}");
    let after = body(
        app.get(&format!("/api/v1/customers/{}", c["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(after["stage"], "customer");
    assert_eq!(app.customer_count().await, 1);

    // Undo gives the field its previous value back.
    let id = batch["id"].as_i64().unwrap();
    let r = app
        .post(&format!("/api/v1/imports/{id}/undo"), &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["restored"], 1);
    let after = body(
        app.get(&format!("/api/v1/customers/{}", c["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(after["stage"], "lead");

    let r = app
        .delete(
            &format!("/api/v1/import-templates/{template_id}"),
            &app.admin,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .post(
            "/api/v1/imports/preview",
            &app.admin,
            json!({"file_id": file["file_id"], "template": "阶段更新"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["code"], "no_template");
}

#[tokio::test]
async fn a_file_kehu_cannot_read_is_refused_in_the_users_language_and_not_kept() {
    let app = TestApp::spawn().await;
    let (status, problem) = app
        .upload(
            &app.admin,
            "customers.xlsx",
            b"PK\x03\x04 a damaged workbook".to_vec(),
            "en",
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "corrupt_file");
    assert!(
        problem["detail"].as_str().unwrap().contains("xlsx"),
        "{problem}"
    );
    let (status, problem) = app
        .upload(
            &app.admin,
            "photos.zip",
            b"PK\x03\x04\x14\x00 photos/IMG_0001.jpg".to_vec(),
            "zh-CN",
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["title"], "无法读取此文件");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("不支持此文件格式"),
        "{problem}"
    );
    let (status, problem) = app.upload(&app.admin, "empty.csv", Vec::new(), "en").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "empty_file");
    let kept: Vec<_> = std::fs::read_dir(app.files.path().join("uploads"))
        .unwrap()
        .collect();
    assert!(kept.is_empty(), "{kept:?}");

    let r = app
        .post(
            "/api/v1/imports/preview",
            &app.admin,
            json!({"file_id": "0".repeat(64)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(body(r).await["code"], "no_upload");
    let (_, file) = app
        .upload(&app.admin, "a.csv", b"Foo,Bar\n1,2\n".to_vec(), "en")
        .await;
    let r = app
        .send_in(
            "en",
            Method::POST,
            "/api/v1/imports",
            &app.admin,
            Some(json!({"file_id": file["file_id"]})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = body(r).await;
    assert_eq!(problem["code"], "nothing_mapped");
    assert!(
        problem["detail"].as_str().unwrap().contains("no column"),
        "{problem}"
    );
    let r = app
        .post(
            "/api/v1/imports/preview",
            &app.admin,
            json!({"file_id": file["file_id"], "mapping": ["name", "nonsense"], "policy": "maybe"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["errors"][0]["field"], "policy");
}

#[tokio::test]
async fn a_viewer_may_not_import() {
    let app = TestApp::spawn().await;
    let (_, viewer) = app.user("viewer@example.com", "viewer", None).await;
    let (status, _) = app
        .upload(&viewer, "a.csv", b"name\nx\n".to_vec(), "en")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, file) = app
        .upload(
            &app.admin,
            "a.csv",
            "姓名\n张三\n".as_bytes().to_vec(),
            "en",
        )
        .await;
    let request = json!({"file_id": file["file_id"]});
    let r = app
        .post("/api/v1/imports/preview", &viewer, request.clone())
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.post("/api/v1/imports", &viewer, request).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The admin's batch is not the viewer's to see.
    let batch = app
        .import(&app.admin, json!({"file_id": file["file_id"]}))
        .await;
    let r = app
        .get(&format!("/api/v1/imports/{}", batch["id"]), &viewer)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = app.get("/api/v1/access-log", &viewer).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_export_neutralises_formulas_masks_for_a_viewer_and_is_logged() {
    let app = TestApp::spawn().await;
    let team = app.team("Sales").await;
    let (_, rep) = app.user("rep@example.com", "sales", Some(team)).await;
    let (_, viewer) = app.user("viewer@example.com", "viewer", Some(team)).await;
    app.customer(
        &rep,
        json!({"name": "张三", "mobile": "13812345678", "notes": "=1+1", "stage": "lead"}),
    )
    .await;
    app.customer(&rep, json!({"name": "李四", "stage": "customer"}))
        .await;

    let r = app
        .send_in(
            "zh-CN",
            Method::GET,
            "/api/v1/customers/export?format=csv&stage=lead&limit=1",
            &app.admin,
            None,
        )
        .await;
    let disposition = attachment_of(&r);
    assert!(
        disposition.contains("filename*=UTF-8''%E5%AE%A2%E6%88%B7-20"),
        "{disposition}"
    );
    assert!(disposition.ends_with(".csv"), "{disposition}");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "no BOM");
    let csv = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(csv.contains("'=1+1"), "{csv}");
    assert!(csv.contains("13812345678"), "{csv}");
    assert!(!csv.contains("李四"), "the filter applies: {csv}");

    let r = app
        .get("/api/v1/customers/export?format=csv", &viewer)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.contains("138****5678"), "{csv}");
    assert!(!csv.contains("13812345678"), "{csv}");
    assert!(csv.contains("李四"), "{csv}");

    let r = app.get("/api/v1/customers/export?format=xlsx", &rep).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r = app.get("/api/v1/customers/export?format=pdf", &rep).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let log = body(app.get("/api/v1/access-log", &app.admin).await).await;
    let entries = log.as_array().unwrap();
    assert_eq!(entries.len(), 3, "{log}");
    assert_eq!(entries[2]["filter"], "stage=lead");
    assert_eq!(entries[2]["row_count"], 1);
    assert_eq!(entries[2]["format"], "csv");
    assert_eq!(entries[0]["format"], "xlsx");
}

/// Every file under `dir`, however deep.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn an_uploaded_list_is_kept_sealed_on_disk_and_still_imports() {
    let app = TestApp::spawn().await;
    let csv = "姓名,手机,备注\n王五,13912345678,身份证 110101199003071234\n";
    let (status, file) = app
        .upload(&app.admin, "list.csv", csv.as_bytes().to_vec(), "en")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(
        file["sample"][0][1], "13912345678",
        "read back through its key"
    );
    let batch = app
        .import(
            &app.admin,
            json!({"file_id": file["file_id"], "policy": "skip"}),
        )
        .await;
    assert_eq!(batch["status"], "done", "{batch}");
    assert_eq!(counts(&batch)[0], 1, "{batch}");
    // What the server keeps of the upload holds none of the list in clear.
    let kept = files_under(app.files.path());
    assert!(!kept.is_empty());
    for path in kept {
        let raw = std::fs::read(&path).unwrap();
        for clear in ["13912345678", "110101199003071234", "王五", "姓名"] {
            let needle = clear.as_bytes();
            assert!(
                !raw.windows(needle.len()).any(|w| w == needle),
                "{clear} in clear in {}",
                path.display()
            );
        }
    }
}
