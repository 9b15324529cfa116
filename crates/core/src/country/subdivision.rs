//! Regions of a country: its ISO 3166-2 subdivisions, known by code or
//! name (from `rust_iso3166`), plus the names people write that ISO does
//! not list (English names of German Länder, Chinese names of states).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{name_key, Country};
use crate::region::Province;
use crate::Code;

/// The longest region written as free text where no list is kept.
const MAX_CHARS: usize = 50;

/// Countries whose addresses always name one of their first-level
/// subdivisions, in a form ISO lists: a region outside the list is a
/// mistake there. Elsewhere (the United Kingdom's counties, Japan's
/// prefectures written in kanji) a region not found is kept as written.
const LISTED_ONLY: &[&str] = &["AU", "US", "CA", "DE", "AT", "CH", "BR"];

/// `(ISO 3166-2 code, other names)`.
const ALIASES: &[(&str, &[&str])] = &[
    ("AU-NSW", &["新南威尔士州", "新南威尔士", "新州"]),
    ("AU-VIC", &["维多利亚州", "维多利亚", "维州"]),
    ("AU-QLD", &["昆士兰州", "昆士兰", "昆州"]),
    ("AU-WA", &["西澳大利亚州", "西澳"]),
    ("AU-SA", &["南澳大利亚州", "南澳"]),
    ("AU-TAS", &["塔斯马尼亚州", "塔斯马尼亚", "塔州"]),
    ("AU-ACT", &["澳大利亚首都领地", "首都领地"]),
    ("AU-NT", &["北领地"]),
    ("CA-ON", &["安大略省", "安大略"]),
    ("CA-QC", &["魁北克省", "魁北克"]),
    ("CA-BC", &["不列颠哥伦比亚省", "卑诗省", "BC省"]),
    ("CA-AB", &["阿尔伯塔省", "阿尔伯塔"]),
    ("CA-MB", &["曼尼托巴省", "曼尼托巴"]),
    ("CA-SK", &["萨斯喀彻温省", "萨斯喀彻温"]),
    ("CA-NS", &["新斯科舍省", "新斯科舍"]),
    ("CA-NB", &["新不伦瑞克省", "新不伦瑞克"]),
    ("CA-NL", &["纽芬兰与拉布拉多省", "Newfoundland", "纽芬兰"]),
    ("CA-PE", &["爱德华王子岛省", "PEI", "爱德华王子岛"]),
    ("CA-YT", &["育空地区", "育空"]),
    ("CA-NT", &["西北地区"]),
    ("CA-NU", &["努纳武特地区", "努纳武特"]),
    (
        "US-DC",
        &["Washington DC", "Washington D.C.", "D.C.", "华盛顿特区"],
    ),
    ("US-CA", &["加利福尼亚州", "加利福尼亚", "加州", "Calif"]),
    ("US-NY", &["纽约州"]),
    ("US-TX", &["得克萨斯州", "德克萨斯州", "得州", "德州"]),
    ("US-FL", &["佛罗里达州", "佛罗里达"]),
    ("US-WA", &["华盛顿州"]),
    ("US-IL", &["伊利诺伊州", "伊利诺伊"]),
    ("US-PA", &["宾夕法尼亚州", "宾夕法尼亚", "宾州"]),
    ("US-OH", &["俄亥俄州", "俄亥俄"]),
    ("US-GA", &["佐治亚州", "佐治亚"]),
    ("US-NC", &["北卡罗来纳州", "北卡"]),
    ("US-SC", &["南卡罗来纳州", "南卡"]),
    ("US-MI", &["密歇根州", "密歇根"]),
    ("US-NJ", &["新泽西州", "新泽西"]),
    ("US-VA", &["弗吉尼亚州", "弗吉尼亚"]),
    ("US-MA", &["马萨诸塞州", "麻省"]),
    ("US-AZ", &["亚利桑那州", "亚利桑那"]),
    ("US-NV", &["内华达州", "内华达"]),
    ("US-OR", &["俄勒冈州", "俄勒冈"]),
    ("US-CO", &["科罗拉多州", "科罗拉多"]),
    ("US-HI", &["夏威夷州", "夏威夷"]),
    ("US-AK", &["阿拉斯加州", "阿拉斯加"]),
    ("US-MN", &["明尼苏达州", "明尼苏达"]),
    ("US-MD", &["马里兰州", "马里兰"]),
    ("US-CT", &["康涅狄格州", "康涅狄格"]),
    ("US-UT", &["犹他州"]),
    ("US-IN", &["印第安纳州", "印第安纳"]),
    ("US-TN", &["田纳西州", "田纳西"]),
    ("US-MO", &["密苏里州", "密苏里"]),
    ("US-WI", &["威斯康星州", "威斯康星"]),
    ("US-LA", &["路易斯安那州", "路易斯安那"]),
    ("US-KY", &["肯塔基州", "肯塔基"]),
    ("US-AL", &["亚拉巴马州", "阿拉巴马州"]),
    ("DE-BY", &["Bavaria", "拜仁", "巴伐利亚州", "巴伐利亚"]),
    ("DE-BW", &["Baden-Wuerttemberg", "巴登-符腾堡州", "巴符州"]),
    (
        "DE-NW",
        &[
            "North Rhine-Westphalia",
            "NRW",
            "北莱茵-威斯特法伦州",
            "北威州",
        ],
    ),
    ("DE-NI", &["Lower Saxony", "下萨克森州"]),
    ("DE-HE", &["Hesse", "黑森州"]),
    ("DE-RP", &["Rhineland-Palatinate", "莱茵兰-普法尔茨州"]),
    ("DE-SN", &["Saxony", "萨克森州"]),
    ("DE-ST", &["Saxony-Anhalt", "萨克森-安哈尔特州"]),
    ("DE-TH", &["Thuringia", "Thueringen", "图林根州"]),
    (
        "DE-MV",
        &["Mecklenburg-Western Pomerania", "梅克伦堡-前波美拉尼亚州"],
    ),
    ("DE-BE", &["柏林"]),
    ("DE-HH", &["汉堡"]),
    ("AT-9", &["Vienna", "维也纳"]),
    ("AT-2", &["Carinthia"]),
    ("AT-3", &["Lower Austria"]),
    ("AT-4", &["Upper Austria"]),
    ("AT-6", &["Styria"]),
    ("AT-7", &["Tyrol"]),
    ("CH-BE", &["Bern"]),
    ("CH-GE", &["Geneva", "Genf", "日内瓦"]),
    ("CH-ZH", &["苏黎世"]),
    ("CH-LU", &["Lucerne"]),
    ("CH-SG", &["St. Gallen", "St Gallen"]),
    ("CH-GR", &["Grisons"]),
];

