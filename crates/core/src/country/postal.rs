//! Postal code patterns of the countries whose codes have one fixed shape.
//! A pattern is written as the code is displayed: `9` a digit, `A` a
//! letter, `X` a letter or digit, any other character a separator that
//! people may leave out or write differently.

use super::Country;
use crate::region::PostalCode;
use crate::text::fold_char;
use crate::Code;

/// The longest postal code of any country, written with spaces.
const MAX_CHARS: usize = 20;

/// `(countries, patterns)`.
const PATTERNS: &[(&[&str], &[&str])] = &[
    (
        &[
            "AT", "AU", "BE", "BG", "CH", "CY", "DK", "GE", "HU", "LI", "LU", "MK", "NO", "NZ",
            "PH", "SI", "TN", "ZA",
        ],
        &["9999"],
    ),
    (
        &[
            "DE", "DZ", "EE", "EG", "ES", "FI", "FR", "HR", "ID", "IT", "KR", "KW", "LK", "MA",
            "ME", "MX", "MY", "PK", "SA", "TH", "TR", "UA",
        ],
        &["99999"],
    ),
    (
        &["BY", "IN", "KG", "KZ", "RO", "RU", "SG", "TJ", "UZ", "VN"],
        &["999999"],
    ),
    (&["IL", "CL"], &["9999999"]),
    (
        &["US", "PR", "GU", "VI", "AS", "MP"],
        &["99999", "99999-9999"],
    ),
    (&["JP"], &["999-9999"]),
    (&["BR"], &["99999-999"]),
    (&["PL"], &["99-999"]),
    (&["PT"], &["9999-999"]),
    (&["SE", "CZ", "SK", "GR"], &["999 99"]),
    (&["NL"], &["9999 AA"]),
    (&["CA"], &["A9A 9A9"]),
    (&["IE"], &["A99 XXXX", "D6W XXXX"]),
    (&["TW"], &["999", "999-99", "999-999"]),
    (&["AR"], &["9999", "A9999AAA"]),
    (
        &["GB", "GG", "JE", "IM"],
        &[
            "A9 9AA", "A99 9AA", "A9A 9AA", "AA9 9AA", "AA99 9AA", "AA9A 9AA",
        ],
    ),
];

fn patterns(country: Country) -> Option<&'static [&'static str]> {
    PATTERNS
        .iter()
        .find(|(codes, _)| codes.contains(&country.code()))
        .map(|(_, p)| *p)
}

