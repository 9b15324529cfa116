//! End-to-end tests in headless Chromium against a real `kehu serve`.
//!
//! Needs Debian's `chromium` and `chromium-driver`, so every test here is
//! marked ignored: a plain `cargo test` lists them as ignored rather than
//! counting them as passed, and `cargo test -p kehu --test browser --
//! --include-ignored` (as `.ci/run` does) runs them, failing when the
//! browser is missing. `KEHU_SCREENSHOTS=1` also writes
//! docs/screenshots/*.png.

mod harness;
mod scenarios;
mod webdriver;
mod world;

use anyhow::Result;

use harness::{Harness, WAIT};

/// Starts a harness and runs one scenario in it; a scenario's error fails
/// the test with the whole chain of context.
async fn run(scenario: impl AsyncFnOnce(&Harness) -> Result<()>) {
    let h = Harness::start().await;
    if let Err(e) = scenario(&h).await {
        let url = h.browser.current_url().await.unwrap_or_default();
        panic!("{e:#}\n(the browser was on {url})");
    }
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn the_api_documentation_opens_in_chromium_and_lists_the_endpoints() {
    run(async |h: &Harness| {
        let b = &h.browser;
        // `/` is the login page: the documentation has its own address.
        b.goto(&h.url("/api/v1/docs/")).await?;
        b.wait_for(".opblock-summary-path", WAIT).await?;
        let title = b.title().await?;
        assert!(title.contains("Swagger"), "{title}");
        let mut paths = Vec::new();
        for element in b.find_all(".opblock-summary-path").await? {
            paths.push(element.text().await?);
        }
        assert!(paths.iter().any(|p| p == "/api/v1/customers"), "{paths:?}");
        assert!(paths.len() > 20, "{paths:?}");
        h.screenshot(b, "api-docs").await?;

        // Errors carry the driver's own words.
        let missing = b.find("#no-such-thing").await.err().unwrap();
        assert!(
            format!("{missing:#}").contains("no such element"),
            "{missing:#}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn two_browsers_keep_their_own_cookies() {
    run(async |h: &Harness| {
        let other = h.another_browser("en").await?;
        for b in [&h.browser, &other] {
            b.goto(&h.url("/healthz")).await?;
        }
        let set = "document.cookie = 'who=first; path=/'; return document.cookie";
        assert_eq!(h.browser.execute(set, vec![]).await?, "who=first");
        let read = "return document.cookie";
        assert_eq!(other.execute(read, vec![]).await?, "");
        h.browser.delete_cookies().await?;
        assert_eq!(h.browser.execute(read, vec![]).await?, "");
        Ok(())
    })
    .await;
}

// What a user does on the pages, step by step (see scenarios.rs).

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn a_visitor_is_sent_to_login_and_a_wrong_password_is_refused() {
    run(scenarios::login_and_refusal).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn a_bad_mobile_is_flagged_while_typing_and_the_fixed_customer_saves() {
    run(scenarios::new_customer_with_live_validation).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn entering_a_known_mobile_again_warns_of_the_duplicate() {
    run(scenarios::duplicate_mobile_warning).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn a_customer_is_found_by_the_pinyin_initials_of_the_name() {
    run(scenarios::search_by_pinyin_initials).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn a_follow_up_and_its_task_appear_in_the_timeline() {
    run(scenarios::follow_up_in_timeline).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn two_customers_are_assigned_to_another_rep_at_once() {
    run(scenarios::bulk_assign_owner).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn the_language_switch_changes_the_pages_language() {
    run(scenarios::switch_language).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn a_viewer_sees_the_mobile_masked() {
    run(scenarios::viewer_sees_masked_mobile).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn an_overdue_task_is_rescheduled_then_done() {
    run(scenarios::tasks_reschedule_and_done).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn a_csv_is_uploaded_mapped_previewed_imported_and_undone_in_the_wizard() {
    run(scenarios::import_wizard).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn duplicates_are_reviewed_merged_and_the_merge_undone_in_the_review_queue() {
    run(scenarios::review_and_merge_duplicates).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn an_order_is_entered_paid_in_two_parts_and_shipped() {
    run(scenarios::order_entered_paid_and_shipped).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn an_opportunity_card_is_dragged_to_another_stage_and_to_lost_with_a_reason() {
    run(scenarios::drag_opportunity_on_the_board).await;
}

#[tokio::test]
#[ignore = "writes docs/screenshots/*.png for the README: KEHU_SCREENSHOTS=1 cargo test -p kehu --test browser -- --ignored screenshots"]
async fn screenshots_of_the_main_pages_in_both_languages() {
    run(scenarios::screenshots).await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: cargo test -p kehu --test browser -- --include-ignored"]
async fn an_australian_customer_is_entered_with_a_national_mobile_at_desk_and_phone_size() {
    run(world::australian_customer_with_a_national_mobile).await;
}
