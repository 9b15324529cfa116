//! What a CRM knows of a person besides how to reach them: birth date,
//! gender and preferred language, read as customer lists write them.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use crate::country::{name_key, Country};
use crate::date::parse_date;
use crate::text::fold_width;
use crate::Code;

/// Longer than any gender or language as written; longer input is refused
/// before it is folded.
const MAX_WORD: usize = 100;

/// Stored genders.
pub const GENDERS: &[&str] = &["female", "male", "unknown"];

/// A gender as written: 男/女, 先生/女士, M/F, Male/Female, Mr/Mrs/Ms …;
/// 未知, 保密 and their English words are `unknown`.
pub fn gender(raw: &str) -> Result<&'static str, Code> {
    if raw.len() > MAX_WORD {
        return Err(Code::InvalidChoice);
    }
    let key = name_key(raw);
    let found = match key.as_str() {
        "female" | "f" | "woman" | "w" | "女" | "女士" | "女性" | "小姐" | "夫人" | "mrs"
        | "ms" | "miss" | "frau" => "female",
        "male" | "m" | "man" | "男" | "先生" | "男性" | "mr" | "herr" => "male",
        "unknown" | "u" | "x" | "other" | "未知" | "保密" | "不详" | "其他" | "notspecified"
        | "prefernottosay" | "na" => "unknown",
        _ => return Err(Code::InvalidChoice),
    };
    Ok(found)
}

/// A stored gender as people of `lang` write it: 女/男/未知.
pub fn gender_label(stored: &str, lang: crate::Lang) -> &str {
    match (lang, stored) {
        (crate::Lang::ZhCn, "female") => "女",
        (crate::Lang::ZhCn, "male") => "男",
        (crate::Lang::ZhCn, "unknown") => "未知",
        (crate::Lang::En, "female") => "Female",
        (crate::Lang::En, "male") => "Male",
        (crate::Lang::En, "unknown") => "Unknown",
        (_, other) => other,
    }
}

/// `(ISO 639 code, English name, 中文名, other names)`.
const LANGUAGES: &[(&str, &str, &str, &[&str])] = &[
    (
        "zh",
        "Chinese",
        "中文",
        &[
            "Mandarin",
            "普通话",
            "汉语",
            "国语",
            "华语",
            "zh-CN",
            "zh-Hans",
            "简体中文",
            "zh-TW",
            "zh-Hant",
            "繁体中文",
        ],
    ),
    ("yue", "Cantonese", "粤语", &["广东话", "白话", "zh-HK"]),
    (
        "en",
        "English",
        "英语",
        &["英文", "en-US", "en-GB", "en-AU"],
    ),
    ("ja", "Japanese", "日语", &["日文", "日本語"]),
    ("ko", "Korean", "韩语", &["韩文", "朝鲜语", "한국어"]),
    ("fr", "French", "法语", &["Français", "法文"]),
    ("de", "German", "德语", &["Deutsch", "德文"]),
    ("es", "Spanish", "西班牙语", &["Español", "Castellano"]),
    ("pt", "Portuguese", "葡萄牙语", &["Português"]),
    ("it", "Italian", "意大利语", &["Italiano"]),
    ("nl", "Dutch", "荷兰语", &["Nederlands"]),
    ("ru", "Russian", "俄语", &["Русский", "俄文"]),
    ("uk", "Ukrainian", "乌克兰语", &[]),
    ("pl", "Polish", "波兰语", &["Polski"]),
    ("cs", "Czech", "捷克语", &[]),
    ("hu", "Hungarian", "匈牙利语", &[]),
    ("ro", "Romanian", "罗马尼亚语", &[]),
    ("el", "Greek", "希腊语", &[]),
    ("sv", "Swedish", "瑞典语", &["Svenska"]),
    ("da", "Danish", "丹麦语", &["Dansk"]),
    ("no", "Norwegian", "挪威语", &["Norsk"]),
    ("fi", "Finnish", "芬兰语", &["Suomi"]),
    ("tr", "Turkish", "土耳其语", &["Türkçe"]),
    ("ar", "Arabic", "阿拉伯语", &["العربية"]),
    ("he", "Hebrew", "希伯来语", &[]),
    ("fa", "Persian", "波斯语", &["Farsi"]),
    ("hi", "Hindi", "印地语", &[]),
    ("ur", "Urdu", "乌尔都语", &[]),
    ("bn", "Bengali", "孟加拉语", &[]),
    ("ta", "Tamil", "泰米尔语", &[]),
    ("th", "Thai", "泰语", &["ภาษาไทย"]),
    ("vi", "Vietnamese", "越南语", &["Tiếng Việt"]),
    (
        "id",
        "Indonesian",
        "印尼语",
        &["Bahasa Indonesia", "印度尼西亚语"],
    ),
    ("ms", "Malay", "马来语", &["Bahasa Melayu"]),
    ("tl", "Filipino", "菲律宾语", &["Tagalog"]),
    ("mn", "Mongolian", "蒙古语", &[]),
    ("km", "Khmer", "高棉语", &[]),
    ("my", "Burmese", "缅甸语", &[]),
];

/// Stored language codes.
pub fn language_codes() -> impl Iterator<Item = &'static str> {
    LANGUAGES.iter().map(|l| l.0)
}

