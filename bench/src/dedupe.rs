#![forbid(unsafe_code)]
//! Duplicate detection quality and speed, engine only (no database).
//!
//! `kehu-bench-dedupe RECORDS.csv TRUTH.csv [--threshold X]` streams the
//! records (header `external_id,name,mobile,email,company,title,province,
//! city,address,uscc`, values as a user typed them) into profiles, scans and
//! clusters them, and scores the clusters against the truth (header
//! `external_id,entity,lang`: records sharing `entity` are one real-world
//! person or company). Quality is pairwise: every pair of records in one
//! predicted cluster against every pair of records of one true entity,
//! per language and overall. Prints a markdown table.

use std::collections::HashMap;
use std::time::Instant;

use kehu_core::dedupe::{
    clusters, Cluster, NotDuplicates, Profile, Record, Scanner, DEFAULT_THRESHOLD,
};
use kehu_core::phone::Phone;
use kehu_core::text::match_key;
use kehu_core::CustomerKind;

type Error = Box<dyn std::error::Error>;

/// Rows profiled together, half on each of two threads.
const CHUNK: usize = 20_000;

/// Mailboxes that belong to an organisation rather than a person.
const GENERIC_MAILBOXES: &[&str] = &[
    "info",
    "admin",
    "office",
    "sales",
    "contact",
    "service",
    "support",
    "hello",
    "enquiries",
    "hr",
    "marketing",
    "business",
];

/// Words that make a name a company's name rather than a person's.
const COMPANY_WORDS: &[&str] = &[
    "公司",
    "集团",
    "工作室",
    "事务所",
    "ltd",
    "limited",
    "inc",
    "llc",
    "corp",
    "plc",
    "llp",
    "co.",
    "company",
    "group",
];

const LANGS: [&str; 2] = ["zh", "en"];

struct Truth {
    /// Entity number and language index of each record, by record index.
    entity: Vec<u32>,
    lang: Vec<u8>,
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: kehu-bench-dedupe RECORDS.csv TRUTH.csv [--threshold X] [--explain N]";
    let [_, records, truth, options @ ..] = args.as_slice() else {
        return Err(usage.into());
    };
    let (mut threshold, mut explain) = (DEFAULT_THRESHOLD, 0usize);
    for option in options.chunks(2) {
        match option {
            [flag, x] if flag == "--threshold" => threshold = x.parse()?,
            [flag, n] if flag == "--explain" => explain = n.parse()?,
            _ => return Err(usage.into()),
        }
    }

    let started = Instant::now();
    let mut scanner = Scanner::new().threshold(threshold);
    let ids = load(records, &mut scanner)?;
    let build = started.elapsed();

    let started = Instant::now();
    let compared = std::sync::atomic::AtomicUsize::new(0);
    let pairs =
        scanner.scan_with(|p| compared.store(p.total, std::sync::atomic::Ordering::Relaxed));
    let compared = compared.into_inner();
    let candidate_pairs = pairs.len();
    let groups = clusters(pairs, &NotDuplicates::new());
    let scan = started.elapsed();
    let peak_mb = peak_rss_mb();

    let truth = load_truth(truth, &ids)?;
    if explain > 0 {
        explain_errors(&truth, &ids, &groups, explain);
    }
    let duplicate_groups: Vec<&Vec<i64>> = groups
        .iter()
        .filter(|c| !c.related_only)
        .map(|c| &c.members)
        .collect();

    println!("| lang | records | true pairs | predicted pairs | precision | recall | F1 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for lang in [Some(0u8), Some(1), None] {
        let m = measure(&truth, &duplicate_groups, lang);
        println!(
            "| {} | {} | {} | {} | {:.4} | {:.4} | {:.4} |",
            lang.map_or("all", |l| LANGS[l as usize]),
            m.records,
            m.true_pairs,
            m.predicted_pairs,
            m.precision(),
            m.recall(),
            m.f1()
        );
    }
    println!();
    println!("| threshold | compared pairs | candidate pairs | clusters (related) | profiles s | scan + cluster s | peak RSS MB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {threshold} | {compared} | {candidate_pairs} | {} ({}) | {:.2} | {:.2} | {peak_mb} |",
        duplicate_groups.len(),
        groups.len() - duplicate_groups.len(),
        build.as_secs_f64(),
        scan.as_secs_f64(),
    );
    Ok(())
}

