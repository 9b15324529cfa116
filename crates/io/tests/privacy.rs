//! A data-subject export read back: every kind of record the person has is
//! in the ZIP, as JSON and as CSV with the same rows, and the export is
//! logged. SQLite by default, PostgreSQL when KEHU_TEST_DATABASE names a
//! server.

use std::io::{Cursor, Read};

use kehu_io::privacy::write_person_export;
use kehu_store::privacy::testing::{
    person_of_every_kind, ADDRESS, CONTACT_NAME, EMAIL, MOBILE, NAME,
};
use kehu_store::privacy::{Subject, SubjectKind};
use kehu_store::testing::{user, TestDb};
use serde_json::Value;

fn read(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> String {
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} is in the export"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[tokio::test]
async fn an_export_holds_every_kind_of_record_as_json_and_csv_and_is_logged() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let f = person_of_every_kind(&store, &admin).await;
    let subject = Subject {
        kind: SubjectKind::Customer,
        id: f.customer,
    };

    let (out, counts) = write_person_export(&store, &admin.actor, subject, Cursor::new(Vec::new()))
        .await
        .unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(out.into_inner())).unwrap();

    let manifest: Value = serde_json::from_str(&read(&mut zip, "manifest.json")).unwrap();
    assert_eq!(
        manifest["subject"],
        serde_json::json!({"type": "customer", "id": f.customer})
    );
    for section in [
        "customers",
        "contacts",
        "leads",
        "interactions",
        "tasks",
        "orders",
        "order_lines",
        "payments",
        "shipments",
        "purchase_figures",
        "opportunities",
        "opportunity_stages",
        "history",
        "merges",
        "merge_members",
        "duplicate_queue",
        "import_rows",
        "webhook_events",
        "access_log",
    ] {
        let rows: Vec<Value> =
            serde_json::from_str(&read(&mut zip, &format!("{section}.json"))).unwrap();
        assert!(!rows.is_empty(), "{section} has the person's rows");
        assert_eq!(manifest["rows"][section], rows.len(), "{section} counted");
        assert_eq!(counts[section], rows.len() as i64);
        let csv = read(&mut zip, &format!("{section}.csv"));
        let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let header = reader.headers().unwrap().clone();
        assert_eq!(
            header.len(),
            rows[0].as_object().unwrap().len(),
            "{section}: a column per field"
        );
        assert_eq!(
            reader.records().count(),
            rows.len(),
            "{section}: the CSV has the JSON's rows"
        );
    }
    for empty in ["consents", "contact_merges", "not_duplicates"] {
        let rows: Vec<Value> =
            serde_json::from_str(&read(&mut zip, &format!("{empty}.json"))).unwrap();
        assert!(rows.is_empty(), "{empty}: none held");
    }

    let customers: Vec<Value> = serde_json::from_str(&read(&mut zip, "customers.json")).unwrap();
    let ids: Vec<i64> = customers
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![f.customer, f.merged],
        "the record and the one merged into it"
    );
    assert_eq!(customers[0]["name"], NAME);
    assert_eq!(customers[0]["mobile"], MOBILE);
    assert_eq!(customers[0]["email"], EMAIL);
    assert_eq!(customers[0]["address"], ADDRESS);
    let contacts = read(&mut zip, "contacts.json");
    assert!(contacts.contains(CONTACT_NAME));
    let history = read(&mut zip, "history.json");
    assert!(
        history.contains("均州城南门外二十里"),
        "old values are in the history"
    );
    let leads: Vec<Value> = serde_json::from_str(&read(&mut zip, "leads.json")).unwrap();
    assert_eq!(leads[0]["id"], f.lead);
    let orders: Vec<Value> = serde_json::from_str(&read(&mut zip, "orders.json")).unwrap();
    assert_eq!(orders.len(), 1, "the bystander's order is not theirs");
    assert_eq!(orders[0]["id"], f.order);
    let import_rows = read(&mut zip, "import_rows.json");
    assert!(import_rows.contains(EMAIL) && import_rows.contains("138-1234-5678"));
    assert!(
        !import_rows.contains("王五"),
        "another person's row is not theirs"
    );
    assert!(!read(&mut zip, "customers.json").contains("李四"));

    let log = store
        .privacy_requests(&admin.actor, None, 10)
        .await
        .unwrap();
    assert_eq!(
        (log[0].kind.as_str(), log[0].subject_id),
        ("export", f.customer)
    );
    assert!(!log[0].counts.contains(NAME));
}
