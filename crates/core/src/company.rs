//! Company names compared by their core. The same company is entered as
//! 北京某某科技有限公司, 某某科技（北京）有限公司 or just 某某科技; Chinese
//! registered names are built as region + trade name + industry + legal form,
//! so dropping the region and the legal form leaves what people actually
//! call the company, and what duplicate detection should compare.

use crate::text::{fold_width, match_key};

/// Legal forms, longest first so 股份有限公司 goes in one piece rather than
/// leaving 股份 behind. Industry words (科技, 贸易) and 事务所 stay: they tell
/// different businesses of one owner apart.
const CN_FORMS: &[&str] = &[
    "集团股份有限公司",
    "集团有限责任公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "个体工商户",
    "有限公司",
    "有限合伙",
    "合伙企业",
    "普通合伙",
    "总公司",
    "工作室",
    "集团",
    "公司",
    "商行",
    "厂",
];

/// Branch designations: stripped so a branch's core equals its parent's;
/// [`is_branch`] keeps dedupe from calling the two identical.
const CN_BRANCHES: &[&str] = &[
    "分公司",
    "办事处",
    "代表处",
    "营业部",
    "分店",
    "分部",
    "分行",
    "支行",
    "分厂",
];

/// English legal-form words, stripped from the end one at a time so that
/// "co., ltd", "co ltd" and "company limited" all go.
const EN_FORMS: &[&str] = &[
    "co",
    "company",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "corp",
    "corporation",
    "gmbh",
    "plc",
    "llp",
    "lp",
    // What is left of "Public Limited Company" once the last two are gone.
    "public",
    "group",
];

/// Province-level divisions by their short names, plus 中国, which many
/// registered names start with.
const PROVINCES: &[&str] = &[
    "中国",
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

/// The larger prefecture-level cities, which registered names often start
/// with instead of the province.
const CITIES: &[&str] = &[
    "广州",
    "深圳",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "长沙",
    "郑州",
    "青岛",
    "宁波",
    "厦门",
    "福州",
    "合肥",
    "济南",
    "沈阳",
    "大连",
    "哈尔滨",
    "长春",
    "石家庄",
    "太原",
    "昆明",
    "贵阳",
    "南宁",
    "南昌",
    "无锡",
    "佛山",
    "东莞",
    "珠海",
    "温州",
    "常州",
    "烟台",
    "兰州",
    "乌鲁木齐",
    "海口",
    "三亚",
    "呼和浩特",
    "银川",
    "西宁",
    "拉萨",
    "唐山",
    "保定",
    "廊坊",
    "邯郸",
    "秦皇岛",
    "徐州",
    "南通",
    "扬州",
    "镇江",
    "盐城",
    "泰州",
    "嘉兴",
    "绍兴",
    "湖州",
    "金华",
    "台州",
    "泉州",
    "漳州",
    "惠州",
    "中山",
    "江门",
    "汕头",
    "湛江",
    "洛阳",
    "潍坊",
    "临沂",
    "淄博",
    "济宁",
    "威海",
    "包头",
    "桂林",
    "柳州",
    "宜昌",
    "襄阳",
    "芜湖",
    "绵阳",
    "遵义",
    "赣州",
    "九江",
    "鞍山",
    "大庆",
    "吉林",
];

/// What may follow a region's short name in a registered name.
const REGION_SUFFIXES: &[&str] = &[
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
    "",
];

/// A leading region is dropped only if this many characters remain: a
/// shorter rest is an industry word, not a trade name (北京银行 and 上海银行
/// are different banks, not two entries of 银行).
const MIN_CORE_AFTER_REGION: usize = 4;

/// Bounds the stripping loops; real names need two or three rounds.
const MAX_ROUNDS: usize = 8;

/// Drops bracketed text. Region qualifiers are written in brackets
/// (某某科技（北京）有限公司), as are partnership forms (（有限合伙）).
/// An unclosed bracket keeps its text, since it cannot be told apart from a
/// typo.
pub(crate) fn drop_brackets(s: &str) -> String {
    let mut out = String::new();
    let mut open: Vec<String> = Vec::new();
    for c in s.chars() {
        match c {
            '(' | '（' | '【' | '[' | '〔' => open.push(String::new()),
            ')' | '）' | '】' | ']' | '〕' => {
                // A closing bracket without an opening one is plain noise.
                open.pop();
            }
            _ => match open.last_mut() {
                Some(inner) => inner.push(c),
                None => out.push(c),
            },
        }
    }
    for inner in open {
        out.push_str(&inner);
    }
    out
}

fn trim_noise(s: &str) -> &str {
    s.trim_matches(|c: char| !c.is_alphanumeric())
}

/// The region names `s` starts with, as the byte length of the longest.
fn leading_region(s: &str) -> Option<usize> {
    let mut longest = None;
    for base in PROVINCES.iter().chain(CITIES) {
        let Some(rest) = s.strip_prefix(base) else {
            continue;
        };
        for suffix in REGION_SUFFIXES {
            if rest.starts_with(suffix) {
                longest = longest.max(Some(base.len() + suffix.len()));
            }
        }
    }
    longest
}

fn trailing_region(s: &str) -> Option<usize> {
    let mut longest = None;
    for suffix in REGION_SUFFIXES {
        let Some(rest) = s.strip_suffix(suffix) else {
            continue;
        };
        for base in PROVINCES.iter().chain(CITIES) {
            if rest.ends_with(base) {
                longest = longest.max(Some(base.len() + suffix.len()));
            }
        }
    }
    longest
}

/// Writes dotted initialisms as one word ("l.l.c." as "llc", "s.a." as
/// "sa"), so the legal-form list needs one spelling of each.
fn join_initialisms(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let single_letter_before = i >= 1
            && chars[i - 1].is_ascii_alphabetic()
            && (i < 2 || !chars[i - 2].is_ascii_alphanumeric());
        let letter_after = chars.get(i + 1).is_some_and(char::is_ascii_alphabetic)
            && !chars.get(i + 2).is_some_and(char::is_ascii_alphanumeric);
        if c == '.' && single_letter_before && letter_after {
            continue;
        }
        out.push(c);
    }
    out
}

