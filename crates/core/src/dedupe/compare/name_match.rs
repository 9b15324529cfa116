//! How two people's names agree: equal, as they sound, in another order,
//! with typing slips that are not another member of the family, alike word
//! by word, or sharing only a word (see [`NameMatch`]).

use super::super::distance::{fill, osa, within, MAX_CHARS};
use super::super::name::{last_word, unnickname};
use super::super::profile::Profile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameMatch {
    Unknown,
    Same,
    Pinyin,
    Swapped,
    Similar,
    /// Latin names whose words agree one by one: equal, an initial, a
    /// short form, a slip in a long word.
    Alike,
    /// Latin names equal but for one word mistyped in a way that tells a
    /// slip from another member of the family (see [`word_slip`]).
    WordSlip,
    /// A Latin name's words all found in the other, which has more (a
    /// given name left out).
    Partial,
    /// Latin names sharing a word (a surname; of four letters or more, a
    /// slip apart counts), each with another that differs (a given name).
    Relative,
    Different,
}

pub(crate) fn names(a: &Profile, b: &Profile) -> NameMatch {
    let (na, nb) = (a.name(), b.name());
    if na.is_empty() || nb.is_empty() {
        NameMatch::Unknown
    } else if na == nb {
        NameMatch::Same
    } else if a.sounds().iter().any(|s| b.sounds().contains(s)) {
        // Two Latin names sound alike only written in the other order.
        if a.han_name() || b.han_name() {
            NameMatch::Pinyin
        } else {
            NameMatch::Swapped
        }
    } else if a.words() == b.words() {
        NameMatch::Swapped
    } else if !a.han_name() && !b.han_name() && word_slip(a, b) {
        NameMatch::WordSlip
    } else if !a.han_name() && !b.han_name() && words_agree(a.spelled(), b.spelled()) {
        NameMatch::Alike
    } else if a.fuzzy() == b.fuzzy() || similar_names(a, b) {
        NameMatch::Similar
    } else if !a.han_name() && !b.han_name() {
        latin_words(a.spelled(), b.spelled())
    } else {
        NameMatch::Different
    }
}

/// Two Latin names of the same words but for words mistyped in a way two
/// people's names rarely differ: the last word as written (the family
/// name, which members of one family share) with any slip in it, four
/// letters or more on one side (Holly Wehr and Holly Weh); another word (a
/// given name) with two neighbouring letters swapped (Liam and Laim) or a
/// slip inside it in five letters or more (Isabella and Isabwlla), see
/// [`typo_shaped`]. Each word that differs must differ so (Brianna Lock and
/// Briannna Lockb; Coxon John and John Cooxn, the words in the other
/// order). Given names a letter apart at their start or end (Mason and
/// Jason, Louis and Louise) or short ones (John and Joan) are often two
/// people and do not count. Or a space typed inside a word, with at most
/// one more slip (Har Risn Boulter and Harrison Boulter), see
/// [`space_slip`].
fn word_slip(a: &Profile, b: &Profile) -> bool {
    let (sa, sb) = (a.spelled(), b.spelled());
    if !word_by_word(sa, sb) {
        return space_slip(a, b);
    }
    // Each word of `a` takes an equal word of `b`; the words left over on
    // either side (as many on each) are paired as written, or, two of
    // them, crosswise.
    let mut taken = 0u64;
    let mut left_a = [""; MAX_SLIPS];
    let mut n = 0;
    for w in sa.split(' ') {
        if take_word(sb, &mut taken, |v| v == w).is_none() {
            if n == MAX_SLIPS {
                return false;
            }
            left_a[n] = w;
            n += 1;
        }
    }
    let mut left_b = [""; MAX_SLIPS];
    for slot in left_b.iter_mut().take(n) {
        match take_word(sb, &mut taken, |_| true) {
            Some(v) => *slot = v,
            None => return false,
        }
    }
    let slips = |(wa, wb): (&str, &str)| slip_shaped(a, b, wa, wb);
    match n {
        0 => false,
        1 => slips((left_a[0], left_b[0])),
        _ => {
            left_a.iter().zip(left_b).all(|(&wa, wb)| slips((wa, wb)))
                || (slips((left_a[0], left_b[1])) && slips((left_a[1], left_b[0])))
        }
    }
}

