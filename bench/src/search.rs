#![forbid(unsafe_code)]
//! Search latency over a demo database: kehu's store beside the same
//! queries run directly in the `sqlite3` shell.
//!
//! `kehu-bench-search FILE.db` samples 200 customers, builds four searches
//! from each (the Chinese name, its pinyin initials, four digits from the
//! middle of the mobile number, the email address), runs every search as an
//! administrator's first list page (50 rows, newest first: what the API
//! does), then runs the equivalent SQL in `sqlite3` with `.timer on`, and
//! prints a table of p50/p99 per kind of search.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;

use kehu_core::search::name_keys;
use kehu_core::{Actor, CustomerId, Role, UserId};
use kehu_store::list::CustomerFilter;
use kehu_store::Store;

const SAMPLES: usize = 200;

type Error = Box<dyn std::error::Error>;

struct Query {
    kind: &'static str,
    text: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let [_, file] = args.as_slice() else {
        return Err("usage: kehu-bench-search FILE.db".into());
    };
    let store = Store::connect(&format!("sqlite://{file}")).await?;
    let admin = Actor {
        user_id: UserId(1),
        role: Role::Admin,
        team_id: None,
    };
    let queries = sample(&store, &admin).await?;

    let mut kehu: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    // The first pass warms the page cache, as a running server's would be.
    for pass in 0..2 {
        for q in &queries {
            let filter = CustomerFilter::from_params(&[("q".to_owned(), q.text.clone())])
                .map_err(|e| format!("{}: {e:?}", q.text))?;
            let started = Instant::now();
            let page = store.list_customers(&admin, &filter).await?;
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if page.items.is_empty() {
                return Err(format!("{} search {:?} found nothing", q.kind, q.text).into());
            }
            if pass == 1 {
                kehu.entry(q.kind).or_default().push(ms);
            }
        }
    }
    store.close().await;
    let baseline = sqlite3_times(file, &queries)?;

    println!("| search ({SAMPLES} queries each) | kehu p50 ms | kehu p99 ms | sqlite3 p50 ms | sqlite3 p99 ms |");
    println!("|---|---:|---:|---:|---:|");
    for (kind, times) in &mut kehu {
        let base = baseline.get(kind).cloned().unwrap_or_default();
        println!(
            "| {kind} | {:.2} | {:.2} | {:.2} | {:.2} |",
            percentile(times, 0.5),
            percentile(times, 0.99),
            percentile(&mut base.clone(), 0.5),
            percentile(&mut base.clone(), 0.99),
        );
    }
    Ok(())
}

fn percentile(times: &mut [f64], p: f64) -> f64 {
    if times.is_empty() {
        return f64::NAN;
    }
    times.sort_by(f64::total_cmp);
    times[((times.len() as f64 - 1.0) * p).round() as usize]
}

/// Customers spread over the whole id range, and the searches a user
/// would type to find each.
async fn sample(store: &Store, admin: &Actor) -> Result<Vec<Query>, Error> {
    let mut queries = Vec::new();
    let mut found = 0;
    let mut id = 1;
    let mut misses = 0;
    while found < SAMPLES && misses < 1000 {
        id += 4_999;
        let Ok(c) = store.customer(admin, CustomerId(id)).await else {
            misses += 1;
            id = id % 4_999 + 1;
            continue;
        };
        let (Some(mobile), Some(email)) = (c.mobile.clone(), c.email.clone()) else {
            continue;
        };
        if c.kind != "individual" || c.name.is_ascii() {
            continue;
        }
        let chars = c.name.chars().count();
        let Some(initials) = name_keys(&c.name)
            .into_iter()
            .find(|k| k.is_ascii() && k.len() == chars)
        else {
            continue;
        };
        found += 1;
        queries.push(Query {
            kind: "name",
            text: c.name.clone(),
        });
        queries.push(Query {
            kind: "pinyin initials",
            text: initials,
        });
        queries.push(Query {
            kind: "mobile fragment",
            text: mobile[3..7].to_owned(),
        });
        queries.push(Query {
            kind: "email",
            text: email,
        });
    }
    if found < SAMPLES {
        return Err(format!("only {found} suitable customers: run kehu demo first").into());
    }
    Ok(queries)
}

/// The same searches as plain SQL in the sqlite3 shell: a prefix range on
/// the search keys, the first 51 customers by last update.
fn sqlite3_times(file: &str, queries: &[Query]) -> Result<BTreeMap<&'static str, Vec<f64>>, Error> {
    let mut script = String::from(".timer on\n.output /dev/null\n");
    // Twice: the first pass warms the cache, only the second is counted.
    for _ in 0..2 {
        for q in queries {
            let key = if q.text.contains('@') {
                q.text.to_lowercase()
            } else {
                kehu_core::search::query_key(&q.text)
            };
            let key = key.replace('\'', "''");
            script.push_str(&format!(
                "SELECT * FROM customers c WHERE c.deleted_at IS NULL AND c.id IN \
                 (SELECT customer_id FROM customer_search WHERE term >= '{key}' AND term < '{key}' || char(1114111)) \
                 ORDER BY c.updated_at DESC, c.id DESC LIMIT 51;\n"
            ));
        }
    }
    let mut child = Command::new("sqlite3")
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(script.as_bytes())?;
    let out = child.wait_with_output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "Run Time: real 0.001 user 0.000812 sys 0.000000": user + sys has
    // microsecond resolution where real has only milliseconds.
    let times: Vec<f64> = text
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let user = words
                .clone()
                .skip_while(|w| *w != "user")
                .nth(1)?
                .parse::<f64>()
                .ok()?;
            let sys = words
                .by_ref()
                .skip_while(|w| *w != "sys")
                .nth(1)?
                .parse::<f64>()
                .ok()?;
            Some((user + sys) * 1000.0)
        })
        .collect();
    if times.len() != 2 * queries.len() {
        return Err(format!(
            "sqlite3 printed {} timings for {} queries",
            times.len(),
            2 * queries.len()
        )
        .into());
    }
    let mut by_kind: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    for (q, t) in queries.iter().zip(&times[queries.len()..]) {
        by_kind.entry(q.kind).or_default().push(*t);
    }
    Ok(by_kind)
}
