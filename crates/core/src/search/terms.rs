//! Search keys for customers. Every key a customer should be found by is a
//! row in the store's `customer_search`; a search is a prefix range scan on
//! that table, the same on both backends and fast at any size.

use super::{digits_of, name_keys, pinyin_of, query_key};
use crate::company::company_core;
use crate::entry::Patch;
use crate::text::{fold_width, match_key};

/// Shortest digit fragment that searches phone numbers.
pub const MIN_DIGITS: usize = 4;
/// Keys longer than this are cut: nobody types more to find a record.
const MAX_KEY_CHARS: usize = 40;

/// The fields of a customer that it can be found by.
#[derive(Debug, Default, Clone)]
pub struct Searchable<'a> {
    pub name: &'a str,
    pub company: Option<&'a str>,
    pub mobile: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// What a customer's row stores beside its fields, worked out from them:
/// its search keys ([`terms`]), the pinyin it sorts by and its company's
/// core name. CPU work with no database, so an import does it on the
/// reader's thread rather than the writer's.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    pub terms: Vec<String>,
    pub sort_key: String,
    pub company_core: Option<String>,
}

impl Derived {
    pub fn of(patch: &Patch) -> Derived {
        let (terms, company_core) = patch_terms(patch);
        Derived {
            terms,
            sort_key: sort_key(patch.text("name").unwrap_or_default()),
            company_core,
        }
    }
}

/// What a list sorted by name sorts a customer by: the name's pinyin, or
/// the name itself as matched when it has none.
pub fn sort_key(name: &str) -> String {
    let pinyin = pinyin_of(name);
    if pinyin.is_empty() {
        match_key(name)
    } else {
        pinyin
    }
}

/// The search keys of a customer about to be written from `patch`, and
/// its company's core name, which the keys need and the row stores too.
pub fn patch_terms(patch: &Patch) -> (Vec<String>, Option<String>) {
    let s = Searchable {
        name: patch.text("name").unwrap_or_default(),
        company: patch.text("company"),
        mobile: patch.text("mobile"),
        phone: patch.text("phone"),
        email: patch.text("email"),
    };
    let core = s.company.filter(|c| !c.is_empty()).map(company_core);
    (terms_with_core(&s, core.as_deref()), core)
}

/// All search keys of one customer, deduplicated.
pub fn terms(s: &Searchable<'_>) -> Vec<String> {
    let core = s.company.filter(|c| !c.is_empty()).map(company_core);
    terms_with_core(s, core.as_deref())
}

/// [`terms`], given the company's core name (for a non-empty company).
fn terms_with_core(s: &Searchable<'_>, core: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = name_keys(s.name);
    if let (Some(company), Some(core)) = (s.company, core) {
        out.extend(company_terms(company, core));
    }
    if let Some(email) = s.email {
        out.push(email.to_lowercase());
    }
    for phone in [s.mobile, s.phone].into_iter().flatten() {
        let number = phone.split(';').next().unwrap_or(phone);
        let digits = digits_of(number);
        // Every suffix, so any fragment of the number is a key's prefix.
        for start in 0..digits.len().saturating_sub(MIN_DIGITS - 1) {
            out.push(digits[start..].to_owned());
        }
        // A foreign number as dialled at home (0438 402 889 for
        // +61 438 402 889): its other suffixes are keys already.
        out.extend(crate::phone::national_digits(phone));
    }
    let mut out: Vec<String> = out
        .into_iter()
        .map(|k| k.chars().take(MAX_KEY_CHARS).collect::<String>())
        .filter(|k| !k.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A company is found by its full name, its core (某某科技 for
/// 北京某某科技有限公司), the core's pinyin and initials, and each word of a
/// Latin name. Readings of every polyphonic character of a long legal name
/// would multiply keys nobody types.
fn company_terms(company: &str, core: &str) -> Vec<String> {
    let mut out = vec![match_key(company)];
    let chars = core.chars().count();
    let readings = name_keys(core);
    out.extend(
        readings
            .iter()
            .find(|k| k.is_ascii() && k.len() > chars)
            .cloned(),
    );
    out.extend(
        readings
            .iter()
            .find(|k| k.is_ascii() && k.len() == chars && chars > 1)
            .cloned(),
    );
    if company.is_ascii() {
        out.extend(company.split_whitespace().map(match_key));
    }
    out.push(core.to_owned());
    out
}

/// The prefix ranges `[low, high)` a search string asks for: one per word,
/// all of which must match. Returns `None` for a string with nothing to
/// search by (or a digit fragment too short to be selective).
pub fn ranges(query: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    // A phone number as people write it (`+61 414 089 598`,
    // `(010) 6552-9988`) is one number, not several short ones.
    let written_number = query.chars().any(|c| c.is_ascii_digit())
        && query
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().\u{3000}".contains(c));
    let joined: String;
    let words: Vec<&str> = if written_number {
        joined = query.chars().filter(char::is_ascii_digit).collect();
        vec![joined.as_str()]
    } else {
        query.split_whitespace().collect()
    };
    for word in words {
        // Email addresses are keyed whole, punctuation included.
        let key = if word.contains('@') || word.contains('＠') {
            fold_width(word).to_lowercase()
        } else {
            query_key(word)
        };
        if key.is_empty() {
            continue;
        }
        if key.chars().all(|c| c.is_ascii_digit()) && key.len() < MIN_DIGITS {
            continue;
        }
        let key: String = key.chars().take(MAX_KEY_CHARS).collect();
        // U+10FFFF sorts after every character in both byte-wise collations.
        let high = format!("{key}\u{10FFFF}");
        out.push((key, high));
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_number_is_found_as_written_at_home_or_abroad() {
        let t = terms(&Searchable {
            name: "Olivia Smith",
            mobile: Some("+61438402889"),
            phone: Some("+14155552671;ext=123"),
            ..Searchable::default()
        });
        for key in [
            "0438402889",
            "61438402889",
            "438402889",
            "2889",
            "14155552671",
            "5552671",
        ] {
            assert!(t.contains(&key.to_owned()), "{key} in {t:?}");
        }
        assert!(
            !t.iter().any(|k| k.ends_with("123") && k.contains("2671")),
            "{t:?}"
        );
    }

    #[test]
    fn a_customer_is_found_by_pinyin_initials_phone_fragments_and_company_core() {
        let t = terms(&Searchable {
            name: "张三",
            company: Some("北京某某科技有限公司"),
            mobile: Some("13812345678"),
            phone: None,
            email: Some("Zhang.San@Example.com"),
        });
        for key in [
            "张三",
            "zhangsan",
            "zs",
            "某某科技",
            "zhang.san@example.com",
            "5678",
            "13812345678",
        ] {
            assert!(t.iter().any(|k| k.starts_with(key)), "{key} not in {t:?}");
        }
        // "1234" sits in the middle of the number: a suffix starts with it.
        assert!(t.iter().any(|k| k.starts_with("1234")));
    }

    #[test]
    fn short_digit_fragments_are_not_searched() {
        assert!(ranges("123").is_none());
        // A number written in groups is one number.
        assert_eq!(ranges("+61 414 089 598").unwrap()[0].0, "61414089598");
        assert_eq!(ranges("(010) 6552-9988").unwrap().len(), 1);
        assert_eq!(ranges("138 1234 5678").unwrap()[0].0, "13812345678");
        assert_eq!(ranges("ZS 5678").unwrap().len(), 2);
        assert_eq!(ranges("ZS").unwrap()[0].0, "zs");
    }
}
