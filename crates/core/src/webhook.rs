//! Outgoing webhooks (to finance and logistics): the events kehu tells
//! other systems about, the addresses it may send them to, and when a
//! failed delivery is tried again.
//!
//! An endpoint's URL is typed by an administrator but fetched by the
//! server, so it must not become a way into what only the server can reach
//! (server-side request forgery). URLs are read here with the `url` crate,
//! the WHATWG parser reqwest itself uses, so `http://0177.0.0.1/`,
//! `http://2130706433/` and `http://0x7f.1/` are seen as the 127.0.0.1
//! they would connect to; [`address::blocked`] then says which addresses
//! are off limits. The sender applies [`check_url`] before every request
//! and [`check_resolved`] to every address a host name resolves to. An
//! administrator may allow a host by name ([`AllowedHost`]): that is how an
//! ERP on the office network, or a test's receiver on 127.0.0.1, is
//! reached.

pub mod address;

use std::fmt;
use std::net::IpAddr;

use serde::{Serialize, Serializer};
use url::{Host, Url};

pub use address::{blocked, Blocked};

use crate::Code;

/// Something that happened that other systems may want to hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    OrderConfirmed,
    OrderPaid,
    OrderShipped,
    OrderDelivered,
    OrderCancelled,
    LeadCreated,
    OpportunityWon,
    OpportunityLost,
    CustomerCreated,
    CustomerUpdated,
    CustomerMerged,
}

impl Event {
    pub const ALL: &'static [Event] = &[
        Event::OrderConfirmed,
        Event::OrderPaid,
        Event::OrderShipped,
        Event::OrderDelivered,
        Event::OrderCancelled,
        Event::LeadCreated,
        Event::OpportunityWon,
        Event::OpportunityLost,
        Event::CustomerCreated,
        Event::CustomerUpdated,
        Event::CustomerMerged,
    ];

    /// The wire name (`order.paid`), in payloads, headers and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::OrderConfirmed => "order.confirmed",
            Event::OrderPaid => "order.paid",
            Event::OrderShipped => "order.shipped",
            Event::OrderDelivered => "order.delivered",
            Event::OrderCancelled => "order.cancelled",
            Event::LeadCreated => "lead.created",
            Event::OpportunityWon => "opportunity.won",
            Event::OpportunityLost => "opportunity.lost",
            Event::CustomerCreated => "customer.created",
            Event::CustomerUpdated => "customer.updated",
            Event::CustomerMerged => "customer.merged",
        }
    }

    pub fn parse(s: &str) -> Result<Event, Code> {
        let s = s.trim();
        Event::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == s)
            .ok_or(Code::NotAnOption)
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The events an endpoint asks for: at least one, each once, in a fixed
/// order.
pub fn parse_events<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<Event>, Code> {
    let mut events = names
        .into_iter()
        .map(Event::parse)
        .collect::<Result<Vec<_>, _>>()?;
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(Code::Required);
    }
    Ok(events)
}

/// How long a URL may be.
pub const MAX_URL_LEN: usize = 2000;

/// An endpoint's address: http or https, a host, no user name or password.
/// Kept as the WHATWG parser normalises it (IPv4 in dotted decimal, host
/// lower-cased), which is the form reqwest sends to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(Url);

impl EndpointUrl {
    pub fn parse(s: &str) -> Result<EndpointUrl, Code> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Code::Required);
        }
        if s.chars().count() > MAX_URL_LEN {
            return Err(Code::TooLong { max: MAX_URL_LEN });
        }
        let mut url = Url::parse(s).map_err(|e| match e {
            url::ParseError::RelativeUrlWithoutBase => Code::UnsupportedScheme,
            _ => Code::InvalidUrl,
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Code::UnsupportedScheme);
        }
        // Credentials in a URL end up in logs and pages, and `user@host`
        // is how a link hides its real host.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Code::UrlCredentials);
        }
        if url.host().is_none() {
            return Err(Code::InvalidUrl);
        }
        // Never sent: a fragment is the browser's business.
        url.set_fragment(None);
        Ok(EndpointUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    /// The host as allow-list entries name it: `erp.example.cn`,
    /// `127.0.0.1`, `[::1]`.
    pub fn host_name(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    /// The address the URL names directly, if its host is an IP literal.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.0.host()? {
            Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            Host::Domain(_) => None,
        }
    }
}

