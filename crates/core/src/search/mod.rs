//! Search keys. Chinese users look people and companies up by typing pinyin
//! (全拼 "zhangsan") or its initials (简拼 "zs") rather than switching the
//! input method to characters, so every name is indexed under those keys as
//! well as under its own text. Lookups are prefix matches of
//! [`query_key`] against the keys from [`name_keys`].

use pinyin::ToPinyinMulti;

use crate::text::{fold_width, match_key};

mod terms;
pub use terms::{patch_terms, ranges, sort_key, terms, Derived, Searchable, MIN_DIGITS};

/// How many reading combinations of each kind (full, initials) one name may
/// produce: polyphonic characters multiply, and a long name must not blow up
/// the index.
const MAX_COMBOS: usize = 8;

/// How many words of a Latin name get a key of their own; beyond that the
/// extra keys only bloat the index.
const MAX_WORDS: usize = 8;

/// Surnames read differently from the character's everyday reading
/// (单 is "dan" in a word but "shan" as a surname). Users type the surname
/// reading, so it comes first.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('单', "shan"),
    ('曾', "zeng"),
    ('解', "xie"),
    ('区', "ou"),
    ('仇', "qiu"),
    ('朴', "piao"),
    ('查', "zha"),
    ('盖', "ge"),
    ('缪', "miao"),
    ('尉', "yu"),
    ('乐', "yue"),
    ('覃', "qin"),
    ('种', "chong"),
    ('繁', "po"),
    ('员', "yun"),
    ('华', "hua"),
    ('任', "ren"),
    ('沈', "shen"),
    ('葛', "ge"),
    ('柏', "bai"),
    ('翟', "zhai"),
    ('重', "chong"),
];

/// Two-character surnames whose reading differs from the characters' own.
const COMPOUND_SURNAMES: &[([char; 2], [&str; 2])] = &[
    (['长', '孙'], ["zhang", "sun"]),
    (['万', '俟'], ["mo", "qi"]),
    (['尉', '迟'], ["yu", "chi"]),
    (['澹', '台'], ["tan", "tai"]),
];

/// Normalises a typed search string the way keys are normalised, so it can
/// be prefix-matched against [`name_keys`].
pub fn query_key(q: &str) -> String {
    match_key(q)
}

/// The ASCII digits in `s`, after folding full-width digits; used to search
/// phone numbers however they were punctuated.
pub fn digits_of(s: &str) -> String {
    fold_width(s).chars().filter(char::is_ascii_digit).collect()
}

/// One position of a name: a Chinese character with its candidate readings
/// (best first), or a run of other letters and digits kept as they are.
enum Part {
    Han(Vec<String>),
    Literal(String),
}

