//! Scoring a pair of profiles.
//!
//! Each field adds or takes away points, in the spirit of Fellegi and
//! Sunter: agreement on a field that rarely agrees by chance (a mobile
//! number, an e-mail address, a credit code) weighs much more than
//! agreement on one that often does (a common name, a city), and a clear
//! disagreement takes points away. A field missing on either side says
//! nothing. The sum, divided by [`SATURATION`], is the score. A person's
//! name that few records of a scan bear weighs more than a common one, and
//! two rare agreements together (a birth date and a house) more than their
//! sum.
//!
//! What the weights encode:
//! - same mobile or e-mail and a similar name: near-certain; a similar name
//!   with only the company, address and city: a colleague as often as not;
//! - same mobile and a completely different name: a shared office phone or
//!   a family number, shown with a low score;
//! - same name (or pinyin) and same company core, or same name and same
//!   street address: a duplicate;
//! - same name alone, even with the same city: not enough (张伟 is common);
//! - a company and a person are never duplicates of each other;
//! - a branch and its head office are related, not identical.

use serde::{Deserialize, Serialize};

use crate::CustomerKind;

use super::address::{lines_agree, numbers_near};
use super::name::{last_word, unnickname};
use super::person::{birth_dates, postcodes, Agreement};
use super::profile::Profile;
use super::reason::{Reason, ReasonSet};

/// Points at which the score reaches 1: an equal name and an equal mobile.
pub const SATURATION: f32 = 12.0;

/// The score from which a pair is reported by default: an equal name with an
/// equal company core (8 points) is, an equal name in the same city (5.5)
/// is not.
pub const DEFAULT_THRESHOLD: f32 = 0.6;

/// Points for an equal name, and for an equal name in the same city: what
/// the scanner's name blocks alone can bring.
pub(crate) const NAME_ONLY: f32 = 5.0;
pub(crate) const NAME_AND_CITY: f32 = 5.5;

/// A scored pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// 0 to 1; pairs from [`DEFAULT_THRESHOLD`] up are likely duplicates.
    pub score: f32,
    /// The evidence, positive and negative, in a stable order.
    pub reasons: Vec<Reason>,
    /// The two are related (a branch and its head office) rather than one
    /// and the same: show them, do not merge them.
    pub related_only: bool,
}

/// A pair's points and reasons before a [`Scored`] is materialised.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Assessment {
    pub points: f32,
    pub reasons: ReasonSet,
    pub related_only: bool,
}

impl Assessment {
    pub(crate) fn score(&self) -> f32 {
        (self.points / SATURATION).clamp(0.0, 1.0)
    }

    pub(crate) fn scored(&self) -> Scored {
        Scored {
            score: self.score(),
            reasons: self.reasons.to_vec(),
            related_only: self.related_only,
        }
    }

    fn add(&mut self, points: f32, reason: Option<Reason>) {
        self.points += points;
        if let Some(r) = reason {
            self.reasons.insert(r);
        }
    }
}

/// Scores a pair; `None` when the two cannot be duplicates (a company and a
/// person) or nothing at all speaks for it.
pub fn compare(a: &Profile, b: &Profile) -> Option<Scored> {
    assess(a, b).map(|x| x.scored())
}

pub(crate) fn assess(a: &Profile, b: &Profile) -> Option<Assessment> {
    if a.kind() != b.kind() {
        return None;
    }
    let mut x = Assessment::default();
    match a.kind() {
        CustomerKind::Individual => person(a, b, &mut x),
        CustomerKind::Company => company(a, b, &mut x),
    }
    let positive = x
        .reasons
        .without(Reason::NameDifferent)
        .without(Reason::DifferentUscc);
    (!positive.is_empty()).then_some(x)
}

