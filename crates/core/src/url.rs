//! Web addresses of companies and people: http and https only.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::email::{fold_dots, valid_domain};
use crate::text::fold_width;
use crate::Code;

/// An http(s) URL with its scheme and host lower-cased; path, query and
/// fragment are kept as typed because servers may treat them case-sensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebUrl(String);

/// What browsers and most servers accept.
const MAX_LEN: usize = 2048;

/// Splits "host[:port]rest" at the end of the authority.
fn split_authority(s: &str) -> (&str, &str) {
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    s.split_at(end)
}

/// Splits an authority into host and port, minding IPv6 literals' colons.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    let host_end = if authority.starts_with('[') {
        authority.find(']').map_or(authority.len(), |i| i + 1)
    } else {
        authority.find(':').unwrap_or(authority.len())
    };
    let (host, rest) = authority.split_at(host_end);
    match rest.strip_prefix(':') {
        Some(port) => (host, Some(port)),
        None if rest.is_empty() => (host, None),
        // Something other than a port follows the host.
        None => ("", None),
    }
}

fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().is_ok();
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host.parse::<Ipv4Addr>().is_ok();
    }
    valid_domain(host)
}

fn valid_port(port: &str) -> bool {
    (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok_and(|p| p > 0)
}

impl WebUrl {
    /// A bare address such as "www.example.com/about" is taken to mean https.
    pub fn parse(s: &str) -> Result<WebUrl, Code> {
        let bad = Code::InvalidUrl;
        let s = s.trim();
        if s.is_empty() || s.chars().count() > MAX_LEN {
            return Err(bad);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad);
        }
        let (scheme, rest) = match s.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("https".to_owned(), s),
        };
        if scheme != "http" && scheme != "https" {
            return Err(bad);
        }
        let (authority, tail) = split_authority(rest);
        let (host, port) = split_port(authority);
        // Credentials have no place in a stored address, and "user@host"
        // is how phishing links disguise their real host.
        if host.contains('@') {
            return Err(bad);
        }
        let host = fold_dots(&fold_width(host)).to_lowercase();
        if !valid_host(&host) || !port.is_none_or(valid_port) {
            return Err(bad);
        }
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("{scheme}://{host}{port}{tail}");
        if url.chars().count() > MAX_LEN {
            return Err(bad);
        }
        Ok(WebUrl(url))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host name or IP literal, without port.
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, r)| r);
        split_port(split_authority(rest).0).0
    }
}

impl fmt::Display for WebUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for WebUrl {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        WebUrl::parse(s)
    }
}

impl Serialize for WebUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for WebUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        WebUrl::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn url(s: &str) -> Result<String, Code> {
        WebUrl::parse(s).map(|u| u.0)
    }

    #[test]
    fn accepts_web_addresses() {
        let cases = [
            ("https://www.example.com", "https://www.example.com"),
            (
                "HTTP://WWW.Example.COM/Path?Q=A#Frag",
                "http://www.example.com/Path?Q=A#Frag",
            ),
            ("www.example.com/path", "https://www.example.com/path"),
            ("example.com.cn", "https://example.com.cn"),
            ("  https://example.com/  ", "https://example.com/"),
            ("https://example.com:8443/a", "https://example.com:8443/a"),
            ("http://192.168.1.10/admin", "http://192.168.1.10/admin"),
            ("http://[2001:db8::1]:8080/", "http://[2001:db8::1]:8080/"),
            ("https://例子.中国/关于", "https://例子.中国/关于"),
            ("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", "https://www.example.com"),
            ("https://example.com?x=1", "https://example.com?x=1"),
        ];
        for (input, want) in cases {
            assert_eq!(url(input), Ok(want.into()), "{input}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        let long = format!("https://example.com/{}", "a".repeat(2048));
        for s in [
            "",
            "ftp://example.com",
            "javascript:alert(1)",
            "mailto:a@example.com",
            "https://",
            "https://localhost",
            "https://example",
            "https://exa mple.com",
            "https://example.com/a b",
            "https://user:pw@example.com",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:80a",
            "https://999.1.1.1",
            "https://1.2.3",
            "https://[::g]/",
            "https://-example.com",
            "//example.com",
            "https://exa\nmple.com",
            long.as_str(),
        ] {
            assert_eq!(url(s), Err(Code::InvalidUrl), "{s:?}");
        }
    }

    #[test]
    fn host_and_serialisation() {
        let u = WebUrl::parse("HTTPS://Example.com:8080/x").unwrap();
        assert_eq!(u.host(), "example.com");
        assert_eq!(WebUrl::parse("http://[::1]:80/").unwrap().host(), "[::1]");
        assert_eq!(u.to_string(), "https://example.com:8080/x");
        assert_eq!(
            serde_json::to_string(&u).unwrap(),
            "\"https://example.com:8080/x\""
        );
        assert_eq!(
            serde_json::from_str::<WebUrl>("\"example.com:8080/x\"").unwrap(),
            u
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Ok(u) = WebUrl::parse(&s) {
                let _ = u.host();
            }
        }

        #[test]
        fn accepted_urls_are_stable(s in "(https?://)?[a-zA-Z0-9.:/?#@\\[\\]-]{0,30}") {
            if let Ok(u) = WebUrl::parse(&s) {
                prop_assert_eq!(WebUrl::parse(u.as_str()), Ok(u.clone()));
                prop_assert_eq!(WebUrl::parse(&u.to_string()), Ok(u));
            }
        }

        #[test]
        fn hosts_are_lower_cased(host in "[a-zA-Z][a-zA-Z0-9]{0,8}\\.[a-zA-Z]{2,5}", path in "(/[a-zA-Z0-9]{0,5}){0,3}") {
            let u = WebUrl::parse(&format!("https://{host}{path}")).unwrap();
            prop_assert_eq!(u.host(), host.to_lowercase());
            prop_assert_eq!(u.as_str(), format!("https://{}{path}", host.to_lowercase()));
        }
    }
}
