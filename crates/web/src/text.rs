//! Small text helpers shared by the API and the pages: query values
//! percent-encoded, and today's date as files are named.

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Today's date in China time, as files are named (2026-11-30).
pub(crate) fn today() -> String {
    kehu_core::date::china_today()
        .format("%Y-%m-%d")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("张 a&b=/"), "%E5%BC%A0%20a%26b%3D%2F");
    }
}
