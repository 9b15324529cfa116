//! China's 34 provincial-level divisions (GB/T 2260) and mainland postal codes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::text::{fold_char, match_key};
use crate::Code;

/// A provincial-level division: province, municipality, autonomous region or
/// special administrative region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Province {
    Beijing,
    Tianjin,
    Hebei,
    Shanxi,
    InnerMongolia,
    Liaoning,
    Jilin,
    Heilongjiang,
    Shanghai,
    Jiangsu,
    Zhejiang,
    Anhui,
    Fujian,
    Jiangxi,
    Shandong,
    Henan,
    Hubei,
    Hunan,
    Guangdong,
    Guangxi,
    Hainan,
    Chongqing,
    Sichuan,
    Guizhou,
    Yunnan,
    Tibet,
    Shaanxi,
    Gansu,
    Qinghai,
    Ningxia,
    Xinjiang,
    Taiwan,
    HongKong,
    Macau,
}

struct Info {
    province: Province,
    code: u8,
    name: &'static str,
    short: &'static str,
    abbr: char,
    english: &'static str,
    /// Other spellings people use: romanisations and traditional characters.
    aliases: &'static [&'static str],
}

const fn info(
    province: Province,
    code: u8,
    name: &'static str,
    short: &'static str,
    abbr: char,
    english: &'static str,
    aliases: &'static [&'static str],
) -> Info {
    Info {
        province,
        code,
        name,
        short,
        abbr,
        english,
        aliases,
    }
}

use Province as P;

/// In declaration order of [`Province`], so a variant indexes its own row.
#[rustfmt::skip]
const TABLE: [Info; 34] = [
    info(P::Beijing, 11, "北京市", "北京", '京', "Beijing", &["Peking"]),
    info(P::Tianjin, 12, "天津市", "天津", '津', "Tianjin", &[]),
    info(P::Hebei, 13, "河北省", "河北", '冀', "Hebei", &[]),
    info(P::Shanxi, 14, "山西省", "山西", '晋', "Shanxi", &[]),
    info(P::InnerMongolia, 15, "内蒙古自治区", "内蒙古", '蒙', "Inner Mongolia",
        &["Nei Mongol", "Neimenggu"]),
    info(P::Liaoning, 21, "辽宁省", "辽宁", '辽', "Liaoning", &[]),
    info(P::Jilin, 22, "吉林省", "吉林", '吉', "Jilin", &[]),
    info(P::Heilongjiang, 23, "黑龙江省", "黑龙江", '黑', "Heilongjiang", &[]),
    info(P::Shanghai, 31, "上海市", "上海", '沪', "Shanghai", &[]),
    info(P::Jiangsu, 32, "江苏省", "江苏", '苏', "Jiangsu", &[]),
    info(P::Zhejiang, 33, "浙江省", "浙江", '浙', "Zhejiang", &[]),
    info(P::Anhui, 34, "安徽省", "安徽", '皖', "Anhui", &[]),
    info(P::Fujian, 35, "福建省", "福建", '闽', "Fujian", &[]),
    info(P::Jiangxi, 36, "江西省", "江西", '赣', "Jiangxi", &[]),
    info(P::Shandong, 37, "山东省", "山东", '鲁', "Shandong", &[]),
    info(P::Henan, 41, "河南省", "河南", '豫', "Henan", &[]),
    info(P::Hubei, 42, "湖北省", "湖北", '鄂', "Hubei", &[]),
    info(P::Hunan, 43, "湖南省", "湖南", '湘', "Hunan", &[]),
    info(P::Guangdong, 44, "广东省", "广东", '粤', "Guangdong", &[]),
    info(P::Guangxi, 45, "广西壮族自治区", "广西", '桂', "Guangxi", &["Guangxi Zhuang"]),
    info(P::Hainan, 46, "海南省", "海南", '琼', "Hainan", &[]),
    info(P::Chongqing, 50, "重庆市", "重庆", '渝', "Chongqing", &[]),
    info(P::Sichuan, 51, "四川省", "四川", '川', "Sichuan", &[]),
    info(P::Guizhou, 52, "贵州省", "贵州", '黔', "Guizhou", &[]),
    info(P::Yunnan, 53, "云南省", "云南", '滇', "Yunnan", &[]),
    info(P::Tibet, 54, "西藏自治区", "西藏", '藏', "Tibet", &["Xizang"]),
    info(P::Shaanxi, 61, "陕西省", "陕西", '陕', "Shaanxi", &[]),
    info(P::Gansu, 62, "甘肃省", "甘肃", '甘', "Gansu", &[]),
    info(P::Qinghai, 63, "青海省", "青海", '青', "Qinghai", &[]),
    info(P::Ningxia, 64, "宁夏回族自治区", "宁夏", '宁', "Ningxia", &["Ningxia Hui"]),
    info(P::Xinjiang, 65, "新疆维吾尔自治区", "新疆", '新', "Xinjiang",
        &["Xinjiang Uygur", "Xinjiang Uyghur"]),
    info(P::Taiwan, 71, "台湾省", "台湾", '台', "Taiwan", &["臺灣", "台灣", "臺灣省", "台灣省"]),
    info(P::HongKong, 81, "香港特别行政区", "香港", '港', "Hong Kong",
        &["香港特別行政區", "Xianggang", "HKSAR"]),
    info(P::Macau, 82, "澳门特别行政区", "澳门", '澳', "Macau",
        &["Macao", "澳門", "澳門特別行政區", "Aomen", "MSAR"]),
];

