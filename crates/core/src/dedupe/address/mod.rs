//! Addresses and places by their parts. Two entries of one address rarely
//! agree letter for letter (北京市朝阳区建国路88号 / 朝阳区建国路88号院;
//! "12 Baker St." / "12 Baker Street, London"), but they agree on the street
//! and the house number, which is what is compared. Province and city are
//! compared separately from their own fields, or from the start of the
//! address when the fields are empty.

use crate::region::Province;
use crate::text::match_key;

use super::distance::{fill, osa, MAX_CHARS};
use super::hash::{fold32, hash32};
use super::name::sound_of;

/// What an address is compared by; 0 is "not known".
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AddressParts {
    /// The county-level division by its last two characters and marker
    /// (朝阳区; county-level cities such as 昆山市 are not recognised).
    pub district: u32,
    /// The street, lane or road, without its number.
    pub road: u32,
    /// The house number on that street.
    pub number: u32,
}

/// Where a record is, as far as its fields tell.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    /// GB/T 2260 province code.
    pub province: u8,
    /// The city's name in pinyin (or as written, if Latin), so 北京 and
    /// Beijing agree.
    pub city: u32,
}

/// Markers that end a Chinese road name, longest first.
const CN_ROADS: &[&str] = &["大道", "大街", "胡同", "路", "街", "巷", "弄", "道", "里"];

/// English street types and their abbreviations, each mapped to one form.
const EN_STREETS: &[(&str, &str)] = &[
    ("street", "st"),
    ("st", "st"),
    ("road", "rd"),
    ("rd", "rd"),
    ("avenue", "ave"),
    ("ave", "ave"),
    ("av", "ave"),
    ("lane", "ln"),
    ("ln", "ln"),
    ("drive", "dr"),
    ("dr", "dr"),
    ("boulevard", "blvd"),
    ("blvd", "blvd"),
    ("way", "way"),
    ("court", "ct"),
    ("ct", "ct"),
    ("place", "pl"),
    ("pl", "pl"),
    ("square", "sq"),
    ("sq", "sq"),
    ("terrace", "ter"),
    ("tce", "ter"),
    ("highway", "hwy"),
    ("hwy", "hwy"),
    ("parkway", "pkwy"),
    ("circuit", "cct"),
    ("cct", "cct"),
    ("crescent", "cres"),
    ("cres", "cres"),
    ("close", "cl"),
    ("cl", "cl"),
    ("parade", "pde"),
    ("pde", "pde"),
    ("grove", "gr"),
    ("esplanade", "esp"),
    ("esp", "esp"),
    ("circle", "cir"),
    ("walk", "walk"),
    ("rise", "rise"),
    ("mews", "mews"),
    ("loop", "loop"),
];

/// The longest road name kept for comparing spellings, in bytes.
const MAX_ROAD_NAME: usize = 24;

/// A Latin road's name without its type and spaces ("baker" for Baker
/// Street, "stjohns" for St Johns Rd), so that copies typed with a slip in
/// the name or the type still compare; empty for Chinese addresses.
pub(crate) fn road_name(simplified: &str, key: &str) -> String {
    if key.chars().any(is_han) {
        return String::new();
    }
    let is_number = |w: &str| w.starts_with(|c: char| c.is_ascii_digit());
    let segments = segments(simplified);
    // The part of the address that names a street (a name, then a street
    // type), wherever the house number was written: the words after its
    // number, if any. Without one, the part that holds the house number:
    // the words after it, up to a street type.
    let typed = segments.iter().find_map(|words| {
        let from = words
            .iter()
            .position(|w| is_number(w))
            .map_or(0, |at| at + 1);
        let rest = &words[from..];
        (1..rest.len())
            .any(|p| is_type_word(rest[p]))
            .then(|| rest.to_vec())
    });
    let Some(words) = typed.or_else(|| {
        segments.iter().find_map(|words| {
            let at = words.iter().position(|w| is_number(w))?;
            Some(words[at + 1..].to_vec())
        })
    }) else {
        return String::new();
    };
    let mut name = String::new();
    for w in &words {
        // "St Johns Rd": a type word first is part of the name.
        if is_number(w) || (is_street_type(w) && !name.is_empty()) {
            break;
        }
        name.push_str(w);
        if name.len() >= MAX_ROAD_NAME {
            break;
        }
    }
    let mut end = name.len().min(MAX_ROAD_NAME);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.truncate(end);
    // A type typed onto the name ("langdonavenue") comes off too.
    for (full, _) in EN_STREETS.iter().filter(|(f, _)| f.len() >= 5) {
        if let Some(stem) = name.strip_suffix(full) {
            if stem.len() >= 3 {
                return stem.to_owned();
            }
        }
    }
    name
}

