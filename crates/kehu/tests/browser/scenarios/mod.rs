//! What a person does in kehu's pages, one scenario a function. Each
//! follows the HTML contract the pages were written against (ids and names
//! below); `main.rs` decides which run. Data a scenario only needs to exist
//! is made through the REST API; what it tests is done in the browser.

use anyhow::{ensure, Context, Result};
use chrono::{Duration as Days, Utc};
use serde_json::{json, Value};

use crate::harness::{login, sign_in, until, Harness, ADMIN_EMAIL, WAIT};
use crate::webdriver::{Browser, Element};

const MOBILE: &str = "13812345678";
const MASKED: &str = "138****5678";

/// The path of a customer's page, `/customers/ID`.
fn customer_path(id: i64) -> String {
    format!("/customers/{id}")
}

/// Sets a select's or a date input's value as a person's choice would, and
/// fires the events the page listens to. (Typing into a date input depends
/// on the browser's locale; choosing an option by clicking is flaky.)
pub async fn choose(b: &Browser, element: &Element<'_>, value: &str) -> Result<()> {
    let script = "const [el, v] = arguments; el.value = v;
        el.dispatchEvent(new Event('input', {bubbles: true}));
        el.dispatchEvent(new Event('change', {bubbles: true}));
        return el.value;";
    let set = b
        .execute(script, vec![element.to_json(), json!(value)])
        .await?;
    ensure!(
        set == value,
        "the element did not take the value {value} ({set})"
    );
    Ok(())
}