/// Streams the records into `scanner`; returns the external ids by record
/// index (the profile id).
fn load(path: &str, scanner: &mut Scanner) -> Result<Vec<String>, Error> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("{path}: no column {name}"))
    };
    let cols = Columns {
        name: column("name")?,
        mobile: column("mobile")?,
        email: column("email")?,
        company: column("company")?,
        title: column("title")?,
        province: column("province")?,
        city: column("city")?,
        address: column("address")?,
        uscc: column("uscc")?,
    };
    let id_col = column("external_id")?;
    let mut ids = Vec::new();
    let mut chunk: Vec<csv::StringRecord> = Vec::with_capacity(CHUNK);
    let mut row = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut row)?;
        if more {
            ids.push(row.get(id_col).unwrap_or("").to_string());
            chunk.push(row.clone());
        }
        if chunk.len() == CHUNK || (!more && !chunk.is_empty()) {
            let first = (ids.len() - chunk.len()) as i64;
            for profile in profile_chunk(&chunk, first, &cols) {
                scanner.push(profile);
            }
            chunk.clear();
        }
        if !more {
            break;
        }
    }
    Ok(ids)
}

struct Columns {
    name: usize,
    mobile: usize,
    email: usize,
    company: usize,
    title: usize,
    province: usize,
    city: usize,
    address: usize,
    uscc: usize,
}

fn profile_chunk(rows: &[csv::StringRecord], first: i64, cols: &Columns) -> Vec<Profile> {
    let half = rows.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(half)
            .enumerate()
            .map(|(n, part)| {
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, row)| profile(row, first + (n * half + i) as i64, cols))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("profiling thread panicked"))
            .collect()
    })
}

fn profile(row: &csv::StringRecord, id: i64, cols: &Columns) -> Profile {
    let get = |i: usize| row.get(i).map(str::trim).filter(|v| !v.is_empty());
    let name = get(cols.name).unwrap_or("");
    let company = get(cols.company);
    // The file does not say whether a row is a company or a person (the
    // store knows), so it is inferred: a company when the name is the
    // company column, reads like a company, or the row has a credit code;
    // or, for a row without employer and title, when its mailbox is an
    // organisation's or its number a mainland landline. A row without a name
    // is a person whose name is missing.
    let lower = kehu_core::text::fold_width(name).to_lowercase();
    let generic_mailbox = get(cols.email).is_some_and(|e| {
        let local = e.trim().to_lowercase();
        let local = local.split(['@', '＠']).next().unwrap_or("");
        GENERIC_MAILBOXES.contains(&local)
    });
    let landline =
        get(cols.mobile).is_some_and(|m| matches!(Phone::parse(m), Ok(Phone::Landline(_))));
    let is_company = !name.is_empty()
        && (company.is_some_and(|c| match_key(name) == match_key(c))
            || COMPANY_WORDS.iter().any(|w| has_word(&lower, w))
            || get(cols.uscc).is_some()
            || (company.is_none() && get(cols.title).is_none() && (generic_mailbox || landline)));
    let kind = if is_company {
        CustomerKind::Company
    } else {
        CustomerKind::Individual
    };
    let mobile: Vec<&str> = get(cols.mobile).into_iter().collect();
    let email: Vec<&str> = get(cols.email).into_iter().collect();
    Profile::new(&Record {
        company: if kind == CustomerKind::Company {
            None
        } else {
            company
        },
        mobiles: &mobile,
        emails: &email,
        uscc: get(cols.uscc),
        province: get(cols.province),
        city: get(cols.city),
        address: get(cols.address),
        ..Record::new(id, kind, name)
    })
}

/// Whether `word` stands in `text` on its own (Latin words) or anywhere
/// (Chinese ones, which are not spaced): "vincent" has no "inc".
fn has_word(text: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return text.contains(word);
    }
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        let ends = word.ends_with('.') || !after.is_some_and(char::is_alphanumeric);
        !before.is_some_and(char::is_alphanumeric) && ends
    })
}

