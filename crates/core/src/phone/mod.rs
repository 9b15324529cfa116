//! Phone numbers as people write them in China: mainland mobiles, mainland
//! landlines with area codes and extensions, and international numbers.
//! Records of other countries are read with their own numbering plan
//! ([`plan`]).

mod plan;

pub use plan::{display, mobile_in, national_digits, phone_in};

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::{fold_char, fold_width};
use crate::Code;

/// A mainland mobile number: 11 digits starting 13–19, stored bare.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mobile(String);

/// A mainland landline: area code with its leading 0, local number and an
/// optional extension.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Landline {
    area: String,
    number: String,
    ext: Option<String>,
}

/// A number outside mainland China in E.164 form (`+` and 8–15 digits),
/// with its extension after `;ext=` (RFC 3966) when it has one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntlPhone(String);

/// Any phone number kehu accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phone {
    Mobile(Mobile),
    Landline(Landline),
    Intl(IntlPhone),
}

/// Bounds the work done on hostile input; no real number has this many digits.
const MAX_DIGITS: usize = 24;

/// The digits of a number and where the writer broke them into groups; the
/// groups are what tells "021-12345678-123" apart from a longer number.
struct Scan {
    plus: bool,
    digits: String,
    breaks: Vec<usize>,
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '(' | ')' | '[' | ']' | '/' | '\u{2010}'..='\u{2015}' | '\u{2212}'
        )
}

/// `None` when anything but digits, separators and one leading `+` appears.
fn scan(s: &str) -> Option<Scan> {
    let mut out = Scan {
        plus: false,
        digits: String::new(),
        breaks: Vec::new(),
    };
    for c in s.chars().map(fold_char) {
        if c.is_ascii_digit() {
            if out.digits.len() >= MAX_DIGITS {
                return None;
            }
            out.digits.push(c);
        } else if c == '+' && out.digits.is_empty() && !out.plus {
            out.plus = true;
        } else if is_separator(c) {
            let at = out.digits.len();
            if at > 0 && out.breaks.last() != Some(&at) {
                out.breaks.push(at);
            }
        } else {
            return None;
        }
    }
    Some(out)
}

/// The national part of a number that may carry China's country code.
fn mainland_mobile_digits(scan: &Scan) -> Option<&str> {
    let d = scan.digits.as_str();
    if scan.plus {
        d.strip_prefix("86")
    } else if d.len() == 15 {
        d.strip_prefix("0086")
    } else if d.len() == 13 {
        d.strip_prefix("86")
    } else {
        Some(d)
    }
}

fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

