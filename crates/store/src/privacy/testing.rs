//! For the privacy tests of every layer: a person with a record of every
//! kind kehu keeps, and a search of every column of every table.

use kehu_core::entry::{parse_object, Mode, Stored};
use kehu_core::order::parse_lines;
use kehu_core::webhook::{EndpointUrl, Event};
use kehu_core::{schema, ChangeSource, CustomerId, LeadId, OrderId};
use serde_json::json;

use crate::customers::CustomerInput;
use crate::db::q;
use crate::import::{BatchKind, ImportOptions, Policy, Seen, SourceRow};
use crate::leads::{Assign, Conversion};
use crate::merge::MergeRequest;
use crate::orders::Step;
use crate::testing::patch;
use crate::webhooks::EndpointInput;
use crate::write::Ctx;
use crate::{Backend, Store};

/// The person's values, each of which must be gone after an erasure.
pub const NAME: &str = "张三丰";
pub const MOBILE: &str = "13812345678";
/// The mobile as typed into the imported file.
pub const MOBILE_TYPED: &str = "138-1234-5678";
pub const EMAIL: &str = "sanfeng@wudang.example";
pub const ADDRESS: &str = "武当山紫霄宫一号院";
pub const OLD_ADDRESS: &str = "均州城南门外二十里";
pub const CONTACT_NAME: &str = "张翠山";
pub const CONTACT_MOBILE: &str = "13900001111";

/// Every value of the person, for searches that must find none.
pub const VALUES: &[&str] = &[
    NAME,
    MOBILE,
    MOBILE_TYPED,
    EMAIL,
    ADDRESS,
    OLD_ADDRESS,
    CONTACT_NAME,
    CONTACT_MOBILE,
];

/// What the fixture made.
pub struct Fixture {
    pub customer: i64,
    /// A second record of the person, merged into `customer`.
    pub merged: i64,
    pub lead: i64,
    pub order: i64,
    /// Someone else, who must keep everything.
    pub bystander: i64,
}

fn customer(fields: serde_json::Value) -> CustomerInput {
    CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        ..Default::default()
    }
}

fn change(fields: serde_json::Value) -> CustomerInput {
    let object = fields.as_object().expect("an object");
    let patch = parse_object(object, schema::CUSTOMER, &[], Mode::Update).expect("valid fields");
    CustomerInput {
        patch,
        ..Default::default()
    }
}

/// Makes a person with a record of every kind: customer (changed, so its
/// history holds an old address), a contact, a follow-up with a next step
/// (a task), a task, an order with lines, a payment and a shipment, an
/// opportunity, a lead converted into the customer, a duplicate merged in,
/// a duplicate-queue entry, webhook events, an import with a skipped and a
/// rejected row carrying their number and e-mail, and an access-log entry
/// filtered on their number. Plus a bystander with an order of their own.
pub async fn person_of_every_kind(store: &Store, admin: &Ctx) -> Fixture {
    let url = EndpointUrl::parse("https://erp.example.cn/kehu").unwrap();
    let events = vec![
        Event::CustomerCreated,
        Event::CustomerUpdated,
        Event::OrderPaid,
        Event::LeadCreated,
    ];
    let endpoint = EndpointInput {
        url: Some(url),
        events: Some(events),
        active: None,
        description: None,
    };
    store
        .create_webhook_endpoint(admin, endpoint)
        .await
        .unwrap();

    let c = store
        .create_customer(
            admin,
            customer(
                json!({"name": NAME, "mobile": MOBILE, "email": EMAIL, "address": OLD_ADDRESS,
                            "industry": "武术", "notes": "太极拳创始人"}),
            ),
        )
        .await
        .unwrap();
    store
        .update_customer(
            admin,
            CustomerId(c.id),
            change(json!({"address": ADDRESS})),
            None,
        )
        .await
        .unwrap();
    let bystander = store
        .create_customer(
            admin,
            customer(json!({"name": "李四", "mobile": "13700000000"})),
        )
        .await
        .unwrap()
        .id;
    store
        .create_contact(
            admin,
            patch(
                schema::CONTACT,
                json!({"customer_id": c.id, "name": CONTACT_NAME, "mobile": CONTACT_MOBILE}),
            ),
        )
        .await
        .unwrap();
    let mut interaction = patch(
        schema::INTERACTION,
        json!({"customer_id": c.id, "channel": "call", "content": format!("{NAME}要报价")}),
    );
    interaction
        .set
        .push(("next_step", Some(Stored::Text(format!("给{NAME}发合同")))));
    interaction.set.push((
        "next_step_at",
        Some(Stored::Int(crate::now_ms() + 86_400_000)),
    ));
    store.create_interaction(admin, interaction).await.unwrap();
    store
        .create_task(
            admin,
            patch(
                schema::TASK,
                json!({"customer_id": c.id, "title": format!("回访{NAME}"), "due_at": "2030-01-01T08:00:00Z"}),
            ),
        )
        .await
        .unwrap();

    let order = order_paid_and_shipped(store, admin, c.id, "1000", MOBILE).await;
    order_paid_and_shipped(store, admin, bystander, "250", "李四转账").await;
    store
        .create_opportunity(
            admin,
            patch(
                schema::OPPORTUNITY,
                json!({"customer_id": c.id, "name": format!("{NAME} 续约"), "amount": "5000", "notes": EMAIL}),
            ),
            None,
            None,
        )
        .await
        .unwrap();

    let lead = store
        .capture_lead(
            admin,
            patch(
                schema::LEAD,
                json!({"name": NAME, "mobile": MOBILE, "email": EMAIL}),
            ),
            Assign::AsGiven,
        )
        .await
        .unwrap()
        .id;
    store
        .set_lead_status(admin, LeadId(lead), "qualified", None)
        .await
        .unwrap();
    let conversion = Conversion {
        kind: "individual".into(),
        customer_id: Some(c.id),
        force_new: false,
        opportunity: None,
    };
    store
        .convert_lead(admin, LeadId(lead), conversion)
        .await
        .unwrap();

    let merged = store
        .create_customer(
            admin,
            customer(json!({"name": NAME, "phone": "027-87654321", "email": EMAIL})),
        )
        .await
        .unwrap()
        .id;
    let request = MergeRequest {
        survivor: CustomerId(c.id),
        merged: vec![CustomerId(merged)],
        choose: Default::default(),
        score: Some(0.95),
        reasons: vec!["email".into()],
        rule: None,
    };
    store.merge_customers(admin, &request).await.unwrap();
    store
        .add_duplicate_cluster(&[c.id, bystander], "open")
        .await
        .unwrap();

    import_rows(store, admin).await;
    store
        .log_export(
            &admin.actor,
            "customer",
            &format!("mobile={MOBILE}"),
            "csv",
            1,
        )
        .await
        .unwrap();
    Fixture {
        customer: c.id,
        merged,
        lead,
        order,
        bystander,
    }
}