fn person(a: &Profile, b: &Profile, x: &mut Assessment) {
    // A person's credit code is their employer's: it confirms the company.
    let company = if a.uscc() != 0 && a.uscc() == b.uscc() {
        CompanyMatch::Same
    } else {
        companies(a, b)
    };
    // Colleagues share the company, its address and its city: beside
    // them, a name that is only alike counts for little. People without
    // a workplace on record (a shop's, a clinic's customers) are known by
    // their own details, where a name alike is a typo far more often.
    let workmates = matches!(
        company,
        CompanyMatch::Same | CompanyMatch::Pinyin | CompanyMatch::Branch | CompanyMatch::Similar
    );
    match names(a, b) {
        NameMatch::Same => x.add(NAME_ONLY + rare_name(a, b), Some(Reason::SameName)),
        NameMatch::Pinyin => x.add(4.5, Some(Reason::NamePinyinEqual)),
        // The same words in another order: a Latin name written family
        // name first is the same name.
        NameMatch::Swapped => {
            let points = if a.han_name() || b.han_name() {
                4.5
            } else {
                NAME_ONLY
            };
            x.add(points + rare_name(a, b), Some(Reason::NameSwapped))
        }
        // A name mistyped in a way that is not another member of the
        // family: the same person, and a rare name's slip as rare, unless
        // colleagues (where a name alike counts for little, as below).
        NameMatch::WordSlip => x.add(
            if workmates {
                1.0
            } else {
                NAME_ONLY + rare_name(a, b)
            },
            Some(Reason::NameSimilar),
        ),
        // A Chinese name one character off is a typo or another person (张伟,
        // 李伟); a workmate's name alike likewise: it counts only beside a
        // mobile, e-mail or credit code, not beside the company, the
        // address and the city, which colleagues share.
        NameMatch::Similar | NameMatch::Alike if a.han_name() || b.han_name() || workmates => {
            x.add(1.0, Some(Reason::NameSimilar))
        }
        // Latin names a letter or two apart: a typo, or relatives (John
        // and Joan).
        NameMatch::Similar => x.add(2.5, Some(Reason::NameSimilar)),
        // Latin names alike word by word (a typo in a long word, a
        // nickname, an initial) rarely belong to two people.
        NameMatch::Alike => x.add(3.0, Some(Reason::NameSimilar)),
        // Every word of one name in the other (a given name left out).
        NameMatch::Partial if !workmates => x.add(1.5, None),
        // One word agrees and another plainly differs: a relative (Jane
        // and John Smith), or one person's record with the given name
        // mistyped or swapped for a middle name. The shared surname counts
        // a little; the rest of the record decides, and a birth date that
        // differs tells a relative.
        NameMatch::Relative if !workmates => x.add(1.0, None),
        NameMatch::Partial | NameMatch::Relative => {}
        // Outweighs a shared workplace with a shared switchboard number.
        NameMatch::Different => x.add(-7.0, Some(Reason::NameDifferent)),
        NameMatch::Unknown => {}
    }
    // People change numbers and mailboxes: another one weighs little.
    contacts(a, b, x, [7.0, 7.0, 2.5], [-0.5, -0.5]);
    match company {
        CompanyMatch::Same => x.add(3.0, Some(Reason::SameCompanyCore)),
        CompanyMatch::Pinyin => x.add(2.5, Some(Reason::CompanyPinyinEqual)),
        CompanyMatch::Branch => x.add(2.0, Some(Reason::BranchOfCompany)),
        CompanyMatch::Similar => x.add(1.5, Some(Reason::SimilarCompany)),
        CompanyMatch::Different => x.add(-1.5, None),
        CompanyMatch::Unknown => {}
    }
    // Two people rarely share a birth date; copies of one person's record
    // differ in it by a typical slip, if at all.
    match birth_dates(a.birth(), b.birth()) {
        // Born the same day in the same postal area or town: a few people
        // in a country.
        Agreement::Same if same_place(a, b) => x.add(6.0, Some(Reason::SameBirthDate)),
        Agreement::Same => x.add(4.5, Some(Reason::SameBirthDate)),
        Agreement::Near => x.add(2.0, Some(Reason::BirthDateNear)),
        // Against: another person of the same name (a father and his son),
        // or a date mistyped beyond a slip. The same name at the same home
        // outweighs it, and is shown for a person to decide.
        Agreement::Different => x.add(-2.0, None),
        Agreement::Unknown => {}
    }
    // Without a workplace on record, an address is a home: one household,
    // where an office is a building of many.
    let home = a.core().is_empty() && b.core().is_empty();
    places(a, b, x, [if home { 3.0 } else { 2.5 }, -0.5, -1.5]);
    // Born the same day and living at the same house: each is rare, and
    // both together rarer than the sum of their points says (twins, or
    // the same person, whatever the name on the copy says). The name
    // still decides between a duplicate and a household, but a name
    // replaced outright on one copy no longer sinks the pair.
    if home && x.reasons.contains(Reason::SameBirthDate) && x.reasons.contains(Reason::SameAddress)
    {
        x.add(SAME_DAY_SAME_HOUSE, None);
    }
}

/// Points beyond an equal name's for a name few records of the scan bear
/// (a name one person of a million has says more than 张伟 or John Smith
/// does); nothing when the profiles were not counted by a scanner.
fn rare_name(a: &Profile, b: &Profile) -> f32 {
    if a.rare_name() && b.rare_name() {
        RARE_NAME_POINTS
    } else {
        0.0
    }
}

