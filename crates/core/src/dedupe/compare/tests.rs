use proptest::prelude::*;

use super::*;
use crate::dedupe::Record;

fn person<'a>(id: i64, name: &'a str) -> Record<'a> {
    Record::new(id, CustomerKind::Individual, name)
}

fn firm<'a>(id: i64, name: &'a str) -> Record<'a> {
    Record::new(id, CustomerKind::Company, name)
}

/// A company with a known city: a core alone is just short of a duplicate,
/// since trade names recur in other cities.
fn firm_in<'a>(id: i64, name: &'a str) -> Record<'a> {
    Record {
        city: Some("北京"),
        ..firm(id, name)
    }
}

fn score(a: &Record<'_>, b: &Record<'_>) -> Option<Scored> {
    compare(&Profile::new(a), &Profile::new(b))
}

fn is_duplicate(a: &Record<'_>, b: &Record<'_>) -> bool {
    score(a, b).is_some_and(|s| s.score >= DEFAULT_THRESHOLD && !s.related_only)
}

fn reasons(a: &Record<'_>, b: &Record<'_>) -> Vec<Reason> {
    score(a, b).map(|s| s.reasons).unwrap_or_default()
}

const MOBILE: &[&str] = &["13812345678"];

#[test]
fn company_names_with_region_and_legal_form_have_one_core() {
    let names = [
        "北京某某科技有限公司",
        "某某科技（北京）有限公司",
        "某某科技",
    ];
    for a in names {
        for b in names {
            let (ra, rb) = (firm(1, a), firm(2, b));
            assert!(reasons(&ra, &rb).contains(&Reason::SameCompanyCore));
            assert!(!is_duplicate(&ra, &rb), "{a} / {b}: a core alone");
            assert!(is_duplicate(&firm_in(1, a), &firm_in(2, b)), "{a} / {b}");
        }
    }
    // The same trade name in another city is another company.
    let other = Record {
        city: Some("上海"),
        ..firm(3, "上海某某科技有限公司")
    };
    assert!(!is_duplicate(&firm_in(1, names[0]), &other));
}

#[test]
fn a_branch_is_related_to_its_head_office_not_identical() {
    let head = firm_in(1, "北京某某科技有限公司");
    let branch = firm_in(2, "某某科技有限公司上海分公司");
    let s = score(&head, &branch).unwrap();
    assert!(s.related_only);
    assert!(s.reasons.contains(&Reason::BranchOfCompany));
    assert!(s.score >= DEFAULT_THRESHOLD);
    // Branches register their own credit code; that does not hide the relation.
    let s = score(
        &Record {
            uscc: Some("91110000MA0000001X"),
            ..head
        },
        &Record {
            uscc: Some("91310000MA0000002X"),
            ..branch
        },
    )
    .unwrap();
    assert!(s.related_only && s.score >= DEFAULT_THRESHOLD);
    // Two entries of the same branch are duplicates.
    assert!(is_duplicate(
        &branch,
        &firm_in(3, "某某科技有限公司上海分公司")
    ));
}

#[test]
fn companies_with_different_credit_codes_are_not_duplicates() {
    let a = Record {
        uscc: Some("91110000MA0000001X"),
        ..firm(1, "北京某某科技有限公司")
    };
    let b = Record {
        uscc: Some("91110000MA0000002X"),
        ..firm(2, "某某科技有限公司")
    };
    assert!(!is_duplicate(&a, &b));
    let b = Record {
        uscc: Some("91110000ma0000001x"),
        ..firm(2, "某某信息技术有限公司")
    };
    assert!(is_duplicate(&a, &b));
    assert!(reasons(&a, &b).contains(&Reason::SameUscc));
}

#[test]
fn homophone_names_with_the_same_mobile_are_duplicates() {
    let a = Record {
        mobiles: MOBILE,
        ..person(1, "张伟")
    };
    let b = Record {
        mobiles: MOBILE,
        ..person(2, "章伟")
    };
    assert!(is_duplicate(&a, &b));
    assert_eq!(
        reasons(&a, &b),
        vec![Reason::SameMobile, Reason::NamePinyinEqual]
    );
}

