//! People known only by name, birth date and address (no phone, no
//! e-mail): typos, swaps, relatives, households, addresses written in
//! other parts.

use super::*;

/// A person known only by name, birth date and address, as customer lists
/// of shops, clinics and clubs hold them: no phone, no e-mail.
fn resident<'a>(id: i64, name: &'a str, born: &'a str, address: &'a str) -> Record<'a> {
    Record {
        birth_date: Some(born),
        address: Some(address),
        city: Some("Sydney"),
        postal_code: Some("2000"),
        ..person(id, name)
    }
}

#[test]
fn people_without_phone_or_email_are_found_by_name_birth_date_and_address() {
    let original = resident(1, "Robert Smith", "1985-03-05", "12 George Street");
    for copy in [
        // A nickname, the street type abbreviated.
        resident(2, "Bob Smith", "1985-03-05", "12 George St"),
        // Given and family name swapped, day and month swapped.
        resident(3, "Smith Robert", "1985-05-03", "12 George Street"),
        // A typo in the surname, one digit of the birth date wrong.
        resident(4, "Robert Smiht", "1985-03-06", "12 George Street"),
        // The given name left out, the postcode one digit off.
        Record {
            postal_code: Some("2001"),
            ..resident(5, "Smith", "1985-03-05", "12 George St")
        },
        // An initial.
        resident(6, "R. Smith", "1985-03-05", "12 George Street"),
    ] {
        let s = score(&original, &copy).unwrap();
        assert!(
            s.score >= DEFAULT_THRESHOLD,
            "{} / {}: {s:?}",
            original.name,
            copy.name
        );
    }
    assert!(reasons(
        &original,
        &resident(7, "Robert Smith", "1985-03-05", "12 George St")
    )
    .contains(&Reason::SameBirthDate));
}

#[test]
fn relatives_and_namesakes_without_phone_or_email_are_not_duplicates() {
    let father = resident(1, "John Smith", "1955-07-21", "12 George Street");
    for other in [
        // A namesake on his street, born another year.
        resident(2, "John Smith", "1985-02-11", "40 George Street"),
        // His wife.
        resident(3, "Mary Smith", "1957-01-30", "12 George Street"),
        // Another John Smith born the same day across town.
        Record {
            postal_code: Some("2150"),
            city: Some("Parramatta"),
            ..resident(5, "John Smith", "1955-07-21", "3 Church Street")
        },
        // A son whose given name is his father's a letter apart at the end
        // (Louis and Louise), or short names a letter apart.
        resident(7, "Johnny Smith", "1985-02-11", "12 George Street"),
        resident(8, "Joan Smith", "1958-03-14", "12 George Street"),
    ] {
        assert!(
            !is_duplicate(&father, &other),
            "{} / {}",
            father.name,
            other.name
        );
    }
}

#[test]
fn chinese_people_without_phone_are_found_by_name_birth_date_and_address() {
    let original = Record {
        birth_date: Some("1990-11-02"),
        address: Some("上海市徐汇区漕溪北路88号"),
        city: Some("上海"),
        ..person(1, "王晓明")
    };
    for (name, born, address) in [
        ("王小明", "1990-11-02", "徐汇区漕溪北路88号"),
        ("王晓明", "1990-02-11", "上海市徐汇区漕溪北路８８号"),
    ] {
        let copy = Record {
            birth_date: Some(born),
            address: Some(address),
            city: Some("上海"),
            ..person(2, name)
        };
        assert!(is_duplicate(&original, &copy), "{name} {born} {address}");
    }
    // Another 王晓明 on the same street, born another day.
    let namesake = Record {
        birth_date: Some("1972-04-18"),
        address: Some("上海市徐汇区漕溪北路90号"),
        city: Some("上海"),
        ..person(3, "王晓明")
    };
    assert!(!is_duplicate(&original, &namesake));
}

#[test]
fn a_copy_with_the_name_replaced_is_found_by_birth_date_and_house() {
    let original = resident(1, "Rosie Reid", "1977-07-14", "256 Coghill Close");
    // Born the same day at the same house: the name on the copy was
    // replaced, or a given name mistyped beyond a slip.
    for name in ["Kyle Brain", "Tara Reid", "Taray Grooby"] {
        let copy = resident(2, name, "1977-07-14", "256 Coghill Close, Bay City Plaza");
        assert!(is_duplicate(&original, &copy), "{name}");
    }
    // Another day, or another house on the street: another person.
    let spouse = resident(3, "Kyle Brain", "1975-02-01", "256 Coghill Close");
    assert!(!is_duplicate(&original, &spouse));
    let neighbour = resident(4, "Kyle Brain", "1977-07-14", "258 Coghill Close");
    assert!(!is_duplicate(&original, &neighbour));
}

