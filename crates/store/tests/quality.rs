//! Data quality at the storage level: completeness scores, re-validation
//! after a rule changes, stale records and their verification tasks, and
//! the audit report's figures on a small known data set. Runs on SQLite by
//! default and on PostgreSQL when KEHU_TEST_DATABASE names a server.

use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::field::{FieldDef, FieldKey, FieldKind, FieldRules};
use kehu_core::quality::{FieldRule, Level, QualityRules};
use kehu_core::{schema, ChangeSource, CustomerId, FieldDefId, TeamId};
use kehu_store::customers::{Customer, CustomerInput};
use kehu_store::merge::MergeRequest;
use kehu_store::quality::{
    CheckReport, DuplicateFigures, EntityFigures, QualityRow, RevalidationFailure,
};
use kehu_store::testing::TestDb;
use kehu_store::time::Time;
use kehu_store::write::Ctx;
use kehu_store::{Error, Store};
use serde_json::{json, Map, Value};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn patch(specs: &[kehu_core::entry::Spec], v: Value) -> Patch {
    parse_object(v.as_object().unwrap(), specs, &[], Mode::Create).unwrap()
}

async fn user(store: &Store, email: &str, role: &str, team: Option<i64>) -> Ctx {
    let u = store
        .create_user(
            None,
            patch(
                schema::USER,
                json!({"email": email, "name": email, "role": role, "team_id": team}),
            ),
            None,
        )
        .await
        .unwrap();
    Ctx::new(u.actor(), ChangeSource::Ui)
}

async fn team(store: &Store, admin: &Ctx, name: &str) -> i64 {
    store.create_team(admin, name).await.unwrap().id
}

async fn customer(store: &Store, ctx: &Ctx, fields: Value) -> Customer {
    customer_with(store, ctx, fields, None).await
}

async fn customer_with(store: &Store, ctx: &Ctx, fields: Value, custom: Option<Value>) -> Customer {
    let input = CustomerInput {
        patch: patch(schema::CUSTOMER, fields),
        custom: custom.map(|c| c.as_object().unwrap().clone()),
        ..Default::default()
    };
    store.create_customer(ctx, input).await.unwrap()
}

#[tokio::test]
async fn a_customer_scores_the_share_of_weighted_fields_it_has() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let company = customer(
        &store,
        &admin,
        json!({"kind": "company", "name": "福州某某科技有限公司", "phone": "0591-87654321", "uscc": "91350100M000100Y43"}),
    )
    .await;
    let q = store
        .customer_quality(&admin.actor, CustomerId(company.id))
        .await
        .unwrap();
    assert_eq!(q.record_type, "company");
    assert_eq!(q.score, 50);
    assert!(q.missing_required.is_empty());
    assert_eq!(
        q.missing_recommended,
        [
            "province",
            "city",
            "address",
            "industry",
            "company_size",
            "email",
            "source"
        ]
    );
    assert!(!q.stale);

    let person = customer(
        &store,
        &admin,
        json!({"name": "张三", "email": "zs@example.com"}),
    )
    .await;
    let q = store
        .customer_quality(&admin.actor, CustomerId(person.id))
        .await
        .unwrap();
    assert_eq!((q.record_type.as_str(), q.score), ("individual", 35));
    assert_eq!(q.missing_required, ["mobile|phone"]);
}