/// At most this many words of a name mistyped, for [`word_slip`].
const MAX_SLIPS: usize = 2;

/// A word of `a`'s name and one of `b`'s one slip apart in a way that is
/// not another member of the family (see [`word_slip`]).
fn slip_shaped(a: &Profile, b: &Profile, wa: &str, wb: &str) -> bool {
    if wa.len().min(wb.len()) < 2 || !within(wa, wb, 1) {
        return false;
    }
    match (
        last_word(wa) == a.last_word(),
        last_word(wb) == b.last_word(),
    ) {
        (true, true) => wa.len().max(wb.len()) >= 4,
        // A given name in both, or the names written in the other order
        // (the word a family name in one, a given name in the other).
        _ => typo_shaped(wa, wb),
    }
}

/// A name with one word written as two (Ssha Un Campbell and Shaun
/// Campbell, Porti A Coumans and Portia Coumans) and at most one more slip
/// inside it, of the kind [`typo_shaped`] accepts: the two words joined in
/// either order are the other name's word. A slip at the end stays another
/// name (Micha El and Michaela are not Michael).
fn space_slip(a: &Profile, b: &Profile) -> bool {
    let (sa, sb) = (a.spelled(), b.spelled());
    let (fewer, more) = match sa.split(' ').count() as isize - sb.split(' ').count() as isize {
        1 => (sb, sa),
        -1 => (sa, sb),
        _ => return false,
    };
    if more.split(' ').count() > 64 {
        return false;
    }
    // The words of the shorter name not found as such in the longer: one,
    // against two.
    let mut taken = 0u64;
    let mut lone = None;
    for w in fewer.split(' ') {
        if take_word(more, &mut taken, |v| v == w).is_none() && lone.replace(w).is_some() {
            return false;
        }
    }
    let (Some(w), Some(x), Some(y), None) = (
        lone,
        take_word(more, &mut taken, |_| true),
        take_word(more, &mut taken, |_| true),
        take_word(more, &mut taken, |_| true),
    ) else {
        return false;
    };
    let (mut buf, mut wb) = (['\0'; MAX_CHARS], ['\0'; MAX_CHARS]);
    let word = fill(w.chars(), &mut wb);
    [(x, y), (y, x)].into_iter().any(|(first, second)| {
        let joined = fill(first.chars().chain(second.chars()), &mut buf);
        joined == word
            || (joined.len().abs_diff(word.len()) <= 1
                && osa(joined, word) <= 1
                && typo_shaped_chars(joined, word))
    })
}

/// Two words one slip apart (see [`within`]) where the slip is two
/// neighbouring letters swapped, or can lie between the first letter and
/// the last two of words of five letters or more (in Briannna for Brianna
/// the extra n may be any of the three). Names of brothers and sisters
/// differ at the end (Louis, Louise) or at the start (Mason, Jason);
/// typing seldom gets the first letter wrong.
pub(super) fn typo_shaped(a: &str, b: &str) -> bool {
    let (mut ba, mut bb) = (['\0'; MAX_CHARS], ['\0'; MAX_CHARS]);
    typo_shaped_chars(fill(a.chars(), &mut ba), fill(b.chars(), &mut bb))
}

