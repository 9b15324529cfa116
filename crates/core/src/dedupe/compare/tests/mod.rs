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

mod residents;