impl Mobile {
    pub fn parse(s: &str) -> Result<Mobile, Code> {
        let scan = scan(s).ok_or(Code::InvalidMobile)?;
        match mainland_mobile_digits(&scan) {
            Some(d) if is_mobile(d) => Ok(Mobile(d.to_owned())),
            _ => Err(Code::InvalidMobile),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: enough to recognise a number without disclosing it.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Where an extension starts, written out: 转, 分机, ext, x or #.
const EXT_MARKERS: [&str; 6] = ["分机号", "分机", "转", "ext", "x", "#"];

/// Splits "number<marker>ext"; the extension is `None` when no marker appears.
fn split_extension(s: &str) -> Result<(&str, Option<String>), Code> {
    let found = EXT_MARKERS
        .iter()
        .filter_map(|m| s.find(m).map(|at| (at, m.len())))
        .min_by_key(|&(at, len)| (at, std::cmp::Reverse(len)));
    let Some((at, len)) = found else {
        return Ok((s, None));
    };
    let ext: String = s[at + len..]
        .trim_start_matches(|c: char| c == '.' || c == ':' || is_separator(c))
        .trim_end()
        .to_owned();
    if (1..=6).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_digit()) {
        Ok((&s[..at], Some(ext)))
    } else {
        Err(Code::InvalidPhone)
    }
}

impl Landline {
    pub fn parse(s: &str) -> Result<Landline, Code> {
        let bad = Code::InvalidPhone;
        let folded = fold_width(s).to_lowercase();
        let (main, mut ext) = split_extension(&folded)?;
        let scan = scan(main).ok_or(bad.clone())?;
        let d = scan.digits.as_str();
        // A national number always starts with 0, so a leading 86 can only be
        // the country code.
        let (rest, cut) = if scan.plus {
            (d.strip_prefix("86").ok_or(bad.clone())?, 2)
        } else if let Some(r) = d.strip_prefix("0086") {
            (r, 4)
        } else if let Some(r) = d.strip_prefix("86") {
            (r, 2)
        } else {
            (d, 0)
        };
        let (national, shift) = match (rest.starts_with('0'), cut) {
            (true, _) => (rest.to_owned(), 0),
            (false, c) if c > 0 => (format!("0{rest}"), 1),
            _ => return Err(bad),
        };
        let area_len = match national.as_bytes().get(1..3) {
            Some([b'1', b'0']) | Some([b'2', _]) => 3,
            Some([b'3'..=b'9', _]) => 4,
            _ => return Err(bad),
        };
        if national.len() <= area_len || national.as_bytes()[area_len] == b'0' {
            return Err(bad);
        }
        // An extension written after a plain separator, "021-12345678-123":
        // only the writer's grouping tells it apart from the number.
        let split_at = scan
            .breaks
            .iter()
            .filter_map(|&b| (b + shift).checked_sub(cut))
            .filter(|&b| {
                b > area_len
                    && (7..=8).contains(&(b - area_len))
                    && (1..=6).contains(&(national.len() - b))
            })
            .max();
        let number_end = match (split_at, &ext) {
            (Some(end), None) => {
                ext = Some(national[end..].to_owned());
                end
            }
            _ if (7..=8).contains(&(national.len() - area_len)) => national.len(),
            _ => return Err(bad),
        };
        Ok(Landline {
            area: national[..area_len].to_owned(),
            number: national[area_len..number_end].to_owned(),
            ext,
        })
    }

    /// The area code with its leading 0, e.g. `010`.
    pub fn area(&self) -> &str {
        &self.area
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    pub fn ext(&self) -> Option<&str> {
        self.ext.as_deref()
    }

    /// `010-12345678` or `010-12345678-123`.
    pub fn as_str(&self) -> String {
        match &self.ext {
            Some(ext) => format!("{}-{}-{}", self.area, self.number, ext),
            None => format!("{}-{}", self.area, self.number),
        }
    }

    /// `010-****5678`; the extension is left out as it only matters for dialling.
    pub fn masked(&self) -> String {
        let hidden = self.number.len().saturating_sub(4);
        format!(
            "{}-{}{}",
            self.area,
            "*".repeat(hidden),
            &self.number[hidden..]
        )
    }
}

/// What separates an international number from its extension as stored.
const EXT_TAG: &str = ";ext=";

impl IntlPhone {
    pub fn parse(s: &str) -> Result<IntlPhone, Code> {
        let (number, ext) = match s.split_once(EXT_TAG) {
            Some((n, e)) if (1..=6).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_digit()) => {
                (n, Some(e))
            }
            Some(_) => return Err(Code::InvalidPhone),
            None => (s, None),
        };
        // "+44 (0)20 …": the bracketed trunk prefix is only dialled at home.
        let folded = fold_width(number).replace("(0)", " ");
        let scan = scan(&folded).ok_or(Code::InvalidPhone)?;
        let d = if scan.plus {
            scan.digits.as_str()
        } else {
            scan.digits.strip_prefix("00").ok_or(Code::InvalidPhone)?
        };
        if !(8..=15).contains(&d.len()) || d.starts_with('0') || d.starts_with("86") {
            return Err(Code::InvalidPhone);
        }
        Ok(IntlPhone(match ext {
            Some(ext) => format!("+{d}{EXT_TAG}{ext}"),
            None => format!("+{d}"),
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number without its extension.
    fn number(&self) -> &str {
        self.0.split_once(EXT_TAG).map_or(&self.0, |(n, _)| n)
    }

    /// `+44******0958`: country code and the last four digits.
    pub fn masked(&self) -> String {
        let number = self.number();
        let hidden = number.len() - 7;
        format!(
            "{}{}{}",
            &number[..3],
            "*".repeat(hidden),
            &number[3 + hidden..]
        )
    }
}

impl Phone {
    /// Tries a mobile, then a landline, then an international number.
    pub fn parse(s: &str) -> Result<Phone, Code> {
        if let Ok(m) = Mobile::parse(s) {
            return Ok(Phone::Mobile(m));
        }
        if let Ok(l) = Landline::parse(s) {
            return Ok(Phone::Landline(l));
        }
        if let Ok(i) = IntlPhone::parse(s) {
            return Ok(Phone::Intl(i));
        }
        // Eleven digits starting with 1 were meant as a mobile; saying so is
        // more helpful than a generic complaint.
        let meant_mobile = scan(s)
            .as_ref()
            .and_then(mainland_mobile_digits)
            .is_some_and(|d| d.len() == 11 && d.starts_with('1'));
        Err(if meant_mobile {
            Code::InvalidMobile
        } else {
            Code::InvalidPhone
        })
    }

    pub fn as_str(&self) -> String {
        match self {
            Phone::Mobile(m) => m.as_str().to_owned(),
            Phone::Landline(l) => l.as_str(),
            Phone::Intl(i) => i.as_str().to_owned(),
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Phone::Mobile(m) => m.masked(),
            Phone::Landline(l) => l.masked(),
            Phone::Intl(i) => i.masked(),
        }
    }

    /// Every digit of the normalised form, so a fragment such as "5678" or
    /// "01012" finds the number however it was written.
    pub fn digits(&self) -> String {
        match self {
            Phone::Intl(i) => i.number().chars().filter(char::is_ascii_digit).collect(),
            _ => self.as_str().chars().filter(char::is_ascii_digit).collect(),
        }
    }
}

macro_rules! text_value {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_str())
            }
        }

        impl FromStr for $t {
            type Err = Code;
            fn from_str(s: &str) -> Result<Self, Code> {
                <$t>::parse(s)
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$t>::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
            }
        }
    };
}

text_value!(Mobile);
text_value!(Landline);
text_value!(IntlPhone);
text_value!(Phone);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mobile(s: &str) -> Result<String, Code> {
        Mobile::parse(s).map(|m| m.as_str().to_owned())
    }

    fn landline(s: &str) -> Result<String, Code> {
        Landline::parse(s).map(|l| l.as_str())
    }

    #[test]
    fn mobiles_are_accepted_in_the_usual_spellings() {
        for s in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "138.1234.5678",
            "+86 138 1234 5678",
            "+86-13812345678",
            "(+86)13812345678",
            "（＋８６）１３８１２３４５６７８",
            "0086 13812345678",
            "8613812345678",
            "[86] 138-1234-5678",
            " 13812345678 ",
        ] {
            assert_eq!(mobile(s), Ok("13812345678".into()), "{s}");
        }
    }

