//! A cell's text as a field's value: labels people write instead of
//! stored values (成交客户 for `customer`, 高 for `high`), company sizes as
//! written, and lists in one cell (tags).

use crate::text::{fold_width, match_key};
use crate::Lang;

/// Labels people write for the values of fixed-choice fields, besides the
/// stored value itself, compared by [`match_key`].
const CHOICE_LABELS: &[(&str, &str, &[&str])] = &[
    (
        "kind",
        "company",
        &[
            "企业",
            "公司",
            "单位",
            "机构",
            "法人",
            "b2b",
            "organization",
            "business",
        ],
    ),
    (
        "kind",
        "individual",
        &["个人", "个体", "自然人", "person", "b2c", "consumer"],
    ),
    ("stage", "lead", &["线索", "新线索", "潜客"]),
    (
        "stage",
        "prospect",
        &["意向", "意向客户", "潜在客户", "商机", "opportunity"],
    ),
    (
        "stage",
        "customer",
        &["成交客户", "成交", "已成交", "客户", "签约客户", "won"],
    ),
    (
        "stage",
        "loyal",
        &["忠诚客户", "忠诚", "老客户", "vip", "repeat"],
    ),
    ("stage", "churned", &["流失", "已流失", "流失客户", "lost"]),
    (
        "value_tier",
        "high",
        &["高", "重要", "重点", "a", "a类", "a级"],
    ),
    (
        "value_tier",
        "medium",
        &["中", "一般", "普通", "b", "b类", "b级", "med", "mid"],
    ),
    ("value_tier", "low", &["低", "次要", "c", "c类", "c级"]),
];

/// The stored value of a fixed-choice field for what a cell says: the
/// value itself (`customer`), its label in either language (成交客户,
/// Customer) or a common synonym (已成交). `None` if it names none.
pub fn choice_value(field: &str, options: &[&'static str], cell: &str) -> Option<&'static str> {
    let key = match_key(cell);
    if let Some(found) = options.iter().find(|o| match_key(o) == key) {
        return Some(found);
    }
    if field == "company_size" {
        return company_size(options, cell);
    }
    CHOICE_LABELS
        .iter()
        .filter(|(f, _, _)| *f == field)
        .find(|(_, _, words)| words.iter().any(|w| match_key(w) == key))
        .and_then(|(_, value, _)| options.iter().find(|o| *o == value).copied())
}

/// How an export writes a fixed choice: its label in the language, which
/// [`choice_value`] reads back.
pub fn choice_label(field: &str, value: &str, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => CHOICE_LABELS
            .iter()
            .find(|(f, v, _)| *f == field && *v == value)
            .map_or_else(|| value.to_owned(), |(_, _, words)| words[0].to_owned()),
        Lang::En => {
            let mut chars = value.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// Company sizes as people write them: 10-49人, 10~49, 1000人以上.
fn company_size(options: &[&'static str], cell: &str) -> Option<&'static str> {
    let mut s: String = fold_width(cell)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    for word in ["employees", "人", "名"] {
        s = s.replace(word, "");
    }
    for dash in ["~", "至", "–", "—", "到"] {
        s = s.replace(dash, "-");
    }
    for more in ["及以上", "以上"] {
        if let Some(stripped) = s.strip_suffix(more) {
            s = format!("{stripped}+");
        }
    }
    options.iter().find(|o| **o == s).copied()
}

/// The items of a list written in one cell: 重点客户，展会；VIP — split on
/// commas, semicolons, 、 and |, each trimmed, blanks dropped.
pub fn split_list(cell: &str) -> Vec<String> {
    cell.split([',', '，', ';', '；', '、', '|'])
        .map(crate::text::clean)
        .filter(|s| !s.is_empty())
        .collect()
}
