//! The columns of an imported file as customer fields: which column holds
//! which field, guessed from the headers Chinese and English offices
//! actually write (姓名, 手机号码, E-mail, 公司名称 …) and corrected by the
//! user; and how a cell's text becomes a field's value where people write
//! labels instead of stored values (成交客户 for `customer`, 高 for `high`)
//! or lists in one cell (tags).

use crate::field::FieldDef;
use crate::text::{fold_width, match_key};
use crate::{schema, Lang};

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

/// Headers by target key: the Chinese and English labels kehu writes come
/// first, then what other systems and people write, compared by
/// [`match_key`] (case, width, spaces and punctuation ignored).
const HEADERS: &[(&str, &[&str])] = &[
    (
        "id",
        &["ID", "ID", "kehu id", "kehuid", "记录id", "系统编号"],
    ),
    (
        "external_id",
        &[
            "外部编号",
            "External ID",
            "外部id",
            "外部系统编号",
            "第三方编号",
            "客户编号",
            "客户id",
            "客户代码",
            "原系统编号",
            "externalid",
            "external key",
            "source id",
            "customer id",
            "customer number",
            "customer no",
            "account id",
            "account number",
            "crm id",
        ],
    ),
    (
        "name",
        &[
            "名称",
            "Name",
            "姓名",
            "名字",
            "客户名称",
            "客户姓名",
            "客户名",
            "客户",
            "联系人",
            "联系人姓名",
            "全名",
            "full name",
            "customer name",
            "customer",
            "contact name",
            "account name",
        ],
    ),
    (
        "kind",
        &[
            "类型",
            "Type",
            "客户类型",
            "客户性质",
            "kind",
            "customer type",
            "account type",
        ],
    ),
    (
        "company",
        &[
            "公司",
            "Company",
            "公司名称",
            "单位",
            "单位名称",
            "工作单位",
            "企业",
            "企业名称",
            "所属公司",
            "所在公司",
            "company name",
            "organization",
            "organisation",
            "org",
            "employer",
        ],
    ),
    (
        "country",
        &[
            "国家/地区",
            "Country",
            "国家",
            "国家地区",
            "国别",
            "所在国家",
            "国家或地区",
            "country/region",
            "country or region",
            "country code",
            "nation",
        ],
    ),
    ("gender", &["性别", "Gender", "sex", "称谓", "salutation"]),
    (
        "birth_date",
        &[
            "出生日期",
            "Date of birth",
            "生日",
            "出生年月",
            "出生年月日",
            "出生",
            "dob",
            "d.o.b.",
            "birthday",
            "birth date",
            "birthdate",
            "date_of_birth",
        ],
    ),
    (
        "language",
        &[
            "首选语言",
            "Preferred language",
            "语言",
            "沟通语言",
            "language",
            "lang",
        ],
    ),
    (
        "title",
        &[
            "职位",
            "Title",
            "职务",
            "头衔",
            "岗位",
            "job title",
            "position",
            "role",
        ],
    ),
    (
        "mobile",
        &[
            "手机",
            "Mobile",
            "手机号",
            "手机号码",
            "移动电话",
            "联系手机",
            "手机电话",
            "mobile phone",
            "mobile number",
            "cell",
            "cell phone",
            "cellphone",
        ],
    ),
    (
        "phone",
        &[
            "电话",
            "Phone",
            "座机",
            "固定电话",
            "办公电话",
            "联系电话",
            "电话号码",
            "固话",
            "telephone",
            "tel",
            "office phone",
            "work phone",
            "phone number",
            "business phone",
        ],
    ),
    (
        "email",
        &[
            "邮箱",
            "Email",
            "电子邮件",
            "电子邮箱",
            "邮件",
            "邮箱地址",
            "e-mail",
            "mail",
            "email address",
            "e-mail address",
        ],
    ),
    (
        "uscc",
        &[
            "统一社会信用代码",
            "Credit code",
            "社会信用代码",
            "信用代码",
            "税号",
            "纳税人识别号",
            "uscc",
            "unified social credit code",
            "tax id",
        ],
    ),
    (
        "province",
        &[
            "省份/州",
            "State / province",
            "省份",
            "省",
            "州",
            "所在省份",
            "所在省",
            "省/州",
            "province",
            "state",
            "region",
            "state/province",
            "county/state",
        ],
    ),
    (
        "city",
        &[
            "城市",
            "City",
            "市",
            "所在城市",
            "所在市",
            "town",
            "suburb",
            "town/city",
            "city/town",
            "locality",
        ],
    ),
    (
        "district",
        &["区县", "District", "区", "县", "区/县", "县区", "county"],
    ),
    (
        "address",
        &[
            "地址",
            "Address",
            "详细地址",
            "通讯地址",
            "联系地址",
            "公司地址",
            "街道地址",
            "street",
            "street address",
            "mailing address",
        ],
    ),
    (
        "postal_code",
        &[
            "邮编",
            "Postal code",
            "邮政编码",
            "zip",
            "zip code",
            "postcode",
            "post code",
        ],
    ),
    (
        "industry",
        &["行业", "Industry", "所属行业", "行业类别", "sector"],
    ),
    (
        "company_size",
        &[
            "公司规模",
            "Company size",
            "规模",
            "人员规模",
            "企业规模",
            "员工人数",
            "size",
            "employees",
        ],
    ),
    (
        "website",
        &[
            "网站", "Website", "网址", "官网", "主页", "url", "web", "homepage",
        ],
    ),
    (
        "stage",
        &[
            "阶段",
            "Stage",
            "客户阶段",
            "生命周期",
            "生命周期阶段",
            "lifecycle stage",
            "lifecycle",
        ],
    ),
    (
        "source",
        &[
            "来源",
            "Source",
            "客户来源",
            "来源渠道",
            "渠道",
            "获客渠道",
            "lead source",
            "channel",
        ],
    ),
    (
        "value_tier",
        &[
            "价值等级",
            "Value tier",
            "客户等级",
            "客户级别",
            "等级",
            "级别",
            "tier",
            "rating",
            "priority",
        ],
    ),
    (
        "notes",
        &[
            "备注",
            "Notes",
            "说明",
            "描述",
            "备注信息",
            "note",
            "remarks",
            "remark",
            "comment",
            "comments",
            "description",
        ],
    ),
    (
        "owner",
        &[
            "负责人",
            "Owner",
            "所有人",
            "归属人",
            "跟进人",
            "销售",
            "业务员",
            "客户经理",
            "owner id",
            "sales rep",
            "assigned to",
            "account owner",
        ],
    ),
    (
        "team",
        &[
            "团队",
            "Team",
            "部门",
            "所属团队",
            "所属部门",
            "department",
            "team id",
        ],
    ),
    ("tags", &["标签", "Tags", "tag", "labels", "label"]),
];

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
