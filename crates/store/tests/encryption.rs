//! Encryption at rest: what a user marks sensitive, and every stored
//! secret, is absent from the raw database and from a dump; it is still
//! found by exact value (blind index) and read back by those entitled to
//! it; keys rotate in resumable batches and the old key is retired only
//! when nothing uses it; a wrong key is refused before anything is
//! written. SQLite by default, PostgreSQL when KEHU_TEST_DATABASE names a
//! server.

use kehu_core::crypto::{Key, Keyring};
use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::webhook::{EndpointUrl, Event};
use kehu_core::{schema, CustomerId, FieldDefId};
use kehu_store::bulk::BulkCustomer;
use kehu_store::customers::CustomerInput;
use kehu_store::list::CustomerFilter;
use kehu_store::testing::{contains_bytes, field_codes, patch, totp_code, user, TestDb};
use kehu_store::vault::sweep::UnlockError;
use kehu_store::vault::KeyError;
use kehu_store::webhooks::EndpointInput;
use kehu_store::write::Ctx;
use kehu_store::{Store, Vault};
use serde_json::{json, Value};

const RESIDENT_ID: &str = "11010519491231002X";
const OTHER_ID: &str = "440524188001010014";
const IMPORTED_ID: &str = "51010819791231003X";

fn vault(keys: &[u8]) -> Vault {
    let keys = keys.iter().map(|b| Key::from_bytes(&[*b; 32])).collect();
    Vault::new(Keyring::new(keys).unwrap())
}

async fn sensitive_field(store: &Store, admin: &Ctx, key: &str, unique: bool) -> i64 {
    let def = FieldDef {
        key: FieldKey::parse(key).unwrap(),
        label_zh: "身份证号".into(),
        label_en: "Resident ID".into(),
        kind: FieldKind::Text,
        rules: FieldRules {
            unique,
            ..FieldRules::default()
        },
        sensitive: true,
    };
    store
        .create_field_definition(admin, def, 0)
        .await
        .unwrap()
        .id
}

async fn customer_with(store: &Store, ctx: &Ctx, name: &str, custom: Value) -> i64 {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, json!({"name": name})),
        tags: None,
        custom: Some(custom.as_object().unwrap().clone()),
    };
    store.create_customer(ctx, input).await.unwrap().id
}

async fn set_custom(store: &Store, ctx: &Ctx, id: i64, custom: Value) -> kehu_store::Result<()> {
    let input = CustomerInput {
        patch: Default::default(),
        tags: None,
        custom: Some(custom.as_object().unwrap().clone()),
    };
    store
        .update_customer(ctx, CustomerId(id), input, None)
        .await
        .map(|_| ())
}

async fn find(store: &Store, ctx: &Ctx, key: &str, value: &str) -> Vec<i64> {
    let params = vec![(format!("custom.{key}"), value.to_owned())];
    let f = CustomerFilter::from_params(&params).unwrap();
    let page = store.list_customers(&ctx.actor, &f).await.unwrap();
    page.items.into_iter().map(|c| c.id).collect()
}

async fn webhook_secret(store: &Store, admin: &Ctx) -> (i64, String) {
    let made = store
        .create_webhook_endpoint(
            admin,
            EndpointInput {
                url: Some(EndpointUrl::parse("https://erp.example.cn/kehu").unwrap()),
                events: Some(vec![Event::OrderPaid]),
                active: None,
                description: None,
            },
        )
        .await
        .unwrap();
    (made.endpoint.id, made.secret)
}

