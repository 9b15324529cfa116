//! Blocking: which pairs get compared at all. A million records make half a
//! trillion pairs; only records that share a blocking key meet.
//!
//! Keys of a person: each mobile, e-mail and phone; the name (its sorted
//! near-homophone syllables or words, and the same with one token left out)
//! combined with how the company core sounds, and with the postal code;
//! the whole name with the house number (copies with a slip in the
//! street's name and in the postal code) and with the street (copies with
//! the number mistyped or left out); street and house number; postal
//! code and house number; the birth date (day and month in either order).
//! Keys of a company: each mobile, e-mail and phone; the credit code; how the
//! company core sounds; street and house number.
//!
//! A key earns its place only if pairs it alone brings together can reach
//! the threshold. The name with the city, and the name alone, are keys
//! only below the default threshold: a name with a city scores 5.5 points
//! and cannot reach it, and everything that can lift such a pair higher
//! (a shared contact, the company, the address) has a key of its own. At
//! the default threshold this cuts the pairs compared by four fifths.
//!
//! A block of up to [`BLOCK_CAP`] records is compared pair by pair. A larger
//! one (a common name, a switchboard number, a big employer) is sorted by
//! name and company and each record is compared with its [`WINDOW`]
//! neighbours only. What that gives up: two records of such a block whose
//! names sort far apart (a typo in the first letter) and that share no
//! smaller block are not compared. Records sharing a mobile, e-mail or
//! credit code nearly always share a small block as well.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::cluster::{Candidate, NotDuplicates};
use super::compare::{assess, DEFAULT_THRESHOLD, NAME_AND_CITY, NAME_ONLY, SATURATION};
use super::hash::combine;
use super::person::birth_block;
use super::profile::{address_block, city_block, core_block, Profile};
use crate::CustomerKind;

/// Blocks up to this size are compared exhaustively.
pub const BLOCK_CAP: usize = 40;

/// In a larger block, how many following neighbours each record meets.
pub const WINDOW: usize = 10;

/// A person's name borne by at most this many records of a scan, and by
/// no more than one in [`RARE_NAME_SHARE`], is rare: agreeing on it says
/// more than agreeing on a common one. In a small scan every name is seen
/// a few times at most, which says nothing of how common it is.
pub(crate) const RARE_NAME: u32 = 3;
pub(crate) const RARE_NAME_SHARE: u32 = 1_000;

/// How often, in compared pairs, progress is reported.
const PROGRESS_EVERY: usize = 1 << 16;

/// Where a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub compared: usize,
    pub total: usize,
}

