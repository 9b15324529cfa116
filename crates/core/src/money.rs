//! Amounts of money: an exact decimal and an ISO 4217 currency, never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::fold_width;
use crate::Code;

/// An ISO 4217 currency code such as `CNY`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

/// Sub-cent precision is needed for unit prices and exchange rates, but more
/// than four places is a typing mistake rather than an amount.
pub const MAX_DECIMAL_PLACES: u32 = 4;
/// Keeps every accepted amount far inside `Decimal`'s range.
const MAX_INTEGER_DIGITS: usize = 18;

/// Active ISO 4217 codes, plus CNH, the offshore yuan that Chinese firms
/// quote alongside CNY.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD \
    BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNH CNY COP COU CRC CUC \
    CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD \
    HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK \
    LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN \
    NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK \
    SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX \
    USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF \
    XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL";

/// Symbols and words written next to an amount instead of a code. Longer
/// spellings come first so "HK$" is not read as "$".
const SYMBOLS: [(&str, Currency); 16] = [
    ("人民币", Currency::CNY),
    ("RMB", Currency::CNY),
    ("CN¥", Currency::CNY),
    ("US$", Currency::USD),
    ("HK$", Currency(*b"HKD")),
    ("美元", Currency::USD),
    ("港币", Currency(*b"HKD")),
    ("港元", Currency(*b"HKD")),
    ("欧元", Currency(*b"EUR")),
    ("日元", Currency(*b"JPY")),
    ("¥", Currency::CNY),
    ("\u{FFE5}", Currency::CNY),
    ("元", Currency::CNY),
    ("$", Currency::USD),
    ("€", Currency(*b"EUR")),
    ("£", Currency(*b"GBP")),
];

impl Currency {
    pub const CNY: Currency = Currency(*b"CNY");
    pub const USD: Currency = Currency(*b"USD");

    /// A three-letter ISO 4217 code in either case.
    pub fn parse(s: &str) -> Result<Currency, Code> {
        let code = fold_width(s).trim().to_ascii_uppercase();
        match code.as_bytes() {
            &[a, b, c] if code.is_ascii() && ISO_4217.split(' ').any(|k| k == code) => {
                Ok(Currency([a, b, c]))
            }
            _ => Err(Code::InvalidMoney),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from ASCII capitals, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::CNY
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.as_str())
    }
}

impl FromStr for Currency {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
    }
}

/// Takes a currency marker off the start (`front`) or the end of `s`.
fn strip_currency(s: &str, front: bool) -> Option<(&str, Currency)> {
    for (sym, cur) in SYMBOLS {
        let rest = if front {
            s.strip_prefix(sym)
        } else {
            s.strip_suffix(sym)
        };
        if let Some(rest) = rest {
            return Some((rest.trim(), cur));
        }
    }
    let n = s.len();
    let (code, rest) = match front {
        true if n >= 3 && s.is_char_boundary(3) => (&s[..3], &s[3..]),
        false if n >= 3 && s.is_char_boundary(n - 3) => (&s[n - 3..], &s[..n - 3]),
        _ => return None,
    };
    if !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    Currency::parse(code).ok().map(|c| (rest.trim(), c))
}

fn strip_sign(s: &str) -> (&str, bool) {
    if let Some(rest) = s.strip_prefix(['-', '\u{2212}']) {
        (rest.trim_start(), true)
    } else {
        (s.strip_prefix('+').unwrap_or(s).trim_start(), false)
    }
}