/// Suffixes people add to a short name, correctly or not ("广西省").
const SUFFIXES: [&str; 9] = [
    "特别行政区",
    "自治区",
    "省",
    "市",
    "specialadministrativeregion",
    "autonomousregion",
    "municipality",
    "province",
    "sar",
];

/// Every name a province is known by, in [`match_key`] form, built once:
/// duplicate detection parses the province and city of a million records.
fn province_keys() -> &'static [(String, Province)] {
    static KEYS: std::sync::OnceLock<Vec<(String, Province)>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys = Vec::new();
        for i in &TABLE {
            let names = [i.name, i.short, i.english]
                .into_iter()
                .chain(i.aliases.iter().copied())
                .map(match_key)
                .chain([i.abbr.to_string()]);
            keys.extend(names.map(|k| (k, i.province)));
        }
        keys
    })
}

impl Province {
    pub const ALL: [Province; 34] = {
        let mut all = [Province::Beijing; 34];
        let mut i = 0;
        while i < 34 {
            all[i] = TABLE[i].province;
            i += 1;
        }
        all
    };

    fn info(self) -> &'static Info {
        &TABLE[self as usize]
    }

    /// Accepts the full or short Chinese name, the one-character abbreviation
    /// (粤), or the English name in any case and spacing.
    pub fn parse(s: &str) -> Result<Province, Code> {
        let key = match_key(s);
        if key.is_empty() {
            return Err(Code::InvalidRegion);
        }
        let keys = province_keys();
        let exact = |k: &str| keys.iter().find(|(key, _)| key == k).map(|(_, p)| *p);
        exact(&key)
            .or_else(|| {
                let stem = SUFFIXES.iter().find_map(|suf| key.strip_suffix(suf))?;
                exact(stem)
            })
            .ok_or(Code::InvalidRegion)
    }

    /// The official full name, e.g. 广西壮族自治区.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The name in everyday use, e.g. 广西.
    pub fn short_name(self) -> &'static str {
        self.info().short
    }

    /// The one-character abbreviation seen on licence plates, e.g. 桂.
    pub fn abbr(self) -> char {
        self.info().abbr
    }

    pub fn english_name(self) -> &'static str {
        self.info().english
    }

    /// The GB/T 2260 code, the first two digits of every division code below it.
    pub fn code(self) -> u8 {
        self.info().code
    }

    pub fn from_code(code: u8) -> Option<Province> {
        TABLE.iter().find(|i| i.code == code).map(|i| i.province)
    }
}

impl fmt::Display for Province {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Province {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        Province::parse(s)
    }
}

impl Serialize for Province {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Province {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Province::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
    }
}