/// A place in a pattern that takes a character of the code (as opposed to
/// a separator); letters and digits other than `9`, `A` and `X` are fixed.
fn is_layout(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Lays `compact` (letters and digits only) out as `pattern`, or `None`
/// when it does not fit.
fn fit(pattern: &str, compact: &[char]) -> Option<String> {
    let slots = pattern.chars().filter(|c| is_layout(*c)).count();
    if slots != compact.len() {
        return None;
    }
    let mut out = String::with_capacity(pattern.len());
    let mut given = compact.iter();
    for p in pattern.chars() {
        if !is_layout(p) {
            out.push(p);
            continue;
        }
        let c = *given.next()?;
        let ok = match p {
            '9' => c.is_ascii_digit(),
            'A' => c.is_ascii_uppercase(),
            'X' => c.is_ascii_alphanumeric(),
            // Dublin's D6W.
            fixed => c == fixed,
        };
        if !ok {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// A postal code checked against `country`'s pattern where one is known,
/// in the country's own layout (`SW1A 1AA`, `123-4567`, `12345-6789`);
/// taken as written (at most 20 characters) where not.
pub fn postal_code(country: Country, raw: &str) -> Result<String, Code> {
    if country.is_china() {
        return PostalCode::parse(raw).map(|p| p.as_str().to_owned());
    }
    let trimmed = raw.trim();
    if trimmed.chars().count() > MAX_CHARS {
        return Err(Code::TooLong { max: MAX_CHARS });
    }
    let Some(patterns) = patterns(country) else {
        return Ok(trimmed.to_owned());
    };
    let compact: Vec<char> = trimmed
        .chars()
        .map(fold_char)
        .filter(|c| !matches!(c, '〒' | '-' | ' ' | '.' | '\u{2010}'..='\u{2015}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    // Digits of a number-only code that a spreadsheet read as a number
    // lose their leading zeros; such a value is not guessed back.
    patterns
        .iter()
        .find_map(|p| fit(p, &compact))
        .ok_or(Code::PostalCodeIn(country))
}

/// What a postal code of `country` looks like, for messages: `1234`,
/// `A1B 2C3`; `None` where any text goes.
pub fn postal_example(country: Country) -> Option<String> {
    let shown: Vec<String> = patterns(country)?
        .iter()
        .take(2)
        .map(|p| {
            let (mut digit, mut letter) = (0u8, 0u8);
            p.chars()
                .map(|c| match c {
                    '9' => {
                        digit = digit % 9 + 1;
                        char::from(b'0' + digit)
                    }
                    'A' | 'X' => {
                        letter = (letter + 1) % 26;
                        char::from(b'A' + letter - 1)
                    }
                    other => other,
                })
                .collect()
        })
        .collect();
    Some(shown.join(" / "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(code: &str) -> Country {
        Country::from_code(code).unwrap()
    }

    #[test]
    fn postal_codes_follow_each_countrys_pattern() {
        let ok = |country: &str, raw: &str, want: &str| {
            assert_eq!(
                postal_code(c(country), raw).as_deref(),
                Ok(want),
                "{country} {raw}"
            );
        };
        ok("AU", "2000", "2000");
        ok("AU", " 0800 ", "0800");
        ok("US", "94105", "94105");
        ok("US", "94105-1234", "94105-1234");
        ok("US", "941051234", "94105-1234");
        ok("GB", "sw1a1aa", "SW1A 1AA");
        ok("GB", "M1 1AE", "M1 1AE");
        ok("GB", "EC1A 1BB", "EC1A 1BB");
        ok("DE", "80331", "80331");
        ok("JP", "〒100-0001", "100-0001");
        ok("JP", "1000001", "100-0001");
        ok("CA", "k1a0b1", "K1A 0B1");
        ok("NL", "1012 ab", "1012 AB");
        ok("IE", "D6W 1234", "D6W 1234");
        ok("CN", "100080", "100080");
        // No known pattern: taken as written.
        ok("HK", "999077", "999077");
        ok("NG", "Lagos 100001", "Lagos 100001");
        let bad = |country: &str, raw: &str| {
            assert_eq!(
                postal_code(c(country), raw),
                Err(Code::PostalCodeIn(c(country))),
                "{country} {raw}"
            );
        };
        bad("AU", "200");
        bad("AU", "20000");
        bad("AU", "100080");
        bad("US", "9410");
        bad("GB", "12345");
        bad("DE", "8033");
        bad("JP", "100-001");
        bad("CA", "123 456");
        assert_eq!(
            postal_code(Country::CN, "2000"),
            Err(Code::InvalidPostalCode)
        );
        assert_eq!(
            postal_code(c("NG"), &"9".repeat(21)),
            Err(Code::TooLong { max: 20 })
        );
    }

    #[test]
    fn examples_show_the_layout() {
        assert_eq!(postal_example(c("AU")).as_deref(), Some("1234"));
        assert_eq!(postal_example(c("CA")).as_deref(), Some("A1B 2C3"));
        assert_eq!(
            postal_example(c("US")).as_deref(),
            Some("12345 / 12345-6789")
        );
        assert_eq!(postal_example(c("HK")), None);
    }

    proptest! {
        #[test]
        fn a_normalised_code_is_accepted_again_unchanged(raw in "[0-9A-Za-z -]{0,12}", i in 0usize..249) {
            let country = Country::all().nth(i).unwrap();
            if let Ok(code) = postal_code(country, &raw) {
                prop_assert_eq!(postal_code(country, &code), Ok(code.clone()));
            }
        }
    }
}