fn load_truth(path: &str, ids: &[String]) -> Result<Truth, Error> {
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut truth = Truth {
        entity: vec![u32::MAX; ids.len()],
        lang: vec![0; ids.len()],
    };
    let mut entities: HashMap<String, u32> = HashMap::new();
    let mut reader = csv::Reader::from_path(path)?;
    for row in reader.records() {
        let row = row?;
        let (Some(id), Some(entity), Some(lang)) = (row.get(0), row.get(1), row.get(2)) else {
            return Err(format!("{path}: short row {row:?}").into());
        };
        let Some(&i) = index.get(id) else {
            return Err(format!("{path}: unknown external_id {id}").into());
        };
        let next = entities.len() as u32;
        truth.entity[i] = *entities.entry(entity.to_string()).or_insert(next);
        truth.lang[i] = LANGS
            .iter()
            .position(|l| *l == lang)
            .ok_or_else(|| format!("{path}: unknown lang {lang}"))? as u8;
    }
    if let Some(i) = truth.entity.iter().position(|&e| e == u32::MAX) {
        return Err(format!("{path}: no entity for {}", ids[i]).into());
    }
    Ok(truth)
}

#[derive(Default)]
struct Measure {
    records: usize,
    true_pairs: u64,
    predicted_pairs: u64,
    correct_pairs: u64,
}

impl Measure {
    fn precision(&self) -> f64 {
        ratio(self.correct_pairs, self.predicted_pairs)
    }

    fn recall(&self) -> f64 {
        ratio(self.correct_pairs, self.true_pairs)
    }

    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pairwise counts over the records of one language (both records of a
/// pair in it), or all records.
fn measure(truth: &Truth, groups: &[&Vec<i64>], lang: Option<u8>) -> Measure {
    let in_lang = |i: usize| lang.is_none_or(|l| truth.lang[i] == l);
    let mut m = Measure::default();
    let mut sizes: HashMap<u32, u64> = HashMap::new();
    for i in (0..truth.entity.len()).filter(|&i| in_lang(i)) {
        m.records += 1;
        *sizes.entry(truth.entity[i]).or_default() += 1;
    }
    m.true_pairs = sizes.values().map(|&n| pairs(n)).sum();
    for members in groups {
        let mut by_entity: HashMap<u32, u64> = HashMap::new();
        let mut n = 0;
        for &id in members.iter() {
            let i = id as usize;
            if in_lang(i) {
                n += 1;
                *by_entity.entry(truth.entity[i]).or_default() += 1;
            }
        }
        m.predicted_pairs += pairs(n);
        m.correct_pairs += by_entity.values().map(|&k| pairs(k)).sum::<u64>();
    }
    m
}

/// Prints up to `n` linking pairs joining two entities (false positives)
/// and up to `n` entities split over clusters (false negatives), by
/// external id, to find what to improve.
fn explain_errors(truth: &Truth, ids: &[String], groups: &[Cluster], n: usize) {
    let mut cluster_of: HashMap<usize, usize> = HashMap::new();
    let mut shown = 0;
    for (c, group) in groups.iter().enumerate().filter(|(_, g)| !g.related_only) {
        for &m in &group.members {
            cluster_of.insert(m as usize, c);
        }
        for p in &group.pairs {
            let (a, b) = (p.a as usize, p.b as usize);
            if truth.entity[a] != truth.entity[b] && shown < n {
                shown += 1;
                let reasons: Vec<&str> = p.scored.reasons.iter().map(|r| r.as_str()).collect();
                println!(
                    "FP {} {} {:.2} {}",
                    ids[a],
                    ids[b],
                    p.scored.score,
                    reasons.join(",")
                );
            }
        }
    }
    let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &e) in truth.entity.iter().enumerate() {
        members.entry(e).or_default().push(i);
    }
    let mut split: Vec<&Vec<usize>> = members
        .values()
        .filter(|m| {
            m.len() > 1 && {
                let first = cluster_of.get(&m[0]);
                first.is_none() || m.iter().any(|i| cluster_of.get(i) != first)
            }
        })
        .collect();
    split.sort();
    for m in split.into_iter().take(n) {
        let shown: Vec<String> = m
            .iter()
            .map(|&i| format!("{}@{:?}", ids[i], cluster_of.get(&i)))
            .collect();
        println!("FN {}", shown.join(" "));
    }
}

/// The process's peak resident set in MB (VmHWM), 0 where unavailable.
fn peak_rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