/// A street type, or a word one slip away from a long one ("srteet").
fn is_street_type(w: &str) -> bool {
    EN_STREETS.iter().any(|(f, _)| *f == w)
        || (w.len() >= 5
            && EN_STREETS
                .iter()
                .any(|(f, _)| f.len() >= 5 && super::distance::within(f, w, 1)))
}

/// `simplified` must already be width-folded, simplified and lower-cased,
/// and `key` be its [`match_key`], which a Chinese address is read from.
pub(crate) fn address_parts(simplified: &str, key: &str) -> AddressParts {
    if key.chars().any(is_han) {
        chinese_address(key)
    } else {
        latin_address(simplified)
    }
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}')
}

fn chinese_address(s: &str) -> AddressParts {
    let mut parts = AddressParts::default();
    let chars: Vec<char> = s.chars().collect();
    // The district: the first 区, 县 or 旗 that does not end a province-level
    // 自治区, named by the two characters before it, so that whatever
    // province or city is written in front (or not) does not matter.
    let mut after_district = 0;
    for (i, &c) in chars.iter().enumerate().skip(2) {
        if matches!(c, '区' | '县' | '旗') && !(c == '区' && chars[..i].ends_with(&['自', '治']))
        {
            let name: String = chars[i - 2..=i].iter().collect();
            parts.district = hash32(b'd', &name);
            after_district = i + 1;
            break;
        }
    }
    let rest: String = chars[after_district..].iter().collect();
    // The house number: the first digits followed by 号.
    let (road_text, number) = match find_number(&rest) {
        Some((at, digits)) => (&rest[..at], Some(digits)),
        None => (rest.as_str(), None),
    };
    // The road: the text up to its last road marker, after any admin
    // division left in front of it (a town, 镇/乡/街道).
    let road_end = CN_ROADS
        .iter()
        .filter_map(|m| road_text.rfind(m).map(|i| i + m.len()))
        .max();
    if let Some(end) = road_end {
        let road = &road_text[..end];
        let road = ["街道", "镇", "乡"]
            .iter()
            .filter_map(|m| {
                let i = road.rfind(m)? + m.len();
                (i < road.len()).then_some(i)
            })
            .max()
            .map_or(road, |i| &road[i..]);
        if !road.is_empty() {
            parts.road = hash32(b'r', road);
        }
    } else if number.is_some() && !road_text.is_empty() {
        // A village or compound numbered without a road (某某村18号).
        parts.road = hash32(b'r', road_text);
    }
    if parts.road != 0 {
        if let Some(n) = number {
            parts.number = house_number(n);
        }
    }
    parts
}

/// The byte offset and the text of the first run of digits (with letters or
/// a dash inside, 12-3, 5a) that ends in 号.
fn find_number(s: &str) -> Option<(usize, &str)> {
    let mut run_start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if c.is_ascii_digit() || (run_start.is_some() && (c == '-' || c.is_ascii_lowercase())) {
            run_start.get_or_insert(i);
        } else {
            if let Some(st) = run_start.take() {
                if c == '号' {
                    return Some((st, &s[st..i]));
                }
            }
        }
    }
    None
}

/// Marks a house number kept as its value rather than hashed.
const NUMERIC: u32 = 1 << 31;

/// A house number as [`AddressParts::number`] keeps it: digits alone (up
/// to nine) as their value, so that two numbers a slip apart can be told
/// (see [`numbers_near`]); anything else (`12a`, `3-1`) hashed.
fn house_number(s: &str) -> u32 {
    if (1..=9).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0')) | NUMERIC
    } else {
        (hash32(b'n', s) & !NUMERIC).max(1)
    }
}

/// Two house numbers, both digits alone, one slip apart: a digit wrong,
/// left out, added, or two neighbours swapped (38 and 3, 59 and 95).
pub(crate) fn numbers_near(a: u32, b: u32) -> bool {
    if a & b & NUMERIC == 0 || a == b {
        return false;
    }
    fn digits(n: u32, buf: &mut [u8; 10]) -> &str {
        let mut n = n & !NUMERIC;
        let mut at = buf.len();
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        std::str::from_utf8(&buf[at..]).unwrap_or_default()
    }
    let (mut ba, mut bb) = ([0u8; 10], [0u8; 10]);
    super::distance::within(digits(a, &mut ba), digits(b, &mut bb), 1)
}

/// The words of each comma- or semicolon-separated part of an address.
fn segments(s: &str) -> Vec<Vec<&str>> {
    s.split([',', ';'])
        .map(|segment| {
            segment
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect()
        })
        .collect()
}

/// A street type as written in full or abbreviated (no slips).
fn is_type_word(w: &str) -> bool {
    EN_STREETS.iter().any(|(f, _)| *f == w)
}