async fn order_paid_and_shipped(
    store: &Store,
    admin: &Ctx,
    customer: i64,
    amount: &str,
    reference: &str,
) -> i64 {
    let lines =
        parse_lines(&json!([{"name": "太极剑", "quantity": "1", "unit_price": amount}])).unwrap();
    let order = store
        .create_order(admin, patch(schema::ORDER, json!({"customer_id": customer, "notes": if reference == MOBILE { ADDRESS } else { "" }})), lines)
        .await
        .unwrap()
        .id;
    store
        .order_step(admin, OrderId(order), Step::Confirm)
        .await
        .unwrap();
    let payment = json!({"amount": amount, "method": "bank_transfer", "paid_on": "2026-11-30", "reference": reference});
    store
        .add_payment(admin, OrderId(order), patch(schema::PAYMENT, payment))
        .await
        .unwrap();
    let ship = patch(
        schema::SHIPMENT,
        json!({"carrier": "顺丰速运", "tracking_no": "SF1234567890"}),
    );
    store
        .order_step(admin, OrderId(order), Step::Ship(ship))
        .await
        .unwrap();
    order
}

/// An import (skip duplicates) of one row matching the person, one
/// rejected row carrying their e-mail, and one new person.
async fn import_rows(store: &Store, admin: &Ctx) {
    let ctx = Ctx::new(admin.actor, ChangeSource::Import);
    let options = import_options();
    let preparer = store.preparer(&options).await.unwrap();
    let mut batch = store
        .begin_import(&ctx, "展会.csv", None, Some("sha"), &options)
        .await
        .unwrap();
    let rows = [
        [NAME, MOBILE_TYPED, ""],
        ["张三", "12345", EMAIL],
        ["王五", "13900000001", ""],
    ];
    let prepared = rows
        .iter()
        .enumerate()
        .map(|(i, cells)| {
            let cells = cells.iter().map(|c| c.to_string()).collect();
            preparer.prepare(SourceRow {
                number: i as u64 + 2,
                cells,
            })
        })
        .collect();
    let mut seen = Seen::default();
    store
        .import_chunk(
            &ctx,
            &options,
            Some(&mut batch),
            &preparer,
            prepared,
            &mut seen,
        )
        .await
        .unwrap();
    store.finish_import(&ctx.actor, &batch).await.unwrap();
}

/// Three columns: name, mobile, e-mail; duplicates skipped.
pub fn import_options() -> ImportOptions {
    let headers: Vec<String> = ["姓名", "手机", "邮箱"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let mapping = kehu_core::columns::guess_all(&headers, &[])
        .into_iter()
        .map(|t| t.map(|t| t.key()))
        .collect();
    ImportOptions {
        kind: BatchKind::Import,
        policy: Policy::Skip,
        headers,
        mapping,
        sheet: None,
        header_row: None,
        strict: false,
        description: None,
    }
}

impl Store {
    /// Every `table.column` of the whole database whose value, read as
    /// text (or opened, for the cells of kept import rows), contains
    /// `needle`. Tables are listed from the schema, so a
    /// table a later migration adds is searched too. Tests only.
    pub async fn find_anywhere(&self, needle: &str) -> crate::Result<Vec<String>> {
        let columns: Vec<(String, String)> = match self.backend() {
            Backend::Sqlite => {
                self.db
                    .all(q(
                        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                            WHERE m.type = 'table' ORDER BY 1, 2",
                    ))
                    .await?
            }
            Backend::Postgres => self
                .db
                .all(q(
                    "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
                            WHERE table_schema = current_schema() ORDER BY 1, 2",
                ))
                .await?,
        };
        let mut found = Vec::new();
        for (table, column) in columns {
            let text = match self.backend() {
                Backend::Sqlite => format!("CAST(\"{column}\" AS TEXT)"),
                Backend::Postgres => format!("\"{column}\"::TEXT"),
            };
            let sql =
                format!("SELECT COUNT(*) FROM \"{table}\" WHERE {text} LIKE '%' || $1 || '%'");
            let (n,): (i64,) = self.db.one(q(sql).bind(needle).once()).await?;
            if n > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
        // The cells of kept import rows are stored sealed: searched opened,
        // so an erasure that left them behind is still caught.
        let cells: Vec<(String,)> = self.db.all(q("SELECT cells FROM import_issues")).await?;
        for (stored,) in cells {
            if crate::import::open_cells(self.vault(), &stored)?.contains(needle) {
                found.push("import_issues.cells (sealed)".to_owned());
                break;
            }
        }
        Ok(found)
    }
}