#[test]
fn latin_names_sharing_a_word_with_a_slip_are_not_different() {
    let a = Profile::new(&person(1, "Tara Bishop"));
    let b = Profile::new(&person(2, "Taray Grooby"));
    assert_eq!(super::names(&a, &b), super::NameMatch::Relative);
    let c = Profile::new(&person(3, "Kyle Brain"));
    assert_eq!(super::names(&a, &c), super::NameMatch::Different);
}

#[test]
fn a_name_mistyped_at_the_same_house_is_a_duplicate_whatever_the_birth_date() {
    // Copies with a birth date typed wrong beyond a slip: the name tells a
    // duplicate from a household. A family name with a slip, or a given
    // name with two letters swapped or a slip inside a long one, is a typo;
    // members of one family share the family name.
    let original = resident(1, "Holly Wehr", "1971-04-12", "64 Gooromon Ponds Road");
    for name in ["Holly Weh", "Holly Wehrr", "Hlolly Wehr"] {
        let copy = resident(2, name, "1902-10-06", "64 Gooromon Ponds Road");
        assert!(is_duplicate(&original, &copy), "{name}");
    }
    let long = resident(
        3,
        "Isabella Petrikowski",
        "1990-02-10",
        "4 Mcbryde Crescent",
    );
    let copy = resident(
        4,
        "Isabwlla Petrikowski",
        "1975-05-09",
        "4 Mcbryde Crescent",
    );
    assert!(is_duplicate(&long, &copy));
    // The same words in the other order with the slip in the given name:
    // which word is the family name is not known, so it is not taken.
    let swapped = resident(5, "Wehr Holly", "1902-10-06", "64 Gooromon Ponds Road");
    let a = Profile::new(&swapped);
    let b = Profile::new(&resident(
        6,
        "Weh Holly",
        "1902-10-06",
        "64 Gooromon Ponds Road",
    ));
    assert_ne!(super::names(&a, &b), super::NameMatch::WordSlip);
    // Given names a letter apart at their end are often brother and sister.
    let louis = resident(7, "Louis Martin", "1980-05-02", "9 Rue Street");
    let louise = resident(8, "Louise Martin", "1983-11-20", "9 Rue Street");
    assert!(!is_duplicate(&louis, &louise));
    let a = Profile::new(&person(9, "Paul Wehr"));
    let b = Profile::new(&person(10, "Paula Wehr"));
    assert_ne!(super::names(&a, &b), super::NameMatch::WordSlip);
}

#[test]
fn a_town_name_beside_an_equal_postcode_does_not_weigh_against() {
    // One postcode, several suburb names: a copy naming another counts as
    // one naming none; with another postcode too, it counts against.
    let original = resident(1, "Tyron Dixon", "1994-02-07", "45 Grund Place");
    let born = "1910-03-05";
    let other_town = Record {
        city: Some("Munruben"),
        ..resident(2, "Tyron Dixon", born, "45 Grund Place")
    };
    let no_town = Record {
        city: None,
        ..other_town
    };
    let elsewhere = Record {
        postal_code: Some("4125"),
        ..other_town
    };
    let s = |r: &Record<'_>| score(&original, r).unwrap().score;
    assert_eq!(s(&other_town), s(&no_town));
    assert!(s(&elsewhere) < s(&no_town));
}

#[test]
fn a_house_number_a_slip_apart_counts_for_the_pair() {
    let original = resident(1, "Beau Vincent", "1988-01-20", "78 Tryon Street");
    let copy = Record {
        birth_date: None,
        ..resident(2, "Beau Vincent", "", "18 Tryon Street")
    };
    assert!(is_duplicate(&original, &copy));
    // Another number on the street: a namesake as likely.
    let neighbour = Record {
        birth_date: None,
        ..resident(3, "Beau Vincent", "", "40 Tryon Street")
    };
    assert!(!is_duplicate(&original, &neighbour));
}

#[test]
fn a_house_number_left_out_beside_the_rest_of_the_address_counts_for_the_pair() {
    // The number left out on one copy, the street and the estate on it as
    // written on both, the birth date typed wrong on one: the same home as
    // far as either copy says.
    let original = resident(
        1,
        "Caitlin Clarke",
        "1928-07-16",
        "631 Sternberg Crescent, Promenade Arcade",
    );
    let copy = resident(
        2,
        "Caitlin Clarke",
        "1968-02-16",
        "Sternberg Crescent, Promenade Arcade",
    );
    assert!(is_duplicate(&original, &copy));
    // A street alone, or another estate on it: a namesake on the street
    // is as likely.
    let numbered = resident(3, "Caitlin Clarke", "1928-07-16", "631 Sternberg Crescent");
    let street = resident(4, "Caitlin Clarke", "1968-02-16", "Sternberg Crescent");
    assert!(!is_duplicate(&numbered, &street));
    let other = resident(
        5,
        "Caitlin Clarke",
        "1968-02-16",
        "Sternberg Crescent, Gilmore Park",
    );
    assert!(!is_duplicate(&original, &other));
}