/// The distinct plain readings of `c`, spelled the way they are typed: `ü`
/// as `v` as pinyin input methods do, and also as `u` because many people
/// type that.
fn readings(c: char) -> Option<Vec<String>> {
    let multi = c.to_pinyin_multi()?;
    let mut out: Vec<String> = Vec::new();
    for p in multi {
        // "ê" (欸) has no key on a keyboard; everyone types "e".
        let plain = p.plain().replace('ê', "e");
        let mut variants = vec![plain.replace('ü', "v")];
        if plain.contains('ü') {
            variants.push(plain.replace('ü', "u"));
        }
        for v in variants {
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

fn put_first(list: &mut Vec<String>, reading: &str) {
    list.retain(|r| r != reading);
    list.insert(0, reading.to_string());
}

/// Splits a name into [`Part`]s; `None` when it holds no Chinese character,
/// so callers can treat it as a Latin name.
fn parts(name: &str) -> Option<Vec<Part>> {
    let mut out: Vec<Part> = Vec::new();
    let mut any_han = false;
    let mut han_positions: Vec<usize> = Vec::new();
    let mut han_chars: Vec<char> = Vec::new();
    for c in fold_width(name).chars().flat_map(char::to_lowercase) {
        if let Some(r) = readings(c) {
            any_han = true;
            han_positions.push(out.len());
            han_chars.push(c);
            out.push(Part::Han(r));
        } else if c.is_alphanumeric() {
            match out.last_mut() {
                Some(Part::Literal(s)) => s.push(c),
                _ => out.push(Part::Literal(c.to_string())),
            }
        }
    }
    if !any_han {
        return None;
    }
    // The surname is the first character of the name itself, so a name that
    // starts with Latin text has no Chinese surname to special-case.
    if han_positions.first() == Some(&0) {
        let compound = COMPOUND_SURNAMES.iter().find(|(chars, _)| {
            han_chars.len() >= 2 && han_positions[1] == 1 && han_chars[..2] == chars[..]
        });
        if let Some((_, reads)) = compound {
            for (i, reading) in reads.iter().enumerate() {
                if let Part::Han(list) = &mut out[i] {
                    put_first(list, reading);
                }
            }
        } else if let Some((_, reading)) = SURNAME_READINGS.iter().find(|(c, _)| *c == han_chars[0])
        {
            if let Part::Han(list) = &mut out[0] {
                put_first(list, reading);
            }
        }
    }
    Some(out)
}

/// Up to [`MAX_COMBOS`] strings made by picking one option per position.
/// Combinations are produced in order of how many positions deviate from
/// their first option, so the likeliest reading comes first and every
/// position's alternatives get a chance before the cap is reached (a plain
/// odometer would only ever vary the last characters of a long name).
pub fn combos(options: &[Vec<String>]) -> Vec<String> {
    let poly: Vec<usize> = (0..options.len())
        .filter(|&i| options[i].len() > 1)
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut choice = vec![0usize; options.len()];
    for k in 0..=poly.len() {
        pick(options, &poly, 0, k, &mut choice, &mut out);
        if out.len() >= MAX_COMBOS {
            break;
        }
    }
    out
}

/// Chooses `left` more deviating positions among `poly[from..]`, emitting
/// each finished combination until the cap is reached.
fn pick(
    options: &[Vec<String>],
    poly: &[usize],
    from: usize,
    left: usize,
    choice: &mut [usize],
    out: &mut Vec<String>,
) {
    if out.len() >= MAX_COMBOS {
        return;
    }
    if left == 0 {
        let s: String = options
            .iter()
            .zip(choice.iter())
            .map(|(opts, &i)| opts[i].as_str())
            .collect();
        if !out.contains(&s) {
            out.push(s);
        }
        return;
    }
    // Pruning keeps the work proportional to what is emitted: never enter a
    // branch that cannot place all of its remaining deviations.
    for p in from..poly.len() {
        if poly.len() - p < left {
            break;
        }
        let pos = poly[p];
        for alt in 1..options[pos].len() {
            choice[pos] = alt;
            pick(options, poly, p + 1, left - 1, choice, out);
            choice[pos] = 0;
            if out.len() >= MAX_COMBOS {
                return;
            }
        }
    }
}

fn full_options(parts: &[Part]) -> Vec<Vec<String>> {
    parts
        .iter()
        .map(|p| match p {
            Part::Han(r) => r.clone(),
            Part::Literal(s) => vec![s.clone()],
        })
        .collect()
}

fn initial_options(parts: &[Part]) -> Vec<Vec<String>> {
    parts
        .iter()
        .map(|p| match p {
            Part::Han(r) => {
                let mut firsts: Vec<String> = Vec::new();
                for reading in r {
                    let f: String = reading.chars().take(1).collect();
                    if !firsts.contains(&f) {
                        firsts.push(f);
                    }
                }
                firsts
            }
            Part::Literal(s) => vec![s.clone()],
        })
        .collect()
}

fn push_key(keys: &mut Vec<String>, key: String) {
    if !key.is_empty() && !keys.contains(&key) {
        keys.push(key);
    }
}

/// The keys a person's or customer's name is indexed under: its own
/// [`match_key`]; for Chinese names the full pinyin and the initials of
/// every reading combination (capped); for Latin names each word and the
/// words in reverse order, since "Smith John" is a common way to write
/// "John Smith". All keys are lower-case and have no spaces.
pub fn name_keys(name: &str) -> Vec<String> {
    let mut keys = Vec::new();
    push_key(&mut keys, match_key(name));
    match parts(name) {
        Some(parts) => {
            for key in combos(&full_options(&parts)) {
                push_key(&mut keys, key);
            }
            for key in combos(&initial_options(&parts)) {
                push_key(&mut keys, key);
            }
        }
        None => {
            let words: Vec<String> = fold_width(name)
                .split(|c: char| {
                    c.is_whitespace()
                        || matches!(c, ',' | ';' | '/' | '·' | '•' | '、' | '，' | '；')
                })
                .map(match_key)
                .filter(|w| !w.is_empty())
                .take(MAX_WORDS)
                .collect();
            if words.len() > 1 {
                for w in &words {
                    push_key(&mut keys, w.clone());
                }
                let mut reversed = words.clone();
                reversed.reverse();
                push_key(&mut keys, reversed.concat());
                // Family name first, given names in their order: how a
                // Western name is written in Chinese documents.
                let mut rotated = words.clone();
                rotated.rotate_right(1);
                push_key(&mut keys, rotated.concat());
            }
        }
    }
    keys
}

/// The toneless readings of each position of a name, likeliest first (a
/// surname's special reading leads), with runs of Latin letters and digits
/// as one-option positions; `None` when the name has no Chinese character.
/// Duplicate detection compares names through these, so 张伟 and 章伟 meet.
pub fn reading_options(name: &str) -> Option<Vec<Vec<String>>> {
    parts(name).map(|p| full_options(&p))
}

/// The likeliest full pinyin of a name, for sorting and display; "" when the
/// name has no Chinese character.
pub fn pinyin_of(name: &str) -> String {
    parts(name)
        .and_then(|p| combos(&full_options(&p)).into_iter().next())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(name: &str, q: &str) -> bool {
        let q = query_key(q);
        name_keys(name).iter().any(|k| k.starts_with(&q))
    }

    #[test]
    fn zhang_san_is_found_by_pinyin_initials_and_characters() {
        let keys = name_keys("张三");
        assert!(keys.contains(&"张三".to_string()));
        assert!(keys.contains(&"zhangsan".to_string()));
        assert!(keys.contains(&"zs".to_string()));
        assert!(found("张三", "zhangsan"));
        assert!(found("张三", "zs"));
        assert!(found("张三", "张"));
        assert!(found("张三", "Zhang San"));
        assert!(found("张三", "ＺＨＡＮＧ"));
        assert!(!found("张三", "li"));
    }

    #[test]
    fn surname_readings_come_first() {
        let keys = name_keys("单雄信");
        assert!(keys.iter().any(|k| k.starts_with("shan")));
        assert!(keys.iter().any(|k| k.starts_with("sxx")));
        assert_eq!(pinyin_of("单雄信"), "shanxiongxin");
        assert_eq!(pinyin_of("曾国藩"), "zengguofan");
        assert_eq!(pinyin_of("解缙"), "xiejin");
        assert!(name_keys("曾国藩").contains(&"zengguofan".to_string()));
        assert!(name_keys("解缙").contains(&"xiejin".to_string()));
        assert_eq!(pinyin_of("区小姐"), "ouxiaojie");
        assert_eq!(pinyin_of("繁钦"), "poqin");
    }

    #[test]
    fn other_readings_are_still_indexed() {
        assert!(name_keys("重阳").contains(&"chongyang".to_string()));
        assert!(name_keys("重阳").contains(&"zhongyang".to_string()));
        // The everyday reading of a surname character stays searchable.
        assert!(name_keys("单雄信").contains(&"danxiongxin".to_string()));
        // Surname readings apply only to the first character.
        assert_eq!(pinyin_of("王单"), "wangdan");
    }

    #[test]
    fn compound_surnames() {
        assert_eq!(pinyin_of("万俟卨"), "moqixie");
        assert!(name_keys("万俟卨").contains(&"mqx".to_string()));
        assert_eq!(pinyin_of("长孙无忌"), "zhangsunwuji");
        assert_eq!(pinyin_of("尉迟恭"), "yuchigong");
    }

    #[test]
    fn u_umlaut_is_typed_as_v_or_u() {
        let keys = name_keys("吕女");
        assert!(keys.contains(&"lvnv".to_string()));
        assert!(keys
            .iter()
            .any(|k| k == "lunu" || k == "lvnu" || k == "lunv"));
        assert!(keys.iter().all(|k| !k.contains('ü')));
    }

    #[test]
    fn latin_names_are_found_in_either_order() {
        let keys = name_keys("John Smith");
        for k in ["johnsmith", "john", "smith", "smithjohn"] {
            assert!(keys.contains(&k.to_string()), "{k} missing from {keys:?}");
        }
        assert!(found("John Smith", "smith j"));
        assert!(name_keys("Smith, John").contains(&"johnsmith".to_string()));
        assert!(name_keys("Mary Ann O'Brien").contains(&"obrienmaryann".to_string()));
        assert_eq!(name_keys("Madonna"), vec!["madonna".to_string()]);
        assert_eq!(pinyin_of("John Smith"), "");
    }

    #[test]
    fn mixed_names_keep_latin_parts() {
        let keys = name_keys("Tony 王");
        assert!(keys.contains(&"tony王".to_string()));
        assert!(keys.contains(&"tonywang".to_string()));
        assert_eq!(pinyin_of("王Tony"), "wangtony");
        assert!(name_keys("王Tony").contains(&"wtony".to_string()));
    }

    #[test]
    fn long_polyphonic_names_stay_bounded() {
        let name = "重长单乐查朴".repeat(20);
        let keys = name_keys(&name);
        assert!(keys.len() <= 1 + 2 * MAX_COMBOS);
        // Alternatives of the first characters are reached, not only the last.
        let first = pinyin_of(&name);
        assert!(first.starts_with("chongzhang"));
        assert!(keys.iter().any(|k| k.starts_with("zhongzhang")));
    }

    #[test]
    fn digits_and_queries() {
        assert_eq!(digits_of("+86 138-0013-8000"), "8613800138000");
        assert_eq!(digits_of("１３８ ００"), "13800");
        assert_eq!(digits_of("无"), "");
        assert_eq!(query_key(" Ｚhang，San! "), "zhangsan");
        assert_eq!(name_keys(""), Vec::<String>::new());
        assert_eq!(name_keys("  ,. "), Vec::<String>::new());
        assert_eq!(pinyin_of(""), "");
    }

    proptest! {
        #[test]
        fn keys_are_bounded_normalised_and_the_name_finds_itself(name in "\\PC{0,40}") {
            let keys = name_keys(&name);
            prop_assert!(keys.len() <= 1 + 2 * MAX_COMBOS + MAX_WORDS + 2);
            for k in &keys {
                prop_assert!(!k.is_empty());
                prop_assert!(!k.chars().any(char::is_whitespace));
                prop_assert_eq!(k, &k.to_lowercase());
            }
            let q = query_key(&name);
            if !q.is_empty() {
                prop_assert!(keys.iter().any(|k| k.starts_with(&q)));
            }
            let _ = pinyin_of(&name);
            prop_assert!(digits_of(&name).chars().all(|c| c.is_ascii_digit()));
        }

        #[test]
        fn chinese_names_are_found_by_their_pinyin(name in "[\\u{4e00}-\\u{9fa5}]{1,6}") {
            let py = pinyin_of(&name);
            // Characters without a reading are kept as they are.
            prop_assert!(py.chars().all(|c| c.is_ascii_lowercase() || name.contains(c)));
            // A few rare characters have no reading in the dictionary.
            if !py.is_empty() {
                prop_assert!(name_keys(&name).contains(&py));
            }
        }
    }
}
