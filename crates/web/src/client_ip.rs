//! The address a request came from. Behind a reverse proxy (nginx, a load
//! balancer) every request arrives from the proxy, and the visitor's address
//! is in `X-Forwarded-For`. That header is only believed when the
//! connection comes from a proxy the administrator named: anyone else could
//! write any address into it and slip past the per-address limits.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The proxies whose `X-Forwarded-For` is believed: addresses and networks
/// (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// A comma- or space-separated list of addresses and networks; an empty
    /// list trusts no proxy. The error names the entry that is neither.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut out = Vec::new();
        for entry in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            let (addr, bits) = match entry.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (entry, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("{entry:?} is not an IP address or network"))?;
            let addr = addr.to_canonical();
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{entry:?} has no valid prefix length (0–{max})"))?,
            };
            out.push((addr, bits));
        }
        Ok(TrustedProxies(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|(net, bits)| match (net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_equal(&net.octets(), &ip.octets(), *bits),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_equal(&net.octets(), &ip.octets(), *bits),
            _ => false,
        })
    }

    /// The visitor's address: the connection's peer, unless the peer is a
    /// trusted proxy; then the nearest address in `X-Forwarded-For` that is
    /// not one (each proxy appends the address it was reached from, so the
    /// list is read from the right and stops at the first stranger).
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.ip().to_canonical();
        if !self.contains(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.into_iter().rev() {
            // Some proxies write the port too (`203.0.113.7:51234`).
            let Some(ip) = hop
                .parse::<IpAddr>()
                .ok()
                .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
            else {
                // A trusted proxy passed on something unreadable: the
                // last address it vouched for is all that is known.
                break;
            };
            client = ip.to_canonical();
            if !self.contains(client) {
                break;
            }
        }
        client
    }
}

/// The client's address as a request extractor (sign-in limits count per
/// address). Without connection information (a router driven in-process)
/// every request counts as one unknown client.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl axum::extract::FromRequestParts<crate::AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddress(match peer {
            Some(peer) => state
                .trusted_proxies
                .client(peer, &parts.headers)
                .to_string(),
            None => "unknown".to_owned(),
        }))
    }
}

/// Whether the first `bits` bits of `a` and `b` are the same.
fn prefix_equal(a: &[u8], b: &[u8], bits: u8) -> bool {
    let bits = usize::from(bits);
    let whole = bits / 8;
    if a[..whole] != b[..whole] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    a[whole] & mask == b[whole] & mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 40000)
    }

    #[test]
    fn a_stranger_cannot_choose_its_address() {
        let trusted = TrustedProxies::parse("10.0.0.1").unwrap();
        let h = headers(&["1.2.3.4"]);
        assert_eq!(
            trusted.client(peer("198.51.100.9"), &h),
            "198.51.100.9".parse::<IpAddr>().unwrap()
        );
        // Nothing trusted: the header is never read.
        assert_eq!(
            TrustedProxies::default().client(peer("10.0.0.1"), &h),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        // The visitor wrote a fake first entry; the proxies appended the
        // real one and each other.
        let h = headers(&["6.6.6.6, 203.0.113.7", "10.1.2.3"]);
        assert_eq!(
            trusted.client(peer("127.0.0.1"), &h),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        let h = headers(&["203.0.113.7:51234"]);
        assert_eq!(
            trusted.client(peer("10.9.9.9"), &h),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        // Only proxies in the chain: the farthest one.
        let h = headers(&["10.0.0.5, 10.0.0.6"]);
        assert_eq!(
            trusted.client(peer("127.0.0.1"), &h),
            "10.0.0.5".parse::<IpAddr>().unwrap()
        );
        // Garbage after a trusted hop: the last address vouched for.
        let h = headers(&["not-an-ip, 10.0.0.6"]);
        assert_eq!(
            trusted.client(peer("127.0.0.1"), &h),
            "10.0.0.6".parse::<IpAddr>().unwrap()
        );
        // No header at all: the proxy itself.
        assert_eq!(
            trusted.client(peer("127.0.0.1"), &HeaderMap::new()),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn networks_match_by_prefix_in_both_families() {
        let t = TrustedProxies::parse("192.168.0.0/22 fd00::/8 ::1").unwrap();
        assert!(t.contains("192.168.3.255".parse().unwrap()));
        assert!(!t.contains("192.168.4.0".parse().unwrap()));
        assert!(t.contains("fd12::1".parse().unwrap()));
        assert!(!t.contains("fe80::1".parse().unwrap()));
        assert!(t.contains("::1".parse().unwrap()));
        // An IPv4 peer seen through an IPv6 socket.
        assert!(t.contains("::ffff:192.168.1.1".parse().unwrap()));
    }

    #[test]
    fn a_bad_entry_is_named() {
        let e = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(e.contains("proxy.local"), "{e}");
        let e = TrustedProxies::parse("10.0.0.0/33").unwrap_err();
        assert!(e.contains("0–32"), "{e}");
        assert!(TrustedProxies::parse("  ").unwrap().is_empty());
    }
}
