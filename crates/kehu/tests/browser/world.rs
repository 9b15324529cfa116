//! Customers anywhere, in the browser: a rep picks Australia and enters a
//! customer as Australians write one, at desk and at phone size.

use anyhow::{ensure, Result};
use reqwest::Method;
use serde_json::json;

use crate::harness::{sign_in, until, Harness, ADMIN_EMAIL, WAIT};
use crate::scenarios::{choose, save_new_customer};

/// Choosing Australia offers its states and says what its postcodes look
/// like; a national-format mobile is accepted as typed and the customer's
/// page shows it as Australians read it, the country by name.
pub async fn australian_customer_with_a_national_mobile(h: &Harness) -> Result<()> {
    let b = &h.browser;
    sign_in(b, &h.url(""), ADMIN_EMAIL).await?;
    let people = [
        (1280, 900, "Olivia Smith", "0414 089 598"),
        (390, 844, "Jack Brown", "0406 967 183"),
    ];
    for (width, height, name, written) in people {
        b.set_window_size(width, height).await?;
        b.goto(&h.url("/customers/new")).await?;
        b.wait_for("form#customer-form", WAIT).await?;
        b.find("#f-name").await?.send_keys(name).await?;
        let country = b.find("#f-country").await?;
        choose(b, &country, "AU").await?;
        until("Australia's states offered", async || {
            let options = b.find_all("#f-province-list option").await?;
            let mut values = Vec::new();
            for o in options {
                values.extend(o.attr("value").await?);
            }
            Ok(values.iter().any(|v| v == "New South Wales"))
        })
        .await?;
        until("the postcode hint", async || {
            let hint = b.find("#f-postal-code-hint").await?.text().await?;
            Ok(hint.contains("1234"))
        })
        .await?;
        let mobile = b.find("#f-mobile").await?;
        let (most, last) = written.split_at(written.len() - 1);
        mobile.send_keys(most).await?;
        until("the inline error for a short mobile", async || {
            let error = b.find("#f-mobile-error").await?.text().await?;
            Ok(!error.trim().is_empty())
        })
        .await?;
        mobile.send_keys(last).await?;
        b.find("#f-province").await?.send_keys("NSW").await?;
        b.find("#f-postal-code").await?.send_keys("2000").await?;
        until("the form to be clean", async || {
            let mut errors = String::new();
            for e in b.find_all(".field-error").await? {
                errors.push_str(&e.text().await?);
            }
            Ok(errors.trim().is_empty())
        })
        .await?;
        save_new_customer(b).await?;
        let page = b.wait_for("main", WAIT).await?.text().await?;
        ensure!(page.contains(written), "the page shows {page}");
        ensure!(page.contains("New South Wales"), "the page shows {page}");
        ensure!(
            page.contains("澳大利亚") || page.contains("Australia"),
            "the page shows {page}"
        );
        h.screenshot(b, &format!("australian-customer-{width}"))
            .await?;
    }
    let found = h
        .server
        .api(Method::GET, "/api/v1/customers?country=AU", json!(null))
        .await?;
    let mut mobiles: Vec<&str> = found["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|c| c["mobile"].as_str()).collect())
        .unwrap_or_default();
    mobiles.sort_unstable();
    ensure!(
        mobiles == ["+61406967183", "+61414089598"],
        "stored as {mobiles:?}"
    );
    Ok(())
}
