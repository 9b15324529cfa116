//! The product catalogue at the storage level: exact prices, unique codes,
//! who keeps it, deactivation and search. SQLite by default, PostgreSQL
//! when KEHU_TEST_DATABASE names a server.

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::{schema, ChangeSource, ProductId};
use kehu_store::products::ProductFilter;
use kehu_store::testing::{field_codes, TestDb};
use kehu_store::write::Ctx;
use kehu_store::{Error, Store};
use serde_json::{json, Value};

fn patch(v: Value, mode: Mode) -> Patch {
    parse_object(v.as_object().unwrap(), schema::PRODUCT, &[], mode).unwrap()
}

async fn user(store: &Store, email: &str, role: &str) -> Ctx {
    let fields = json!({"email": email, "name": email, "role": role});
    let p = parse_object(fields.as_object().unwrap(), schema::USER, &[], Mode::Create).unwrap();
    let u = store.create_user(None, p, None).await.unwrap();
    Ctx::new(u.actor(), ChangeSource::Ui)
}

#[tokio::test]
async fn products_keep_exact_prices_and_unique_codes_and_only_managers_keep_them() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let rep = user(&store, "rep@example.com", "sales").await;

    let p = store
        .create_product(
            &admin,
            patch(
                json!({"code": "CRM-STD", "name": "客户管理系统 标准版", "unit": "套", "price": "¥12,800.5"}),
                Mode::Create,
            ),
        )
        .await
        .unwrap();
    assert_eq!(p.price.0.amount_string(), "12800.50");
    assert_eq!(p.price.0.currency().as_str(), "CNY");
    assert!(p.active);
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(
        json["price"],
        json!({"amount": "12800.50", "currency": "CNY"})
    );

    // The same code twice is refused under its field.
    let again = store
        .create_product(
            &admin,
            patch(
                json!({"code": "CRM-STD", "name": "另一个", "price": "1"}),
                Mode::Create,
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(again),
        vec![("code".into(), "not_unique".into())]
    );
    // A negative price never parses.
    let negative = parse_object(
        json!({"code": "X", "name": "X", "price": "-1"})
            .as_object()
            .unwrap(),
        schema::PRODUCT,
        &[],
        Mode::Create,
    )
    .unwrap_err();
    assert_eq!(negative.0[0].field, "price");
    // Reps read the catalogue but do not keep it.
    assert!(matches!(
        store
            .create_product(
                &rep,
                patch(
                    json!({"code": "Y", "name": "Y", "price": "1"}),
                    Mode::Create
                )
            )
            .await,
        Err(Error::Forbidden)
    ));
    assert_eq!(store.product(ProductId(p.id)).await.unwrap().name, p.name);

    // Editing with a stale version is a conflict; the right one wins.
    let raise = patch(json!({"price": "13000 CNY"}), Mode::Update);
    assert!(matches!(
        store
            .update_product(&admin, ProductId(p.id), raise.clone(), Some(p.version + 1))
            .await,
        Err(Error::Conflict("version"))
    ));
    let raised = store
        .update_product(&admin, ProductId(p.id), raise, Some(p.version))
        .await
        .unwrap();
    assert_eq!(raised.price.0.amount_string(), "13000.00");
    let history = store.product_history(ProductId(p.id), 50).await.unwrap();
    assert!(history.iter().any(|h| h.field == "price"
        && h.old_value.as_deref() == Some("12800.50 CNY")
        && h.new_value.as_deref() == Some("13000.00 CNY")));
}

#[tokio::test]
async fn the_catalogue_lists_active_products_by_code_and_finds_them_by_code_or_name() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin").await;
    let mut ids = Vec::new();
    for (code, name) in [
        ("SVC-1", "实施服务"),
        ("CRM-PRO", "客户管理系统 专业版"),
        ("HW-9", "扫码枪"),
    ] {
        let p = store
            .create_product(
                &admin,
                patch(
                    json!({"code": code, "name": name, "price": "100"}),
                    Mode::Create,
                ),
            )
            .await
            .unwrap();
        ids.push(p.id);
    }
    store
        .update_product(
            &admin,
            ProductId(ids[2]),
            patch(json!({"active": false}), Mode::Update),
            None,
        )
        .await
        .unwrap();
    let list = |filter: ProductFilter| {
        let store = store.clone();
        async move {
            let (rows, total) = store.products(&filter).await.unwrap();
            (rows.into_iter().map(|p| p.code).collect::<Vec<_>>(), total)
        }
    };
    let page = ProductFilter {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        list(page.clone()).await,
        (vec!["CRM-PRO".to_string(), "SVC-1".to_string()], 2)
    );
    let all = ProductFilter {
        all: true,
        ..page.clone()
    };
    assert_eq!(list(all).await.1, 3);
    let search = ProductFilter {
        q: Some("crm".into()),
        ..page.clone()
    };
    assert_eq!(list(search).await, (vec!["CRM-PRO".to_string()], 1));
    let by_name = ProductFilter {
        q: Some("服务".into()),
        ..page
    };
    assert_eq!(list(by_name).await, (vec!["SVC-1".to_string()], 1));
}