fn latin_address(s: &str) -> AddressParts {
    let mut parts = AddressParts::default();
    let segments = segments(s);
    let is_number = |w: &str| w.starts_with(|c: char| c.is_ascii_digit());
    // The first street-type word with a name in front of it in its part of
    // the address, back to the house number ("12 St Johns Road" is St Johns
    // Road). The parts of an address are written in either order ("12
    // Baker Street, Riverside Village" or "12 Riverside Village, Baker
    // Street"), so the street is looked for in each part, and a number
    // starting an earlier part is its house number.
    let found = segments.iter().enumerate().find_map(|(i, words)| {
        (0..words.len())
            .filter(|&p| is_type_word(words[p]))
            .map(|p| {
                let mut start = p;
                while start > 0 && !is_number(words[start - 1]) {
                    start -= 1;
                }
                (i, start, p)
            })
            .find(|(_, start, p)| start < p)
    });
    let Some((at, name_start, type_at)) = found else {
        return numbered_segment(&segments);
    };
    let words = &segments[at];
    let kind = EN_STREETS
        .iter()
        .find(|(f, _)| *f == words[type_at])
        .map_or("", |(_, k)| *k);
    let road = format!("{} {kind}", words[name_start..type_at].join(" "));
    parts.road = hash32(b'r', &road);
    let number = if name_start > 0 {
        Some(words[name_start - 1])
    } else {
        segments[..at]
            .iter()
            .find_map(|w| w.first().copied().filter(|w| is_number(w)))
    };
    if let Some(n) = number {
        parts.number = house_number(n);
    }
    parts
}

/// A street without a type word ("1210 Broadway, Denver"): the first part
/// of the address that is a number followed by words, or a number alone
/// followed by a part in words ("489, Cambooya").
fn numbered_segment(segments: &[Vec<&str>]) -> AddressParts {
    let mut parts = AddressParts::default();
    let is_number = |w: &str| w.starts_with(|c: char| c.is_ascii_digit());
    let has_letters = |words: &[&str]| words.iter().any(|w| w.chars().any(char::is_alphabetic));
    for (i, words) in segments.iter().enumerate() {
        let Some((&number, rest)) = words.split_first().filter(|(n, _)| is_number(n)) else {
            continue;
        };
        let name = match segments.get(i + 1) {
            Some(next) if rest.is_empty() && has_letters(next) => next.as_slice(),
            _ => rest,
        };
        if has_letters(name) {
            parts.road = hash32(b'r', &name.join(" "));
            parts.number = house_number(number);
            break;
        }
    }
    parts
}

/// The runs of digits in an address's parts, without leading zeros.
fn numbers(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .map(|run| run.trim_start_matches('0'))
}

fn letters(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| c.is_alphabetic())
}

/// The longest [`address_lines`] kept, in bytes.
const MAX_LINES: usize = 64;

/// A Latin address as its parts, for [`lines_agree`]: each comma- or
/// semicolon-separated part as its letters and digits, the parts joined by
/// commas; empty for a Chinese address. At most [`MAX_LINES`] bytes.
pub(crate) fn address_lines(simplified: &str, key: &str) -> String {
    if key.chars().any(is_han) {
        return String::new();
    }
    let mut lines = String::new();
    for part in simplified.split([',', ';']) {
        let mut chars = part.chars().filter(|c| c.is_alphanumeric()).peekable();
        if chars.peek().is_none() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(',');
        }
        lines.extend(chars);
    }
    let mut end = lines.len().min(MAX_LINES);
    while !lines.is_char_boundary(end) {
        end -= 1;
    }
    lines.truncate(end);
    lines
}

/// Two Latin addresses (as [`address_lines`] keeps them) that are one
/// where their streets cannot be read alike: the same numbers in the same
/// order (a house, a unit), and either their letters two slips apart at
/// most in twelve or more ("6 melroseidrive" for "6 Melrose Drive", a
/// space lost and a letter added), or each part of the one with fewer
/// parts found among the other's, in any order, with a slip allowed in six
/// letters or more ("181, Rowethorpe" and "181 Limestone Avenue,
/// Rowethorpe": the street left out; "47 The Canberra Hospital, Darwinia
/// Terrace" and "47 Darwinia Terrace, The Canberra Hospital"). A street
/// replaced by another ("1 Perry Drive, Shire Clerk" and "1 Gundulu
/// Place, Shire Clerk") is not the same address, nor are two units.
pub(crate) fn lines_agree(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() || numbers(a).next().is_none() || !numbers(a).eq(numbers(b)) {
        return false;
    }
    letters_agree(a, b, false)
}

