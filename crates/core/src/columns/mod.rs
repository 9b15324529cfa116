//! The columns of an imported file as customer fields: which column holds
//! which field, guessed from the headers Chinese and English offices
//! actually write (姓名, 手机号码, E-mail, 公司名称 …) and corrected by the
//! user; and how a cell's text becomes a field's value where people write
//! labels instead of stored values (成交客户 for `customer`, 高 for `high`)
//! or lists in one cell (tags).

mod cells;
mod headers;

pub use cells::{choice_label, choice_value, split_list};

use crate::field::FieldDef;
use crate::text::match_key;
use crate::{schema, Lang};

use headers::HEADERS;

/// What one column of a file fills in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A built-in customer field (schema::CUSTOMER) other than owner and team.
    Field(&'static str),
    /// An administrator's custom field, by key.
    Custom(String),
    /// Tags, several in one cell.
    Tags,
    /// The owner, by email or name.
    Owner,
    /// The team, by name.
    Team,
    /// kehu's own id of the record (a re-imported export, an update file).
    Id,
}

impl Target {
    /// The key the target is known by in mappings, templates and the API:
    /// `name`, `custom.level`, `tags`, `owner`, `team`, `id`.
    pub fn key(&self) -> String {
        match self {
            Target::Field(name) => (*name).to_owned(),
            Target::Custom(key) => format!("custom.{key}"),
            Target::Tags => "tags".into(),
            Target::Owner => "owner".into(),
            Target::Team => "team".into(),
            Target::Id => "id".into(),
        }
    }

    /// The target named by `key`, if there is one: built-in field names,
    /// `owner`/`owner_id`, `team`/`team_id`, `tags`, `id` and
    /// `custom.KEY` of a defined custom field.
    pub fn parse(key: &str, defs: &[FieldDef]) -> Option<Target> {
        let key = key.trim();
        match key {
            "owner" | "owner_id" => return Some(Target::Owner),
            "team" | "team_id" => return Some(Target::Team),
            "tags" => return Some(Target::Tags),
            "id" => return Some(Target::Id),
            _ => {}
        }
        if let Some(custom) = key.strip_prefix("custom.") {
            return defs
                .iter()
                .find(|d| d.key.as_str() == custom)
                .map(|d| Target::Custom(d.key.as_str().to_owned()));
        }
        schema::CUSTOMER
            .iter()
            .find(|s| s.name == key)
            .map(|s| Target::Field(s.name))
    }

    /// The column header an export writes for this target, which
    /// [`guess`] maps back to it.
    pub fn label(&self, lang: Lang, defs: &[FieldDef]) -> String {
        let key = self.key();
        if let Target::Custom(k) = self {
            if let Some(def) = defs.iter().find(|d| d.key.as_str() == k) {
                return match lang {
                    Lang::ZhCn => def.label_zh.clone(),
                    Lang::En => def.label_en.clone(),
                };
            }
        }
        HEADERS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, words)| match lang {
                Lang::ZhCn => words[0],
                Lang::En => words[1],
            })
            .unwrap_or(key.as_str())
            .to_owned()
    }
}

/// Every target a customer file can fill, in the order an export writes
/// them.
pub fn all_targets(defs: &[FieldDef]) -> Vec<Target> {
    let mut out = vec![Target::Id];
    for spec in schema::CUSTOMER {
        out.push(match spec.name {
            "owner_id" => Target::Owner,
            "team_id" => Target::Team,
            name => Target::Field(name),
        });
    }
    out.push(Target::Tags);
    out.extend(
        defs.iter()
            .map(|d| Target::Custom(d.key.as_str().to_owned())),
    );
    out
}

/// The target a header most likely names: a custom field's label or key,
/// a built-in field's name, or a common way of writing it.
pub fn guess(header: &str, defs: &[FieldDef]) -> Option<Target> {
    let key = match_key(header);
    if key.is_empty() {
        return None;
    }
    for def in defs {
        if [
            def.label_zh.as_str(),
            def.label_en.as_str(),
            def.key.as_str(),
        ]
        .iter()
        .any(|w| match_key(w) == key)
        {
            return Some(Target::Custom(def.key.as_str().to_owned()));
        }
    }
    if let Some(target) = Target::parse(header, defs) {
        return Some(target);
    }
    HEADERS
        .iter()
        .find(|(_, words)| words.iter().any(|w| match_key(w) == key))
        .and_then(|(k, _)| Target::parse(k, defs))
}

