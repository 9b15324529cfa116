//! Merging duplicates over HTTP: the default plan, a merge with a chosen
//! value, the merged id leading to the survivor (API and page), undo, and
//! pairs marked as not duplicates.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{body, field_errors, TestApp};
use crate::pages::Browser;

#[tokio::test]
async fn customers_merge_and_the_merge_is_undone_over_the_api() {
    let app = TestApp::spawn().await;
    let a = app
        .customer(
            &app.admin,
            json!({"name": "张伟", "mobile": "13812345678", "title": "经理"}),
        )
        .await;
    let b = app
        .customer(
            &app.admin,
            json!({"name": "章伟", "mobile": "13812345678", "email": "zw@example.com", "title": "总监"}),
        )
        .await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());

    let plan = body(
        app.get(&format!("/api/v1/merges/plan?ids={a},{b}"), &app.admin)
            .await,
    )
    .await;
    let title = plan["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "title")
        .unwrap();
    assert_eq!(title["values"].as_array().unwrap().len(), 2, "{plan}");

    let r = app
        .post(
            "/api/v1/merges",
            &app.admin,
            json!({"ids": [a, b], "keep": {"title": a}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let merge = body(r).await;
    assert_eq!(merge["survivor_id"], a);
    assert_eq!(merge["merged_ids"], json!([b]));

    // The merged id leads to the survivor, with the kept and filled values.
    let r = app.get(&format!("/api/v1/customers/{b}"), &app.admin).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.url().path().ends_with(&format!("/customers/{a}")),
        "{}",
        r.url()
    );
    let survivor = body(r).await;
    assert_eq!(survivor["title"], "经理");
    assert_eq!(survivor["email"], "zw@example.com");

    let id = merge["id"].as_i64().unwrap();
    let r = app
        .post(&format!("/api/v1/merges/{id}/undo"), &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let back = body(app.get(&format!("/api/v1/customers/{b}"), &app.admin).await).await;
    assert_eq!(back["id"], b);
    assert_eq!(back["title"], "总监");
    let r = app
        .post(&format!("/api/v1/merges/{id}/undo"), &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // Not duplicates: remembered.
    let r = app
        .post("/api/v1/not-duplicates", &app.admin, json!({"ids": [b, a]}))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(app.store.not_duplicates().await.unwrap().contains(&(a, b)));
}

#[tokio::test]
async fn bad_merge_requests_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let a = app.customer(&app.admin, json!({"name": "甲"})).await["id"]
        .as_i64()
        .unwrap();
    let b = app.customer(&app.admin, json!({"name": "乙"})).await["id"]
        .as_i64()
        .unwrap();
    for (bad, field) in [
        (json!({"ids": [a]}), "ids"),
        (json!({"ids": "1,2"}), "ids"),
        (json!({"ids": [a, b], "keep": {"title": "a"}}), "keep.title"),
        (
            json!({"ids": [a, b], "keep": {"no_such_field": a}}),
            "choose.no_such_field",
        ),
        (json!({"ids": [a, b], "extra": 1}), "extra"),
    ] {
        let r = app.post("/api/v1/merges", &app.admin, bad.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let problem = body(r).await;
        assert!(
            field_errors(&problem).iter().any(|(f, _)| f == field),
            "{bad}: {problem}"
        );
    }
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app
        .post("/api/v1/merges", &rep, json!({"ids": [a, b]}))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.customer_count().await, 2);
}

#[tokio::test]
async fn a_scan_over_the_api_fills_the_review_queue_and_its_clusters_are_dismissed_or_merged() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for fields in [
        json!({"name": "张伟", "mobile": "13812345678"}),
        json!({"name": "章伟", "mobile": "138 1234 5678"}),
        json!({"name": "李娜", "email": "li.na@example.com", "city": "上海"}),
        json!({"name": "李娜", "email": "LI.NA@example.com"}),
        json!({"name": "王强", "mobile": "13900001111"}),
    ] {
        ids.push(
            app.customer(&app.admin, fields).await["id"]
                .as_i64()
                .unwrap(),
        );
    }

    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    let r = app.post("/api/v1/duplicate-scans", &rep, json!({})).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/api/v1/duplicate-scans",
            &app.admin,
            json!({"threshold": "high"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&body(r).await),
        vec![("threshold".to_string(), "wrong_type".to_string())]
    );

    let r = app
        .post("/api/v1/duplicate-scans", &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let run = body(r).await;
    let path = format!("/api/v1/duplicate-scans/{}", run["id"]);
    let mut finished = run;
    for _ in 0..100 {
        if !finished["finished_at"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        finished = body(app.get(&path, &app.admin).await).await;
    }
    assert_eq!(finished["records"], 5, "{finished}");
    assert_eq!(finished["clusters"], 2, "{finished}");

    let page = body(app.get("/api/v1/duplicates", &app.admin).await).await;
    assert_eq!(page["total"], 2, "{page}");
    let clusters = page["clusters"].as_array().unwrap();
    let members = |c: &serde_json::Value| -> Vec<i64> {
        c["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_i64().unwrap())
            .collect()
    };
    let people = clusters
        .iter()
        .find(|c| members(c) == [ids[0], ids[1]])
        .unwrap();
    let li_na = clusters
        .iter()
        .find(|c| members(c) == [ids[2], ids[3]])
        .unwrap();
    assert!(people["reasons"]
        .as_array()
        .unwrap()
        .contains(&json!("same_mobile")));

    // Not a duplicate: the cluster leaves the queue, for good.
    let r = app
        .post(
            &format!("/api/v1/duplicates/{}/dismiss", li_na["id"]),
            &app.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["status"], "dismissed");
    let r = app
        .post(
            &format!("/api/v1/duplicates/{}/dismiss", people["id"]),
            &app.admin,
            json!({"member": 999_999}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Merged: the cluster is settled and names its merge.
    let r = app
        .post(
            "/api/v1/merges",
            &app.admin,
            json!({"ids": [ids[0], ids[1]]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let merge = body(r).await;
    let settled = body(
        app.get(&format!("/api/v1/duplicates/{}", people["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(settled["status"], "merged");
    assert_eq!(settled["merge_id"], merge["id"]);
    let page = body(app.get("/api/v1/duplicates", &app.admin).await).await;
    assert_eq!(page["total"], 0, "{page}");
    let page = body(
        app.get("/api/v1/duplicates?status=merged", &app.admin)
            .await,
    )
    .await;
    assert_eq!(page["total"], 1, "{page}");
    let r = app.get("/api/v1/duplicates?status=later", &app.admin).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Waits for the scan the page started, through the API.
async fn scan_finished(app: &TestApp) -> serde_json::Value {
    for _ in 0..200 {
        let runs = body(app.get("/api/v1/duplicate-scans", &app.admin).await).await;
        if runs[0]["finished_at"].is_string() {
            return runs[0].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the scan did not finish");
}

#[tokio::test]
async fn the_review_page_merges_a_cluster_with_chosen_values_and_undoes_it() {
    let app = TestApp::spawn().await;
    let a = app
        .customer(
            &app.admin,
            json!({"name": "张伟", "mobile": "13812345678", "title": "经理"}),
        )
        .await;
    let b = app
        .customer(
            &app.admin,
            json!({"name": "章伟", "mobile": "13812345678", "title": "总监", "city": "北京"}),
        )
        .await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let admin = Browser::login(&app, "admin@example.com").await;
    let page = admin.get("/duplicates").await;
    assert!(page.html.contains(r#"id="scan""#));
    let done = admin.post("/duplicates/scan", &[]).await;
    assert_eq!(
        done.location.as_deref(),
        Some("/duplicates?flash=scan_started")
    );
    assert_eq!(scan_finished(&app).await["clusters"], 1);

    let page = admin.get("/duplicates").await;
    let marker = r#"<li class="card" id="cluster-"#;
    let at = page.html.find(marker).expect("a cluster in the queue") + marker.len();
    let cluster: i64 = page.html[at..at + page.html[at..].find('"').unwrap()]
        .parse()
        .unwrap();
    assert!(page.html.contains("same mobile") || page.html.contains("手机号相同"));

    // Side by side: the differing title offered from both records.
    let page = admin.get(&format!("/duplicates/{cluster}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&format!(r#"id="keep-title-{a}""#)));
    assert!(page.html.contains(&format!(r#"id="keep-title-{b}""#)));
    let (sa, sb) = (a.to_string(), b.to_string());
    let merged = admin
        .post(
            &format!("/duplicates/{cluster}/merge"),
            &[
                ("survivor", &sa),
                ("include", &sa),
                ("include", &sb),
                ("keep.title", &sb),
            ],
        )
        .await;
    assert_eq!(
        merged.location.as_deref(),
        Some(format!("/duplicates/{cluster}?flash=merged").as_str())
    );
    let survivor = body(app.get(&format!("/api/v1/customers/{a}"), &app.admin).await).await;
    assert_eq!(survivor["title"], "总监");
    assert_eq!(survivor["city"], "北京");
    // The merged record's page leads to the survivor.
    let old = admin.get(&format!("/customers/{b}")).await;
    assert_eq!(
        old.location.as_deref(),
        Some(format!("/customers/{a}").as_str())
    );

    let page = admin.get(&format!("/duplicates/{cluster}")).await;
    assert!(page.html.contains(r#"id="undo""#));
    let undone = admin
        .post(&format!("/duplicates/{cluster}/undo"), &[])
        .await;
    assert_eq!(
        undone.location.as_deref(),
        Some(format!("/duplicates/{cluster}?flash=merge_undone").as_str())
    );
    let back = body(app.get(&format!("/api/v1/customers/{b}"), &app.admin).await).await;
    assert_eq!(back["title"], "总监");
    let survivor = body(app.get(&format!("/api/v1/customers/{a}"), &app.admin).await).await;
    assert_eq!(survivor["title"], "经理");
    // Back in the queue, to be reviewed again.
    let page = admin.get("/duplicates").await;
    assert!(page.html.contains(&format!(r#"id="cluster-{cluster}""#)));

    // A sales rep neither scans nor sees clusters of records not theirs.
    app.user("rep@example.com", "sales", None).await;
    let rep = Browser::login(&app, "rep@example.com").await;
    let page = rep.get("/duplicates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.html.contains(r#"id="scan""#));
    assert_eq!(
        rep.post("/duplicates/scan", &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let refused = rep
        .post(
            &format!("/duplicates/{cluster}/merge"),
            &[("survivor", &sa), ("include", &sb)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(rep
        .get("/duplicates")
        .await
        .html
        .contains(r#"id="no-clusters""#));
}

#[tokio::test]
async fn an_administrators_merge_rule_merges_what_it_covers_over_the_api() {
    let app = TestApp::spawn().await;
    let a = app
        .customer(&app.admin, json!({"name": "李娜", "mobile": "13900001111"}))
        .await;
    let b = app
        .customer(&app.admin, json!({"name": "李娜", "mobile": "13900001111"}))
        .await;
    let (_, manager) = app.user("boss@example.com", "manager", None).await;
    let rule = json!({"name": "同手机同姓名", "require": ["same_mobile", "same_name"], "min_score": 0.9, "schedule": "daily"});
    let r = app
        .post("/api/v1/merge-rules", &manager, rule.clone())
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/api/v1/merge-rules",
            &app.admin,
            json!({"name": "x", "require": ["same_vibes"], "min_score": 2}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = field_errors(&body(r).await)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, vec!["min_score", "require.0"]);
    let r = app.post("/api/v1/merge-rules", &app.admin, rule).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let rule = body(r).await;
    assert_eq!(rule["schedule"], "daily");
    assert_eq!(rule["require"], json!(["same_mobile", "same_name"]));

    let r = app
        .post("/api/v1/duplicate-scans", &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    scan_finished(&app).await;
    let r = app
        .post("/api/v1/merge-rules/run", &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let report = body(r).await;
    assert_eq!(report["merges"].as_array().unwrap().len(), 1, "{report}");
    let merge = body(
        app.get(
            &format!("/api/v1/merges/{}", report["merges"][0]),
            &app.admin,
        )
        .await,
    )
    .await;
    assert_eq!(merge["source"], "rule");
    assert_eq!(merge["rule_id"], rule["id"]);
    let mut both = vec![merge["survivor_id"].clone(), merge["merged_ids"][0].clone()];
    both.sort_by_key(|v| v.as_i64());
    assert_eq!(both, vec![a["id"].clone(), b["id"].clone()]);

    let path = format!("/api/v1/merge-rules/{}", rule["id"]);
    let r = app.delete(&path, &app.admin).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app
        .patch(&path, &app.admin, json!({"enabled": false}))
        .await;
    assert_eq!(body(r).await["enabled"], false);
}

#[tokio::test]
async fn an_administrator_sets_a_merge_rule_on_the_page_and_runs_it() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        app.customer(&app.admin, json!({"name": "李娜", "mobile": "13900001111"}))
            .await;
    }
    let admin = Browser::login(&app, "admin@example.com").await;
    let refused = admin
        .post(
            "/duplicates/rules",
            &[
                ("name", "宽松"),
                ("min_score", "0.5"),
                ("schedule", "manual"),
            ],
        )
        .await;
    assert_eq!(
        refused.location.as_deref(),
        Some("/duplicates?flash=rule_invalid#rules")
    );
    let saved = admin
        .post(
            "/duplicates/rules",
            &[
                ("name", "同手机同姓名"),
                ("require", "same_mobile"),
                ("require", "same_name"),
                ("min_score", "0.9"),
                ("schedule", "daily"),
            ],
        )
        .await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/duplicates?flash=rule_saved#rules")
    );
    let page = admin.get("/duplicates").await;
    assert!(page.html.contains("同手机同姓名"));
    let rules = body(app.get("/api/v1/merge-rules", &app.admin).await).await;
    assert_eq!(rules.as_array().unwrap().len(), 1);

    admin.post("/duplicates/scan", &[]).await;
    scan_finished(&app).await;
    let ran = admin.post("/duplicates/rules/run", &[]).await;
    assert_eq!(
        ran.location.as_deref(),
        Some("/duplicates?flash=rules_ran&n=1#rules")
    );
    assert_eq!(app.customer_count().await, 1);

    // Not for managers.
    app.user("boss@example.com", "manager", None).await;
    let boss = Browser::login(&app, "boss@example.com").await;
    assert!(!boss.get("/duplicates").await.html.contains(r#"id="rules""#));
    assert_eq!(
        boss.post("/duplicates/rules/run", &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Two contacts of `firm` that are one person (王芳, one mobile), added by
/// the administrator; their ids.
async fn two_copies_of_one_contact(app: &TestApp, firm: &serde_json::Value) -> Vec<i64> {
    let mut contacts = Vec::new();
    for fields in [
        json!({"name": "王芳", "mobile": "13700001111", "title": "采购"}),
        json!({"name": "王芳", "mobile": "13700001111", "email": "wf@example.com"}),
    ] {
        let mut fields = fields;
        fields["customer_id"] = firm["id"].clone();
        let r = app.post("/api/v1/contacts", &app.admin, fields).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        contacts.push(body(r).await["id"].as_i64().unwrap());
    }
    contacts
}

#[tokio::test]
async fn duplicate_contacts_are_reviewed_merged_and_unmerged_on_the_page_and_over_the_api() {
    let app = TestApp::spawn().await;
    let firm = app
        .customer(
            &app.admin,
            json!({"kind": "company", "name": "杭州某某贸易有限公司"}),
        )
        .await;
    let contacts = two_copies_of_one_contact(&app, &firm).await;
    let admin = Browser::login(&app, "admin@example.com").await;
    admin.post("/duplicates/scan", &[]).await;
    scan_finished(&app).await;
    let queue = body(
        app.get("/api/v1/duplicates?entity=contact", &app.admin)
            .await,
    )
    .await;
    assert_eq!(queue["total"], 1, "{queue}");
    let cluster = queue["clusters"][0]["id"].as_i64().unwrap();
    assert_eq!(queue["clusters"][0]["entity"], "contact");
    let page = admin.get("/duplicates?entity=contact").await;
    assert!(page.html.contains(&format!(r#"id="cluster-{cluster}""#)));
    assert!(page
        .html
        .contains(&format!(r#"href="/customers/{}""#, firm["id"])));

    let page = admin.get(&format!("/duplicates/{cluster}")).await;
    let (a, b) = (contacts[0].to_string(), contacts[1].to_string());
    assert!(
        page.html.contains(&format!(r#"id="keep-title-{a}""#)),
        "{}",
        page.html
    );
    let merged = admin
        .post(
            &format!("/duplicates/{cluster}/merge"),
            &[("survivor", &a), ("include", &a), ("include", &b)],
        )
        .await;
    assert_eq!(
        merged.location.as_deref(),
        Some(format!("/duplicates/{cluster}?flash=merged").as_str())
    );
    let kept = body(app.get(&format!("/api/v1/contacts/{a}"), &app.admin).await).await;
    assert_eq!(kept["email"], "wf@example.com");
    assert_eq!(kept["title"], "采购");
    let gone = app.get(&format!("/api/v1/contacts/{b}"), &app.admin).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    let undone = admin
        .post(&format!("/duplicates/{cluster}/undo"), &[])
        .await;
    assert_eq!(
        undone.location.as_deref(),
        Some(format!("/duplicates/{cluster}?flash=merge_undone").as_str())
    );
    let kept = body(app.get(&format!("/api/v1/contacts/{a}"), &app.admin).await).await;
    assert_eq!(kept["email"], serde_json::Value::Null);

    // The same over the API, and undo asks first after a later edit.
    let r = app
        .post(
            "/api/v1/contact-merges",
            &app.admin,
            json!({"ids": [contacts[1], contacts[0]], "keep": {"title": contacts[0]}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let merge = body(r).await;
    let kept = body(app.get(&format!("/api/v1/contacts/{b}"), &app.admin).await).await;
    assert_eq!(kept["title"], "采购");
    let r = app
        .patch(
            &format!("/api/v1/contacts/{b}"),
            &app.admin,
            json!({"title": "采购总监"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let undo = format!("/api/v1/contact-merges/{}/undo", merge["id"]);
    let r = app.post(&undo, &app.admin, json!({})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app.post(&undo, &app.admin, json!({"force": true})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let back = app.get(&format!("/api/v1/contacts/{a}"), &app.admin).await;
    assert_eq!(back.status(), StatusCode::OK);
    let r = app
        .post(
            "/api/v1/contact-merges",
            &app.admin,
            json!({"ids": [contacts[0], contacts[0]]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_daily_maintenance_scans_and_runs_a_daily_merge_rule_once_a_day() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        app.customer(&app.admin, json!({"name": "李娜", "mobile": "13900001111"}))
            .await;
    }
    let now = kehu_store::time::Time::now();
    // A rule run by hand only is left alone.
    let manual = json!({"name": "手动", "require": ["same_mobile", "same_name"], "min_score": 0.9});
    let r = app.post("/api/v1/merge-rules", &app.admin, manual).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let done = kehu_web::maintenance::run_daily(&app.store, now)
        .await
        .unwrap();
    assert_eq!(done.merged_by_rules, 0);
    assert_eq!(app.customer_count().await, 2);

    let daily = json!({"name": "每天", "require": ["same_mobile", "same_name"], "min_score": 0.9, "schedule": "daily"});
    let r = app.post("/api/v1/merge-rules", &app.admin, daily).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let done = kehu_web::maintenance::run_daily(&app.store, now)
        .await
        .unwrap();
    assert_eq!(done.merged_by_rules, 1);
    assert_eq!(app.customer_count().await, 1);
    let runs = body(app.get("/api/v1/duplicate-scans", &app.admin).await).await;
    assert_eq!(runs[0]["auto_merged"], 1, "{runs}");
    // Ran today: the next run of the loop leaves it until tomorrow.
    let again = kehu_web::maintenance::run_daily(&app.store, now)
        .await
        .unwrap();
    assert_eq!(again.merged_by_rules, 0);
    let tomorrow = kehu_store::time::Time(now.0 + 24 * 3600 * 1000);
    let next = kehu_web::maintenance::run_daily(&app.store, tomorrow)
        .await
        .unwrap();
    assert_eq!(next.merged_by_rules, 0, "nothing left to merge");
    assert_eq!(
        body(app.get("/api/v1/duplicate-scans", &app.admin).await)
            .await
            .as_array()
            .unwrap()
            .len(),
        2,
        "a scan today and one tomorrow"
    );
}

#[tokio::test]
async fn a_cluster_whose_records_were_deleted_since_the_scan_offers_no_merge() {
    let app = TestApp::spawn().await;
    app.customer(&app.admin, json!({"name": "张伟", "mobile": "13812345678"}))
        .await;
    let b = app
        .customer(&app.admin, json!({"name": "章伟", "mobile": "13812345678"}))
        .await;
    let admin = Browser::login(&app, "admin@example.com").await;
    admin.post("/duplicates/scan", &[]).await;
    scan_finished(&app).await;
    let queue = body(app.get("/api/v1/duplicates", &app.admin).await).await;
    let cluster = queue["clusters"][0]["id"].as_i64().unwrap();
    let r = app
        .delete(&format!("/api/v1/customers/{}", b["id"]), &app.admin)
        .await;
    assert!(r.status().is_success());
    let page = admin.get(&format!("/duplicates/{cluster}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(r#"id="changed""#));
    assert!(!page.html.contains(r#"id="merge""#));
    let dismissed = admin
        .post(&format!("/duplicates/{cluster}/dismiss"), &[])
        .await;
    assert_eq!(
        dismissed.location.as_deref(),
        Some("/duplicates?flash=dismissed")
    );
}

#[tokio::test]
async fn a_reps_review_queue_shows_a_pool_records_numbers_masked() {
    let app = TestApp::spawn().await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;
    app.customer(
        &rep,
        json!({"name": "李娜", "email": "li.na@example.com", "mobile": "13912342222"}),
    )
    .await;
    app.customer(
        &app.admin,
        json!({"name": "李娜", "email": "LI.NA@example.com", "mobile": "13700001111", "owner_id": null}),
    )
    .await;
    let r = app
        .post("/api/v1/duplicate-scans", &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    scan_finished(&app).await;
    let mobiles = |page: &serde_json::Value| -> Vec<String> {
        let mut all: Vec<String> = page["clusters"][0]["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{} {}",
                    m["mobile"].as_str().unwrap(),
                    m["email"].as_str().unwrap()
                )
            })
            .collect();
        all.sort();
        all
    };
    let seen_by_rep = body(app.get("/api/v1/duplicates", &rep).await).await;
    assert_eq!(seen_by_rep["total"], 1, "{seen_by_rep}");
    let shown = mobiles(&seen_by_rep);
    assert_eq!(shown[0], "137****1111 L***@example.com", "{shown:?}");
    assert_eq!(
        shown[1], "13912342222 li.na@example.com",
        "their own in full"
    );
    assert!(!seen_by_rep.to_string().contains("13700001111"));
    let cluster = seen_by_rep["clusters"][0]["id"].as_i64().unwrap();
    let one = body(
        app.get(&format!("/api/v1/duplicates/{cluster}"), &rep)
            .await,
    )
    .await;
    assert!(!one.to_string().contains("13700001111"), "{one}");
    // Nor does the merge plan of the two.
    let ids: Vec<String> = one["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    let plan = app
        .get(&format!("/api/v1/merges/plan?ids={}", ids.join(",")), &rep)
        .await;
    let plan = plan.text().await.unwrap();
    assert!(plan.contains("137****1111"), "{plan}");
    assert!(
        !plan.contains("13700001111") && !plan.contains("LI.NA@"),
        "{plan}"
    );
    // An administrator sees both in full.
    let seen_by_admin = body(app.get("/api/v1/duplicates", &app.admin).await).await;
    assert!(seen_by_admin.to_string().contains("13700001111"));
}

#[tokio::test]
async fn a_reps_review_of_a_pool_customers_duplicate_contacts_shows_their_numbers_masked() {
    let app = TestApp::spawn().await;
    app.user("rep@example.com", "sales", None).await;
    let firm = app
        .customer(
            &app.admin,
            json!({"kind": "company", "name": "杭州某某贸易有限公司", "owner_id": null}),
        )
        .await;
    two_copies_of_one_contact(&app, &firm).await;
    let r = app
        .post("/api/v1/duplicate-scans", &app.admin, json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    scan_finished(&app).await;
    let queue = body(
        app.get("/api/v1/duplicates?entity=contact", &app.admin)
            .await,
    )
    .await;
    let cluster = queue["clusters"][0]["id"].as_i64().unwrap();
    let rep = Browser::login(&app, "rep@example.com").await;
    let page = rep.get(&format!("/duplicates/{cluster}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // The e-mail only one of them has is offered to keep, masked.
    assert!(page.html.contains("w***@example.com"), "{}", page.html);
    assert!(!page.html.contains("wf@example.com"), "{}", page.html);
    assert!(!page.html.contains("13700001111"), "{}", page.html);
}
