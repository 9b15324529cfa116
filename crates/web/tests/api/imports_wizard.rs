//! The import wizard's HTML pages: a file uploaded from a form, mapped,
//! previewed, run and undone in the browser; a viewer kept out.

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::importing::multipart;
use crate::pages::Browser;

#[tokio::test]
async fn the_wizard_pages_upload_map_preview_run_and_undo() {
    let app = TestApp::spawn().await;
    app.user("viewer@example.com", "viewer", None).await;
    let b = Browser::login(&app, "admin@example.com").await;
    let list = b.get("/imports").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.html.contains(r#"href="/imports/new""#),
        "{}",
        list.html
    );
    let csv = "姓名,手机号,备注\n张三,13812345678,=HYPERLINK(\"x\")\n李四,123,\n";
    let upload = |csrf: &str| {
        let fields = [("_csrf", csrf), ("kind", "import")];
        let (content_type, bytes) = multipart(&fields, "名单.csv", csv.as_bytes());
        b.client
            .post(format!("{}/imports/new", app.base))
            .header(CONTENT_TYPE, content_type)
            .body(bytes)
    };

    // The form's token is checked before the file is kept.
    let refused = b.page(upload("not-the-token")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        !app.files.path().join("uploads").exists()
            || std::fs::read_dir(app.files.path().join("uploads"))
                .unwrap()
                .next()
                .is_none()
    );
    let uploaded = b.page(upload(&b.csrf)).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER);
    let map_link = uploaded.location.unwrap();
    assert!(map_link.starts_with("/imports/map?file="), "{map_link}");

    let map = b.get(&map_link).await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(
        map.html.contains(r#"<option value="name" selected>"#),
        "{}",
        map.html
    );
    assert!(map.html.contains(r#"<option value="mobile" selected>"#));
    assert!(map.html.contains("13812345678"), "samples are shown");
    let file = map_link
        .split("file=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let fields = [
        ("file", file),
        ("kind", "import"),
        ("sheet", ""),
        ("map", "name"),
        ("map", "mobile"),
        ("map", "notes"),
        ("policy", "skip"),
        ("save_template", ""),
    ];
    let preview = b.post("/imports/preview", &fields).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.html);
    assert!(
        preview.html.contains(r#"data-count="created">1<"#),
        "{}",
        preview.html
    );
    assert!(preview.html.contains(r#"data-count="rejected">1<"#));
    assert!(preview.html.contains(r#"id="row-3""#));
    assert_eq!(app.customer_count().await, 0);

    // A mapping that names one field twice is sent back with the reason.
    let mut twice = fields;
    twice[5] = ("map", "name");
    let refused = b.post("/imports/preview", &twice).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains(r#"id="map-error""#),
        "{}",
        refused.html
    );

    let run = b.post("/imports/run", &fields).await;
    assert_eq!(run.status, StatusCode::SEE_OTHER);
    let batch_path = run.location.unwrap();
    let started = Instant::now();
    let report = loop {
        let page = b.get(&batch_path).await;
        if page.html.contains(r#"data-status="done""#) {
            break page;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{}", page.html);
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(report.html.contains("rejected.csv"), "{}", report.html);
    assert!(report.html.contains(r#"id="undo""#));
    assert_eq!(app.customer_count().await, 1);

    let undone = b.post(&format!("{batch_path}/undo"), &[]).await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER);
    assert!(undone.location.unwrap().contains("flash=import_undone"));
    assert_eq!(app.customer_count().await, 0);

    // A viewer has no imports.
    let v = Browser::login(&app, "viewer@example.com").await;
    let customers = v.get("/customers").await;
    assert!(!customers.html.contains(r#"href="/imports""#));
    assert!(customers.html.contains(r#"id="export-csv""#));
    assert_eq!(v.get("/imports/new").await.status, StatusCode::FORBIDDEN);
}