    #[test]
    fn bad_mobiles_are_refused() {
        for s in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "23812345678",
            "+1 13812345678",
            "138a2345678",
            "1381234567８x",
            "86+13812345678",
            "++8613812345678",
            "008613812345678 1",
        ] {
            assert_eq!(mobile(s), Err(Code::InvalidMobile), "{s}");
        }
    }

    #[test]
    fn mobile_masking_and_display() {
        let m = Mobile::parse("+86 13812345678").unwrap();
        assert_eq!(m.masked(), "138****5678");
        assert_eq!(m.to_string(), "13812345678");
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"13812345678\"");
        let back: Mobile = serde_json::from_str("\"138-1234-5678\"").unwrap();
        assert_eq!(back, m);
        assert!(serde_json::from_str::<Mobile>("\"12345\"").is_err());
    }

    #[test]
    fn landlines_are_accepted_in_the_usual_spellings() {
        let cases = [
            ("010-12345678", "010-12345678"),
            ("(010)12345678", "010-12345678"),
            ("（０１０）１２３４５６７８", "010-12345678"),
            ("01012345678", "010-12345678"),
            ("0755 8888 6666", "0755-88886666"),
            ("0755-8888666", "0755-8888666"),
            ("+86 10 12345678", "010-12345678"),
            ("+86 (0)10 12345678", "010-12345678"),
            ("0086-21-12345678", "021-12345678"),
            ("86 571 8888 6666", "0571-88886666"),
            ("021-12345678-123", "021-12345678-123"),
            ("021 1234 5678 123", "021-12345678-123"),
            ("021-12345678 转 123", "021-12345678-123"),
            ("021-12345678转123", "021-12345678-123"),
            ("021-12345678 分机 8001", "021-12345678-8001"),
            ("021-12345678 ext. 123", "021-12345678-123"),
            ("021-12345678 EXT 123", "021-12345678-123"),
            ("021-12345678 x123", "021-12345678-123"),
            ("021-12345678#123", "021-12345678-123"),
            ("0431-1234567-12", "0431-1234567-12"),
            ("010-2345678-9", "010-2345678-9"),
            ("010-23456789", "010-23456789"),
        ];
        for (input, want) in cases {
            assert_eq!(landline(input), Ok(want.into()), "{input}");
        }
    }

    #[test]
    fn bad_landlines_are_refused() {
        for s in [
            "",
            "12345678",
            "010-123456",
            "010-123456789",
            "011-12345678",
            "001-12345678",
            "010-02345678",
            "021-12345678 转",
            "021-12345678 转 1234567",
            "021-12345678 ext abc",
            "+1 212 555 1234",
            "021-1234-5678-1234567",
        ] {
            assert!(landline(s).is_err(), "{s}");
        }
        // A trailing separator alone is not an extension.
        assert_eq!(landline("021-12345678-"), Ok("021-12345678".into()));
    }

    #[test]
    fn landline_parts_and_masking() {
        let l = Landline::parse("010-12345678-123").unwrap();
        assert_eq!(
            (l.area(), l.number(), l.ext()),
            ("010", "12345678", Some("123"))
        );
        assert_eq!(l.masked(), "010-****5678");
        assert_eq!(
            Landline::parse("0431-1234567").unwrap().masked(),
            "0431-***4567"
        );
    }

    #[test]
    fn international_numbers() {
        let cases = [
            ("+44 20 7946 0958", "+442079460958"),
            ("+44 (0)20 7946 0958", "+442079460958"),
            ("0044 20 7946 0958", "+442079460958"),
            ("+1 (415) 555-2671", "+14155552671"),
            ("+852 2123 4567", "+85221234567"),
            ("＋８５３ ２８１２ ３４５６", "+85328123456"),
        ];
        for (input, want) in cases {
            assert_eq!(
                IntlPhone::parse(input).map(|p| p.0),
                Ok(want.into()),
                "{input}"
            );
        }
        for s in [
            "+86 10 12345678",
            "44 20 7946 0958",
            "+0 123 4567 890",
            "+1234567",
            "+1234567890123456",
        ] {
            assert_eq!(IntlPhone::parse(s), Err(Code::InvalidPhone), "{s}");
        }
        assert_eq!(
            IntlPhone::parse("+44 20 7946 0958").unwrap().masked(),
            "+44******0958"
        );
    }

    #[test]
    fn phone_picks_the_right_kind_and_error() {
        assert!(matches!(Phone::parse("13812345678"), Ok(Phone::Mobile(_))));
        assert!(matches!(
            Phone::parse("010-12345678"),
            Ok(Phone::Landline(_))
        ));
        assert!(matches!(
            Phone::parse("+1 415 555 2671"),
            Ok(Phone::Intl(_))
        ));
        assert_eq!(Phone::parse("12812345678"), Err(Code::InvalidMobile));
        assert_eq!(Phone::parse("+86 128 1234 5678"), Err(Code::InvalidMobile));
        assert_eq!(Phone::parse("12345"), Err(Code::InvalidPhone));
        assert_eq!(Phone::parse("hello"), Err(Code::InvalidPhone));
        let l = Phone::parse("021-12345678 转 123").unwrap();
        assert_eq!(l.as_str(), "021-12345678-123");
        assert_eq!(l.digits(), "02112345678123");
        assert_eq!(l.masked(), "021-****5678");
        assert_eq!(
            Phone::parse("+44 20 7946 0958").unwrap().digits(),
            "442079460958"
        );
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, "\"021-12345678-123\"");
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), l);
    }

    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
                _ => c,
            })
            .collect()
    }

    fn spell(digits: &str, seps: &[usize]) -> String {
        const SEPS: [&str; 4] = ["", " ", "-", "."];
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            out.push(c);
            if i + 1 < digits.len() {
                out.push_str(SEPS[seps.get(i).copied().unwrap_or(0) % 4]);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn any_spelling_of_a_mobile_parses_back(
            digits in "1[3-9][0-9]{9}",
            prefix in prop::sample::select(vec!["", "+86", "+86 ", "+86-", "0086 ", "86", "86 ", "(+86)", "(+86) ", "[86]"]),
            seps in prop::collection::vec(0usize..4, 10),
            wide in any::<bool>(),
        ) {
            let mut s = format!("{prefix}{}", spell(&digits, &seps));
            if wide {
                s = full_width(&s);
            }
            prop_assert_eq!(Mobile::parse(&s).map(|m| m.0), Ok(digits.clone()));
            prop_assert_eq!(Phone::parse(&s), Ok(Phone::Mobile(Mobile(digits))));
        }

        #[test]
        fn any_spelling_of_a_landline_parses_back(
            area in prop::sample::select(vec!["010", "020", "021", "029", "0755", "0571", "0431", "0991"]),
            number in "[2-9][0-9]{6,7}",
            ext in prop::option::of("[0-9]{1,6}"),
            style in 0usize..6,
            wide in any::<bool>(),
        ) {
            let main = match style {
                0 => format!("{area}-{number}"),
                1 => format!("({area}){number}"),
                2 => format!("+86 {} {number}", &area[1..]),
                3 => format!("{area} {} {}", &number[..4], &number[4..]),
                4 => format!("0086-{}-{number}", &area[1..]),
                _ => format!("{area}{number}"),
            };
            let s = match &ext {
                Some(e) if style % 2 == 0 => format!("{main}-{e}"),
                Some(e) => format!("{main} 转 {e}"),
                None => main,
            };
            let s = if wide { full_width(&s) } else { s };
            let want = Landline { area: area.to_owned(), number, ext };
            prop_assert_eq!(Landline::parse(&s), Ok(want.clone()));
            prop_assert_eq!(Phone::parse(&s), Ok(Phone::Landline(want)));
        }

        #[test]
        fn normalised_forms_parse_back_to_the_same_phone(s in "[+0-9 ()-]{0,24}") {
            if let Ok(p) = Phone::parse(&s) {
                prop_assert_eq!(Phone::parse(&p.as_str()), Ok(p.clone()));
                prop_assert_eq!(Phone::parse(&p.to_string()), Ok(p.clone()));
                let masked = p.masked();
                prop_assert!(masked.contains('*'));
                prop_assert!(Phone::parse(&masked).is_err());
            }
        }

        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            let _ = Mobile::parse(&s);
            let _ = Landline::parse(&s);
            let _ = IntlPhone::parse(&s);
            if let Ok(p) = Phone::parse(&s) {
                let _ = (p.masked(), p.digits());
            }
        }

        #[test]
        fn phone_like_junk_never_panics(s in "[+0-9 ()#x转分机ext.-]{0,30}") {
            if let Ok(p) = Phone::parse(&s) {
                prop_assert_eq!(Phone::parse(&p.as_str()), Ok(p));
            }
        }
    }
}
