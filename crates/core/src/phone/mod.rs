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
mod tests;
