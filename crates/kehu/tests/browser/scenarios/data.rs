//! Scenarios of a customer file: imported through the wizard, its
//! duplicates reviewed and merged, and the screenshots of the main pages.

use super::{customer_path, date_in, text, MOBILE};
use crate::harness::{sign_in, until, Harness, ADMIN_EMAIL, WAIT};
use anyhow::{ensure, Result};
use serde_json::{json, Value};

/// The import wizard end to end: a CSV chosen in the file input, its
/// columns guessed, a preview with its counts, the run, the report with
/// the rejected row, and undo.
pub async fn import_wizard(h: &Harness) -> Result<()> {
    let folder = tempfile::tempdir()?;
    let path = folder.path().join("展会名单.csv");
    let csv = "\u{feff}姓名,手机,邮箱,备注\n张三,13812345678,zhangsan@example.com,展会\n\
               李四,12345,,电话有误\n王五,13900000002,,\n";
    std::fs::write(&path, csv)?;
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.find("nav#nav a[href=\"/imports\"]")
        .await?
        .click()
        .await?;
    b.wait_for("#new-import", WAIT).await?.click().await?;
    let form = b.wait_for("form#upload-form", WAIT).await?;
    form.find("input#file")
        .await?
        .send_keys(&path.display().to_string())
        .await?;
    form.find("#upload").await?.click().await?;

    b.wait_for_path("/imports/map", WAIT).await?;
    b.wait_for("form#map-form", WAIT).await?;
    for (select, field) in [
        ("#map-0", "name"),
        ("#map-1", "mobile"),
        ("#map-2", "email"),
        ("#map-3", "notes"),
    ] {
        let value = b.find(select).await?.property("value").await?;
        ensure!(value == field, "{select} guessed {value}, not {field}");
    }
    b.find("#policy-skip").await?;
    h.screenshot(b, "import-map").await?;
    b.find("#preview").await?.click().await?;

    b.wait_for("#preview-counts", WAIT).await?;
    ensure!(
        text(b, "#preview-counts [data-count=created]").await? == "2",
        "preview: created"
    );
    ensure!(
        text(b, "#preview-counts [data-count=rejected]").await? == "1",
        "preview: rejected"
    );
    let reasons = text(b, "table#issues tr#row-3").await?;
    ensure!(
        reasons.contains("手机"),
        "the rejected row's reason: {reasons}"
    );
    h.screenshot(b, "import-preview").await?;
    b.find("#run").await?.click().await?;

    until("the batch's report", async || {
        let path = b.path().await?;
        let done = !b
            .find_all("#import-status[data-status=done]")
            .await?
            .is_empty();
        Ok(path.starts_with("/imports/") && done)
    })
    .await?;
    ensure!(
        text(b, "#batch-counts [data-count=created]").await? == "2",
        "report: created"
    );
    b.find("a#rejected-csv").await?;
    h.screenshot(b, "import-report").await?;
    ensure!(
        !b.find_all("table#issues tr#row-3").await?.is_empty(),
        "the rejected row is listed"
    );
    let list = h
        .server
        .api(reqwest::Method::GET, "/api/v1/customers", Value::Null)
        .await?;
    ensure!(list["items"].as_array().map(Vec::len) == Some(2), "{list}");

    // The confirmation dialog answers yes.
    b.execute("window.confirm = () => true; return true", vec![])
        .await?;
    b.find("#undo").await?.click().await?;
    until("the batch to be undone", async || {
        Ok(!b
            .find_all("#import-status[data-status=undone]")
            .await?
            .is_empty())
    })
    .await?;
    let flash = text(b, "p.flash").await?;
    ensure!(flash.contains('2'), "the undo's confirmation: {flash}");
    let list = h
        .server
        .api(reqwest::Method::GET, "/api/v1/customers", Value::Null)
        .await?;
    ensure!(list["items"].as_array().map(Vec::len) == Some(0), "{list}");
    Ok(())
}