#[test]
fn homophone_names_at_the_same_company_are_duplicates() {
    let a = Record {
        company: Some("北京某某科技有限公司"),
        ..person(1, "张伟")
    };
    let b = Record {
        company: Some("某某科技"),
        ..person(2, "章伟")
    };
    assert!(is_duplicate(&a, &b));
    assert!(reasons(&a, &b).contains(&Reason::SameCompanyCore));
}

#[test]
fn swapped_latin_names_are_the_same_person() {
    let base = Record {
        emails: &["john.smith@acme.com"],
        ..person(1, "John Smith")
    };
    for other in ["Smith John", "Smith, John", "SMITH John"] {
        let b = Record {
            emails: &["John.Smith@ACME.com"],
            ..person(2, other)
        };
        assert!(is_duplicate(&base, &b), "{other}");
        assert!(reasons(&base, &b).contains(&Reason::NameSwapped), "{other}");
    }
    // Pinyin in English order against the characters.
    let zh = Record {
        mobiles: MOBILE,
        ..person(1, "张伟")
    };
    let en = Record {
        mobiles: MOBILE,
        ..person(2, "Wei Zhang")
    };
    assert!(reasons(&zh, &en).contains(&Reason::NamePinyinEqual));
    let given_joined = Record {
        mobiles: MOBILE,
        ..person(3, "Haiying Xia")
    };
    let chars = Record {
        mobiles: MOBILE,
        ..person(4, "夏海英")
    };
    assert!(reasons(&given_joined, &chars).contains(&Reason::NamePinyinEqual));
}

#[test]
fn a_typo_in_a_name_is_still_similar() {
    let with = |id, name| Record {
        company: Some("Acme Trading Co., Ltd."),
        emails: &["js@acme.com"],
        ..person(id, name)
    };
    for (a, b) in [
        ("John Smith", "Jonh Smith"),
        ("John Smith", "Jon Smith"),
        ("Katherine Johnson", "Katherine Jonhson"),
        ("王小明", "王小朋"),
        ("J. Smith", "John Smith"),
        ("Bob Smith", "Robert Smith"),
        ("Sarah Smyth", "Sara Smith"),
        ("Kathryn Jones", "Catherine Jones"),
    ] {
        let (ra, rb) = (with(1, a), with(2, b));
        assert!(
            reasons(&ra, &rb).contains(&Reason::NameSimilar),
            "{a} / {b}"
        );
        assert!(is_duplicate(&ra, &rb), "{a} / {b}");
    }
}

#[test]
fn homophone_company_names_are_the_same_company() {
    let a = Record {
        city: Some("北京"),
        phones: &["010-62345678"],
        ..firm(1, "北京华信科技有限公司")
    };
    let b = Record {
        city: Some("北京市"),
        phones: &["(010) 6234 5678"],
        ..firm(2, "华新科技（北京）有限公司")
    };
    assert!(is_duplicate(&a, &b));
    // Homophone trade names in one city, nothing else shared: two companies.
    let c = Record { phones: &[], ..b };
    assert!(!is_duplicate(&a, &c));
    assert!(reasons(&a, &b).contains(&Reason::CompanyPinyinEqual));
}

#[test]
fn one_character_off_in_a_two_character_name_is_a_typo_only_with_other_evidence() {
    let a = Record {
        mobiles: MOBILE,
        ..person(1, "张伟")
    };
    let b = Record {
        mobiles: MOBILE,
        ..person(2, "涨伟")
    };
    assert!(is_duplicate(&a, &b));
}

#[test]
fn one_character_off_in_a_two_character_name_is_another_person() {
    let a = Record {
        company: Some("某某科技"),
        ..person(1, "张伟")
    };
    let b = Record {
        company: Some("某某科技"),
        ..person(2, "李伟")
    };
    assert!(!is_duplicate(&a, &b));
    assert!(reasons(&a, &b).contains(&Reason::NameSimilar));
    let c = Record {
        company: Some("某某科技"),
        ..person(3, "李娜")
    };
    assert!(reasons(&a, &c).contains(&Reason::NameDifferent));
}