/// Two Latin addresses alike as in [`lines_agree`] but for a house number
/// that one of them, or both, leaves out, and more than a street: every
/// part of each, two or more, found in the other ("Sternberg Crescent,
/// Promenade Arcade" and "631 Sternberg Crescent, Promenade Arcade": the
/// street and the estate on it). Less than the same house, more than the
/// same street alone ("George Street" and "12 George Street", where a
/// namesake on the street is as likely).
pub(crate) fn lines_agree_but_number(a: &str, b: &str) -> bool {
    let numbered = |s: &str| numbers(s).next().is_some();
    if a.is_empty() || b.is_empty() || (numbered(a) && numbered(b)) {
        return false;
    }
    parts(a) >= 2 && letters_agree(a, b, true)
}

/// How many comma-separated parts of an address have letters.
fn parts(s: &str) -> usize {
    s.split(',').filter(|p| letters(p).next().is_some()).count()
}

/// The letters of two addresses agree (see [`lines_agree`]); with
/// `every_part`, each address must have as many parts as the other.
fn letters_agree(a: &str, b: &str, every_part: bool) -> bool {
    let (mut ba, mut bb) = (['\0'; MAX_CHARS], ['\0'; MAX_CHARS]);
    let (la, lb) = (fill(letters(a), &mut ba), fill(letters(b), &mut bb));
    if la.len().min(lb.len()) >= 12 && la.len().abs_diff(lb.len()) <= 2 && osa(la, lb) <= 2 {
        return true;
    }
    if every_part && parts(a) != parts(b) {
        return false;
    }
    let (fewer, more) = if parts(a) <= parts(b) { (a, b) } else { (b, a) };
    let mut taken = 0u64;
    let mut long_enough = false;
    for part in fewer.split(',').filter(|p| letters(p).next().is_some()) {
        let mut bp = ['\0'; MAX_CHARS];
        let p = fill(letters(part), &mut bp);
        let found = more
            .split(',')
            .filter(|q| letters(q).next().is_some())
            .take(64)
            .enumerate()
            .find(|&(j, q)| {
                let mut bq = ['\0'; MAX_CHARS];
                let q = fill(letters(q), &mut bq);
                taken & (1 << j) == 0
                    && (p == q
                        || (p.len().min(q.len()) >= 6
                            && p.len().abs_diff(q.len()) <= 1
                            && osa(p, q) <= 1))
            });
        let Some((j, _)) = found else {
            return false;
        };
        taken |= 1 << j;
        long_enough |= p.len() >= 5;
    }
    long_enough
}

/// `province` and `city` must already be width-folded, simplified and
/// lower-cased, `address_key` be the address in [`match_key`] form.
pub(crate) fn place(province: &str, city: &str, address_key: &str) -> Place {
    let mut place = Place::default();
    let province = Province::parse(province)
        .ok()
        .or_else(|| Province::parse(city).ok())
        .or_else(|| leading_province(address_key));
    if let Some(p) = province {
        place.province = p.code();
    }
    let city_name = strip_city_suffix(&match_key(city));
    let city_name = if city_name.is_empty() {
        city_from_address(address_key, province)
    } else {
        city_name
    };
    let city_name = match (city_name.is_empty(), province) {
        // Beijing, Shanghai, Tianjin and Chongqing are their own cities.
        (true, Some(p)) if is_municipality(p) => p.short_name().to_string(),
        _ => city_name,
    };
    if !city_name.is_empty() {
        place.city = fold32(sound_of(b'c', &city_name));
    }
    place
}

fn is_municipality(p: Province) -> bool {
    matches!(
        p,
        Province::Beijing | Province::Shanghai | Province::Tianjin | Province::Chongqing
    )
}

fn strip_city_suffix(city: &str) -> String {
    for suffix in ["市", "地区", "city", "shi"] {
        if let Some(rest) = city.strip_suffix(suffix) {
            if !rest.is_empty() {
                return rest.to_string();
            }
        }
    }
    city.to_string()
}

fn leading_province(address_key: &str) -> Option<Province> {
    Province::ALL
        .iter()
        .copied()
        .find(|p| address_key.starts_with(p.short_name()))
}

/// The city at the start of a Chinese address (after its province), when
/// written with 市: 广东省深圳市… gives 深圳.
fn city_from_address(address_key: &str, province: Option<Province>) -> String {
    let mut rest = address_key;
    if let Some(p) = province {
        for name in [p.name(), p.short_name()] {
            if let Some(r) = rest.strip_prefix(name) {
                rest = r.strip_prefix('省').unwrap_or(r);
                break;
            }
        }
    }
    match rest.find('市') {
        Some(i) if (2..=4).contains(&rest[..i].chars().count()) => rest[..i].to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;