/// The main pages with sample data, in Chinese and in English, for the
/// README: the list, a customer, the entry form with errors, the tasks and
/// the settings.
pub async fn screenshots(h: &Harness) -> Result<()> {
    use reqwest::Method;
    h.server.demo(400)?;
    let field = json!({"key": "level", "label_zh": "客户等级", "label_en": "Level",
        "kind": {"type": "select", "options": ["A", "B", "C"]}});
    h.server.api(Method::POST, "/api/v1/fields", field).await?;
    let id = h
        .server
        .add_customer(json!({"name": "张伟", "mobile": MOBILE, "company": "北京云帆科技有限公司",
            "email": "zhangwei@yunfan.example", "province": "北京", "city": "北京", "stage": "prospect",
            "source": "展会", "tags": ["VIP", "展会2026"], "custom": {"level": "A"}}))
        .await?;
    for (content, next_step, days) in [
        ("初次电话沟通，客户有采购意向", "发送产品资料", -1),
        ("拜访客户，演示了系统，对报价有兴趣", "发送正式报价", 0),
    ] {
        let next_at = format!("{}T18:00:00+08:00", date_in(days));
        h.server
            .api(
                Method::POST,
                "/api/v1/interactions",
                json!({"customer_id": id, "channel": "visit",
                "content": content, "next_step": next_step, "next_step_at": next_at}),
            )
            .await?;
    }
    h.server
        .api(
            Method::POST,
            "/api/v1/tasks",
            json!({"title": "回访续约事宜", "due_at":
            format!("{}T10:00:00+08:00", date_in(3)), "customer_id": id}),
        )
        .await?;
    h.server
        .api(
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            json!({"stage": "customer"}),
        )
        .await?;
    // A second entry of 张伟, for the review queue.
    h.server
        .add_customer(
            json!({"name": "章伟", "mobile": "138-1234-5678", "company": "云帆科技（北京）有限公司",
            "title": "采购总监", "city": "北京"}),
        )
        .await?;
    h.server
        .api(Method::POST, "/api/v1/duplicate-scans", json!({}))
        .await?;
    until("the duplicate scan", async || {
        let runs = h
            .server
            .api(Method::GET, "/api/v1/duplicate-scans", json!(null))
            .await?;
        Ok(runs[0]["finished_at"].is_string())
    })
    .await?;
    for lang in ["zh-CN", "en"] {
        let b = h.another_browser(lang).await?;
        sign_in(&b, &h.url(""), ADMIN_EMAIL).await?;
        b.wait_for("table#customers tbody tr", WAIT).await?;
        h.screenshot(&b, &format!("list-{lang}")).await?;
        b.goto(&h.url("/duplicates")).await?;
        b.wait_for("#clusters li.card", WAIT).await?;
        h.screenshot(&b, &format!("duplicates-{lang}")).await?;
        b.find("#clusters li.card a.button").await?.click().await?;
        b.wait_for("form#merge", WAIT).await?;
        h.screenshot(&b, &format!("review-{lang}")).await?;
        b.goto(&h.url(&customer_path(id))).await?;
        b.wait_for("ol#timeline li", WAIT).await?;
        h.screenshot(&b, &format!("customer-{lang}")).await?;
        b.goto(&h.url("/customers/new")).await?;
        let form = b.wait_for("form#customer-form", WAIT).await?;
        form.find("#f-name").await?.send_keys("王芳").await?;
        form.find("#f-mobile").await?.send_keys("1391234").await?;
        form.find("#f-email").await?.send_keys("wangfang@").await?;
        form.find("#f-uscc")
            .await?
            .send_keys("91110000123456789X")
            .await?;
        b.find("#save").await?.click().await?;
        b.wait_for("#form-errors", WAIT).await?;
        h.screenshot(&b, &format!("entry-errors-{lang}")).await?;
        b.goto(&h.url("/tasks")).await?;
        b.wait_for("#overdue li", WAIT).await?;
        h.screenshot(&b, &format!("tasks-{lang}")).await?;
        b.goto(&h.url("/settings/fields")).await?;
        b.wait_for("table#fields", WAIT).await?;
        h.screenshot(&b, &format!("settings-{lang}")).await?;
    }
    Ok(())
}

/// The review queue: a scan started from the page finds two entries of one
/// person, the reviewer keeps the second record's title, merges, follows
/// the merged record's old link to the survivor, and undoes the merge.
pub async fn review_and_merge_duplicates(h: &Harness) -> Result<()> {
    let a = h
        .server
        .add_customer(json!({"name": "张伟", "mobile": "13812345678", "title": "经理"}))
        .await?;
    let b = h
        .server
        .add_customer(json!({"name": "章伟", "mobile": "138 1234 5678", "title": "总监"}))
        .await?;
    let br = &h.browser;
    sign_in(br, &h.url(""), ADMIN_EMAIL).await?;
    br.goto(&h.url("/duplicates")).await?;
    br.find("form#scan button").await?.click().await?;
    br.wait_for(".flash", WAIT).await?;
    until("the scan to find the pair", async || {
        br.goto(&h.url("/duplicates")).await?;
        Ok(!br.find_all("#clusters li.card").await?.is_empty())
    })
    .await?;
    br.find("#clusters li.card a.button").await?.click().await?;
    br.wait_for("form#merge", WAIT).await?;
    let cluster = br.current_url().await?;
    br.find(&format!("#keep-title-{b}")).await?.click().await?;
    br.find(&format!("#survivor-{a}")).await?.click().await?;
    br.find("#merge-button").await?.click().await?;
    br.wait_for("form#undo", WAIT).await?;
    let survivor = h.server.customer(a).await?;
    ensure!(
        survivor["title"] == "总监",
        "kept title: {}",
        survivor["title"]
    );

    // The merged record's old address leads to the survivor.
    br.goto(&h.url(&customer_path(b))).await?;
    br.wait_for_path(&customer_path(a), WAIT).await?;

    br.goto(&cluster).await?;
    br.find("form#undo button").await?.click().await?;
    br.wait_for("form#merge", WAIT).await?;
    let back = h.server.customer(b).await?;
    ensure!(
        back["title"] == "总监" && back["id"] == b,
        "restored: {back}"
    );
    let survivor = h.server.customer(a).await?;
    ensure!(
        survivor["title"] == "经理",
        "survivor title: {}",
        survivor["title"]
    );
    Ok(())
}
