//! Leads and the shared pool at the storage level: duplicate checks at
//! capture, round robin and region assignment, claims with their cap and
//! protection, the pool sweep with a controllable clock, and conversion
//! linking to an existing customer. SQLite by default, PostgreSQL when
//! KEHU_TEST_DATABASE names a server.

use kehu_core::{schema, ChangeSource, CustomerId, LeadId};
use kehu_store::customers::CustomerInput;
use kehu_store::leads::{Assign, Conversion, LeadFilter, PoolRule, FORM_LIMIT, FORM_WINDOW_MS};
use kehu_store::testing::{field_codes, patch, TestDb};
use kehu_store::write::Ctx;
use kehu_store::{now_ms, Error, Store};
use serde_json::{json, Value};

const DAY: i64 = 24 * 3600 * 1000;

async fn member(store: &Store, admin: &Ctx, email: &str, role: &str, team: Option<i64>) -> Ctx {
    let fields = json!({"email": email, "name": email, "role": role, "team_id": team});
    let u = store
        .create_user(Some(admin), patch(schema::USER, fields), None)
        .await
        .unwrap();
    Ctx::new(u.actor(), ChangeSource::Ui)
}

fn system() -> Ctx {
    Ctx::system(ChangeSource::Api)
}

fn lead(fields: Value) -> kehu_core::entry::Patch {
    patch(schema::LEAD, fields)
}

