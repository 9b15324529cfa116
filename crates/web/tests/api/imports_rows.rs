//! Files as offices make them: title rows above the header, rows whose
//! cells do not line up under it, secondary values imported with a
//! warning (or rejected when strict), and a file exported from one kehu
//! imported into another.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{body, TestApp};
use crate::importing::counts;

#[tokio::test]
async fn a_csv_row_with_an_unquoted_comma_is_rejected_with_the_reason_and_no_column_shifts() {
    let app = TestApp::spawn().await;
    let csv = "姓名,地址,来源,备注\r\n\
               张三,北京市海淀区中关村大街1号,展会,老客户\r\n\
               李四,上海市,浦东新区世纪大道2号,官网,\r\n\
               王五,广州市天河区3号,转介绍,\r\n";
    let (status, file) = app
        .upload(&app.admin, "shifted.csv", csv.as_bytes().to_vec(), "en")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    // The mapping step's sample shows no row with its columns shifted.
    let sample = file["sample"].to_string();
    assert!(!sample.contains("李四"), "{sample}");
    let preview = app
        .preview(
            "en",
            &app.admin,
            json!({"file_id": file["file_id"], "policy": "skip"}),
        )
        .await;
    assert_eq!(counts(&preview), [2, 0, 0, 0, 1], "{preview}");
    let issue = &preview["issues"][0];
    assert_eq!(issue["row"], 3);
    assert_eq!(issue["reasons"][0]["code"], "cell_count", "{issue}");
    assert!(
        issue["description"]
            .as_str()
            .unwrap()
            .contains("has 5 cells, the header has 4"),
        "{issue}"
    );

    let batch = app
        .import(
            &app.admin,
            json!({"file_id": file["file_id"], "policy": "skip"}),
        )
        .await;
    assert_eq!(counts(&batch), [2, 0, 0, 0, 1], "{batch}");
    let listed = body(app.get("/api/v1/customers?q=王五", &app.admin).await).await;
    let wang = &listed["items"][0];
    assert_eq!(wang["address"], "广州市天河区3号", "{wang}");
    assert_eq!(wang["source"], "转介绍", "{wang}");
}

