//! Countries (ISO 3166-1 alpha-2) and the entry standards that follow a
//! record's country: its regions (ISO 3166-2 subdivisions), its postal code
//! patterns and its telephone numbering plan (in [`crate::phone`]).
//!
//! China keeps its own, finer rules ([`crate::region`]); every other country
//! is checked where its rules are known and taken as written where not, so
//! that nothing is refused merely for not being Chinese.

mod names;
mod postal;
mod subdivision;

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Serialize, Serializer};

use crate::text::fold_width;
use crate::{Code, Lang};

pub use postal::{postal_code, postal_example};
pub use subdivision::{region, regions};

use names::NAMES;

/// A country or territory with an ISO 3166-1 alpha-2 code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country(u8);

const fn index_of(code: &str) -> u8 {
    let want = code.as_bytes();
    let mut i = 0;
    while i < NAMES.len() {
        let have = NAMES[i].0.as_bytes();
        if have[0] == want[0] && have[1] == want[1] {
            return i as u8;
        }
        i += 1;
    }
    panic!("not an ISO 3166-1 code in the table");
}

impl Country {
    pub const CN: Country = Country(index_of("CN"));
    pub const HK: Country = Country(index_of("HK"));
    pub const MO: Country = Country(index_of("MO"));
    pub const TW: Country = Country(index_of("TW"));

    /// Every country, in code order.
    pub fn all() -> impl Iterator<Item = Country> {
        (0..NAMES.len() as u8).map(Country)
    }

    /// `AU`.
    pub fn code(self) -> &'static str {
        NAMES[self.0 as usize].0
    }

    /// The name in `lang`: `Australia`, `澳大利亚`.
    pub fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::ZhCn => NAMES[self.0 as usize].2,
            Lang::En => NAMES[self.0 as usize].1,
        }
    }

    /// Mainland China, whose records keep the Chinese entry standards.
    pub fn is_china(self) -> bool {
        self == Country::CN
    }

    /// The exact alpha-2 code, as stored; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Country> {
        let code = code.as_bytes();
        NAMES
            .binary_search_by(|(c, ..)| c.as_bytes().cmp(code))
            .ok()
            .map(|i| Country(i as u8))
    }

    /// A country as people write it: the alpha-2 or alpha-3 code in any
    /// case, its English or Chinese name, its ISO short name, or another
    /// common name (`UK`, `USA`, `澳洲`, `Deutschland`).
    pub fn parse(s: &str) -> Result<Country, Code> {
        // No country's name is longer; anything longer is not folded at all.
        if s.len() > 240 {
            return Err(Code::InvalidCountry);
        }
        let key = name_key(s);
        if key.is_empty() || key.chars().count() > 60 {
            return Err(Code::InvalidCountry);
        }
        lookup().get(&key).copied().ok_or(Code::InvalidCountry)
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Country {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Folds a name for matching: lower case, Latin letters without their
/// accents, no spaces, brackets or punctuation, a leading "the" dropped.
pub(crate) fn name_key(s: &str) -> String {
    let lower = fold_width(s.trim()).to_lowercase();
    let lower = lower.strip_prefix("the ").unwrap_or(&lower);
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        match c {
            'à'..='å' | 'ā' => out.push('a'),
            'ç' => out.push('c'),
            'è'..='ë' | 'ē' => out.push('e'),
            'ì'..='ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò'..='ö' | 'ø' | 'ō' => out.push('o'),
            'ù'..='ü' | 'ū' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ß' => out.push_str("ss"),
            c if c.is_alphanumeric() => out.push(c),
            _ => {}
        }
    }
    out
}

fn lookup() -> &'static HashMap<String, Country> {
    static MAP: OnceLock<HashMap<String, Country>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for country in Country::all() {
            let (code, en, zh, other) = NAMES[country.0 as usize];
            let iso = rust_iso3166::from_alpha2(code);
            let names = [code, en, zh]
                .into_iter()
                .chain(other.iter().copied())
                .chain(iso.iter().flat_map(|i| [i.alpha3, i.name]));
            for name in names {
                map.entry(name_key(name)).or_insert(country);
            }
        }
        map
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_found_by_code_name_and_common_name_in_either_language() {
        let code = |s: &str| Country::parse(s).map(|c| c.code());
        for (s, want) in [
            ("AU", "AU"),
            ("aus", "AU"),
            ("Australia", "AU"),
            ("澳大利亚", "AU"),
            ("澳洲", "AU"),
            ("USA", "US"),
            ("U.S.A.", "US"),
            ("United States of America", "US"),
            ("美国", "US"),
            ("UK", "GB"),
            ("England", "GB"),
            ("United Kingdom of Great Britain and Northern Ireland", "GB"),
            ("Deutschland", "DE"),
            ("德国", "DE"),
            ("Korea (Republic of)", "KR"),
            ("South Korea", "KR"),
            ("The Netherlands", "NL"),
            ("Türkiye", "TR"),
            ("Cote d'Ivoire", "CI"),
            ("中国", "CN"),
            ("中华人民共和国", "CN"),
            ("ＣＮ", "CN"),
            ("香港", "HK"),
            ("Macau", "MO"),
            ("日本", "JP"),
        ] {
            assert_eq!(code(s), Ok(want), "{s}");
        }
        for s in ["", "Atlantis", "火星", "XX", &"a".repeat(500)] {
            assert_eq!(code(s), Err(Code::InvalidCountry), "{s}");
        }
    }

    #[test]
    fn every_country_has_names_in_both_languages_and_a_stable_code() {
        assert_eq!(Country::all().count(), 249);
        for c in Country::all() {
            assert_eq!(Country::from_code(c.code()), Some(c));
            assert_eq!(Country::parse(c.name(Lang::En)), Ok(c), "{}", c.code());
            assert_eq!(Country::parse(c.name(Lang::ZhCn)), Ok(c), "{}", c.code());
            assert!(
                rust_iso3166::from_alpha2(c.code()).is_some(),
                "{}",
                c.code()
            );
        }
        assert_eq!(Country::CN.code(), "CN");
        assert_eq!(Country::from_code("cn"), None);
    }
}