/// A language's name in the user's language (`English`, `英语`).
pub fn language_name(code: &str, lang: crate::Lang) -> Option<&'static str> {
    let l = LANGUAGES.iter().find(|l| l.0 == code)?;
    Some(match lang {
        crate::Lang::En => l.1,
        crate::Lang::ZhCn => l.2,
    })
}

/// A preferred language by code (`en`, `zh-CN`) or name in English, in
/// Chinese or in itself.
pub fn language(raw: &str) -> Result<&'static str, Code> {
    static KEYS: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let mut map = HashMap::new();
        for (code, en, zh, other) in LANGUAGES {
            for name in [*code, *en, *zh].iter().chain(other.iter()) {
                map.entry(name_key(name)).or_insert(*code);
            }
        }
        map
    });
    if raw.len() > MAX_WORD {
        return Err(Code::InvalidChoice);
    }
    keys.get(&name_key(raw)).copied().ok_or(Code::InvalidChoice)
}

/// Countries that write the month before the day (`03/15/1985`).
const MONTH_FIRST: &[&str] = &[
    "US", "PH", "FM", "MH", "PW", "PR", "GU", "AS", "VI", "MP", "BZ",
];

/// A birth date as people of `country` write it: year first in any form
/// [`parse_date`] takes (`1985-03-15`, `1985年3月15日`, `19850315`), or
/// day and month before the year (`15/03/1985`, `15.3.1985`), in the
/// country's order unless the numbers leave only one reading. Not before
/// 1900, not after `today`.
pub fn birth_date(country: Country, raw: &str, today: NaiveDate) -> Result<NaiveDate, Code> {
    let folded = fold_width(raw);
    let s = folded.trim();
    let date = parse_date(s).or_else(|_| day_month_year(country, s).ok_or(Code::InvalidDate))?;
    if date > today || date.year() < 1900 {
        return Err(Code::InvalidBirthDate);
    }
    Ok(date)
}

fn day_month_year(country: Country, s: &str) -> Option<NaiveDate> {
    let sep = s.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, '/' | '.' | '-') {
        return None;
    }
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, y] = parts[..] else {
        return None;
    };
    if y.len() != 4 || a.is_empty() || b.is_empty() || a.len() > 2 || b.len() > 2 {
        return None;
    }
    let (a, b, y): (u32, u32, i32) = (a.parse().ok()?, b.parse().ok()?, y.parse().ok()?);
    let month_first = if a > 12 {
        false
    } else if b > 12 {
        true
    } else {
        MONTH_FIRST.contains(&country.code())
    };
    let (m, d) = if month_first { (a, b) } else { (b, a) };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Whole years from `birth` to `today`.
pub fn age(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn genders_are_read_in_either_language_and_as_titles() {
        for s in ["女", "女士", "F", "female", "Mrs.", "Ms"] {
            assert_eq!(gender(s), Ok("female"), "{s}");
        }
        for s in ["男", "先生", "M", "Male", "Mr."] {
            assert_eq!(gender(s), Ok("male"), "{s}");
        }
        for s in ["未知", "保密", "Unknown", "U"] {
            assert_eq!(gender(s), Ok("unknown"), "{s}");
        }
        assert_eq!(gender("yes"), Err(Code::InvalidChoice));
    }

    #[test]
    fn languages_are_read_by_code_or_name() {
        for (s, want) in [
            ("en", "en"),
            ("English", "en"),
            ("英语", "en"),
            ("zh-CN", "zh"),
            ("中文", "zh"),
            ("普通话", "zh"),
            ("粤语", "yue"),
            ("Deutsch", "de"),
        ] {
            assert_eq!(language(s), Ok(want), "{s}");
        }
        assert_eq!(language("Klingon"), Err(Code::InvalidChoice));
        for code in language_codes() {
            assert_eq!(language(code), Ok(code));
        }
    }

    #[test]
    fn birth_dates_are_read_in_the_countrys_order_and_must_be_past() {
        let today = day("2026-12-07");
        let au = Country::from_code("AU").unwrap();
        let us = Country::from_code("US").unwrap();
        assert_eq!(birth_date(au, "05/03/1985", today), Ok(day("1985-03-05")));
        assert_eq!(birth_date(us, "05/03/1985", today), Ok(day("1985-05-03")));
        // Only one reading when a number is above 12.
        assert_eq!(birth_date(us, "15/03/1985", today), Ok(day("1985-03-15")));
        assert_eq!(birth_date(au, "03/15/1985", today), Ok(day("1985-03-15")));
        assert_eq!(
            birth_date(Country::CN, "1985年3月5日", today),
            Ok(day("1985-03-05"))
        );
        assert_eq!(birth_date(au, "19850305", today), Ok(day("1985-03-05")));
        assert_eq!(birth_date(au, "15.3.1985", today), Ok(day("1985-03-15")));
        assert_eq!(
            birth_date(au, "2027-01-01", today),
            Err(Code::InvalidBirthDate)
        );
        assert_eq!(birth_date(au, "31/02/1985", today), Err(Code::InvalidDate));
        assert_eq!(birth_date(au, "tomorrow", today), Err(Code::InvalidDate));
    }

    #[test]
    fn age_counts_whole_years() {
        assert_eq!(age(day("1985-12-08"), day("2026-12-07")), 40);
        assert_eq!(age(day("1985-12-07"), day("2026-12-07")), 41);
        assert_eq!(age(day("2000-02-29"), day("2026-02-28")), 25);
    }
}
