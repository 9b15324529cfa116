//! From a stored record to the compact form that is blocked and compared.
//!
//! Stored values already follow the entry standards, but records come from
//! years of imports and hand entry, so everything that matters for matching
//! is normalised again here: width, traditional characters, case, phone
//! prefixes, e-mail tags.

use crate::company::{core_of_folded, is_branch_folded};
use crate::email::fold_dots;
use crate::phone::{Mobile, Phone};
use crate::search::digits_of;
use crate::text::{fold_width, match_key};
use crate::uscc::Uscc;
use crate::CustomerKind;

use super::address::{address_lines, address_parts, place, road_name, AddressParts, Place};
use super::hash::hash_str;
use super::name::{name_form, sound_of};
use super::person::{birth_key, postcode_key};

/// One customer as the store reads it, borrowed so a streaming scan over a
/// million rows allocates nothing it does not keep.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub id: i64,
    pub kind: CustomerKind,
    /// A person's name, or the company's name for a company.
    pub name: &'a str,
    /// For a person, the company they work for.
    pub company: Option<&'a str>,
    /// The customer's own mobile and its contacts' mobiles.
    pub mobiles: &'a [&'a str],
    /// Landlines and other numbers; a mobile found here counts as a mobile.
    pub phones: &'a [&'a str],
    pub emails: &'a [&'a str],
    pub uscc: Option<&'a str>,
    pub province: Option<&'a str>,
    pub city: Option<&'a str>,
    pub address: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    /// A person's birth date, `YYYY-MM-DD`.
    pub birth_date: Option<&'a str>,
}

impl<'a> Record<'a> {
    /// A record with only a name; fill in the rest with struct update syntax.
    pub fn new(id: i64, kind: CustomerKind, name: &'a str) -> Record<'a> {
        Record {
            id,
            kind,
            name,
            company: None,
            mobiles: &[],
            phones: &[],
            emails: &[],
            uscc: None,
            province: None,
            city: None,
            address: None,
            postal_code: None,
            birth_date: None,
        }
    }
}

/// How many values of one kind (mobiles, e-mails, …) a profile keeps; a
/// customer with dozens of contacts is compared by the first ones.
const MAX_VALUES: usize = 16;

/// Bytes of a name or company core kept for edit distance.
const MAX_TEXT: usize = 120;

/// Letters of a Latin city kept for edit distance.
const MAX_CITY: usize = 24;

const BRANCH: u8 = 1;
const HAN_NAME: u8 = 2;
const RARE_NAME: u8 = 4;

/// Sections of [`Profile::keys`], in order.
const MOBILES: usize = 0;
const PHONES: usize = 1;
const EMAILS: usize = 2;
const SOUNDS: usize = 3;
const STEMS: usize = 4;
const SECTIONS: usize = 5;

/// A record normalised for duplicate detection: fingerprints instead of
/// strings where only equality matters, about 200 bytes in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    id: i64,
    kind: CustomerKind,
    flags: u8,
    place_province: u8,
    counts: [u8; SECTIONS],
    /// Where the name, the spelled name, the company core, the road's
    /// name and the city's name end in `text`.
    cuts: [u16; 5],
    place_city: u32,
    /// `yyyymmdd`, 0 when unknown.
    birth: u32,
    /// A Latin name's last word as written, hashed (0 when none).
    last_word: u32,
    /// Letters and digits packed (see [`postcode_key`]), 0 when unknown.
    postcode: u64,
    address: AddressParts,
    words: u64,
    fuzzy: u64,
    uscc: u64,
    /// The full company name, to tell a branch from its head office.
    company_full: u64,
    /// How the company core sounds: its pinyin, or itself if Latin.
    core_sound: u64,
    /// Mobiles, phones, e-mails, name sounds and name stems, one after another.
    keys: Box<[u64]>,
    /// Name key, spelled name, company core, a Latin road's name, a Latin
    /// city's name and a Latin address's parts, one after another.
    text: Box<str>,
}