#[tokio::test]
async fn tightening_a_rule_lists_exactly_the_records_that_now_break_it_and_changes_none() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let with_code = customer(
        &store,
        &admin,
        json!({"kind": "company", "name": "甲公司", "mobile": "13812345678", "uscc": "91350100M000100Y43"}),
    )
    .await;
    let without_code = customer(
        &store,
        &admin,
        json!({"kind": "company", "name": "乙公司", "mobile": "13812345679"}),
    )
    .await;
    let person = customer(&store, &admin, json!({"name": "王五"})).await;
    let contact = store
        .create_contact(
            &admin,
            patch(
                schema::CONTACT,
                json!({"customer_id": with_code.id, "name": "李秘书", "mobile": "13900000001", "title": "秘书"}),
            ),
        )
        .await
        .unwrap();
    let before: Vec<Customer> =
        customers_now(&store, &admin, &[with_code.id, without_code.id, person.id]).await;

    let mut rules = store.quality_rules().await.unwrap();
    assert_eq!(rules, QualityRules::default());
    rules.company[2].level = Level::Required; // uscc
    rules.contact[2].level = Level::Required; // email
    rules.stale_days = 90;
    let (saved, revalidation) = store
        .set_quality_rules(&admin, rules.clone())
        .await
        .unwrap();
    assert_eq!(saved, rules);
    assert_eq!(store.quality_rules().await.unwrap(), rules);
    assert_eq!(revalidation.cause, "quality_rules");
    assert_eq!((revalidation.checked, revalidation.failing), (4, 2));
    let listed = store
        .revalidation_failures(&admin.actor, revalidation.id, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        listed,
        vec![
            failure("contact", contact.id, "email", "required"),
            failure("customer", without_code.id, "uscc", "required"),
        ]
    );
    let after = customers_now(&store, &admin, &[with_code.id, without_code.id, person.id]).await;
    assert_eq!(
        json(&before),
        json(&after),
        "re-validation changed a record"
    );

    // A rule that stays as strict lists nothing new.
    let (_, again) = store.set_quality_rules(&admin, rules).await.unwrap();
    assert_eq!(again.failing, 0);
    assert!(store
        .revalidation_failures(&admin.actor, again.id, 0, 100)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_custom_fields_new_pattern_lists_the_values_it_refuses() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let def = |pattern: Option<&str>| FieldDef {
        key: FieldKey::parse("level").unwrap(),
        label_zh: "等级".into(),
        label_en: "Level".into(),
        kind: FieldKind::Text,
        rules: FieldRules {
            pattern: pattern.map(str::to_owned),
            ..FieldRules::default()
        },
        sensitive: false,
    };
    let field = store
        .create_field_definition(&admin, def(None), 0)
        .await
        .unwrap();
    // Meets the new pattern: not listed.
    customer_with(
        &store,
        &admin,
        json!({"name": "甲"}),
        Some(json!({"level": "A1"})),
    )
    .await;
    let bad = customer_with(
        &store,
        &admin,
        json!({"name": "乙"}),
        Some(json!({"level": "B2"})),
    )
    .await;
    customer(&store, &admin, json!({"name": "丙"})).await;
    store
        .update_field_definition(&admin, FieldDefId(field.id), def(Some(r"A\d")), 0)
        .await
        .unwrap();
    let latest = store.revalidations(&admin.actor, 10).await.unwrap();
    let r = &latest[0];
    assert_eq!(
        (r.cause.as_str(), r.checked, r.failing),
        ("field:level", 3, 1)
    );
    let listed = store
        .revalidation_failures(&admin.actor, r.id, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        listed,
        vec![failure(
            "customer",
            bad.id,
            "custom.level",
            "pattern_mismatch"
        )]
    );
    let kept = store
        .customer(&admin.actor, CustomerId(bad.id))
        .await
        .unwrap();
    assert_eq!(kept.custom.0.get("level"), Some(&json!("B2")));

    // Only administrators change rules; reps cannot read the lists.
    let rep = user(&store, "rep@example.com", "sales", None).await;
    assert!(matches!(
        store.set_quality_rules(&rep, QualityRules::default()).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        store.revalidations(&rep.actor, 10).await,
        Err(Error::Forbidden)
    ));
}