/// Checks "1,234.50"-style digits and returns them without group separators.
fn plain_number(s: &str) -> Option<String> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let groups: Vec<&str> = int.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (matches!(groups[0].len(), 1..=3) && groups[1..].iter().all(|g| g.len() == 3));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let int: String = groups.concat();
    let frac_ok =
        frac.is_none_or(|f| (1..=MAX_DECIMAL_PLACES as usize).contains(&f.len()) && digits(f));
    if !grouped_ok || !digits(&int) || !frac_ok || int.len() > MAX_INTEGER_DIGITS {
        return None;
    }
    if int.is_empty() && frac.is_none() {
        return None;
    }
    let int = if int.is_empty() { "0" } else { int.as_str() };
    Some(match frac {
        Some(f) => format!("{int}.{f}"),
        None => int.to_owned(),
    })
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Reads an amount as people type it: "1,234.50", "¥1,234", "CNY 12.30",
    /// "12.3 元", "$10", "-5". Without a currency marker it is CNY.
    pub fn parse(s: &str) -> Result<Money, Code> {
        let bad = Code::InvalidMoney;
        let folded = fold_width(s).to_uppercase();
        let (rest, neg_before) = strip_sign(folded.trim());
        let (rest, front) = match strip_currency(rest, true) {
            Some((r, c)) => (r, Some(c)),
            None => (rest, None),
        };
        let (rest, neg_after) = strip_sign(rest);
        let (rest, back) = match strip_currency(rest, false) {
            Some((r, c)) => (r, Some(c)),
            None => (rest, None),
        };
        let currency = match (front, back) {
            (Some(_), Some(_)) => return Err(bad),
            (c, None) | (None, c) => c.unwrap_or_default(),
        };
        if neg_before && neg_after {
            return Err(bad);
        }
        let number = plain_number(rest).ok_or(bad.clone())?;
        let mut amount = Decimal::from_str_exact(&number).map_err(|_| bad)?;
        if neg_before || neg_after {
            amount.set_sign_negative(true);
        }
        if amount.is_zero() {
            amount.set_sign_positive(true);
        }
        Ok(Money { amount, currency })
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount with at least two decimal places, as accountants write it.
    pub fn amount_string(&self) -> String {
        let mut a = self.amount;
        if a.scale() < 2 {
            a.rescale(2);
        }
        a.to_string()
    }
}

/// Sums amounts per currency: money in different currencies is never
/// added together.
pub fn totals(
    amounts: impl IntoIterator<Item = Money>,
) -> std::collections::BTreeMap<Currency, Money> {
    let mut out: std::collections::BTreeMap<Currency, Money> = std::collections::BTreeMap::new();
    for m in amounts {
        let sum = out
            .entry(m.currency())
            .or_insert_with(|| Money::new(Decimal::ZERO, m.currency()));
        *sum = Money::new(sum.amount() + m.amount(), m.currency());
    }
    out
}

/// `1234.50 CNY`, which [`Money::parse`] reads back.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

impl FromStr for Money {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        Money::parse(s)
    }
}

