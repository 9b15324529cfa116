//! Edit distance between short texts (names, words, road and town
//! names): the optimal-string-alignment distance, Levenshtein's plus two
//! neighbouring characters swapped, on the stack.

/// Whether the optimal-string-alignment distance (Levenshtein plus
/// transposition of neighbours) between `a` and `b`, counted in characters,
/// is at most `max`. Names are short: longer inputs are compared by their
/// first [`MAX_CHARS`] characters.
pub(crate) fn within(a: &str, b: &str, max: usize) -> bool {
    if a.is_ascii() && b.is_ascii() {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let (a, b) = (&a[..a.len().min(MAX_CHARS)], &b[..b.len().min(MAX_CHARS)]);
        return a.len().abs_diff(b.len()) <= max && osa(a, b) <= max;
    }
    let mut ba = ['\0'; MAX_CHARS];
    let mut bb = ['\0'; MAX_CHARS];
    let a = fill(a.chars(), &mut ba);
    let b = fill(b.chars(), &mut bb);
    a.len().abs_diff(b.len()) <= max && osa(a, b) <= max
}

pub(crate) const MAX_CHARS: usize = 48;

pub(crate) fn fill(s: impl Iterator<Item = char>, buf: &mut [char; MAX_CHARS]) -> &[char] {
    let mut n = 0;
    for c in s.take(MAX_CHARS) {
        buf[n] = c;
        n += 1;
    }
    &buf[..n]
}

/// Three rows of the dynamic programme, each as long as `b`; distances fit
/// a byte since inputs are at most [`MAX_CHARS`] long.
pub(crate) fn osa<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let n = b.len();
    let mut rows = [[0u8; MAX_CHARS + 1]; 3];
    for (j, cell) in rows[1][..=n].iter_mut().enumerate() {
        *cell = j as u8;
    }
    for i in 1..=a.len() {
        let [before, prev, cur] = &mut rows;
        cur[0] = i as u8;
        for j in 1..=n {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        rows.rotate_left(1);
    }
    usize::from(rows[1][n])
}