#[test]
fn full_width_and_half_width_are_the_same() {
    let a = Record {
        mobiles: &["１３８１２３４５６７８"],
        ..person(1, "ＡＢＣ１２３")
    };
    let b = Record {
        mobiles: MOBILE,
        ..person(2, "ABC123")
    };
    assert_eq!(reasons(&a, &b), vec![Reason::SameMobile, Reason::SameName]);
    assert_eq!(score(&a, &b).unwrap().score, 1.0);
}

#[test]
fn traditional_and_simplified_characters_are_the_same() {
    for (t, s) in [("張偉", "张伟"), ("陳", "陈"), ("陳建國", "陈建国")] {
        let a = Record {
            mobiles: MOBILE,
            ..person(1, t)
        };
        let b = Record {
            mobiles: MOBILE,
            ..person(2, s)
        };
        assert!(reasons(&a, &b).contains(&Reason::SameName), "{t}");
    }
    let a = firm_in(1, "某某科技集團股份有限公司");
    let b = firm_in(2, "某某科技集团");
    assert!(is_duplicate(&a, &b));
}

#[test]
fn mobiles_match_with_country_code_and_dashes() {
    let a = Record {
        mobiles: &["+86 138-1234-5678"],
        ..person(1, "张伟")
    };
    let b = Record {
        mobiles: MOBILE,
        ..person(2, "张伟")
    };
    assert!(is_duplicate(&a, &b));
    assert_eq!(score(&a, &b).unwrap().score, 1.0);
}

#[test]
fn a_common_name_alone_is_not_a_duplicate() {
    let a = person(1, "张伟");
    let b = person(2, "张伟");
    let s = score(&a, &b).unwrap();
    assert_eq!(s.reasons, vec![Reason::SameName]);
    assert!(s.score < DEFAULT_THRESHOLD);
    // Nor in the same city.
    let a = Record {
        city: Some("北京"),
        ..a
    };
    let b = Record {
        city: Some("北京市"),
        ..b
    };
    assert!(!is_duplicate(&a, &b));
    // With different mobiles it is less likely still.
    let c = Record {
        mobiles: &["13900000000"],
        ..a
    };
    let d = Record {
        mobiles: &["13700000000"],
        ..b
    };
    assert!(score(&c, &d).unwrap().score < score(&a, &b).unwrap().score);
}

#[test]
fn the_same_name_at_the_same_address_is_a_duplicate() {
    let a = Record {
        address: Some("北京市朝阳区建国路88号"),
        ..person(1, "张伟")
    };
    let b = Record {
        address: Some("朝阳区建国路88号院3号楼"),
        ..person(2, "张伟")
    };
    assert!(is_duplicate(&a, &b));
    assert!(reasons(&a, &b).contains(&Reason::SameAddress));
}

#[test]
fn a_shared_phone_with_a_different_name_scores_low() {
    let a = Record {
        mobiles: MOBILE,
        ..person(1, "张伟")
    };
    let b = Record {
        mobiles: MOBILE,
        ..person(2, "李娜")
    };
    let s = score(&a, &b).unwrap();
    assert_eq!(s.reasons, vec![Reason::SameMobile, Reason::NameDifferent]);
    assert!(s.score < DEFAULT_THRESHOLD);
}

#[test]
fn colleagues_with_similar_names_are_not_duplicates() {
    let at_work = |id, name, mobile| Record {
        company: Some("南京成汇咨询有限公司"),
        address: Some("江苏省南京市江宁区南京路247号7栋302室"),
        city: Some("南京"),
        mobiles: mobile,
        ..person(id, name)
    };
    let a = at_work(1, "陈振磊", &["13655549944"]);
    let b = at_work(2, "陈欣磊", &["13929389240"]);
    assert!(reasons(&a, &b).contains(&Reason::NameSimilar));
    assert!(!is_duplicate(&a, &b));
    // Nor colleagues with other names sharing the switchboard.
    let c = at_work(3, "谢新平", &["025-52345678"]);
    let d = at_work(4, "吴杰", &["025-52345678"]);
    assert!(!is_duplicate(&c, &d));
}