impl fmt::Display for EndpointUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long an allowed host may be: a DNS name's limit, with room for a
/// URL's scheme.
pub const MAX_HOST_LEN: usize = 260;

/// A host an administrator allows webhooks to reach although it is (or
/// resolves to) a private address. Matches the URL's host exactly, at any
/// port: allowing `127.0.0.1` does not allow `localhost`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AllowedHost(String);

impl AllowedHost {
    /// A host name or IP address (`erp.example.cn`, `10.0.0.5`, `::1`), or
    /// a URL whose host is meant. Normalised as URLs are, so `0177.0.0.1`
    /// is `127.0.0.1`.
    pub fn parse(s: &str) -> Result<AllowedHost, Code> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Code::Required);
        }
        if s.chars().count() > MAX_HOST_LEN {
            return Err(Code::TooLong { max: MAX_HOST_LEN });
        }
        let as_url = if s.contains("://") {
            s.to_owned()
        } else if s.contains(':') && !s.starts_with('[') {
            // A bare IPv6 address.
            format!("http://[{s}]/")
        } else {
            format!("http://{s}/")
        };
        let url = EndpointUrl::parse(&as_url).map_err(|code| match code {
            Code::UrlCredentials | Code::TooLong { .. } => code,
            _ => Code::InvalidHost,
        })?;
        let bare = !s.contains("://");
        if bare && (url.0.port().is_some() || url.0.path() != "/" || url.0.query().is_some()) {
            return Err(Code::InvalidHost);
        }
        // `localhost.` and `localhost` are one host to DNS.
        Ok(AllowedHost(
            url.host_name().trim_end_matches('.').to_owned(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads back a host stored by [`AllowedHost::parse`].
    pub fn from_stored(s: String) -> AllowedHost {
        AllowedHost(s)
    }
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a URL or a resolved address is not sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub host: String,
    pub address: IpAddr,
    pub why: Blocked,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host == self.address.to_string() || self.host == format!("[{}]", self.address) {
            write!(f, "{} is a {} address", self.address, self.why.as_str())
        } else {
            write!(
                f,
                "{} resolves to {}, a {} address",
                self.host,
                self.address,
                self.why.as_str()
            )
        }
    }
}

impl std::error::Error for Refusal {}

fn is_allowed(host: &str, allowed: &[AllowedHost]) -> bool {
    allowed.iter().any(|a| a.0 == host)
}

/// Whether a URL may be sent to as far as can be told without DNS: its
/// host is allowed, or is a name (checked once resolved), or is a public
/// IP address.
pub fn check_url(url: &EndpointUrl, allowed: &[AllowedHost]) -> Result<(), Refusal> {
    let host = url.host_name();
    match url.ip() {
        Some(address) if !is_allowed(host, allowed) => match blocked(address) {
            Some(why) => Err(Refusal {
                host: host.to_owned(),
                address,
                why,
            }),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Whether the addresses `host` resolved to may be connected to: every
/// one must be public, unless the host is allowed. One bad address refuses
/// them all, so a name cannot smuggle a private address in among public
/// ones.
pub fn check_resolved(
    host: &str,
    addresses: impl IntoIterator<Item = IpAddr>,
    allowed: &[AllowedHost],
) -> Result<(), Refusal> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if is_allowed(&host, allowed) {
        return Ok(());
    }
    for address in addresses {
        if let Some(why) = blocked(address) {
            return Err(Refusal { host, address, why });
        }
    }
    Ok(())
}

/// How long to wait before each retry of a failed delivery, in
/// milliseconds: 1 minute, 5 minutes, 30 minutes, 2, 6 and 12 hours. After
/// the last, the delivery is given up as failed (seven attempts in all,
/// over about 21 hours).
pub const RETRY_DELAYS_MS: [i64; 6] = [
    60_000,
    5 * 60_000,
    30 * 60_000,
    2 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
];

/// When to try again after `attempts` failed attempts (counting the one
/// that just failed); `None`: give up.
pub fn retry_delay(attempts: u32) -> Option<i64> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_DELAYS_MS.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn allowed(hosts: &[&str]) -> Vec<AllowedHost> {
        hosts
            .iter()
            .map(|h| AllowedHost::parse(h).unwrap())
            .collect()
    }

    fn refused(url: &str, allow: &[&str]) -> Option<Blocked> {
        let url = EndpointUrl::parse(url).unwrap();
        check_url(&url, &allowed(allow)).err().map(|r| r.why)
    }

    #[test]
    fn event_names_round_trip() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Ok(*e));
        }
        assert_eq!(Event::ALL.len(), 11);
        assert_eq!(Event::parse("order.lost"), Err(Code::NotAnOption));
        assert_eq!(
            parse_events(["order.paid", "customer.created", "order.paid"]),
            Ok(vec![Event::OrderPaid, Event::CustomerCreated])
        );
        assert_eq!(parse_events([]), Err(Code::Required));
    }

    #[test]
    fn only_http_and_https_without_credentials_are_endpoints() {
        for (url, code) in [
            ("", Code::Required),
            ("ftp://example.com/", Code::UnsupportedScheme),
            ("file:///etc/passwd", Code::UnsupportedScheme),
            ("gopher://example.com/", Code::UnsupportedScheme),
            ("example.com/hook", Code::UnsupportedScheme),
            ("http://user:pw@example.com/", Code::UrlCredentials),
            ("http://user@example.com/", Code::UrlCredentials),
            ("http://:pw@example.com/", Code::UrlCredentials),
            ("http://exa mple.com/", Code::InvalidUrl),
            ("http://[::1/", Code::InvalidUrl),
            ("http://256.256.256.256/", Code::InvalidUrl),
        ] {
            assert_eq!(EndpointUrl::parse(url), Err(code), "{url}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(
            EndpointUrl::parse(&long),
            Err(Code::TooLong { max: MAX_URL_LEN })
        );
        let url = EndpointUrl::parse(" HTTPS://ERP.Example.CN:8443/hooks/kehu?x=1#top ").unwrap();
        assert_eq!(url.as_str(), "https://erp.example.cn:8443/hooks/kehu?x=1");
        assert_eq!(url.host_name(), "erp.example.cn");
    }

    #[test]
    fn private_literals_are_refused_in_every_encoding() {
        for url in [
            "http://127.0.0.1/",
            "http://127.0.0.1:8080/hook",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://127.1/",
            "http://017700000001/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]/",
            "http://[::127.0.0.1]/",
            "http://0.0.0.0/",
            "http://0/",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://172.16.0.1/",
            "http://100.64.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0xa9fea9fe/",
            "http://[fe80::1]/",
            "http://[fd00::1]/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://192.0.2.1/",
            "https://[2001:db8::1]/",
        ] {
            assert!(refused(url, &[]).is_some(), "{url} passed");
        }
        assert_eq!(refused("http://0177.0.0.1/", &[]), Some(Blocked::Loopback));
        assert_eq!(
            refused("http://[::ffff:169.254.169.254]/", &[]),
            Some(Blocked::LinkLocal)
        );
    }

    #[test]
    fn public_addresses_and_names_pass_the_url_check() {
        for url in [
            "https://erp.example.cn/hook",
            "http://8.8.8.8/",
            "http://[2606:4700:4700::1111]/",
            // Names are judged once resolved.
            "http://localhost/",
        ] {
            assert_eq!(refused(url, &[]), None, "{url}");
        }
    }

    #[test]
    fn an_allowed_host_is_reached_in_whatever_form_it_was_typed() {
        assert_eq!(refused("http://127.0.0.1:9000/", &["127.0.0.1"]), None);
        assert_eq!(refused("http://0177.0.0.1/", &["127.0.0.1"]), None);
        assert_eq!(refused("http://127.0.0.1/", &["0x7f.0.0.1"]), None);
        assert_eq!(refused("http://[::1]/", &["::1"]), None);
        assert_eq!(refused("http://[::1]/", &["[::1]"]), None);
        assert_eq!(
            refused("http://10.0.0.5/", &["http://10.0.0.5:8080/x"]),
            None
        );
        // Another address stays refused.
        assert_eq!(
            refused("http://127.0.0.2/", &["127.0.0.1"]),
            Some(Blocked::Loopback)
        );
    }

    #[test]
    fn allowed_hosts_are_hosts() {
        assert_eq!(
            AllowedHost::parse(" ERP.Example.CN ").unwrap().as_str(),
            "erp.example.cn"
        );
        assert_eq!(
            AllowedHost::parse("2130706433").unwrap().as_str(),
            "127.0.0.1"
        );
        for bad in ["", "   "] {
            assert_eq!(AllowedHost::parse(bad), Err(Code::Required));
        }
        for bad in ["erp.example.cn:8080", "erp/x", "a b", "http://", "[::1"] {
            assert_eq!(AllowedHost::parse(bad), Err(Code::InvalidHost), "{bad}");
        }
        assert_eq!(AllowedHost::parse("u@erp"), Err(Code::UrlCredentials));
    }

    #[test]
    fn names_are_judged_by_every_address_they_resolve_to() {
        let public: IpAddr = "8.8.8.8".parse().unwrap();
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(check_resolved("hooks.example.cn", [public], &[]).is_ok());
        let r = check_resolved("localhost", [loopback], &[]).unwrap_err();
        assert_eq!(r.why, Blocked::Loopback);
        assert_eq!(
            r.to_string(),
            "localhost resolves to 127.0.0.1, a loopback address"
        );
        // One private address among public ones refuses the name.
        assert!(check_resolved("rebind.example", [public, loopback], &[]).is_err());
        assert!(check_resolved("LOCALHOST.", [loopback], &allowed(&["localhost"])).is_ok());
        // Allowing an address does not allow names that resolve to it.
        assert!(check_resolved("localhost", [loopback], &allowed(&["127.0.0.1"])).is_err());
    }

    #[test]
    fn retries_back_off_then_give_up() {
        let minutes: Vec<i64> = (1..=7)
            .map_while(retry_delay)
            .map(|ms| ms / 60_000)
            .collect();
        assert_eq!(minutes, vec![1, 5, 30, 120, 360, 720]);
        assert_eq!(retry_delay(0), None);
        assert_eq!(retry_delay(7), None);
    }

    proptest! {
        /// Every way of writing a loopback or private IPv4 address in a
        /// URL (dotted, one number, octal, hex, IPv6-mapped) is refused.
        #[test]
        fn private_ipv4_is_refused_however_it_is_written(
            host in any::<u32>(),
            net in prop::sample::select(vec![(127u32 << 24, 8u32), (10 << 24, 8), (192 << 24 | 168 << 16, 16), (169 << 24 | 254 << 16, 16)]),
            form in 0..5usize,
        ) {
            let (network, prefix) = net;
            let n = network | (host >> prefix);
            let [a, b, c, d] = n.to_be_bytes();
            let written = match form {
                0 => format!("{a}.{b}.{c}.{d}"),
                1 => n.to_string(),
                2 => format!("0{a:o}.0{b:o}.0{c:o}.0{d:o}"),
                3 => format!("0x{n:x}"),
                _ => format!("[::ffff:{a}.{b}.{c}.{d}]"),
            };
            let url = format!("http://{written}/");
            prop_assert!(refused(&url, &[]).is_some(), "{} passed", url);
        }

        /// Whatever is typed, parsing never panics, and what is accepted is
        /// http or https without credentials.
        #[test]
        fn any_text_is_parsed_safely(s in ".{0,80}") {
            if let Ok(url) = EndpointUrl::parse(&s) {
                prop_assert!(url.as_str().starts_with("http://") || url.as_str().starts_with("https://"));
                prop_assert!(url.url().username().is_empty() && url.url().password().is_none());
            }
        }
    }
}
