//! Email addresses: the dot-atom form of RFC 5322 that real mailboxes use,
//! with internationalised domain names allowed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::fold_width;
use crate::Code;

/// An address with its domain lower-cased and its local part as typed, since
/// some mail servers treat the local part case-sensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

const MAX_LEN: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_LABEL: usize = 63;

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

fn valid_local(local: &str) -> bool {
    (1..=MAX_LOCAL).contains(&local.len())
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// A host name with at least two labels and an alphabetic top-level domain.
/// Shared with the URL parser, which needs the same rule for hosts.
pub(crate) fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &&str| {
        (1..=MAX_LABEL).contains(&l.chars().count())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| {
                c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
            })
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(label_ok)
        && ((tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
            || tld.starts_with("xn--"))
}

/// Chinese input methods produce 。 and ｡ where a dot was meant; IDNA treats
/// them as label separators too.
pub(crate) fn fold_dots(s: &str) -> String {
    s.replace(['\u{3002}', '\u{FF61}'], ".")
}

impl Email {
    pub fn parse(s: &str) -> Result<Email, Code> {
        let folded = fold_width(s);
        let trimmed = folded.trim();
        let (local, domain) = trimmed.split_once('@').ok_or(Code::InvalidEmail)?;
        let domain = fold_dots(domain).to_lowercase();
        if !valid_local(local) || !valid_domain(&domain) {
            return Err(Code::InvalidEmail);
        }
        let address = format!("{local}@{domain}");
        if address.chars().count() > MAX_LEN {
            return Err(Code::InvalidEmail);
        }
        Ok(Email(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(l, _)| l)
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// `z***@example.com`: the domain stays visible because it names the
    /// company, which is what a masked view is for.
    pub fn masked(&self) -> String {
        let first = self.local_part().chars().next().unwrap_or('*');
        format!("{first}***@{}", self.domain())
    }

    /// The whole address lower-cased: mailbox providers ignore case in
    /// practice, so duplicates are found this way.
    pub fn match_key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        Email::parse(s)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Email::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn email(s: &str) -> Result<String, Code> {
        Email::parse(s).map(|e| e.0)
    }

    #[test]
    fn accepts_ordinary_addresses() {
        let cases = [
            ("zhang.san@example.com", "zhang.san@example.com"),
            ("  Zhang.San@Example.COM ", "Zhang.San@example.com"),
            ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zhang@example.com"),
            ("li@mail.example.com.cn", "li@mail.example.com.cn"),
            ("a+tag@example.io", "a+tag@example.io"),
            ("o'neil@example.ie", "o'neil@example.ie"),
            (
                "x_y-z@sub-domain.example.org",
                "x_y-z@sub-domain.example.org",
            ),
            ("user@例子.中国", "user@例子.中国"),
            ("user@例子。中国", "user@例子.中国"),
            ("user@xn--fsqu00a.xn--fiqs8s", "user@xn--fsqu00a.xn--fiqs8s"),
            ("123456@qq.com", "123456@qq.com"),
        ];
        for (input, want) in cases {
            assert_eq!(email(input), Ok(want.into()), "{input}");
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        for s in [
            "",
            "@",
            "plain",
            "a@b",
            "a@@example.com",
            "a@b@example.com",
            "@example.com",
            "a@.example.com",
            "a@example..com",
            "a@example.com.",
            "a@-example.com",
            "a@example-.com",
            "a@example.c",
            "a@example.c0m",
            "a@example.123",
            ".a@example.com",
            "a.@example.com",
            "a..b@example.com",
            "a b@example.com",
            "a@exa mple.com",
            "\"quoted\"@example.com",
            "张三@example.com",
            "a@example_domain.com",
            long_local.as_str(),
            long_total.as_str(),
        ] {
            assert_eq!(email(s), Err(Code::InvalidEmail), "{s}");
        }
    }

    #[test]
    fn masking_parts_and_match_key() {
        let e = Email::parse("Zhang.San@Example.com").unwrap();
        assert_eq!(e.local_part(), "Zhang.San");
        assert_eq!(e.domain(), "example.com");
        assert_eq!(e.masked(), "Z***@example.com");
        assert_eq!(e.match_key(), "zhang.san@example.com");
        assert_eq!(e.to_string(), "Zhang.San@example.com");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            "\"Zhang.San@example.com\""
        );
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(e) = Email::parse(&s) {
                let _ = (e.masked(), e.match_key());
            }
        }

        #[test]
        fn valid_addresses_round_trip(
            local in "[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,10}){0,2}",
            host in "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?",
            tld in "[a-zA-Z]{2,6}",
        ) {
            let input = format!("{local}@{host}.{tld}");
            let e = Email::parse(&input).unwrap();
            prop_assert_eq!(e.local_part(), local.as_str());
            prop_assert_eq!(e.domain(), format!("{host}.{}", tld.to_lowercase()));
            prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            prop_assert_eq!(Email::parse(&e.to_string()), Ok(e));
        }

        #[test]
        fn accepted_addresses_are_stable(s in "[a-zA-Z0-9.@_-]{0,30}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e));
            }
        }
    }
}
