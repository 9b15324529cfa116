//! Opportunities over HTTP and on their pages: stages and probabilities,
//! lost needing a reason, the board's totals, the forecast, pipelines kept
//! by administrators, and an order made from an opportunity.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{body, field_errors, TestApp};
use crate::pages::Browser;

/// The id of the default pipeline's stage with `key`.
async fn stage(app: &TestApp, key: &str) -> i64 {
    let pipelines = body(app.get("/api/v1/pipelines", &app.admin).await).await;
    pipelines[0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn opportunities_move_on_the_board_and_add_up_in_the_forecast() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let c = app.customer(&rep, json!({"name": "远景贸易"})).await;
    let cid = c["id"].as_i64().unwrap();

    let r = app
        .post(
            "/api/v1/opportunities",
            &rep,
            json!({"customer_id": cid, "name": "", "amount": "abc", "probability": 150}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = field_errors(&body(r).await);
    for expected in [
        ("name", "required"),
        ("amount", "invalid_money"),
        ("probability", "above_max"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {errors:?}"
        );
    }
    let mut ids = Vec::new();
    for (name, amount, close, p) in [
        ("年度采购", "100000", "2026-12-15", Value::Null),
        ("扩容", "33333.33", "2026-12-20", json!(75)),
    ] {
        let r = app
            .post(
                "/api/v1/opportunities",
                &rep,
                json!({"customer_id": cid, "name": name, "amount": amount, "expected_close": close,
                       "probability": p, "stage_id": stage(&app, "proposal").await}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(body(r).await["id"].as_i64().unwrap());
    }
    let board = body(app.get("/api/v1/opportunities/board", &rep).await).await;
    let proposal = board
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["stage"]["key"] == "proposal")
        .unwrap();
    assert_eq!(proposal["count"], 2);
    assert_eq!(proposal["total"]["CNY"], "133333.33");
    // 100000 × 50% + 33333.33 × 75% (24999.9975 → 25000.00).
    assert_eq!(proposal["weighted"]["CNY"], "75000.00");

    let forecast = body(
        app.get("/api/v1/forecast?from=2026-12&to=2026-12&by=all", &rep)
            .await,
    )
    .await;
    assert_eq!(forecast[0]["expected"], "133333.33");
    assert_eq!(forecast[0]["weighted"], "75000.00");
    let r = app.get("/api/v1/forecast?from=2026-13", &rep).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Lost without a reason: refused, nothing moved.
    let lost = stage(&app, "lost").await;
    let r = app
        .post(
            &format!("/api/v1/opportunities/{}/stage", ids[0]),
            &rep,
            json!({"stage_id": lost}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        vec![("lost_reason".to_string(), "required".to_string())]
    );
    let r = app
        .post(
            &format!("/api/v1/opportunities/{}/stage", ids[0]),
            &rep,
            json!({"stage_id": stage(&app, "won").await}),
        )
        .await;
    let won = body(r).await;
    assert_eq!(won["status"], "won");
    let stays = body(
        app.get(&format!("/api/v1/opportunities/{}/stages", ids[0]), &rep)
            .await,
    )
    .await;
    assert_eq!(stays.as_array().unwrap().len(), 2);
    assert!(stays[0]["left_at"].is_string());

    // An order from the opportunity.
    let r = app
        .post(
            &format!("/api/v1/opportunities/{}/order", ids[0]),
            &rep,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let order = body(r).await;
    assert_eq!(order["opportunity_id"], ids[0]);
    assert_eq!(order["total"]["amount"], "100000.00");

    // Pipelines are kept by administrators.
    let pipeline = json!({"name": "续约流程", "stages": [
        {"name": "到期提醒", "probability": 60}, {"name": "续约", "probability": 100, "outcome": "won"},
        {"name": "流失", "probability": 0, "outcome": "lost"}]});
    let r = app.post("/api/v1/pipelines", &rep, pipeline.clone()).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/api/v1/pipelines",
            &app.admin,
            json!({"name": "x", "stages": [{"name": "a", "probability": 10}]}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        vec![("stages".to_string(), "required".to_string())]
    );
    let r = app.post("/api/v1/pipelines", &app.admin, pipeline).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let renewal = body(r).await;
    let first = renewal["stages"][0]["id"].as_i64().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/stages/{first}"),
            &app.admin,
            json!({"probability": 70, "name": "提前沟通"}),
        )
        .await;
    assert_eq!(body(r).await["probability"], 70);
    // A stage holding opportunities is not retired.
    let proposal_id = stage(&app, "proposal").await;
    let r = app
        .patch(
            &format!("/api/v1/stages/{proposal_id}"),
            &app.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // A stage of another pipeline is not a place for this opportunity.
    let r = app
        .post(
            &format!("/api/v1/opportunities/{}/stage", ids[1]),
            &rep,
            json!({"stage_id": first}),
        )
        .await;
    assert_eq!(
        field_errors(&body(r).await),
        vec![("stage_id".to_string(), "not_found".to_string())]
    );

    let (_, other) = app.user("other@example.com", "sales", None).await;
    let r = app
        .get(&format!("/api/v1/opportunities/{}", ids[1]), &other)
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let spec = body(app.get("/api/v1/openapi.json", "").await).await;
    for path in [
        "/api/v1/opportunities",
        "/api/v1/opportunities/board",
        "/api/v1/opportunities/{id}/stage",
        "/api/v1/forecast",
        "/api/v1/pipelines",
    ] {
        assert!(
            spec["paths"].get(path).is_some(),
            "{path} not in the OpenAPI document"
        );
    }
}

#[tokio::test]
async fn opportunities_are_entered_moved_and_forecast_on_their_pages() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let c = app.customer(&app.admin, json!({"name": "华信科技"})).await;
    let cid = c["id"].as_i64().unwrap();

    let page = b
        .post(
            "/opportunities",
            &[
                ("customer_id", &cid.to_string()),
                ("opportunity_name", "系统升级"),
                ("amount", "八万"),
                ("expected_close", "2026-12-18"),
                ("probability", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("不是有效的金额"), "{}", page.html);
    assert!(page.html.contains("value=\"系统升级\""));
    let page = b
        .post(
            "/opportunities",
            &[
                ("customer_id", &cid.to_string()),
                ("opportunity_name", "系统升级"),
                ("amount", "80000"),
                ("expected_close", "2026-12-18"),
                ("probability", "40"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let location = page.location.unwrap();
    let id: i64 = location
        .trim_start_matches("/opportunities/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    let board = b.get("/opportunities").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.html.contains(&format!("id=\"opp-{id}\"")));
    assert!(board.html.contains("80000.00 CNY"));
    // 80000 × 40%.
    assert!(board.html.contains("32000.00 CNY"), "{}", board.html);

    // Moving to lost without a reason: the opportunity's page says so.
    let lost = stage(&app, "lost").await.to_string();
    let page = b
        .post(
            &format!("/opportunities/{id}/stage"),
            &[("stage_id", &lost), ("back", "/opportunities")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html.contains("输单原因: 必填") || page.html.contains("lost_reason: 必填"),
        "{}",
        page.html
    );
    let needs = stage(&app, "needs").await.to_string();
    let page = b
        .post(
            &format!("/opportunities/{id}/stage"),
            &[("stage_id", &needs), ("back", "/opportunities")],
        )
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/opportunities?flash=opportunity_moved")
    );
    let page = b.get(&format!("/opportunities/{id}")).await;
    assert!(page.html.contains("需求确认"));
    assert!(page.html.contains("各阶段停留时间"));

    let page = b
        .get("/opportunities/forecast?from=2026-12&to=2026-12&by=all")
        .await;
    // 80000 at the needs stage's 25%.
    assert!(page.html.contains("80000.00 CNY"), "{}", page.html);
    assert!(page.html.contains("20000.00 CNY"));
    let page = b.get("/opportunities/forecast?from=2026-99").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An administrator gives it to a rep from the edit form.
    let (rep_id, _) = app.user("rep@example.com", "sales", None).await;
    let edit = b.get(&format!("/opportunities/{id}/edit")).await;
    assert!(edit.html.contains("id=\"op-owner\""));
    let version = body(
        app.get(&format!("/api/v1/opportunities/{id}"), &app.admin)
            .await,
    )
    .await["version"]
        .to_string();
    let page = b
        .post(
            &format!("/opportunities/{id}"),
            &[
                ("customer_id", &cid.to_string()),
                ("opportunity_name", "系统升级"),
                ("amount", "80000"),
                ("expected_close", "2026-12-18"),
                ("probability", "25"),
                ("owner_id", &rep_id.to_string()),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let moved = body(
        app.get(&format!("/api/v1/opportunities/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(moved["owner_id"], rep_id);
    let page = b.get("/opportunities/list?status=open").await;
    assert!(page.html.contains(&format!("opp-row-{id}")));
    let page = b.get(&format!("/customers/{cid}")).await;
    assert!(page.html.contains(&format!("/opportunities/{id}")));
}

#[tokio::test]
async fn administrators_keep_pipelines_and_stages_on_the_settings_page() {
    let app = TestApp::spawn().await;
    let b = Browser::login(&app, "admin@example.com").await;
    let page = b
        .post(
            "/settings/pipelines",
            &[("name", "续约流程"), ("stages", "到期提醒 60\n报价 80%")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let pipelines = body(app.get("/api/v1/pipelines", &app.admin).await).await;
    let renewal = pipelines
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "续约流程")
        .unwrap();
    let names: Vec<(&str, i64, &str)> = renewal["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["probability"].as_i64().unwrap(),
                s["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("到期提醒", 60, "open"),
            ("报价", 80, "open"),
            ("赢单", 100, "won"),
            ("输单", 0, "lost")
        ]
    );
    let page = b
        .post(
            "/settings/pipelines",
            &[("name", "坏的"), ("stages", "阶段 很高")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A seeded stage keeps its translated name when saved without one.
    let proposal = stage(&app, "proposal").await;
    let page = b
        .post(
            &format!("/settings/stages/{proposal}"),
            &[("probability", "40"), ("active", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let pipelines = body(app.get("/api/v1/pipelines", &app.admin).await).await;
    let seeded = pipelines[0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == proposal)
        .unwrap()
        .clone();
    assert_eq!(
        (seeded["probability"].as_i64(), seeded["name"].clone()),
        (Some(40), Value::Null)
    );

    // A stage with opportunities is not retired.
    let c = app.customer(&app.admin, json!({"name": "客户"})).await;
    app.post(
        "/api/v1/opportunities",
        &app.admin,
        json!({"customer_id": c["id"], "name": "X", "stage_id": proposal}),
    )
    .await;
    let page = b
        .post(
            &format!("/settings/stages/{proposal}"),
            &[("probability", "40")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("这个阶段还有商机"), "{}", page.html);
}
