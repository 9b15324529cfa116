//! 64-bit fingerprints of normalised values. Profiles keep these instead of
//! strings to stay small; two values are taken as equal when their
//! fingerprints are. With 64 bits and a few million values the chance of
//! one accidental collision in a whole scan is about one in a million, and
//! a collision only puts one pair in front of the scorer.
//!
//! FNV-1a with a final avalanche (the finaliser of MurmurHash3), so the low
//! bits are usable too. Not keyed: nothing here faces an attacker who could
//! choose colliding names to any effect beyond a larger block.

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    // Zero means "no value" in a profile.
    h.max(1)
}

/// A fingerprint fed piece by piece; the pieces run together, so "bei" +
/// "jing" is "beijing".
pub(crate) struct Fingerprint(u64);

impl Fingerprint {
    pub(crate) fn new(tag: u8) -> Fingerprint {
        Fingerprint(fnv(OFFSET, &[tag]))
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv(self.0, bytes);
    }

    pub(crate) fn finish(&self) -> u64 {
        finish(self.0)
    }
}

/// The fingerprint of `s` under `tag`, which keeps a mobile number and an
/// identical-looking phone number or name from meeting.
pub(crate) fn hash_str(tag: u8, s: &str) -> u64 {
    finish(fnv(fnv(OFFSET, &[tag]), s.as_bytes()))
}

/// The fingerprint of a sequence of tokens; ("ab", "c") and ("a", "bc")
/// differ.
pub(crate) fn hash_tokens<S: AsRef<str>>(tag: u8, tokens: &[S]) -> u64 {
    let mut h = fnv(OFFSET, &[tag]);
    for t in tokens {
        h = fnv(h, t.as_ref().as_bytes());
        h = fnv(h, &[0xff]);
    }
    finish(h)
}

/// Combines fingerprints into a blocking key, e.g. a name stem with a
/// company core.
pub(crate) fn combine(tag: u8, parts: &[u64]) -> u64 {
    let mut h = fnv(OFFSET, &[tag]);
    for p in parts {
        h = fnv(h, &p.to_le_bytes());
    }
    finish(h)
}

/// A 32-bit fingerprint for fields compared only pair by pair (city, street),
/// never looked up among millions.
pub(crate) fn hash32(tag: u8, s: &str) -> u32 {
    fold32(hash_str(tag, s))
}

/// A fingerprint folded to 32 bits, still never 0.
pub(crate) fn fold32(h: u64) -> u32 {
    ((h >> 32) as u32 ^ h as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_token_boundaries_keep_values_apart() {
        assert_ne!(hash_str(b'm', "13812345678"), hash_str(b'p', "13812345678"));
        assert_ne!(hash_str(b'm', "abc"), hash_str(b'm', "abd"));
        assert_ne!(hash_str(b'm', "ab"), hash_str(b'm', "ba"));
        assert_ne!(
            hash_tokens(b'w', &["ab", "c"]),
            hash_tokens(b'w', &["a", "bc"])
        );
        assert_ne!(combine(b'x', &[1, 2]), combine(b'x', &[2, 1]));
        assert_ne!(hash_str(b'm', ""), 0);
        assert_ne!(hash32(b'c', ""), 0);
        let mut f = Fingerprint::new(b'm');
        f.write(b"abc");
        assert_eq!(f.finish(), hash_str(b'm', "abc"));
    }
}
