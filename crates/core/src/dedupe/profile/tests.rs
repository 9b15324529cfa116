use super::*;
use proptest::prelude::*;

fn person<'a>(name: &'a str) -> Record<'a> {
    Record::new(1, CustomerKind::Individual, name)
}

#[test]
fn mobiles_match_however_they_are_written() {
    let a = Profile::new(&Record {
        mobiles: &["+86 138-1234-5678"],
        ..person("张伟")
    });
    for written in [
        "13812345678",
        "0086 13812345678",
        "１３８１２３４５６７８",
        "(+86)138 1234 5678",
    ] {
        let b = Profile::new(&Record {
            mobiles: &[written],
            ..person("张伟")
        });
        assert_eq!(a.mobiles(), b.mobiles(), "{written}");
    }
    assert_eq!(a.mobiles().len(), 1);
    // A mobile in the phone list counts as a mobile.
    let c = Profile::new(&Record {
        phones: &["138 1234 5678"],
        ..person("张伟")
    });
    assert_eq!(a.mobiles(), c.mobiles());
}

#[test]
fn landlines_match_without_their_extension() {
    let a = Profile::new(&Record {
        phones: &["010-62345678转123"],
        ..person("张伟")
    });
    let b = Profile::new(&Record {
        phones: &["(010) 6234 5678"],
        ..person("张伟")
    });
    assert_eq!(a.phones(), b.phones());
    assert!(a.mobiles().is_empty());
}

#[test]
fn numbers_abroad_match_with_and_without_their_country_code() {
    for (a, b) in [
        ("+44 20 7946 0958", "020 7946 0958"),
        ("+44 7700 900123", "07700 900123"),
        ("+1 (212) 555-0100", "212-555-0100"),
    ] {
        let pa = Profile::new(&Record {
            mobiles: &[a],
            ..person("John Smith")
        });
        let pb = Profile::new(&Record {
            mobiles: &[b],
            ..person("John Smith")
        });
        assert_eq!(pa.mobiles().len(), 1, "{a}");
        assert_eq!(pa.mobiles(), pb.mobiles(), "{a} / {b}");
    }
}

#[test]
fn emails_match_in_any_case_width_and_tag() {
    let a = Profile::new(&Record {
        emails: &["Zhang.Wei@Example.com"],
        ..person("张伟")
    });
    for written in [
        "zhang.wei@example.com",
        " ｚｈａｎｇ.ｗｅｉ＠ｅｘａｍｐｌｅ.ｃｏｍ ",
        "zhang.wei+crm@example。com",
        "mailto:<ZHANG.WEI@EXAMPLE.COM>",
    ] {
        let b = Profile::new(&Record {
            emails: &[written],
            ..person("张伟")
        });
        assert_eq!(a.emails(), b.emails(), "{written}");
    }
    assert_eq!(email_key("not an email"), None);
}

#[test]
fn full_width_and_traditional_text_is_folded() {
    let a = Profile::new(&person("ＡＢＣ１２３"));
    assert_eq!(a.name(), "abc123");
    assert_eq!(Profile::new(&person("張偉")).name(), "张伟");
    assert_eq!(Profile::new(&person("陳")).name(), "陈");
    let c = Profile::new(&Record::new(
        2,
        CustomerKind::Company,
        "某某科技集團有限公司",
    ));
    assert_eq!(c.core(), "某某科技");
}

proptest! {
    /// Company names are cored and branch-tested as simplified, without
    /// folding them again: that needs simplified text to be folded.
    #[test]
    fn simplified_text_needs_no_more_folding(s in any::<String>()) {
        let simple = simplify(&s);
        prop_assert_eq!(fold_width(&simple), simple.clone());
        prop_assert_eq!(simple.to_lowercase(), simple);
    }
}

#[test]
fn uscc_matches_with_spaces_and_lower_case() {
    assert_eq!(
        uscc_key("91350100m000100y43"),
        uscc_key("9135 0100 M000 100Y 43")
    );
    assert!(uscc_key("91350100M000100Y43").is_some());
    assert_eq!(uscc_key("123"), None);
}

#[test]
fn a_profile_stays_small() {
    let p = Profile::new(&Record {
        company: Some("北京某某科技有限公司"),
        mobiles: &["13812345678"],
        emails: &["zhang.wei@example.com"],
        city: Some("北京"),
        address: Some("北京市朝阳区建国路88号"),
        ..person("张伟")
    });
    let total = std::mem::size_of::<Profile>() + p.heap_bytes();
    assert!(total <= 216, "{total} bytes");
    assert_eq!(p.spelled(), "zhang wei");
    assert_eq!(p.core(), "某某科技");
}