/// A target for each header, no target twice: where two columns name the
/// same field, the first keeps it and the second is left unmapped.
pub fn guess_all(headers: &[String], defs: &[FieldDef]) -> Vec<Option<Target>> {
    let mut taken: Vec<Target> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let target = guess(h, defs).filter(|t| !taken.contains(t))?;
            taken.push(target.clone());
            Some(target)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn common_chinese_and_english_headers_find_their_fields() {
        let cases = [
            ("姓名", "name"),
            ("客户名称", "name"),
            ("Name", "name"),
            ("手机号码", "mobile"),
            ("手机号", "mobile"),
            ("Mobile Phone", "mobile"),
            ("电子邮件", "email"),
            ("E-mail", "email"),
            ("E-Mail Address", "email"),
            ("公司名称", "company"),
            ("单位", "company"),
            ("职位", "title"),
            ("省", "province"),
            ("省份", "province"),
            ("市", "city"),
            ("城市", "city"),
            ("地址", "address"),
            ("来源", "source"),
            ("备注", "notes"),
            ("统一社会信用代码", "uscc"),
            ("负责人", "owner"),
            ("标签", "tags"),
            ("外部编号", "external_id"),
            ("ID", "id"),
            ("postal_code", "postal_code"),
            ("　手机　", "mobile"),
        ];
        for (header, key) in cases {
            assert_eq!(
                guess(header, &[]).map(|t| t.key()),
                Some(key.to_owned()),
                "{header}"
            );
        }
        assert_eq!(guess("随便什么", &[]), None);
        assert_eq!(guess("", &[]), None);
    }

    #[test]
    fn custom_fields_are_found_by_label_and_key() {
        let def: FieldDef = serde_json::from_value(serde_json::json!({
            "key": "level", "label_zh": "会员等级", "label_en": "Member level",
            "kind": {"type": "text"}
        }))
        .unwrap();
        let defs = [def];
        for header in ["会员等级", "member level", "level", "custom.level"] {
            assert_eq!(
                guess(header, &defs),
                Some(Target::Custom("level".into())),
                "{header}"
            );
        }
    }

    #[test]
    fn a_field_named_by_two_columns_goes_to_the_first() {
        let mapped = guess_all(&headers(&["姓名", "手机", "客户名称", "备注"]), &[]);
        let keys: Vec<Option<String>> =
            mapped.iter().map(|t| t.as_ref().map(Target::key)).collect();
        assert_eq!(
            keys,
            vec![
                Some("name".into()),
                Some("mobile".into()),
                None,
                Some("notes".into())
            ]
        );
    }

    #[test]
    fn every_label_an_export_writes_maps_back_to_its_target() {
        for target in all_targets(&[]) {
            for lang in [Lang::ZhCn, Lang::En] {
                let label = target.label(lang, &[]);
                assert_eq!(guess(&label, &[]), Some(target.clone()), "{label}");
            }
        }
    }

    #[test]
    fn choices_accept_values_labels_and_synonyms() {
        assert_eq!(
            choice_value("stage", schema::STAGES, "成交客户"),
            Some("customer")
        );
        assert_eq!(
            choice_value("stage", schema::STAGES, "Customer"),
            Some("customer")
        );
        assert_eq!(
            choice_value("stage", schema::STAGES, "意向"),
            Some("prospect")
        );
        assert_eq!(choice_value("stage", schema::STAGES, "老板"), None);
        assert_eq!(
            choice_value("kind", schema::CUSTOMER_KINDS, "企业"),
            Some("company")
        );
        assert_eq!(
            choice_value("kind", schema::CUSTOMER_KINDS, "个人"),
            Some("individual")
        );
        assert_eq!(
            choice_value("value_tier", schema::VALUE_TIERS, "高"),
            Some("high")
        );
        assert_eq!(
            choice_value("value_tier", schema::VALUE_TIERS, "A类"),
            Some("high")
        );
        let sizes = schema::COMPANY_SIZES;
        assert_eq!(
            choice_value("company_size", sizes, "10-49人"),
            Some("10-49")
        );
        assert_eq!(choice_value("company_size", sizes, "10～49"), Some("10-49"));
        assert_eq!(
            choice_value("company_size", sizes, "1000人以上"),
            Some("1000+")
        );
        assert_eq!(choice_value("company_size", sizes, "很多"), None);
    }

    #[test]
    fn every_choice_label_reads_back_as_its_value() {
        for (field, options) in [
            ("kind", schema::CUSTOMER_KINDS),
            ("stage", schema::STAGES),
            ("value_tier", schema::VALUE_TIERS),
            ("company_size", schema::COMPANY_SIZES),
        ] {
            for value in options {
                for lang in [Lang::ZhCn, Lang::En] {
                    let label = choice_label(field, value, lang);
                    assert_eq!(
                        choice_value(field, options, &label),
                        Some(*value),
                        "{label}"
                    );
                }
            }
        }
        assert_eq!(choice_label("stage", "customer", Lang::ZhCn), "成交客户");
    }

    #[test]
    fn lists_in_one_cell_split_on_chinese_and_ascii_separators() {
        assert_eq!(
            split_list(" 重点客户，展会；VIP、 a | b ,, "),
            vec!["重点客户", "展会", "VIP", "a", "b"]
        );
        assert!(split_list("  ").is_empty());
    }

    #[test]
    fn targets_parse_back_from_their_keys() {
        for target in all_targets(&[]) {
            assert_eq!(Target::parse(&target.key(), &[]), Some(target.clone()));
        }
        assert_eq!(Target::parse("owner_id", &[]), Some(Target::Owner));
        assert_eq!(Target::parse("custom.nope", &[]), None);
        assert_eq!(Target::parse("password", &[]), None);
    }
}
