//! Tests of parsing, normalising and masking mainland mobiles, landlines
//! and international numbers.

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
