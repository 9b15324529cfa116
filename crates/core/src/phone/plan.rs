//! Numbers of every country, read with the numbering plan of the record's
//! country (libphonenumber's metadata, through the `phonenumber` crate).
//!
//! Storage: mainland Chinese numbers keep their own forms (`13812345678`,
//! `010-12345678`) wherever they are written; every other number is stored
//! in E.164 (`+61438402889`), its extension after `;ext=`.

use phonenumber::{Mode, PhoneNumber, Type};

use super::{IntlPhone, Mobile, Phone, EXT_TAG};
use crate::country::Country;
use crate::text::fold_width;
use crate::Code;

/// More characters than any way of writing one number takes, extension
/// and punctuation included; longer input is refused before it is parsed.
const MAX_CHARS: usize = 64;

/// China's country calling code.
const CHINA: u16 = 86;

fn region(country: Country) -> Option<phonenumber::country::Id> {
    country.code().parse().ok()
}

/// Whether the writer gave the country code themselves (`+61 …`,
/// `0061 …`), so that the record's country is not the number's.
fn dialled_abroad(raw: &str) -> bool {
    let folded = fold_width(raw);
    let t = folded.trim_start_matches(|c: char| c.is_whitespace() || c == '(' || c == '[');
    t.starts_with('+') || t.starts_with("00")
}

/// A valid number of `country`'s plan, or of any plan when the writer
/// dialled a country code.
fn parse_in(country: Country, raw: &str) -> Option<PhoneNumber> {
    if raw.chars().count() > MAX_CHARS {
        return None;
    }
    let folded = fold_width(raw);
    let valid = |text: &str| {
        let number = phonenumber::parse(region(country), text).ok()?;
        phonenumber::is_valid(&number).then_some(number)
    };
    valid(&folded).or_else(|| {
        // "00" dials abroad from most countries but not all (Australia
        // dials 0011); people write it whatever their own prefix is.
        let rest = folded.trim_start().strip_prefix("00")?;
        valid(&format!("+{rest}"))
    })
}

/// The number as stored, in E.164 with any extension; `None` for the few
/// valid numbers shorter than the 8 digits an international number kehu
/// stores must have (a 4-digit Luxembourg line: `+3522200`), which could
/// be neither read back nor masked.
fn e164(number: &PhoneNumber) -> Option<String> {
    let base = number.format().mode(Mode::E164).to_string();
    let stored = match number.extension() {
        Some(ext) if (1..=6).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{base}{EXT_TAG}{}", &**ext)
        }
        _ => base,
    };
    IntlPhone::parse(&stored).is_ok().then_some(stored)
}

/// A mainland number read through the plan, back in mainland storage.
fn mainland(number: &PhoneNumber) -> Result<String, Code> {
    let national = number.national().to_string();
    Phone::parse(&format!("+86 {national}")).map(|p| p.as_str())
}

/// A mobile number of a record in `country`. Chinese records keep today's
/// rule (a mainland mobile, or an international number written with its
/// country code); other records take any mobile of their country's plan,
/// or of another country when its code is written.
pub fn mobile_in(country: Country, raw: &str) -> Result<String, Code> {
    let refused = || {
        if country.is_china() {
            Code::InvalidMobile
        } else {
            Code::MobileIn(country)
        }
    };
    if country.is_china() {
        match Mobile::parse(raw) {
            Ok(m) => return Ok(m.as_str().to_owned()),
            Err(e) if !dialled_abroad(raw) => return Err(e),
            Err(_) => {}
        }
    }
    let number = parse_in(country, raw).ok_or_else(refused)?;
    if number.code().value() == CHINA {
        return Mobile::parse(&format!("+86{}", number.national()))
            .map(|m| m.as_str().to_owned())
            .map_err(|_| refused());
    }
    match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::FixedLine | Type::TollFree | Type::PremiumRate | Type::SharedCost => Err(refused()),
        _ => e164(&number).ok_or_else(refused),
    }
}