const RARE_NAME_POINTS: f32 = 1.5;

/// Points for house numbers a slip apart on the same road: between an
/// equal number and a street alone.
const NEAR_NUMBER: f32 = 1.0;

/// Points for a birth date and a home address (street and number) that
/// both agree, beyond what each brings.
const SAME_DAY_SAME_HOUSE: f32 = 5.0;

fn company(a: &Profile, b: &Profile, x: &mut Assessment) {
    match companies(a, b) {
        // Trade names recur in other cities: the core alone stays just
        // below the threshold, one more agreeing field lifts it over.
        CompanyMatch::Same => x.add(7.0, Some(Reason::SameCompanyCore)),
        CompanyMatch::Branch => {
            x.related_only = true;
            x.add(7.0, Some(Reason::BranchOfCompany));
        }
        // Homophone trade names in one city may be two companies: two more
        // agreeing fields are needed.
        CompanyMatch::Pinyin => x.add(6.5, Some(Reason::CompanyPinyinEqual)),
        CompanyMatch::Similar => x.add(4.5, Some(Reason::SimilarCompany)),
        CompanyMatch::Different => x.add(-4.0, None),
        CompanyMatch::Unknown => {}
    }
    if a.uscc() != 0 && b.uscc() != 0 {
        if a.uscc() == b.uscc() {
            // One legal entity, whatever it is called now.
            x.add(SATURATION, Some(Reason::SameUscc));
        } else if !x.related_only {
            // A branch registers its own code; anyone else with another
            // code is another legal entity.
            x.add(-8.0, Some(Reason::DifferentUscc));
        }
    }
    // A company's numbers and addresses are shared by its staff and often
    // its branches, so they weigh less than a person's.
    contacts(a, b, x, [4.0, 4.0, 4.0], [0.0, 0.0]);
    places(a, b, x, [2.5, -1.0, -2.0]);
}

/// Mobiles, e-mails and phones: `agree` for mobile, e-mail, phone; `differ`
/// for mobile and e-mail when both sides have some and none is shared.
fn contacts(a: &Profile, b: &Profile, x: &mut Assessment, agree: [f32; 3], differ: [f32; 2]) {
    let lists = [
        (a.mobiles(), b.mobiles(), Reason::SameMobile),
        (a.emails(), b.emails(), Reason::SameEmail),
        (a.phones(), b.phones(), Reason::SamePhone),
    ];
    for (i, (la, lb, reason)) in lists.into_iter().enumerate() {
        if la.is_empty() || lb.is_empty() {
            continue;
        }
        if la.iter().any(|k| lb.contains(k)) {
            x.add(agree[i], Some(reason));
        } else if let Some(&d) = differ.get(i) {
            x.add(d, None);
        }
    }
}

