//! A person's birth date and postal code as duplicate evidence. Copies of
//! one person's record disagree on them in a few typical ways: day and
//! month swapped (05/03 read as 3 May), one digit typed wrong, a postal
//! code with one wrong digit. Those count for the pair, though less than
//! agreement; anything else counts against it.

/// A birth date as `yyyymmdd` (0 when unknown): the stored `YYYY-MM-DD`, or
/// eight digits.
pub(crate) fn birth_key(s: &str) -> u32 {
    let digits: Vec<u8> = s
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .take(9)
        .collect();
    if digits.len() != 8 {
        return 0;
    }
    let n = digits.iter().fold(0u32, |n, &d| n * 10 + u32::from(d));
    let (month, day) = ((n / 100) % 100, n % 100);
    if (1..=12).contains(&month) && (1..=31).contains(&day) && n / 10_000 >= 1800 {
        n
    } else {
        0
    }
}

/// The same date with day and month in sorted order, so that a date and
/// its day-month swap share a blocking key.
pub(crate) fn birth_block(birth: u32) -> u32 {
    let (year, month, day) = (birth / 10_000, (birth / 100) % 100, birth % 100);
    year * 10_000 + month.min(day) * 100 + month.max(day)
}

/// A postal code's letters and digits, upper-cased, packed into a number
/// (0 when none or longer than eight).
pub(crate) fn postcode_key(s: &str) -> u64 {
    let mut packed = 0u64;
    let mut n = 0;
    for c in crate::text::fold_width(s).chars() {
        if !c.is_ascii_alphanumeric() {
            continue;
        }
        if n == 8 {
            return 0;
        }
        packed = (packed << 8) | u64::from(c.to_ascii_uppercase() as u8);
        n += 1;
    }
    packed
}

/// How two values of one field compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agreement {
    /// Missing on either side: no evidence.
    Unknown,
    Same,
    /// A typical slip: one digit, or day and month swapped.
    Near,
    Different,
}

pub(crate) fn birth_dates(a: u32, b: u32) -> Agreement {
    if a == 0 || b == 0 {
        Agreement::Unknown
    } else if a == b {
        Agreement::Same
    } else if birth_block(a) == birth_block(b)
        || digits_apart(u64::from(a), u64::from(b), 10) <= 1
        || swapped_neighbours(u64::from(a), u64::from(b), 10)
    {
        Agreement::Near
    } else {
        Agreement::Different
    }
}

pub(crate) fn postcodes(a: u64, b: u64) -> Agreement {
    if a == 0 || b == 0 {
        Agreement::Unknown
    } else if a == b {
        Agreement::Same
    } else if digits_apart(a, b, 256) <= 1 || swapped_neighbours(a, b, 256) {
        Agreement::Near
    } else {
        Agreement::Different
    }
}

/// Two neighbouring characters (digits in `base`) typed the wrong way
/// round: 2206 for 2260, 1953 for 1935.
fn swapped_neighbours(mut a: u64, mut b: u64, base: u64) -> bool {
    // Where the two differ: (place, a's digit, b's digit), up to three.
    let mut apart = [(0usize, 0u64, 0u64); 3];
    let (mut n, mut place) = (0, 0);
    while (a != 0 || b != 0) && n < 3 {
        if a % base != b % base {
            apart[n] = (place, a % base, b % base);
            n += 1;
        }
        a /= base;
        b /= base;
        place += 1;
    }
    let [(i, x, y), (j, v, w), _] = apart;
    n == 2 && j == i + 1 && x == w && y == v
}

/// How many places (digits in `base`) two numbers differ in.
fn digits_apart(mut a: u64, mut b: u64, base: u64) -> u32 {
    let mut apart = 0;
    while a != 0 || b != 0 {
        if a % base != b % base {
            apart += 1;
        }
        a /= base;
        b /= base;
    }
    apart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_agree_differ_or_show_a_typical_slip() {
        let d = |s: &str| birth_key(s);
        assert_eq!(d("1985-03-05"), 19850305);
        assert_eq!(d("19850305"), 19850305);
        assert_eq!(d(""), 0);
        assert_eq!(d("1985-13-45"), 0);
        assert_eq!(
            birth_dates(d("1985-03-05"), d("1985-03-05")),
            Agreement::Same
        );
        assert_eq!(
            birth_dates(d("1985-03-05"), d("1985-05-03")),
            Agreement::Near
        );
        assert_eq!(
            birth_dates(d("1985-03-05"), d("1985-03-06")),
            Agreement::Near
        );
        assert_eq!(
            birth_dates(d("1985-03-05"), d("1975-03-05")),
            Agreement::Near
        );
        assert_eq!(
            birth_dates(d("1985-03-05"), d("1975-04-05")),
            Agreement::Different
        );
        assert_eq!(birth_dates(d("1985-03-05"), 0), Agreement::Unknown);
        assert_eq!(birth_block(19850503), birth_block(19850305));
        // Neighbouring digits typed the wrong way round.
        assert_eq!(
            birth_dates(d("1953-12-21"), d("1935-12-21")),
            Agreement::Near
        );
        assert_eq!(
            birth_dates(d("1953-12-21"), d("1935-12-12")),
            Agreement::Different
        );
    }

    #[test]
    fn postcodes_agree_differ_or_have_one_wrong_character() {
        let p = |s: &str| postcode_key(s);
        assert_eq!(p("SW1A 1AA"), p("sw1a1aa"));
        assert_eq!(p("123456789"), 0);
        assert_eq!(postcodes(p("2000"), p("2000")), Agreement::Same);
        assert_eq!(postcodes(p("2000"), p("2001")), Agreement::Near);
        assert_eq!(postcodes(p("2260"), p("2206")), Agreement::Near);
        assert_eq!(postcodes(p("2000"), p("3001")), Agreement::Different);
        assert_eq!(postcodes(p("2000"), p("")), Agreement::Unknown);
    }
}