/// A phone number (landline or mobile) of a record in `country`. Chinese
/// records keep today's rules; other records take any valid number of
/// their country's plan, or of another when its code is written.
pub fn phone_in(country: Country, raw: &str) -> Result<String, Code> {
    if country.is_china() {
        return Phone::parse(raw).map(|p| p.as_str());
    }
    let number = parse_in(country, raw).ok_or(Code::PhoneIn(country))?;
    if number.code().value() == CHINA {
        return mainland(&number).map_err(|_| Code::PhoneIn(country));
    }
    e164(&number).ok_or(Code::PhoneIn(country))
}

/// A stored number as a person of the record's country reads it: in
/// national format when the number is the record's country's own
/// (`0438 402 889` on an Australian record), international otherwise
/// (`+61 438 402 889` on a Chinese one). Mainland numbers on Chinese
/// records are shown as stored.
pub fn display(stored: &str, country: Country) -> String {
    let intl = match Phone::parse(stored) {
        Ok(Phone::Intl(i)) => i,
        Ok(mainland) if !country.is_china() => {
            // A mainland number on a foreign record is dialled from abroad.
            let digits = match &mainland {
                Phone::Landline(l) => format!("{}{}", &l.area()[1..], l.number()),
                other => other.digits(),
            };
            return match phonenumber::parse(None, format!("+86{digits}")) {
                Ok(n) => with_ext(&n, Mode::International, mainland_ext(&mainland)),
                Err(_) => stored.to_owned(),
            };
        }
        _ => return stored.to_owned(),
    };
    let Ok(number) = phonenumber::parse(None, intl.number()) else {
        return stored.to_owned();
    };
    let home = number.country().id() == region(country) && !country.is_china();
    let mode = if home {
        Mode::National
    } else {
        Mode::International
    };
    let ext = intl.as_str().split_once(EXT_TAG).map(|(_, e)| e);
    with_ext(&number, mode, ext)
}

fn mainland_ext(p: &Phone) -> Option<&str> {
    match p {
        Phone::Landline(l) => l.ext(),
        _ => None,
    }
}

fn with_ext(number: &PhoneNumber, mode: Mode, ext: Option<&str>) -> String {
    let shown = number.format().mode(mode).to_string();
    match ext {
        Some(ext) => format!("{shown} ext. {ext}"),
        None => shown,
    }
}