type Key = (Country, String);

fn lookup() -> &'static HashMap<Key, &'static str> {
    static MAP: OnceLock<HashMap<Key, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for (code, aliases) in ALIASES {
            let sub = rust_iso3166::iso3166_2::from_code(code).expect("an ISO 3166-2 code");
            let country = Country::from_code(sub.country_code).expect("a listed country");
            for alias in *aliases {
                map.insert((country, name_key(alias)), sub.name);
            }
        }
        for country in Country::all() {
            let Some(iso) = rust_iso3166::from_alpha2(country.code()) else {
                continue;
            };
            let Some(subs) = iso.subdivisions() else {
                continue;
            };
            for sub in subs {
                for written in [sub.name, sub.code, sub.region_code] {
                    map.entry((country, name_key(written))).or_insert(sub.name);
                }
            }
        }
        map
    })
}

/// The regions of `country` by the names they are stored under, sorted:
/// China's provincial divisions, elsewhere its ISO 3166-2 subdivisions.
pub fn regions(country: Country) -> impl Iterator<Item = &'static str> {
    let mut names: Vec<&'static str> = if country.is_china() {
        Province::ALL.iter().map(|p| p.name()).collect()
    } else {
        rust_iso3166::from_alpha2(country.code())
            .and_then(|c| c.subdivisions().map(|s| s.iter().map(|s| s.name).collect()))
            .unwrap_or_default()
    };
    if !country.is_china() {
        names.sort_unstable();
        names.dedup();
    }
    names.into_iter()
}

/// The region (state, province, prefecture …) of an address in `country`:
/// for China, one of its 34 provincial divisions by full name; elsewhere
/// the ISO 3166-2 subdivision's name when `raw` names one by code or name
/// (`NSW`, `New South Wales` and `AU-NSW` are all `New South Wales`);
/// otherwise the text as written, unless the country's regions are all
/// listed, when it is refused.
pub fn region(country: Country, raw: &str) -> Result<String, Code> {
    if country.is_china() {
        return Province::parse(raw).map(|p| p.name().to_owned());
    }
    let trimmed = raw.trim();
    if trimmed.chars().count() > MAX_CHARS {
        return Err(Code::TooLong { max: MAX_CHARS });
    }
    let key = name_key(trimmed);
    if let Some(name) = lookup().get(&(country, key)) {
        return Ok((*name).to_owned());
    }
    if LISTED_ONLY.contains(&country.code()) {
        Err(Code::RegionIn(country))
    } else {
        Ok(trimmed.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(code: &str) -> Country {
        Country::from_code(code).unwrap()
    }

    #[test]
    fn regions_are_stored_in_one_form_whichever_way_they_are_written() {
        let ok = |country: &str, raw: &str, want: &str| {
            assert_eq!(
                region(c(country), raw).as_deref(),
                Ok(want),
                "{country} {raw}"
            );
        };
        for raw in ["NSW", "nsw", "New South Wales", "AU-NSW", "新南威尔士州"] {
            ok("AU", raw, "New South Wales");
        }
        ok("AU", "Victoria", "Victoria");
        ok("AU", "VIC", "Victoria");
        ok("US", "CA", "California");
        ok("US", "california", "California");
        ok("US", "Washington DC", "District of Columbia");
        ok("DE", "Bayern", "Bayern");
        ok("DE", "Bavaria", "Bayern");
        ok("DE", "Baden-Wurttemberg", "Baden-Württemberg");
        ok("CA", "Québec", "Quebec");
        ok("CA", "ON", "Ontario");
        ok("JP", "Tokyo", "Tokyo");
        // Kept as written where the list is not complete enough to refuse.
        ok("JP", "东京都", "东京都");
        ok("GB", "Greater London", "Greater London");
        ok("CN", "广东", "广东省");
        ok("CN", "Guangdong", "广东省");
        for (country, raw) in [
            ("AU", "Bavaria"),
            ("AU", "广东"),
            ("US", "Ontario"),
            ("DE", "NSW"),
        ] {
            assert_eq!(
                region(c(country), raw),
                Err(Code::RegionIn(c(country))),
                "{raw}"
            );
        }
        assert_eq!(region(Country::CN, "NSW"), Err(Code::InvalidRegion));
        assert_eq!(
            region(c("GB"), &"x".repeat(51)),
            Err(Code::TooLong { max: 50 })
        );
    }
}
