//! Which IP addresses a webhook may be sent to: only ones on the public
//! internet. Everything else (loopback, private and shared networks,
//! link-local addresses such as the cloud metadata service at
//! 169.254.169.254, multicast, documentation and reserved ranges) is
//! refused, including IPv4 addresses wrapped in IPv6 (`::ffff:127.0.0.1`,
//! `::127.0.0.1`, NAT64 and 6to4 forms), which reach the IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is no place to send a webhook to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blocked {
    /// `0.0.0.0/8`, `::`: "this host", which connects to the server itself.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`) and IPv6 site-local.
    Private,
    /// `100.64.0.0/10`, carrier-grade NAT (RFC 6598).
    SharedAddressSpace,
    /// `fc00::/7` (RFC 4193).
    UniqueLocal,
    /// `169.254.0.0/16` (cloud metadata lives here), `fe80::/10`.
    LinkLocal,
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// TEST-NET-1/2/3, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// Ranges set aside by the IETF, and IPv6 outside global unicast.
    Reserved,
}

impl Blocked {
    /// A stable name, for logs and the delivery log.
    pub fn as_str(self) -> &'static str {
        match self {
            Blocked::Unspecified => "unspecified",
            Blocked::Loopback => "loopback",
            Blocked::Private => "private",
            Blocked::SharedAddressSpace => "shared (CGNAT)",
            Blocked::UniqueLocal => "unique-local",
            Blocked::LinkLocal => "link-local",
            Blocked::Multicast => "multicast",
            Blocked::Broadcast => "broadcast",
            Blocked::Documentation => "documentation",
            Blocked::Reserved => "reserved",
        }
    }
}

/// IPv4 ranges, most specific first: the first that holds an address says
/// why it is refused.
const V4: &[([u8; 4], u32, Blocked)] = &[
    ([255, 255, 255, 255], 32, Blocked::Broadcast),
    ([0, 0, 0, 0], 8, Blocked::Unspecified),
    ([10, 0, 0, 0], 8, Blocked::Private),
    ([100, 64, 0, 0], 10, Blocked::SharedAddressSpace),
    ([127, 0, 0, 0], 8, Blocked::Loopback),
    ([169, 254, 0, 0], 16, Blocked::LinkLocal),
    ([172, 16, 0, 0], 12, Blocked::Private),
    ([192, 0, 0, 0], 24, Blocked::Reserved),
    ([192, 0, 2, 0], 24, Blocked::Documentation),
    ([192, 88, 99, 0], 24, Blocked::Reserved),
    ([192, 168, 0, 0], 16, Blocked::Private),
    ([198, 18, 0, 0], 15, Blocked::Reserved),
    ([198, 51, 100, 0], 24, Blocked::Documentation),
    ([203, 0, 113, 0], 24, Blocked::Documentation),
    ([224, 0, 0, 0], 4, Blocked::Multicast),
    ([240, 0, 0, 0], 4, Blocked::Reserved),
];

/// IPv6 ranges that do not carry an IPv4 address, most specific first.
#[rustfmt::skip]
const V6: &[(Ipv6Addr, u32, Blocked)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, Blocked::Unspecified),
    (Ipv6Addr::LOCALHOST, 128, Blocked::Loopback),
    // Local-use NAT64 (RFC 8215): translated inside one network.
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, Blocked::Reserved),
    // Discard-only (RFC 6666).
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, Blocked::Reserved),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, Blocked::Documentation),
    // IETF protocol assignments, Teredo among them.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, Blocked::Reserved),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, Blocked::Documentation),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, Blocked::UniqueLocal),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, Blocked::LinkLocal),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, Blocked::Private),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, Blocked::Multicast),
];

fn within(address: u128, network: u128, prefix: u32, width: u32) -> bool {
    let shift = width - prefix;
    shift == width || address >> shift == network >> shift
}