fn typo_shaped_chars(ca: &[char], cb: &[char]) -> bool {
    let at = ca.iter().zip(cb).take_while(|(x, y)| x == y).count();
    let swapped = ca.len() == cb.len()
        && at + 1 < ca.len()
        && ca[at] == cb[at + 1]
        && ca[at + 1] == cb[at]
        && ca[at + 2..] == cb[at + 2..];
    let shorter = ca.len().min(cb.len());
    // The slip's earliest place: after the common prefix's end counted
    // from the back (a letter replaced lies one further forward).
    let behind = ca
        .iter()
        .rev()
        .zip(cb.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
        .min(shorter);
    let earliest = (shorter - behind).saturating_sub(usize::from(ca.len() == cb.len()));
    let first = earliest.max(1);
    swapped || (shorter >= 5 && first <= at && first + 2 < shorter)
}

/// Latin names that are not alike as a whole, by their words: the shorter
/// one's words all in the longer (a given name left out), some shared and
/// some not (a relative), or none.
fn latin_words(a: &str, b: &str) -> NameMatch {
    let (short, long) = if a.split(' ').count() <= b.split(' ').count() {
        (a, b)
    } else {
        (b, a)
    };
    let mut taken = 0u64;
    let mut found = 0;
    let mut total = 0;
    for w in short.split(' ').take(64) {
        total += 1;
        let hit = long
            .split(' ')
            .take(64)
            .enumerate()
            .find(|&(j, v)| taken & (1 << j) == 0 && w.len() > 1 && word_near(w, v));
        if let Some((j, _)) = hit {
            taken |= 1 << j;
            found += 1;
        }
    }
    if found == 0 {
        NameMatch::Different
    } else if found == total {
        NameMatch::Partial
    } else {
        NameMatch::Relative
    }
}

/// A word of a Latin name as another, or four letters or more with one
/// slip (Tara and Taray, Sted and Steed): enough to tell a name that
/// shares something with the other from one that shares nothing.
fn word_near(w: &str, v: &str) -> bool {
    word_agrees(w, v) || (w.len().min(v.len()) >= 4 && within(w, v, 1))
}

/// One word of a Latin name as another: equal, the same name in a short
/// form, or a long word with a typo.
fn word_agrees(w: &str, v: &str) -> bool {
    w == v
        || unnickname(w) == unnickname(v)
        || (w.len().min(v.len()) >= 5 && within(w, v, 1))
        || (w.len().min(v.len()) >= 8 && within(w, v, 2))
}

fn similar_names(a: &Profile, b: &Profile) -> bool {
    if a.han_name() && b.han_name() {
        // One character off, in a name of any length: in one of two it may
        // be a typo (张伟, 涨伟) or another person (张伟, 李伟), which is why a
        // similar name counts only beside other evidence. Near-homophones
        // (zh/z, n/l, ang/an) share the fuzzy fingerprint and are taken
        // before.
        within(a.name(), b.name(), 1)
    } else if !a.han_name() && !b.han_name() {
        let (sa, sb) = (a.spelled(), b.spelled());
        let shorter = sa.len().min(sb.len());
        (shorter >= 4 && within(sa, sb, 1)) || (shorter >= 9 && within(sa, sb, 2))
    } else {
        false
    }
}

/// "j smith" and "john smith", "bob smith" and "robert smith": the same
/// number of words, each equal, an initial of the other, a short form of
/// the same name or a long word with a slip, at least one of them more
/// than an initial.
fn words_agree(a: &str, b: &str) -> bool {
    if !word_by_word(a, b) {
        return false;
    }
    let mut taken = 0u64;
    let mut full = false;
    for w in a.split(' ') {
        let found = take_word(b, &mut taken, |v| {
            (v.len() == 1 && w.starts_with(v))
                || (w.len() == 1 && v.starts_with(w))
                || word_agrees(w, v)
        });
        match found {
            // Any word agreeing as more than an initial.
            Some(v) => full |= v.len() > 1 && w.len() > 1,
            None => return false,
        }
    }
    full
}

/// Two spelled names of as many words, two or more, to be compared word by
/// word. A spelled name has at most six words, so a bit per word (see
/// [`take_word`]) marks it as taken without allocating for every pair
/// compared.
fn word_by_word(a: &str, b: &str) -> bool {
    let n = a.split(' ').count();
    n >= 2 && n == b.split(' ').count() && n <= 64
}

/// The first word of `b` not yet in `taken` for which `agrees` holds,
/// marked as taken.
fn take_word<'b>(b: &'b str, taken: &mut u64, agrees: impl Fn(&str) -> bool) -> Option<&'b str> {
    let (j, v) = b
        .split(' ')
        .enumerate()
        .find(|&(j, v)| *taken & (1 << j) == 0 && agrees(v))?;
    *taken |= 1 << j;
    Some(v)
}
