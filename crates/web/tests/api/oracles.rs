//! No oracles: a value a user sees masked (139****2222, b***@example.com)
//! cannot be recovered by asking kehu questions. Fragments never match;
//! whole values are counted, limited and logged; records one may not see
//! answer like records that do not exist.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{body, TestApp};
use crate::pages::Browser;

const MOBILE: &str = "13912342222";
const EMAIL: &str = "bsen.li@example.com";

/// The names of the customers a search finds, sorted.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let r = app
        .get(&format!("/api/v1/customers?q={}", urlencode(q)), token)
        .await;
    assert_eq!(r.status(), StatusCode::OK, "q={q}");
    let b = body(r).await;
    let mut names: Vec<String> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn urlencode(s: &str) -> String {
    s.replace('@', "%40").replace('+', "%2B")
}

/// The administrator's view of the access log: (actor, action, filter, via).
async fn access_log(app: &TestApp) -> Vec<(i64, String, String, Option<String>)> {
    let b = body(app.get("/api/v1/access-log?limit=1000", &app.admin).await).await;
    b.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor_id"].as_i64().unwrap_or(0),
                e["action"].as_str().unwrap().to_owned(),
                e["filter"].as_str().unwrap().to_owned(),
                e["format"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// A candidate for the hidden digits of 139****2222.
fn candidate(n: u32) -> String {
    format!("139{n:04}2222")
}

#[tokio::test]
async fn a_viewer_guessing_a_masked_number_by_lookup_is_refused_at_the_31st_in_a_minute_and_every_try_is_logged(
) {
    let app = TestApp::spawn().await;
    let team = app.team("Sales").await;
    let (_, rep) = app.user("rep@example.com", "sales", Some(team)).await;
    let (viewer_id, viewer) = app.user("viewer@example.com", "viewer", Some(team)).await;
    app.customer(&rep, json!({"name": "王五", "mobile": MOBILE}))
        .await;

    // The real number is the 31st candidate tried: it is never reached.
    for n in 0..30 {
        let r = app
            .get(
                &format!("/api/v1/customers/lookup?mobile={}", candidate(n)),
                &viewer,
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "try {n}");
    }
    let r = app
        .request(
            Method::GET,
            &format!("/api/v1/customers/lookup?mobile={MOBILE}"),
            &viewer,
        )
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let problem = body(r).await;
    assert_eq!(problem["code"], "lookup_limit");
    assert!(
        problem["detail"].as_str().unwrap().contains("in a minute"),
        "{problem}"
    );
    // In Chinese too, and searching by the list instead is refused alike.
    let r = app
        .request(
            Method::GET,
            &format!("/api/v1/customers?q={MOBILE}"),
            &viewer,
        )
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body(r).await["detail"].as_str().unwrap().contains("一分钟"));

    // Each try is in the access log, masked, and so is the refusal.
    let log = access_log(&app).await;
    let mine: Vec<_> = log.iter().filter(|e| e.0 == viewer_id).collect();
    let lookups: Vec<_> = mine.iter().filter(|e| e.1 == "lookup").collect();
    assert_eq!(lookups.len(), 30);
    assert!(lookups
        .iter()
        .all(|e| e.2 == "mobile=139****2222" && e.3.as_deref() == Some("lookup")));
    assert_eq!(mine.iter().filter(|e| e.1 == "lookup_refused").count(), 1);
    let text = body(app.get("/api/v1/access-log?limit=1000", &app.admin).await)
        .await
        .to_string();
    assert!(!text.contains("13900002222") && !text.contains(MOBILE));

    // A value already tried tells nothing new: not counted, not refused.
    let r = app
        .get(
            &format!("/api/v1/customers/lookup?mobile={}", candidate(0)),
            &viewer,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fragments_of_a_masked_email_or_mobile_find_nothing_and_whole_values_find_the_record_and_are_counted(
) {
    let app = TestApp::spawn().await;
    let team = app.team("Sales").await;
    let (_, rep) = app.user("rep@example.com", "sales", Some(team)).await;
    let (viewer_id, viewer) = app.user("viewer@example.com", "viewer", Some(team)).await;
    let c = app
        .customer(
            &rep,
            json!({"name": "王五", "mobile": MOBILE, "email": EMAIL}),
        )
        .await;
    let shown = body(
        app.get(&format!("/api/v1/customers/{}", c["id"]), &viewer)
            .await,
    )
    .await;
    assert_eq!(shown["email"], "b***@example.com");

    // Letter by letter, digit by digit: nothing.
    for probe in [
        "b",
        "bs",
        "bse",
        "bsen",
        "bsen.l",
        "bsen.li@",
        "bsen.li@exa",
        "1391",
        "13912",
        "1391234222",
        "2222",
        "42222",
        "342222",
    ] {
        assert_eq!(
            found(&app, &viewer, probe).await,
            Vec::<String>::new(),
            "{probe}"
        );
    }
    // The name still finds it (so the searches above could have found it).
    assert_eq!(found(&app, &viewer, "wangwu").await, ["王五"]);
    // The owner finds it by any fragment.
    assert_eq!(found(&app, &rep, "bse").await, ["王五"]);
    assert_eq!(found(&app, &rep, "2342").await, ["王五"]);

    // Whole values find it, each counted as a lookup in the access log.
    assert_eq!(found(&app, &viewer, EMAIL).await, ["王五"]);
    assert_eq!(found(&app, &viewer, "BSEN.LI@example.com").await, ["王五"]);
    assert_eq!(found(&app, &viewer, MOBILE).await, ["王五"]);
    let log = access_log(&app).await;
    let mut lookups: Vec<_> = log
        .iter()
        .filter(|e| e.0 == viewer_id && e.1 == "lookup")
        .map(|e| (e.2.as_str(), e.3.as_deref()))
        .collect();
    lookups.sort();
    // The same address in other letters is the same value: counted once.
    assert_eq!(
        lookups,
        [
            ("email=b***@example.com", Some("search")),
            ("mobile=139****2222", Some("search"))
        ]
    );
}

#[tokio::test]
async fn a_rep_finds_pool_customers_by_whole_values_only_counted_and_pool_leads_answer_like_missing_ones(
) {
    let app = TestApp::spawn().await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", None).await;
    let (_, other) = app.user("other@example.com", "sales", None).await;
    app.customer(
        &app.admin,
        json!({"name": "公海客户", "mobile": MOBILE, "email": EMAIL, "owner_id": null}),
    )
    .await;
    app.customer(
        &rep,
        json!({"name": "我的客户", "mobile": "13912340000", "email": "bsen.wang@example.com"}),
    )
    .await;
    for probe in ["bs", "bsen", "bsen.l", "1391234", "2222", "12342222"] {
        let names = found(&app, &rep, probe).await;
        assert!(
            !names.contains(&"公海客户".to_owned()),
            "{probe}: {names:?}"
        );
    }
    // Fragments still find the rep's own customer.
    assert_eq!(found(&app, &rep, "bsen").await, ["我的客户"]);
    assert_eq!(found(&app, &rep, "1391234").await, ["我的客户"]);
    // The caller's number, whole, finds the pool record: counted.
    assert_eq!(found(&app, &rep, MOBILE).await, ["公海客户"]);
    let r = app
        .get(&format!("/api/v1/customers/lookup?email={EMAIL}"), &rep)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["mobile"], "139****2222");
    // A foreign caller's number, whole with its country code, too; its
    // fragments find nothing.
    app.customer(
        &app.admin,
        json!({"name": "Olivia Smith", "country": "AU", "mobile": "0414 089 598", "owner_id": null}),
    )
    .await;
    for probe in ["0414", "414089", "089598"] {
        assert!(found(&app, &rep, probe).await.is_empty(), "{probe}");
    }
    assert_eq!(found(&app, &rep, "+61 414 089 598").await, ["Olivia Smith"]);
    let log = access_log(&app).await;
    assert_eq!(
        log.iter()
            .filter(|e| e.0 == rep_id && e.1 == "lookup")
            .count(),
        3,
        "{log:?}"
    );

    // Leads: one in the pool (masked for reps), one held by another rep.
    let pooled = body(
        app.post(
            "/api/v1/leads",
            &app.admin,
            json!({"name": "池中线索", "mobile": "13700001111", "assign": "pool"}),
        )
        .await,
    )
    .await;
    assert_eq!(pooled["owner_id"], Value::Null, "{pooled}");
    let listed = body(app.get("/api/v1/leads?pool=true", &rep).await).await;
    let listed = listed.to_string();
    assert!(listed.contains("137****1111") && !listed.contains("13700001111"));
    let held = body(
        app.post(
            "/api/v1/leads",
            &other,
            json!({"name": "别人的线索", "mobile": "13700002222"}),
        )
        .await,
    )
    .await;
    let hidden = held["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/leads/{hidden}"), &rep)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let answer = |id: i64| {
        let app = &app;
        let rep = rep.clone();
        async move {
            let r = app
                .post(&format!("/api/v1/leads/{id}/claim"), &rep, json!({}))
                .await;
            (r.status(), body(r).await["code"].clone())
        }
    };
    let missing = hidden + 1000;
    assert_eq!(answer(hidden).await, answer(missing).await);
    assert_eq!(answer(missing).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn claiming_a_customer_one_may_not_see_answers_exactly_as_a_missing_id() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let (_, bob) = app.user("bob@example.com", "sales", None).await;
    let theirs = app.customer(&alice, json!({"name": "张三"})).await;
    let hidden = theirs["id"].as_i64().unwrap();
    let claim = |id: i64| {
        let app = &app;
        let bob = bob.clone();
        async move {
            let r = app
                .post(&format!("/api/v1/customers/{id}/claim"), &bob, json!({}))
                .await;
            (r.status(), body(r).await)
        }
    };
    let (status, problem) = claim(hidden).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(claim(hidden + 1000).await, (status, problem));
    // The owner claiming their own is a conflict: they can see it.
    let r = app
        .post(
            &format!("/api/v1/customers/{hidden}/claim"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_entry_check_names_no_id_or_owner_of_a_hidden_record_and_is_limited_like_lookups() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let (bob_id, bob) = app.user("bob@example.com", "sales", None).await;
    app.customer(&alice, json!({"name": "张三", "mobile": MOBILE}))
        .await;
    app.customer(&alice, json!({"name": "李四", "mobile": "13912343333"}))
        .await;
    let check = |mobile: String| {
        let app = &app;
        let bob = bob.clone();
        async move {
            let r = app
                .post(
                    "/api/v1/customers/check",
                    &bob,
                    json!({"name": "新客户", "mobile": mobile}),
                )
                .await;
            (r.status(), body(r).await)
        }
    };
    // "A customer owned by someone else": nothing that finds or names it,
    // and two hidden records cannot be told apart.
    let (status, first) = check(MOBILE.into()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        first["duplicates"],
        json!([{"customer_id": null, "visible": false, "name": null,
                "owner_name": null, "reasons": ["mobile"]}])
    );
    let (_, second) = check("13912343333".into()).await;
    assert_eq!(second, first);
    let (_, none) = check("13912344444".into()).await;
    assert_eq!(none["duplicates"], json!([]));

    // Every distinct number is a lookup: the 31st in a minute is refused.
    for n in 3..30 {
        let (status, _) = check(candidate(n)).await;
        assert_eq!(status, StatusCode::OK, "{n}");
    }
    let (status, problem) = check(candidate(30)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["code"], "lookup_limit");
    // A number already checked is no new lookup (the form checks the
    // whole form as each field is typed).
    assert_eq!(check(MOBILE.into()).await.0, StatusCode::OK);
    let log = access_log(&app).await;
    assert_eq!(
        log.iter()
            .filter(|e| e.0 == bob_id && e.1 == "lookup" && e.3.as_deref() == Some("check"))
            .count(),
        30
    );
}

#[tokio::test]
async fn administrators_set_the_limits_and_see_who_looked_up_many_values() {
    let app = TestApp::spawn().await;
    let (_, viewer) = app.user("viewer@example.com", "viewer", None).await;
    let (_, calm) = app.user("calm@example.com", "viewer", None).await;
    let (_, rep) = app.user("rep@example.com", "sales", None).await;

    // Only administrators read or change the limits, within bounds.
    assert_eq!(
        app.get("/api/v1/lookup-limits", &rep).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.patch("/api/v1/lookup-limits", &rep, json!({"per_day": 1000}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .patch("/api/v1/lookup-limits", &app.admin, json!({"per_day": 0}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .patch(
            "/api/v1/lookup-limits",
            &app.admin,
            json!({"per_day": 5, "burst_per_hour": 3}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        body(app.get("/api/v1/lookup-limits", &app.admin).await).await,
        json!({"per_minute": 30, "per_day": 5, "burst_per_hour": 3})
    );

    // The daily cap holds; a burst and a refusal are shown.
    for n in 0..5 {
        let path = format!("/api/v1/customers/lookup?mobile={}", candidate(n));
        assert_eq!(
            app.get(&path, &viewer).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    let path = format!("/api/v1/customers/lookup?mobile={}", candidate(5));
    let r = app
        .request(Method::GET, &path, &viewer)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(body(r).await["detail"]
        .as_str()
        .unwrap()
        .contains("24 hours"));
    let path = format!("/api/v1/customers/lookup?mobile={}", candidate(9));
    assert_eq!(app.get(&path, &calm).await.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        app.get("/api/v1/access-log/bursts", &rep).await.status(),
        StatusCode::FORBIDDEN
    );
    let bursts = body(app.get("/api/v1/access-log/bursts", &app.admin).await).await;
    let bursts = bursts.as_array().unwrap();
    assert_eq!(bursts.len(), 1, "{bursts:?}");
    assert_eq!(bursts[0]["user_name"], "viewer@example.com");
    assert_eq!(
        (&bursts[0]["last_hour"], &bursts[0]["refused"]),
        (&json!(5), &json!(1))
    );

    // The settings page shows the same, and changes the limits too.
    let admin = Browser::login(&app, "admin@example.com").await;
    let page = admin.get("/settings/lookups").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("异常查号"), "{}", page.html);
    assert!(page.html.contains("viewer@example.com"));
    assert!(!page.html.contains("calm@example.com"));
    let page = admin
        .post(
            "/settings/lookups",
            &[
                ("per_minute", "10"),
                ("per_day", "many"),
                ("burst_per_hour", "3"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = admin
        .post(
            "/settings/lookups",
            &[
                ("per_minute", "10"),
                ("per_day", "50"),
                ("burst_per_hour", "3"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        body(app.get("/api/v1/lookup-limits", &app.admin).await).await,
        json!({"per_minute": 10, "per_day": 50, "burst_per_hour": 3})
    );
}

#[tokio::test]
async fn the_api_document_describes_the_lookup_limit() {
    let app = TestApp::spawn().await;
    let doc = body(app.get("/api/v1/openapi.json", "").await).await;
    for (path, method) in [
        ("/api/v1/customers/lookup", "get"),
        ("/api/v1/customers", "get"),
        ("/api/v1/customers/check", "post"),
        ("/api/v1/customers/export", "get"),
    ] {
        let responses = &doc["paths"][path][method]["responses"];
        assert!(
            responses["429"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("lookup_limit")),
            "{path}: {responses}"
        );
    }
}

#[tokio::test]
async fn a_lead_typed_with_a_hidden_customers_number_does_not_name_that_customer() {
    let app = TestApp::spawn().await;
    let (_, alice) = app.user("alice@example.com", "sales", None).await;
    let (_, bob) = app.user("bob@example.com", "sales", None).await;
    let theirs = app
        .customer(&alice, json!({"name": "张三", "mobile": MOBILE}))
        .await;
    let capture = |token: String| {
        let app = &app;
        async move {
            let r = app
                .post(
                    "/api/v1/leads",
                    &token,
                    json!({"name": "来电", "mobile": MOBILE}),
                )
                .await;
            assert_eq!(r.status(), StatusCode::CREATED);
            body(r).await
        }
    };
    // Alice, who holds the customer, is told; Bob, who may not see it, is
    // not, neither when he creates the lead nor when he reads it again.
    assert_eq!(
        capture(alice.clone()).await["duplicate_customer_id"],
        theirs["id"]
    );
    let lead = capture(bob.clone()).await;
    assert_eq!(lead["duplicate_customer_id"], Value::Null);
    let again = body(
        app.get(&format!("/api/v1/leads/{}", lead["id"]), &bob)
            .await,
    )
    .await;
    assert_eq!(again["duplicate_customer_id"], Value::Null);
    let listed = body(app.get("/api/v1/leads", &bob).await).await.to_string();
    assert!(!listed.contains(&format!("\"duplicate_customer_id\":{}", theirs["id"])));
    // The administrator sees what it duplicates.
    let seen = body(
        app.get(&format!("/api/v1/leads/{}", lead["id"]), &app.admin)
            .await,
    )
    .await;
    assert_eq!(seen["duplicate_customer_id"], theirs["id"]);
}

/// A CSV of customers named 客户0… with these mobile numbers.
fn mobile_file(numbers: &[String]) -> Vec<u8> {
    let mut csv = String::from("姓名,手机\r\n");
    for (i, n) in numbers.iter().enumerate() {
        csv.push_str(&format!("客户{i},{n}\r\n"));
    }
    csv.into_bytes()
}

#[tokio::test]
async fn a_reps_import_is_no_oracle_for_pool_or_hidden_numbers() {
    let app = TestApp::spawn().await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", None).await;
    let (_, other) = app.user("other@example.com", "sales", None).await;
    let pool = app
        .customer(
            &app.admin,
            json!({"name": "公海客户", "mobile": MOBILE, "owner_id": null}),
        )
        .await;
    app.customer(
        &other,
        json!({"name": "别人的客户", "mobile": "13812345678"}),
    )
    .await;
    let customers = app.customer_count().await;
    let preview = |bytes: Vec<u8>| {
        let (app, rep) = (&app, rep.clone());
        async move {
            let (status, file) = app.upload(&rep, "list.csv", bytes, "zh-CN").await;
            assert_eq!(status, StatusCode::CREATED, "{file}");
            let r = app
                .post(
                    "/api/v1/imports/preview",
                    &rep,
                    json!({"file_id": file["file_id"], "policy": "skip"}),
                )
                .await;
            (r.status(), body(r).await)
        }
    };

    // Trying the candidates for 139****2222 in one file is refused whole.
    let guesses: Vec<String> = (0..500).map(candidate).collect();
    let (status, answer) = preview(mobile_file(&guesses)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "masked_guess");
    assert!(answer["detail"].as_str().unwrap().contains("139****2222"));
    assert!(!answer.to_string().contains(MOBILE), "{answer}");
    // So is the import itself, and nothing is written.
    let (_, file) = app
        .upload(&rep, "list.csv", mobile_file(&guesses), "en")
        .await;
    let r = app
        .post(
            "/api/v1/imports",
            &rep,
            json!({"file_id": file["file_id"], "policy": "skip"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let id = body(r).await["batch_id"].as_i64().unwrap();
    let run = app.finished(&rep, id).await;
    assert_ne!(run["status"], "done", "{run}");
    assert!(
        run["failure"].as_str().unwrap().contains("139****2222"),
        "{run}"
    );
    assert_eq!(app.customer_count().await, customers);

    // A real list naming the pool customer's and a hidden customer's
    // numbers: the matches are charged as lookups and logged (masked).
    let list = vec![
        MOBILE.to_owned(),
        "13812345678".to_owned(),
        "13700009999".to_owned(),
    ];
    let (status, answer) = preview(mobile_file(&list)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let log = access_log(&app).await;
    let charged: Vec<&str> = log
        .iter()
        .filter(|e| e.0 == rep_id && e.1 == "lookup" && e.3.as_deref() == Some("import"))
        .map(|e| e.2.as_str())
        .collect();
    assert_eq!(charged.len(), 2, "{log:?}");
    assert!(charged.contains(&"mobile=139****2222"), "{charged:?}");
    // The hidden customer's match names no id.
    let hidden = answer["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["row"] == 3)
        .unwrap();
    assert_eq!(hidden["match_customer_id"], Value::Null, "{hidden}");
    let _ = pool;

    // Trying the candidates a few at a time, file after file, is bounded
    // the same way: the numbers of one masked form are remembered for a
    // day across files, the same numbers again count once.
    let few = |from: u32| -> Vec<String> { (from..from + 9).map(candidate).collect() };
    for (file, expected) in [
        (few(5000), StatusCode::OK),
        (few(5000), StatusCode::OK),
        (few(6000), StatusCode::OK),
        (few(7000), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, answer) = preview(mobile_file(&file)).await;
        assert_eq!(status, expected, "{answer}");
    }
    let (_, answer) = preview(mobile_file(&few(8000))).await;
    assert_eq!(answer["code"], "masked_guess", "{answer}");
    // Numbers of other forms still import.
    let (status, answer) = preview(mobile_file(&["13600001111".to_owned()])).await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // With the daily cap spent, the next import is refused before it
    // looks anything up.
    let r = app
        .patch("/api/v1/lookup-limits", &app.admin, json!({"per_day": 2}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (status, answer) = preview(mobile_file(&["13700008888".to_owned()])).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    assert!(access_log(&app)
        .await
        .iter()
        .any(|e| e.0 == rep_id && e.1 == "lookup_refused" && e.2 == "import"));
}

#[tokio::test]
async fn a_lead_typed_with_a_number_found_elsewhere_is_a_counted_lookup() {
    let app = TestApp::spawn().await;
    let (rep_id, rep) = app.user("rep@example.com", "sales", None).await;
    app.customer(
        &app.admin,
        json!({"name": "公海客户", "mobile": MOBILE, "owner_id": null}),
    )
    .await;
    let capture = |mobile: &str| {
        let (app, rep) = (&app, rep.clone());
        let body = json!({"name": "新线索", "mobile": mobile});
        async move { app.post("/api/v1/leads", &rep, body).await.status() }
    };
    // A number nobody has: no lookup charged. The pool customer's: one.
    assert_eq!(capture("13700001234").await, StatusCode::CREATED);
    assert_eq!(capture(MOBILE).await, StatusCode::CREATED);
    let charged: Vec<String> = access_log(&app)
        .await
        .into_iter()
        .filter(|e| e.0 == rep_id && e.1 == "lookup" && e.3.as_deref() == Some("lead"))
        .map(|e| e.2)
        .collect();
    assert_eq!(charged, ["mobile=139****2222"]);

    // With the day's lookups spent, a capture that would look a number up
    // is refused before it does.
    let r = app
        .patch("/api/v1/lookup-limits", &app.admin, json!({"per_day": 1}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(capture("13700005678").await, StatusCode::TOO_MANY_REQUESTS);
}