/// The wire form: the amount is a string so no JSON reader turns it into a
/// float and loses cents.
#[derive(Serialize, Deserialize)]
struct Wire {
    amount: String,
    #[serde(default)]
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            amount: self.amount_string(),
            currency: self.currency,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(d)?;
        let code = || serde::de::Error::custom(Code::InvalidMoney.as_str());
        let (rest, neg) = strip_sign(wire.amount.trim());
        if rest.contains(',') {
            return Err(code());
        }
        let number = plain_number(rest).ok_or_else(code)?;
        let mut amount = Decimal::from_str_exact(&number).map_err(|_| code())?;
        amount.set_sign_negative(neg && !amount.is_zero());
        Ok(Money::new(amount, wire.currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn money(s: &str) -> Result<(String, &'static str), Code> {
        Money::parse(s).map(|m| {
            let cur = match m.currency.as_str() {
                "CNY" => "CNY",
                "USD" => "USD",
                "HKD" => "HKD",
                "EUR" => "EUR",
                "GBP" => "GBP",
                "JPY" => "JPY",
                _ => "other",
            };
            (m.amount.to_string(), cur)
        })
    }

    #[test]
    fn accepts_the_usual_spellings() {
        let cases = [
            ("1234.5", "1234.5", "CNY"),
            ("1,234.50", "1234.50", "CNY"),
            ("¥1,234", "1234", "CNY"),
            ("￥12", "12", "CNY"),
            ("CNY 12.30", "12.30", "CNY"),
            ("cny12.30", "12.30", "CNY"),
            ("12.3 元", "12.3", "CNY"),
            ("12.3元", "12.3", "CNY"),
            ("人民币 100", "100", "CNY"),
            ("RMB 1,000,000", "1000000", "CNY"),
            ("USD 10", "10", "USD"),
            ("10 usd", "10", "USD"),
            ("$10", "10", "USD"),
            ("US$ 10.5", "10.5", "USD"),
            ("HK$10", "10", "HKD"),
            ("€ 9.99", "9.99", "EUR"),
            ("£3", "3", "GBP"),
            ("JPY 500", "500", "JPY"),
            ("500日元", "500", "JPY"),
            ("100 美元", "100", "USD"),
            ("-5", "-5", "CNY"),
            ("-¥5", "-5", "CNY"),
            ("¥-5", "-5", "CNY"),
            ("+5", "5", "CNY"),
            ("-0", "0", "CNY"),
            ("１，２３４．５０", "1234.50", "CNY"),
            ("0.0001", "0.0001", "CNY"),
            (".5", "0.5", "CNY"),
            ("  42  ", "42", "CNY"),
        ];
        for (input, amount, cur) in cases {
            assert_eq!(money(input), Ok((amount.to_owned(), cur)), "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for s in [
            "",
            " ",
            "-",
            "¥",
            "CNY",
            "1e5",
            "1E5",
            "NaN",
            "inf",
            "1.2.3",
            "1..2",
            "12.",
            "1.23456",
            "12,34",
            "1,2345",
            ",123",
            "1,234,56",
            "--5",
            "-¥-5",
            "¥5 USD",
            "ABC 5",
            "5 元 元",
            "12 34",
            "0x10",
            "1_000",
            "1000000000000000000",
        ] {
            assert_eq!(Money::parse(s), Err(Code::InvalidMoney), "{s}");
        }
    }

    #[test]
    fn display_and_json_keep_exact_amounts() {
        let m = Money::parse("1,234.5").unwrap();
        assert_eq!(m.to_string(), "1234.50 CNY");
        assert_eq!(Money::parse("$10").unwrap().to_string(), "10.00 USD");
        assert_eq!(Money::parse("0.0001").unwrap().to_string(), "0.0001 CNY");
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1234.50","currency":"CNY"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let neg: Money = serde_json::from_str(r#"{"amount":"-3","currency":"usd"}"#).unwrap();
        assert_eq!(neg, Money::new(Decimal::new(-3, 0), Currency::USD));
        for bad in [
            r#"{"amount":12.5,"currency":"CNY"}"#,
            r#"{"amount":"1e3","currency":"CNY"}"#,
            r#"{"amount":"1,000","currency":"CNY"}"#,
            r#"{"amount":"1","currency":"ABC"}"#,
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse("usd"), Ok(Currency::USD));
        assert_eq!(Currency::default(), Currency::CNY);
        assert_eq!(Currency::parse("ABC"), Err(Code::InvalidMoney));
        assert_eq!(Currency::parse("US"), Err(Code::InvalidMoney));
        assert_eq!(Currency::parse("人民币"), Err(Code::InvalidMoney));
        assert_eq!(format!("{:?}", Currency::CNY), "Currency(CNY)");
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            let _ = Money::parse(&s);
        }

        #[test]
        fn money_like_junk_never_panics(s in "[-+¥$元0-9.,CNYUSD ]{0,16}") {
            if let Ok(m) = Money::parse(&s) {
                prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
            }
        }

        #[test]
        fn display_parses_back(units in -10_i64.pow(15)..10_i64.pow(15), scale in 0u32..=4, usd in any::<bool>()) {
            let cur = if usd { Currency::USD } else { Currency::CNY };
            let m = Money::new(Decimal::new(units, scale), cur);
            prop_assert_eq!(Money::parse(&m.to_string()), Ok(m));
            let json = serde_json::to_string(&m).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        }

        #[test]
        fn grouped_and_plain_forms_agree(units in 0_u64..10_u64.pow(12), cents in 0u32..100) {
            let plain = format!("{units}.{cents:02}");
            let digits = units.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            let grouped = format!("¥{grouped}.{cents:02}");
            prop_assert_eq!(Money::parse(&grouped), Money::parse(&plain));
        }
    }
}
