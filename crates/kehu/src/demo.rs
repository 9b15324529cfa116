//! `kehu demo`: fills the database with realistic customers, contacts,
//! follow-ups and tasks. Generation and parsing run on their own thread and
//! feed the writer in chunks, so both cores stay busy.

use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kehu_core::entry::{parse_object, Mode, Patch};
use kehu_core::{schema, ChangeSource};
use kehu_store::bulk::{BulkCustomer, PreparedBulk};
use kehu_store::write::Ctx;
use kehu_store::Store;
use serde_json::{json, Map, Value};

use crate::demo_data::{self, DemoCustomer};

/// Customers per transaction: large enough to amortise a commit, small
/// enough that an interrupted run loses little.
const CHUNK: u64 = 20_000;
const DAY_MS: i64 = 24 * 3600 * 1000;

const TEAMS: &[&str] = &["华北销售部", "华东销售部", "华南销售部"];
const REPS_PER_TEAM: usize = 4;

pub async fn run(store: &Store, customers: u64, seed: u64, quiet: bool) -> anyhow::Result<()> {
    let ctx = Ctx::system(ChangeSource::Import);
    let owners = demo_team(store, &ctx).await?;
    let started = Instant::now();
    // Into an empty database, indexes are cheaper built once at the end.
    store
        .suspend_indexes()
        .await
        .context("preparing the database for the load")?;
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(customers)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} customers  {per_sec}  ETA {eta}  {msg}",
        )
        .expect("a valid template"),
    );
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<(usize, PreparedBulk)>(2);
    let now = kehu_store::now_ms();
    // Sealing needs the field definitions and the keys on the producer's
    // thread: a sensitive field's values are sealed there, like any bulk
    // write's.
    let defs = store.field_defs().await?;
    let vault = store.vault().clone();
    let producer = std::thread::spawn(move || -> anyhow::Result<()> {
        let mut start = 0;
        while start < customers {
            let end = (start + CHUNK).min(customers);
            let mut chunk = (start..end)
                .map(|i| bulk(&demo_data::customer(seed, i), i, &owners, now))
                .collect::<anyhow::Result<Vec<_>>>()?;
            // Built here, on this thread, while the writer writes the
            // previous batch.
            let prepared = PreparedBulk::new(&ctx, &vault, &defs, &mut chunk)?;
            if sender.blocking_send((chunk.len(), prepared)).is_err() {
                break;
            }
            start = end;
        }
        Ok(())
    });
    let mut written = 0u64;
    while let Some((count, prepared)) = receiver.recv().await {
        store
            .write_bulk(&ctx, prepared)
            .await
            .context("writing demo customers")?;
        written += count as u64;
        bar.set_position(written);
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the demo generator stopped unexpectedly"))??;
    bar.set_message("building indexes");
    store
        .finish_bulk()
        .await
        .context("indexing demo customers for search")?;
    bar.finish_and_clear();
    store
        .optimize()
        .await
        .context("updating the planner's statistics")?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Created {written} demo customers in {secs:.1} s ({:.0} customers/s).",
        written as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// Teams of reps and managers to own the demo customers. They have no
/// password: an admin sets one to sign in as them.
async fn demo_team(store: &Store, ctx: &Ctx) -> anyhow::Result<Vec<(Option<i64>, Option<i64>)>> {
    let mut owners = Vec::new();
    let existing = store.teams().await?;
    for (t, name) in TEAMS.iter().enumerate() {
        let team = match existing.iter().find(|x| x.name == *name) {
            Some(team) => team.id,
            None => store.create_team(ctx, name).await?.id,
        };
        for r in 0..=REPS_PER_TEAM {
            let (email, role) = if r == 0 {
                (format!("manager{}@demo.kehu.local", t + 1), "manager")
            } else {
                (format!("rep{}{}@demo.kehu.local", t + 1, r), "sales")
            };
            let user = match store.user_by_email(&email).await {
                Ok(u) => u,
                Err(_) => {
                    let label = if r == 0 {
                        "经理".to_owned()
                    } else {
                        format!("销售{r}")
                    };
                    let object = json!({"email": email, "role": role, "team_id": team,
                        "name": format!("{name} {label}")});
                    crate::cli::add_user(store, object, None).await?
                }
            };
            if role == "sales" {
                owners.push((Some(user.id), Some(team)));
            }
        }
        // One customer in ten per team waits in the shared pool.
        owners.push((None, Some(team)));
    }
    Ok(owners)
}

fn parse(object: Map<String, Value>, specs: &[kehu_core::entry::Spec]) -> anyhow::Result<Patch> {
    parse_object(&object, specs, &[], Mode::Create)
        .map_err(|e| anyhow::anyhow!("generated data broke an entry standard: {:?}", e.0))
}

fn bulk(
    d: &DemoCustomer,
    i: u64,
    owners: &[(Option<i64>, Option<i64>)],
    now: i64,
) -> anyhow::Result<BulkCustomer> {
    let (owner, team) = owners[(i as usize) % owners.len()];
    let customer = json!({
        "kind": d.kind, "name": d.name, "company": d.company, "title": d.title,
        "mobile": d.mobile, "phone": d.phone, "email": d.email, "uscc": d.uscc,
        "province": d.province, "city": d.city, "district": d.district, "address": d.address,
        "postal_code": d.postal_code, "industry": d.industry, "company_size": d.company_size,
        "stage": d.stage, "source": d.source, "value_tier": d.value_tier, "notes": d.notes,
        "owner_id": owner, "team_id": team,
    });
    let Value::Object(customer) = customer else {
        unreachable!("a JSON object literal")
    };
    let contacts = d
        .contacts
        .iter()
        .map(|c| {
            let object = json!({"customer_id": 0, "name": c.name, "title": c.title, "mobile": c.mobile, "email": c.email});
            let Value::Object(o) = object else { unreachable!("a JSON object literal") };
            parse(o, schema::CONTACT)
        })
        .collect::<anyhow::Result<_>>()?;
    let interactions = d
        .interactions
        .iter()
        .map(|x| {
            let mut o = Map::new();
            o.insert("customer_id".into(), json!(0));
            o.insert("channel".into(), json!(x.channel));
            o.insert("content".into(), json!(x.content));
            let mut patch = parse(o, schema::INTERACTION)?;
            let at = now - i64::from(x.days_ago) * DAY_MS;
            patch
                .set
                .push(("occurred_at", Some(kehu_core::entry::Stored::Int(at))));
            if let (Some(step), Some(days)) = (&x.next_step, x.next_step_in_days) {
                patch.set.push((
                    "next_step",
                    Some(kehu_core::entry::Stored::Text(step.clone())),
                ));
                let due = now + i64::from(days) * DAY_MS;
                patch
                    .set
                    .push(("next_step_at", Some(kehu_core::entry::Stored::Int(due))));
            }
            Ok(patch)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(BulkCustomer {
        patch: parse(customer, schema::CUSTOMER)?,
        tags: d.tags.iter().map(|t| (*t).to_owned()).collect(),
        contacts,
        interactions,
        created_at: Some(now - i64::from(d.created_days_ago) * DAY_MS),
        author: owner,
        ..BulkCustomer::default()
    })
}