#[tokio::test]
async fn rules_naming_unknown_fields_are_refused_and_nothing_changes() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let mut rules = QualityRules::default();
    rules.company.push(FieldRule {
        fields: vec!["custom.nothing".into()],
        level: Level::Required,
        weight: 5,
    });
    let Err(Error::Invalid(invalid)) = store.set_quality_rules(&admin, rules).await else {
        panic!("unknown field accepted");
    };
    assert_eq!(invalid.0[0].field, "company[10].fields");
    assert_eq!(invalid.0[0].code.as_str(), "unknown_field");
    assert_eq!(
        store.quality_rules().await.unwrap(),
        QualityRules::default()
    );
    assert!(store
        .revalidations(&admin.actor, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_stale_record_gets_one_verification_task_for_its_owner_and_verifying_closes_it() {
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let rep = user(&store, "rep@example.com", "sales", None).await;
    let stale = customer(&store, &rep, json!({"name": "老客户"})).await;
    // Updated just now: not stale, no task.
    customer(&store, &rep, json!({"name": "新客户"})).await;
    let pool = customer(
        &store,
        &admin,
        json!({"name": "公海客户", "owner_id": null}),
    )
    .await;
    assert_eq!(pool.owner_id, None);
    store.backdate_customer(stale.id, 200).await.unwrap();
    store.backdate_customer(pool.id, 200).await.unwrap();

    let now = Time::now();
    // Two servers sweeping at once make one task between them.
    let (x, y) = tokio::join!(store.sweep_stale(now), store.sweep_stale(now));
    assert_eq!(x.unwrap().tasks_created + y.unwrap().tasks_created, 1);
    assert_eq!(store.sweep_stale(now).await.unwrap().tasks_created, 0);
    let tasks = store
        .tasks(
            &admin.actor,
            Some(rep.actor.user_id.get()),
            Some("open"),
            None,
            100,
        )
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    let pool_tasks = store
        .tasks(&admin.actor, None, None, Some(CustomerId(pool.id)), 10)
        .await
        .unwrap();
    assert!(pool_tasks.is_empty(), "a pool record got a task");
    let task = &tasks[0];
    assert_eq!(task.customer_id, Some(stale.id));
    assert_eq!(task.assignee_id, Some(rep.actor.user_id.get()));
    assert_eq!(task.title, "核对客户资料：老客户");

    let verified = store
        .verify_customer(&rep, CustomerId(stale.id))
        .await
        .unwrap();
    assert!(verified.verified_at.is_some());
    let done = store
        .tasks(
            &admin.actor,
            None,
            Some("done"),
            Some(CustomerId(stale.id)),
            10,
        )
        .await
        .unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].id, task.id);
    assert!(done[0].completed_at.is_some());

    // The clock starts again at the verification.
    assert_eq!(
        store.sweep_stale(Time::now()).await.unwrap().tasks_created,
        0
    );
    let later = Time(now.0 + 179 * DAY_MS);
    assert_eq!(store.sweep_stale(later).await.unwrap().tasks_created, 0);
    let much_later = Time(now.0 + 181 * DAY_MS);
    // Both the verified record and the one nobody touched are stale by then.
    assert_eq!(
        store.sweep_stale(much_later).await.unwrap().tasks_created,
        2
    );
}

/// The known data set of the report test, and its people.
struct Office {
    admin: Ctx,
    manager: Ctx,
    rep1: Ctx,
    rep2: Ctx,
    team_a: i64,
    team_b: i64,
    ids: [i64; 6],
}