#[tokio::test]
async fn title_rows_above_the_header_are_skipped_and_the_header_row_can_be_chosen() {
    let app = TestApp::spawn().await;
    let csv = "客户联系人清单 2024\r\n导出：销售部\r\n姓名,手机,城市\r\n张三,13812345678,北京\r\n李四,13912345678,上海\r\n";
    let (status, file) = app
        .upload(&app.admin, "titled.csv", csv.as_bytes().to_vec(), "zh-CN")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["header_row"], 3);
    assert_eq!(file["headers"], json!(["姓名", "手机", "城市"]));
    assert_eq!(file["sample"].as_array().unwrap().len(), 2);
    let id = file["file_id"].as_str().unwrap().to_owned();

    // Another row asked for is taken; nonsense is refused, naming it.
    let other = body(
        app.get(
            &format!("/api/v1/imports/files/{id}?header_row=4"),
            &app.admin,
        )
        .await,
    )
    .await;
    assert_eq!(other["headers"], json!(["张三", "13812345678", "北京"]));
    for bad in ["0", "1001", "x"] {
        let r = app
            .get(
                &format!("/api/v1/imports/files/{id}?header_row={bad}"),
                &app.admin,
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let r = app
        .post(
            "/api/v1/imports/preview",
            &app.admin,
            json!({"file_id": id, "header_row": 40}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["code"], "no_header_row");

    // The import takes the header found: both customers, nothing from
    // the title rows.
    let batch = app.import(&app.admin, json!({"file_id": id})).await;
    assert_eq!(counts(&batch), [2, 0, 0, 0, 0], "{batch}");

    // The wizard shows the row and lets it be changed.
    let browser = crate::pages::Browser::login(&app, "admin@example.com").await;
    let page = browser.get(&format!("/imports/map?file={id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("表头所在行"), "{}", page.html);
    assert!(page.html.contains("name=\"header_row\" type=\"number\""));
    assert!(page.html.contains("name=\"strict\" value=\"1\""));
    assert!(page.html.contains("value=\"3\""));
    let page = browser
        .get(&format!("/imports/map?file={id}&header_row=999"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("没有第 999 行可作表头"), "{}", page.html);
}

#[tokio::test]
async fn invalid_secondary_values_are_left_out_with_a_warning_unless_strict() {
    let app = TestApp::spawn().await;
    let csv = "姓名,手机,电话,网址,邮编,负责人,备注\r\n\
               张三,13812345678,12345,not a site,ABCDEF,nobody@elsewhere.example,老客户\r\n\
               李四,12345,,,,,\r\n\
               王五,13912345678,010-12345678,https://wang.example.cn,100080,,\r\n";
    let (_, file) = app
        .upload(&app.admin, "warn.csv", csv.as_bytes().to_vec(), "en")
        .await;
    let id = file["file_id"].as_str().unwrap().to_owned();

    // Strict: every row with an invalid value is rejected whole.
    let r = app
        .send_in(
            "en",
            Method::POST,
            "/api/v1/imports/preview",
            &app.admin,
            Some(json!({"file_id": id, "strict": true})),
        )
        .await;
    let strict = body(r).await;
    assert_eq!(counts(&strict), [1, 0, 0, 0, 2], "{strict}");
    assert_eq!(strict["counts"]["warned"], 0);

    // By default the first row is imported without its phone, website,
    // postal code and owner, listed with them and why; the invalid mobile
    // still rejects its row.
    let batch = app.import(&app.admin, json!({"file_id": id})).await;
    assert_eq!(counts(&batch), [2, 0, 0, 0, 1], "{batch}");
    assert_eq!(batch["counts"]["warned"], 1, "{batch}");
    let issues = body(
        app.get(
            &format!("/api/v1/imports/{}/issues", batch["id"]),
            &app.admin,
        )
        .await,
    )
    .await;
    let warned = issues
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["outcome"] == "warned")
        .unwrap_or_else(|| panic!("{issues}"));
    assert_eq!(warned["row"], 2);
    let fields: Vec<&str> = warned["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"].as_str().unwrap())
        .collect();
    for field in ["phone", "website", "postal_code", "owner_id"] {
        assert!(fields.contains(&field), "{field}: {warned}");
    }
    let listed = body(app.get("/api/v1/customers?q=13812345678", &app.admin).await).await;
    let zhang = &listed["items"][0];
    assert_eq!(zhang["phone"], Value::Null, "{zhang}");
    let notes = zhang["notes"].as_str().unwrap();
    assert!(
        notes.starts_with("老客户 [导入未采用 · not imported] "),
        "{notes}"
    );
    for kept in [
        "电话: 12345",
        "网址: not a site",
        "邮编: ABCDEF",
        "负责人: nobody@elsewhere.example",
    ] {
        assert!(notes.contains(kept), "{kept}: {notes}");
    }
    // The importer took the record the owner column could not give.
    let me = body(app.get("/api/v1/me", &app.admin).await).await;
    assert_eq!(zhang["owner_id"], me["id"], "{zhang}");
}

#[tokio::test]
async fn a_file_exported_from_one_kehu_imports_into_another() {
    let from = TestApp::spawn().await;
    let (_, rep) = from.user("rep@example.com", "sales", None).await;
    from.customer(
        &rep,
        json!({"name": "杭州某某科技有限公司", "mobile": "13812345678", "stage": "customer",
               "province": "浙江省", "city": "杭州市", "tags": ["VIP"]}),
    )
    .await;
    from.customer(
        &from.admin,
        json!({"name": "李四", "email": "li.si@example.com", "owner_id": null}),
    )
    .await;
    let r = from
        .get("/api/v1/customers/export?format=csv", &from.admin)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let exported = r.bytes().await.unwrap().to_vec();

    let to = TestApp::spawn().await;
    let (status, file) = to.upload(&to.admin, "export.csv", exported, "en").await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let batch = to
        .import(&to.admin, json!({"file_id": file["file_id"]}))
        .await;
    // Both customers arrive; the one whose owner this kehu does not have
    // says so, and goes to the importer.
    assert_eq!(counts(&batch), [2, 0, 0, 0, 0], "{batch}");
    assert_eq!(batch["counts"]["warned"], 1, "{batch}");
    let listed = body(to.get("/api/v1/customers?q=13812345678", &to.admin).await).await;
    let company = &listed["items"][0];
    assert_eq!(company["stage"], "customer", "{company}");
    assert_eq!(company["tags"], json!(["VIP"]));
    assert!(company["notes"]
        .as_str()
        .unwrap()
        .contains("rep@example.com"));
}