#[tokio::test]
async fn a_resident_id_and_a_webhook_secret_are_nowhere_in_the_raw_database() {
    let (store, db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    sensitive_field(&store, &admin, "id_card", false).await;
    let id = customer_with(&store, &admin, "张三", json!({"id_card": RESIDENT_ID})).await;
    // A change puts old and new values in history: sealed too.
    set_custom(&store, &admin, id, json!({"id_card": OTHER_ID}))
        .await
        .unwrap();
    let (_, secret) = webhook_secret(&store, &admin).await;
    assert!(secret.starts_with("whsec_"));
    // A two-factor secret waiting for its first code is stored too.
    let totp = store.begin_two_factor(admin.actor.user_id).await.unwrap();
    // Imports write in bulk: sealed before they are written too.
    let imported = BulkCustomer {
        patch: patch(schema::CUSTOMER, json!({"name": "李四"})),
        custom: json!({"id_card": IMPORTED_ID}).as_object().unwrap().clone(),
        ..BulkCustomer::default()
    };
    let bulk = store
        .bulk_insert_customers(&admin, &[imported])
        .await
        .unwrap();
    assert_eq!(find(&store, &admin, "id_card", IMPORTED_ID).await, bulk);
    // An uploaded file's key: whoever reads the database cannot open the
    // file with it.
    let file_key = kehu_core::crypto::file::FileKey::from_bytes([0x5a; 32]);
    store
        .add_upload(&kehu_store::import::UploadRecord {
            token: "cd".repeat(32),
            owner: admin.actor.user_id,
            name: "名单.csv".into(),
            format: "csv".into(),
            sha256: "00".repeat(32),
            key: file_key.clone(),
            received_at: kehu_store::now_ms(),
        })
        .await
        .unwrap();

    // The canaries are really what the test looks for: the customer's name
    // is stored in clear and is found the same way.
    let raw = db.raw_bytes();
    assert!(
        contains_bytes(&raw, "张三"),
        "the search reads the real bytes"
    );
    for (what, value) in [
        ("the resident id", RESIDENT_ID),
        ("the later resident id", OTHER_ID),
        ("the webhook secret", secret.as_str()),
        ("the two-factor secret", totp.secret.as_str()),
        ("the imported resident id", IMPORTED_ID),
        ("an uploaded file's key", file_key.to_hex().as_str()),
    ] {
        assert!(!contains_bytes(&raw, value), "{what} is stored in clear");
    }

    // An entitled reader gets the values back, history included.
    let c = store.customer(&admin.actor, CustomerId(id)).await.unwrap();
    assert_eq!(c.custom.0["id_card"], json!(OTHER_ID));
    let history = store.customer_history(&admin.actor, &c, 50).await.unwrap();
    let change = history
        .iter()
        .find(|h| h.field == "custom.id_card")
        .unwrap();
    assert_eq!(change.old_value.as_deref(), Some(RESIDENT_ID));
    assert_eq!(change.new_value.as_deref(), Some(OTHER_ID));
    // And the two-factor secret still turns two-factor sign-in on.
    let code = totp_code(&totp.secret, kehu_store::now_ms());
    store
        .confirm_two_factor(admin.actor.user_id, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_masked_reader_gets_the_value_hidden_without_it_being_opened() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let viewer = user(&store, "viewer@example.com", "viewer").await;
    sensitive_field(&store, &admin, "id_card", false).await;
    // In the shared pool, which a viewer sees, masked.
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, json!({"name": "张三", "owner_id": null})),
        tags: None,
        custom: Some(json!({"id_card": RESIDENT_ID}).as_object().unwrap().clone()),
    };
    let id = store.create_customer(&admin, input).await.unwrap().id;
    let c = store.customer(&viewer.actor, CustomerId(id)).await.unwrap();
    assert_eq!(c.custom.0["id_card"], json!("******"));
    // Without any key at all, the masked read still works: nothing is
    // opened for it, while an entitled read says what is missing.
    let locked = store.clone().with_vault(Vault::locked());
    let c = locked
        .customer(&viewer.actor, CustomerId(id))
        .await
        .unwrap();
    assert_eq!(c.custom.0["id_card"], json!("******"));
    let listed = locked
        .list_customers(&viewer.actor, &CustomerFilter::from_params(&[]).unwrap())
        .await
        .unwrap();
    assert_eq!(listed.items[0].custom.0["id_card"], json!("******"));
    let err = locked
        .customer(&admin.actor, CustomerId(id))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no encryption key"), "{err}");
}

#[tokio::test]
async fn a_resident_id_is_found_and_kept_unique_by_its_blind_index() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    sensitive_field(&store, &admin, "id_card", true).await;
    let zhang = customer_with(&store, &admin, "张三", json!({"id_card": RESIDENT_ID})).await;
    let li = customer_with(&store, &admin, "李四", json!({"id_card": OTHER_ID})).await;

    assert_eq!(
        find(&store, &admin, "id_card", RESIDENT_ID).await,
        vec![zhang]
    );
    assert_eq!(find(&store, &admin, "id_card", OTHER_ID).await, vec![li]);
    assert!(find(&store, &admin, "id_card", "110105194912310000")
        .await
        .is_empty());

    // A second record with the same number is refused, as is changing
    // another record to it; the record's own value is not a duplicate.
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, json!({"name": "王五"})),
        tags: None,
        custom: Some(json!({"id_card": RESIDENT_ID}).as_object().unwrap().clone()),
    };
    let err = store.create_customer(&admin, input).await.unwrap_err();
    assert_eq!(
        field_codes(err),
        vec![("custom.id_card".into(), "not_unique".into())]
    );
    let err = set_custom(&store, &admin, li, json!({"id_card": RESIDENT_ID}))
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(err),
        vec![("custom.id_card".into(), "not_unique".into())]
    );
    set_custom(&store, &admin, zhang, json!({"id_card": RESIDENT_ID}))
        .await
        .unwrap();
    // A changed value is found by its new number only.
    set_custom(&store, &admin, li, json!({"id_card": "440524188001010022"}))
        .await
        .unwrap();
    assert!(find(&store, &admin, "id_card", OTHER_ID).await.is_empty());
    assert_eq!(
        find(&store, &admin, "id_card", "440524188001010022").await,
        vec![li]
    );
}