/// Why `ip` must not be sent to; `None` for an address on the public
/// internet.
pub fn blocked(ip: IpAddr) -> Option<Blocked> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<Blocked> {
    let address = u128::from(u32::from(ip));
    V4.iter()
        .find(|(network, prefix, _)| {
            within(
                address,
                u128::from(u32::from_be_bytes(*network)),
                *prefix,
                32,
            )
        })
        .map(|(_, _, why)| *why)
}

fn blocked_v6(ip: Ipv6Addr) -> Option<Blocked> {
    let address = u128::from(ip);
    if let Some((_, _, why)) = V6
        .iter()
        .find(|(network, prefix, _)| within(address, u128::from(*network), *prefix, 128))
    {
        return Some(*why);
    }
    if let Some(v4) = embedded_v4(ip) {
        return blocked_v4(v4);
    }
    // Only 2000::/3 is handed out as global unicast.
    (address >> 125 != 0b001).then_some(Blocked::Reserved)
}

/// The IPv4 address an IPv6 address stands for, where one does: mapped
/// (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`)
/// and 6to4 (`2002:aabb:ccdd::/48`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn why(s: &str) -> Option<Blocked> {
        blocked(s.parse().unwrap())
    }

    #[test]
    fn every_range_that_is_not_the_public_internet_is_refused() {
        use Blocked::*;
        for (address, expected) in [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("169.254.169.254", LinkLocal),
            ("169.254.0.1", LinkLocal),
            ("192.0.0.8", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Reserved),
            ("198.19.255.255", Reserved),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Broadcast),
            ("::", Unspecified),
            ("::1", Loopback),
            ("fc00::1", UniqueLocal),
            ("fd12:3456:789a::1", UniqueLocal),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", Private),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001::1", Reserved),
            ("100::1", Reserved),
            ("64:ff9b:1::1", Reserved),
            ("4000::1", Reserved),
            // IPv4 inside IPv6 is the IPv4 address.
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:169.254.169.254", LinkLocal),
            ("::127.0.0.1", Loopback),
            ("::10.1.2.3", Private),
            ("64:ff9b::192.168.0.1", Private),
            ("2002:7f00:1::1", Loopback),
            ("2002:a9fe:a9fe::", LinkLocal),
        ] {
            assert_eq!(why(address), Some(expected), "{address}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "169.253.255.255",
            "192.0.3.1",
            "198.17.255.255",
            "223.255.255.255",
            "2400:3200::1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert_eq!(why(address), None, "{address}");
        }
    }

    proptest! {
        /// However an IPv4 address is written in IPv6, it is judged as
        /// itself.
        #[test]
        fn wrapped_ipv4_is_judged_as_itself(v4 in any::<u32>()) {
            let ip = Ipv4Addr::from(v4);
            let expected = blocked(IpAddr::V4(ip));
            prop_assert_eq!(blocked(IpAddr::V6(ip.to_ipv6_mapped())), expected);
            let nat64 = Ipv6Addr::from((0x64_ff9b_u128 << 96) | u128::from(v4));
            prop_assert_eq!(blocked(IpAddr::V6(nat64)), expected);
            // `::` and `::1` are themselves, not 0.0.0.0 and 0.0.0.1.
            if v4 > 1 {
                prop_assert_eq!(blocked(IpAddr::V6(ip.to_ipv6_compatible())), expected);
            }
        }

        #[test]
        fn every_private_and_loopback_ipv4_is_refused(
            host in any::<u32>(),
            net in prop::sample::select(vec![(10u32 << 24, 8u32), (172 << 24 | 16 << 16, 12), (192 << 24 | 168 << 16, 16), (127 << 24, 8), (169 << 24 | 254 << 16, 16), (100 << 24 | 64 << 16, 10)]),
        ) {
            let (network, prefix) = net;
            let ip = Ipv4Addr::from(network | (host >> prefix));
            prop_assert!(blocked(IpAddr::V4(ip)).is_some(), "{}", ip);
        }
    }
}