#[test]
fn a_postcode_a_slip_apart_in_the_same_town_is_a_slip() {
    // The house number a slip apart too, no birth date on the copy: in the
    // same town the postcode's slip counts as the postcode would; in
    // another town it does not.
    let original = resident(1, "Beau Vincent", "1988-01-20", "78 Tryon Street");
    let copy = Record {
        birth_date: None,
        postal_code: Some("2001"),
        ..resident(2, "Beau Vincent", "", "18 Tryon Street")
    };
    assert!(is_duplicate(&original, &copy));
    let elsewhere = Record {
        city: Some("Parramatta"),
        ..copy
    };
    assert!(!is_duplicate(&original, &elsewhere));
}

#[test]
fn a_latin_name_written_family_name_first_is_the_same_name() {
    // Born another day on the copy: the name and the house decide, as for
    // a name written the same way.
    let original = resident(1, "Benjamin McPhail", "1954-09-03", "33 Stralia Place");
    let swapped = resident(2, "McPhail Benjamin", "1948-12-18", "33 Stralia Place");
    let same = resident(3, "Benjamin McPhail", "1948-12-18", "33 Stralia Place");
    assert_eq!(
        score(&original, &swapped).unwrap().score,
        score(&original, &same).unwrap().score
    );
    assert!(is_duplicate(&original, &swapped));
}

#[test]
fn a_name_with_slips_in_several_words_or_a_space_inside_a_word_is_the_same_name() {
    let name =
        |a: &str, b: &str| super::names(&Profile::new(&person(1, a)), &Profile::new(&person(2, b)));
    // A slip in each word, each a typing slip; the words in either order.
    assert_eq!(name("Brianna Lock", "Briannna Lockb"), NameMatch::WordSlip);
    assert_eq!(name("Amalia Lowe", "Amaila Lowde"), NameMatch::WordSlip);
    assert_eq!(name("John Coxon", "Cooxn Jonh"), NameMatch::WordSlip);
    // A word written as two, with or without one more slip inside it.
    assert_eq!(
        name("Shaun Campbell", "Ssha Un Campbell"),
        NameMatch::WordSlip
    );
    assert_eq!(
        name("Harrison Boulter", "Har Rsion Boulter"),
        NameMatch::WordSlip
    );
    // Given names that differ at their end or start are two people, with
    // a slip in the family name or not, and with a space or not.
    assert_ne!(name("Louis Smith", "Louise Smyth"), NameMatch::WordSlip);
    assert_ne!(name("Mason Lock", "Jason Lockb"), NameMatch::WordSlip);
    assert_ne!(
        name("Michaela George", "Micha El George"),
        NameMatch::WordSlip
    );
    // Three words that differ are not slips.
    assert_ne!(
        name("Anna Maria Lock", "Anan Mraia Lcok"),
        NameMatch::WordSlip
    );
}

#[test]
fn a_letter_repeated_in_a_given_name_is_a_slip_inside_it() {
    // The extra n of Briannna may be any of three, the middle one inside.
    assert!(super::name_match::typo_shaped("brianna", "briannna"));
    assert!(super::name_match::typo_shaped("isabella", "isabwlla"));
    assert!(!super::name_match::typo_shaped("louis", "louise"));
    assert!(!super::name_match::typo_shaped("mason", "jason"));
    assert!(!super::name_match::typo_shaped("anna", "annna"));
}

#[test]
fn an_address_written_in_other_parts_is_the_same_house() {
    // A street left out, the parts in the other order, a street type
    // typed onto a mistyped name: one house, as the name and the
    // birth date say.
    for (original, copy) in [
        ("181 Limestone Avenue, Rowethorpe", "181, Rowethorpe"),
        (
            "47 Darwinia Terrace, The Canberra Hospital",
            "47 The Canberra Hospital, Darwiniaerrace",
        ),
        (
            "6 Melrose Drive, Lethbridge Court",
            "6 Melroseidrive, Lethbridge Court",
        ),
    ] {
        let a = resident(1, "Daniel Hebberman", "1955-03-20", original);
        let b = resident(2, "Daniel Hebberman", "1955-03-20", copy);
        assert!(
            reasons(&a, &b).contains(&Reason::SameAddress),
            "{original} / {copy}"
        );
    }
    // Another street at the same number is another home.
    let a = resident(1, "Joshua Webb", "1941-12-04", "1 Perry Drive, Shire Clerk");
    let b = resident(
        2,
        "Joshua Webb",
        "1941-12-04",
        "1 Gundulu Place, Shire Clerk",
    );
    assert!(!reasons(&a, &b).contains(&Reason::SameAddress));
}
