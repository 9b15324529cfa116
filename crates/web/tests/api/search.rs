//! Search that fits Chinese users, combined with filters, sorting and
//! cursor pages.

use serde_json::json;

use crate::helpers::{body, TestApp};

async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let b = body(
        app.get(&format!("/api/v1/customers?{query}"), &app.admin)
            .await,
    )
    .await;
    let mut out: Vec<String> = b["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{query}: {b}"))
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn customers_are_found_by_pinyin_initials_characters_fragments_and_email() {
    let app = TestApp::spawn().await;
    for c in [
        json!({"name": "张三", "mobile": "13812345678", "email": "zs@qq.com", "company": "北京某某科技有限公司"}),
        json!({"name": "单雄信", "mobile": "13900009999"}),
        json!({"name": "曾国藩"}),
        json!({"name": "解缙"}),
        json!({"name": "John Smith", "email": "john.smith@acme.com", "company": "Acme Trading Co., Ltd."}),
    ] {
        app.customer(&app.admin, c).await;
    }
    assert_eq!(names(&app, "q=zhangsan").await, ["张三"]);
    assert_eq!(names(&app, "q=zs").await, ["张三"]);
    assert_eq!(names(&app, "q=张").await, ["张三"]);
    assert_eq!(names(&app, "q=ZhangSan").await, ["张三"]);
    assert_eq!(names(&app, "q=shanxiongxin").await, ["单雄信"]);
    assert_eq!(names(&app, "q=sxx").await, ["单雄信"]);
    assert_eq!(names(&app, "q=zengguofan").await, ["曾国藩"]);
    assert_eq!(names(&app, "q=xiejin").await, ["解缙"]);
    assert_eq!(names(&app, "q=5678").await, ["张三"]);
    assert_eq!(names(&app, "q=1234").await, ["张三"]);
    assert_eq!(names(&app, "q=0000").await, ["单雄信"]);
    assert_eq!(names(&app, "q=zs@qq").await, ["张三"]);
    assert_eq!(names(&app, "q=某某科技").await, ["张三"]);
    assert_eq!(names(&app, "q=smith").await, ["John Smith"]);
    assert_eq!(names(&app, "q=acme").await, ["John Smith"]);
    assert_eq!(names(&app, "q=zs 5678").await, ["张三"]);
    assert_eq!(names(&app, "q=zs 9999").await, Vec::<String>::new());
    // Three digits say too little to search phone numbers by.
    assert_eq!(names(&app, "q=123").await.len(), 5);
}

#[tokio::test]
async fn search_combines_with_filters() {
    let app = TestApp::spawn().await;
    app.customer(&app.admin, json!({"name": "张伟", "stage": "customer", "province": "广东", "source": "展会", "tags": ["VIP"]})).await;
    app.customer(
        &app.admin,
        json!({"name": "张伟", "stage": "lead", "province": "北京", "source": "官网"}),
    )
    .await;
    app.customer(
        &app.admin,
        json!({"name": "李伟", "stage": "customer", "province": "广东"}),
    )
    .await;
    assert_eq!(names(&app, "q=zw&stage=customer").await, ["张伟"]);
    assert_eq!(
        names(&app, "stage=customer&province=广东省").await,
        ["张伟", "李伟"]
    );
    assert_eq!(names(&app, "q=zw&province=北京").await, ["张伟"]);
    assert_eq!(names(&app, "tag=VIP").await, ["张伟"]);
    assert_eq!(names(&app, "source=官网").await, ["张伟"]);
    assert_eq!(
        names(&app, "created_from=2000-01-01&created_to=2199-12-31")
            .await
            .len(),
        3
    );
    assert_eq!(names(&app, "created_to=2000-01-01").await.len(), 0);
    assert_eq!(names(&app, "owner_id=none").await.len(), 0);
}

#[tokio::test]
async fn cursor_pages_walk_every_record_once_in_order() {
    let app = TestApp::spawn().await;
    for i in 0..23 {
        app.customer(&app.admin, json!({"name": format!("客户{i:02}")}))
            .await;
    }
    for sort in ["name", "-name", "-updated_at", "created_at"] {
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/customers?limit=5&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = body(app.get(&path, &app.admin).await).await;
            for c in page["items"].as_array().unwrap() {
                seen.push(c["name"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 23, "{sort}");
        let mut sorted = seen.clone();
        sorted.sort();
        if sort == "-name" {
            sorted.reverse();
        }
        if sort.ends_with("name") {
            assert_eq!(seen, sorted, "{sort}");
        }
        // Sorted, a record seen on two pages stands next to itself.
        let mut unique = sorted.clone();
        unique.dedup();
        assert_eq!(unique.len(), 23, "{sort}");
    }
}

#[tokio::test]
async fn custom_fields_filter_the_list() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/fields",
        &app.admin,
        json!({"key": "level", "label_zh": "等级", "label_en": "Level", "kind": {"type": "select", "options": ["A", "B"]}}),
    )
    .await;
    app.customer(&app.admin, json!({"name": "甲", "custom": {"level": "A"}}))
        .await;
    app.customer(&app.admin, json!({"name": "乙", "custom": {"level": "B"}}))
        .await;
    assert_eq!(names(&app, "custom.level=A").await, ["甲"]);
}
