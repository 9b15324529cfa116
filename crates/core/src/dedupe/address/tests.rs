use super::*;

/// An address as [`address_lines`] keeps it for comparing.
fn lines(s: &str) -> String {
    let s = s.to_lowercase();
    super::address_lines(&s, &match_key(&s))
}

fn address_parts(s: &str) -> AddressParts {
    super::address_parts(s, &match_key(s))
}

#[test]
fn chinese_addresses_agree_on_district_street_and_number() {
    let a = address_parts("北京市朝阳区建国路88号soho现代城a座1201");
    let b = address_parts("朝阳区建国路88号院3号楼");
    let c = address_parts("北京 朝阳区 建国路 88 号");
    assert!(a.district != 0 && a.road != 0 && a.number != 0);
    assert_eq!(a, b);
    assert_eq!(a, c);
    let other = address_parts("北京市朝阳区建国路90号");
    assert_eq!(other.road, a.road);
    assert_ne!(other.number, a.number);
    let elsewhere = address_parts("北京市海淀区建国路88号");
    assert_ne!(elsewhere.district, a.district);
}

#[test]
fn address_parts_agree_when_numbers_agree_and_parts_are_found() {
    let agree = |a: &str, b: &str| lines_agree(&lines(a), &lines(b));
    assert!(agree("181 Limestone Avenue, Rowethorpe", "181, Rowethorpe"));
    assert!(agree("7 Ina Gregory Circuit, Villa 5", "7, Villa 5"));
    assert!(agree("Hse 4, Gara Place", "gara pkace, hse 4"));
    assert!(agree(
        "6 Melrose Drive, Lethbridge Court",
        "6 melroseidrive, lethbridge court"
    ));
    // Numbers tell units and houses apart; a part must be found.
    assert!(!agree("Unit 3, 12 Baker Street", "Unit 4, 12 Baker Street"));
    assert!(!agree("12 Baker Street", "12 Baker Street, Flat 3"));
    assert!(!agree(
        "1 Perry Drive, Shire Clerk",
        "1 Gundulu Place, Shire Clerk"
    ));
    assert!(!agree("Baker Street", "Baker Street"));
    assert!(!agree("5, Ab", "5, Ab Street"));
    // Chinese addresses are read by their parts, not so.
    assert_eq!(
        super::address_lines("北京市朝阳区建国路88号", "北京市朝阳区建国路88号"),
        ""
    );
}

#[test]
fn an_address_with_its_number_left_out_agrees_on_its_other_parts() {
    let agree = |a: &str, b: &str| lines_agree_but_number(&lines(a), &lines(b));
    assert!(agree(
        "631 Sternberg Crescent, Promenade Arcade",
        "Sternberg Crescent, Promenade Arcade"
    ));
    assert!(agree(
        "Palana Place, River Bend",
        "palana place, river bend"
    ));
    assert!(agree(
        "102 Sturt Avenue, Diment Towers",
        "Sturt Avenue, Dimenttowers"
    ));
    // A street alone is many houses; numbers on both are houses, compared
    // as such; every part must be found on both sides.
    assert!(!agree("12 George Street", "George Street"));
    assert!(!agree("12 Baker Street, Flat 3", "14 Baker Street, Flat 3"));
    assert!(!agree(
        "631 Sternberg Crescent, Promenade Arcade",
        "Sternberg Crescent, Gilmore Park"
    ));
    assert!(!agree(
        "631 Sternberg Crescent, Promenade Arcade",
        "Promenade Arcade"
    ));
}

#[test]
fn house_numbers_a_slip_apart_are_near() {
    let n = |s: &str| address_parts(s).number;
    let a = n("38 Beltana Road");
    for near in [
        "3 Beltana Road",
        "39 Beltana Road",
        "83 Beltana Road",
        "380 Beltana Road",
    ] {
        assert!(numbers_near(a, n(near)), "{near}");
    }
    for far in [
        "38 Beltana Road",
        "40 Beltana Road",
        "1038 Beltana Road",
        "38a Beltana Road",
    ] {
        assert!(!numbers_near(a, n(far)), "{far}");
    }
    // Digits alone keep their value; anything else is hashed, and
    // neither is ever 0 (no number).
    assert_ne!(n("38a Beltana Road"), 0);
    assert_eq!(n("建国路88号"), n("88 Beltana Road"));
    assert!(numbers_near(n("建国路88号"), n("建国路89号")));
}

#[test]
fn autonomous_regions_are_not_districts() {
    let a = address_parts("广西壮族自治区南宁市青秀区民族大道100号");
    assert_eq!(a.district, address_parts("青秀区民族大道100号").district);
    assert_eq!(a, address_parts("南宁市青秀区民族大道100号"));
}

#[test]
fn towns_before_the_road_are_left_out() {
    assert_eq!(
        address_parts("昆山市周市镇青阳北路5号").road,
        address_parts("青阳北路5号").road
    );
}

#[test]
fn english_street_types_are_abbreviated_alike() {
    let a = address_parts("12 baker street, london");
    let b = address_parts("flat 3, 12 baker st.");
    assert!(a.road != 0 && a.number != 0);
    assert_eq!(a.road, b.road);
    assert_eq!(a.number, b.number);
    assert_ne!(address_parts("14 baker street").number, a.number);
    assert_eq!(
        address_parts("somewhere in london"),
        AddressParts::default()
    );
}

#[test]
fn the_parts_of_an_address_may_come_in_either_order() {
    let a = address_parts("101 mcculloch street, saraji mine");
    let b = address_parts("101 saraji mine, mcculloch street");
    assert!(a.road != 0 && a.number != 0);
    assert_eq!(a, b);
    let name = |s: &str| road_name(s, &match_key(s));
    assert_eq!(name("101 saraji mine, mcculloch street"), "mcculloch");
    // A number alone, then the words of the place.
    let c = address_parts("489, cambooya");
    assert!(c.road != 0 && c.number != 0);
    assert_eq!(c, address_parts("489 ,  cambooya"));
    assert_ne!(c.number, address_parts("48, cambooya").number);
}

#[test]
fn road_names_leave_out_the_type_and_its_slips() {
    let name = |s: &str| road_name(s, &match_key(s));
    assert_eq!(name("12 baker street, london"), "baker");
    assert_eq!(name("12 baker srteet"), "baker");
    assert_eq!(name("94 langdoneavenue, jandarra"), "langdone");
    assert_eq!(name("61 bimbiang crescent, the manor"), "bimbiang");
    assert_eq!(name("12 st johns rd"), "stjohns");
    assert_eq!(name("北京市朝阳区建国路88号"), "");
    assert_eq!(name("somewhere"), "");
}

#[test]
fn places_agree_across_scripts_and_suffixes() {
    let a = place("北京市", "北京", "");
    let b = place("", "beijing", "");
    let c = place("", "", "北京市朝阳区建国路88号");
    assert_eq!(a.city, b.city);
    assert_eq!(a.city, c.city);
    assert_eq!(a.province, 11);
    assert_eq!(c.province, 11);
    let d = place("广东省", "", "广东省深圳市南山区科技园");
    assert_eq!(d.city, place("", "深圳市", "").city);
    assert_eq!(d.province, 44);
    assert_eq!(place("", "", ""), Place::default());
}