#[test]
fn a_person_and_a_company_are_never_duplicates() {
    let a = Record {
        mobiles: MOBILE,
        ..person(1, "某某科技")
    };
    let b = Record {
        mobiles: MOBILE,
        ..firm(2, "某某科技")
    };
    assert_eq!(score(&a, &b), None);
}

#[test]
fn records_with_nothing_in_common_are_not_scored() {
    assert_eq!(score(&person(1, "张伟"), &person(2, "李娜")), None);
    assert_eq!(score(&person(1, ""), &person(2, "")), None);
}

#[test]
fn another_city_weighs_against() {
    let a = Record {
        company: Some("某某科技"),
        city: Some("北京"),
        ..person(1, "张伟")
    };
    let b = Record {
        company: Some("某某科技"),
        city: Some("深圳"),
        ..person(2, "张伟")
    };
    assert!(!is_duplicate(&a, &b));
}

#[test]
fn edit_distance_counts_characters_and_transpositions() {
    assert!(within("abcd", "abdc", 1));
    assert!(within("abcd", "abc", 1));
    assert!(within("王小明", "王小朋", 1));
    assert!(!within("abcd", "badc", 1));
    assert!(within("abcd", "badc", 2));
    assert!(within("", "", 0));
    assert!(!within("", "ab", 1));
}

fn record_strategy() -> impl Strategy<Value = (String, Option<String>, String, String, String)> {
    (
        "(张伟|章伟|王小明|John Smith|Smith John|李娜|陳建國|[a-z]{1,8}( [a-z]{1,8})?|\\PC{0,6})",
        proptest::option::of("(北京某某科技有限公司|某某科技|Acme Ltd|\\PC{0,8})"),
        "(13812345678|\\+86 139-0000-0000|[0-9 +-]{0,14})",
        "([a-z]{1,5}@example\\.com|\\PC{0,10})",
        "(北京市朝阳区建国路88号|12 Baker St|\\PC{0,12})",
    )
}

proptest! {
    #[test]
    fn compare_is_symmetric(
        (n1, c1, m1, e1, a1) in record_strategy(),
        (n2, c2, m2, e2, a2) in record_strategy(),
        company in any::<bool>(),
    ) {
        let kind = if company { CustomerKind::Company } else { CustomerKind::Individual };
        let (m1, e1, m2, e2) = ([m1.as_str()], [e1.as_str()], [m2.as_str()], [e2.as_str()]);
        let a = Profile::new(&Record {
            company: c1.as_deref(), mobiles: &m1, emails: &e1, address: Some(&a1),
            ..Record::new(1, kind, &n1)
        });
        let b = Profile::new(&Record {
            company: c2.as_deref(), mobiles: &m2, emails: &e2, address: Some(&a2),
            ..Record::new(2, kind, &n2)
        });
        let ab = compare(&a, &b);
        let ba = compare(&b, &a);
        prop_assert_eq!(&ab, &ba);
        if let Some(s) = ab {
            prop_assert!((0.0..=1.0).contains(&s.score));
        }
    }

    #[test]
    fn a_profile_with_a_name_and_a_contact_matches_itself_fully(
        (name, company, _, _, address) in record_strategy(),
        mobile in "1[3-9][0-9]{9}",
    ) {
        let mobiles = [mobile.as_str()];
        let r = Record {
            company: company.as_deref(), mobiles: &mobiles, address: Some(&address),
            ..person(1, &name)
        };
        let p = Profile::new(&r);
        prop_assume!(!p.name().is_empty());
        let s = compare(&p, &p.clone()).unwrap();
        prop_assert_eq!(s.score, 1.0);
        prop_assert!(s.reasons.contains(&Reason::SameMobile));
        prop_assert!(s.reasons.contains(&Reason::SameName));
        prop_assert!(!s.related_only);
    }
}

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