async fn office(store: &Store) -> Office {
    let admin = user(store, "admin@example.com", "admin", None).await;
    let team_a = team(store, &admin, "华东").await;
    let team_b = team(store, &admin, "华南").await;
    let manager = user(store, "boss@example.com", "manager", Some(team_a)).await;
    let rep1 = user(store, "rep1@example.com", "sales", Some(team_a)).await;
    let rep2 = user(store, "rep2@example.com", "sales", Some(team_b)).await;
    // 100: every company field.
    let c1 = customer(
        store,
        &rep1,
        json!({"kind": "company", "name": "甲公司", "mobile": "13800000001",
        "uscc": "91350100M000100Y43", "province": "福建", "city": "福州", "address": "五一路 1 号",
        "industry": "软件", "company_size": "10-49", "email": "a@example.com", "source": "展会"}),
    )
    .await;
    // 20: a name only; invalid (no phone), incomplete, and stale.
    let c2 = customer(store, &rep1, json!({"name": "张三"})).await;
    store.backdate_customer(c2.id, 200).await.unwrap();
    // 100, and a duplicate of it entered later (45).
    let c3 = customer(
        store,
        &rep2,
        json!({"name": "李四", "mobile": "13800000003", "email": "l@example.com",
        "province": "广东", "city": "广州", "company": "某某", "title": "经理", "source": "官网"}),
    )
    .await;
    let c4 = customer(
        store,
        &rep2,
        json!({"name": "李四", "mobile": "13800000003"}),
    )
    .await;
    // Two records merged into one (45 each; one goes to the bin).
    let c6 = customer(
        store,
        &rep1,
        json!({"name": "王五", "mobile": "13800000006"}),
    )
    .await;
    let c7 = customer(
        store,
        &rep1,
        json!({"name": "王五", "mobile": "13800000006"}),
    )
    .await;
    // 55: name and mobile of a contact.
    store
        .create_contact(
            &rep1,
            patch(
                schema::CONTACT,
                json!({"customer_id": c1.id, "name": "秘书", "mobile": "13900000001"}),
            ),
        )
        .await
        .unwrap();
    store
        .add_duplicate_cluster(&[c3.id, c4.id], "open")
        .await
        .unwrap();
    store
        .add_duplicate_cluster(&[c6.id, c7.id], "merged")
        .await
        .unwrap();
    store
        .merge_customers(
            &admin,
            &MergeRequest::manual(&[CustomerId(c6.id), CustomerId(c7.id)], Default::default()),
        )
        .await
        .unwrap();
    Office {
        admin,
        manager,
        rep1,
        rep2,
        team_a,
        team_b,
        ids: [c1.id, c2.id, c3.id, c4.id, c6.id, c7.id],
    }
}

fn row(
    id: i64,
    name: &str,
    records: i64,
    invalid: i64,
    incomplete: i64,
    duplicates: i64,
    stale: i64,
) -> QualityRow {
    QualityRow {
        id: Some(id),
        name: Some(name.to_owned()),
        records,
        invalid,
        incomplete,
        duplicates,
        stale,
    }
}

#[tokio::test]
async fn the_audit_report_counts_a_known_data_set_exactly() {
    let (store, _db) = TestDb::create().await;
    let o = office(&store).await;
    let report = store.run_check(&o.admin.actor, Time::now()).await.unwrap();
    assert_eq!(report.scope, "all");
    assert_eq!(
        report.customers,
        EntityFigures {
            records: 5,
            invalid: 1,
            incomplete: 3,
            stale: 1,
            average_score: 62,
            distribution: vec![0, 1, 2, 0, 2],
        }
    );
    assert_eq!(
        report.contacts,
        EntityFigures {
            records: 1,
            invalid: 0,
            incomplete: 1,
            stale: 0,
            average_score: 55,
            distribution: vec![0, 0, 1, 0, 0],
        }
    );
    let failing = |record: &str, field: &str| {
        report
            .rules
            .iter()
            .find(|r| r.record_type == record && r.field == field)
            .map(|r| r.failing)
    };
    assert_eq!(failing("company", "uscc"), Some(0));
    assert_eq!(failing("individual", "name"), Some(0));
    assert_eq!(failing("individual", "mobile|phone"), Some(1));
    assert_eq!(failing("individual", "email"), Some(3));
    assert_eq!(failing("contact", "title"), Some(1));
    assert_eq!(failing("contact", "mobile|phone"), Some(0));
    assert_eq!(
        report.duplicates,
        DuplicateFigures {
            clusters_open: 1,
            clusters_merged: 1,
            clusters_dismissed: 0,
            merges: 1,
            records_merged: 1,
        }
    );
    let (rep1, rep2) = (o.rep1.actor.user_id.get(), o.rep2.actor.user_id.get());
    assert_eq!(
        report.owners,
        vec![
            row(rep1, "rep1@example.com", 4, 1, 3, 0, 1),
            row(rep2, "rep2@example.com", 2, 0, 1, 1, 0),
        ]
    );
    assert_eq!(
        report.teams,
        vec![
            row(o.team_a, "华东", 4, 1, 3, 0, 1),
            row(o.team_b, "华南", 2, 0, 1, 1, 0),
        ]
    );

    // The run is kept, and read back the same.
    let kept: CheckReport = store
        .check_run(&o.admin.actor, report.run_id)
        .await
        .unwrap();
    assert_eq!(kept, report);
    let runs = store.check_runs(&o.admin.actor, 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (
            runs[0].customers,
            runs[0].invalid,
            runs[0].stale,
            runs[0].duplicates
        ),
        (5, 1, 1, 1)
    );
    let _ = o.ids;
}