/// A date `days` from today as an `<input type=date>` value.
fn date_in(days: i64) -> String {
    (Utc::now() + Days::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn text(b: &Browser, css: &str) -> Result<String> {
    b.find(css).await?.text().await
}

/// The text of every element matching `css`.
async fn items(b: &Browser, css: &str) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for element in b.find_all(css).await? {
        texts.push(element.text().await?);
    }
    Ok(texts)
}

async fn html_lang(b: &Browser) -> Result<String> {
    let lang = b.find("html").await?.attr("lang").await?;
    lang.context("html has no lang")
}

/// `/` sends a visitor to /login; a wrong password is refused in words; the
/// right one lands on the customer list with the admin's navigation.
pub async fn login_and_refusal(h: &Harness) -> Result<()> {
    let b = &h.browser;
    b.goto(&h.url("/")).await?;
    b.wait_for_path("/login", WAIT).await?;
    let lang = html_lang(b).await?;
    ensure!(lang == "zh-CN" || lang == "en", "html lang={lang}");

    login(b, &h.url(""), ADMIN_EMAIL, "not-the-password").await?;
    let alert = b.wait_for("[role=alert]", WAIT).await?;
    ensure!(!alert.text().await?.trim().is_empty(), "the alert is empty");
    ensure!(b.path().await? == "/login", "a wrong password left /login");

    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    let nav = b.wait_for("nav#nav", WAIT).await?;
    nav.find("a[href=\"/customers\"]").await?;
    nav.find("a[href=\"/tasks\"] #task-count").await?;
    nav.find("a[href=\"/settings\"]").await?;

    b.find("form#logout button").await?.click().await?;
    b.wait_for("form#login-form", WAIT).await?;
    Ok(())
}

/// A rep types a bad mobile and sees the error beside the field before
/// saving; fixed, the customer saves and its page shows the name.
pub async fn new_customer_with_live_validation(h: &Harness) -> Result<()> {
    h.server
        .add_user("rep@example.com", "sales", "王销售", None)
        .await?;
    let b = &h.browser;
    sign_in(b, &h.url(""), "rep@example.com").await?;
    ensure!(
        b.find_all("nav#nav a[href=\"/settings\"]")
            .await?
            .is_empty(),
        "a sales rep sees the settings link"
    );

    b.goto(&h.url("/customers/new")).await?;
    b.wait_for("form#customer-form", WAIT).await?;
    b.find("#f-name").await?.send_keys("张三").await?;
    let mobile = b.find("#f-mobile").await?;
    mobile.send_keys("12345").await?;
    until("the inline mobile error", async || {
        let error = text(b, "#f-mobile-error").await.unwrap_or_default();
        let invalid = mobile.attr("aria-invalid").await?;
        Ok(!error.trim().is_empty() && invalid.as_deref() == Some("true"))
    })
    .await?;

    mobile.clear().await?;
    mobile.send_keys("138 1234 5678").await?;
    b.find("#f-company")
        .await?
        .send_keys("北京某某科技有限公司")
        .await?;
    until("the mobile error to clear", async || {
        let error = text(b, "#f-mobile-error").await.unwrap_or_default();
        let invalid = mobile.attr("aria-invalid").await?;
        Ok(error.trim().is_empty() && invalid.as_deref() != Some("true"))
    })
    .await?;

    save_new_customer(b).await?;
    let h1 = b.wait_for("h1", WAIT).await?.text().await?;
    ensure!(h1.contains("张三"), "h1 is {h1:?}");
    Ok(())
}

/// Saves the customer form and waits for the new customer's page.
pub async fn save_new_customer(b: &Browser) -> Result<()> {
    b.find("#save").await?.click().await?;
    until("the new customer's page", async || {
        let path = b.path().await?;
        Ok(path
            .strip_prefix("/customers/")
            .is_some_and(|id| id.parse::<i64>().is_ok()))
    })
    .await
}

/// Typing a mobile that another customer has shows a warning that links to
/// that customer, before anything is saved.
pub async fn duplicate_mobile_warning(h: &Harness) -> Result<()> {
    let first = h
        .server
        .add_customer(json!({"name": "张三", "mobile": MOBILE}))
        .await?;
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.goto(&h.url("/customers/new")).await?;
    b.wait_for("form#customer-form", WAIT).await?;
    b.find("#f-name").await?.send_keys("张三丰").await?;
    // Another way of writing the same number.
    b.find("#f-mobile")
        .await?
        .send_keys("+86 138-1234-5678")
        .await?;
    b.find("#f-email").await?.click().await?;

    let link = b
        .wait_for("#duplicates a[href^=\"/customers/\"]", WAIT)
        .await?;
    let href = link.attr("href").await?.unwrap_or_default();
    ensure!(href == customer_path(first), "the warning links to {href}");
    Ok(())
}

/// "zs" finds 张三 and not 李四.
pub async fn search_by_pinyin_initials(h: &Harness) -> Result<()> {
    let zhang = h.server.add_customer(json!({"name": "张三"})).await?;
    let li = h.server.add_customer(json!({"name": "李四"})).await?;
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.goto(&h.url("/customers")).await?;
    let q = b.wait_for("form#search input#q", WAIT).await?;
    q.send_keys("zs\u{E007}").await?; // Enter submits the search.

    let zhang_row = format!(
        "table#customers tbody tr a[href=\"{}\"]",
        customer_path(zhang)
    );
    let li_row = format!("table#customers tbody tr a[href=\"{}\"]", customer_path(li));
    until("张三 alone in the results", async || {
        let found = !b.find_all(&zhang_row).await?.is_empty();
        let other = !b.find_all(&li_row).await?.is_empty();
        Ok(found && !other)
    })
    .await?;
    Ok(())
}

/// A follow-up with a next step shows in the timeline with the task it
/// made, and the task is on the tasks page.
pub async fn follow_up_in_timeline(h: &Harness) -> Result<()> {
    let id = h
        .server
        .add_customer(json!({"name": "张三", "mobile": MOBILE}))
        .await?;
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.goto(&h.url(&customer_path(id))).await?;
    let form = b.wait_for("form#follow-up", WAIT).await?;
    choose(b, &form.find("select#fu-channel").await?, "call").await?;
    let content = "电话沟通，客户对报价有兴趣";
    let next_step = "发送报价单";
    form.find("textarea#fu-content")
        .await?
        .send_keys(content)
        .await?;
    form.find("input#fu-next-step")
        .await?
        .send_keys(next_step)
        .await?;
    choose(b, &form.find("input#fu-next-date").await?, &date_in(3)).await?;
    form.find("button[type=submit]").await?.click().await?;

    until("the follow-up and its task in the timeline", async || {
        let timeline = items(b, "ol#timeline li").await?;
        Ok(timeline.iter().any(|t| t.contains(content))
            && timeline.iter().any(|t| t.contains(next_step)))
    })
    .await?;

    b.goto(&h.url("/tasks")).await?;
    let upcoming = b.wait_for("#upcoming", WAIT).await?;
    let upcoming = upcoming.text().await?;
    ensure!(upcoming.contains(next_step), "upcoming tasks: {upcoming}");
    Ok(())
}

/// Two of three customers are ticked and given to another rep in one go.
pub async fn bulk_assign_owner(h: &Harness) -> Result<()> {
    let rep = h
        .server
        .add_user("li@example.com", "sales", "李销售", None)
        .await?;
    let mut ids = Vec::new();
    for name in ["张三", "李四", "王五"] {
        ids.push(h.server.add_customer(json!({ "name": name })).await?);
    }
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.goto(&h.url("/customers")).await?;
    b.wait_for("table#customers tbody tr", WAIT).await?;
    for id in &ids[..2] {
        let tick = format!("table#customers input[name=ids][value=\"{id}\"]");
        let tick = b.find(&tick).await?;
        tick.click().await?;
        ensure!(
            tick.property("checked").await? == true,
            "{id} is not ticked"
        );
    }
    let bulk = b.find("form#bulk").await?;
    choose(b, &bulk.find("select#bulk-action").await?, "owner").await?;
    choose(b, &bulk.find("select#bulk-owner").await?, &rep.to_string()).await?;
    b.find("#bulk-apply").await?.click().await?;
    b.wait_for(".flash", WAIT).await?;

    let owner = |c: Value| c["owner_id"].as_i64();
    for id in &ids[..2] {
        let got = owner(h.server.customer(*id).await?);
        ensure!(got == Some(rep), "customer {id} is owned by {got:?}");
    }
    let untouched = owner(h.server.customer(ids[2]).await?);
    ensure!(untouched != Some(rep), "the unticked customer moved too");
    Ok(())
}

/// The language form switches the whole page between Chinese and English,
/// and the choice sticks across pages.
pub async fn switch_language(h: &Harness) -> Result<()> {
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    ensure!(
        html_lang(b).await? == "zh-CN",
        "a zh-CN browser gets {}",
        html_lang(b).await?
    );
    let chinese_nav = text(b, "nav#nav").await?;

    b.find("form#lang-form button[name=lang][value=en]")
        .await?
        .click()
        .await?;
    until("the page in English", async || {
        Ok(html_lang(b).await.unwrap_or_default() == "en")
    })
    .await?;
    let english_nav = text(b, "nav#nav").await?;
    ensure!(
        english_nav != chinese_nav,
        "the navigation did not change: {english_nav}"
    );

    b.goto(&h.url("/tasks")).await?;
    b.wait_for("nav#nav", WAIT).await?;
    ensure!(html_lang(b).await? == "en", "English did not stick");

    b.find("form#lang-form button[name=lang][value=zh-CN]")
        .await?
        .click()
        .await?;
    until("the page in Chinese", async || {
        Ok(html_lang(b).await.unwrap_or_default() == "zh-CN")
    })
    .await?;
    Ok(())
}

/// A viewer in the owner's team sees the customer but only a masked mobile,
/// nowhere in full in the page; a phone-sized screenshot shows it.
pub async fn viewer_sees_masked_mobile(h: &Harness) -> Result<()> {
    let team = h.server.add_team("华北").await?;
    let rep = h
        .server
        .add_user("rep@example.com", "sales", "王销售", Some(team))
        .await?;
    h.server
        .add_user("viewer@example.com", "viewer", "赵查看", Some(team))
        .await?;
    let id = h
        .server
        .add_customer(json!({"name": "张三", "mobile": MOBILE, "owner_id": rep, "team_id": team}))
        .await?;

    let b = &h.browser;
    sign_in(b, &h.url(""), "viewer@example.com").await?;
    b.goto(&h.url(&customer_path(id))).await?;
    let shown = b.wait_for("#d-mobile", WAIT).await?.text().await?;
    ensure!(
        shown.trim() == MASKED,
        "the viewer sees the mobile as {shown:?}"
    );
    let source = b.page_source().await?;
    ensure!(
        !source.contains(MOBILE),
        "the full mobile is in the page source"
    );
    ensure!(
        b.find_all("form#follow-up").await?.is_empty(),
        "a viewer is offered the follow-up form"
    );
    b.set_window_size(390, 844).await?;
    Ok(())
}

/// An overdue task moves to upcoming when rescheduled and leaves the list
/// when done.
pub async fn tasks_reschedule_and_done(h: &Harness) -> Result<()> {
    let customer = h.server.add_customer(json!({"name": "张三"})).await?;
    let due = (Utc::now() - Days::days(2)).to_rfc3339();
    let body = json!({"title": "回访张三", "due_at": due, "customer_id": customer});
    h.server
        .api(reqwest::Method::POST, "/api/v1/tasks", body)
        .await?;

    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.goto(&h.url("/tasks")).await?;
    let item = b.wait_for("#overdue li", WAIT).await?;
    ensure!(
        item.text().await?.contains("回访张三"),
        "overdue: {}",
        item.text().await?
    );

    let reschedule = item.find("form.task-reschedule").await?;
    choose(b, &reschedule.find("input[type=date]").await?, &date_in(5)).await?;
    reschedule.find("button").await?.click().await?;
    until("the task under upcoming", async || {
        let upcoming = items(b, "#upcoming li").await?;
        let overdue = items(b, "#overdue li").await?;
        Ok(upcoming.iter().any(|t| t.contains("回访张三"))
            && !overdue.iter().any(|t| t.contains("回访张三")))
    })
    .await?;

    let done = "#upcoming li form.task-done button";
    b.find(done).await?.click().await?;
    until("the task to leave the list", async || {
        let open = items(b, "#upcoming li, #today li, #overdue li").await?;
        Ok(!open.iter().any(|t| t.contains("回访张三")))
    })
    .await?;
    Ok(())
}

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

/// An order from the customer page: a catalogue line and a line of its own,
/// confirmed, paid in two payments, shipped; the customer page then shows
/// the purchase and the order page its status.
pub async fn order_entered_paid_and_shipped(h: &Harness) -> Result<()> {
    use reqwest::Method;
    let product = h
        .server
        .api(
            Method::POST,
            "/api/v1/products",
            json!({"code": "CRM-STD", "name": "客户管理系统 标准版", "unit": "套", "price": "12800"}),
        )
        .await?;
    let id = h
        .server
        .add_customer(
            json!({"name": "李娜", "company": "杭州远景贸易有限公司", "stage": "prospect"}),
        )
        .await?;
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.goto(&h.url(&customer_path(id))).await?;
    b.find("#new-order").await?.click().await?;
    b.wait_for("form#order-form", WAIT).await?;
    let rows = b.find_all("form#order-form tr.line-row").await?;
    ensure!(rows.len() >= 2, "{} line rows", rows.len());
    let product_id = product["id"].to_string();
    choose(
        b,
        &rows[0].find("select[name=product_id]").await?,
        &product_id,
    )
    .await?;
    rows[0]
        .find("input[name=quantity]")
        .await?
        .send_keys("2")
        .await?;
    rows[0]
        .find("input[name=discount]")
        .await?
        .send_keys("9折")
        .await?;
    rows[1]
        .find("input[name=name]")
        .await?
        .send_keys("上门实施")
        .await?;
    rows[1]
        .find("input[name=quantity]")
        .await?
        .send_keys("1")
        .await?;
    rows[1]
        .find("input[name=unit_price]")
        .await?
        .send_keys("2000")
        .await?;
    b.find("#save-order").await?.click().await?;
    // 2 × 12800 × 90% + 2000 = 25040.
    let total = b.wait_for("#order-total", WAIT).await?.text().await?;
    ensure!(total == "25040.00 CNY", "total {total}");
    h.screenshot(b, "order-draft").await?;

    b.find("#confirm").await?.click().await?;
    let amount = b.wait_for("#pay-amount", WAIT).await?;
    ensure!(
        amount.property("value").await? == "25040.00",
        "the outstanding amount is offered"
    );
    amount.clear().await?;
    amount.send_keys("20000").await?;
    b.find("#record-payment").await?.click().await?;
    b.wait_for(".flash", WAIT).await?;
    let outstanding = b.find("#order-outstanding").await?.text().await?;
    ensure!(outstanding == "5040.00 CNY", "outstanding {outstanding}");
    // The rest: the amount field now offers exactly what is left.
    b.find("#record-payment").await?.click().await?;
    b.wait_for("form#ship-order", WAIT).await?;
    b.find("#ship-carrier").await?.send_keys("顺丰速运").await?;
    b.find("#ship-tracking")
        .await?
        .send_keys("SF1234567890")
        .await?;
    b.find("#ship").await?.click().await?;
    b.wait_for("form#deliver-order", WAIT).await?;
    let status = b.find("#order-status").await?.text().await?;
    ensure!(status == "已发货", "status {status}");
    h.screenshot(b, "order-shipped").await?;

    b.find("#order-customer").await?.click().await?;
    let figures = b.wait_for("#figures", WAIT).await?.text().await?;
    ensure!(
        figures.contains("已购 1 次") && figures.contains("25040.00 CNY"),
        "{figures}"
    );
    let customer = h.server.customer(id).await?;
    ensure!(
        customer["stage"] == "customer",
        "stage {}",
        customer["stage"]
    );
    let timeline = b.find("ol#timeline").await?.text().await?;
    ensure!(timeline.contains("SF1234567890"), "{timeline}");
    Ok(())
}

/// The opportunity board: a card dragged to another column moves there
/// (totals follow); dragged to Lost it asks for the reason first.
pub async fn drag_opportunity_on_the_board(h: &Harness) -> Result<()> {
    use reqwest::Method;
    let customer = h
        .server
        .add_customer(json!({"name": "远景贸易", "kind": "company"}))
        .await?;
    let pipelines = h
        .server
        .api(Method::GET, "/api/v1/pipelines", json!(null))
        .await?;
    let stage = |key: &str| -> Result<i64> {
        pipelines[0]["stages"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["key"] == key))
            .and_then(|s| s["id"].as_i64())
            .with_context(|| format!("no stage {key}"))
    };
    let mut ids = Vec::new();
    for (name, amount) in [("年度采购", "120000"), ("扩容项目", "50000")] {
        let o = h
            .server
            .api(
                Method::POST,
                "/api/v1/opportunities",
                json!({"customer_id": customer, "name": name, "amount": amount, "expected_close": date_in(20)}),
            )
            .await?;
        ids.push(o["id"].as_i64().context("opportunity id")?);
    }
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    b.goto(&h.url("/opportunities")).await?;
    b.wait_for("#board", WAIT).await?;
    h.screenshot(b, "board-before").await?;

    let proposal = stage("proposal")?;
    let card = b.find(&format!("#opp-{}", ids[0])).await?;
    let column = b.find(&format!("#column-{proposal} .cards")).await?;
    b.drag(&card, &column).await?;
    b.wait_for(".flash", WAIT).await?;
    let moved = h
        .server
        .api(
            Method::GET,
            &format!("/api/v1/opportunities/{}", ids[0]),
            json!(null),
        )
        .await?;
    ensure!(moved["stage_id"] == proposal, "stage {}", moved["stage_id"]);
    ensure!(
        moved["probability"] == 50,
        "probability {}",
        moved["probability"]
    );
    let total = b
        .find(&format!("#column-{proposal} .total"))
        .await?
        .text()
        .await?;
    ensure!(total == "120000.00 CNY", "column total {total}");
    let weighted = b
        .find(&format!("#column-{proposal} .weighted"))
        .await?
        .text()
        .await?;
    ensure!(weighted == "60000.00 CNY", "weighted {weighted}");

    // To Lost: the reason is asked for, and kept.
    let lost = stage("lost")?;
    let card = b.find(&format!("#opp-{}", ids[1])).await?;
    let column = b.find(&format!("#column-{lost} .cards")).await?;
    b.drag(&card, &column).await?;
    let reason = b.wait_for("#lost-dialog[open] #lost-reason", WAIT).await?;
    reason.send_keys("预算取消").await?;
    b.find("#lost-ok").await?.click().await?;
    until("the lost move to be saved", async || {
        let o = h
            .server
            .api(
                Method::GET,
                &format!("/api/v1/opportunities/{}", ids[1]),
                json!(null),
            )
            .await?;
        Ok(o["status"] == "lost")
    })
    .await?;
    let o = h
        .server
        .api(
            Method::GET,
            &format!("/api/v1/opportunities/{}", ids[1]),
            json!(null),
        )
        .await?;
    ensure!(
        o["lost_reason"] == "预算取消",
        "reason {}",
        o["lost_reason"]
    );
    b.wait_for(".flash", WAIT).await?;
    h.screenshot(b, "board-after").await?;
    Ok(())
}
