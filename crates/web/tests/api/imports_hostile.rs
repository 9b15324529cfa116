//! Uploads built to take the server down are refused at once, naming the
//! limit, and the server goes on answering; answers about rows never echo
//! a hostile row whole.

use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// Uploads `bytes` as the whole body; the status, the answer and its size.
async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> (StatusCode, Value, usize) {
    let r = app
        .request(
            Method::POST,
            &format!("/api/v1/imports/files?name={name}"),
            &app.admin,
        )
        .header("Accept-Language", "zh-CN")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap(), text.len())
}

/// The reported 1.5 KB workbook: one sheet holding only A1 and XFD1048576.
fn two_cell_xlsx() -> Vec<u8> {
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#,
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, xml) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[tokio::test]
async fn hostile_uploads_are_refused_at_once_naming_the_limit() {
    let app = TestApp::spawn().await;
    let mut wide_line = String::from("姓名,手机\n张三,");
    wide_line.push_str(&"1,".repeat(1_000_000));
    wide_line.push('\n');
    for (name, bytes) in [
        ("two-cells.xlsx", two_cell_xlsx()),
        ("wide.csv", wide_line.into_bytes()),
    ] {
        let started = Instant::now();
        let (status, problem, size) = upload(&app, name, bytes).await;
        let took = started.elapsed();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {problem}"
        );
        assert_eq!(problem["code"], "too_many_columns", "{name}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("1024 列"),
            "{name}: {problem}"
        );
        assert!(size < 4096, "{name}: an answer of {size} bytes");
        assert!(took < Duration::from_secs(2), "{name}: took {took:?}");
    }
    // Still serving.
    let r = app.get("/api/v1/imports", &app.admin).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_preview_shows_rejected_rows_cut_and_says_so() {
    let app = TestApp::spawn().await;
    // A legal row (within every limit) that is rejected for its mobile,
    // with long cells past a hundred columns.
    let long = "备".repeat(30_000);
    let mut csv = String::from("姓名,手机");
    for i in 0..300 {
        csv.push_str(&format!(",备注{i}"));
    }
    csv.push_str("\n张三,12345");
    for _ in 0..300 {
        csv.push(',');
        csv.push_str(&long);
    }
    csv.push('\n');
    assert!(csv.len() > 20_000_000);
    let (status, file, size) = upload(&app, "long.csv", csv.into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert!(size < 1_000_000, "the upload's answer is {size} bytes");
    assert_eq!(file["cut"], true);
    assert_eq!(file["sample"][0][2].as_str().unwrap().chars().count(), 201);

    let r = app
        .post(
            "/api/v1/imports/preview",
            &app.admin,
            json!({"file_id": file["file_id"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.len() < 200_000, "the preview is {} bytes", text.len());
    let preview: Value = serde_json::from_str(&text).unwrap();
    let issue = &preview["issues"][0];
    assert_eq!(issue["outcome"], "rejected", "{issue}");
    assert_eq!(issue["cut"], true);
    let cells = issue["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 100);
    assert_eq!(cells[1], "12345");
    assert!(cells[2].as_str().unwrap().ends_with('…'));
}
