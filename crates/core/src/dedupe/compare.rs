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

use super::address::{lines_agree, lines_agree_but_number, numbers_near};
use super::distance::within;
use super::person::{birth_dates, postcodes, Agreement};
use super::profile::Profile;
use super::reason::{Reason, ReasonSet};

mod name_match;

pub(crate) use name_match::{names, NameMatch};

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
        // or a date mistyped beyond a slip or taken from another column.
        // The same name at the same home outweighs it, and is shown for a
        // person to decide.
        Agreement::Different => x.add(DIFFERENT_BIRTH, None),
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

/// Points for birth dates that differ beyond a slip. In the public FEBRL
/// data one copy in twelve to twenty bears such a date: the same name
/// with the same house, or the same street and estate, outweighs it; the
/// same name on the street or in the town alone does not (a namesake).
const DIFFERENT_BIRTH: f32 = -1.0;

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
    let town = a.city() != 0 && b.city() != 0 && same_city(a, b);
    match postcodes(a.postcode(), b.postcode()) {
        Agreement::Same => x.add(1.0, Some(Reason::SamePostcode)),
        // In the same town, a postal code a slip apart is a slip.
        Agreement::Near if town => x.add(1.0, None),
        Agreement::Near => x.add(0.3, None),
        Agreement::Different => x.add(-0.5, None),
        Agreement::Unknown => {}
    }
    match addresses(a, b) {
        AddressMatch::Same => x.add(same_address, Some(Reason::SameAddress)),
        // 38 for 3, 95 for 59: a slip as often as a neighbour.
        AddressMatch::NearNumber => x.add(NEAR_NUMBER, Some(Reason::SameStreet)),
        AddressMatch::NumberLeftOut => x.add(same_address - 1.0, Some(Reason::SameStreet)),
        AddressMatch::Street => x.add(0.5, Some(Reason::SameStreet)),
        AddressMatch::Different => x.add(address_differs, None),
        AddressMatch::Unknown => {}
    }
    // One postal code is written with several town names (a suburb, the
    // town it belongs to, a locality): beside an equal postal code, a
    // town or region that differs is another name for the place or a
    // slip, not another place.
    let same_postcode = x.reasons.contains(Reason::SamePostcode);
    if town {
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
    /// The same address as written but for a house number left out.
    NumberLeftOut,
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
    let (la, lb) = (a.address_lines(), b.address_lines());
    if parsed != AddressMatch::Same && lines_agree(la, lb) {
        AddressMatch::Same
    } else if matches!(parsed, AddressMatch::Street | AddressMatch::Unknown)
        && lines_agree_but_number(la, lb)
    {
        AddressMatch::NumberLeftOut
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

#[cfg(test)]
mod tests;
