//! 居民身份证号码, the 18-character mainland resident ID number (GB 11643-1999).
//!
//! The number is personal data: `Debug` shows it masked so it cannot leak
//! into logs by accident, and callers should show [`ResidentId::masked`].

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::fold_char;
use crate::Code;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId {
    number: String,
    birth: NaiveDate,
}

const LEN: usize = 18;
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";
/// Fixed bounds keep parsing pure: the same input is judged the same way on
/// any day, and no one living was born before 1900.
const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2100;

/// The check character for the first 17 digits, or `None` when they are not
/// 17 ASCII digits.
pub fn check_char(first17: &str) -> Option<char> {
    let b = first17.as_bytes();
    if b.len() != WEIGHTS.len() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

impl ResidentId {
    /// Accepts full-width characters, a lower-case x and spaces or dashes
    /// between groups.
    pub fn parse(s: &str) -> Result<ResidentId, Code> {
        let bad = Code::InvalidResidentId;
        let number: String = s
            .chars()
            .map(fold_char)
            .filter(|c| !c.is_whitespace() && *c != '-')
            .take(LEN + 1)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = number.as_bytes();
        if b.len() != LEN
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
            || !(b'1'..=b'8').contains(&b[0])
        {
            return Err(bad);
        }
        let field = |r: std::ops::Range<usize>| number[r].parse::<u32>().ok();
        let birth = match (field(6..10), field(10..12), field(12..14)) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
            _ => None,
        }
        .filter(|d| (MIN_YEAR..=MAX_YEAR).contains(&d.year()))
        .ok_or(bad)?;
        if check_char(&number[..17]) != Some(char::from(b[17])) {
            return Err(Code::ResidentIdChecksum);
        }
        Ok(ResidentId { number, birth })
    }

    /// The full number. Store it, never display it: use [`Self::masked`].
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// `110***********002X`: the province and the last four characters,
    /// which is how Chinese forms confirm an ID without disclosing it.
    pub fn masked(&self) -> String {
        format!(
            "{}{}{}",
            &self.number[..3],
            "*".repeat(11),
            &self.number[14..]
        )
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// The six-digit GB/T 2260 division code of the place of first registration.
    pub fn division_code(&self) -> &str {
        &self.number[..6]
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

impl FromStr for ResidentId {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        ResidentId::parse(s)
    }
}

impl Serialize for ResidentId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.number)
    }
}

impl<'de> Deserialize<'de> for ResidentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ResidentId::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The worked example of GB 11643-1999 and one constructed number.
    const GB_EXAMPLE: &str = "11010519491231002X";
    const OTHER: &str = "110101199003074258";

    #[test]
    fn valid_numbers_are_accepted() {
        let id = ResidentId::parse(GB_EXAMPLE).unwrap();
        assert_eq!(id.as_str(), GB_EXAMPLE);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.division_code(), "110105");
        assert_eq!(id.masked(), "110***********002X");
        let other = ResidentId::parse(OTHER).unwrap();
        assert_eq!(
            other.birth_date(),
            NaiveDate::from_ymd_opt(1990, 3, 7).unwrap()
        );
    }

    #[test]
    fn spellings_are_normalised() {
        let want = Ok(GB_EXAMPLE.to_owned());
        let parse = |s: &str| ResidentId::parse(s).map(|id| id.number);
        assert_eq!(parse("11010519491231002x"), want);
        assert_eq!(parse(" 110105 19491231 002X "), want);
        assert_eq!(parse("１１０１０５１９４９１２３１００２ｘ"), want);
        assert_eq!(parse("110105-19491231-002X"), want);
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for s in [
            "",
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100XX",
            "A1010519491231002X",
            "01010519491231002X",
            "91010519491231002X",
            "11010518991231002X",
            "11010521010101002X",
            "11010519490230002X",
            "11010519491301002X",
            "11010519491200002X",
        ] {
            assert_eq!(
                ResidentId::parse(s).map(|_| ()),
                Err(Code::InvalidResidentId),
                "{s}"
            );
        }
        assert_eq!(
            ResidentId::parse("110105194912310021").map(|_| ()),
            Err(Code::ResidentIdChecksum)
        );
    }

    #[test]
    fn debug_does_not_leak_the_number() {
        let id = ResidentId::parse(GB_EXAMPLE).unwrap();
        let shown = format!("{id:?} {:?}", Some(&id));
        assert!(!shown.contains(GB_EXAMPLE));
        assert!(!shown.contains("19491231"));
        assert!(shown.contains("110***********002X"));
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            format!("\"{GB_EXAMPLE}\"")
        );
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (
            "[1-8][0-9]{5}",
            1900i32..=2100,
            1u32..=12,
            1u32..=31,
            "[0-9]{3}",
        )
            .prop_filter_map("real date", |(area, y, m, d, seq)| {
                NaiveDate::from_ymd_opt(y, m, d)?;
                let first = format!("{area}{y:04}{m:02}{d:02}{seq}");
                Some(format!("{first}{}", check_char(&first)?))
            })
    }

    proptest! {
        #[test]
        fn constructed_numbers_round_trip(id in valid_id()) {
            let parsed = ResidentId::parse(&id).unwrap();
            prop_assert_eq!(parsed.as_str(), id.as_str());
            prop_assert_eq!(ResidentId::parse(&id.to_lowercase()), Ok(parsed.clone()));
            prop_assert_eq!(parsed.birth_date().format("%Y%m%d").to_string(), &id[6..14]);
            let shown = format!("{:?}", parsed);
            prop_assert!(!shown.contains(&id[3..14]));
        }

        #[test]
        fn one_changed_character_is_refused(id in valid_id(), at in 0usize..18, shift in 1usize..11) {
            const ALPHABET: &str = "0123456789X";
            let mut changed: Vec<char> = id.chars().collect();
            let old = ALPHABET.find(changed[at]).unwrap();
            changed[at] = ALPHABET.as_bytes()[(old + shift) % ALPHABET.len()] as char;
            let changed: String = changed.into_iter().collect();
            prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(id) = ResidentId::parse(&s) {
                let _ = (id.masked(), id.birth_date());
            }
        }
    }
}