/// Width folded, traditional characters simplified, lower-cased.
pub(crate) fn simplify(s: &str) -> String {
    let folded = fold_width(s);
    let simple = if folded.is_ascii() {
        folded
    } else {
        fast2s::convert(&folded)
    };
    simple.to_lowercase()
}

fn truncate(s: &str) -> &str {
    if s.len() <= MAX_TEXT {
        return s;
    }
    let mut end = MAX_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl Profile {
    pub fn new(r: &Record<'_>) -> Profile {
        let name = name_form(&simplify(r.name));
        let company = match r.kind {
            CustomerKind::Company => Some(r.name),
            CustomerKind::Individual => r.company,
        }
        .map(simplify)
        .and_then(|text| {
            let key = match_key(&text);
            (!key.is_empty()).then_some((text, key))
        });
        // The text is simplified already: the core and the branch test skip
        // folding it again.
        let (core, company_full, branch) = match company {
            Some((text, key)) => (
                core_of_folded(&text).unwrap_or_else(|| key.clone()),
                hash_str(b'k', &key),
                is_branch_folded(&text),
            ),
            None => (String::new(), 0, false),
        };

        let mut sections: [Vec<u64>; SECTIONS] = Default::default();
        let listed = r.mobiles.iter().map(|v| (v, true));
        for (value, as_mobile) in listed.chain(r.phones.iter().map(|v| (v, false))) {
            match phone_key(value, as_mobile) {
                Some(PhoneKey::Mobile(h)) => push_capped(&mut sections[MOBILES], h),
                Some(PhoneKey::Other(h)) => push_capped(&mut sections[PHONES], h),
                None => {}
            }
        }
        for value in r.emails {
            if let Some(h) = email_key(value) {
                push_capped(&mut sections[EMAILS], h);
            }
        }
        for &h in &name.sounds {
            push_capped(&mut sections[SOUNDS], h);
        }
        for &h in &name.stems {
            push_capped(&mut sections[STEMS], h);
        }
        let mut counts = [0u8; SECTIONS];
        for (count, section) in counts.iter_mut().zip(&sections) {
            *count = section.len() as u8;
        }

        let key = truncate(&name.key);
        let spelled = truncate(&name.spelled);
        let core = truncate(&core);
        let address = r.address.map(simplify).unwrap_or_default();
        let address_key = match_key(&address);
        let road = road_name(&address, &address_key);
        let lines = address_lines(&address, &address_key);
        // A Latin city (a suburb, a town) by its letters, for spellings
        // with a slip; Chinese cities are compared by how they sound.
        let city_text: String = match r.city.map(simplify) {
            Some(c) if c.is_ascii() => match_key(&c).chars().take(MAX_CITY).collect(),
            _ => String::new(),
        };
        let text = format!("{key}{spelled}{core}{road}{city_text}{lines}").into_boxed_str();

        let Place { province, city } = place(
            &r.province.map(simplify).unwrap_or_default(),
            &r.city.map(simplify).unwrap_or_default(),
            &address_key,
        );

        let core_sound = if core.is_empty() {
            0
        } else {
            sound_of(b'c', core)
        };
        let mut flags = 0;
        if branch {
            flags |= BRANCH;
        }
        if name.han {
            flags |= HAN_NAME;
        }
        Profile {
            id: r.id,
            kind: r.kind,
            flags,
            place_province: province,
            counts,
            cuts: [
                key.len() as u16,
                (key.len() + spelled.len()) as u16,
                (key.len() + spelled.len() + core.len()) as u16,
                (key.len() + spelled.len() + core.len() + road.len()) as u16,
                (key.len() + spelled.len() + core.len() + road.len() + city_text.len()) as u16,
            ],
            place_city: city,
            birth: r.birth_date.map_or(0, birth_key),
            last_word: name.last,
            postcode: r.postal_code.map_or(0, postcode_key),
            address: address_parts(&address, &address_key),
            words: name.words,
            fuzzy: name.fuzzy,
            uscc: r.uscc.and_then(uscc_key).unwrap_or(0),
            company_full,
            core_sound,
            keys: sections.concat().into_boxed_slice(),
            text,
        }
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn kind(&self) -> CustomerKind {
        self.kind
    }

    fn section(&self, which: usize) -> &[u64] {
        let start: usize = self.counts[..which].iter().map(|&c| c as usize).sum();
        &self.keys[start..start + self.counts[which] as usize]
    }

    pub(crate) fn mobiles(&self) -> &[u64] {
        self.section(MOBILES)
    }

    pub(crate) fn phones(&self) -> &[u64] {
        self.section(PHONES)
    }

    pub(crate) fn emails(&self) -> &[u64] {
        self.section(EMAILS)
    }

    pub(crate) fn sounds(&self) -> &[u64] {
        self.section(SOUNDS)
    }

    pub(crate) fn stems(&self) -> &[u64] {
        self.section(STEMS)
    }

    /// The name without spaces or punctuation, simplified and lower-cased.
    pub(crate) fn name(&self) -> &str {
        &self.text[..self.cuts[0] as usize]
    }

    /// Pinyin syllables of a Chinese name, sorted words of a Latin one.
    pub(crate) fn spelled(&self) -> &str {
        &self.text[self.cuts[0] as usize..self.cuts[1] as usize]
    }

    /// The company core: the person's employer, or the company itself.
    pub(crate) fn core(&self) -> &str {
        &self.text[self.cuts[1] as usize..self.cuts[2] as usize]
    }

    /// A Latin road's name without type or spaces; empty if none.
    pub(crate) fn road_name(&self) -> &str {
        &self.text[self.cuts[2] as usize..self.cuts[3] as usize]
    }

    /// A Latin city's name without spaces; empty if none.
    pub(crate) fn city_name(&self) -> &str {
        &self.text[self.cuts[3] as usize..self.cuts[4] as usize]
    }

    /// A Latin address's parts as written (see [`super::address::address_lines`]);
    /// empty if none.
    pub(crate) fn address_lines(&self) -> &str {
        &self.text[self.cuts[4] as usize..]
    }

    pub(crate) fn is_branch(&self) -> bool {
        self.flags & BRANCH != 0
    }

    /// A Latin name's last word as written, hashed with
    /// [`super::name::last_word`].
    pub(crate) fn last_word(&self) -> u32 {
        self.last_word
    }

    /// No more than a few records of the scan bear this name, word for
    /// word; set by the scanner, which sees them all.
    pub(crate) fn rare_name(&self) -> bool {
        self.flags & RARE_NAME != 0
    }

    pub(crate) fn set_rare_name(&mut self, rare: bool) {
        if rare {
            self.flags |= RARE_NAME;
        } else {
            self.flags &= !RARE_NAME;
        }
    }

    pub(crate) fn han_name(&self) -> bool {
        self.flags & HAN_NAME != 0
    }

    pub(crate) fn words(&self) -> u64 {
        self.words
    }

    pub(crate) fn fuzzy(&self) -> u64 {
        self.fuzzy
    }

    pub(crate) fn uscc(&self) -> u64 {
        self.uscc
    }

    pub(crate) fn company_full(&self) -> u64 {
        self.company_full
    }

    pub(crate) fn core_sound(&self) -> u64 {
        self.core_sound
    }

    pub(crate) fn province(&self) -> u8 {
        self.place_province
    }

    pub(crate) fn city(&self) -> u32 {
        self.place_city
    }

    pub(crate) fn address(&self) -> AddressParts {
        self.address
    }

    pub(crate) fn birth(&self) -> u32 {
        self.birth
    }

    pub(crate) fn postcode(&self) -> u64 {
        self.postcode
    }

    /// Heap bytes held besides the struct itself, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.keys.len() * 8 + self.text.len()
    }
}

fn push_capped(list: &mut Vec<u64>, h: u64) {
    if list.len() < MAX_VALUES && !list.contains(&h) {
        list.push(h);
    }
}

enum PhoneKey {
    Mobile(u64),
    Other(u64),
}

/// How many trailing digits identify a number that is not a mainland
/// mobile: enough to tell subscribers apart, few enough that "+44 20 7946
/// 0958" and "020 7946 0958", or "+1 (212) 555-0100" and "212-555-0100",
/// agree without knowing every country's trunk prefix.
const NUMBER_TAIL: usize = 9;

/// Mainland mobiles by their 11 digits however they were prefixed (+86,
/// 0086) or punctuated, wherever they were listed. Other numbers by their
/// last [`NUMBER_TAIL`] digits, a mainland landline without its extension
/// (one switchboard, many extensions). Any number listed as a mobile counts
/// as one (a customer abroad); a shared office number listed so is kept
/// from joining colleagues by their different names.
fn phone_key(s: &str, listed_as_mobile: bool) -> Option<PhoneKey> {
    let mobile = |d: &str| PhoneKey::Mobile(hash_str(b'm', d));
    let digits = match Phone::parse(s) {
        Ok(Phone::Mobile(m)) => return Some(mobile(m.as_str())),
        // "020 7946 0958" reads as a Guangzhou number and may be a London
        // one: the tail is what is compared either way.
        Ok(Phone::Landline(l)) => format!("{}{}", l.area(), l.number()),
        Ok(Phone::Intl(i)) => digits_of(i.as_str()),
        Err(_) => {
            let digits = digits_of(s);
            // Words around the number ("手机 138…") or a stray prefix: the
            // last eleven digits may still be a mobile.
            if digits.len() >= 11 {
                if let Ok(m) = Mobile::parse(&digits[digits.len() - 11..]) {
                    return Some(mobile(m.as_str()));
                }
            }
            digits
        }
    };
    if digits.len() < 7 {
        return None;
    }
    let key = hash_str(b'p', &digits[digits.len().saturating_sub(NUMBER_TAIL)..]);
    Some(if listed_as_mobile {
        PhoneKey::Mobile(key)
    } else {
        PhoneKey::Other(key)
    })
}

/// The address lower-cased whole (mailbox providers ignore case in
/// practice), without a `mailto:`, angle brackets, spaces or a `+tag`.
fn email_key(s: &str) -> Option<u64> {
    let folded = fold_dots(&fold_width(s)).to_lowercase();
    let trimmed = folded
        .trim()
        .trim_start_matches("mailto:")
        .trim_matches(|c| c == '<' || c == '>');
    let cleaned: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
    let (local, domain) = cleaned.rsplit_once('@')?;
    let local = local.split_once('+').map_or(local, |(l, _)| l);
    if local.is_empty() || !domain.contains('.') {
        return None;
    }
    Some(hash_str(b'e', &format!("{local}@{domain}")))
}

/// A code that passes its check character, or any 18 letters and digits
/// (a code typed with one wrong character still matches its own copies).
fn uscc_key(s: &str) -> Option<u64> {
    let code = match Uscc::parse(s) {
        Ok(u) => u.as_str().to_string(),
        Err(_) => {
            let code: String = fold_width(s)
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_uppercase();
            if code.len() != 18 {
                return None;
            }
            code
        }
    };
    Some(hash_str(b'u', &code))
}

/// The blocking key of a city, for the scanner.
pub(crate) fn city_block(p: &Profile) -> u64 {
    match (p.place_city, p.place_province) {
        (0, 0) => 0,
        (0, province) => u64::from(province),
        (city, _) => u64::from(city) << 8,
    }
}

/// How the company core sounds, for the scanner: records of one company
/// meet even when its trade name was typed with a homophone.
pub(crate) fn core_block(p: &Profile) -> u64 {
    p.core_sound
}

/// Street and number, for the scanner; 0 without both.
pub(crate) fn address_block(p: &Profile) -> u64 {
    let a = p.address;
    if a.road == 0 || a.number == 0 {
        return 0;
    }
    (u64::from(a.road) << 32) | u64::from(a.number)
}

#[cfg(test)]
mod tests;
