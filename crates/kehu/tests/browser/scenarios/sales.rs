//! Scenarios of selling: an order entered, paid and shipped, and an
//! opportunity dragged across the board.

use super::{choose, customer_path, date_in};
use crate::harness::{sign_in, until, Harness, ADMIN_EMAIL, WAIT};
use anyhow::{ensure, Context, Result};
use serde_json::json;

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
    // The page before had a notice too: wait for the one of this payment.
    until("the first payment's page", async || {
        Ok(b.current_url().await?.contains("flash=payment_recorded"))
    })
    .await?;
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