#[tokio::test]
async fn captured_leads_are_checked_for_duplicates_and_assigned_in_turn_or_by_region() {
    let (store, _db) = TestDb::create().await;
    let admin = kehu_store::testing::user(&store, "admin@example.com", "admin").await;
    let team = store.create_team(&admin, "华东销售").await.unwrap().id;
    let r1 = member(&store, &admin, "r1@example.com", "sales", Some(team)).await;
    let r2 = member(&store, &admin, "r2@example.com", "sales", Some(team)).await;
    member(&store, &admin, "boss@example.com", "manager", Some(team)).await;

    let customer = store
        .create_customer(
            &r1,
            CustomerInput {
                patch: patch(
                    schema::CUSTOMER,
                    json!({"name": "张三", "mobile": "13812345678"}),
                ),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // Round robin among the team's sales reps (not its manager): 1, 2, 1.
    let mut owners = Vec::new();
    for (i, mobile) in ["13812345678", "13900000001", "13900000002"]
        .iter()
        .enumerate()
    {
        let l = store
            .capture_lead(
                &system(),
                lead(json!({"name": format!("访客{i}"), "mobile": mobile, "email": format!("v{i}@example.com")})),
                Assign::RoundRobin(team),
            )
            .await
            .unwrap();
        owners.push(l.owner_id);
        if i == 0 {
            assert_eq!(
                l.duplicate_customer_id,
                Some(customer.id),
                "same mobile as a customer"
            );
            assert_eq!(l.duplicate_lead_id, None);
            assert_eq!(l.team_id, Some(team));
        }
    }
    let (u1, u2) = (r1.actor.user_id.get(), r2.actor.user_id.get());
    assert_eq!(owners, vec![Some(u1), Some(u2), Some(u1)]);

    // The same email again: the earlier lead is named.
    let again = store
        .capture_lead(
            &system(),
            lead(json!({"name": "访客", "email": "V1@example.com"})),
            Assign::Pool,
        )
        .await
        .unwrap();
    assert!(again.duplicate_lead_id.is_some());
    assert_eq!(again.owner_id, None, "to the pool");

    // By region: 浙江 goes to r2; elsewhere to the pool.
    store
        .set_region_rule(&admin, "浙江", Some(u2))
        .await
        .unwrap();
    let zj = store
        .capture_lead(
            &system(),
            lead(json!({"name": "杭州客户", "province": "浙江省"})),
            Assign::Region,
        )
        .await
        .unwrap();
    assert_eq!(zj.owner_id, Some(u2));
    let sh = store
        .capture_lead(
            &system(),
            lead(json!({"name": "上海客户", "province": "上海"})),
            Assign::Region,
        )
        .await
        .unwrap();
    assert_eq!(sh.owner_id, None);
    let refused = store
        .set_region_rule(&admin, "火星", Some(u2))
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(refused),
        vec![("province".into(), "invalid_region".into())]
    );

    // A public form may send the same address only so often.
    let now = now_ms();
    for _ in 0..FORM_LIMIT {
        assert!(store.form_hit("203.0.113.9", now).await.unwrap());
    }
    assert!(!store.form_hit("203.0.113.9", now).await.unwrap());
    assert!(store.form_hit("203.0.113.10", now).await.unwrap());
    assert!(store
        .form_hit("203.0.113.9", now + FORM_WINDOW_MS + 1)
        .await
        .unwrap());
}

#[tokio::test]
async fn the_pool_masks_claims_caps_protects_and_takes_back_idle_records() {
    let (store, _db) = TestDb::create().await;
    let admin = kehu_store::testing::user(&store, "admin@example.com", "admin").await;
    let rep = member(&store, &admin, "rep@example.com", "sales", None).await;
    let other = member(&store, &admin, "other@example.com", "sales", None).await;
    let pooled = store
        .capture_lead(
            &system(),
            lead(json!({"name": "公海线索", "mobile": "13700001111", "email": "pool@example.com"})),
            Assign::Pool,
        )
        .await
        .unwrap();
    let second = store
        .capture_lead(&system(), lead(json!({"name": "第二条"})), Assign::Pool)
        .await
        .unwrap();

    // In the pool every rep sees it, masked; working it needs a claim.
    let seen = store.lead(&rep.actor, LeadId(pooled.id)).await.unwrap();
    assert_eq!(seen.mobile.as_deref(), Some("137****1111"));
    assert_ne!(seen.email.as_deref(), Some("pool@example.com"));
    let pool = store
        .leads(
            &other.actor,
            &LeadFilter {
                pool: true,
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(pool.len(), 2);
    let fu = patch(
        schema::LEAD_FOLLOWUP,
        json!({"channel": "call", "content": "x"}),
    );
    assert!(matches!(
        store
            .follow_up_lead(&rep, LeadId(pooled.id), fu.clone())
            .await,
        Err(Error::Conflict("lead_in_pool"))
    ));

    // A cap of one record: the first claim works, the second is refused.
    let rule = PoolRule {
        team_id: None,
        max_held: Some(1),
        protect_days: 10,
        return_days: Some(3),
    };
    store.set_pool_rule(&admin, &rule).await.unwrap();
    let now = now_ms();
    let mine = store.claim_lead(&rep, LeadId(pooled.id)).await.unwrap();
    assert_eq!(mine.owner_id, Some(rep.actor.user_id.get()));
    assert_eq!(
        mine.mobile.as_deref(),
        Some("13700001111"),
        "unmasked for its owner"
    );
    let protected_until = mine.protected_until.unwrap().0;
    assert!(protected_until >= now + 10 * DAY);
    assert!(matches!(
        store.claim_lead(&rep, LeadId(second.id)).await,
        Err(Error::Conflict("claim_cap"))
    ));
    // Taken, it is no longer the other rep's to see: claiming it answers
    // as a missing lead would, not "someone has it".
    assert!(matches!(
        store.claim_lead(&other, LeadId(pooled.id)).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.lead(&other.actor, LeadId(pooled.id)).await,
        Err(Error::NotFound)
    ));

    // Idle for four days but protected for ten: it stays.
    assert_eq!(store.sweep_pool(now + 4 * DAY).await.unwrap().leads, 0);
    // Eleven days without a follow-up, protection over: back to the pool,
    // with history and a task for the former owner.
    let swept = store.sweep_pool(now + 11 * DAY).await.unwrap();
    assert_eq!(swept.leads, 1);
    let back = store.lead(&other.actor, LeadId(pooled.id)).await.unwrap();
    assert_eq!(back.owner_id, None);
    let tasks = store.tasks(&rep.actor, None, None, None, 50).await.unwrap();
    assert!(
        tasks.iter().any(|t| t.title.contains("公海线索") && t.assignee_id == Some(rep.actor.user_id.get())),
        "{tasks:?}"
    );

    // A follow-up restarts the clock; a customer idle too long goes back.
    store
        .set_pool_rule(
            &admin,
            &PoolRule {
                max_held: None,
                protect_days: 0,
                ..rule.clone()
            },
        )
        .await
        .unwrap();
    let claimed = store.claim_lead(&rep, LeadId(second.id)).await.unwrap();
    store
        .follow_up_lead(&rep, LeadId(claimed.id), fu)
        .await
        .unwrap();
    let c = store
        .create_customer(
            &rep,
            CustomerInput {
                patch: patch(schema::CUSTOMER, json!({"name": "久未跟进的客户"})),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let swept = store.sweep_pool(now_ms() + 2 * DAY).await.unwrap();
    assert_eq!(
        swept,
        kehu_store::leads::Swept {
            leads: 0,
            customers: 0
        }
    );
    let swept = store.sweep_pool(now_ms() + 4 * DAY).await.unwrap();
    assert_eq!(
        swept,
        kehu_store::leads::Swept {
            leads: 1,
            customers: 1
        }
    );
    let pooled_customer = store
        .customer(&other.actor, CustomerId(c.id))
        .await
        .unwrap();
    assert_eq!(pooled_customer.owner_id, None);
    store
        .claim_customer(&other, CustomerId(c.id))
        .await
        .unwrap();
    let taken = store
        .customer(&other.actor, CustomerId(c.id))
        .await
        .unwrap();
    assert_eq!(taken.owner_id, Some(other.actor.user_id.get()));
}

#[tokio::test]
async fn a_qualified_lead_converts_and_links_to_the_customer_it_duplicates() {
    let (store, _db) = TestDb::create().await;
    let rep = kehu_store::testing::user(&store, "rep@example.com", "sales").await;
    let existing = store
        .create_customer(
            &rep,
            CustomerInput {
                patch: patch(
                    schema::CUSTOMER,
                    json!({"name": "华信科技", "kind": "company", "email": "info@huaxin.example"}),
                ),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let l = store
        .capture_lead(
            &rep,
            lead(json!({"name": "王经理", "company": "华信科技有限公司", "title": "采购经理",
                        "mobile": "13611112222", "email": "info@huaxin.example", "source": "官网表单"})),
            Assign::AsGiven,
        )
        .await
        .unwrap();
    assert_eq!(l.duplicate_customer_id, Some(existing.id));
    assert_eq!(l.owner_id, Some(rep.actor.user_id.get()));

    // Only a qualified lead converts; a disqualification needs a reason.
    let convert = || Conversion {
        kind: "company".into(),
        opportunity: Some(("首年采购".into(), Some("50000".into()))),
        ..Default::default()
    };
    assert!(matches!(
        store.convert_lead(&rep, LeadId(l.id), convert()).await,
        Err(Error::Conflict("lead_not_qualified"))
    ));
    let refused = store
        .set_lead_status(&rep, LeadId(l.id), "disqualified", None)
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(refused),
        vec![("reason".into(), "required".into())]
    );
    store
        .set_lead_status(&rep, LeadId(l.id), "qualified", None)
        .await
        .unwrap();
    let done = store
        .convert_lead(&rep, LeadId(l.id), convert())
        .await
        .unwrap();
    assert!(done.linked, "linked to the customer found, not a copy");
    assert_eq!(done.customer_id, existing.id);
    let contact = store
        .contacts_of(
            &rep.actor,
            &store
                .customer(&rep.actor, CustomerId(existing.id))
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(contact.len(), 1);
    assert_eq!(contact[0].name, "王经理");
    assert_eq!(contact[0].mobile.as_deref(), Some("13611112222"));
    let opp = store
        .opportunity(
            &rep.actor,
            kehu_core::OpportunityId(done.opportunity_id.unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(opp.customer_id, existing.id);
    assert_eq!(opp.amount.0.amount_string(), "50000.00");
    let converted = store.lead(&rep.actor, LeadId(l.id)).await.unwrap();
    assert_eq!(converted.status, "converted");
    assert_eq!(converted.customer_id, Some(existing.id));

    // Without a duplicate: a new customer of its own.
    let fresh = store
        .capture_lead(
            &rep,
            lead(json!({"name": "李四", "mobile": "13522223333"})),
            Assign::AsGiven,
        )
        .await
        .unwrap();
    store
        .set_lead_status(&rep, LeadId(fresh.id), "qualified", None)
        .await
        .unwrap();
    let made = store
        .convert_lead(
            &rep,
            LeadId(fresh.id),
            Conversion {
                kind: "individual".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!made.linked);
    let c = store
        .customer(&rep.actor, CustomerId(made.customer_id))
        .await
        .unwrap();
    assert_eq!(
        (c.name.as_str(), c.mobile.as_deref()),
        ("李四", Some("13522223333"))
    );
    assert_eq!(c.kind, "individual");
}