/// Street address, postal code, then city (or province when a city is
/// missing).
/// `[same address, address differs, place differs]` are the points of each.
fn places(a: &Profile, b: &Profile, x: &mut Assessment, points: [f32; 3]) {
    let [same_address, address_differs, place_differs] = points;
    match postcodes(a.postcode(), b.postcode()) {
        Agreement::Same => x.add(1.0, Some(Reason::SamePostcode)),
        Agreement::Near => x.add(0.3, None),
        Agreement::Different => x.add(-0.5, None),
        Agreement::Unknown => {}
    }
    match addresses(a, b) {
        AddressMatch::Same => x.add(same_address, Some(Reason::SameAddress)),
        // 38 for 3, 95 for 59: a slip as often as a neighbour.
        AddressMatch::NearNumber => x.add(NEAR_NUMBER, Some(Reason::SameStreet)),
        AddressMatch::Street => x.add(0.5, Some(Reason::SameStreet)),
        AddressMatch::Different => x.add(address_differs, None),
        AddressMatch::Unknown => {}
    }
    // One postal code is written with several town names (a suburb, the
    // town it belongs to, a locality): beside an equal postal code, a
    // town or region that differs is another name for the place or a
    // slip, not another place.
    let same_postcode = x.reasons.contains(Reason::SamePostcode);
    if a.city() != 0 && b.city() != 0 && same_city(a, b) {
        x.add(NAME_AND_CITY - NAME_ONLY, Some(Reason::SameCity));
    } else if same_postcode {
        // The postal code places the two as a town would.
        x.add(NAME_AND_CITY - NAME_ONLY, None);
    } else if (a.city() != 0 && b.city() != 0)
        || (a.province() != 0 && b.province() != 0 && a.province() != b.province())
    {
        // Another town, or without towns another region.
        x.add(place_differs, None);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressMatch {
    Unknown,
    /// The same street and house number.
    Same,
    /// The same street, house numbers a slip apart.
    NearNumber,
    /// The same street, a house number missing on either side.
    Street,
    Different,
}

/// Street addresses by their parsed street and number; where those do not
/// agree, a Latin address by its parts as written (see [`lines_agree`]).
fn addresses(a: &Profile, b: &Profile) -> AddressMatch {
    let (pa, pb) = (a.address(), b.address());
    let parsed = if pa.road == 0 || pb.road == 0 {
        AddressMatch::Unknown
    } else if (pa.district != 0 && pb.district != 0 && pa.district != pb.district)
        || !same_road(a, b)
    {
        AddressMatch::Different
    } else if pa.number == 0 || pb.number == 0 {
        AddressMatch::Street
    } else if pa.number == pb.number {
        AddressMatch::Same
    } else if numbers_near(pa.number, pb.number) {
        AddressMatch::NearNumber
    } else {
        AddressMatch::Different
    };
    if parsed != AddressMatch::Same && lines_agree(a.address_lines(), b.address_lines()) {
        AddressMatch::Same
    } else {
        parsed
    }
}

/// The same city: equal as it sounds, or a Latin name with a slip in it.
fn same_city(a: &Profile, b: &Profile) -> bool {
    a.city() == b.city() || similar_text(a.city_name(), b.city_name())
}

/// The same postal code or city.
fn same_place(a: &Profile, b: &Profile) -> bool {
    postcodes(a.postcode(), b.postcode()) == Agreement::Same
        || (a.city() != 0 && b.city() != 0 && same_city(a, b))
}

/// One slip in five letters or more, two in nine or more.
fn similar_text(a: &str, b: &str) -> bool {
    let shorter = a.len().min(b.len());
    (shorter >= 5 && within(a, b, 1)) || (shorter >= 9 && within(a, b, 2))
}

/// The same road: equal, or a Latin road name with a slip in it.
fn same_road(a: &Profile, b: &Profile) -> bool {
    if a.address().road == b.address().road {
        return true;
    }
    let (na, nb) = (a.road_name(), b.road_name());
    (!na.is_empty() && na == nb) || similar_text(na, nb)
}

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
    let mut buf = ['\0'; MAX_CHARS];
    [(x, y), (y, x)].into_iter().any(|(first, second)| {
        let joined = fill(first.chars().chain(second.chars()), &mut buf);
        let mut wb = ['\0'; MAX_CHARS];
        let word = fill(w.chars(), &mut wb);
        joined == word || (osa(joined, word) <= 1 && typo_shaped_chars(joined, word))
    })
}

/// Two words one slip apart (see [`within`]) where the slip is two
/// neighbouring letters swapped, or can lie between the first letter and
/// the last two of words of five letters or more (in Briannna for Brianna
/// the extra n may be any of the three). Names of brothers and sisters
/// differ at the end (Louis, Louise) or at the start (Mason, Jason);
/// typing seldom gets the first letter wrong.
fn typo_shaped(a: &str, b: &str) -> bool {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CompanyMatch {
    Unknown,
    Same,
    Pinyin,
    Branch,
    Similar,
    Different,
}

fn companies(a: &Profile, b: &Profile) -> CompanyMatch {
    let (ca, cb) = (a.core(), b.core());
    if ca.is_empty() || cb.is_empty() {
        CompanyMatch::Unknown
    } else if ca == cb {
        if (a.is_branch() || b.is_branch()) && a.company_full() != b.company_full() {
            CompanyMatch::Branch
        } else {
            CompanyMatch::Same
        }
    } else if a.core_sound() == b.core_sound() {
        CompanyMatch::Pinyin
    } else if similar_cores(ca, cb) {
        CompanyMatch::Similar
    } else {
        CompanyMatch::Different
    }
}

/// One character off in a core of four or more, two letters off in a long
/// Latin one, or one core the start of the other (华为 / 华为技术).
fn similar_cores(a: &str, b: &str) -> bool {
    let latin = a.is_ascii() && b.is_ascii();
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let n = short.chars().count();
    let prefix = long.starts_with(short) && n >= if latin { 4 } else { 2 };
    prefix || (n >= 4 && within(a, b, 1)) || (latin && n >= 10 && within(a, b, 2))
}

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

#[cfg(test)]
mod tests;
