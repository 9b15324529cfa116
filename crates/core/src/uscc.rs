//! 统一社会信用代码, the Unified Social Credit Code every organisation in
//! mainland China is registered under (GB 32100-2015).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::fold_char;
use crate::Code;

/// A code whose format and check character have been verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

/// The code's alphabet: digits and capitals without I, O, S, V and Z, which
/// are too easily mistaken for digits. A character's value is its index.
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const LEN: usize = 18;

fn value(c: char) -> Option<u32> {
    CHARSET.find(c).map(|i| i as u32)
}

/// The check character for the first 17 characters of a code, or `None` when
/// they are not 17 characters of the code's alphabet.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != WEIGHTS.len() {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.chars().nth(check as usize)
}

impl Uscc {
    /// Accepts full-width characters, lower case, spaces and dashes, as codes
    /// are often copied from scanned licences or typed in groups.
    pub fn parse(s: &str) -> Result<Uscc, Code> {
        let code: String = s
            .chars()
            .map(fold_char)
            .filter(|c| !c.is_whitespace() && *c != '-')
            .take(LEN + 1)
            .flat_map(char::to_uppercase)
            .collect();
        if code.chars().count() != LEN || !code.chars().all(|c| value(c).is_some()) {
            return Err(Code::InvalidUscc);
        }
        // Characters 3–8 are the administrative division code, always digits.
        if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err(Code::InvalidUscc);
        }
        if check_char(&code[..17]) != code[17..].chars().next() {
            return Err(Code::UsccChecksum);
        }
        Ok(Uscc(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit GB/T 2260 administrative division code (characters 3–8).
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        Uscc::parse(s)
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Uscc::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published codes of real companies, checked against the algorithm.
    const REAL: [&str; 5] = [
        "91350100M000100Y43",
        "91440300708461136T",
        "914403001922038216",
        "91310000MA1FL1MMXL",
        "91110108551385082Q",
    ];

    #[test]
    fn real_codes_are_accepted() {
        for code in REAL {
            assert_eq!(
                Uscc::parse(code).map(|u| u.0),
                Ok(code.to_owned()),
                "{code}"
            );
        }
        let u = Uscc::parse("91440300708461136T").unwrap();
        assert_eq!(u.division_code(), "440300");
        assert_eq!(u.to_string(), "91440300708461136T");
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"91440300708461136T\"");
    }

    #[test]
    fn codes_are_normalised() {
        let want = Ok("91350100M000100Y43".to_owned());
        assert_eq!(Uscc::parse(" 91350100m000100y43 ").map(|u| u.0), want);
        assert_eq!(Uscc::parse("9135 0100 M000 100Y 43").map(|u| u.0), want);
        assert_eq!(Uscc::parse("913501-00M000-100Y43").map(|u| u.0), want);
        assert_eq!(
            Uscc::parse("９１３５０１００Ｍ０００１００Ｙ４３").map(|u| u.0),
            want
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        for s in [
            "",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100M000100I43",
            "91350100M000100O43",
            "9135010OM000100Y43",
            "91A50100M000100Y43",
            "91350100M000100Y4?",
            "9135０100M000100Y43ß",
        ] {
            assert_eq!(Uscc::parse(s), Err(Code::InvalidUscc), "{s}");
        }
        assert_eq!(Uscc::parse("911100001000000007"), Err(Code::UsccChecksum));
        assert_eq!(Uscc::parse("91350100M000100Y44"), Err(Code::UsccChecksum));
    }

    #[test]
    fn check_char_needs_seventeen_characters() {
        assert_eq!(check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(check_char("91350100M000100Y"), None);
        assert_eq!(check_char("91350100M000100Y43"), None);
        assert_eq!(check_char("91350100M000100I4"), None);
    }

    fn valid_code() -> impl Strategy<Value = String> {
        "[1-9A-GY][1-9Y][0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}"
            .prop_map(|first| format!("{first}{}", check_char(&first).unwrap()))
    }

    proptest! {
        #[test]
        fn constructed_codes_are_accepted_and_round_trip(code in valid_code()) {
            let u = Uscc::parse(&code).unwrap();
            prop_assert_eq!(u.as_str(), code.as_str());
            prop_assert_eq!(Uscc::parse(&u.to_string()), Ok(u.clone()));
            prop_assert_eq!(Uscc::parse(&code.to_lowercase()), Ok(u));
        }

        #[test]
        fn one_changed_character_is_refused(code in valid_code(), at in 0usize..18, shift in 1usize..36) {
            const ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
            let mut changed: Vec<char> = code.chars().collect();
            let old = ALPHABET.find(changed[at]).unwrap();
            changed[at] = ALPHABET.as_bytes()[(old + shift) % ALPHABET.len()] as char;
            let changed: String = changed.into_iter().collect();
            prop_assert!(Uscc::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Uscc::parse(&s);
        }
    }
}