/// Collects profiles, then finds the pairs worth a look.
///
/// Memory: a profile (~200 bytes) and about eight 16-byte blocking entries
/// per record while collecting; during the scan, 8 bytes per candidate pair.
#[derive(Debug)]
pub struct Scanner {
    profiles: Vec<Profile>,
    /// (blocking key, index into `profiles`).
    entries: Vec<(u64, u32)>,
    excluded: NotDuplicates,
    threshold: f32,
    threads: usize,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner {
            profiles: Vec::new(),
            entries: Vec::new(),
            excluded: NotDuplicates::default(),
            threshold: DEFAULT_THRESHOLD,
            threads: 2,
        }
    }

    /// Reports pairs scoring at least `threshold` (0 to 1).
    pub fn threshold(mut self, threshold: f32) -> Scanner {
        self.threshold = threshold;
        self
    }

    /// Pairs a user marked as not duplicates are never reported.
    pub fn excluding(mut self, excluded: NotDuplicates) -> Scanner {
        self.excluded = excluded;
        self
    }

    /// Compares on this many threads (at least one; two by default).
    pub fn threads(mut self, threads: usize) -> Scanner {
        self.threads = threads.max(1);
        self
    }

    pub fn reserve(&mut self, additional: usize) {
        self.profiles.reserve(additional);
        self.entries.reserve(additional * 8);
    }

    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// Adds a profile. Ids should be unique; pairs are reported by id.
    pub fn push(&mut self, profile: Profile) {
        let index = u32::try_from(self.profiles.len()).expect("at most 4 billion records");
        for key in blocking_keys(&profile, self.threshold) {
            self.entries.push((key, index));
        }
        self.profiles.push(profile);
    }

    /// Every pair scoring at least the threshold, ordered by ids.
    pub fn scan(&mut self) -> Vec<Candidate> {
        self.scan_with(|_| {})
    }

    /// [`Scanner::scan`], telling `progress` from time to time how many of
    /// the candidate pairs have been compared (from any thread).
    pub fn scan_with(&mut self, progress: impl Fn(Progress) + Sync) -> Vec<Candidate> {
        self.mark_rare_names();
        self.entries.sort_unstable();
        let this = &*self;
        let pairs = this.candidate_pairs();
        let total = pairs.len();
        let done = AtomicUsize::new(0);
        let chunk = total.div_ceil(self.threads).max(1);
        let mut found: Vec<Candidate> = std::thread::scope(|s| {
            let handles: Vec<_> = pairs
                .chunks(chunk)
                .map(|part| {
                    let (done, progress) = (&done, &progress);
                    s.spawn(move || this.compare_all(part, done, total, progress))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a comparing thread panicked"))
                .collect()
        });
        found.sort_by_key(|c| (c.a, c.b));
        progress(Progress {
            compared: total,
            total,
        });
        found
    }

    /// Marks the people whose name (its words, in any order) few records
    /// bear (see [`RARE_NAME`]): the name's weight depends on how many
    /// share it, as in Fellegi and Sunter's frequency-based weights.
    fn mark_rare_names(&mut self) {
        let people = || {
            self.profiles
                .iter()
                .filter(|p| p.kind() == CustomerKind::Individual && p.words() != 0)
        };
        let total = people().count();
        let most = RARE_NAME.min(u32::try_from(total).unwrap_or(u32::MAX) / RARE_NAME_SHARE);
        let mut counts: HashMap<u64, u32> = HashMap::new();
        if most >= 2 {
            counts.reserve(total);
            for p in people() {
                *counts.entry(p.words()).or_default() += 1;
            }
        }
        for p in &mut self.profiles {
            let rare = p.kind() == CustomerKind::Individual
                && counts.get(&p.words()).is_some_and(|&n| n <= most);
            p.set_rare_name(rare);
        }
    }

    fn compare_all(
        &self,
        pairs: &[u64],
        done: &AtomicUsize,
        total: usize,
        progress: &(impl Fn(Progress) + Sync),
    ) -> Vec<Candidate> {
        let mut out = Vec::new();
        for (n, &pair) in pairs.iter().enumerate() {
            if n % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
                let compared = done.fetch_add(PROGRESS_EVERY, Ordering::Relaxed) + PROGRESS_EVERY;
                progress(Progress { compared, total });
            }
            let (a, b) = (
                &self.profiles[(pair >> 32) as usize],
                &self.profiles[pair as u32 as usize],
            );
            let Some(x) = assess(a, b) else { continue };
            if x.score() < self.threshold || self.excluded.contains(a.id(), b.id()) {
                continue;
            }
            out.push(Candidate::new(a.id(), b.id(), x.scored()));
        }
        out
    }

    /// Every pair of indices that shares a block (windowed in large blocks),
    /// each once, packed as `(lower << 32) | higher`. `entries` must be
    /// sorted.
    fn candidate_pairs(&self) -> Vec<u64> {
        let mut pairs: Vec<u64> = Vec::new();
        let mut members: Vec<u32> = Vec::new();
        for block in self.entries.chunk_by(|x, y| x.0 == y.0) {
            if block.len() < 2 {
                continue;
            }
            members.clear();
            members.extend(block.iter().map(|e| e.1));
            if members.len() <= BLOCK_CAP {
                for (i, &x) in members.iter().enumerate() {
                    for &y in &members[i + 1..] {
                        pairs.push(pack(x, y));
                    }
                }
            } else {
                members.sort_by(|&x, &y| {
                    let (p, q) = (&self.profiles[x as usize], &self.profiles[y as usize]);
                    (p.spelled(), p.core(), p.id()).cmp(&(q.spelled(), q.core(), q.id()))
                });
                for (i, &x) in members.iter().enumerate() {
                    for &y in members[i + 1..].iter().take(WINDOW) {
                        pairs.push(pack(x, y));
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

fn pack(x: u32, y: u32) -> u64 {
    let (lo, hi) = if x < y { (x, y) } else { (y, x) };
    (u64::from(lo) << 32) | u64::from(hi)
}

/// The blocking keys of one profile; see the module documentation.
fn blocking_keys(p: &Profile, threshold: f32) -> Vec<u64> {
    let mut keys: Vec<u64> = Vec::with_capacity(12);
    let mut put = |k: u64| {
        if !keys.contains(&k) {
            keys.push(k);
        }
    };
    for &m in p.mobiles().iter().chain(p.emails()).chain(p.phones()) {
        put(m);
    }
    let core = core_block(p);
    let address = address_block(p);
    if address != 0 {
        put(combine(b'A', &[address, city_block(p)]));
    }
    match p.kind() {
        CustomerKind::Company => {
            if p.uscc() != 0 {
                put(p.uscc());
            }
            if core != 0 {
                put(core);
            }
        }
        CustomerKind::Individual => {
            // A birth date (its day-month swap too) is shared by a few dozen
            // people in a million; a postal code with a house number by a
            // household.
            if p.birth() != 0 {
                put(combine(b'B', &[u64::from(birth_block(p.birth()))]));
            }
            let postcode = p.postcode();
            let number = p.address().number;
            if postcode != 0 && number != 0 {
                put(combine(b'H', &[postcode, u64::from(number)]));
            }
            let stems = p.stems();
            let Some(&full) = stems.first() else {
                return keys;
            };
            // The name with the house number: copies of one address with a
            // slip in the street's name and in the postal code still meet;
            // a Latin name also with each word left out in turn (see
            // `stems`), so that a slip in one word does not keep them apart.
            // (A Chinese name less one syllable is a surname, or a given
            // name, that many people at one number share.)
            if number != 0 {
                let names = if p.han_name() { &stems[..1] } else { stems };
                for &stem in names {
                    put(combine(b'M', &[stem, u64::from(number)]));
                }
            }
            // The name with the street, whatever the number: copies with
            // the house number mistyped or left out, which agree on more
            // than the name and the town (a birth date a slip apart, the
            // postal code).
            let road = p.address().road;
            if road != 0 {
                let names = if p.han_name() { &stems[..1] } else { stems };
                for &stem in names {
                    put(combine(b'R', &[stem, u64::from(road)]));
                }
            }
            if threshold <= NAME_ONLY / SATURATION {
                put(combine(b'N', &[full]));
            }
            let city = city_block(p);
            if city != 0 && threshold <= NAME_AND_CITY / SATURATION {
                put(combine(b'T', &[full, city]));
            }
            if core != 0 {
                for &stem in stems {
                    put(combine(b'C', &[stem, core]));
                }
            }
            if postcode != 0 {
                for &stem in stems {
                    put(combine(b'Z', &[stem, postcode]));
                }
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::Record;

    fn person(id: i64, name: &str) -> Profile {
        Profile::new(&Record::new(id, CustomerKind::Individual, name))
    }

    #[test]
    fn a_common_name_across_many_records_is_compared_in_windows() {
        let mut scanner = Scanner::new().threshold(0.0);
        let n = 2_000;
        for id in 0..n {
            scanner.push(person(id, "张伟"));
        }
        scanner.entries.sort_unstable();
        let pairs = scanner.candidate_pairs();
        assert!(pairs.len() <= n as usize * WINDOW, "{}", pairs.len());
        assert!(pairs.len() >= (n as usize - WINDOW) * WINDOW);
    }

    #[test]
    fn names_with_a_city_are_blocked_only_when_they_can_reach_the_threshold() {
        let p = Profile::new(&Record {
            city: Some("北京"),
            ..Record::new(1, CustomerKind::Individual, "张伟")
        });
        let at_default = blocking_keys(&p, DEFAULT_THRESHOLD).len();
        assert_eq!(blocking_keys(&p, 0.3).len(), at_default + 2);
    }

    #[test]
    fn small_blocks_are_compared_exhaustively_and_each_pair_once() {
        let mut scanner = Scanner::new();
        for id in 0..5 {
            scanner.push(Profile::new(&Record {
                mobiles: &["13812345678"],
                emails: &["a@example.com"],
                ..Record::new(id, CustomerKind::Individual, "张伟")
            }));
        }
        scanner.entries.sort_unstable();
        assert_eq!(scanner.candidate_pairs().len(), 10);
        let found = scanner.scan();
        assert_eq!(found.len(), 10);
        assert!(found
            .windows(2)
            .all(|w| (w[0].a, w[0].b) < (w[1].a, w[1].b)));
    }

    #[test]
    fn excluded_pairs_are_not_reported() {
        let mobile = ["13812345678"];
        let excluded: NotDuplicates = [(2, 1)].into_iter().collect();
        let mut scanner = Scanner::new().excluding(excluded).threads(1);
        for id in 1..=3 {
            scanner.push(Profile::new(&Record {
                mobiles: &mobile,
                ..Record::new(id, CustomerKind::Individual, "张伟")
            }));
        }
        let found: Vec<(i64, i64)> = scanner.scan().iter().map(|c| (c.a, c.b)).collect();
        assert_eq!(found, vec![(1, 3), (2, 3)]);
    }

    #[test]
    fn copies_at_one_house_number_meet_with_one_word_of_a_latin_name_mistyped() {
        // Another postcode and street spelling: only the house number and
        // the name, one word of which has a slip, bring the two together.
        let mut scanner = Scanner::new();
        for (id, name, address, postcode) in [
            (1, "Lara White", "12 Boldrewood Street", "6056"),
            (2, "Lara Whitd", "12 Boldrewod Street", "6066"),
        ] {
            scanner.push(Profile::new(&Record {
                address: Some(address),
                postal_code: Some(postcode),
                city: Some("Box Hill South"),
                ..Record::new(id, CustomerKind::Individual, name)
            }));
        }
        let found: Vec<(i64, i64)> = scanner.scan().iter().map(|c| (c.a, c.b)).collect();
        assert_eq!(found, vec![(1, 2)]);
    }

    #[test]
    fn copies_on_one_street_meet_with_the_house_number_mistyped() {
        // Another house number and postcode, born a slip apart: the name
        // with the street brings them together, and the town, the street
        // and the birth date make them a duplicate.
        let mut scanner = Scanner::new();
        for (id, address, postcode, born) in [
            (1, "16 Forsythe Street, Murrawarra", "4800", "1910-01-20"),
            (2, "12 Forsythe Street, Murrawarra", "2107", "1910-02-10"),
        ] {
            scanner.push(Profile::new(&Record {
                address: Some(address),
                postal_code: Some(postcode),
                city: Some("Winthrop"),
                birth_date: Some(born),
                ..Record::new(id, CustomerKind::Individual, "Samantha Ryan")
            }));
        }
        let found: Vec<(i64, i64)> = scanner.scan().iter().map(|c| (c.a, c.b)).collect();
        assert_eq!(found, vec![(1, 2)]);
    }

    #[test]
    fn names_few_records_of_many_bear_are_marked_rare() {
        let mut scanner = Scanner::new();
        scanner.push(person(0, "Aleesha Mahmud"));
        scanner.push(person(1, "Mahmud Aleesha"));
        scanner.push(person(2, ""));
        for id in 3..8 {
            scanner.push(person(id, "John Smith"));
        }
        let rare = |s: &Scanner| s.profiles.iter().filter(|p| p.rare_name()).count();
        // Eight people tell nothing of how common a name is.
        scanner.scan();
        assert_eq!(rare(&scanner), 0);
        for id in 8..3_000 {
            scanner.push(person(id, &format!("John Smith{id}")));
        }
        scanner.scan();
        assert!(scanner.profiles[..2].iter().all(|p| p.rare_name()));
        assert!(scanner.profiles[2..8].iter().all(|p| !p.rare_name()));
    }

    #[test]
    fn progress_reaches_the_total() {
        let mut scanner = Scanner::new();
        for id in 1..=2 {
            scanner.push(Profile::new(&Record {
                mobiles: &["13812345678"],
                ..Record::new(id, CustomerKind::Individual, "张伟")
            }));
        }
        let last = std::sync::Mutex::new(None);
        scanner.scan_with(|p| *last.lock().unwrap() = Some(p));
        assert_eq!(
            *last.lock().unwrap(),
            Some(Progress {
                compared: 1,
                total: 1
            })
        );
    }
}