#[tokio::test]
async fn a_manager_sees_the_team_and_a_rep_no_report() {
    let (store, _db) = TestDb::create().await;
    let o = office(&store).await;
    let admin_run = store.run_check(&o.admin.actor, Time::now()).await.unwrap();
    let report = store
        .run_check(&o.manager.actor, Time::now())
        .await
        .unwrap();
    assert_eq!(
        (report.scope.as_str(), report.team_id),
        ("team", Some(o.team_a))
    );
    assert_eq!(report.customers.records, 3);
    assert_eq!(report.owners.len(), 1);
    assert_eq!(report.duplicates.clusters_open, 0);
    // Each sees the runs of their own scope only.
    let runs = store.check_runs(&o.manager.actor, 10).await.unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![report.run_id]
    );
    assert!(matches!(
        store.check_run(&o.manager.actor, admin_run.run_id).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        store.run_check(&o.rep1.actor, Time::now()).await,
        Err(Error::Forbidden)
    ));
    let _ = TeamId(o.team_b);
}

fn failure(entity: &str, id: i64, field: &str, code: &str) -> RevalidationFailure {
    RevalidationFailure {
        entity: entity.into(),
        record_id: id,
        field: field.into(),
        code: code.into(),
    }
}

async fn customers_now(store: &Store, ctx: &Ctx, ids: &[i64]) -> Vec<Customer> {
    let mut out = Vec::new();
    for id in ids {
        out.push(store.customer(&ctx.actor, CustomerId(*id)).await.unwrap());
    }
    out
}

fn json(customers: &[Customer]) -> Vec<Map<String, Value>> {
    customers
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .unwrap()
                .as_object()
                .unwrap()
                .clone()
        })
        .collect()
}

#[tokio::test]
async fn records_that_both_await_verification_can_still_be_merged_and_verifying_closes_both_tasks()
{
    let (store, _db) = TestDb::create().await;
    let admin = user(&store, "admin@example.com", "admin", None).await;
    let rep = user(&store, "rep@example.com", "sales", None).await;
    let a = customer(
        &store,
        &rep,
        json!({"name": "王五", "mobile": "13800000006"}),
    )
    .await;
    let b = customer(
        &store,
        &rep,
        json!({"name": "王五", "mobile": "13800000006"}),
    )
    .await;
    store.backdate_customer(a.id, 200).await.unwrap();
    store.backdate_customer(b.id, 200).await.unwrap();
    assert_eq!(
        store.sweep_stale(Time::now()).await.unwrap().tasks_created,
        2
    );
    store
        .merge_customers(
            &admin,
            &MergeRequest::manual(&[CustomerId(a.id), CustomerId(b.id)], Default::default()),
        )
        .await
        .unwrap();
    let open = |store: &Store| {
        let store = store.clone();
        let actor = admin.actor;
        async move {
            store
                .tasks(&actor, None, Some("open"), Some(CustomerId(a.id)), 10)
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(open(&store).await, 2);
    store.verify_customer(&rep, CustomerId(a.id)).await.unwrap();
    assert_eq!(open(&store).await, 0);
}