/// A six-digit mainland postal code. Hong Kong, Macau and Taiwan do not use
/// this system, and no mainland code starts with 9.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(s: &str) -> Result<PostalCode, Code> {
        let code: String = s
            .chars()
            .map(fold_char)
            .filter(|c| !c.is_whitespace())
            .take(7)
            .collect();
        let b = code.as_bytes();
        if b.len() == 6 && b.iter().all(u8::is_ascii_digit) && b[0] != b'9' {
            Ok(PostalCode(code))
        } else {
            Err(Code::InvalidPostalCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PostalCode {
    type Err = Code;
    fn from_str(s: &str) -> Result<Self, Code> {
        PostalCode::parse(s)
    }
}

impl Serialize for PostalCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PostalCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PostalCode::parse(&s).map_err(|c| serde::de::Error::custom(c.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn table_is_consistent() {
        for (i, p) in Province::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i);
            assert_eq!(TABLE[i].province, *p);
            assert_eq!(Province::from_code(p.code()), Some(*p));
            assert!(p.name().starts_with(p.short_name()));
        }
        let codes: HashSet<u8> = Province::ALL.iter().map(|p| p.code()).collect();
        let abbrs: HashSet<char> = Province::ALL.iter().map(|p| p.abbr()).collect();
        assert_eq!((codes.len(), abbrs.len()), (34, 34));
        assert_eq!(Province::from_code(10), None);
        assert_eq!(Province::from_code(82), Some(Province::Macau));
        assert_eq!(Province::from_code(71), Some(Province::Taiwan));
    }

    #[test]
    fn parses_names_in_every_form() {
        let cases = [
            ("广西壮族自治区", Province::Guangxi),
            ("广西", Province::Guangxi),
            ("桂", Province::Guangxi),
            ("广西省", Province::Guangxi),
            ("guangxi", Province::Guangxi),
            ("Guangxi Zhuang Autonomous Region", Province::Guangxi),
            ("北京市", Province::Beijing),
            (" 北京 ", Province::Beijing),
            ("BEIJING", Province::Beijing),
            ("Inner Mongolia", Province::InnerMongolia),
            ("innermongolia", Province::InnerMongolia),
            ("Nei Mongol", Province::InnerMongolia),
            ("Shanxi", Province::Shanxi),
            ("Shaanxi", Province::Shaanxi),
            ("Guangdong Province", Province::Guangdong),
            ("Hong Kong", Province::HongKong),
            ("hongkong", Province::HongKong),
            ("Hong Kong SAR", Province::HongKong),
            ("香港特别行政区", Province::HongKong),
            ("Macao", Province::Macau),
            ("澳門", Province::Macau),
            ("台湾", Province::Taiwan),
            ("臺灣", Province::Taiwan),
            ("Tibet", Province::Tibet),
            ("Xizang", Province::Tibet),
            ("新疆维吾尔自治区", Province::Xinjiang),
            ("Ｓｉｃｈｕａｎ", Province::Sichuan),
        ];
        for (input, want) in cases {
            assert_eq!(Province::parse(input), Ok(want), "{input}");
        }
        for s in ["", "中国", "Canton", "北", "广", "省", "Gotham", "广东市区"] {
            assert_eq!(Province::parse(s), Err(Code::InvalidRegion), "{s}");
        }
    }

    #[test]
    fn names_and_serialisation() {
        let p = Province::Guangxi;
        assert_eq!(
            (p.name(), p.short_name(), p.code()),
            ("广西壮族自治区", "广西", 45)
        );
        assert_eq!(p.english_name(), "Guangxi");
        assert_eq!(p.to_string(), "广西壮族自治区");
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"广西壮族自治区\"");
        assert_eq!(serde_json::from_str::<Province>("\"Guangxi\"").unwrap(), p);
    }

    #[test]
    fn postal_codes() {
        assert_eq!(
            PostalCode::parse("100080").map(|p| p.0),
            Ok("100080".into())
        );
        assert_eq!(
            PostalCode::parse(" 518 000 ").map(|p| p.0),
            Ok("518000".into())
        );
        assert_eq!(
            PostalCode::parse("０１００５０").map(|p| p.0),
            Ok("010050".into())
        );
        for s in ["", "10008", "1000800", "999077", "10008a", "10-0080"] {
            assert_eq!(PostalCode::parse(s), Err(Code::InvalidPostalCode), "{s}");
        }
    }

    proptest! {
        #[test]
        fn every_name_parses_back(i in 0usize..34, upper in any::<bool>()) {
            let p = Province::ALL[i];
            let english = if upper { p.english_name().to_uppercase() } else { p.english_name().to_lowercase() };
            for s in [p.name(), p.short_name(), english.as_str(), &p.abbr().to_string(), &p.to_string()] {
                prop_assert_eq!(Province::parse(s), Ok(p));
            }
        }

        #[test]
        fn parsers_never_panic(s in any::<String>()) {
            let _ = Province::parse(&s);
            let _ = PostalCode::parse(&s);
        }

        #[test]
        fn postal_codes_round_trip(code in "[0-8][0-9]{5}") {
            let p = PostalCode::parse(&code).unwrap();
            prop_assert_eq!(PostalCode::parse(&p.to_string()), Ok(p));
        }
    }
}