#[tokio::test]
async fn clear_text_from_before_encryption_is_sealed_on_start() {
    let (store, db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    sensitive_field(&store, &admin, "id_card", true).await;
    let id = customer_with(&store, &admin, "张三", json!({})).await;
    let (hook, _) = webhook_secret(&store, &admin).await;
    let old_secret = "whsec_clearTextFromAnOlderKehu0123456789";
    store
        .write_clear_text(
            id,
            &json!({"id_card": RESIDENT_ID}),
            Some((hook, old_secret)),
        )
        .await
        .unwrap();

    // A start with the same keys seals what it finds, then it reads back.
    let restarted = Store::connect(&db.url)
        .await
        .unwrap()
        .unlock(store.vault().clone())
        .await
        .unwrap();
    let raw = db.raw_bytes();
    assert!(!contains_bytes(&raw, RESIDENT_ID));
    assert!(!contains_bytes(&raw, old_secret));
    let c = restarted
        .customer(&admin.actor, CustomerId(id))
        .await
        .unwrap();
    assert_eq!(c.custom.0["id_card"], json!(RESIDENT_ID));
    assert_eq!(
        find(&restarted, &admin, "id_card", RESIDENT_ID).await,
        vec![id]
    );
}

#[tokio::test]
async fn an_interrupted_rotation_resumes_and_retires_the_old_key() {
    let (store, db) = TestDb::create_with(vault(&[1])).await;
    let admin = user(&store, "admin@example.com", "admin").await;
    sensitive_field(&store, &admin, "id_card", true).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let number = format!("1101051949123100{i}");
        ids.push(
            customer_with(
                &store,
                &admin,
                &format!("客户{i}"),
                json!({"id_card": number}),
            )
            .await,
        );
    }
    set_custom(&store, &admin, ids[0], json!({"id_card": RESIDENT_ID}))
        .await
        .unwrap();
    webhook_secret(&store, &admin).await;
    let totp = store.begin_two_factor(admin.actor.user_id).await.unwrap();
    // An uploaded file's own key, sealed under the vault's.
    let upload = kehu_store::import::UploadRecord {
        token: "ab".repeat(32),
        owner: admin.actor.user_id,
        name: "名单.xlsx".into(),
        format: "xlsx".into(),
        sha256: "00".repeat(32),
        key: kehu_core::crypto::file::FileKey::from_bytes([9; 32]),
        received_at: kehu_store::now_ms(),
    };
    store.add_upload(&upload).await.unwrap();
    let (old, new) = (Key::from_bytes(&[1; 32]), Key::from_bytes(&[2; 32]));

    // A new key is added; the rotation stops after one batch of two rows.
    let rotating = Store::connect(&db.url)
        .await
        .unwrap()
        .with_vault(vault(&[1, 2]));
    let first = rotating.sweep(2, Some(1)).await.unwrap();
    assert!(!first.finished);
    assert_eq!(first.rows, 2);
    let status = rotating.key_status().await.unwrap();
    let rows_of = |id: &str| -> i64 {
        status
            .iter()
            .find(|k| k.id == id)
            .unwrap()
            .rows
            .values()
            .sum()
    };
    assert!(rows_of(old.id()) > 0 && rows_of(new.id()) > 0, "{status:?}");
    // Half-way, every value reads and is found, under either key.
    for (i, id) in ids.iter().enumerate().skip(1) {
        let number = format!("1101051949123100{i}");
        assert_eq!(find(&rotating, &admin, "id_card", &number).await, vec![*id]);
    }
    assert_eq!(
        rotating.retire_unused_keys().await.unwrap(),
        Vec::<String>::new()
    );

    // Run again, it goes on from where it stopped (the first two rows are
    // not done again) and finishes.
    let left = rows_of(old.id());
    let rest = rotating.sweep(2, None).await.unwrap();
    assert!(rest.finished);
    assert_eq!(
        rest.rows as i64, left,
        "each row still under the old key, once"
    );
    assert_eq!(
        rotating.retire_unused_keys().await.unwrap(),
        vec![old.id().to_owned()]
    );
    let status = rotating.key_status().await.unwrap();
    let old_use = status.iter().find(|k| k.id == old.id()).unwrap();
    assert!(old_use.retired_at.is_some() && !old_use.in_use());
    assert!(status.iter().find(|k| k.id == new.id()).unwrap().current);

    // The new key alone now opens everything, history included.
    let after = Store::connect(&db.url)
        .await
        .unwrap()
        .unlock(vault(&[2]))
        .await
        .unwrap();
    let c = after
        .customer(&admin.actor, CustomerId(ids[0]))
        .await
        .unwrap();
    assert_eq!(c.custom.0["id_card"], json!(RESIDENT_ID));
    let history = after.customer_history(&admin.actor, &c, 50).await.unwrap();
    let change = history
        .iter()
        .find(|h| h.field == "custom.id_card")
        .unwrap();
    assert_eq!(change.old_value.as_deref(), Some("11010519491231000"));
    assert_eq!(
        find(&after, &admin, "id_card", RESIDENT_ID).await,
        vec![ids[0]]
    );
    // The upload's key was sealed again: the file still opens.
    let kept = after.upload(&upload.token).await.unwrap().unwrap();
    assert_eq!(kept.key, upload.key);
    // The two-factor secret was sealed again too: it opens under the new
    // key alone and its code is accepted.
    let pending = after
        .pending_two_factor(admin.actor.user_id)
        .await
        .unwrap()
        .expect("the enrolment is still waiting");
    assert_eq!(pending.secret, totp.secret);
    let code = totp_code(&totp.secret, kehu_store::now_ms());
    after
        .confirm_two_factor(admin.actor.user_id, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_refused_and_changes_nothing() {
    let (store, db) = TestDb::create_with(vault(&[7])).await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let field = sensitive_field(&store, &admin, "id_card", false).await;
    let id = customer_with(&store, &admin, "张三", json!({"id_card": RESIDENT_ID})).await;
    let before = store.count_rows("encryption_keys").await.unwrap();

    let err = Store::connect(&db.url)
        .await
        .unwrap()
        .unlock(vault(&[8]))
        .await
        .unwrap_err();
    let UnlockError::Key(KeyError::WrongKey { missing, .. }) = &err else {
        panic!("not a wrong-key refusal: {err}");
    };
    assert_eq!(missing, Key::from_bytes(&[7; 32]).id());
    assert!(err.to_string().contains("Nothing was changed"), "{err}");
    // The wrong key was not registered, and the value still opens with the
    // right one.
    assert_eq!(store.count_rows("encryption_keys").await.unwrap(), before);
    let c = store.customer(&admin.actor, CustomerId(id)).await.unwrap();
    assert_eq!(c.custom.0["id_card"], json!(RESIDENT_ID));
    let _ = FieldDefId(field);
}

#[tokio::test]
async fn a_rejected_import_rows_cells_are_sealed_and_read_back_for_its_download() {
    use kehu_store::import::{BatchKind, ImportOptions, Policy, Seen, SourceRow};
    let (store, db) = TestDb::create_with(vault(&[1])).await;
    let admin = user(&store, "admin@example.com", "admin").await;
    sensitive_field(&store, &admin, "id_card", false).await;
    let options = ImportOptions {
        kind: BatchKind::Import,
        policy: Policy::Skip,
        headers: vec!["姓名".into(), "手机".into(), "身份证号".into()],
        mapping: vec![
            Some("name".into()),
            Some("mobile".into()),
            Some("custom.id_card".into()),
        ],
        sheet: None,
        header_row: None,
        strict: false,
        description: None,
    };
    let preparer = store.preparer(&options).await.unwrap();
    let mut batch = store
        .begin_import(&admin, "名单.csv", None, Some("sha"), &options)
        .await
        .unwrap();
    // The mobile number is wrong: the row is kept as rejected, as read.
    let row = preparer.prepare(SourceRow {
        number: 2,
        cells: vec!["王五".into(), "12345".into(), IMPORTED_ID.into()],
    });
    store
        .import_chunk(
            &admin,
            &options,
            Some(&mut batch),
            &preparer,
            vec![row],
            &mut Seen::default(),
        )
        .await
        .unwrap();
    store.finish_import(&admin.actor, &batch).await.unwrap();

    assert!(!contains_bytes(&db.raw_bytes(), IMPORTED_ID));
    let issues = store
        .import_issues(&admin.actor, batch.id, 0, 10)
        .await
        .unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].cells[2], IMPORTED_ID);

    // A rotation brings the kept row under the new key like any value.
    let rotated = Store::connect(&db.url)
        .await
        .unwrap()
        .with_vault(vault(&[1, 2]));
    assert!(rotated.sweep(100, None).await.unwrap().finished);
    let status = rotated.key_status().await.unwrap();
    let new = status.iter().find(|k| k.current).unwrap();
    assert_eq!(new.rows["import_issues"], 1, "{status:?}");
    let issues = rotated
        .import_issues(&admin.actor, batch.id, 0, 10)
        .await
        .unwrap();
    assert_eq!(issues[0].cells[2], IMPORTED_ID);
}