/// The digits of a stored foreign number as dialled at home, trunk prefix
/// included (`0438402889` for `+61438402889`), so a search for what is
/// printed on a local business card finds it; `None` for mainland forms
/// and numbers whose national form adds nothing.
pub fn national_digits(stored: &str) -> Option<String> {
    let intl = IntlPhone::parse(stored).ok()?;
    let number = phonenumber::parse(None, intl.number()).ok()?;
    let national: String = number
        .format()
        .mode(Mode::National)
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let international: String = intl.number().chars().filter(char::is_ascii_digit).collect();
    (!international.ends_with(&national)).then_some(national)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(code: &str) -> Country {
        Country::from_code(code).unwrap()
    }

    #[test]
    fn foreign_mobiles_are_read_with_the_records_country_and_stored_in_e164() {
        let ok = |country: &str, raw: &str, want: &str| {
            assert_eq!(
                mobile_in(c(country), raw).as_deref(),
                Ok(want),
                "{country} {raw}"
            );
        };
        ok("AU", "0414 089 598", "+61414089598");
        ok("AU", "(04) 3840 2889", "+61438402889");
        ok("AU", "+61 406 967 183", "+61406967183");
        ok("AU", "0061 406 967 183", "+61406967183");
        ok("AU", "414089598", "+61414089598");
        ok("US", "(415) 555-2671", "+14155552671");
        ok("GB", "07911 123456", "+447911123456");
        ok("DE", "0151 23456789", "+4915123456789");
        ok("JP", "090-1234-5678", "+819012345678");
        // A mainland mobile keeps mainland storage on any record.
        ok("AU", "+86 138 1234 5678", "13812345678");
        ok("CN", "138 1234 5678", "13812345678");
        // On a Chinese record a foreign mobile needs its country code.
        ok("CN", "+61 414 089 598", "+61414089598");
        let bad = |country: &str, raw: &str, code: Code| {
            assert_eq!(mobile_in(c(country), raw), Err(code), "{country} {raw}");
        };
        bad("AU", "12", Code::MobileIn(c("AU")));
        bad("AU", "0414 089", Code::MobileIn(c("AU")));
        // A landline is not a mobile.
        bad("AU", "(02) 9374 4000", Code::MobileIn(c("AU")));
        bad("GB", "020 7946 0958", Code::MobileIn(c("GB")));
        bad("CN", "0414 089 598", Code::InvalidMobile);
        bad("CN", "12812345678", Code::InvalidMobile);
        bad("AU", &"4".repeat(65), Code::MobileIn(c("AU")));
    }

    #[test]
    fn foreign_phones_of_any_kind_are_accepted_with_extensions() {
        let ok = |country: &str, raw: &str, want: &str| {
            assert_eq!(
                phone_in(c(country), raw).as_deref(),
                Ok(want),
                "{country} {raw}"
            );
        };
        ok("AU", "(02) 9374 4000", "+61293744000");
        ok("GB", "020 7946 0958", "+442079460958");
        ok("US", "415-555-2671 ext. 123", "+14155552671;ext=123");
        ok("DE", "030 1234567", "+49301234567");
        ok("JP", "03-1234-5678", "+81312345678");
        ok("AU", "+86 10 1234 5678", "010-12345678");
        ok("CN", "010-12345678", "010-12345678");
        for (country, raw) in [
            ("US", "555-0100"),
            ("US", "(415) 555-267"),
            ("AU", "hello"),
            ("AU", "(02) 9374 400"),
            ("GB", "020 7946 095"),
            ("DE", "030 1"),
            ("JP", "03-1234-567"),
            ("JP", "+81 3 1234 5678 9999"),
        ] {
            assert_eq!(
                phone_in(c(country), raw),
                Err(Code::PhoneIn(c(country))),
                "{country} {raw}"
            );
        }
        for (country, raw) in [
            ("US", "212 555 0100 1"),
            ("DE", "0151 2345"),
            ("JP", "090-1234-567"),
        ] {
            assert_eq!(
                mobile_in(c(country), raw),
                Err(Code::MobileIn(c(country))),
                "{country} {raw}"
            );
        }
    }

    #[test]
    fn a_valid_number_too_short_to_store_is_refused() {
        // Luxembourg has four-digit lines: +352 2200 has 7 digits in all.
        assert_eq!(phone_in(c("LU"), "2200"), Err(Code::PhoneIn(c("LU"))));
        assert!(phone_in(c("LU"), "+352 27 86 22 00").is_ok());
    }

    #[test]
    fn numbers_show_national_at_home_and_international_abroad() {
        assert_eq!(display("+61438402889", c("AU")), "0438 402 889");
        assert_eq!(display("+61438402889", Country::CN), "+61 438 402 889");
        assert_eq!(display("+61438402889", c("US")), "+61 438 402 889");
        assert_eq!(
            display("+14155552671;ext=123", c("US")),
            "(415) 555-2671 ext. 123"
        );
        assert_eq!(display("13812345678", Country::CN), "13812345678");
        assert_eq!(display("13812345678", c("AU")), "+86 138 1234 5678");
        assert_eq!(display("010-12345678", c("AU")), "+86 10 1234 5678");
        assert_eq!(display("not a number", c("AU")), "not a number");
    }

    #[test]
    fn a_foreign_number_is_found_by_the_digits_dialled_at_home() {
        assert_eq!(
            national_digits("+61438402889").as_deref(),
            Some("0438402889")
        );
        assert_eq!(national_digits("+14155552671"), None);
        assert_eq!(national_digits("13812345678"), None);
    }

    proptest! {
        #[test]
        fn stored_numbers_parse_back_to_themselves(raw in "[+0-9 ()-]{0,20}", i in 0usize..249) {
            let country = Country::all().nth(i).unwrap();
            if let Ok(stored) = phone_in(country, &raw) {
                prop_assert_eq!(phone_in(country, &stored), Ok(stored.clone()));
                prop_assert!(Phone::parse(&stored).is_ok(), "{}", stored);
            }
            if let Ok(stored) = mobile_in(country, &raw) {
                prop_assert_eq!(mobile_in(country, &stored), Ok(stored.clone()));
            }
        }

        #[test]
        fn hostile_text_never_panics(raw in any::<String>(), i in 0usize..249) {
            let country = Country::all().nth(i).unwrap();
            let _ = (mobile_in(country, &raw), phone_in(country, &raw), display(&raw, country));
        }
    }
}
