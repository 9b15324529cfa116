//! Customers anywhere: a record's country decides how its phone numbers,
//! region and postal code are read, shown and searched; people have a birth
//! date, gender and language; Australian lists import as they are written.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{body, field_errors, TestApp};
use crate::importing::counts;

#[tokio::test]
async fn an_australian_customer_is_entered_as_australians_write_and_refused_where_wrong() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "Olivia Smith", "country": "Australia", "mobile": "0414 089 598",
                   "phone": "(02) 9374 4000", "province": "NSW", "postal_code": "2000",
                   "gender": "Ms", "birth_date": "05/03/1985", "language": "English"}),
        )
        .await;
    assert_eq!(c["country"], "AU", "{c}");
    assert_eq!(c["mobile"], "+61414089598");
    assert_eq!(c["phone"], "+61293744000");
    assert_eq!(c["province"], "New South Wales");
    assert_eq!(c["postal_code"], "2000");
    assert_eq!(c["gender"], "female");
    // Day before month, as Australians write dates.
    assert_eq!(c["birth_date"], "1985-03-05");
    assert_eq!(c["language"], "en");
    let id = c["id"].as_i64().unwrap();

    // An update without a country is read by the record's own.
    let r = app
        .patch(
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            json!({"mobile": "0406 967 183", "province": "Victoria", "postal_code": "3000"}),
        )
        .await;
    let updated = body(r).await;
    assert_eq!(updated["mobile"], "+61406967183", "{updated}");
    assert_eq!(updated["province"], "Victoria");

    // Wrong for Australia: refused naming it, nothing written.
    let r = app
        .send_in(
            "en",
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            &app.admin,
            Some(
                json!({"postal_code": "100080", "province": "Bavaria", "mobile": "138 1234 5678"}),
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = body(r).await;
    let mut errors = field_errors(&problem);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("mobile".to_owned(), "invalid_mobile".to_owned()),
            ("postal_code".to_owned(), "invalid_postal_code".to_owned()),
            ("province".to_owned(), "invalid_region".to_owned()),
        ],
        "{problem}"
    );
    let text = problem.to_string();
    assert!(
        text.contains("not a valid postal code in Australia (like 1234)"),
        "{text}"
    );
    assert!(text.contains("of Australia"), "{text}");
    let same = body(
        app.get(&format!("/api/v1/customers/{id}"), &app.admin)
            .await,
    )
    .await;
    assert_eq!(same["postal_code"], "3000");

    // Chinese records keep China's rules.
    let r = app
        .post(
            "/api/v1/customers",
            &app.admin,
            json!({"name": "张三", "mobile": "0414 089 598"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let zhang = app
        .customer(
            &app.admin,
            json!({"name": "张三", "mobile": "+61 414 089 598", "province": "广东", "postal_code": "510000"}),
        )
        .await;
    assert_eq!(zhang["country"], "CN");
    assert_eq!(zhang["mobile"], "+61414089598");
    assert_eq!(zhang["province"], "广东省");
}

#[tokio::test]
async fn moving_a_record_to_another_country_checks_its_region_and_postcode_again() {
    let app = TestApp::spawn().await;
    let c = app
        .customer(
            &app.admin,
            json!({"name": "李雷", "mobile": "13812345678", "province": "广东", "postal_code": "510000"}),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    let path = format!("/api/v1/customers/{id}");
    let r = app.patch(&path, &app.admin, json!({"country": "AU"})).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut errors = field_errors(&body(r).await);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("postal_code".to_owned(), "invalid_postal_code".to_owned()),
            ("province".to_owned(), "invalid_region".to_owned()),
        ]
    );
    let moved = body(
        app.patch(
            &path,
            &app.admin,
            json!({"country": "AU", "province": "QLD", "postal_code": "4000"}),
        )
        .await,
    )
    .await;
    assert_eq!(moved["country"], "AU", "{moved}");
    assert_eq!(moved["province"], "Queensland");
    // The mainland mobile stays as it was: it is valid from anywhere.
    assert_eq!(moved["mobile"], "13812345678");
}

#[tokio::test]
async fn the_instance_default_country_is_an_administrators_and_new_records_take_it() {
    let app = TestApp::spawn().await;
    let (_, sales) = app.user("sales@example.com", "sales", None).await;
    let r = app
        .send(
            Method::PUT,
            "/api/v1/settings/locale",
            &sales,
            Some(json!({"default_country": "AU"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .send(
            Method::PUT,
            "/api/v1/settings/locale",
            &app.admin,
            Some(json!({"default_country": "Atlantis"})),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .send(
            Method::PUT,
            "/api/v1/settings/locale",
            &app.admin,
            Some(json!({"default_country": "澳大利亚"})),
        )
        .await;
    assert_eq!(body(r).await["default_country"], "AU");
    let c = app
        .customer(
            &sales,
            json!({"name": "Jack Jones", "mobile": "0414 089 598"}),
        )
        .await;
    assert_eq!(c["country"], "AU");
    assert_eq!(c["mobile"], "+61414089598");
    // A contact is in its customer's country.
    let r = app
        .post(
            "/api/v1/contacts",
            &sales,
            json!({"customer_id": c["id"], "name": "Amy Jones", "mobile": "0406 967 183"}),
        )
        .await;
    let contact = body(r).await;
    assert_eq!(contact["country"], "AU", "{contact}");
    assert_eq!(contact["mobile"], "+61406967183");

    // Countries and their regions for forms and clients.
    let au = body(app.get("/api/v1/countries/AU", &sales).await).await;
    assert_eq!(au["postal_example"], "1234");
    assert!(au["regions"]
        .as_array()
        .unwrap()
        .contains(&json!("New South Wales")));
    let all = body(app.get("/api/v1/countries", &sales).await).await;
    assert_eq!(all.as_array().unwrap().len(), 249);
    assert_eq!(
        app.get("/api/v1/countries/XX", &sales).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn foreign_numbers_are_found_as_dialled_at_home_and_people_are_filtered_by_age_and_birthday()
{
    let app = TestApp::spawn().await;
    let this_month = chrono::Utc::now().format("%m").to_string();
    let other_month = if this_month == "01" { "02" } else { "01" };
    for (name, mobile, birth, gender) in [
        (
            "Olivia Smith",
            "0414 089 598",
            format!("1985-{this_month}-01"),
            "F",
        ),
        (
            "Jack Brown",
            "0406 967 183",
            format!("2001-{other_month}-01"),
            "M",
        ),
    ] {
        app.customer(
            &app.admin,
            json!({"name": name, "country": "AU", "mobile": mobile, "birth_date": birth, "gender": gender}),
        )
        .await;
    }
    app.customer(&app.admin, json!({"name": "王芳", "mobile": "13812345678"}))
        .await;
    let names = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |q: &'static str| {
        let app = &app;
        async move { names(body(app.get(&format!("/api/v1/customers?{q}"), &app.admin).await).await) }
    };
    assert_eq!(list("q=0414089598").await, ["Olivia Smith"]);
    // A whole number with its country code finds its record too.
    let found = body(
        app.get(
            "/api/v1/customers/lookup?mobile=%2B61%20414%20089%20598",
            &app.admin,
        )
        .await,
    )
    .await;
    assert_eq!(found["name"], "Olivia Smith", "{found}");
    assert_eq!(list("q=0414").await, ["Olivia Smith"]);
    assert_eq!(list("q=61414089598").await, ["Olivia Smith"]);
    assert_eq!(list("country=AU&gender=male").await, ["Jack Brown"]);
    assert_eq!(list("country=CN").await, ["王芳"]);
    assert_eq!(list("age_min=30").await, ["Olivia Smith"]);
    assert_eq!(list("age_max=30").await, ["Jack Brown"]);
    assert_eq!(list("birth_month=this").await, ["Olivia Smith"]);
    // Exports carry the age beside the birth date.
    let r = app
        .send_in(
            "en",
            reqwest::Method::GET,
            "/api/v1/customers/export?format=csv&country=AU&gender=female",
            &app.admin,
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let born = header.iter().position(|h| *h == "Date of birth").unwrap();
    assert_eq!(header[born + 1], "Age", "{header:?}");
    let olivia: Vec<&str> = lines.next().unwrap().split(',').collect();
    let age: i32 = olivia[born + 1].parse().unwrap();
    let expected = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        - 1985;
    assert!(age == expected || age == expected - 1, "{olivia:?}");
    let r = app.get("/api/v1/customers?age_min=old", &app.admin).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .get("/api/v1/customers?country=Narnia", &app.admin)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_australian_contact_list_imports_with_its_country_and_e164_numbers() {
    let app = TestApp::spawn().await;
    let csv = "Name,Mobile,Address,Suburb,State,Postcode,Country,DOB,Gender\r\n\
               Olivia Smith,0414 089 598,12 George St,Sydney,NSW,2000,Australia,05/03/1985,F\r\n\
               Jack Brown,+61 406 967 183,3 Collins St,Melbourne,Victoria,3000,AU,21/11/1979,Male\r\n\
               Mia Wilson,(04) 3840 2889,7 Queen St,Brisbane,QLD,4000,Australia,,\r\n\
               Noah Taylor,0414 089,1 King St,Perth,Western Australia,600,Australia,,\r\n";
    let (status, file) = app
        .upload(&app.admin, "contacts.csv", csv.as_bytes().to_vec(), "en")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let preview = app
        .preview(
            "en",
            &app.admin,
            json!({"file_id": file["file_id"], "policy": "create"}),
        )
        .await;
    // Noah's short mobile is a key value: his row is refused, naming the
    // country whose plan it does not fit.
    let issue = &preview["issues"][0];
    assert_eq!(issue["row"], 5, "{preview}");
    assert!(
        issue["description"]
            .as_str()
            .unwrap()
            .contains("not a valid mobile number in Australia"),
        "{issue}"
    );
    let batch = app
        .import(
            &app.admin,
            json!({"file_id": file["file_id"], "policy": "create"}),
        )
        .await;
    assert_eq!(counts(&batch)[0], 3, "{batch}");
    let page = body(
        app.get("/api/v1/customers?country=AU&limit=10", &app.admin)
            .await,
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{page}");
    let find = |mobile: &str| {
        items
            .iter()
            .find(|c| c["mobile"] == mobile)
            .unwrap_or_else(|| panic!("{mobile} in {page}"))
            .clone()
    };
    let olivia = find("+61414089598");
    assert_eq!(olivia["province"], "New South Wales");
    assert_eq!(olivia["postal_code"], "2000");
    assert_eq!(olivia["birth_date"], "1985-03-05");
    assert_eq!(olivia["gender"], "female");
    assert_eq!(find("+61406967183")["province"], "Victoria");
    assert_eq!(olivia["city"], "Sydney");
    assert_eq!(find("+61406967183")["province"], "Victoria");
    assert_eq!(find("+61438402889")["province"], "Queensland");
}