/// Strips one English legal-form word from the end, if it stands as a word.
fn strip_en_form(s: &str) -> Option<&str> {
    let start = s
        .rfind(|c: char| !c.is_ascii_alphanumeric())
        .map(|i| i + s[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let word = &s[start..];
    if start == 0 || !EN_FORMS.contains(&word) {
        return None;
    }
    Some(&s[..start])
}

/// Where the parent company's legal form ends inside a branch's name with
/// its designation removed (某某有限公司|浦东), when a place name follows it.
/// 厂 is left out: as one character it occurs inside trade names.
fn parent_form_end(rest: &str) -> Option<usize> {
    CN_FORMS
        .iter()
        .filter(|f| f.chars().count() > 1)
        .filter_map(|f| rest.rfind(f).map(|at| at + f.len()))
        .filter(|&end| end < rest.len() && !trim_noise(&rest[end..]).is_empty())
        .max()
}

/// Strips legal forms and branch designations from the end, repeatedly
/// (某某集团有限公司 loses 有限公司, then 集团). A branch's own region
/// (某某有限公司北京分公司) goes with its designation.
fn strip_forms(mut s: &str) -> &str {
    for _ in 0..MAX_ROUNDS {
        s = trim_noise(s);
        // Branches first: 分公司 ends in 公司 but must take its region along.
        if let Some(rest) = CN_BRANCHES.iter().find_map(|f| s.strip_suffix(f)) {
            let rest = trim_noise(rest);
            if rest.is_empty() {
                break;
            }
            s = match (parent_form_end(rest), trailing_region(rest)) {
                // 某某有限公司浦东分公司: whatever follows the parent's legal
                // form names the branch's place.
                (Some(end), _) => &rest[..end],
                (None, Some(len)) if !trim_noise(&rest[..rest.len() - len]).is_empty() => {
                    &rest[..rest.len() - len]
                }
                _ => rest,
            };
        } else if let Some(rest) = CN_FORMS.iter().find_map(|f| s.strip_suffix(f)) {
            if trim_noise(rest).is_empty() {
                break;
            }
            s = rest;
        } else if let Some(rest) = strip_en_form(s) {
            if trim_noise(rest).is_empty() {
                break;
            }
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn strip_leading_regions(mut s: &str) -> &str {
    for _ in 0..MAX_ROUNDS {
        s = trim_noise(s);
        let Some(len) = leading_region(s) else { break };
        let rest = &s[len..];
        if match_key(rest).chars().count() < MIN_CORE_AFTER_REGION {
            break;
        }
        s = rest;
    }
    s
}

/// The part of a company name that identifies the company: no bracketed
/// qualifiers, no leading region, no legal form, in [`match_key`] form.
/// Never empty for a name that has any letter or digit.
pub fn company_core(name: &str) -> String {
    core_of_folded(&fold_width(name).to_lowercase()).unwrap_or_else(|| match_key(name))
}

/// [`company_core`] of a name already width-folded and lower-cased, as
/// duplicate detection holds it; `None` where nothing is left, for the
/// caller to fall back on the whole name.
pub(crate) fn core_of_folded(folded: &str) -> Option<String> {
    let unbracketed = drop_brackets(&join_initialisms(folded));
    let core = match_key(strip_leading_regions(strip_forms(&unbracketed)));
    (!core.is_empty()).then_some(core)
}

/// Whether the name denotes a branch (分公司, 分店, 办事处, "branch"), so
/// duplicate detection can mark it related to, not identical with, the
/// company of the same core.
pub fn is_branch(name: &str) -> bool {
    is_branch_folded(&fold_width(name).to_lowercase())
}

/// [`is_branch`] of a name already width-folded and lower-cased.
pub(crate) fn is_branch_folded(folded: &str) -> bool {
    CN_BRANCHES.iter().any(|b| folded.contains(b))
        || folded
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "branch")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn regions_and_legal_forms_do_not_matter() {
        for name in [
            "北京某某科技有限公司",
            "某某科技（北京）有限公司",
            "某某科技",
            "某某科技有限责任公司",
            "某某科技(上海)有限公司",
            "某某科技【中国】股份有限公司",
            "北京市某某科技有限公司",
            "广东省深圳市某某科技有限公司",
            "新疆维吾尔自治区某某科技有限公司",
            "某某科技集团有限公司",
            "某某科技集团",
            " 某某科技 有限公司 ",
            "某某科技（有限合伙）",
            "某某科技　有限公司。",
        ] {
            assert_eq!(company_core(name), "某某科技", "{name}");
        }
    }

    #[test]
    fn industry_words_and_firms_stay() {
        assert_eq!(company_core("某某贸易有限公司"), "某某贸易");
        assert_ne!(
            company_core("某某科技有限公司"),
            company_core("某某贸易有限公司")
        );
        assert_eq!(company_core("某某律师事务所"), "某某律师事务所");
        assert_eq!(
            company_core("某某会计师事务所（特殊普通合伙）"),
            "某某会计师事务所"
        );
        assert_eq!(company_core("红星服装厂"), "红星服装");
        assert_eq!(company_core("某某设计工作室"), "某某设计");
    }

    #[test]
    fn a_region_that_is_the_trade_name_stays() {
        assert_eq!(company_core("北京银行股份有限公司"), "北京银行");
        assert_ne!(company_core("北京银行"), company_core("上海银行"));
        assert_eq!(company_core("中国银行"), "中国银行");
        assert_eq!(company_core("中国建设银行股份有限公司"), "建设银行");
    }

    #[test]
    fn english_legal_forms() {
        assert_eq!(company_core("Acme Trading Co., Ltd."), "acmetrading");
        assert_eq!(company_core("ACME Trading Ltd"), "acmetrading");
        assert_eq!(company_core("Acme Trading Company Limited"), "acmetrading");
        assert_eq!(company_core("Acme Trading Co Ltd"), "acmetrading");
        assert_eq!(company_core("Acme, Inc."), "acme");
        assert_eq!(company_core("Acme LLC"), "acme");
        assert_eq!(company_core("Acme GmbH"), "acme");
        assert_eq!(company_core("ACME Corp. (Asia)"), "acme");
        assert_eq!(company_core("Ｂｅｔａ Group PLC"), "beta");
        assert_eq!(company_core("Beta Public Limited Company"), "beta");
        assert_eq!(company_core("Acme L.L.C."), "acme");
        assert_eq!(company_core("Acme LLP"), "acme");
        assert_eq!(join_initialisms("a.b.c. x.y"), "abc. xy");
        assert_eq!(join_initialisms("st. john"), "st. john");
        // A form word that is part of another word is kept.
        assert_eq!(company_core("Blimited"), "blimited");
    }

    #[test]
    fn never_empty_for_a_real_name() {
        assert_eq!(company_core("有限公司"), "有限公司");
        assert_eq!(company_core("集团公司"), "集团");
        assert_eq!(company_core("Ltd"), "ltd");
        assert_eq!(company_core("（北京）"), "北京");
        assert_eq!(company_core("北京"), "北京");
        assert_eq!(company_core(""), "");
        assert_eq!(company_core(" ()"), "");
    }

    #[test]
    fn brackets() {
        assert_eq!(drop_brackets("a(b)c"), "ac");
        assert_eq!(drop_brackets("a(b(c)d)e"), "ae");
        assert_eq!(drop_brackets("a)b"), "ab");
        assert_eq!(drop_brackets("a(b"), "ab");
    }

    #[test]
    fn branches_share_the_parent_core() {
        assert!(is_branch("某某科技有限公司北京分公司"));
        assert!(is_branch("某某餐饮朝阳分店"));
        assert!(is_branch("某某（上海）办事处"));
        assert!(is_branch("Acme Ltd, Shanghai Branch"));
        assert!(is_branch("中国银行北京分行"));
        assert!(!is_branch("某某科技有限公司"));
        assert!(!is_branch("Branchwood Ltd"));
        assert_eq!(company_core("某某科技有限公司北京分公司"), "某某科技");
        assert_eq!(company_core("某某科技有限公司深圳市分公司"), "某某科技");
        // The branch's place need not be a city the lists know.
        assert_eq!(company_core("上海华信科技有限公司浦东分公司"), "华信科技");
        assert_eq!(company_core("某某科技股份有限公司朝阳区营业部"), "某某科技");
        assert_eq!(company_core("中国银行北京分行"), "中国银行");
    }

    proptest! {
        #[test]
        fn never_panics_nor_empties_a_real_name(name in "\\PC{0,60}") {
            let core = company_core(&name);
            prop_assert_eq!(core.is_empty(), match_key(&name).is_empty());
            prop_assert!(!core.chars().any(|c| c.is_whitespace() || c.is_ascii_punctuation()));
            let _ = is_branch(&name);
        }

        #[test]
        fn decoration_is_ignored(
            trade in "[甲乙丙丁戊己庚辛壬癸]{2,4}",
            industry in "(科技|贸易|网络|物流)",
            region in "(北京|上海市|广东省|深圳|内蒙古自治区)",
            form in "(有限公司|股份有限公司|有限责任公司|集团有限公司)",
        ) {
            let core = format!("{trade}{industry}");
            prop_assert_eq!(company_core(&core), core.clone());
            prop_assert_eq!(company_core(&format!("{region}{core}{form}")), core.clone());
            prop_assert_eq!(company_core(&format!("{core}（{region}）{form}")), core.clone());
            prop_assert_eq!(company_core(&format!("{core}{form}{region}分公司")), core);
        }
    }
}
