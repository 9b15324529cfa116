//! What a person does in kehu's pages, one scenario a function. Each
//! follows the HTML contract the pages were written against (ids and names
//! below); `main.rs` decides which run. Data a scenario only needs to exist
//! is made through the REST API; what it tests is done in the browser.

use anyhow::{ensure, Context, Result};
use chrono::{Duration as Days, Utc};
use serde_json::{json, Value};

use crate::harness::{login, sign_in, until, Harness, ADMIN_EMAIL, WAIT};
use crate::webdriver::{Browser, Element};

mod data;
mod sales;

pub use data::{import_wizard, review_and_merge_duplicates, screenshots};
pub use sales::{drag_opportunity_on_the_board, order_entered_paid_and_shipped};

pub(crate) const MOBILE: &str = "13812345678";
pub(crate) const MASKED: &str = "138****5678";

/// The path of a customer's page, `/customers/ID`.
pub(crate) fn customer_path(id: i64) -> String {
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
pub(crate) fn date_in(days: i64) -> String {
    (Utc::now() + Days::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

pub(crate) async fn text(b: &Browser, css: &str) -> Result<String> {
    b.find(css).await?.text().await
}

/// The text of every element matching `css`.
pub(crate) async fn items(b: &Browser, css: &str) -> Result<Vec<String>> {
    let mut texts = Vec::new();
    for element in b.find_all(css).await? {
        texts.push(element.text().await?);
    }
    Ok(texts)
}

pub(crate) async fn html_lang(b: &Browser) -> Result<String> {
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
